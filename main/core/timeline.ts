// A run's timeline (issue 12, item 6): a sample at one prime and seed from every point of its training,
// beside the validation loss then — the text growing from noise into words. The samples recorded while
// training are used as they are when the caller asks for their prime, seed and length; every kept
// checkpoint at a step without one is sampled now, alike. Asked for another prime, seed or length, every
// kept checkpoint is sampled. Nothing generated here is recorded: the same call gives the same text.
import { ApiError, type RequestOf } from '../../shared/api.ts';
import type { TimelineEntry, TimelineReply } from '../../shared/inspect.ts';
import type { MetricPoint, SampleRecord } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';
import type { EngineJobs } from './jobs.ts';

/** GeneratorTask.sample draws training-time samples at this temperature, with neither top-k nor top-p. */
const TRAINING_TEMPERATURE = 0.8;

export async function timeline(store: Store, jobs: EngineJobs, req: RequestOf<'runs:timeline'>): Promise<TimelineReply> {
  const run = store.runs.get(req.runId);
  if (!run) throw new ApiError('not-found', `there is no run ${req.runId}`, { key: 'errors.noRun', params: { id: req.runId } });
  if (run.task === 'classify') throw new ApiError('bad-input', `run ${req.runId} is a classifier: a timeline shows a generator's samples as it learns (see its validation curve and confusion matrix instead)`);

  // One recorded sample per step (a resumed run keeps the one before its checkpoint), at the run's sampling.
  const byStep = new Map<number, SampleRecord>();
  for (const s of store.samples.forRun(run.id)) {
    if (s.source === 'training' && s.params.temperature === TRAINING_TEMPERATURE && s.params.topK === 0 && s.params.topP === 1) byStep.set(s.step, s);
  }
  const recorded = [...byStep.values()];
  const first = recorded[0];
  const t = run.config.train;
  const prime = req.prime ?? first?.prompt ?? t.samplePrime ?? '';
  const seed = req.seed ?? first?.seed ?? t.seed ?? 0;
  const length = req.length ?? first?.params.length ?? t.sampleLength;
  const matching = recorded.filter((s) => s.prompt === prime && s.seed === seed && s.params.length === length);

  const checkpoints = new Map(store.checkpoints.forRun(run.id).map((c) => [c.step, c])); // one per step
  const valPoints = store.metrics.forRun(run.id).filter((m) => m.valLoss !== null);
  const entries: TimelineEntry[] = matching.map((s) => ({ step: s.step, source: 'training', checkpointId: checkpoints.get(s.step)?.id ?? null, valLoss: valLossAt(valPoints, s.step), text: s.text }));
  const covered = new Set(entries.map((e) => e.step));
  for (const checkpoint of checkpoints.values()) {
    if (covered.has(checkpoint.step)) continue;
    let text: string;
    try {
      ({ text } = await jobs.sampleText(checkpoint, { length, temperature: TRAINING_TEMPERATURE, topK: 0, topP: 1, prime, seed }));
    } catch (err) {
      // A run still training prunes old checkpoints: one gone meanwhile is simply not on the timeline.
      if (!store.checkpoints.forRun(run.id).some((c) => c.id === checkpoint.id)) continue;
      throw err;
    }
    entries.push({ step: checkpoint.step, source: 'checkpoint', checkpointId: checkpoint.id, valLoss: valLossAt(valPoints, checkpoint.step), text });
  }
  entries.sort((a, b) => a.step - b.step);
  return { runId: run.id, prime, seed, length, temperature: TRAINING_TEMPERATURE, entries };
}

/** The validation loss measured at `step`, or the last one measured before it; null before any. */
function valLossAt(points: MetricPoint[], step: number): number | null {
  let loss: number | null = null;
  for (const p of points) {
    if (p.step > step) break;
    loss = p.valLoss;
  }
  return loss;
}
