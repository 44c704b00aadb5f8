/** Weights and tensor-file I/O: host tensors, safetensors, .npy / .enc codes files, PyTorch zip checkpoints. */
export * from './host-tensor.js';
export * from './half.js';
export * from './safetensors.js';
export * from './pickle-values.js';
export { unpickle, allowedGlobals, UnpicklingError, type UnpickleOptions } from './pickle.js';
export { pickle, PyReduce, PersistentId, PicklingError, type PicklerOptions } from './pickler.js';
export { NumpyFormatError, parseDescr, numpyDescrOf, hostDTypeOf } from './pickle-numpy.js';
export { TorchFormatError, torchStorageTypes } from './pickle-torch.js';
export * from './npy.js';
export * from './codes-file.js';
export * from './torch-zip.js';
export { writeFileAtomic } from './atomic-write.js';
