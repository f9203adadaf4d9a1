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
    assert.deepEqual(tables, ['checkpoints', 'comparison_runs', 'comparisons', 'datasets', 'evaluations', 'lab', 'metrics', 'runs', 'samples']);
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
      assert.ok(err.message.includes(`written by a newer RNN Studio (database schema version ${SCHEMA_VERSION + 5}; this version understands up to ${SCHEMA_VERSION})`), err.message);
      return true;
    });
    const again = new Database(file, { readonly: true });
    assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION + 5);
    again.close();
  } finally {
    dir.cleanup();
  }
});

test('a version 1 database upgrades in place and keeps its datasets', async () => {
  const { up: v1 } = await import('../../main/db/migrations/001-initial.ts');
  const dir = tempDir();
  try {
    const file = join(dir.path, 'old.sqlite');
    const raw = new Database(file);
    v1(raw);
    raw.pragma('user_version = 1');
    raw.prepare(
      `INSERT INTO datasets (name, source_path, sha256, content_path, bytes, chars, files, distinct_chars, charset_size, max_charset, unknown_chars, encoding, vocab, char_counts, created_at)
       VALUES ('old corpus', '/x.txt', 'abc', '/d/abc.txt', 3, 3, 1, 3, 3, 2000, 0, 'utf-8', '["a","b","c"]', '[["a",1],["b",1],["c",1]]', '2026-01-01T00:00:00Z')`,
    ).run();
    raw.close();
    const store = Store.open(file);
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    const [d] = store.datasets.list();
    assert.equal(d.name, 'old corpus');
    assert.equal(d.kind, 'text');
    assert.equal(d.format, 'text');
    assert.equal(d.labels, null);
    store.close();
  } finally {
    dir.cleanup();
  }
});
