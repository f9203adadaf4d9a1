// Sampling requests go to one long-lived engine worker (spawned on first use), so generating never
// blocks the caller's event loop and a loaded model is reused between requests.
import { ApiError, type ApiEvents } from '../../shared/api.ts';
import { SampleParamsSchema, type SampleParamsInput } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import type { SampleRecord } from '../../shared/types.ts';
import type { WorkerEvent } from '../../shared/worker-protocol.ts';
import type { Store } from '../db/index.ts';
import { randomSeed } from '../engine/rng.ts';
import { EngineWorker } from './engine-host.ts';

type Emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;

interface Pending {
  resolve(e: { text: string; step: number }): void;
  reject(err: Error): void;
  requestId: string | undefined;
}

export class SamplingService {
  private worker: EngineWorker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly store: Store,
    private readonly emit: Emit,
  ) {}

  private ensureWorker(): EngineWorker {
    this.worker ??= new EngineWorker(
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
    if (e.type !== 'sample-chunk' && e.type !== 'sample-done' && e.type !== 'sample-failed') return;
    const p = this.pending.get(e.requestId);
    if (!p) return;
    if (e.type === 'sample-chunk') {
      if (p.requestId !== undefined) this.emit('sample:chunk', { requestId: p.requestId, text: e.text });
      return;
    }
    this.pending.delete(e.requestId);
    if (e.type === 'sample-done') p.resolve({ text: e.text, step: e.step });
    else p.reject(new ApiError('bad-input', e.message));
  }

  async generate(runId: number, checkpointId: number | undefined, input: SampleParamsInput | undefined, requestId?: string): Promise<SampleRecord> {
    const run = this.store.runs.get(runId);
    if (!run) throw new ApiError('not-found', `there is no run ${runId}`);
    const parsed = SampleParamsSchema.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    const params = { ...parsed.data, seed: parsed.data.seed ?? randomSeed() };
    const checkpoint = checkpointId !== undefined ? this.store.checkpoints.get(checkpointId) : this.store.checkpoints.latest(runId);
    if (!checkpoint || checkpoint.runId !== runId) {
      throw new ApiError(
        'not-found',
        checkpointId !== undefined ? `run ${runId} has no checkpoint ${checkpointId}` : `run ${runId} has no checkpoint yet: wait for its first one, or use "checkpoint now"`,
      );
    }
    const id = this.nextId++;
    const result = await new Promise<{ text: string; step: number }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, requestId });
      this.ensureWorker().send({ type: 'sample', requestId: id, checkpointPath: checkpoint.path, params, stream: requestId !== undefined });
    });
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

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
