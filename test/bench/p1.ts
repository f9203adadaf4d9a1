// One benchmark measurement in its own process (so its peak RSS is its own): workload P1 on one backend
// for one cell — training throughput after two warm-up steps, then sampling 500 characters at batch 1.
// Prints one JSON line. Usage: tsx p1.ts <lstm|gru|rnn> <steps> [units layers batch seq]   (P1: 256 1 32 64;
// RNN_STUDIO_BACKEND picks the backend, RNN_STUDIO_NATIVE=0 runs without the native kernels). The first
// steps are timed too: a fresh run's step 1 against the steady state (`first_step_ratio`), and building
// the task before them (`setup_ms`, which includes readying the step's memory). The engine first warms up
// as the studio's spare engine does before a run is asked of it (`warm_up_ms`, engine/training/warm-up.ts);
// P1_COLD=1 leaves that out, as `rnn-studio train` (which boots its engine for the run) has it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../main/engine/model/backend.ts';
import { buildTask } from '../../main/engine/training/tasks/index.ts';
import { QUIET, Trainer } from '../../main/engine/training/train.ts';
import { CharRnn } from '../../main/engine/model/generator.ts';
import { generate } from '../../main/engine/sampling/sample.ts';
import { Vocabulary } from '../../main/engine/corpus/charset.ts';
import { RunConfigSchema, type CellType } from '../../shared/config.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { nativeStatus } from '../../main/engine/native/addon.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { warmUp } from '../../main/engine/training/warm-up.ts';

const cell = (process.argv[2] ?? 'lstm') as CellType;
const steps = Number(process.argv[3] ?? 20);
const V = 65;
const [H, L, B, T] = [4, 5, 6, 7].map((i, k) => Number(process.argv[i] ?? [256, 1, 32, 64][k]));

const backend = await initBackend();
const cold = process.env.P1_COLD === '1';
const warmUpMs = cold ? 0 : (await warmUp(() => true)).ms;
const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-bench-'));
const vocab = Array.from({ length: V }, (_, i) => String.fromCodePoint(0x21 + i));
const rng = new Rng(1);
const corpus = Array.from({ length: 400_000 }, () => vocab[rng.int(V)]).join('');
writeFileSync(join(dir, 'corpus.txt'), corpus);
const config = RunConfigSchema.parse({
  model: { cell, layers: L, units: H, embedding: 64, dropout: 0 },
  train: { seqLen: T, batch: B, lr: 2e-3, clip: 5, valSplit: 0, seed: 1, maxSteps: steps + 2 },
});
const ops = engineOps();
const setupStart = performance.now();
const built = buildTask({ config, vocab, labels: null, contentPath: join(dir, 'corpus.txt'), seed: 1, resume: null, ops });
const setupMs = performance.now() - setupStart; // building the task readies the step's memory (ops.prepare)
const trainer = new Trainer(
  { config, task: built.task, unitsPerStep: B * T, vocab, labels: null, startChar: vocab[0], seed: 1, checkpointDir: dir, resume: null, maxSteps: null },
  QUIET,
);
const firstSteps: number[] = []; // steps 1 and 2 of a fresh run: what a short run feels
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  await trainer.trainStep();
  firstSteps.push(performance.now() - t0);
}
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await trainer.trainStep();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];

const model = (built.task as unknown as { model: CharRnn }).model;
const v = new Vocabulary(vocab);
await generate(model, v, vocab[0], { length: 5, temperature: 1, topK: 0, topP: 1, prime: '', seed: 1 });
const s0 = performance.now();
let first = 0;
await generate(model, v, vocab[0], { length: 500, temperature: 1, topK: 0, topP: 1, prime: '', seed: 2 }, () => {
  if (!first) first = performance.now() - s0;
});
const sampleMs = performance.now() - s0;
trainer.dispose();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    engine: 'rnn-studio',
    backend: backend.name,
    kernels: ops.kind === 'native' ? `native-${nativeStatus().kernels!.info().kernels}` : 'tfjs-ops',
    threads: ops.kind === 'native' ? nativeStatus().threads : 1,
    cell,
    steps,
    train_chars_per_s: Math.round((B * T) / (median / 1000)),
    train_step_ms_median: Math.round(median * 10) / 10,
    setup_ms: Math.round(setupMs),
    started: cold ? 'cold' : 'warmed up',
    warm_up_ms: Math.round(warmUpMs),
    first_step_ms: Math.round(firstSteps[0] * 10) / 10,
    first_step_ratio: Math.round((firstSteps[0] / median) * 100) / 100,
    second_step_ratio: Math.round((firstSteps[1] / median) * 100) / 100,
    units: H,
    layers: L,
    batch: B,
    seq: T,
    sample_chars_per_s: Math.round(500 / (sampleMs / 1000)),
    first_char_ms: Math.round(first * 10) / 10,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
