// Plain JS on purpose: Electron's utility process starts without a TypeScript loader. The engine runs from its
// TypeScript sources in every host (CLI, web host, Electron), so worker task modules (`*.ts` URLs in
// workers/task-registry.ts) resolve the same way everywhere. This registers tsx, then loads the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./utility-entry.ts');
