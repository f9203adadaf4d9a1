// Builds the task a run trains — generator or classifier — from its config, its data and its weights
// (fresh, or from a checkpoint).
import { readFileSync } from 'node:fs';
import type { RunConfig } from '../../../../shared/config.ts';
import { Vocabulary } from '../../corpus/charset.ts';
import { initialWeights } from '../../model/generator.ts';
import { Rng, mixSeed } from '../../corpus/rng.ts';
import type { CheckpointState } from '../../storage/checkpoint.ts';
import type { TrainingTask } from './task.ts';
import type { EngineOps } from '../../model/ops.ts';
import { GeneratorTask } from './generate.ts';
import { ClassifierTask } from './classify.ts';
import { encodeExamples, parseExamples } from '../../corpus/examples.ts';

interface TaskDataBase {
  config: RunConfig;
  vocab: string[];
  labels: string[] | null;
  seed: number;
  resume: CheckpointState | null;
  /** Weights to start from when not resuming (fine-tuning); null or absent = fresh ones. */
  initial?: Map<string, Float32Array> | null;
  /** The operations to build the model with (ops.ts' engineOps()). */
  ops: EngineOps;
}

/**
 * A run's data: the file of the dataset's stored content (text, or JSONL examples), or that content itself
 * (the engine's warm-up trains on a few lines it holds in memory).
 */
export type TaskData = TaskDataBase & ({ contentPath: string; content?: never } | { content: string; contentPath?: never });

export interface BuiltTask {
  task: TrainingTask;
  /** Characters per step (generators) or examples per step (classifiers). */
  unitsPerStep: number;
  startChar: string;
}

/** The character fed first when a sample has no prime: a line start if the corpus has newlines. */
export function startCharFor(vocab: string[], corpusFirstChar: string): string {
  return vocab.includes('\n') ? '\n' : corpusFirstChar;
}

const contentOf = (d: TaskData): string => d.content ?? readFileSync(d.contentPath!, 'utf8');

export function buildTask(d: TaskData): BuiltTask {
  const vocab = new Vocabulary(d.vocab);
  const outputs = d.config.task === 'classify' ? d.labels!.length : vocab.size;
  const weights = d.resume
    ? new Map([...d.resume.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, v]) => [n, v.data]))
    : (d.initial ?? initialWeights(vocab.size, d.config.model, new Rng(mixSeed(d.seed, 0x1417)), outputs));
  if (d.config.task === 'classify') {
    const examples = encodeExamples(parseExamples(contentOf(d)), vocab, d.labels!, d.config.train.maxLen);
    return { task: new ClassifierTask(d.config, vocab.size, d.labels!, examples, d.seed, weights, d.ops), unitsPerStep: d.config.train.batch, startChar: '' };
  }
  const text = contentOf(d);
  const startChar = d.resume?.startChar ?? startCharFor(d.vocab, String.fromCodePoint(text.codePointAt(0)!));
  const task = new GeneratorTask(d.config, d.vocab, vocab.encode(text), startChar, d.seed, weights, d.ops);
  return { task, unitsPerStep: d.config.train.batch * d.config.train.seqLen, startChar };
}
