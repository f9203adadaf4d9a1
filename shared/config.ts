// The one record that describes a run: what model to build and how to train it.
// Zod schemas are the source of truth: they carry the defaults and limits, validate every config that
// comes from outside (CLI flags, IPC, WebSocket, checkpoints), and the TypeScript types are inferred.
import { z } from 'zod';

export const CELL_TYPES = ['lstm', 'gru', 'rnn'] as const;
export type CellType = (typeof CELL_TYPES)[number];

export const TASKS = ['generate', 'classify'] as const;
export type Task = (typeof TASKS)[number];

export const POOLINGS = ['last', 'mean', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const ModelConfigSchema = z.strictObject({
  /** Recurrent cell: LSTM (default; best long-range memory), GRU (fewer weights, often as good) or SimpleRNN. */
  cell: z.enum(CELL_TYPES).default('lstm'),
  /** Stacked recurrent layers, 1–4. char-rnn's default of 2 learns structure that 1 layer misses. */
  layers: int(1, 4).default(2),
  /** Hidden units per recurrent layer. */
  units: int(1, 4096).default(128),
  /** Width of the learned character embedding that feeds the first layer. */
  embedding: int(1, 1024).default(64),
  /** Dropout rate between layers and before the output layer, 0 (off) to 0.9. */
  dropout: z.number().min(0).max(0.9).default(0),
  /** Classifiers: each layer also reads the text right to left; the two directions' states are joined. */
  bidirectional: z.boolean().default(false),
  /** Classifiers: what of the top layer feeds the output — its last state, or the mean or max over time. */
  pooling: z.enum(POOLINGS).default('last'),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const TrainConfigSchema = z.strictObject({
  /** Characters per training window (truncated backpropagation through time). */
  seqLen: int(2, 4096).default(64),
  /** Windows per step. */
  batch: int(1, 4096).default(32),
  /** Adam learning rate. */
  lr: z.number().gt(0).max(1).default(2e-3),
  /** Gradients are scaled down when their global L2 norm exceeds this; 0 turns clipping off. */
  clip: z.number().min(0).max(1e6).default(5),
  /** Passes over the training part of the corpus (ignored once maxSteps is reached). */
  epochs: int(1, 1_000_000).default(10),
  /** Stop after this many optimizer steps in total; null = run all epochs. */
  maxSteps: int(1, 100_000_000).nullable().default(null),
  /** Fraction of the corpus (its end) held out for validation loss; 0 turns validation off. */
  valSplit: z.number().min(0).max(0.5).default(0.1),
  /** Seed of every random choice (weights, batches, dropout, samples); null = pick one and record it. */
  seed: int(0, 2 ** 32 - 1).nullable().default(null),
  /** Write a checkpoint every N steps (also on pause, stop, finish and on request). */
  checkpointEvery: int(1, 100_000_000).default(200),
  /** Record a sample every M steps at a fixed prime and seed; 0 = never. */
  sampleEvery: int(0, 100_000_000).default(200),
  /** Characters in each training-time sample. */
  sampleLength: int(1, 10_000).default(200),
  /** Prime of the training-time samples; null = the first character of the corpus. */
  samplePrime: z.string().max(1000).nullable().default(null),
  /** Measure validation loss every N steps (and at the end). */
  evalEvery: int(1, 100_000_000).default(100),
  /** Validation windows are capped at this many batches so evaluation stays cheap. */
  evalBatches: int(1, 10_000).default(8),
  /** Record an averaged training-loss point every N steps. */
  logEvery: int(1, 100_000).default(10),
  /** Checkpoints kept on disk besides the best one (by validation loss). */
  keepCheckpoints: int(1, 1000).default(3),
  /** Classifiers: characters read per text; longer texts are truncated, shorter ones padded (and masked). */
  maxLen: int(1, 100_000).default(256),
  /** Classifiers: 'balanced' weighs each class's loss by the inverse of its frequency. */
  classWeights: z.enum(['none', 'balanced']).default('none'),
  /** Classifiers: stop after this many epochs without a better validation loss; 0 = never stop early. */
  patience: int(0, 10_000).default(3),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

// Strict: a misspelt field (`learningRate` for `lr`) is refused by name rather than silently trained
// with the default. Stored configs hold only fields these schemas wrote, so they still parse.
export const RunConfigSchema = z
  .strictObject({
    task: z.enum(TASKS).default('generate'),
    model: ModelConfigSchema.default(() => ModelConfigSchema.parse({})),
    train: TrainConfigSchema.default(() => TrainConfigSchema.parse({})),
  })
  .refine((c) => c.task === 'classify' || !c.model.bidirectional, {
    message: 'a generator reads left to right: bidirectional layers are for classifiers (--task classify)',
    path: ['model', 'bidirectional'],
  });
export type RunConfig = z.infer<typeof RunConfigSchema>;
/** A run config as a caller may give it: any field may be left out to take its default. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;

/** Sampling parameters: shared by the CLI, the UI and training-time samples. */
export const SampleParamsSchema = z.strictObject({
  /** Characters to generate after the prime. */
  length: int(1, 100_000).default(500),
  /** Softmax temperature: < 1 is more conservative, > 1 more surprising. */
  temperature: z.number().gt(0).max(10).default(1),
  /** Keep only the k most likely characters; 0 = no limit. top-k 1 is greedy. */
  topK: int(0, 100_000).default(0),
  /** Keep the smallest set of characters whose probability reaches p; 1 = no limit. */
  topP: z.number().gt(0).max(1).default(1),
  /** Text fed to the network before generating; it starts the output. */
  prime: z.string().max(100_000).default(''),
  /** Same seed, same checkpoint, same backend → same text. null = pick one and record it. */
  seed: int(0, 2 ** 32 - 1).nullable().default(null),
});
export type SampleParams = z.infer<typeof SampleParamsSchema>;
export type SampleParamsInput = z.input<typeof SampleParamsSchema>;
