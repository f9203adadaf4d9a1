// The typed protocol between the core and an engine worker thread. Training never runs on the caller's
// event loop: the core posts commands, the worker answers with events.
import type { EngineFacts } from './engine.ts';
import type { RunConfig, SampleParams } from './config.ts';
import type { BackendName, CheckpointReason, EvaluationRecord, SurpriseChar } from './types.ts';
import type { ConnectivityReply, GradientFlowReply, UnitRef, UnitsReply } from './inspect.ts';

export interface StartTraining {
  type: 'start';
  runId: number;
  config: RunConfig;
  /** The dataset's stored content: UTF-8 text (generators) or JSONL examples (classifiers). */
  corpusPath: string;
  /** The model's vocabulary: index → character; '' is the unknown symbol. */
  vocab: string[];
  /** Classifiers: the class names, in output order. */
  labels: string[] | null;
  /** Folder the run's checkpoints go to. */
  checkpointDir: string;
  /**
   * Resume from the first intact checkpoint of these (newest first: weights, optimizer, data position,
   * RNG); a missing, truncated or damaged one is passed over. null = fresh weights.
   */
  resumeFrom: string[] | null;
  /**
   * Fine-tuning (when not resuming): start from this checkpoint's weights, with a fresh step, optimizer and
   * data position. `vocab`, `labels` and `config.model` are then that checkpoint's. Absent: fresh weights.
   */
  initFrom?: string | null;
  /** Override of config.train.maxSteps when resuming (the run's total, not extra steps). */
  maxSteps: number | null;
}

export type TrainCommand =
  | StartTraining
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'checkpoint-now' }
  | { type: 'set-learning-rate'; lr: number };

export interface SampleRequest {
  type: 'sample';
  requestId: number;
  checkpointPath: string;
  params: SampleParams & { seed: number };
  /** Post `sample-chunk` events as text is generated. */
  stream: boolean;
}

/** Times a few training steps of a config on the real corpus, for the estimate shown before a run. */
export interface ProbeRequest {
  type: 'probe';
  requestId: number;
  config: RunConfig;
  corpusPath: string;
  vocab: string[];
  labels: string[] | null;
  steps: number;
}

/** Class probabilities for texts from a classifier's checkpoint. */
export interface ClassifyRequest {
  type: 'classify';
  requestId: number;
  checkpointPath: string;
  texts: string[];
}

/** Surprise: how probable a generator found each character of a text (main/engine/inspect/surprise.ts). */
export interface InspectRequest {
  type: 'inspect';
  requestId: number;
  checkpointPath: string;
  text: string;
}

/** What units track over a text (main/engine/inspect/units.ts). */
export interface UnitsRequest {
  type: 'units';
  requestId: number;
  checkpointPath: string;
  text: string;
  pattern?: string;
  unit?: UnitRef;
  top: number;
}

/** How each earlier character influenced one prediction (main/engine/inspect/gradients.ts). */
export interface ConnectivityRequest {
  type: 'connectivity';
  requestId: number;
  checkpointPath: string;
  text: string;
  position?: number;
}

/** ‖∂loss_T/∂h_(T−k)‖ over validation windows of the run's dataset (main/engine/inspect/gradients.ts). */
export interface GradientFlowRequest {
  type: 'gradient-flow';
  requestId: number;
  checkpointPath: string;
  /** The dataset's stored content (text, or JSONL examples). */
  corpusPath: string;
  windows: number;
  /** Window length; default: the run's seqLen (classifiers: its maxLen). */
  seqLen?: number;
}

export type InsideRequest = UnitsRequest | ConnectivityRequest | GradientFlowRequest;

export type WorkerCommand = TrainCommand | SampleRequest | ProbeRequest | ClassifyRequest | InspectRequest | InsideRequest | { type: 'shutdown' };

export interface ProgressEvent {
  type: 'progress';
  step: number;
  totalSteps: number;
  epoch: number;
  /** Training loss of this step (mean cross-entropy per character, nats). */
  loss: number;
  /** Training characters per second (batch × seqLen × steps/s), smoothed. */
  charsPerSec: number;
  /** Estimated seconds to the last step. */
  etaSeconds: number;
  lr: number;
}

export interface MetricsEvent {
  type: 'metrics';
  step: number;
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  perplexity: number | null;
  charsPerSec: number | null;
  lr: number;
  /** Classifiers, when validation was measured. */
  valAccuracy: number | null;
  valMacroF1: number | null;
}

/** A classifier's report on its validation split (at each epoch's end); the core records it. */
export type EvaluationEvent = { type: 'evaluation'; loss: number } & Omit<EvaluationRecord, 'id' | 'runId' | 'createdAt' | 'source' | 'path' | 'loss'>;

export interface TrainingSampleEvent {
  type: 'sample';
  step: number;
  prompt: string;
  params: SampleParams & { seed: number };
  text: string;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  epoch: number;
  path: string;
  bytes: number;
  reason: CheckpointReason;
  trainLoss: number | null;
  valLoss: number | null;
  /** Seconds spent training up to this checkpoint, over every session of the run. */
  trainSeconds: number;
}

export type WorkerEvent =
  | {
      type: 'ready';
      backend: BackendName;
      parameters: number;
      totalSteps: number;
      stepsPerEpoch: number;
      startStep: number;
      /** The checkpoint a resumed run loaded, and the newer ones passed over as damaged or missing. */
      resumedFrom: string | null;
      skipped: Array<{ path: string; reason: string }>;
      /** Anything the user should know (e.g. a fallback backend, a damaged checkpoint passed over). */
      notes: string[];
      /** What the engine runs on, and those notes that only describe it. */
      engine: EngineFacts;
      engineNotes: string[];
    }
  | ProgressEvent
  | MetricsEvent
  | TrainingSampleEvent
  | CheckpointEvent
  | EvaluationEvent
  | { type: 'status'; status: 'running' | 'paused' }
  | { type: 'finished'; reason: 'completed' | 'stopped' | 'early-stopped'; step: number; finalLoss: number | null; valLoss: number | null }
  | { type: 'failed'; message: string }
  /** A fresh engine warmed up before its first command (engine/training/warm-up.ts), or was interrupted by it. */
  | { type: 'warmed'; steps: number; ms: number; error: string | null }
  | { type: 'sample-chunk'; requestId: number; text: string }
  | { type: 'sample-done'; requestId: number; text: string; step: number; backend: BackendName }
  | { type: 'sample-failed'; requestId: number; message: string }
  | { type: 'probe-done'; requestId: number; secondsPerStep: number; stepsPerEpoch: number; backend: BackendName }
  | { type: 'probe-failed'; requestId: number; message: string }
  | { type: 'classify-done'; requestId: number; labels: string[]; probabilities: number[][]; unknownChars: number[]; step: number }
  | { type: 'classify-failed'; requestId: number; message: string }
  | { type: 'inspect-done'; requestId: number; chars: SurpriseChar[]; bitsPerChar: number; unknownChars: number; step: number }
  | { type: 'inspect-failed'; requestId: number; message: string }
  | { type: 'units-done'; requestId: number; reply: Omit<UnitsReply, 'runId' | 'checkpointId'> }
  | { type: 'connectivity-done'; requestId: number; reply: Omit<ConnectivityReply, 'runId' | 'checkpointId'> }
  | { type: 'gradient-flow-done'; requestId: number; reply: Omit<GradientFlowReply, 'runId' | 'checkpointId'> }
  | { type: 'units-failed' | 'connectivity-failed' | 'gradient-flow-failed'; requestId: number; message: string };
