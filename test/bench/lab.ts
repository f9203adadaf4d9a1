// `npm run bench -- --lab`: how long each step of the Lab (issue 16) takes on the bundled corpus and the
// bundled first names with the Lab's own defaults (shared/lab.ts LAB_PLAN), on this machine — the figures
// a learner waits for. Each step does what the Lab screen does, through the same API: import, train the
// simple RNN, compare the three cells at its budget and measure their gradient flow, show the LSTM's gates
// over a passage, read the comparison, train the three classifiers, and write the report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { LAB_CLASSIFIERS, LAB_PLAN, labClassifierConfig, labSimpleRnnConfig, type LabClassifier, type LabStepId } from '../../shared/lab.ts';
import type { RunStatus } from '../../shared/types.ts';

export interface LabTimings {
  step: LabStepId;
  seconds: number;
  what: string;
}

/** Resolves when run `runId` has ended (finished, stopped, failed); fails on anything but finished. */
function ended(studio: Studio, runId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = studio.on('run:status', ({ runId: id, status, error }: { runId: number; status: RunStatus; error: string | null }) => {
      if (id !== runId || status === 'running' || status === 'created' || status === 'paused') return;
      off();
      if (status === 'finished') resolve();
      else reject(new Error(`run ${runId} ended ${status}: ${error ?? ''}`));
    });
  });
}

export async function labTimings(say: (line: string) => void = () => {}): Promise<LabTimings[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-lab-bench-'));
  const studio = Studio.open(join(dir, 'home'));
  const out: LabTimings[] = [];
  const timed = async <T>(step: LabStepId, what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await fn();
    out.push({ step, seconds: (performance.now() - t0) / 1000, what });
    say(`${step.padEnd(11)} ${((performance.now() - t0) / 1000).toFixed(2).padStart(6)} s  ${what}`);
    return result;
  };
  try {
    const info = await studio.invoke('app:info', {});
    const corpus = await timed('corpus', `import the bundled corpus (${info.sampleCorpus.name})`, () => studio.invoke('datasets:import', info.sampleCorpus));
    const datasetId = corpus.dataset.id;
    await studio.invoke('lab:update', { datasetId, done: ['corpus'], step: 'simple-rnn' });
    const rnnConfig = labSimpleRnnConfig(LAB_PLAN.simpleRnn.steps);
    await timed('simple-rnn', `SimpleRNN 1×${LAB_PLAN.simpleRnn.units}, ${LAB_PLAN.simpleRnn.steps} steps`, async () => {
      const run = await studio.invoke('runs:start', { datasetId, config: rnnConfig });
      await ended(studio, run.id);
      await studio.invoke('lab:update', { rnnRunId: run.id, done: ['corpus', 'simple-rnn'] });
    });
    const comparison = await timed('gradients', `SimpleRNN, LSTM and GRU at one budget, ${LAB_PLAN.compareSteps} steps each, then their gradient flow`, async () => {
      let c = await studio.invoke('runs:compare', { datasetId, cells: LAB_PLAN.cells, steps: LAB_PLAN.compareSteps, config: rnnConfig });
      while (!c.done) {
        await new Promise((r) => setTimeout(r, 500));
        c = await studio.invoke('comparisons:get', { id: c.comparisonId });
      }
      for (const r of c.runs) if (r.runId !== null) await studio.invoke('runs:gradient-flow', { runId: r.runId });
      await studio.invoke('lab:update', { comparisonId: c.comparisonId, done: ['corpus', 'simple-rnn', 'gradients'] });
      return c;
    });
    const lstm = comparison.runs.find((r) => r.cell === 'lstm')!.runId!;
    const passage = (await studio.invoke('datasets:preview', { id: datasetId, chars: 2000 })).text.slice(400, 600);
    await timed('gates', 'the LSTM’s gates and units over a 200-character passage', async () => {
      await studio.invoke('runs:units', { runId: lstm, text: passage });
      await studio.invoke('lab:update', { passage, done: ['corpus', 'simple-rnn', 'gradients', 'gates'] });
    });
    await timed('gru-lstm', 'reading the comparison (curves and samples)', async () => {
      await studio.invoke('comparisons:get', { id: comparison.comparisonId });
      await studio.invoke('runs:metrics', { ids: comparison.runs.map((r) => r.runId!) });
      await studio.invoke('lab:update', { done: ['corpus', 'simple-rnn', 'gradients', 'gates', 'gru-lstm'] });
    });
    await timed('classify', `import the first names; three LSTM classifiers (${LAB_CLASSIFIERS.join(', ')}), ${LAB_PLAN.classifier.steps} steps each`, async () => {
      const names = await studio.invoke('datasets:import', info.sampleNames);
      const ids: Partial<Record<LabClassifier, number>> = {};
      for (const which of LAB_CLASSIFIERS) {
        const run = await studio.invoke('runs:start', { datasetId: names.dataset.id, config: labClassifierConfig(which, LAB_PLAN.classifier.steps) });
        await ended(studio, run.id);
        ids[which] = run.id;
      }
      await studio.invoke('lab:update', { labelledDatasetId: names.dataset.id, classifierRunIds: ids, done: ['corpus', 'simple-rnn', 'gradients', 'gates', 'gru-lstm', 'classify'] });
    });
    await timed('findings', 'the report, in English and in Traditional Chinese', async () => {
      await studio.invoke('lab:report', { locale: 'en' });
      await studio.invoke('lab:report', { locale: 'zh-TW' });
    });
    return out;
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t = await labTimings((line) => console.log(line));
  console.log(`total ${t.reduce((s, x) => s + x.seconds, 0).toFixed(0)} s`);
}
