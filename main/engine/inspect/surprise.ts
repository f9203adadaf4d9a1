// Surprise: how expected each character of a text was to a generator. A pure function of (model, text):
// the text is fed once through the model's own forward pass (the training path, batch 1), the first
// character predicted from the model's start character as sampling does, each later one from the text
// before it; then softmax (in float64) and a gather. Plain arrays out, for the core, the CLI and the studio.
//
// Characters the model never saw: with an unknown symbol in its vocabulary (a capped charset), such a
// character is read and scored as that symbol, as training did — `unknown: true`, its probability is the
// unknown symbol's, and it counts in bitsPerChar. Without one, it has no id: it is left out of what the
// model reads (the text flows on as if it were absent), `unknown: true`, `probability: null`, and it is
// left out of bitsPerChar; its entropy and top alternatives are those of the prediction at that point.
import { tf } from '../model/backend.ts';
import type { CharRnn } from '../model/generator.ts';
import type { Vocabulary } from '../corpus/charset.ts';
import type { Alternative, SurpriseChar } from '../../../shared/types.ts';

import { MAX_INSPECT_CHARS } from '../../../shared/api.ts';

export type { Alternative, SurpriseChar };

/** Alternatives listed per character. */
export const TOP_ALTERNATIVES = 5;

export interface Surprise {
  /** chars[i] for the i-th code point of the text: [N]. */
  chars: SurpriseChar[];
  /** Mean −log2 p over the scored characters (all but unknown ones without an id). */
  bitsPerChar: number;
  /** Characters scored into bitsPerChar. */
  scored: number;
  /** Characters the vocabulary does not hold. */
  unknownChars: number;
}

/** Refusals a user can act on, named by what is wrong. */
export class InspectError extends Error {
  override name = 'InspectError';
}

export async function surprise(model: CharRnn, vocab: Vocabulary, startChar: string, text: string): Promise<Surprise> {
  const chars = [...text]; // [N] code points
  if (chars.length === 0) throw new InspectError('the text is empty: give some text to inspect');
  if (chars.length > MAX_INSPECT_CHARS) throw new InspectError(`the text has ${chars.length.toLocaleString('en-US')} characters; at most ${MAX_INSPECT_CHARS.toLocaleString('en-US')} can be inspected at once`);
  const ids = chars.map((c) => vocab.idOf(c)); // [N], -1: no id
  const known = ids.filter((id) => id >= 0); // [K]
  if (known.length === 0) throw new InspectError('none of the characters of the text is known to this model');
  const startId = vocab.idOf(startChar);
  // The model reads the start character, then every known character: [K + 1] inputs, row k of the logits
  // predicts known character k; the last row (after the whole text) serves trailing unknown characters.
  const inputs = Int32Array.from([startId < 0 ? 0 : startId, ...known]);
  const T = inputs.length;
  const logitsT = tf.tidy(() => model.forward(tf.tensor2d(inputs, [1, T], 'int32'), null)); // [T, V] (B = 1)
  const logits = (await logitsT.data()) as Float32Array;
  logitsT.dispose();
  const V = vocab.size;

  const out: SurpriseChar[] = [];
  const probs = new Float64Array(V); // [V], the current row's distribution
  let row = -1;
  let entropy = 0;
  let top: Alternative[] = [];
  let nats = 0;
  let scored = 0;
  let unknownChars = 0;
  let k = 0; // known characters read so far
  for (let i = 0; i < chars.length; i++) {
    if (row !== k) {
      row = k;
      const base = row * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[base + v]);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += probs[v] = Math.exp(logits[base + v] - max);
      entropy = 0;
      for (let v = 0; v < V; v++) {
        probs[v] /= sum;
        if (probs[v] > 0) entropy -= probs[v] * Math.log2(probs[v]);
      }
      top = topOf(probs, TOP_ALTERNATIVES).map((v) => ({ char: vocab.chars[v], probability: probs[v] }));
    }
    const id = ids[i];
    const unknown = id < 0 || id === vocab.unknownId;
    if (unknown) unknownChars++;
    const probability = id >= 0 ? probs[id] : null;
    if (id >= 0) {
      nats -= Math.log(Math.max(probs[id], Number.MIN_VALUE));
      scored++;
      k++;
    }
    out.push({ char: chars[i], probability, entropy, top, ...(unknown ? { unknown: true as const } : {}) });
  }
  return { chars: out, bitsPerChar: nats / scored / Math.LN2, scored, unknownChars };
}

/** Indices of the n largest values, largest first (ties: lower index first). */
function topOf(values: Float64Array, n: number): number[] {
  const best: number[] = [];
  for (let v = 0; v < values.length; v++) {
    if (best.length === n && values[v] <= values[best[n - 1]]) continue;
    let at = best.length;
    while (at > 0 && values[best[at - 1]] < values[v]) at--;
    best.splice(at, 0, v);
    if (best.length > n) best.pop();
  }
  return best;
}
