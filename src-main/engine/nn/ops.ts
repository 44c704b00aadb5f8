/**
 * The primitives of the graph, grouped by kind (tinygrad's layout). Every node in a `Graph` is one of these;
 * everything else (softmax, RMSNorm, attention, …) is a composite of them, and has no gradient rule of its own.
 */
export enum Op {
  // unary, elementwise
  Identity = 'Identity',
  Neg = 'Neg',
  Exp = 'Exp',
  Log = 'Log',
  Sqrt = 'Sqrt',
  Reciprocal = 'Reciprocal',
  Abs = 'Abs',
  Sigmoid = 'Sigmoid',
  Tanh = 'Tanh',
  Erf = 'Erf',
  Sin = 'Sin',
  Cos = 'Cos',
  Relu = 'Relu',
  Not = 'Not',
  Cast = 'Cast',
  /** the value of its input, with no gradient flowing back (emitted as Identity) */
  StopGradient = 'StopGradient',

  // binary, elementwise with numpy broadcasting
  Add = 'Add',
  Sub = 'Sub',
  Mul = 'Mul',
  Div = 'Div',
  Pow = 'Pow',
  Max = 'Max',
  Min = 'Min',
  Equal = 'Equal',
  Less = 'Less',
  Greater = 'Greater',
  And = 'And',
  Or = 'Or',

  // ternary, elementwise
  Where = 'Where',

  // reductions over static axes (keepdims attribute)
  ReduceSum = 'ReduceSum',
  ReduceMax = 'ReduceMax',
  ReduceMean = 'ReduceMean',
  ArgMax = 'ArgMax',

  // movement: values are moved, never combined
  Reshape = 'Reshape',
  Transpose = 'Transpose',
  Expand = 'Expand',
  Squeeze = 'Squeeze',
  Unsqueeze = 'Unsqueeze',
  Slice = 'Slice',
  Concat = 'Concat',
  Pad = 'Pad',

  // indexing
  Gather = 'Gather',
  ScatterNDAdd = 'ScatterNDAdd',

  // contractions
  MatMul = 'MatMul',
  Conv1d = 'Conv1d',
  ConvTranspose1d = 'ConvTranspose1d',

  // values made from shapes only
  ZerosLike = 'ZerosLike',
  Size = 'Size',
  Arange = 'Arange',

  // escape hatch: one ONNX node given verbatim (fused or contrib ops for inference); no gradient
  OnnxOp = 'OnnxOp',
}

export type OpKind = 'unary' | 'binary' | 'ternary' | 'reduce' | 'movement' | 'index' | 'contraction' | 'shape' | 'opaque';

export const opKind: Readonly<Record<Op, OpKind>> = {
  [Op.Identity]: 'unary',
  [Op.Neg]: 'unary',
  [Op.Exp]: 'unary',
  [Op.Log]: 'unary',
  [Op.Sqrt]: 'unary',
  [Op.Reciprocal]: 'unary',
  [Op.Abs]: 'unary',
  [Op.Sigmoid]: 'unary',
  [Op.Tanh]: 'unary',
  [Op.Erf]: 'unary',
  [Op.Sin]: 'unary',
  [Op.Cos]: 'unary',
  [Op.Relu]: 'unary',
  [Op.Not]: 'unary',
  [Op.Cast]: 'unary',
  [Op.StopGradient]: 'unary',
  [Op.Add]: 'binary',
  [Op.Sub]: 'binary',
  [Op.Mul]: 'binary',
  [Op.Div]: 'binary',
  [Op.Pow]: 'binary',
  [Op.Max]: 'binary',
  [Op.Min]: 'binary',
  [Op.Equal]: 'binary',
  [Op.Less]: 'binary',
  [Op.Greater]: 'binary',
  [Op.And]: 'binary',
  [Op.Or]: 'binary',
  [Op.Where]: 'ternary',
  [Op.ReduceSum]: 'reduce',
  [Op.ReduceMax]: 'reduce',
  [Op.ReduceMean]: 'reduce',
  [Op.ArgMax]: 'reduce',
  [Op.Reshape]: 'movement',
  [Op.Transpose]: 'movement',
  [Op.Expand]: 'movement',
  [Op.Squeeze]: 'movement',
  [Op.Unsqueeze]: 'movement',
  [Op.Slice]: 'movement',
  [Op.Concat]: 'movement',
  [Op.Pad]: 'movement',
  [Op.Gather]: 'index',
  [Op.ScatterNDAdd]: 'index',
  [Op.MatMul]: 'contraction',
  [Op.Conv1d]: 'contraction',
  [Op.ConvTranspose1d]: 'contraction',
  [Op.ZerosLike]: 'shape',
  [Op.Size]: 'shape',
  [Op.Arange]: 'shape',
  [Op.OnnxOp]: 'opaque',
};
