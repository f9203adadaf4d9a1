// `npm run demo`: the bundled sample corpus, a small model, about a minute of training, then samples.
import type { Studio } from '../core/studio.ts';
import { SAMPLE_CORPUS } from '../core/resources.ts';
import type { Output } from './output.ts';
import { watchRun } from './watch.ts';

export async function runDemo(studio: Studio, out: Output, seconds: number): Promise<void> {
  const { dataset } = await studio.invoke('datasets:import', { path: SAMPLE_CORPUS.path, name: SAMPLE_CORPUS.name });
  out.say(`Training a small LSTM on "${dataset.name}" (${dataset.chars.toLocaleString('en-US')} characters) for ${seconds} s…`);
  const run = await studio.invoke('runs:start', {
    datasetId: dataset.id,
    config: { model: { cell: 'lstm', layers: 1, units: 128, embedding: 32 }, train: { seqLen: 64, batch: 32, lr: 4e-3, sampleEvery: 0, evalEvery: 50, checkpointEvery: 100, maxSteps: 100_000 } },
  });
  const timer = setTimeout(() => void studio.invoke('runs:control', { id: run.id, command: 'stop' }), seconds * 1000);
  try {
    await watchRun(studio, run.id, out);
  } finally {
    clearTimeout(timer);
  }
  for (const temperature of [0.5, 0.8]) {
    const sample = await studio.invoke('samples:generate', { runId: run.id, params: { length: 300, temperature, prime: 'The ', seed: 42 } });
    out.result({ runId: run.id, temperature, text: sample.text }, () => `\n--- temperature ${temperature} ---\n${sample.text}`);
  }
}
