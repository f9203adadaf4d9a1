// Checkpoints: everything a run needs to continue exactly — weights, optimizer state, step, epoch, data
// position, RNG state, vocabulary and config — in one file, written atomically (temp file, fsync,
// rename, fsync of the folder) so a crash mid-write never leaves a torn checkpoint behind, and ending in
// a SHA-256 of everything before it, so a truncated or damaged file is refused rather than loaded.
// Layout: "RNNCKPT2" · uint32 LE header length · JSON header · zero padding to 4 bytes · float32 LE data
// · SHA-256 of all the preceding bytes (32 bytes). Format 1 ("RNNCKPT1", no checksum) still loads.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RunConfigSchema, type RunConfig } from '../../../shared/config.ts';
import { writeFileAtomic } from './files.ts';

const MAGIC_V1 = 'RNNCKPT1';
const MAGIC = 'RNNCKPT2';
const CHECKSUM_BYTES = 32;
export const CHECKPOINT_FORMAT = 2;

/** A checkpoint file that is missing, truncated or damaged: the message says which and where. */
export class CheckpointCorruptError extends Error {
  override name = 'CheckpointCorruptError';
}

export interface CheckpointState {
  config: RunConfig;
  /** index → character; '' is the unknown symbol. */
  vocab: string[];
  /** Classifiers: the class names in output order; null for generators. */
  labels: string[] | null;
  /** Fed to the network before generating when the user gives no prime. */
  startChar: string;
  /** Optimizer steps taken. */
  step: number;
  /** Data position of the next step. */
  epoch: number;
  batchInEpoch: number;
  /** The run's seed and the training RNG's state (dropout masks). */
  seed: number;
  rngState: number;
  lr: number;
  adamStep: number;
  bestValLoss: number | null;
  lastTrainLoss: number | null;
  lastValLoss: number | null;
  /** Classifiers: epochs in a row without a better validation loss (early stopping). */
  badEpochs: number;
  /** Seconds spent training up to this checkpoint. */
  trainSeconds: number;
  /** Weights by parameter name, and Adam's moments as `adam.m/NAME`, `adam.v/NAME`. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

interface Header extends Omit<CheckpointState, 'tensors'> {
  format: number;
  tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
}

export function encodeCheckpoint(state: CheckpointState): Buffer {
  const entries: Header['tensors'] = [];
  let offset = 0;
  for (const [name, t] of state.tensors) {
    entries.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const { tensors, ...rest } = state;
  const header: Header = { format: CHECKPOINT_FORMAT, ...rest, tensors: entries };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerEnd = 8 + 4 + json.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const dataEnd = dataStart + offset * 4;
  const out = Buffer.alloc(dataEnd + CHECKSUM_BYTES);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  const floats = new Float32Array(out.buffer, out.byteOffset + dataStart, offset);
  let i = 0;
  for (const t of tensors.values()) floats.set(t.data, entries[i++].offset);
  createHash('sha256').update(out.subarray(0, dataEnd)).digest().copy(out, dataEnd);
  return out;
}

export function decodeCheckpoint(buf: Buffer, path: string): CheckpointState {
  const magic = buf.length < 12 ? '' : buf.toString('latin1', 0, 8);
  if (magic !== MAGIC && magic !== MAGIC_V1) {
    throw new CheckpointCorruptError(`${path}: not an RNN Studio checkpoint (${buf.length < 12 ? `only ${buf.length} bytes` : 'wrong signature'})`);
  }
  const checked = magic === MAGIC;
  const length = buf.readUInt32LE(8);
  // Format 2: nothing is believed before the checksum holds (a damaged header could say anything).
  if (checked) {
    const end = buf.length - CHECKSUM_BYTES;
    if (end < 12 || !createHash('sha256').update(buf.subarray(0, end)).digest().equals(buf.subarray(end))) {
      const expected = declaredLength(buf, length);
      throw new CheckpointCorruptError(
        expected !== null && buf.length < expected
          ? `${path}: the checkpoint is truncated (${buf.length} of ${expected} bytes)`
          : `${path}: the checkpoint is damaged (its checksum does not match its contents)`,
      );
    }
  }
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + length)) as Header;
    if (!Array.isArray(header.tensors)) throw new Error('no tensors');
  } catch {
    throw new CheckpointCorruptError(`${path}: the checkpoint's header is damaged${buf.length < 12 + length ? ' (the file is truncated)' : ''}`);
  }
  if (header.format > CHECKPOINT_FORMAT) {
    throw new Error(`${path}: checkpoint format ${header.format} is newer than this RNN Studio understands (${CHECKPOINT_FORMAT})`);
  }
  const dataStart = Math.ceil((12 + length) / 4) * 4;
  const total = header.tensors.reduce((n, t) => n + t.length, 0);
  const expected = dataStart + total * 4 + (checked ? CHECKSUM_BYTES : 0);
  if (buf.length !== expected) throw new CheckpointCorruptError(`${path}: the checkpoint is ${buf.length < expected ? 'truncated' : 'damaged'} (${buf.length} of ${expected} bytes)`);
  // Copy so the floats are aligned and independent of the file buffer.
  const floats = new Float32Array(total);
  Buffer.from(floats.buffer).set(buf.subarray(dataStart, dataStart + total * 4));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) tensors.set(t.name, { shape: t.shape, data: floats.subarray(t.offset, t.offset + t.length) });
  const { format: _format, tensors: _entries, ...rest } = header;
  const config = RunConfigSchema.safeParse(rest.config);
  if (!config.success) throw new CheckpointCorruptError(`${path}: the checkpoint's config is not one this RNN Studio reads`);
  return { ...rest, labels: rest.labels ?? null, badEpochs: rest.badEpochs ?? 0, config: config.data, tensors };
}

/** The file length a header claims, when it can be read at all (to tell truncated from damaged). */
function declaredLength(buf: Buffer, length: number): number | null {
  try {
    const header = JSON.parse(buf.toString('utf8', 12, 12 + length)) as Header;
    const total = header.tensors.reduce((n, t) => n + t.length, 0);
    return Math.ceil((12 + length) / 4) * 4 + total * 4 + CHECKSUM_BYTES;
  } catch {
    return null;
  }
}

export function saveCheckpoint(path: string, state: CheckpointState): number {
  const buf = encodeCheckpoint(state);
  writeFileAtomic(path, buf, 'checkpoint');
  return buf.length;
}

export function loadCheckpoint(path: string): CheckpointState {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointCorruptError(`${path}: the checkpoint file is missing`);
    throw err;
  }
  return decodeCheckpoint(buf, path);
}

/** Why a checkpoint was passed over when loading fell back to an older one. */
export interface SkippedCheckpoint {
  path: string;
  reason: string;
}

/**
 * Loads the first intact checkpoint of `paths` (newest first): a missing, truncated or damaged one is
 * passed over, and said so. Throws when none is intact.
 */
export function loadFirstIntact(paths: string[]): { path: string; state: CheckpointState; skipped: SkippedCheckpoint[] } {
  const skipped: SkippedCheckpoint[] = [];
  for (const path of paths) {
    try {
      return { path, state: loadCheckpoint(path), skipped };
    } catch (err) {
      if (!(err instanceof CheckpointCorruptError)) throw err;
      skipped.push({ path, reason: err.message });
    }
  }
  throw new CheckpointCorruptError(`no intact checkpoint to load: ${skipped.map((s) => s.reason).join('; ')}`);
}
