import type { SystemInfo } from '../../../src-shared/api/system.js';
import type { GenerateService } from '../generate/generate-service.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { ModelService } from '../models/model-service.js';
import type { SettingsService } from '../settings/settings-service.js';
import type { HostLog } from './host-log.js';
import type { LibraryApi } from './library-api.js';
import type { StudioHomeLayout } from './studio-home.js';
import type { UploadStore } from './upload-store.js';

/** What the `models.*` handlers use of the model service. */
export type ModelsApi = Pick<
  ModelService,
  'list' | 'get' | 'importModel' | 'createDemoVoice' | 'checkDemoVoice' | 'delete' | 'load' | 'unload' | 'active' | 'catalogue' | 'listDownloads' | 'download' | 'pauseDownload' | 'cancelDownload'
>;

/** What the `settings.*` handlers use of the settings service. */
export type SettingsApi = Pick<SettingsService, 'get' | 'update' | 'providers'>;

/** What the `generate.*` handlers use of the generate service. */
export type GenerateApi = Pick<
  GenerateService,
  'options' | 'start' | 'rerun' | 'stageReference' | 'history' | 'get' | 'trash' | 'restore' | 'sendToLibrary' | 'presetsList' | 'presetsSave' | 'presetsDelete'
>;

/** The services the handlers are written against; EngineHost builds the real ones, tests may pass fakes. */
export interface HostParts {
  hostKind: SystemInfo['host'];
  home: StudioHomeLayout;
  jobs: JobQueue;
  library: LibraryApi;
  uploads: UploadStore;
  models: ModelsApi;
  settings: SettingsApi;
  generate: GenerateApi;
  log: HostLog;
}
