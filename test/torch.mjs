// Where the tests (and `npm test`'s installer, test/run.mjs) find PyTorch: Debian's python3-torch under the
// system Python (a pyenv or venv `python3` first on PATH would not see it), run the way
// ../shared/bench/README.md says — OpenBLAS's threads, OpenMP threads that sleep instead of spinning.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const TORCH_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const TORCHRUN = existsSync('/usr/bin/torchrun') ? '/usr/bin/torchrun' : 'torchrun';
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread';

/** The environment to run PyTorch in. */
export function torchEnv(threads = 1) {
  return {
    ...process.env,
    OMP_WAIT_POLICY: 'PASSIVE',
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    ...(existsSync(OPENBLAS) ? { LD_LIBRARY_PATH: [OPENBLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : {}),
  };
}

/** True when the system Python imports torch. */
export function hasTorch() {
  return spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { stdio: 'ignore', env: torchEnv() }).status === 0;
}

/**
 * Runs `command args` (default: the export's train.py under the system Python) in an export folder with
 * `threads` threads; returns its stdout, or throws with its output when it fails.
 */
export function inExport(dir, args, { command = TORCH_PYTHON, threads = 1, timeout = 600_000 } = {}) {
  const full = command === TORCH_PYTHON ? ['train.py', ...args] : args;
  const r = spawnSync(command, full, { cwd: dir, env: torchEnv(threads), encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${command} ${full.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
