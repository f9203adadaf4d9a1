// Stateful generation, one character at a time: the recurrent state is carried from step to step, so the
// prefix is never run again. Temperature, top-k and top-p shape the distribution; a seeded RNG draws from
// it, so the same seed and weights give the same text.
import type { SampleParams } from '../../../shared/config.ts';
import type { CharRnn } from '../model/generator.ts';
import { GATES } from '../model/params.ts';
import { CorpusError } from '../corpus/read.ts';
import { UNKNOWN, type Vocabulary } from '../corpus/charset.ts';
import { Rng } from '../corpus/rng.ts';
import type { EngineOps, RowMatrix } from '../model/ops.ts';

export type SampleOptions = SampleParams & { seed: number };

/** Picks the next id from logits [V]. Exported for tests. */
export function pickNext(logits: Float32Array, opts: Pick<SampleOptions, 'temperature' | 'topK' | 'topP'>, rng: Rng, banned = -1): number {
  const V = logits.length;
  if (opts.topK === 1) {
    let best = banned === 0 ? 1 : 0;
    for (let i = 0; i < V; i++) if (i !== banned && logits[i] > logits[best]) best = i;
    return best;
  }
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (i !== banned && logits[i] > max) max = logits[i];
  const probs = new Float64Array(V);
  for (let i = 0; i < V; i++) probs[i] = i === banned ? 0 : Math.exp((logits[i] - max) / opts.temperature);
  let candidates: number[] | null = null;
  if ((opts.topK > 0 && opts.topK < V) || opts.topP < 1) {
    candidates = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
    if (opts.topK > 0) candidates = candidates.slice(0, opts.topK);
    if (opts.topP < 1) {
      const total = candidates.reduce((s, i) => s + probs[i], 0);
      let cumulative = 0;
      let keep = 0;
      while (keep < candidates.length && cumulative < opts.topP * total) cumulative += probs[candidates[keep++]];
      candidates = candidates.slice(0, Math.max(1, keep));
    }
  }
  const pool = candidates ?? Array.from({ length: V }, (_, i) => i);
  const sum = pool.reduce((s, i) => s + probs[i], 0);
  let r = rng.next() * sum;
  for (const i of pool) {
    r -= probs[i];
    if (r < 0) return i;
  }
  return pool[pool.length - 1];
}

/**
 * Carries one stream's recurrent state between characters, fast at batch 1. Sampling is per-call
 * overhead, not arithmetic (a TensorFlow.js op costs 15–70 µs here whatever its size), so each step uses
 * as few products as possible: the first layer's input projection is a table lookup (embedding·W + b for
 * every character, computed once); each layer's new h is multiplied once by [U | next weights], which
 * yields both its recurrent term for the next character and the next layer's input (or the logits) for
 * this one; the gate arithmetic on these small vectors runs in plain JavaScript. One product per layer per
 * character (two for GRU, whose candidate needs r·h first), on the model's path (ops.ts): with the native
 * kernels a native row-times-matrix in host memory, without any TensorFlow.js op per character.
 */
export class StreamState {
  private readonly cell: CharRnn['config']['cell'];
  private readonly H: number;
  private readonly layers: number;
  /** Layer 0's input projection for each character: [V][G·H]. */
  private readonly table: Float32Array;
  /** Per layer: [U (or GRU's U_zr) | W of the next layer (or the output kernel)]. */
  private readonly combined: RowMatrix[] = [];
  /** GRU's candidate part of U, per layer. */
  private readonly candidateU: RowMatrix[] = [];
  /** Bias added to what `combined` yields for the next layer (its input bias) or the output. */
  private readonly nextBias: Float32Array[] = [];
  private readonly h: Float32Array[];
  private readonly c: Float32Array[];
  /** h·U from the previous character, per layer (zeros at the start: h starts at zero). */
  private readonly recurrent: Float32Array[];

  constructor(model: CharRnn) {
    const { cell, units: H, layers } = model.config;
    const { ops } = model;
    const G = GATES[cell];
    this.cell = cell;
    this.H = H;
    this.layers = layers;
    const host = (name: string) => model.variables.get(name)!.dataSync() as Float32Array;
    this.table = inputTable(ops, model.variables.get('embedding')!.shape as [number, number], host('embedding'), host('layer0.kernel'), host('layer0.bias'));
    const zr = cell === 'gru' ? 2 * H : G * H; // the columns of U multiplied by h itself
    for (let l = 0; l < layers; l++) {
      const last = l === layers - 1;
      const u = host(`layer${l}.recurrentKernel`);
      const next = host(last ? 'output.kernel' : `layer${l + 1}.kernel`);
      const nextCols = next.length / H;
      // Assembled row by row: [U_zr | next] [H, zr + nextCols], and GRU's U_h [H, H].
      const cols = zr + nextCols;
      const combined = new Float32Array(H * cols);
      const candidate = cell === 'gru' ? new Float32Array(H * H) : null;
      for (let r = 0; r < H; r++) {
        combined.set(u.subarray(r * G * H, r * G * H + zr), r * cols);
        combined.set(next.subarray(r * nextCols, (r + 1) * nextCols), r * cols + zr);
        candidate?.set(u.subarray(r * G * H + zr, (r + 1) * G * H), r * H);
      }
      this.combined.push(ops.matrix(combined, H, cols));
      if (candidate) this.candidateU.push(ops.matrix(candidate, H, H));
      this.nextBias.push(host(last ? 'output.bias' : `layer${l + 1}.bias`));
    }
    this.h = Array.from({ length: layers }, () => new Float32Array(H));
    this.c = Array.from({ length: layers }, () => new Float32Array(H));
    this.recurrent = Array.from({ length: layers }, () => new Float32Array(zr));
  }

  /** Feeds one character; returns the logits [V] of the next. */
  feed(id: number): Float32Array {
    const { H } = this;
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const G = GATES[this.cell];
    let input = this.table.subarray(id * G * H, (id + 1) * G * H); // x·W + b of this layer
    let result = new Float32Array(0);
    for (let l = 0; l < this.layers; l++) {
      const h = this.h[l];
      const rec = this.recurrent[l];
      if (this.cell === 'lstm') {
        const c = this.c[l];
        for (let j = 0; j < H; j++) {
          const i = sigmoid(input[j] + rec[j]);
          const f = sigmoid(input[H + j] + rec[H + j]);
          const g = Math.tanh(input[2 * H + j] + rec[2 * H + j]);
          const o = sigmoid(input[3 * H + j] + rec[3 * H + j]);
          c[j] = f * c[j] + i * g;
          h[j] = o * Math.tanh(c[j]);
        }
      } else if (this.cell === 'rnn') {
        for (let j = 0; j < H; j++) h[j] = Math.tanh(input[j] + rec[j]);
      } else {
        const z = new Float32Array(H);
        const rh = new Float32Array(H);
        for (let j = 0; j < H; j++) {
          z[j] = sigmoid(input[j] + rec[j]);
          rh[j] = sigmoid(input[H + j] + rec[H + j]) * h[j];
        }
        const candidate = this.candidateU[l].times(rh);
        for (let j = 0; j < H; j++) h[j] = z[j] * h[j] + (1 - z[j]) * Math.tanh(input[2 * H + j] + candidate[j]);
      }
      // One product gives the next character's recurrent term and this character's next input.
      const both = this.combined[l].times(h);
      rec.set(both.subarray(0, rec.length));
      const next = both.slice(rec.length);
      const bias = this.nextBias[l];
      for (let j = 0; j < next.length; j++) next[j] += bias[j];
      if (l === this.layers - 1) result = next;
      else input = next;
    }
    return result;
  }

  dispose(): void {
    for (const m of [...this.combined, ...this.candidateU]) m.dispose();
  }
}

/** Layer 0's input projection of every character, embedding [V, E] · kernel [E, G·H] + bias: [V, G·H]. */
function inputTable(ops: EngineOps, [V, E]: [number, number], embedding: Float32Array, kernel: Float32Array, bias: Float32Array): Float32Array {
  const out = new Float32Array(V * bias.length);
  for (let r = 0; r < V; r++) out.set(bias, r * bias.length);
  ops.gemm(V, bias.length, E, embedding, kernel, out);
  return out;
}

/**
 * Generates `opts.length` characters after `opts.prime`; returns prime + generated text.
 * With an empty prime the network is primed with `startChar` (not shown in the output).
 * onChunk receives new text as it is produced (streaming).
 */
export async function generate(
  model: CharRnn,
  vocab: Vocabulary,
  startChar: string,
  opts: SampleOptions,
  onChunk?: (text: string) => void,
): Promise<string> {
  const primeChars = [...opts.prime];
  const unknown = [...new Set(primeChars.filter((c) => vocab.idOf(c) < 0))];
  if (unknown.length > 0) {
    throw new CorpusError(`the prime contains characters this model never saw: ${unknown.slice(0, 10).map((c) => JSON.stringify(c)).join(' ')}`);
  }
  const feedIds = primeChars.length > 0 ? primeChars.map((c) => vocab.idOf(c)) : [vocab.idOf(startChar)];
  const banned = vocab.chars.indexOf(UNKNOWN); // never generate the unknown symbol
  const rng = new Rng(opts.seed);
  const stream = new StreamState(model);
  try {
    let logits: Float32Array = new Float32Array(0);
    for (const id of feedIds) logits = stream.feed(id);
    let text = opts.prime;
    let pending = '';
    let lastFlush = performance.now();
    for (let i = 0; i < opts.length; i++) {
      const id = pickNext(logits, opts, rng, banned);
      const ch = vocab.decode(id);
      text += ch;
      pending += ch;
      if (onChunk && (pending.length >= 64 || performance.now() - lastFlush > 30 || i === 0)) {
        onChunk(pending);
        pending = '';
        lastFlush = performance.now();
        await new Promise((resolve) => setImmediate(resolve)); // let the stream reach its reader
      }
      if (i + 1 < opts.length) logits = stream.feed(id);
    }
    if (onChunk && pending) onChunk(pending);
    return text;
  } finally {
    stream.dispose();
  }
}
