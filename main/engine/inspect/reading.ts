// How a network reads a text for inspection: which ids it is fed, and which step's state belongs to
// each character. Generators read their start character first (as sampling does), so the state after
// character i is step i + 1; classifiers read the characters alone. A character the vocabulary has no id
// for (no unknown symbol) is not read: it shares the state of the character before it.
import type { Vocabulary } from '../corpus/charset.ts';
import { MAX_INSPECT_CHARS } from '../../../shared/api.ts';
import { InspectError } from './surprise.ts';

export interface Reading {
  /** The text's characters (code points) [N]. */
  chars: string[];
  /** What the network reads [T]. */
  ids: Int32Array;
  /** Per character, its id (-1: none) [N]. */
  charIds: Int32Array;
  /** Per character, the step whose state follows it (-1: before anything was read) [N]. */
  stepOf: Int32Array;
}

export function readText(vocab: Vocabulary, text: string, startChar: string | null): Reading {
  const chars = [...text];
  if (chars.length === 0) throw new InspectError('the text is empty: give some text to inspect');
  if (chars.length > MAX_INSPECT_CHARS) throw new InspectError(`the text has ${chars.length.toLocaleString('en-US')} characters; at most ${MAX_INSPECT_CHARS.toLocaleString('en-US')} can be inspected at once`);
  const charIds = Int32Array.from(chars, (c) => vocab.idOf(c));
  const ids: number[] = [];
  if (startChar !== null) ids.push(Math.max(0, vocab.idOf(startChar)));
  const stepOf = new Int32Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    if (charIds[i] >= 0) ids.push(charIds[i]);
    stepOf[i] = ids.length - 1;
  }
  if (ids.length === (startChar !== null ? 1 : 0)) throw new InspectError('none of the characters of the text is known to this model');
  return { chars, ids: Int32Array.from(ids), charIds, stepOf };
}
