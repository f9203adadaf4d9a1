// One measurement each, in its own process (so its peak RSS is its own): ours (p1.ts) and PyTorch's
// (torch_speed.py, run tuned as ../shared/bench/README.md says), at P1 or any other size.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = join(root, 'test', 'bench');

export type Measured = Record<string, number | string>;

/** A model size: P1 is lstm 256 × 1, batch 32, seq 64. */
export interface Size {
  cell: string;
  units: number;
  layers: number;
  batch: number;
  seq: number;
}

export const P1: Omit<Size, 'cell'> = { units: 256, layers: 1, batch: 32, seq: 64 };

const TORCH_ENV = { OPENBLAS_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread' };

export const torchInstalled = () => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** The last line a measurement process printed, as JSON; its stderr in the error if it failed. */
export function lastJson(r: ReturnType<typeof spawnSync>, what: string): Measured {
  if (r.signal) throw new Error(`${what} was killed by ${r.signal}: ${r.stderr}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit code ${r.status}): ${r.stderr}`);
  return JSON.parse(String(r.stdout).trim().split('\n').pop()!);
}

/** Our training (and sampling) at `size`, `steps` timed steps after two. */
export function ours(size: Size, steps: number, env: Record<string, string> = {}): Measured {
  const args = [size.cell, steps, size.units, size.layers, size.batch, size.seq].map(String);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'p1.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return lastJson(r, `our benchmark (${args.join(' ')})`);
}

/** PyTorch's training at `size`. */
export function torch(size: Size, steps: number): Measured {
  const args = ['train', size.cell, size.units, size.layers, size.batch, size.seq, steps].map(String);
  const r = spawnSync('/usr/bin/python3', [join(here, 'torch_speed.py'), ...args], { encoding: 'utf8', env: { ...process.env, ...TORCH_ENV } });
  return lastJson(r, `the PyTorch reference (${args.join(' ')})`);
}

/** This machine's two-thread sgemm throughput (GFLOP/s, best of 15), measured with PyTorch's OpenBLAS. */
export function sgemmPeak(): number {
  const r = spawnSync('/usr/bin/python3', [join(here, 'torch_speed.py'), 'peak', '2'], { encoding: 'utf8', env: { ...process.env, ...TORCH_ENV } });
  return Number(lastJson(r, 'the sgemm peak').sgemm_gflops);
}

/**
 * Floating-point operations of one training step: forward (input projection, recurrence, output layer)
 * and a backward pass of twice that.
 */
export function flopsPerStep(s: Size, vocab = 65, embedding = 64): number {
  const G = { lstm: 4, gru: 3, rnn: 1 }[s.cell] ?? 4;
  const rows = s.batch * s.seq;
  let forward = 0;
  for (let l = 0; l < s.layers; l++) forward += 2 * rows * (l === 0 ? embedding : s.units) * G * s.units + 2 * rows * s.units * G * s.units;
  forward += 2 * rows * s.units * vocab;
  return 3 * forward;
}

export const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
