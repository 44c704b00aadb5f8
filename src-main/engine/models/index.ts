// Installed models (registry, import, LoRA checks), the active model with its generation lock (hot swap), and
// downloads from the Hugging Face hub (catalogue as data, resumable verified transfers). See model-service.ts.
export { ModelService, type ModelServiceOptions, type ModelEventSink } from './model-service.js';
export { ModelRegistry, slug, type NewModel } from './model-registry.js';
export { ModelManager, type LoadedModel, type ModelLease, type ModelLoader } from './model-manager.js';
export { valleLoader, type LoadedValleModel } from './valle-loader.js';
export { MODEL_CATALOGUE, type CatalogueItem } from './catalogue.js';
export { HubClient, DEFAULT_HUB_URL, type HubFileInfo } from './download/hub-client.js';
export { DownloadManager } from './download/download-manager.js';
export { downloadFile, type ExpectedFile } from './download/file-download.js';
