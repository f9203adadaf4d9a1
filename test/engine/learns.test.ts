// A model as a user gets it — every model and training default (2 × 128 LSTM, embedding 64, seq 64, batch 32,
// Adam 2e-3, clip 5) — still learns real English quickly: on the bundled State of the Union corpus its
// validation loss falls below a fixed bar within STEPS steps. This guards the initialisation and the optimizer
// as a whole (issue 13: with Keras' initialisers the same run stayed well above the bar); how it compares with
// PyTorch is measured by `npm run bench -- --quality`, not here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../main/engine/model/backend.ts';
import { QUIET, Trainer } from '../../main/engine/training/train.ts';
import { buildTask } from '../../main/engine/training/tasks/index.ts';
import { buildCharset, countChars } from '../../main/engine/corpus/charset.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';

const CORPUS = fileURLToPath(new URL('../../resources/corpora/state-of-the-union.txt', import.meta.url));
const STEPS = 150;
const BAR = 2.3; // nats/char

before(async () => {
  await initBackend();
});

test(`a default-config generator gets below ${BAR} nats/char of validation loss on the bundled corpus within ${STEPS} steps`, async (t) => {
  const config = RunConfigSchema.parse({ train: { seed: 1, valSplit: 0.05, maxSteps: STEPS, sampleEvery: 0 } });
  const vocab = buildCharset(countChars(readFileSync(CORPUS, 'utf8')).counts, 2000).vocab;
  const dir = tempDir();
  const built = buildTask({ config, vocab, labels: null, contentPath: CORPUS, seed: 1, resume: null, ops: engineOps() });
  const trainer = new Trainer(
    { config, task: built.task, unitsPerStep: built.unitsPerStep, vocab, labels: null, startChar: built.startChar, seed: 1, checkpointDir: dir.path, resume: null, maxSteps: null },
    QUIET,
  );
  try {
    for (let i = 0; i < STEPS; i++) await trainer.trainStep();
    const loss = built.task.evaluate()!.loss;
    t.diagnostic(`validation loss after ${STEPS} steps: ${loss.toFixed(3)} nats/char`);
    assert.ok(loss < BAR, `validation loss after ${STEPS} steps: ${loss.toFixed(3)} (bar ${BAR})`);
  } finally {
    trainer.dispose();
    dir.cleanup();
  }
});
