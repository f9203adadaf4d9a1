import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, Store } from '../../main/db/index.ts';
import { tempDir } from '../helpers.ts';

test('migrations take an empty file to the latest version, in WAL mode', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'x.sqlite');
    const store = Store.open(file);
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    store.close();
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    assert.deepEqual(tables, ['checkpoints', 'datasets', 'metrics', 'runs', 'samples']);
    raw.close();
    Store.open(file).close(); // opening again is a no-op
  } finally {
    dir.cleanup();
  }
});

test('a database from a newer RNN Studio is refused with a clear message and left untouched', () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'future.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.exec('CREATE TABLE future_things (id INTEGER)');
    raw.close();
    assert.throws(() => Store.open(file), (err: Error) => {
      assert.equal(err.name, 'DatabaseTooNewError');
      assert.match(err.message, /written by a newer RNN Studio \(database schema version 6; this version understands up to 1\)/);
      return true;
    });
    const again = new Database(file, { readonly: true });
    assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION + 5);
    again.close();
  } finally {
    dir.cleanup();
  }
});
