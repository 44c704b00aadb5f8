/**
 * Tiny ONNX models assembled directly as ModelProto bytes, for the runtime tests (independent of nn's graph
 * builder, so a bug there cannot hide one here).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function floatInput(name: string, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function encode(graph: import('onnx-proto').onnx.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph, producerName: 'nn-test' });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * y = x·W + b with x: [n, k] (n free), W: [k, m], b: [m], weights stored inline; also z = relu(y).
 * W and b given row-major.
 */
export function linearModel(w: Float32Array, b: Float32Array, k: number, m: number): Uint8Array {
  return encode({
    name: 'linear',
    node: [
      { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', input: ['xw', 'b'], output: ['y'] },
      { opType: 'Relu', input: ['y'], output: ['z'] },
    ],
    initializer: [
      { name: 'W', dims: [k, m], dataType: FLOAT, rawData: new Uint8Array(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)) },
      { name: 'b', dims: [m], dataType: FLOAT, rawData: new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) },
    ],
    input: [floatInput('x', ['n', k])],
    output: [floatInput('y', ['n', m]), floatInput('z', ['n', m])],
  });
}

/** Same function as linearModel, with W and b kept in an external data file `location` (W first, then b). */
export function linearModelExternal(
  w: Float32Array,
  b: Float32Array,
  k: number,
  m: number,
  location: string,
): { model: Uint8Array; data: Uint8Array } {
  const data = new Uint8Array(w.byteLength + b.byteLength);
  data.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), 0);
  data.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), w.byteLength);
  const external = (offset: number, length: number) => [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
  const model = encode({
    name: 'linear_external',
    node: [
      { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', input: ['xw', 'b'], output: ['y'] },
      { opType: 'Relu', input: ['y'], output: ['z'] },
    ],
    initializer: [
      { name: 'W', dims: [k, m], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: external(0, w.byteLength) },
      { name: 'b', dims: [m], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: external(w.byteLength, b.byteLength) },
    ],
    input: [floatInput('x', ['n', k])],
    output: [floatInput('y', ['n', m]), floatInput('z', ['n', m])],
  });
  return { model, data };
}

/**
 * A model whose single run takes a while: `x` [s, s] multiplied by itself `rounds` times (MatMul chain), so a
 * test can kill a worker in the middle of a run.
 */
export function slowModel(rounds: number): Uint8Array {
  const node = [];
  let prev = 'x';
  for (let i = 0; i < rounds; i++) {
    const out = i === rounds - 1 ? 'y' : `h${i}`;
    node.push({ opType: 'MatMul', input: [prev, 'x'], output: [out] });
    prev = out;
  }
  return encode({ name: 'slow', node, input: [floatInput('x', ['s', 's'])], output: [floatInput('y', ['s', 's'])] });
}

/** JS reference for linearModel: returns y and z as Float32Arrays (math in float64, then rounded). */
export function linearReference(x: Float32Array, n: number, w: Float32Array, b: Float32Array, k: number, m: number) {
  const y = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += x[i * k + t] * w[t * m + j];
      y[i * m + j] = acc + b[j];
    }
  }
  return { y, z: y.map((v) => Math.max(0, v)) };
}
