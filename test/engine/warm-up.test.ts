// A fresh engine warms up on tiny models before its first command (training/warm-up.ts). What a user
// would notice if it went wrong: a run that learns differently after it, memory it leaves behind, or a
// request that waits for it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { warmUp } from '../../main/engine/training/warm-up.ts';
import { QUIET, Trainer } from '../../main/engine/training/train.ts';
import { buildTask } from '../../main/engine/training/tasks/index.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { buildCharset, countChars } from '../../main/engine/corpus/charset.ts';
import { CELL_TYPES, RunConfigSchema } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';

const TEXT = 'a stitch in time saves nine; waste not, want not. '.repeat(80);
const vocab = buildCharset(countChars(TEXT).counts, 100).vocab;
const dir = tempDir();
const corpusPath = join(dir.path, 'corpus.txt');
writeFileSync(corpusPath, TEXT);

/** The losses of `steps` steps of a fresh run of `cell`, seeded. */
async function losses(cell: (typeof CELL_TYPES)[number], steps: number): Promise<number[]> {
  const config = RunConfigSchema.parse({ model: { cell, layers: 2, units: 32, embedding: 16 }, train: { seqLen: 16, batch: 8, seed: 3 } });
  const built = buildTask({ config, vocab, labels: null, contentPath: corpusPath, seed: 3, resume: null, ops: engineOps() });
  const trainer = new Trainer(
    { config, task: built.task, unitsPerStep: built.unitsPerStep, vocab, labels: null, startChar: built.startChar, seed: 3, checkpointDir: dir.path, resume: null, maxSteps: null },
    QUIET,
  );
  try {
    const out: number[] = [];
    for (let i = 0; i < steps; i++) out.push(await trainer.trainStep());
    return out;
  } finally {
    trainer.dispose();
  }
}

before(async () => {
  await initBackend();
});

test('a run learns exactly the same after the warm-up as on a cold engine', async () => {
  const cold = new Map<string, number[]>();
  for (const cell of CELL_TYPES) cold.set(cell, await losses(cell, 5));
  const tensors = tf.memory().numTensors;
  const { steps, ms } = await warmUp(() => true);
  assert.equal(steps, 8 * (CELL_TYPES.length + 1), 'eight steps of each cell and of a classifier');
  assert.ok(ms > 0);
  assert.equal(tf.memory().numTensors, tensors, 'the tiny models leave no tensors behind');
  for (const cell of CELL_TYPES) assert.deepEqual(await losses(cell, 5), cold.get(cell), `${cell}: bit-identical losses`);
});

test('the warm-up ends as soon as it is no longer idle', async () => {
  let asked = 0;
  const { steps } = await warmUp(() => asked++ < 3);
  assert.ok(steps <= 2, `it stopped within the tiny step under way (${steps} steps)`);
});

test.after(() => dir.cleanup());
