// Short engine jobs — sampling, classifying, inspecting, and the probe steps behind a run's estimate — go to one long-lived
// engine worker (spawned on first use), so they never block the caller's event loop and a loaded
// model is reused between requests.
import { ApiError, type ApiEvents, type ClassifyReply, type RequestOf, type RunEstimate, type SurpriseReply } from '../../shared/api.ts';
import type { ConnectivityReply, GradientFlowReply, UnitsReply } from '../../shared/inspect.ts';
import { RunConfigSchema, SampleParamsSchema, type RunConfigInput, type SampleParams, type SampleParamsInput } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import { runLength } from '../../shared/run-plan.ts';
import type { CheckpointRecord, EvaluationRecord, SampleRecord } from '../../shared/types.ts';
import { classificationReport } from '../engine/training/metrics.ts';
import type { Example } from '../engine/corpus/labelled.ts';
import type { WorkerEvent } from '../../shared/worker-protocol.ts';
import type { Store } from '../db/index.ts';
import { randomSeed } from '../engine/corpus/rng.ts';
import type { EngineStandby, EngineWorker } from './engine-host.ts';
import { countParameters } from '../engine/index.ts';
import { estimateMemory, memoryNeedsOf } from './memory.ts';

import { adviseSize } from '../../shared/size-advice.ts';

type Emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;

interface Pending {
  resolve(e: WorkerEvent): void;
  reject(err: Error): void;
  /** The caller's tag for streamed chunks (sampling only). */
  requestId?: string;
}

export class EngineJobs {
  private worker: EngineWorker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly store: Store,
    private readonly emit: Emit,
    private readonly engines: EngineStandby,
  ) {}

  private ensureWorker(): EngineWorker {
    this.worker ??= this.engines.take(
      (e) => this.onEvent(e),
      (message) => {
        this.worker = null;
        for (const p of this.pending.values()) p.reject(new ApiError('internal', message));
        this.pending.clear();
      },
    );
    return this.worker;
  }

  private onEvent(e: WorkerEvent): void {
    if (!('requestId' in e)) return;
    const p = this.pending.get(e.requestId);
    if (!p) return;
    if (e.type === 'sample-chunk') {
      if (p.requestId !== undefined) this.emit('sample:chunk', { requestId: p.requestId, text: e.text });
      return;
    }
    this.pending.delete(e.requestId);
    if (this.pending.size === 0) this.engines.refill(); // the jobs worker may have been the spare
    if (e.type.endsWith('-failed')) p.reject(new ApiError('bad-input', (e as { message: string }).message));
    else p.resolve(e);
  }

  /** Posts a request and waits for its done/failed event. */
  private request(make: (id: number) => Parameters<EngineWorker['send']>[0], requestId?: string): Promise<WorkerEvent> {
    const id = this.nextId++;
    return new Promise<WorkerEvent>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, requestId });
      this.ensureWorker().send(make(id));
    });
  }

  async generate(runId: number, checkpointId: number | undefined, input: SampleParamsInput | undefined, requestId?: string): Promise<SampleRecord> {
    const run = this.store.runs.get(runId);
    if (!run) throw new ApiError('not-found', `there is no run ${runId}`, { key: 'errors.noRun', params: { id: runId } });
    const parsed = SampleParamsSchema.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    const params = { ...parsed.data, seed: parsed.data.seed ?? randomSeed() };
    const checkpoint = this.checkpointOf(runId, checkpointId);
    const result = (await this.request(
      (id) => ({ type: 'sample', requestId: id, checkpointPath: checkpoint.path, params, stream: requestId !== undefined }),
      requestId,
    )) as Extract<WorkerEvent, { type: 'sample-done' }>;
    const sampleId = this.store.samples.insert({
      runId,
      checkpointId: checkpoint.id,
      step: result.step,
      source: 'user',
      prompt: params.prime,
      params,
      seed: params.seed,
      text: result.text,
    });
    return this.store.samples.get(sampleId)!;
  }

  /**
   * Text from a checkpoint at fixed parameters, recorded nowhere (the timeline, comparisons): the same
   * checkpoint, parameters and seed give the same text.
   */
  async sampleText(checkpoint: CheckpointRecord, params: SampleParams & { seed: number }): Promise<{ text: string; step: number }> {
    const result = (await this.request((id) => ({ type: 'sample', requestId: id, checkpointPath: checkpoint.path, params, stream: false }))) as Extract<WorkerEvent, { type: 'sample-done' }>;
    return { text: result.text, step: result.step };
  }

  /** Parameters, memory, and seconds per epoch and for the whole run of a config on a dataset, from a few timed steps. */
  async estimate(datasetId: number, input: RunConfigInput | undefined): Promise<RunEstimate> {
    const dataset = this.store.datasets.get(datasetId);
    const content = this.store.datasets.content(datasetId);
    if (!dataset || !content) throw new ApiError('not-found', `there is no dataset ${datasetId}`, { key: 'errors.noDataset', params: { id: datasetId } });
    const parsed = RunConfigSchema.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    const config = parsed.data;
    config.train.seed ??= 1;
    const { model: m, train: t } = config;
    const V = content.vocab.length;
    const classify = config.task === 'classify';
    const outputs = classify ? content.labels!.length : V;
    const parameters = countParameters(V, m, outputs);
    const trainChars = dataset.chars - Math.floor(dataset.chars * t.valSplit);
    // Classifiers read up to maxLen characters per text.
    const steps = classify ? Math.min(t.maxLen, dataset.lengths?.max ?? t.maxLen) : t.seqLen;
    const memoryBytes = estimateMemory(memoryNeedsOf(dataset, content, config)).totalBytes;
    const probe = (await this.request((id) => ({ type: 'probe', requestId: id, config, corpusPath: content.contentPath, vocab: content.vocab, labels: content.labels, steps: 3 }))) as Extract<
      WorkerEvent,
      { type: 'probe-done' }
    >;
    const ratio = parameters / Math.max(1, trainChars);
    const whole = runLength(t, probe.stepsPerEpoch, probe.secondsPerStep);
    return {
      parameters,
      trainChars,
      ratio,
      advice: adviseSize(ratio),
      memoryBytes,
      stepsPerEpoch: probe.stepsPerEpoch,
      secondsPerStep: probe.secondsPerStep,
      secondsPerEpoch: probe.secondsPerStep * probe.stepsPerEpoch,
      totalSteps: whole.steps,
      totalEpochs: whole.epochs,
      totalSeconds: whole.seconds,
      charsPerSec: (t.batch * steps) / probe.secondsPerStep,
      backend: probe.backend,
    };
  }

  /** Class probabilities of texts from a classifier run's checkpoint (latest unless given). */
  async classify(runId: number, checkpointId: number | undefined, texts: string[]): Promise<ClassifyReply> {
    const checkpoint = this.checkpointOf(runId, checkpointId);
    if (this.store.runs.get(runId)!.task !== 'classify') throw new ApiError('bad-input', `run ${runId} is a generator: sample from it instead`);
    const e = (await this.request((id) => ({ type: 'classify', requestId: id, checkpointPath: checkpoint.path, texts }))) as Extract<WorkerEvent, { type: 'classify-done' }>;
    return {
      labels: e.labels,
      step: e.step,
      results: texts.map((text, i) => {
        const p = e.probabilities[i];
        return { text, label: e.labels[p.indexOf(Math.max(...p))], probabilities: p, unknownChars: e.unknownChars[i] };
      }),
    };
  }

  /** Surprise at each character of a text, from a generator run's checkpoint (latest unless given). */
  async inspect(runId: number, checkpointId: number | undefined, text: string): Promise<SurpriseReply> {
    const checkpoint = this.checkpointOf(runId, checkpointId);
    if (this.store.runs.get(runId)!.task === 'classify') {
      throw new ApiError('bad-input', `run ${runId} is a classifier: surprise is measured on generators (classify text with it instead)`);
    }
    const e = (await this.request((id) => ({ type: 'inspect', requestId: id, checkpointPath: checkpoint.path, text }))) as Extract<WorkerEvent, { type: 'inspect-done' }>;
    return { runId, checkpointId: checkpoint.id, step: e.step, chars: e.chars, bitsPerChar: e.bitsPerChar, unknownChars: e.unknownChars };
  }

  /** What units track over a text, from a run's checkpoint (latest unless given). */
  async units(req: RequestOf<'runs:units'>): Promise<UnitsReply> {
    const checkpoint = this.checkpointOf(req.runId, req.checkpointId);
    const e = (await this.request((id) => ({ type: 'units', requestId: id, checkpointPath: checkpoint.path, text: req.text, pattern: req.pattern, unit: req.unit, top: req.top ?? 3 }))) as Extract<
      WorkerEvent,
      { type: 'units-done' }
    >;
    return { runId: req.runId, checkpointId: checkpoint.id, ...e.reply };
  }

  /** How each earlier character of a text influenced one prediction (generators) or the class (classifiers). */
  async connectivity(req: RequestOf<'runs:connectivity'>): Promise<ConnectivityReply> {
    const checkpoint = this.checkpointOf(req.runId, req.checkpointId);
    const e = (await this.request((id) => ({ type: 'connectivity', requestId: id, checkpointPath: checkpoint.path, text: req.text, position: req.position }))) as Extract<
      WorkerEvent,
      { type: 'connectivity-done' }
    >;
    return { runId: req.runId, checkpointId: checkpoint.id, ...e.reply };
  }

  /** How much of the last prediction's error reaches back k steps, over the run's validation windows. */
  async gradientFlow(req: RequestOf<'runs:gradient-flow'>): Promise<GradientFlowReply> {
    const checkpoint = this.checkpointOf(req.runId, req.checkpointId);
    const run = this.store.runs.get(req.runId)!;
    const content = this.store.datasets.content(run.datasetId);
    if (!content) throw new ApiError('not-found', `run ${req.runId}'s dataset is gone: the gradient flow is measured on its validation text`);
    const e = (await this.request((id) => ({ type: 'gradient-flow', requestId: id, checkpointPath: checkpoint.path, corpusPath: content.contentPath, windows: req.windows ?? 32, seqLen: req.seqLen }))) as Extract<
      WorkerEvent,
      { type: 'gradient-flow-done' }
    >;
    return { runId: req.runId, checkpointId: checkpoint.id, ...e.reply };
  }

  /** Measures a classifier on a labelled file and records the evaluation. */
  async evaluate(runId: number, checkpointId: number | undefined, source: string, examples: Example[]): Promise<EvaluationRecord> {
    const checkpoint = this.checkpointOf(runId, checkpointId);
    const reply = await this.classify(runId, checkpoint.id, examples.map((e) => e.text));
    const index = new Map(reply.labels.map((l, i) => [l, i]));
    const unknown = [...new Set(examples.map((e) => e.label).filter((l) => !index.has(l)))];
    if (unknown.length) throw new ApiError('bad-input', `${source}: labels this model does not know: ${unknown.slice(0, 10).join(', ')} (it knows ${reply.labels.join(', ')})`);
    const truth = examples.map((e) => index.get(e.label)!);
    const predicted = reply.results.map((r) => index.get(r.label)!);
    const report = classificationReport(reply.labels, truth, predicted);
    const loss = -truth.reduce((s, c, i) => s + Math.log(Math.max(reply.results[i].probabilities[c], 1e-12)), 0) / truth.length;
    const misclassified = reply.results
      .map((r, i) => ({ text: r.text, label: examples[i].label, predicted: r.label, confidence: Math.max(...r.probabilities) }))
      .filter((m) => m.label !== m.predicted)
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, 100);
    const id = this.store.evaluations.insert({
      runId,
      step: reply.step,
      epoch: checkpoint.epoch,
      source: 'file',
      path: source,
      examples: examples.length,
      loss,
      ...report,
      misclassified,
    });
    return this.store.evaluations.get(id)!;
  }

  /** A run's checkpoint: `checkpointId`, or its latest. */
  checkpointOf(runId: number, checkpointId: number | undefined): CheckpointRecord {
    if (!this.store.runs.get(runId)) throw new ApiError('not-found', `there is no run ${runId}`, { key: 'errors.noRun', params: { id: runId } });
    const checkpoint = checkpointId !== undefined ? this.store.checkpoints.get(checkpointId) : this.store.checkpoints.latest(runId);
    if (!checkpoint || checkpoint.runId !== runId) {
      throw new ApiError(
        'not-found',
        checkpointId !== undefined ? `run ${runId} has no checkpoint ${checkpointId}` : `run ${runId} has no checkpoint yet: wait for its first one, or use "checkpoint now"`,
      );
    }
    return checkpoint;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
