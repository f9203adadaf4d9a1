// Shared test helpers: temporary data homes and running the real CLI as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Studio } from '../main/core/studio.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'bin', 'rnn-studio.mjs');

export function tempDir(prefix = 'rnn-studio-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  /** The signal that ended the process (a test's kill -9), or null. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every stdout line that parses as JSON. */
  lines: Array<Record<string, unknown>>;
}

export function parseLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Starts the CLI; `onLine` sees each JSON line as it arrives (e.g. to interrupt a run mid-way). */
export function startCli(
  args: string[],
  home: string,
  onLine?: (line: Record<string, unknown>, child: ChildProcess) => void,
  env: Record<string, string> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, '--home', home, ...args], { cwd: ROOT, env: { ...process.env, RNN_STUDIO_HOME: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const l of parts) if (l.startsWith('{') && onLine) onLine(JSON.parse(l), child);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, lines: parseLines(stdout) })));
  return { child, done };
}

export function cli(args: string[], home: string): Promise<CliResult> {
  return startCli(args, home).done;
}

/** Progress lines of a --json train/resume run, as step → loss. */
export function lossesByStep(lines: Array<Record<string, unknown>>): Map<number, number> {
  return new Map(lines.filter((l) => l.event === 'progress').map((l) => [l.step as number, l.loss as number]));
}

/** A test body run against a Studio on a fresh data home (in `dir`/home), closed and removed after. */
export function withStudio(fn: (studio: Studio, dir: string) => Promise<void>) {
  return async () => {
    const dir = tempDir();
    const studio = Studio.open(join(dir.path, 'home'));
    try {
      await fn(studio, dir.path);
    } finally {
      await studio.close();
      dir.cleanup();
    }
  };
}

/**
 * The engine's two sets of operations for the same model (main/engine/ops.ts): tests that compare results
 * build their models with each, by passing `engineOps(path.ops)` (and skip the native one when
 * RNN_STUDIO_NATIVE=0 turns the kernels off).
 */
export const ENGINE_PATHS = [
  { name: 'native kernels', ops: 'native', skip: process.env.RNN_STUDIO_NATIVE === '0' },
  { name: 'TensorFlow.js ops', ops: 'tfjs', skip: false },
] as const;

/** mulberry32: a small seeded PRNG, so a fuzz case or a random moment can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
