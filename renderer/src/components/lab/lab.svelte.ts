// The Lab in the renderer: what the learner has done (lab:get / lab:update, kept by the core), and what
// its steps start. It lives outside the screen so what runs one after another (the comparison's polling,
// the three classifiers) goes on while the learner looks at another screen.
import { LAB_CLASSIFIERS, LAB_PLAN, LAB_STEPS, labClassifierConfig, type LabClassifier, type LabState, type LabStepId, type LabUpdate } from '../../../../shared/lab.ts';
import { buildCharset } from '../../../../shared/charset.ts';
import type { CompareReply } from '../../../../shared/inspect.ts';
import { isLive, type DatasetDetail, type RunStatus } from '../../../../shared/types.ts';
import { api, messageOf } from '../../lib/api.ts';


/** How often a comparison being trained is read again. */
const COMPARISON_POLL_MS = 1000;
/** How often a run being waited for is read again, besides its status events. */
const RUN_POLL_MS = 3000;

/** The vocabulary a model trained on the dataset reads (shared/charset.ts, as the engine builds it). */
export function vocabularyOf(dataset: Pick<DatasetDetail, 'charCounts' | 'maxCharset'>): string[] {
  return buildCharset(dataset.charCounts.map((c) => [c.char, c.count]), dataset.maxCharset).vocab;
}

/** A whole number of training steps from 1 to `max`, or null. */
export function parseSteps(text: string, max: number): number | null {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : null;
}

/** Resolves with the run's status once it has ended (its status event, or a read every few seconds). */
export function runEnded(runId: number): Promise<RunStatus> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (status: RunStatus) => {
      off();
      clearTimeout(timer);
      resolve(status);
    };
    const off = api.on('run:status', (e) => {
      if (e.runId === runId && !isLive(e.status)) finish(e.status);
    });
    const check = async () => {
      const run = await api.invoke('runs:get', { id: runId }).catch(() => null);
      if (run === null) finish('failed');
      else if (!isLive(run.status)) finish(run.status);
      else timer = setTimeout(() => void check(), RUN_POLL_MS);
    };
    void check();
  });
}

class LabModel {
  state = $state<LabState | null>(null);
  error = $state<string | null>(null);
  /** The comparison of steps 3 to 5, as last read. */
  comparison = $state<CompareReply | null>(null);
  /** The classifier of step 6 being trained now (they train one after another). */
  classifying = $state<LabClassifier | null>(null);
  private polling: number | null = null;

  async load(): Promise<void> {
    await this.call(async () => {
      this.state = await api.invoke('lab:get', {});
    });
  }

  /** Saves a change; the core answers the whole state. */
  async update(update: LabUpdate): Promise<void> {
    await this.call(() => this.save(update));
  }

  async reset(): Promise<void> {
    await this.call(async () => {
      this.state = await api.invoke('lab:reset', {});
      this.comparison = null;
      this.polling = null;
    });
  }

  isDone(step: LabStepId): boolean {
    return this.state?.done.includes(step) ?? false;
  }

  /** Marks `step` done (with the result fields in `update`), unless it already is and there is nothing to save. */
  async markDone(step: LabStepId, update: LabUpdate = {}): Promise<void> {
    if (this.isDone(step) && Object.keys(update).length === 0) return;
    await this.update(this.withDone(step, update));
  }

  /** `update` with `step` added to the steps done. */
  private withDone(step: LabStepId, update: LabUpdate): LabUpdate {
    return { ...update, done: LAB_STEPS.filter((s) => s === step || this.isDone(s)) };
  }

  /** `update` with `steps` no longer done: their result is being made again. */
  withUndone(steps: LabStepId[], update: LabUpdate): LabUpdate {
    return { ...update, done: (this.state?.done ?? []).filter((s) => !steps.includes(s)) };
  }

  /** Reads the comparison, and again every second until it is done. */
  watchComparison(id: number): void {
    if (this.polling === id) return;
    this.polling = id;
    if (this.comparison?.comparisonId !== id) this.comparison = null;
    const read = async () => {
      if (this.polling !== id) return;
      try {
        this.comparison = await api.invoke('comparisons:get', { id });
      } catch (err) {
        this.error = messageOf(err);
      }
      if (this.comparison?.done) this.polling = null;
      else setTimeout(() => void read(), COMPARISON_POLL_MS);
    };
    void read();
  }

  /** Starts a comparison of the three cells at the simple RNN's budget, and follows it. */
  async compare(datasetId: number, rnnRunId: number, steps: number): Promise<void> {
    await this.call(async () => {
      const rnn = await api.invoke('runs:get', { id: rnnRunId });
      const reply = await api.invoke('runs:compare', { datasetId, cells: [...LAB_PLAN.cells], steps, config: { task: 'generate', model: rnn.config.model, train: rnn.config.train } });
      this.comparison = reply;
      this.polling = null;
      await this.save(this.withUndone(['gradients', 'gru-lstm'], { comparisonId: reply.comparisonId }));
      this.watchComparison(reply.comparisonId);
    });
  }

  /** Trains step 6's three classifiers one after another, saving each run as it starts. */
  async trainClassifiers(datasetId: number, steps: number): Promise<void> {
    await this.call(async () => {
      await this.save(this.withUndone(['classify'], { labelledDatasetId: datasetId, classifierRunIds: { single: null, bidirectional: null, stacked: null } }));
      try {
        for (const which of LAB_CLASSIFIERS) {
          this.classifying = which;
          const run = await api.invoke('runs:start', { datasetId, config: labClassifierConfig(which, steps) });
          await this.save({ classifierRunIds: { [which]: run.id } });
          if ((await runEnded(run.id)) !== 'finished') return;
        }
        await this.save(this.withDone('classify', {}));
      } finally {
        this.classifying = null;
      }
    });
  }

  private async save(update: LabUpdate): Promise<void> {
    this.state = await api.invoke('lab:update', update);
  }

  /** Runs `fn`, telling what went wrong in `error` (cleared when it went well). */
  private async call(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.error = null;
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}

export const lab = new LabModel();
