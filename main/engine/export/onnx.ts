// The ONNX format: `model.onnx`, a standard ONNX graph (opset 17, IR 8) on ONNX's own RNN / LSTM / GRU
// operators, serialised with protobufjs from ONNX's onnx.proto (onnx-schema.ts). Pure: a ModelSpec in,
// bytes out; no TensorFlow.js.
//
// Input `ids`: int64 [batch, time], by vocab.json's contract (model-spec.ts). Output `probabilities`:
//  - generator: [batch, time, vocab] — Gather → Transpose to time-major → one recurrent op per layer →
//    back to batch-major → MatMul + Add → Softmax.
//  - classifier: [batch, classes]. Texts are right-padded with `padId` (0); each text's length,
//    ReduceSum(ids ≠ padId), is every recurrent op's `sequence_lens`, so a padded step never touches the
//    state, as in the studio: Y_h is each direction's state at the text's own end (forward: after its last
//    character; backward: after reading back to its first), which is exactly 'last' pooling; 'mean' and
//    'max' pool the top layer's Y with the same mask, computed as the studio does.
// ONNX layouts (Operators.md): W [D, G·H, In] and R [D, G·H, H] with a row per unit (x·Wᵀ, so ours
// transposed), B [D, 2·G·H] = [Wb, Rb] (ours has one bias per gate: Rb = 0); gates LSTM i o f c, GRU z r h
// with linear_before_reset = 0 (the reset gate multiplies h before the recurrent product), RNN tanh;
// X [T, B, In] → Y [T, D, B, H], Y_h [D, B, H] (layout 0: onnxruntime runs no other).
import protobuf from 'protobufjs/light.js';
import { ONNX_SCHEMA } from './onnx-schema.ts';
import { GATE_ORDERS, MAX_POOL_PADDING_SCORE, inputEmbedding, stackGates, type ModelSpec, type SpecTensor } from './model-spec.ts';

export const ONNX_OPSET = 17;
const IR_VERSION = 8; // the IR of opset 17 (onnx/helper.py VERSION_TABLE: ONNX 1.12)
export const ONNX_FILE = 'model.onnx';

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

// TensorProto.DataType and AttributeProto.AttributeType values (onnx.proto).
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const ATTR = { int: 2, string: 3, ints: 7 } as const;

type AttributeValue = number | string | number[];

interface Node {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: object[];
}

function attribute(name: string, value: AttributeValue): object {
  if (typeof value === 'string') return { name, type: ATTR.string, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: ATTR.ints, ints: value };
  return { name, type: ATTR.int, i: value };
}

/** Little-endian bytes of a typed array (TensorProto.raw_data is little-endian whatever the host). */
function rawData(values: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(values.length * values.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else view.setBigInt64(i * 8, values[i], true);
  }
  return out;
}

/** A graph under construction: initializers and nodes, each output named after its node. */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: object[] = [];
  private count = 0;

  /** A float32 initializer. */
  weight(name: string, t: SpecTensor): string {
    this.initializers.push({ name, dims: t.shape, data_type: FLOAT, raw_data: rawData(t.data) });
    return name;
  }

  /** A small int64 constant (shapes, axes). */
  ints(name: string, values: number[]): string {
    this.initializers.push({ name, dims: [values.length], data_type: INT64, raw_data: rawData(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(name: string, value: number): string {
    return this.weight(name, { shape: [], data: Float32Array.of(value) });
  }

  /** Adds a node; returns its outputs' names (those given, or named after the node where ''). */
  node(op: string, inputs: string[], attrs: Record<string, AttributeValue>, outputs: string[]): string[] {
    const name = `${op.toLowerCase()}_${this.count++}`;
    const outs = outputs.map((o, k) => o || `${name}_out${k}`);
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ op_type: op, name, input: inputs, output: outs, attribute: attribute_ });
    return outs;
  }

  one(op: string, inputs: string[], attrs: Record<string, AttributeValue> = {}, output = ''): string {
    return this.node(op, inputs, attrs, [output])[0];
  }
}

const OP: Record<ModelSpec['cell'], string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** One direction's W, R, B in ONNX's layout, for concatenation over directions. */
function onnxDirection(spec: ModelSpec, l: number, d: number): { W: SpecTensor; R: SpecTensor; B: Float32Array } {
  const dir = spec.layers[l].directions[d];
  const order = GATE_ORDERS.onnx[spec.cell];
  const W = stackGates(dir, order, 'input', true); // [G·H, In]
  const R = stackGates(dir, order, 'recurrent', true); // [G·H, H]
  const wb = stackGates(dir, order, 'bias').data; // [G·H]
  const B = new Float32Array(2 * wb.length); // [Wb, Rb]; Rb = 0
  B.set(wb);
  return { W, R, B };
}

/** Stacks per-direction tensors of one shape along a new leading axis: [D, ...shape]. */
function stack(parts: Array<{ shape: number[]; data: Float32Array }>): SpecTensor {
  const size = parts[0].data.length;
  const data = new Float32Array(parts.length * size);
  parts.forEach((p, k) => data.set(p.data, k * size));
  return { shape: [parts.length, ...parts[0].shape], data };
}

/**
 * The recurrent layers over x [T, B, In]; `lens` (int32 [B]) for classifiers. Returns the top layer's
 * Y as [T, B, D·H] and its Y_h [D, B, H].
 */
function recurrentLayers(g: GraphBuilder, spec: ModelSpec, x: string, lens: string | null): { seq: string; last: string } {
  const H = spec.units;
  const D = spec.bidirectional ? 2 : 1;
  const op = OP[spec.cell];
  let seq = x;
  let last = '';
  for (let l = 0; l < spec.layers.length; l++) {
    const dirs = Array.from({ length: D }, (_, d) => onnxDirection(spec, l, d));
    const W = g.weight(`layer${l}.W`, stack(dirs.map((p) => p.W))); // [D, G·H, In]
    const R = g.weight(`layer${l}.R`, stack(dirs.map((p) => p.R))); // [D, G·H, H]
    const B = g.weight(`layer${l}.B`, stack(dirs.map((p) => ({ shape: [p.B.length], data: p.B })))); // [D, 2·G·H]
    const attrs: Record<string, AttributeValue> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (spec.cell === 'gru') attrs.linear_before_reset = 0;
    const [Y, Yh] = g.node(op, lens ? [seq, W, R, B, lens] : [seq, W, R, B], attrs, [`layer${l}.Y`, `layer${l}.Y_h`]);
    last = Yh; // [D, B, H]
    // Y [T, D, B, H] → [T, B, D·H], the next layer's input (directions concatenated, forward first).
    seq = D === 1 ? g.one('Squeeze', [Y, g.ints(`layer${l}.squeeze_axes`, [1])]) : g.one('Reshape', [g.one('Transpose', [Y], { perm: [0, 2, 1, 3] }), g.ints(`layer${l}.merge_shape`, [0, 0, -1])]);
  }
  return { seq, last };
}

/** The whole ONNX graph of `spec`, as a ModelProto object for protobufjs. */
function onnxGraph(spec: ModelSpec): object {
  const g = new GraphBuilder();
  const classify = spec.task === 'classify';
  const V = spec.vocabulary.chars.length;
  const O = spec.output.bias.shape[0];
  const embedding = g.weight('embedding', inputEmbedding(spec)); // [V + idOffset, E], row padId = 0s

  let lens: string | null = null;
  let maskT = ''; // [T, B, 1] float: 1 for a character, 0 for padding
  if (classify) {
    const padId = spec.vocabulary.padId ?? 0;
    const pad = g.ints('pad_id', [padId]);
    const isChar = g.one('Not', [g.one('Equal', ['ids', pad])]); // bool [B, T]
    lens = g.one('ReduceSum', [g.one('Cast', [isChar], { to: INT32 }), g.ints('time_axis', [1])], { keepdims: 0 }, 'sequence_lens'); // int32 [B]
    const maskF = g.one('Cast', [isChar], { to: FLOAT }); // [B, T]
    maskT = g.one('Unsqueeze', [g.one('Transpose', [maskF], { perm: [1, 0] }), g.ints('last_axis', [2])]); // [T, B, 1]
  }

  const embedded = g.one('Gather', [embedding, 'ids'], { axis: 0 }); // [B, T, E]
  const x = g.one('Transpose', [embedded], { perm: [1, 0, 2] }); // [T, B, E]
  const { seq, last } = recurrentLayers(g, spec, x, lens); // [T, B, D·H], [D, B, H]

  let features: string; // generators [B, T, H]; classifiers [B, D·H]
  if (!classify) {
    features = g.one('Transpose', [seq], { perm: [1, 0, 2] });
  } else if (spec.pooling === 'last') {
    features = g.one('Reshape', [g.one('Transpose', [last], { perm: [1, 0, 2] }), g.ints('pooled_shape', [0, -1])]);
  } else {
    if (spec.pooling === 'mean') {
      const axes = g.ints('over_time', [0]);
      const sum = g.one('ReduceSum', [g.one('Mul', [seq, maskT]), axes], { keepdims: 0 }); // [B, D·H]
      const count = g.one('Max', [g.one('ReduceSum', [maskT, axes], { keepdims: 0 }), g.scalar('one', 1)]); // [B, 1]
      features = g.one('Div', [sum, count]);
    } else {
      // As the studio: seq + (mask − 1)·1e9, so a padded step never wins (an empty text pools to −1e9).
      const penalty = g.one('Mul', [g.one('Sub', [maskT, g.scalar('one', 1)]), g.scalar('padding_score', -MAX_POOL_PADDING_SCORE)]);
      features = g.one('ReduceMax', [g.one('Add', [seq, penalty])], { axes: [0], keepdims: 0 });
    }
  }
  const logits = g.one('Add', [g.one('MatMul', [features, g.weight('output.kernel', spec.output.kernel)]), g.weight('output.bias', spec.output.bias)]);
  g.one('Softmax', [logits], { axis: -1 }, 'probabilities');

  const dim = (d: number | string) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d });
  const tensorType = (elem: number, dims: Array<number | string>) => ({ tensor_type: { elem_type: elem, shape: { dim: dims.map(dim) } } });
  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'RNN Studio',
    doc_string: classify
      ? `A character classifier (${spec.cell}, ${spec.layers.length} layer(s)${spec.bidirectional ? ', bidirectional' : ''}, ${spec.pooling} pooling): ids [batch, time] (vocab.json: id of chars[i] = i + idOffset, right-padded with padId) → class probabilities [batch, classes] (vocab.json labels).`
      : `A character generator (${spec.cell}, ${spec.layers.length} layer(s)): ids [batch, time] (vocab.json: id of chars[i] = i) → next-character probabilities [batch, time, vocab].`,
    graph: {
      name: `rnn_studio_${spec.task}`,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: 'ids', type: tensorType(INT64, ['batch', 'time']) }],
      output: [{ name: 'probabilities', type: tensorType(FLOAT, classify ? ['batch', O] : ['batch', 'time', V]) }],
    },
  };
}

/** `model.onnx`'s bytes for `spec`. */
export function onnxModel(spec: ModelSpec): Uint8Array {
  const message = ModelProto.fromObject(onnxGraph(spec));
  return ModelProto.encode(message).finish();
}

/** The ONNX format's files (index.ts writes them, atomically, beside vocab.json). */
export function onnxFiles(spec: ModelSpec): Array<{ name: string; data: Uint8Array }> {
  return [{ name: ONNX_FILE, data: onnxModel(spec) }];
}
