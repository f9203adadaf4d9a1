// Checkpoints: everything a run needs to continue exactly — weights, optimizer state, step, epoch, data
// position, RNG state, vocabulary and config — in one file, written atomically (temp file, fsync,
// rename, fsync of the folder) so a crash mid-write never leaves a torn checkpoint behind.
// Layout: "RNNCKPT1" · uint32 LE header length · JSON header · zero padding to 4 bytes · float32 LE data.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunConfigSchema, type RunConfig } from '../../shared/config.ts';

const MAGIC = 'RNNCKPT1';
export const CHECKPOINT_FORMAT = 1;

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
  const out = Buffer.alloc(dataStart + offset * 4);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  const floats = new Float32Array(out.buffer, out.byteOffset + dataStart, offset);
  for (const [name, t] of tensors) floats.set(t.data, entries.find((e) => e.name === name)!.offset);
  return out;
}

export function decodeCheckpoint(buf: Buffer, path: string): CheckpointState {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new Error(`${path}: not an RNN Studio checkpoint`);
  }
  const length = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + length)) as Header;
  if (header.format > CHECKPOINT_FORMAT) {
    throw new Error(`${path}: checkpoint format ${header.format} is newer than this RNN Studio understands (${CHECKPOINT_FORMAT})`);
  }
  const dataStart = Math.ceil((12 + length) / 4) * 4;
  const total = header.tensors.reduce((n, t) => n + t.length, 0);
  if (buf.length < dataStart + total * 4) throw new Error(`${path}: checkpoint is truncated`);
  // Copy so the floats are aligned and independent of the file buffer.
  const floats = new Float32Array(total);
  Buffer.from(floats.buffer).set(buf.subarray(dataStart, dataStart + total * 4));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of header.tensors) tensors.set(t.name, { shape: t.shape, data: floats.subarray(t.offset, t.offset + t.length) });
  const { format: _format, tensors: _entries, ...rest } = header;
  return { ...rest, labels: rest.labels ?? null, badEpochs: rest.badEpochs ?? 0, config: RunConfigSchema.parse(rest.config), tensors };
}

/** Writes `data` to `path` so that readers see the old file or the whole new one, never a torn one. */
export function writeFileAtomic(path: string, data: Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename itself is still atomic.
  }
}

export function saveCheckpoint(path: string, state: CheckpointState): number {
  const buf = encodeCheckpoint(state);
  writeFileAtomic(path, buf);
  return buf.length;
}

export function loadCheckpoint(path: string): CheckpointState {
  return decodeCheckpoint(readFileSync(path), path);
}
