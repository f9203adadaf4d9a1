// Files the studio writes into its data folder: atomically (temp file, fsync, rename, fsync of the folder),
// so a crash leaves the old file or the whole new one, and a failed write leaves no temp file behind;
// the temp files a killed process left are swept at the next start; and a full or read-only disk is
// explained in words that name the folder and what to do.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { faultPoint, type FaultPoint } from './faults.ts';

const TEMP_SUFFIX = /\.tmp-(\d+)$/;
const MB = 1024 * 1024;
const size = (bytes: number) => (bytes < MB ? `${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB` : `${Math.ceil(bytes / MB).toLocaleString('en-US')} MB`);

/** Writes `data` to `path` so that readers see the old file or the whole new one, never a torn one. */
export function writeFileAtomic(path: string, data: Uint8Array, kind: 'checkpoint' | 'dataset' = 'dataset'): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      faultPoint(`${kind}:write` as FaultPoint);
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (kind === 'checkpoint') faultPoint('checkpoint:after-temp-write');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (kind === 'checkpoint') faultPoint('checkpoint:after-rename');
  syncFolder(dirname(path));
}

/** Makes the latest changes to the entries of `dir` (a file renamed in, a folder made) survive a power cut. */
export function syncFolder(dir: string): void {
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename itself is still atomic.
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files in `dir` that a process no longer running left behind, and this process's own
 * when `own` (its writer is known to be gone: a terminated worker); returns their paths.
 */
export function sweepTempFiles(dir: string, own = false): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const m = name.match(TEMP_SUFFIX);
    const pid = Number(m?.[1]);
    if (!m || (own && pid === process.pid ? false : processAlive(pid))) continue;
    const path = join(dir, name);
    try {
      rmSync(path, { force: true });
      swept.push(path);
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
  return swept;
}

/** Free bytes on the disk holding `dir`, or null where that cannot be read. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}


/**
 * The disk is full: a write failed with ENOSPC, SQLite with SQLITE_FULL, or with an I/O error while the
 * disk holding `folder` has (almost) no room left (SQLite's shared-memory file fails that way).
 */
export function isDiskFull(err: unknown, folder?: string): boolean {
  const code = (err as { code?: string } | null)?.code ?? '';
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') return true;
  if (!code.startsWith('SQLITE_IOERR') || folder === undefined) return false;
  const free = freeBytes(folder);
  return free !== null && free < MB;
}

/** The folder cannot be written: read-only, or not ours. */
export function isReadOnly(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN';
}

/**
 * What to tell the user when `folder`'s disk is full: how much is free and how much to free so that
 * the write of `needBytes` (plus room for the database to grow) succeeds.
 */
export function diskFullMessage(folder: string, needBytes: number): string {
  const free = freeBytes(folder);
  const want = needBytes + 2 * MB; // and room for the database to grow
  const toFree = free === null ? want : Math.max(want - free, MB);
  return `the disk holding ${folder} is full${free === null ? '' : ` (${size(free)} free)`}: free at least ${size(toFree)} there`;
}

export function readOnlyMessage(folder: string): string {
  return `the data folder ${folder} cannot be written (read-only, or owned by another user): make it writable, or choose another data folder with --home or RNN_STUDIO_HOME`;
}
