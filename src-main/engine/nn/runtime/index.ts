/** ONNX Runtime: execution-provider choice, in-thread sessions, and the worker-thread session host. */
export * from './providers.js';
export { Session, type SessionOptions, type RunOptions } from './session.js';
export { toOrtTensor, fromOrtTensor } from './ort-tensor.js';
export { MAX_MODEL_PROTO_BYTES, externalDataLocations, loadExternalData } from './external-data.js';
export { SessionHost, type SessionHostOptions, type ModelSource, type LoadedInfo } from './worker/session-host.js';
