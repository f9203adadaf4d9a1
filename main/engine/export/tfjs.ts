// The TensorFlow.js format: a Layers model (`model.json`, the tfjs-layers topology and weightsManifest, +
// one `weights.bin`) that `tf.loadLayersModel` loads with no RNN Studio code. Only serialises a ModelSpec
// (model-spec.ts); written without TensorFlow.js, so the core can export. Class names and config keys are
// tfjs-layers 4.x's (what `model.save` writes), every initializer is Zeros (the weights are loaded right
// after, and tf's Orthogonal initializer would take minutes for a large layer), and the recurrent
// activation is set to sigmoid (tfjs-layers defaults to hard sigmoid).
//
// Graph (ids [B, T] int32 → probabilities):
//  - generators: Embedding [V, E] → L × (LSTM | GRU | SimpleRNN, returning sequences) → Dense softmax
//    over the last axis → [B, T, V].
//  - classifiers: ids are vocabulary index + 1, 0 = padding. Embedding [V + 1, E] with mask_zero: the
//    mask makes every recurrent layer carry its state (and output) through padded steps, as the studio
//    does, and a Bidirectional layer's backward half start from zeros at the last real character. Layers
//    are Bidirectional(…, merge_mode concat) when the run is. Pooling → Dense softmax → [B, C]:
//    - last: the top layer returns only its last output (forward: after the last real character;
//      backward: after reading back to the first);
//    - mean: a fixed `pad_penalty` Embedding [V + 1, 1] (0 for characters, −1e9 for padding) → Reshape
//      [B, T] → Softmax over time = 1/n on the n real steps, exactly 0 on padding → Dot over time with the
//      top layer's outputs → [B, D·H]. (GlobalAveragePooling1D would average the padding in: it ignores
//      masks. The scores are [B, T] because tfjs-layers' executor may hand the Softmax layer the padding
//      mask [B, T] of an earlier layer, which it then also applies — to the same effect.)
//    - max: the same pad_penalty added to the top layer's outputs (as the studio adds −1e9 to padded
//      steps) → GlobalMaxPooling1D. The penalty comes first in the Add so that the merged tensor carries
//      no mask into the pooling layer, which does not take one.
import type { CellType } from '../../../shared/config.ts';
import { GATE_ORDERS, MAX_POOL_PADDING_SCORE, inputEmbedding, stackGates, type ModelSpec, type SpecTensor } from './model-spec.ts';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'weights.bin';

const RNN_CLASS: Record<CellType, string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' };
const ZEROS = { class_name: 'Zeros', config: {} };

type Json = Record<string, unknown>;
type Inbound = Array<[string, number, number, Json]>;

interface WeightEntry {
  name: string;
  tensor: SpecTensor;
}

function layer(className: string, name: string, config: Json, inbound: string[]): Json {
  const nodes: Inbound = inbound.map((from) => [from, 0, 0, {}]);
  return { name, class_name: className, config: { name, trainable: true, ...config }, inbound_nodes: inbound.length > 0 ? [nodes] : [] };
}

function embedding(name: string, inputDim: number, outputDim: number, maskZero: boolean, trainable = true): Json {
  return layer('Embedding', name, { input_dim: inputDim, output_dim: outputDim, embeddings_initializer: ZEROS, mask_zero: maskZero, input_length: null, batch_input_shape: [null, null], trainable }, ['ids']);
}

function recurrentConfig(spec: ModelSpec, name: string, returnSequences: boolean): Json {
  const config: Json = {
    name,
    trainable: true,
    units: spec.units,
    activation: 'tanh',
    use_bias: true,
    kernel_initializer: ZEROS,
    recurrent_initializer: ZEROS,
    bias_initializer: ZEROS,
    dropout: 0,
    recurrent_dropout: 0,
    return_sequences: returnSequences,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
  };
  if (spec.cell !== 'rnn') config.recurrent_activation = 'sigmoid';
  if (spec.cell === 'lstm') config.unit_forget_bias = false;
  if (spec.cell === 'gru') config.reset_after = false; // the reset gate multiplies h before the recurrent product
  return config;
}

/** The Layers topology and its weights, in the order of the manifest. */
export function tfjsTopology(spec: ModelSpec): { topology: Json; weights: WeightEntry[] } {
  const classify = spec.task === 'classify';
  const order = GATE_ORDERS.tfjs[spec.cell];
  const layers: Json[] = [layer('InputLayer', 'ids', { batch_input_shape: [null, null], dtype: 'int32', sparse: false }, [])];
  const weights: WeightEntry[] = [];
  const emb = inputEmbedding(spec);
  layers.push(embedding('embedding', emb.shape[0], spec.embeddingSize, classify));
  weights.push({ name: 'embedding/embeddings', tensor: emb });

  let top = 'embedding';
  spec.layers.forEach((l, i) => {
    const name = `layer${i}`;
    const last = i === spec.layers.length - 1;
    const returnSequences = !(classify && last && spec.pooling === 'last');
    const inner = `${spec.cell}${i}`;
    if (spec.bidirectional) {
      layers.push(layer('Bidirectional', name, { merge_mode: 'concat', layer: { class_name: RNN_CLASS[spec.cell], config: recurrentConfig(spec, inner, returnSequences) } }, [top]));
    } else {
      layers.push(layer(RNN_CLASS[spec.cell], name, recurrentConfig(spec, name, returnSequences), [top]));
    }
    for (const dir of l.directions) {
      const prefix = spec.bidirectional ? `${name}/${dir.direction}_${inner}` : name;
      weights.push(
        { name: `${prefix}/kernel`, tensor: stackGates(dir, order, 'input') },
        { name: `${prefix}/recurrent_kernel`, tensor: stackGates(dir, order, 'recurrent') },
        { name: `${prefix}/bias`, tensor: stackGates(dir, order, 'bias') },
      );
    }
    top = name;
  });

  if (classify && spec.pooling !== 'last') {
    const rows = emb.shape[0];
    const penalty = new Float32Array(rows); // row 0 (padding) −1e9, characters 0
    penalty[0] = MAX_POOL_PADDING_SCORE;
    layers.push(embedding('pad_penalty', rows, 1, false, false));
    weights.push({ name: 'pad_penalty/embeddings', tensor: { shape: [rows, 1], data: penalty } });
    if (spec.pooling === 'mean') {
      layers.push(layer('Reshape', 'pad_scores', { target_shape: [-1] }, ['pad_penalty'])); // [B, T]
      layers.push(layer('Softmax', 'pad_weights', { axis: 1 }, ['pad_scores'])); // [B, T]
      layers.push(layer('Dot', 'pooled', { axes: [1, 1], normalize: false }, ['pad_weights', top])); // [B, D·H]
    } else {
      layers.push(layer('Add', 'penalised', {}, ['pad_penalty', top]));
      layers.push(layer('GlobalMaxPooling1D', 'pooled', {}, ['penalised']));
    }
    top = 'pooled';
  }

  const [, outputs] = spec.output.kernel.shape;
  layers.push(layer('Dense', 'output', { units: outputs, activation: 'softmax', use_bias: true, kernel_initializer: ZEROS, bias_initializer: ZEROS }, [top]));
  weights.push({ name: 'output/kernel', tensor: spec.output.kernel }, { name: 'output/bias', tensor: spec.output.bias });

  const topology = {
    class_name: 'Model',
    config: { name: 'rnn_studio', layers, input_layers: [['ids', 0, 0]], output_layers: [['output', 0, 0]] },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return { topology, weights };
}

/** `model.json` and `weights.bin` (float32 little-endian, in the manifest's order). */
export function tfjsFiles(spec: ModelSpec): Array<{ name: string; data: Uint8Array }> {
  const { topology, weights } = tfjsTopology(spec);
  const total = weights.reduce((n, w) => n + w.tensor.data.length, 0);
  const bin = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    bin.set(w.tensor.data, offset);
    offset += w.tensor.data.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'RNN Studio',
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: 'float32' })) }],
  };
  const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  // Float32Array is host-endian; every platform Node and browsers run on is little-endian, as the format wants.
  return [
    { name: TFJS_MODEL_FILE, data: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { name: TFJS_WEIGHTS_FILE, data: bytes },
  ];
}
