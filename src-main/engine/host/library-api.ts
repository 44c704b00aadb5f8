import type { ImportClipsResult, OutputOf, ParsedInputOf, ProcedureName, WaveformPeaks } from '../../../src-shared/api/index.js';
import type { JobContext } from '../jobs/job-context.js';

type JobProcedures = 'library.importClips' | 'library.importFolder';
type PlainLibraryProcedure = Exclude<Extract<ProcedureName, `library.${string}`>, JobProcedures>;
type MethodName<P> = P extends `library.${infer M}` ? M : never;

/**
 * What the host needs of the library service: one method per `library.*` procedure (same name without the
 * prefix), `peaks` for `media.peaks`, and the two imports as job bodies. Derived from the contract, so a
 * procedure added to the API without a service method fails to compile where the host is built.
 */
export type LibraryApi = {
  [P in PlainLibraryProcedure as MethodName<P>]: (input: ParsedInputOf<P>) => OutputOf<P> | Promise<OutputOf<P>>;
} & {
  peaks(input: ParsedInputOf<'media.peaks'>): WaveformPeaks | Promise<WaveformPeaks>;
  importClips(input: ParsedInputOf<'library.importClips'>, job: JobContext): Promise<ImportClipsResult>;
  importFolder(input: ParsedInputOf<'library.importFolder'>, job: JobContext): Promise<ImportClipsResult>;
  /** Widens the folders path imports may read (a desktop user chose or dropped these). Not an API procedure. */
  allowRoots(paths: readonly string[]): void;
};
