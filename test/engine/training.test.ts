import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { QUIET, Trainer, type TrainerCallbacks } from '../../main/engine/training/train.ts';
import { TrainingControl } from '../../main/engine/training/control.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { buildCharset, countChars } from '../../main/engine/corpus/charset.ts';
import { buildTask } from '../../main/engine/training/tasks/index.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { RunConfigSchema, type CellType, type RunConfigInput } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(120);
const vocab = buildCharset(countChars(TEXT).counts, 100).vocab;
const corpusDir = tempDir();
const corpusPath = join(corpusDir.path, 'corpus.txt');
writeFileSync(corpusPath, TEXT);

function makeTrainer(overrides: RunConfigInput, dir: string, callbacks: Partial<TrainerCallbacks> = {}, resumePath: string | null = null): Trainer {
  const config = RunConfigSchema.parse({
    ...overrides,
    model: { layers: 1, units: 48, embedding: 16, ...overrides.model },
    train: { seqLen: 24, batch: 12, seed: 5, sampleEvery: 0, evalEvery: 25, checkpointEvery: 1000, ...overrides.train },
  });
  const resume = resumePath ? loadCheckpoint(resumePath) : null;
  const seed = config.train.seed!;
  const built = buildTask({ config, vocab, labels: null, contentPath: corpusPath, seed, resume, ops: engineOps() });
  return new Trainer(
    { config, task: built.task, unitsPerStep: built.unitsPerStep, vocab, labels: null, startChar: built.startChar, seed, checkpointDir: dir, resume, maxSteps: null },
    { ...QUIET, ...callbacks },
  );
}

async function trainSteps(trainer: Trainer, n: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < n; i++) losses.push(await trainer.trainStep());
  return losses;
}

before(async () => {
  await initBackend();
});

for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
  test(`${cell}: loss on a repeated pattern falls well below its start within 250 steps`, async () => {
    const dir = tempDir();
    const trainer = makeTrainer({ model: { cell } }, dir.path);
    try {
      const losses = await trainSteps(trainer, 250);
      const start = losses[0];
      const end = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
      assert.ok(start > 2.5, `starts near ln(V): ${start}`);
      assert.ok(end < start * 0.25, `${cell} loss went from ${start.toFixed(3)} to ${end.toFixed(3)}`);
    } finally {
      trainer.dispose();
      dir.cleanup();
    }
  });
}

test('the same seed gives the same losses; another seed does not', async () => {
  const dir = tempDir();
  const run = async (seed: number) => {
    const t = makeTrainer({ model: { dropout: 0.2, layers: 2 }, train: { seed } }, dir.path);
    const losses = await trainSteps(t, 12);
    t.dispose();
    return losses;
  };
  try {
    assert.deepEqual(await run(11), await run(11));
    assert.notDeepEqual(await run(11), await run(12));
  } finally {
    dir.cleanup();
  }
});

test('no tensor leak: the tensor count after step 10 equals the count after step 200', async () => {
  const dir = tempDir();
  const trainer = makeTrainer({ model: { cell: 'gru', layers: 2, dropout: 0.1 }, train: { sampleEvery: 50, sampleLength: 20 } }, dir.path);
  try {
    await trainSteps(trainer, 10);
    const after10 = tf.memory().numTensors;
    for (let i = 10; i < 200; i++) {
      await trainer.trainStep();
      if (i % 50 === 0) {
        trainer.task.evaluate();
        await trainer.task.sample!(1);
      }
    }
    assert.equal(tf.memory().numTensors, after10);
  } finally {
    trainer.dispose();
    dir.cleanup();
  }
});

test('exact resume: 40 steps straight equal 20 + checkpoint + resume + 20', async () => {
  const dir = tempDir();
  const overrides: RunConfigInput = { model: { cell: 'lstm', layers: 2, dropout: 0.25 }, train: { maxSteps: 40, evalEvery: 10, seed: 9 } };
  try {
    const straight: number[] = [];
    const a = makeTrainer(overrides, dir.path, { onProgress: (e) => straight.push(e.loss) });
    await a.run(new TrainingControl());
    a.dispose();

    const firstHalf: number[] = [];
    let checkpointPath = '';
    const control = new TrainingControl();
    const b = makeTrainer(overrides, dir.path, {
      onProgress: (e) => {
        firstHalf.push(e.loss);
        if (e.step === 20) control.stop();
      },
      onCheckpoint: (e) => (checkpointPath = e.path),
    });
    assert.equal(await b.run(control), 'stopped');
    b.dispose();

    const secondHalf: number[] = [];
    const c = makeTrainer(overrides, dir.path, { onProgress: (e) => secondHalf.push(e.loss) }, checkpointPath);
    assert.equal(c.step, 20);
    assert.equal(await c.run(new TrainingControl()), 'completed');
    c.dispose();

    const resumed = [...firstHalf, ...secondHalf];
    assert.equal(resumed.length, 40);
    resumed.forEach((loss, i) => assert.ok(Math.abs(loss - straight[i]) < 1e-5, `step ${i + 1}: ${loss} vs ${straight[i]}`));
  } finally {
    dir.cleanup();
  }
});

test('a diverged run stops with a message that says so and names the last good checkpoint', async () => {
  const dir = tempDir();
  const trainer = makeTrainer({ train: { checkpointEvery: 3, maxSteps: 20 } }, dir.path);
  try {
    const control = new TrainingControl();
    // Four steps through the loop (a checkpoint at step 3), then the weights go bad, as after an overflow.
    const run = trainer.run(control);
    while (trainer.step < 4) await new Promise((r) => setImmediate(r));
    const bias = trainer.task.variables.get('output.bias')!;
    bias.assign(tf.fill(bias.shape, NaN));
    await assert.rejects(run, /training diverged: the loss became NaN at step \d+.*step-00000003\.ckpt.*lower learning rate/);
  } finally {
    trainer.dispose();
    dir.cleanup();
  }
});
