// Files a browser streams to the bridge land here, one folder per upload, until they are imported
// (the importer copies the text into the data home, then the upload folder is removed).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { withoutDatasetExtension } from '../../shared/formats.ts';

/** What the user knows an imported source as: their file's name, never the upload area's path. */
export interface SourceOrigin {
  /** Recorded as the dataset's sourcePath: a path, or the name(s) of the uploaded file(s). */
  path: string;
  /** The dataset's name unless one is given. */
  name: string;
}

/** Uploaded entries a dataset's sourcePath lists before "and N more". */
const LISTED_ENTRIES = 3;

export class UploadArea {
  constructor(private readonly root: string) {}

  create(): string {
    const id = randomUUID();
    mkdirSync(join(this.root, id), { recursive: true });
    return id;
  }

  /** Where a file of an upload goes; refuses names that would climb out of the upload's folder. */
  filePath(id: string, relativeName: string): string {
    const dir = this.folder(id);
    const clean = normalize(relativeName).replace(/^([/\\])+/, '');
    if (clean === '' || clean.split(/[/\\]/).some((p) => p === '..')) throw new ApiError('bad-input', `bad upload file name "${relativeName}"`);
    const full = join(dir, clean);
    mkdirSync(join(full, '..'), { recursive: true });
    return full;
  }

  folder(id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new ApiError('bad-input', 'not an upload id');
    return join(this.root, id);
  }

  /** What to import: the single file (or folder) of a one-entry upload, else the upload's folder. */
  importPath(id: string): string {
    const dir = this.folder(id);
    const entries = this.entries(id);
    return entries.length === 1 ? join(dir, entries[0]) : dir;
  }

  /** How the user knows an upload: "novel.txt", "poems", or "a.txt, b.txt, c.txt and 2 more". */
  origin(id: string): SourceOrigin {
    const entries = this.entries(id);
    const more = entries.length - LISTED_ENTRIES;
    const first = withoutDatasetExtension(entries[0]);
    return {
      path: more > 0 ? `${entries.slice(0, LISTED_ENTRIES).join(', ')} and ${more} more` : entries.join(', '),
      name: entries.length > 1 ? `${first} and ${entries.length - 1} more` : first,
    };
  }

  /**
   * Runs `fn` (synchronous) on an upload's import path and origin. Its refusals name the user's files
   * ("novel.txt: …"), not where the upload area keeps them.
   */
  use<T>(id: string, fn: (path: string, origin: SourceOrigin) => T): T {
    const folder = this.folder(id);
    const origin = this.origin(id);
    try {
      return fn(this.importPath(id), origin);
    } catch (err) {
      if (!(err instanceof ApiError) || !err.message.includes(id)) throw err;
      // A file inside the upload, the upload itself, and a file named relative to it (a folder's refusals).
      const message = err.message.replaceAll(folder + sep, '').replaceAll(folder, origin.path).replaceAll(id + sep, '');
      throw new ApiError(err.code, message);
    }
  }

  /** The upload's top-level files and folders, sorted (as the importer reads them). */
  private entries(id: string): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.folder(id));
    } catch {
      throw new ApiError('not-found', `upload ${id} does not exist (was it imported already?)`);
    }
    if (entries.length === 0) throw new ApiError('bad-input', `upload ${id} holds no files`);
    return entries.sort((a, b) => a.localeCompare(b));
  }

  remove(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
  }
}
