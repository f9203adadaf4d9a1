// Runs the migrations: one file per schema version, each applied in its own transaction together with
// `PRAGMA user_version`, so a crash leaves the database at a whole version. A database written by a
// newer RNN Studio is refused rather than damaged.
import type { Database } from 'better-sqlite3';
import { up as v1 } from './migrations/001-initial.ts';
import { up as v2 } from './migrations/002-classifiers.ts';
import { up as v3 } from './migrations/003-owners-and-relative-paths.ts';
import { up as v4 } from './migrations/004-imported-models.ts';
import { up as v5 } from './migrations/005-comparisons.ts';
import { up as v6 } from './migrations/006-branches.ts';
import { up as v7 } from './migrations/007-lab.ts';

/** One per schema version; `file` is the database's path (its folder is the data folder). */
const MIGRATIONS: Array<(db: Database, file: string) => void> = [v1, v2, v3, v4, v5, v6, v7];
export const SCHEMA_VERSION = MIGRATIONS.length;

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

export function migrate(db: Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new DatabaseTooNewError(
      `${file} was written by a newer RNN Studio (database schema version ${current}; this version understands up to ${SCHEMA_VERSION}). Update RNN Studio, or use another data folder with --home.`,
    );
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      MIGRATIONS[version - 1](db, file);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
