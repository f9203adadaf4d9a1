// How much memory a run will need at its peak, and whether this machine has it. The estimate is one pure
// function of the config (used by `runs:estimate` and by the check before `runs:start` / `runs:resume`);
// what is available comes from the OS and, when a container caps it, from the cgroup limit.
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { ApiError } from '../../shared/api.ts';
import type { RunConfig } from '../../shared/config.ts';
import type { Dataset } from '../../shared/types.ts';
import { countParameters } from '../engine/model/params.ts';
import { nativeStatus } from '../engine/native/addon.ts';
import { setting } from '../../shared/config-fields.ts';

/**
 * Floats a recurrent layer holds per unit per position at the peak of a step, its output and its input's
 * gradient included. With the native kernels: what they save for backprop (`saved` in native/src/kernels.h)
 * plus the copies in and out of TensorFlow.js's tensors; on TensorFlow.js ops alone, far more (the
 * projected gates, their per-step slices, every step's intermediate products). Measured as peak RSS over
 * a few configs per path (batch × seq-len from 8K to 64K positions), rounded up.
 */
const FLOATS_PER_UNIT = {
  native: { lstm: 17, gru: 25, rnn: 12 },
  ops: { lstm: 80, gru: 70, rnn: 30 },
} as const;

/** The runtime itself (Node, TensorFlow.js, the kernels, the database): present before any tensor. */
const RUNTIME_BYTES = 240 * 2 ** 20;

export interface MemoryNeeds {
  config: RunConfig;
  /** Characters in the vocabulary. */
  vocabSize: number;
  /** Classifiers: the classes (their output layer's width); null for generators. */
  classes: number | null;
  /** Classifiers: the longest text's characters, if known (a step reads at most maxLen of them). */
  longestText?: number | null;
  /** Characters of the corpus, held as text and as ids while training. */
  corpusChars?: number;
  /** Whether the recurrent layers run on the native kernels (default) or on TensorFlow.js ops. */
  nativeKernels?: boolean;
}

export interface MemoryEstimate {
  parameters: number;
  /** Bytes of the weights, their gradients and Adam's two moments. */
  weightBytes: number;
  /** Bytes one step keeps for backprop: embeddings, every layer's outputs and saved gates. */
  activationBytes: number;
  /** Bytes of the output layer over a step: logits, softmax and their gradient (batch × positions × outputs). */
  outputBytes: number;
  /** Bytes of the corpus in memory, and of the runtime. */
  otherBytes: number;
  /** The peak, in bytes. */
  totalBytes: number;
}

/** Peak memory of training a config: weights ×4 (gradients, Adam's m and v), one step's activations, outputs. */
export function estimateMemory(needs: MemoryNeeds): MemoryEstimate {
  const { model: m, train: t } = needs.config;
  const classify = needs.config.task === 'classify';
  const outputs = classify ? (needs.classes ?? 2) : needs.vocabSize;
  const parameters = countParameters(needs.vocabSize, m, outputs);
  const positions = classify ? Math.min(t.maxLen, needs.longestText ?? t.maxLen) : t.seqLen;
  const rows = t.batch * positions; // positions in one step: [B·T]
  const dirs = m.bidirectional ? 2 : 1;
  const H = m.units;
  // Per position: the embedding and its gradient; per layer and direction, what it holds at the peak,
  // dropout's mask and output, and a bidirectional layer's joined outputs.
  const perUnit = FLOATS_PER_UNIT[needs.nativeKernels === false ? 'ops' : 'native'][m.cell];
  const perLayer = dirs * H * (perUnit + (m.dropout > 0 ? 2 : 0)) + (dirs > 1 ? 2 * dirs * H : 0);
  const perRow = 2 * m.embedding + m.layers * perLayer;
  const activationBytes = 4 * rows * perRow;
  // Logits, their softmax (or the native loss's gradient) and the gradient flowing back: 3 × [rows, V];
  // a classifier's output reads one pooled state per text.
  const outputBytes = 4 * 3 * (classify ? t.batch : rows) * outputs;
  const weightBytes = 4 * 4 * parameters;
  const otherBytes = RUNTIME_BYTES + 4 * (needs.corpusChars ?? 0);
  return { parameters, weightBytes, activationBytes, outputBytes, otherBytes, totalBytes: weightBytes + activationBytes + outputBytes + otherBytes };
}

/** What estimateMemory needs to know of a dataset. */
export function memoryNeedsOf(dataset: Pick<Dataset, 'chars' | 'lengths'>, content: { vocab: string[]; labels: string[] | null }, config: RunConfig): MemoryNeeds {
  return {
    config,
    vocabSize: content.vocab.length,
    classes: content.labels?.length ?? null,
    longestText: dataset.lengths?.max ?? null,
    corpusChars: dataset.chars,
    nativeKernels: nativeStatus().kernels !== null,
  };
}

/**
 * Bytes this process may still use: the OS's available memory, capped by a cgroup limit and by
 * RNN_STUDIO_MEMORY_LIMIT (bytes, or with a K, M or G suffix) if lower.
 */
export function availableMemory(): number {
  // Linux reports MemAvailable (reclaimable cache included); macOS and Windows count only idle pages,
  // which understates what a process can get, so half the machine is taken as a floor there.
  let available = process.platform === 'linux' ? freemem() : Math.max(freemem(), totalmem() / 2);
  const cgroup = cgroupRoom();
  if (cgroup !== null) available = Math.min(available, cgroup);
  const limit = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec(process.env.RNN_STUDIO_MEMORY_LIMIT?.trim() ?? '');
  if (limit) available = Math.min(available, Number(limit[1]) * 1024 ** ' KMG'.indexOf(limit[2].toUpperCase() || ' '));
  return available;
}

/** Room left under the cgroup's memory limit (v2, then v1), or null without one. */
function cgroupRoom(): number | null {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return null;
    }
  };
  for (const [limitPath, usagePath] of [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current'],
    ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes'],
  ]) {
    const limit = Number(read(limitPath));
    // "max" (v2) or a huge number (v1's "no limit") means none.
    if (!Number.isFinite(limit) || limit <= 0 || limit >= 2 ** 60) continue;
    const usage = Number(read(usagePath) ?? 0);
    return Math.max(0, limit - (Number.isFinite(usage) ? usage : 0));
  }
  return null;
}

/** Share of the available memory a run may plan to use: the rest is headroom for everything else. */
export const MEMORY_HEADROOM = 0.85;

const gb = (bytes: number) => (bytes < 1e9 ? `${Math.round(bytes / 1e6)} MB` : `${(bytes / 1e9).toFixed(bytes < 1e10 ? 1 : 0)} GB`);

/** Refuses (bad-input, with the figures and what to lower) a run that would not fit in memory. */
export function assertMemoryFits(needs: MemoryNeeds, available = availableMemory()): void {
  const estimate = estimateMemory(needs);
  const refusal = memoryRefusal(estimate, available, needs.config);
  if (refusal) throw new ApiError('bad-input', refusal, { key: 'errors.memory', params: { need: gb(estimate.totalBytes), available: gb(available) } });
}

/** Why a run cannot start with this much memory, or null when it fits. */
export function memoryRefusal(estimate: MemoryEstimate, available: number, config: RunConfig): string | null {
  if (estimate.totalBytes <= available * MEMORY_HEADROOM) return null;
  const t = config.train;
  const m = config.model;
  const positions = config.task === 'classify' ? `max-len ${t.maxLen}` : `seq-len ${t.seqLen}`;
  return (
    `this run needs about ${gb(estimate.totalBytes)} of memory at its peak (activations kept for backprop ${gb(estimate.activationBytes)} ` +
    `for batch ${t.batch} × ${positions} × ${m.layers} layer(s) of ${m.units} ${m.cell} units; outputs ${gb(estimate.outputBytes)}; ` +
    `weights, gradients and Adam ${gb(estimate.weightBytes)}), but only ${gb(available)} is available. ` +
    `Lower ${setting('train.batch')}, ${setting(config.task === 'classify' ? 'train.maxLen' : 'train.seqLen')}, ${setting('model.units')} or ${setting('model.layers')}, or try anyway: ${setting('skipMemoryCheck')}.`
  );
}
