/** The system Python that has Debian's python3-torch, and torchrun. */
export const TORCH_PYTHON: string;
export const TORCHRUN: string;
/** The environment to run PyTorch in (OpenBLAS, passive OpenMP threads, `threads` threads). */
export function torchEnv(threads?: number): NodeJS.ProcessEnv;
/** True when the system Python imports torch. */
export function hasTorch(): boolean;
/** Runs train.py (or `command`) in an export folder; returns stdout, or throws with its output. */
export function inExport(dir: string, args: string[], options?: { command?: string; threads?: number; timeout?: number }): string;
