// A data folder that cannot take a write — a full disk, a read-only folder — is said in words that name
// the folder and what to do, whichever write found it (SQLite's or a file's), with the 'storage' code.
import { resolve } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { diskFullMessage, isDiskFull, isReadOnly, readOnlyMessage } from '../engine/storage/files.ts';
import { homePaths } from './home.ts';

/**
 * The user-facing error for a storage failure in `home`, or null when `err` is something else.
 * `readOnlyBecause`: the store only reads, since opening it for writing failed with this.
 */
export function storageError(err: unknown, home: string, readOnlyBecause: Error | null = null): ApiError | null {
  if (err instanceof ApiError) return null;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (readOnlyBecause && code.startsWith('SQLITE_READONLY')) err = readOnlyBecause;
  if (isDiskFull(err, home)) return new ApiError('storage', diskFullMessage(home, 0));
  const path = (err as NodeJS.ErrnoException).path;
  // A file error counts only inside the data folder (a user's unreadable file is theirs to fix).
  if (isReadOnly(err) && (path === undefined || resolve(path).startsWith(resolve(home)))) return new ApiError('storage', readOnlyMessage(home));
  // Any other database failure names the database, and what to do when it is damaged.
  const database = homePaths(home).database;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new ApiError('storage', `the database ${database} is damaged (${(err as Error).message}): restore it from a backup, or recover what it holds with: sqlite3 ${database} .recover`);
  }
  if (code.startsWith('SQLITE_')) return new ApiError('storage', `the database ${database}: ${(err as Error).message} (${code})`);
  return null;
}
