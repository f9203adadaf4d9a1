// A labelled dataset's examples as every part of the engine reads them — training, inspection and the
// PyTorch export — from the stored JSONL: encoded, and split into training and validation the one way.
// No TensorFlow.js here, so the core (exports) can use it.
import { readFileSync } from 'node:fs';
import type { Vocabulary } from './charset.ts';
import type { Example } from './labelled.ts';
import { Rng, mixSeed } from './rng.ts';

/** A stored dataset's examples (one JSON object per line). */
export function readExamples(contentPath: string): Example[] {
  return parseExamples(readFileSync(contentPath, 'utf8'));
}

/** Examples from a stored dataset's content, one JSON object per line. */
export function parseExamples(jsonl: string): Example[] {
  return jsonl
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Example);
}

export interface EncodedExample {
  ids: Uint16Array;
  label: number;
  text: string;
}

/** Encodes texts (truncated to maxLen characters) and maps labels to their index in `labels`. */
export function encodeExamples(examples: Example[], vocab: Vocabulary, labels: string[], maxLen: number): EncodedExample[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return examples.map((e) => {
    const label = index.get(e.label);
    if (label === undefined) throw new Error(`the label "${e.label}" is not one of this model's classes (${labels.join(', ')})`);
    const ids = vocab.encode(e.text);
    return { ids: ids.length > maxLen ? ids.slice(0, maxLen) : ids, label, text: e.text };
  });
}

/** Per class, the same share goes to validation (at least one example of each class with two or more). */
export function stratifiedSplit(labels: number[], valSplit: number, seed: number): { train: number[]; val: number[] } {
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const rng = new Rng(mixSeed(seed, 0x5971));
  const train: number[] = [];
  const val: number[] = [];
  for (const [, members] of [...byClass].sort((a, b) => a[0] - b[0])) {
    rng.shuffle(members);
    const n = valSplit > 0 && members.length >= 2 ? Math.max(1, Math.round(members.length * valSplit)) : 0;
    val.push(...members.slice(0, n));
    train.push(...members.slice(n));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}
