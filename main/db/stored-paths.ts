// Files inside the data folder are recorded relative to it, so the folder can be moved or copied whole
// (`mv`, a backup, another machine) and every dataset and checkpoint is still found. Paths outside it
// (none today) stay absolute. Stored with '/' whatever the platform.
import { isAbsolute, join, relative, sep } from 'node:path';

export function toStored(home: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(home, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}

export function toAbsolute(home: string, stored: string): string {
  return isAbsolute(stored) ? stored : join(home, stored);
}
