// The charset a model reads, from a corpus' character counts: the engine encodes with it, and the Lab
// shows the learner each character's id (renderer), so the rule is written once, here.

/** Stands for every character beyond the charset cap. Index 0 of a vocabulary when present. */
export const UNKNOWN = '';

export interface Charset {
  /** index → character; UNKNOWN ('') at index 0 when some characters were beyond the cap. */
  vocab: string[];
  /** Occurrences mapped to the unknown symbol. */
  unknownChars: number;
  /** Distinct characters dropped by the cap. */
  droppedDistinct: number;
}

/** Keeps the `maxCharset` most frequent characters; the rest map to one unknown symbol. */
export function buildCharset(counts: Array<[string, number]>, maxCharset: number): Charset {
  const kept = counts.slice(0, maxCharset).map(([c]) => c);
  const dropped = counts.slice(maxCharset);
  kept.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return {
    vocab: dropped.length > 0 ? [UNKNOWN, ...kept] : kept,
    unknownChars: dropped.reduce((n, [, c]) => n + c, 0),
    droppedDistinct: dropped.length,
  };
}
