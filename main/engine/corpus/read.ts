// Reading what the user gives us, safely: regular files only, never more than the import limit, with a
// CorpusError that names the file and the problem. Nothing here touches TensorFlow.js.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ErrorWords } from '../../../shared/api.ts';

/** A file the user gave us that we will not read, with a message that names the file and the problem. */
export class CorpusError extends Error {
  override name = 'CorpusError';
  /** The refusal's words in the studio's catalogue (shared/i18n), for the renderer; the message stays English. */
  constructor(
    message: string,
    readonly words?: ErrorWords,
  ) {
    super(message);
  }
}

/** The most bytes one import reads (a file, or a folder's files together) unless the variable below raises it. */
export const DEFAULT_MAX_IMPORT_BYTES = 2 * 1024 ** 3;
export const MAX_IMPORT_BYTES_VAR = 'RNN_STUDIO_MAX_IMPORT_BYTES';

/** The import size limit in bytes: RNN_STUDIO_MAX_IMPORT_BYTES when set, else the default. */
export function maxImportBytes(): number {
  const raw = process.env[MAX_IMPORT_BYTES_VAR]?.trim();
  if (!raw) return DEFAULT_MAX_IMPORT_BYTES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new CorpusError(`${MAX_IMPORT_BYTES_VAR}="${raw}" is not a number of bytes (e.g. ${MAX_IMPORT_BYTES_VAR}=4294967296 for 4 GiB)`);
  return Number(raw);
}

/** "2 GiB", "300.5 MiB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}

interface FileKind {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** Refuses what is not a regular file: reading a FIFO waits forever, /dev/zero never ends. */
export function notRegularFile(label: string, kind: FileKind): CorpusError {
  const what = kind.isFIFO() ? 'a FIFO (named pipe)' : kind.isSocket() ? 'a socket' : kind.isCharacterDevice() ? 'a character device' : kind.isBlockDevice() ? 'a block device' : 'not a regular file';
  return new CorpusError(`${label}: is ${what}, not a regular file: only regular files (or folders of them) can be imported`);
}

/**
 * Reads the regular files of one import, never more than the size limit in all: each file's size comes
 * from stat before a byte is read, and no more than that is read even if the file grows meanwhile.
 */
export class ImportReader {
  readonly limit = maxImportBytes();
  private used = 0;

  /** Refuses `bytes` (a file's size, or a folder's files' sizes summed, from stat) over what is left. */
  check(label: string, bytes: number, what = 'is'): void {
    if (this.used + bytes <= this.limit) return;
    const needed = Math.ceil((this.used + bytes) / 2 ** 20) * 2 ** 20;
    throw new CorpusError(
      `${label}: ${what} ${formatBytes(bytes)}, over the import size limit of ${formatBytes(this.limit)}${this.limit >= 1024 ? ` (${this.limit} bytes)` : ''}; raise it with the environment variable ${MAX_IMPORT_BYTES_VAR}, e.g. ${MAX_IMPORT_BYTES_VAR}=${needed}`,
    );
  }

  read(path: string, label: string): Buffer {
    // Non-blocking, so that a FIFO swapped in after the caller's stat cannot hang the open; fstat then refuses it.
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw notRegularFile(label, stat);
      this.check(label, stat.size);
      const buf = Buffer.allocUnsafe(stat.size);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break; // the file shrank since stat
        got += n;
      }
      this.used += got;
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}
