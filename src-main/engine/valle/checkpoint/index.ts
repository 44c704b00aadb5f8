// Reference AR+NAR checkpoints: loading (.sft with config metadata, .pth torch zips), validation against the
// parameter table, and export to .sft (seed spec §10, Appendix B).
export { loadCheckpoint, checkpointFormatOf, canonicalTensorName, type LoadCheckpointOptions, type LoadedCheckpoint, type CheckpointFormat } from './load-checkpoint.js';
export { exportCheckpoint, exportMetadata, type ExportCheckpointOptions, type ExportResult, type ExportDtype } from './export-checkpoint.js';
export { compareTensors, describeMismatch, OPTIONAL_TENSORS, type TensorMismatch } from './validate-tensors.js';
export { pyJsonDumps } from './py-json.js';
