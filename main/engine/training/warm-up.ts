// Warming the engine while it waits. A fresh engine's first training steps ran ~1.5× the steady step:
// V8 compiles TensorFlow.js's and the engine's JavaScript on first use, optimises it in background threads
// that share the two cores with the kernels, and lays out the native kernels' thread pool. A few steps of
// tiny models of every cell (and one classifier) pay for that before a run is asked for, so a run's
// step 1 runs near its steady pace. The tiny models are thrown away; nothing of them reaches a run
// (the kernels keep no state between calls but their scratch memory and threads).
import { CELL_TYPES, RunConfigSchema, type RunConfig } from '../../../shared/config.ts';
import { Vocabulary } from '../corpus/charset.ts';
import { engineOps } from '../model/ops.ts';
import { generate } from '../sampling/sample.ts';
import type { GeneratorTask } from './tasks/generate.ts';
import { buildTask } from './tasks/index.ts';
import type { TrainingTask } from './tasks/task.ts';
import { QUIET, Trainer } from './train.ts';

/** Steps per tiny model. Measured on P1 LSTM: 2 steps of one cell took step 1's excess over the steady step from ~26 to ~21 ms, 8 of each cell to ~7. */
const STEPS = 8;
const VOCAB = [...'\nabcdefghijklmnopqrstuvwxyz .,'];
const TEXT = 'the quick brown fox jumps over the lazy dog.\nhow vexingly quick daft zebras jump,\n'.repeat(8);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The tiny models: a stacked generator of each cell, then a bidirectional classifier. */
function tinyConfigs(): RunConfig[] {
  const model = { layers: 2, units: 16, embedding: 8 };
  const train = { seqLen: 8, batch: 4, valSplit: 0.1, evalBatches: 1, seed: 1 };
  const generators = CELL_TYPES.map((cell) => RunConfigSchema.parse({ model: { ...model, cell }, train }));
  const classifier = RunConfigSchema.parse({ task: 'classify', model: { ...model, cell: 'lstm', bidirectional: true }, train: { ...train, maxLen: 12 } });
  return [...generators, classifier];
}

/** A tiny model's task, built as a run's is, from a few lines held in memory instead of a dataset's file. */
function tinyTask(config: RunConfig): TrainingTask {
  const base = { config, vocab: VOCAB, seed: 1, resume: null, ops: engineOps() };
  if (config.task === 'classify') {
    const labels = ['fox', 'zebra'];
    const content = TEXT.split('\n').filter(Boolean).map((text, i) => JSON.stringify({ text, label: labels[i % 2] })).join('\n');
    return buildTask({ ...base, labels, content }).task;
  }
  return buildTask({ ...base, labels: null, content: TEXT }).task;
}

/**
 * Trains the tiny models a few steps each, one step per turn of the event loop, while `idle()` says nothing
 * else was asked of this thread; returns how many steps it took and how long. Call it on the engine's
 * own thread before its first real work.
 */
export async function warmUp(idle: () => boolean): Promise<{ steps: number; ms: number }> {
  const started = performance.now();
  let steps = 0;
  for (const config of tinyConfigs()) {
    if (!idle()) break;
    const task = tinyTask(config);
    const trainer = new Trainer(
      { config, task, unitsPerStep: 1, vocab: VOCAB, labels: null, startChar: '\n', seed: 1, checkpointDir: '', resume: null, maxSteps: STEPS },
      QUIET,
    );
    try {
      for (let i = 0; i < STEPS && idle(); i++, steps++) {
        await trainer.trainStep();
        await nextTurn();
      }
      if (idle()) task.evaluate();
      if (idle() && config.task === 'generate') await generate((task as GeneratorTask).model, new Vocabulary(VOCAB), '\n', { length: 8, temperature: 1, topK: 0, topP: 1, prime: '', seed: 1 });
    } finally {
      trainer.dispose();
    }
    await nextTurn();
  }
  return { steps, ms: performance.now() - started };
}
