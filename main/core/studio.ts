// The core behind the API contract: one Studio per data home. Every transport (Electron IPC, the
// WebSocket bridge, the CLI) calls `invoke`, which validates the request against its schema first.
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import {
  ApiError,
  type Api,
  type ApiClient,
  type ApiEvents,
  type Channel,
  type EventName,
  type ReplyOf,
  type RequestOf,
} from '../../shared/api.ts';
import { RequestSchemas, describeZodError } from '../../shared/schemas.ts';
import { RunConfigSchema, SampleParamsSchema } from '../../shared/config.ts';
import { FASTER_BACKEND_HINT, type BackendName } from '../../shared/types.ts';
import { SCHEMA_VERSION, Store, type OpenOptions } from '../db/index.ts';
import { thisProcess } from '../db/owners.ts';
import { sweepTempFiles } from '../engine/storage/files.ts';
import { storageError } from './storage.ts';
import { homePaths } from './home.ts';
import { asInput, formatOf, importCorpus, inspectSource, previewCorpus } from './importer.ts';
import { readLabelled } from '../engine/corpus/labelled.ts';
import { nativeStatus } from '../engine/index.ts';
import { RunManager } from './runs.ts';
import { fineTuning } from './run-inputs.ts';
import { makeBranch, planBranch } from './branch.ts';
import { assertMemoryFits, memoryNeedsOf } from './memory.ts';
import { EngineJobs } from './jobs.ts';
import { EngineStandby } from './engine-host.ts';
import { Comparisons } from './compare.ts';
import { timeline } from './timeline.ts';
import { labState, resetLab, updateLab } from './lab.ts';
import { labReport } from './lab-report.ts';
import { UploadArea, type SourceOrigin } from './uploads.ts';
import { PYTORCH_TRAIN_SCRIPT, SAMPLE_CORPUS, SAMPLE_NAMES } from './resources.ts';
import { ExportError, exportCheckpoint } from '../engine/export/index.ts';
import { importModel } from './model-import.ts';
import { setting } from '../../shared/config-fields.ts';
import type { Locale } from '../../shared/i18n/index.ts';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * zod compiles each schema on its first use (tens of ms): do it at start-up, not on the first request a
 * user makes, where it would stall the UI's event loop.
 */
function warmUpValidators(): void {
  for (const schema of Object.values(RequestSchemas)) schema.safeParse({});
  RunConfigSchema.safeParse({});
  SampleParamsSchema.safeParse({});
}

export interface StudioOptions extends OpenOptions {
  /** How other processes name this one when it trains a run they want: "rnn-studio serve", "the desktop app". */
  ownerLabel?: string;
  /**
   * Keep an engine worker booted and warmed up ahead of need (engine-host.ts EngineStandby), so a run or a
   * job starts at once at its steady pace: for processes that wait on their user (the desktop app, `serve`).
   */
  standby?: boolean;
}

/** The data folder must be a folder we can create and write; otherwise say which and what to do. */
function prepareHome(home: string): void {
  let isDir: boolean | null = null;
  try {
    isDir = statSync(home).isDirectory();
  } catch {
    // Absent: created below.
  }
  if (isDir === false) throw new ApiError('storage', `the data folder ${home} is a file, not a folder: choose another data folder (${setting('home')}, or RNN_STUDIO_HOME)`);
  try {
    mkdirSync(home, { recursive: true });
  } catch (err) {
    throw new ApiError('storage', `cannot create the data folder ${home} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): choose another (${setting('home')}, or RNN_STUDIO_HOME)`);
  }
}

function openStore(home: string, options: OpenOptions): Store {
  try {
    return Store.open(homePaths(home).database, options);
  } catch (err) {
    const explained = storageError(err, home);
    if (!explained) throw err;
    const database = homePaths(home).database;
    throw explained.message.includes(database) ? explained : new ApiError('storage', `cannot open the database ${database}: ${explained.message}`);
  }
}

/** An upload not imported within this time was abandoned (its page closed, its server killed). */
const STALE_UPLOAD_MS = 60 * 60 * 1000;

/** Temp files of processes that died mid-write (a crash, a kill, a full disk), and abandoned uploads. */
function sweepLeftovers(home: string): void {
  const paths = homePaths(home);
  const each = (dir: string, fn: (name: string) => void) => {
    try {
      for (const name of readdirSync(dir)) fn(name);
    } catch {
      // Not there yet, or not ours to change: nothing to sweep.
    }
  };
  sweepTempFiles(paths.datasets);
  sweepTempFiles(paths.runs); // a branch's copy of a checkpoint, before it is the branch's
  each(paths.runs, (run) => sweepTempFiles(paths.runCheckpoints(Number(run))));
  each(join(home, 'uploads'), (name) => {
    const dir = join(home, 'uploads', name);
    if (Date.now() - statSync(dir).mtimeMs > STALE_UPLOAD_MS) rmSync(dir, { recursive: true, force: true });
  });
}

type Handlers = { [C in Channel]: (request: RequestOf<C>) => ReplyOf<C> | Promise<ReplyOf<C>> };

export class Studio implements ApiClient {
  readonly store: Store;
  readonly runs: RunManager;
  readonly jobs: EngineJobs;
  readonly comparisons: Comparisons;
  readonly uploads: UploadArea;
  readonly engines: EngineStandby;
  private readonly events = new EventEmitter();
  /** Told the renderer's language (app:set-locale): the desktop app rebuilds its menu in it. */
  private readonly localeListeners = new Set<(locale: Locale) => void>();
  private backend: BackendName | null = null;
  private readonly handlers: Handlers;

  private constructor(readonly home: string, options: StudioOptions) {
    prepareHome(home);
    this.store = openStore(home, options);
    sweepLeftovers(home);
    const emit = <E extends EventName>(event: E, payload: ApiEvents[E]) => {
      if (event === 'run:ready') this.backend = (payload as ApiEvents['run:ready']).backend;
      this.events.emit(event, payload);
    };
    this.engines = new EngineStandby(options.standby ?? false, () => this.runs.training);
    this.runs = new RunManager(home, this.store, emit, thisProcess(options.ownerLabel), this.engines);
    this.jobs = new EngineJobs(this.store, emit, this.engines);
    this.comparisons = new Comparisons(this.store, this.runs, this.jobs);
    this.uploads = new UploadArea(join(home, 'uploads'));
    this.handlers = this.createHandlers();
    warmUpValidators();
    this.engines.refill();
  }

  /** Calls `listener` with each language the renderer says it speaks; returns how to stop. */
  onLocale(listener: (locale: Locale) => void): () => void {
    this.localeListeners.add(listener);
    return () => this.localeListeners.delete(listener);
  }

  static open(home: string, options: StudioOptions = {}): Studio {
    return new Studio(home, options);
  }

  private createHandlers(): Handlers {
    const { store } = this;
    const dataset = (id: number) => {
      const d = store.datasets.detail(id);
      if (!d) throw new ApiError('not-found', `there is no dataset ${id}`, { key: 'errors.noDataset', params: { id: id } });
      return d;
    };
    const run = (id: number) => {
      const r = store.runs.get(id);
      if (!r) throw new ApiError('not-found', `there is no run ${id}`, { key: 'errors.noRun', params: { id: id } });
      return r;
    };
    const kernels = nativeStatus();
    return {
      'app:info': () => ({
        version,
        home: this.home,
        schemaVersion: SCHEMA_VERSION,
        backend: this.backend,
        kernels: kernels.kernels ? kernels.note : null,
        engine: { kernels: kernels.kernels?.info().kernels ?? null, threads: kernels.threads },
        backendHint: kernels.kernels ? `heavy arithmetic on ${kernels.note}` : `${kernels.note}. ${FASTER_BACKEND_HINT}`,
        sampleCorpus: SAMPLE_CORPUS,
        sampleNames: SAMPLE_NAMES,
      }),
      'datasets:list': () => store.datasets.list(),
      'datasets:get': ({ id }) => dataset(id),
      'datasets:import': (req) => {
        try {
          return this.withSource(req.path, req.uploadId, (source, origin) => importCorpus(this.home, store, source, req, origin));
        } finally {
          if (req.uploadId) this.uploads.remove(req.uploadId);
        }
      },
      'datasets:preview': ({ id, chars }) => {
        dataset(id);
        return previewCorpus(store.datasets.content(id)!.contentPath, chars ?? 2000);
      },
      'datasets:delete': ({ id, force }) => {
        dataset(id);
        const runIds = store.runs.idsForDataset(id);
        if (runIds.length > 0 && !force) {
          throw new ApiError('conflict', `dataset ${id} has ${runIds.length} run(s) (${runIds.join(', ')}); delete them first, or delete them with it (${setting('force')})`);
        }
        for (const runId of runIds) this.deleteRun(runId);
        const { contentPath } = store.datasets.content(id)!;
        store.datasets.delete(id);
        if (store.datasets.countWithContent(contentPath) === 0) rmSync(contentPath, { force: true });
        return { deletedRuns: runIds };
      },
      'datasets:rename': ({ id, name }) => {
        if (!store.datasets.rename(id, name)) throw new ApiError('not-found', `there is no dataset ${id}`, { key: 'errors.noDataset', params: { id: id } });
        return store.datasets.get(id)!;
      },
      'runs:list': () => store.runs.list(),
      'datasets:inspect': ({ path, uploadId, format }) => this.withSource(path, uploadId, (source) => inspectSource(source, format)),
      'runs:get': ({ id }) => {
        const summary = run(id);
        return {
          ...summary,
          metrics: store.metrics.forRun(id),
          samples: store.samples.forRun(id),
          checkpoints: store.checkpoints.forRun(id),
          evaluations: store.evaluations.forRun(id),
          labels: summary.task === 'classify' ? (store.datasets.content(summary.datasetId)?.labels ?? null) : null,
        };
      },
      'runs:classify': ({ runId, checkpointId, texts }) => this.jobs.classify(runId, checkpointId, texts),
      'runs:inspect': ({ runId, checkpointId, text }) => this.jobs.inspect(runId, checkpointId, text),
      'runs:units': (req) => this.jobs.units(req),
      'runs:connectivity': (req) => this.jobs.connectivity(req),
      'runs:gradient-flow': (req) => this.jobs.gradientFlow(req),
      'runs:compare': (req) => this.comparisons.start(req),
      'comparisons:get': ({ id }) => this.comparisons.get(id),
      'comparisons:continue': ({ id }) => this.comparisons.continue(id),
      'comparisons:list': () => this.comparisons.list(),
      'lab:get': () => labState(store),
      'lab:update': (update) => updateLab(store, update),
      'lab:reset': () => resetLab(store),
      'lab:report': ({ locale }) => labReport(store, this.comparisons, locale),
      'app:set-locale': ({ locale }) => {
        for (const listener of this.localeListeners) listener(locale);
        return { locale };
      },
      'runs:timeline': (req) => timeline(store, this.jobs, req),
      'runs:evaluate': async (req) => {
        try {
          // An upload is named (in refusals and the stored evaluation) by the user's file, not the upload area.
          const { named, examples } = this.withSource(req.path, req.uploadId, (source, origin) => {
            const format = formatOf(source, req.format);
            if (format === 'text') throw new ApiError('bad-input', `${source}: evaluating needs labelled examples (CSV, TSV, JSONL, or a folder per label: ${setting('format')} folders)`);
            const read = asInput(() => readLabelled(source, { format, textColumn: req.textColumn, labelColumn: req.labelColumn, perLine: req.perLine, encoding: req.encoding }));
            return { named: origin?.path ?? source, examples: read };
          });
          return await this.jobs.evaluate(req.runId, req.checkpointId, named, examples);
        } finally {
          if (req.uploadId) this.uploads.remove(req.uploadId);
        }
      },
      'runs:start': ({ datasetId, config, skipMemoryCheck, initFrom }) => {
        const init = initFrom !== undefined ? fineTuning(this.store, initFrom, datasetId, config) : null;
        if (!skipMemoryCheck) this.checkMemory(datasetId, init?.config ?? config);
        return this.runs.start(datasetId, init?.config ?? config, init);
      },
      'runs:estimate': ({ datasetId, config }) => this.jobs.estimate(datasetId, config),
      'runs:resume': ({ id, maxSteps, skipMemoryCheck }) => {
        const resumed = store.runs.get(id);
        if (resumed && !skipMemoryCheck) this.checkMemory(resumed.datasetId, resumed.config);
        return this.runs.resume(id, maxSteps);
      },
      'runs:branch': (req) => {
        const plan = planBranch(store, (id) => this.runs.isActive(id), req);
        if (!req.skipMemoryCheck) this.checkMemory(plan.parent.datasetId, plan.config);
        return this.runs.resume(makeBranch(this.home, store, plan), undefined);
      },
      'runs:control': ({ id, command, lr }) => this.runs.control(id, command, lr),
      'runs:delete': ({ id }) => {
        run(id);
        this.deleteRun(id);
        return { deleted: id };
      },
      'runs:metrics': ({ ids }) => Object.fromEntries(ids.map((id) => [id, store.metrics.forRun(id)])),
      'runs:export': async ({ runId, checkpointId, format, out, force }) => {
        const checkpoint = this.jobs.checkpointOf(runId, checkpointId);
        try {
          const dataset = store.datasets.get(run(runId).datasetId);
          const contentPath = dataset && dataset.chars > 0 ? store.datasets.content(dataset.id)!.contentPath : null;
          const { files } = await exportCheckpoint(checkpoint.path, format, out, { force, runId, checkpointId: checkpoint.id, contentPath, trainScript: PYTORCH_TRAIN_SCRIPT });
          return { format, files, runId, checkpointId: checkpoint.id };
        } catch (err) {
          if (err instanceof ExportError) throw new ApiError(err.code === 'destination-not-empty' ? 'conflict' : 'bad-input', err.message);
          throw err;
        }
      },
      'runs:import-model': ({ path }) => importModel(this.home, store, resolve(path)),
      'samples:generate': ({ runId, checkpointId, params, requestId }) => this.jobs.generate(runId, checkpointId, params, requestId),
      'samples:list': ({ runId }) => {
        run(runId);
        return store.samples.forRun(runId);
      },
      'dialog:open': () => {
        throw new ApiError('conflict', 'file dialogs exist only in the desktop app: drop the files here or choose them with the file picker');
      },
    };
  }

  /** Runs `fn` on a request's file; an upload is known by the user's file names, in its refusals too. */
  private withSource<T>(path: string | undefined, uploadId: string | undefined, fn: (source: string, origin?: SourceOrigin) => T): T {
    return uploadId !== undefined ? this.uploads.use(uploadId, fn) : fn(resolve(path!));
  }

  private deleteRun(id: number): void {
    this.runs.claim(id); // a resume in another process cannot start on it meanwhile
    this.store.runs.delete(id);
    rmSync(homePaths(this.home).runDir(id), { recursive: true, force: true });
  }

  /**
   * Refuses a config whose peak memory would not fit in what this machine has available. A missing
   * dataset or an invalid config is left for runs:start to report.
   */
  private checkMemory(datasetId: number, input: unknown): void {
    const dataset = this.store.datasets.get(datasetId);
    const content = this.store.datasets.content(datasetId);
    const parsed = RunConfigSchema.safeParse(input ?? {});
    if (!dataset || !content || !parsed.success) return;
    assertMemoryFits(memoryNeedsOf(dataset, content, parsed.data));
  }

  /** Replaces a handler: the desktop app brings its own native dialogs. */
  override<C extends Channel>(channel: C, handler: (request: RequestOf<C>) => ReplyOf<C> | Promise<ReplyOf<C>>): void {
    (this.handlers as Record<Channel, unknown>)[channel] = handler;
  }

  /** Pushes an event to every listener (the desktop app's menu uses it). */
  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    this.events.emit(event, payload);
  }

  /** Validates `request` against the channel's schema, then runs the handler. */
  async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ReplyOf<C>> {
    // An own property only: `toString`, `__proto__` or `constructor` are no channels.
    const schema = Object.hasOwn(RequestSchemas, channel) ? RequestSchemas[channel] : undefined;
    if (!schema) throw new ApiError('invalid-request', `unknown channel "${String(channel)}"`);
    const parsed = schema.safeParse(request ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', `${channel}: ${describeZodError(parsed.error)}`);
    const handler = this.handlers[channel] as (r: unknown) => ReplyOf<C> | Promise<ReplyOf<C>>;
    try {
      return await handler(parsed.data);
    } catch (err) {
      // A full disk or a read-only folder, wherever it was met: say so, naming the folder.
      throw storageError(err, this.home, this.store.readOnlyBecause) ?? err;
    }
  }

  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** Stops active runs (each checkpoints), ends the workers and closes the database. */
  async close(): Promise<void> {
    await this.runs.stopAll();
    await this.jobs.close();
    await this.engines.close();
    this.store.close();
  }
}

export type { Api };
