// Stateful generation, one character at a time: the recurrent state is carried from step to step, so the
// prefix is never run again. Temperature, top-k and top-p shape the distribution; a seeded RNG draws from
// it, so the same seed and weights give the same text.
import { tf } from './backend.ts';
import type { SampleParams } from '../../shared/config.ts';
import type { CharRnn, LayerState } from './model.ts';
import { CorpusError, UNKNOWN, type Vocabulary } from './data.ts';
import { Rng } from './rng.ts';

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

/** Carries one stream's recurrent state between calls; owns its tensors. */
class StreamState {
  private state: LayerState[];

  constructor(private readonly model: CharRnn) {
    this.state = model.zeroState(1);
  }

  /** Feeds one character; returns the logits [V] of the next. */
  feed(id: number): Float32Array {
    const { logits, flat } = tf.tidy(() => {
      const out = this.model.step(tf.tensor1d([id], 'int32'), this.state);
      return { logits: out.logits, flat: out.state.flatMap((s) => (s.c ? [s.h, s.c] : [s.h])) };
    });
    this.dispose();
    const hasC = this.model.config.cell === 'lstm';
    this.state = [];
    for (let i = 0; i < flat.length; ) {
      this.state.push(hasC ? { h: flat[i] as tf.Tensor2D, c: flat[i + 1] as tf.Tensor2D } : { h: flat[i] as tf.Tensor2D });
      i += hasC ? 2 : 1;
    }
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return values;
  }

  dispose(): void {
    for (const s of this.state) {
      s.h.dispose();
      s.c?.dispose();
    }
  }
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
