// Files a browser streams to the bridge land here, one folder per upload, until they are imported
// (the importer copies the text into the data home, then the upload folder is removed).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { ApiError } from '../../shared/api.ts';

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

  /** What to import: the single file of a one-file upload, else the folder. */
  importPath(id: string): string {
    const dir = this.folder(id);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      throw new ApiError('not-found', `upload ${id} does not exist (was it imported already?)`);
    }
    return entries.length === 1 ? join(dir, entries[0]) : dir;
  }

  remove(id: string): void {
    rmSync(this.folder(id), { recursive: true, force: true });
  }
}
