import type { SystemInfo } from '../../../src-shared/api/system.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { HostLog } from './host-log.js';
import type { LibraryApi } from './library-api.js';
import type { StudioHomeLayout } from './studio-home.js';
import type { UploadStore } from './upload-store.js';

/** The services the handlers are written against; EngineHost builds the real ones, tests may pass fakes. */
export interface HostParts {
  hostKind: SystemInfo['host'];
  home: StudioHomeLayout;
  jobs: JobQueue;
  library: LibraryApi;
  uploads: UploadStore;
  log: HostLog;
}
