/**
 * `nn`: build tensor graphs in TypeScript, differentiate them, emit ONNX. See API-NOTES.md.
 * Names exported here are stable: add, don't rename.
 */
export type { DType, AnyTypedArray } from './dtype.js';
export { dtypes, isFloat, isInteger, typedArrayFrom, onnxDataType } from './dtype.js';
export type { Dim, Shape } from './shape.js';
export {
  broadcastShapes,
  dimAdd,
  dimSub,
  dimMul,
  dimEquals,
  dimFloorDiv,
  formatShape,
  isStatic,
  isStaticShape,
  normalizeDim,
  shapeProduct,
  shapesEqual,
} from './shape.js';
export { Op, opKind } from './ops.js';
export type { OpKind } from './ops.js';
export { Graph } from './graph.js';
export type { Node, ParamOptions, Attrs, AttrValue, DimSource } from './graph.js';
export { Tensor } from './tensor.js';
export type { TensorSource } from './tensor.js';
export * from './primitives.js';
export { validateGraph, graphProblems, GraphValidationError } from './validate.js';
export { emitOnnx, DEFAULT_OPSET, DEFAULT_IR_VERSION, MAX_OPSET, MAX_IR_VERSION } from './emit/onnx.js';
export type { EmitOptions, EmittedModel, ExternalChunk } from './emit/onnx.js';
export { gradients, gradRules } from './grad.js';
export type { GradientOptions, GradRule, GradContext } from './grad.js';
export { softmax, logSoftmax, silu, gelu, elu } from './composite/activations.js';
export type { GeluApproximation } from './composite/activations.js';
export { rmsNorm, layerNorm } from './composite/normalization.js';
export { crossEntropy } from './composite/loss.js';
export type { CrossEntropyOptions } from './composite/loss.js';
export { rotaryTables, applyRotary } from './composite/rotary.js';
export type { RotaryTables } from './composite/rotary.js';
export { causalMask, paddingMask, maskFill, scaledDotProductAttention } from './composite/attention.js';
export type { AttentionOptions, AttentionResult } from './composite/attention.js';
export { linear, embedding, conv1dLayer, weightNorm } from './composite/layers.js';
export { mulberry32 } from './random.js';
export type { ConvPadding, Conv1dLayerOptions } from './composite/layers.js';
