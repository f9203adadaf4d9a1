// Compare cells (issue 12, item 5): one run per cell at one parameter budget and seed, trained one after
// another. The plan and the runs started for it are recorded in SQLite, so a comparison can be shown after
// a restart; the runs are started by the process that drives the comparison, each when the one before it
// has ended, and never two at once (a comparison is about speed too, and two runs would share the cores).
//
// What can happen to a comparison, and what it then says (ComparisonState):
// - a run fails or is stopped (Ctrl-C, the stop button, quitting): the rest do not start; it is 'halted',
//   and `note` names the run and what became of it;
// - the driving process dies (a crash, kill -9): its current run shows 'interrupted' (as any run does) and
//   the runs it never started 'not started'; the comparison is 'abandoned';
// - either way, `continue` (rnn-studio compare --continue ID, or comparisons:continue) takes it over in this process: it resumes
//   every started run that did not finish from its last checkpoint, then starts the rest, one at a time.
import { ApiError, type RequestOf } from '../../shared/api.ts';
import { RunConfigSchema, type RunConfig } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import type { ComparedRun, ComparisonPlanEntry, ComparisonRecord, ComparisonState, CompareReply } from '../../shared/inspect.ts';
import { isLive, type RunSummary } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';
import { ownerAlive, thisProcess } from '../db/owners.ts';
import { BUDGET_TOLERANCE, countParameters, unitsForBudget } from '../engine/index.ts';
import { randomSeed } from '../engine/corpus/rng.ts';
import { assertMemoryFits, memoryNeedsOf } from './memory.ts';
import type { RunManager } from './runs.ts';
import type { EngineJobs } from './jobs.ts';

/** Training-time samples are drawn at this temperature (GeneratorTask.sample); comparisons sample alike. */
const SAMPLE_TEMPERATURE = 0.8;

const describeModel = (e: Pick<ComparisonPlanEntry, 'cell' | 'bidirectional'>) => `${e.bidirectional ? 'bidirectional ' : ''}${e.cell}`;

export class Comparisons {
  /** Comparisons this process drives, oldest first; the first one's next run starts when `current` ends. */
  private readonly driving: number[] = [];
  /** The comparison run training now, started by this process. */
  private current: { comparisonId: number; runId: number } | null = null;
  /** Samples from final checkpoints, by checkpoint id and parameters: generating one takes a while. */
  private readonly samples = new Map<string, string>();

  constructor(
    readonly store: Store,
    readonly runs: RunManager,
    readonly jobs: EngineJobs,
  ) {}

  /** Plans the comparison, records it, and starts its first run (or queues it behind one this process drives). */
  start(req: RequestOf<'runs:compare'>): CompareReply {
    const record = this.plan(req);
    const id = this.store.comparisons.insert(record, thisProcess());
    this.driving.push(id);
    if (this.current === null) {
      // The first run's refusal (the dataset cannot train it) is the request's: nothing is left recorded.
      try {
        this.startNext(id);
      } catch (err) {
        this.driving.splice(this.driving.indexOf(id), 1);
        this.store.comparisons.delete(id);
        throw err;
      }
    }
    return this.reply(this.store.comparisons.get(id)!, null);
  }

  async get(id: number): Promise<CompareReply> {
    const record = this.store.comparisons.get(id);
    if (!record) throw new ApiError('not-found', `there is no comparison ${id}`);
    return this.withSamples(record);
  }

  async list(): Promise<CompareReply[]> {
    // Listing never generates samples: it shows those already at hand.
    return this.store.comparisons.list().map((r) => this.reply(r, null));
  }

  /**
   * Takes over a halted or abandoned comparison: resumes each started run that did not finish (stopped,
   * failed, interrupted) from its last checkpoint, then starts those never started, one at a time.
   */
  continue(id: number): CompareReply {
    const record = this.store.comparisons.get(id);
    if (!record) throw new ApiError('not-found', `there is no comparison ${id}`);
    const reply = this.reply(record, null);
    if (reply.state === 'done') throw new ApiError('bad-input', `comparison ${id} is done: every run of it finished`);
    if (reply.state === 'running') {
      const by = this.driving.includes(id) ? 'this process' : `${record.driver?.label ?? 'another process'} (process ${record.driver?.pid ?? '?'})`;
      throw new ApiError('conflict', `comparison ${id} is still running, driven by ${by}`);
    }
    this.store.comparisons.takeOver(id, thisProcess());
    this.driving.push(id);
    if (this.current === null) this.advance();
    return this.reply(this.store.comparisons.get(id)!, null);
  }

  /** Resolves once no run of comparison `id` trains and none will start from this process. */
  async whenDone(id: number): Promise<CompareReply> {
    for (;;) {
      const record = this.store.comparisons.get(id);
      if (!record) throw new ApiError('not-found', `there is no comparison ${id}`);
      if (this.reply(record, null).done) return this.get(id);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // ---- planning ----

  /** The models to compare: the reference config with each cell (and direction), at units that meet its budget. */
  private plan(req: RequestOf<'runs:compare'>): Omit<ComparisonRecord, 'id' | 'started' | 'halted' | 'createdAt' | 'driver'> {
    const dataset = this.store.datasets.get(req.datasetId);
    const content = this.store.datasets.content(req.datasetId);
    if (!dataset || !content) throw new ApiError('not-found', `there is no dataset ${req.datasetId}`, { key: 'errors.noDataset', params: { id: req.datasetId } });
    if (dataset.chars === 0) throw new ApiError('bad-input', `dataset ${req.datasetId} holds no text (it stands in for an imported model's corpus): compare on another dataset`);
    const labelled = dataset.kind === 'labelled';
    if (req.bidirectional && !labelled) {
      throw new ApiError('bad-input', `dataset ${req.datasetId} is a text corpus: generators read left to right, so only classifiers (labelled datasets) compare bidirectional layers`);
    }
    const input = (req.config ?? {}) as { task?: string; model?: Record<string, unknown>; train?: Record<string, unknown> };
    const base = this.parse({ ...input, task: input.task ?? (labelled ? 'classify' : 'generate') });
    if (req.steps !== undefined) base.train.maxSteps = req.steps;
    base.train.seed ??= randomSeed();
    const V = content.vocab.length;
    const outputs = base.task === 'classify' ? content.labels!.length : V;
    const budget = countParameters(V, base.model, outputs);
    // A labelled dataset compares both directions unless told not to.
    const directions = (req.bidirectional ?? labelled) ? [false, true] : [base.model.bidirectional];
    const plan: ComparisonPlanEntry[] = [];
    for (const cell of req.cells) {
      for (const bidirectional of directions) {
        const model = { ...base.model, cell, bidirectional };
        const same = cell === base.model.cell && bidirectional === base.model.bidirectional;
        const units = same ? base.model.units : unitsForBudget(budget, V, model, outputs);
        if (units === null) {
          throw new ApiError(
            'bad-input',
            `no number of units gives a ${describeModel(model)} within ${BUDGET_TOLERANCE * 100}% of the budget of ${budget.toLocaleString('en-US')} parameters ` +
              `(a ${describeModel(base.model)} of ${base.model.layers}×${base.model.units}): the embedding and output layers alone are ${this.fixedShare(V, model, outputs, budget)}; ` +
              'compare at more units (--units) or a smaller embedding (--embedding)',
          );
        }
        const config = this.parse({ ...base, model: { ...model, units } });
        plan.push({ cell, bidirectional, units, parameters: countParameters(V, config.model, outputs), config });
      }
    }
    // Each model must fit on its own (they train one at a time); refuse the comparison before any run starts.
    for (const entry of plan) {
      try {
        assertMemoryFits(memoryNeedsOf(dataset, content, entry.config));
      } catch (err) {
        if (err instanceof ApiError) throw new ApiError(err.code, `the ${describeModel(entry)} of ${entry.units} units: ${err.message}`);
        throw err;
      }
    }
    return { datasetId: req.datasetId, task: base.task, budget, plan, prime: base.train.samplePrime ?? '', seed: base.train.seed };
  }

  private parse(input: unknown): RunConfig {
    const parsed = RunConfigSchema.safeParse(input);
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    return parsed.data;
  }

  /** "12,345 parameters at one unit, more than the budget" or the like, for the refusal above. */
  private fixedShare(V: number, model: RunConfig['model'], outputs: number, budget: number): string {
    const least = countParameters(V, { ...model, units: 1 }, outputs);
    return least > budget ? `${least.toLocaleString('en-US')} parameters at one unit, more than the budget` : `most of it, so the units jump past it`;
  }

  // ---- driving ----

  /** Starts (or resumes) the next run of the first comparison this process drives that has one left. */
  private advance(): void {
    while (this.current === null && this.driving.length > 0) {
      const id = this.driving[0];
      try {
        if (this.startNext(id)) return;
      } catch (err) {
        this.halt(id, `the next run could not start: ${(err as Error).message}`);
      }
      this.driving.shift();
    }
  }

  /** Starts comparison `id`'s next run; false when none is left. Throws what refused to start it. */
  private startNext(id: number): boolean {
    const record = this.store.comparisons.get(id);
    if (!record || record.halted !== null) return false;
    for (const [position, entry] of record.plan.entries()) {
      const started = record.started.find((s) => s.position === position);
      let run: RunSummary;
      if (!started) {
        run = this.runs.start(record.datasetId, entry.config);
        this.store.comparisons.addRun(id, position, run.id);
      } else {
        const previous = started.runId === null ? null : this.store.runs.get(started.runId);
        if (!previous || previous.status === 'finished') continue; // deleted runs are not trained again
        run = this.runs.resume(previous.id, undefined);
      }
      this.current = { comparisonId: id, runId: run.id };
      void this.runs.whenDone(run.id).then((ended) => this.onRunEnded(id, entry, ended));
      return true;
    }
    return false;
  }

  private onRunEnded(id: number, entry: ComparisonPlanEntry, run: RunSummary): void {
    this.current = null;
    try {
      if (run.status !== 'finished') {
        const why = run.status === 'failed' ? `failed: ${run.error ?? 'no reason given'}` : `was ${run.status} at step ${run.step}`;
        this.halt(id, `run ${run.id} (the ${describeModel(entry)}) ${why}`);
        // Whatever else this process was to compare waits too: a stop is usually the user's, or the process ending.
        for (const other of this.driving.slice(1)) this.halt(other, `comparison ${id} before it was halted: run ${run.id} ${why}`);
        this.driving.length = 0;
        return;
      }
      this.advance();
    } catch {
      // The database is closed (the process is ending) or cannot be written: the comparison shows as
      // abandoned, and can be continued.
      this.driving.length = 0;
    }
  }

  private halt(id: number, why: string): void {
    this.store.comparisons.halt(id, why);
  }

  // ---- replies ----

  private state(record: ComparisonRecord, runs: ComparedRun[]): { state: ComparisonState; note: string | null } {
    const notStarted = runs.filter((r) => r.status === 'not started').map((r) => describeModel(r));
    const never = notStarted.length ? `; ${notStarted.join(', ')} never started` : '';
    if (runs.some((r) => isLive(r.status as RunSummary['status']))) return { state: 'running', note: null };
    if (record.halted !== null) return { state: 'halted', note: `${record.halted}${never}` };
    const interrupted = runs.filter((r) => r.status === 'interrupted');
    const driverAlive = this.driving.includes(record.id) || (record.driver !== null && ownerAlive(record.driver.pid, record.driver.started, null));
    if (interrupted.length === 0 && notStarted.length === 0) return { state: 'done', note: null };
    if (interrupted.length === 0 && driverAlive) return { state: 'running', note: null };
    const driver = record.driver ? `${record.driver.label} (process ${record.driver.pid})` : 'the process driving it';
    const cut = interrupted.length ? `: run ${interrupted.map((r) => r.runId).join(', ')} was interrupted` : '';
    return { state: 'abandoned', note: `${driver} ended before the comparison did${cut}${never}` };
  }

  /** The reply with the samples at hand (`samples` given), or without any. */
  private reply(record: ComparisonRecord, samples: Map<number, string> | null): CompareReply {
    const runs = record.plan.map((entry, position): ComparedRun => {
      const started = record.started.find((s) => s.position === position);
      const run = started?.runId != null ? this.store.runs.get(started.runId) : null;
      const generator = record.task === 'generate';
      const t = entry.config.train;
      const perStep = generator ? t.batch * t.seqLen : t.batch; // characters or examples
      return {
        runId: run?.id ?? null,
        cell: entry.cell,
        bidirectional: entry.bidirectional,
        units: entry.units,
        parameters: run?.parameters ?? entry.parameters,
        status: !started ? 'not started' : !run ? 'deleted' : run.status,
        error: run?.error ?? null,
        step: run?.step ?? 0,
        totalSteps: run?.totalSteps ?? t.maxSteps,
        valLoss: run?.bestValLoss ?? null,
        bitsPerChar: generator && run?.bestValLoss != null ? run.bestValLoss / Math.LN2 : null,
        charsPerSec: run && run.trainSeconds > 0 ? (run.step * perStep) / run.trainSeconds : null,
        sample: (run && samples?.get(run.id)) ?? (run ? this.recordedSample(record, run) : null),
      };
    });
    const { state, note } = this.state(record, runs);
    return {
      comparisonId: record.id,
      datasetId: record.datasetId,
      task: record.task,
      budget: record.budget,
      prime: record.prime,
      seed: record.seed,
      sampleLength: record.plan[0].config.train.sampleLength,
      temperature: SAMPLE_TEMPERATURE,
      runs,
      state,
      note,
      done: state !== 'running',
      createdAt: record.createdAt,
    };
  }

  /**
   * The run's training-time sample at its last step, when it was drawn exactly as the comparison samples
   * (the last step always records one, at the run's prime, seed and sample length, temperature 0.8).
   */
  private recordedSample(record: ComparisonRecord, run: RunSummary): string | null {
    if (record.task !== 'generate' || isLive(run.status)) return null;
    const length = record.plan[0].config.train.sampleLength;
    const s = this.store.samples
      .forRun(run.id)
      .filter((x) => x.source === 'training' && x.step === run.step && x.prompt === record.prime && x.seed === record.seed && x.params.length === length && x.params.temperature === SAMPLE_TEMPERATURE && x.params.topK === 0 && x.params.topP === 1)
      .at(-1);
    return s?.text ?? null;
  }

  /** The reply with a sample from each ended generator run's latest checkpoint (generated if not recorded). */
  private async withSamples(record: ComparisonRecord): Promise<CompareReply> {
    const samples = new Map<number, string>();
    if (record.task === 'generate') {
      const length = record.plan[0].config.train.sampleLength;
      for (const s of record.started) {
        const run = s.runId === null ? null : this.store.runs.get(s.runId);
        if (!run || isLive(run.status) || this.recordedSample(record, run) !== null) continue;
        const checkpoint = this.store.checkpoints.latest(run.id);
        if (!checkpoint) continue;
        const key = `${checkpoint.id}:${record.prime}:${record.seed}:${length}`;
        let text = this.samples.get(key);
        if (text === undefined) {
          text = (await this.jobs.sampleText(checkpoint, { length, temperature: SAMPLE_TEMPERATURE, topK: 0, topP: 1, prime: record.prime, seed: record.seed })).text;
          this.samples.set(key, text);
        }
        samples.set(run.id, text);
      }
    }
    return this.reply(record, samples);
  }
}
