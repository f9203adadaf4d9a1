// Start → training, through the studio as the app drives it (one measurement per process): the bundled
// corpus, a P1-sized LSTM (1×256, embedding 64, seq 64, batch 32), 40 steps. Prints one JSON line: from
// runs:start to the run's ready event and to its first step, step 1 against the median step after it.
// Usage: tsx startup.ts <cold|standby>. `standby` opens the studio as the desktop app and `serve` do, and
// asks for the run once the spare engine has warmed up; `cold` as the other CLI commands, which boot the
// engine when the run asks for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { SAMPLE_CORPUS } from '../../main/core/resources.ts';

const mode = process.argv[2] === 'standby' ? 'standby' : 'cold';
const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-startup-'));
const studio = Studio.open(join(dir, 'home'), { standby: mode === 'standby' });
const { dataset } = await studio.invoke('datasets:import', { path: SAMPLE_CORPUS.path });
for (const end = Date.now() + 60_000; mode === 'standby' && !studio.engines.spareWarm && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));

const t0 = performance.now();
let ready = NaN;
const stepEnds: number[] = [];
studio.on('run:ready', () => (ready = performance.now() - t0));
studio.on('run:progress', () => stepEnds.push(performance.now() - t0));
const run = await studio.invoke('runs:start', {
  datasetId: dataset.id,
  config: { model: { cell: 'lstm', layers: 1, units: 256, embedding: 64 }, train: { seqLen: 64, batch: 32, lr: 2e-3, clip: 5, maxSteps: 40, valSplit: 0.05, evalEvery: 1000, sampleEvery: 0, checkpointEvery: 1000 } },
});
const done = await studio.runs.whenDone(run.id);
if (done.status !== 'finished') throw new Error(`the run ${done.status}: ${done.error}`);
const steps = stepEnds.map((t, i) => t - (i ? stepEnds[i - 1] : ready));
const later = steps.slice(5).sort((a, b) => a - b);
const steady = later[Math.floor(later.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    measure: 'startup',
    mode,
    start_to_ready_ms: Math.round(ready),
    start_to_first_step_ms: Math.round(stepEnds[0]),
    first_step_ms: round(steps[0]),
    steady_step_ms: round(steady),
    first_step_ratio: Math.round((steps[0] / steady) * 100) / 100,
  }),
);
await studio.close();
rmSync(dir, { recursive: true, force: true });
