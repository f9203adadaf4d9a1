// A run is never lost or doubled: the data folder can move, a damaged checkpoint is passed over for the
// newest intact one, two resumes cannot both train a run, a stop reaches that run only (also one started
// through the bridge, which keeps serving), and a dead or reused pid is no owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { Studio } from '../../main/core/studio.ts';
import { SCHEMA_VERSION, Store } from '../../main/db/index.ts';
import { OWNER_STALE_MS } from '../../main/db/owners.ts';
import { startBridge } from '../../main/bridge/server.ts';
import { up as v1 } from '../../main/db/migrations/001-initial.ts';
import { up as v2 } from '../../main/db/migrations/002-classifiers.ts';
import { ROOT, cli, startCli, tempDir } from '../helpers.ts';

const CORPUS = join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt');
const TINY = ['--units', '16', '--layers', '1', '--embedding', '8', '--seq-len', '16', '--batch', '4', '--sample-every', '0', '--seed', '9', '--checkpoint-every', '5'];

function store<T>(home: string, fn: (s: Store) => T): T {
  const s = Store.open(join(home, 'rnn-studio.sqlite'));
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

test('a moved data folder keeps every run: resume and sample work from the new place', async () => {
  const dir = tempDir();
  try {
    const before = join(dir.path, 'before');
    assert.equal((await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '10'], before)).code, 0);
    const after = join(dir.path, 'moved', 'elsewhere');
    mkdirSync(join(dir.path, 'moved'));
    renameSync(before, after);
    const resumed = await cli(['--json', 'resume', '1', '--max-steps', '20'], after);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.lines.at(-1)!.status, 'finished');
    const sample = await cli(['--json', 'sample', '1', '--length', '20', '--seed', '1'], after);
    assert.equal(sample.code, 0, sample.stderr);
    assert.equal([...(sample.lines.at(-1)!.text as string)].length, 20);
    store(after, (s) => assert.ok(s.checkpoints.forRun(1).every((c) => c.path.startsWith(after) && existsSync(c.path))));
  } finally {
    dir.cleanup();
  }
});

test('a database from before relative paths upgrades: its absolute paths become relative, so it can move too', () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    mkdirSync(join(home, 'runs', '1', 'checkpoints'), { recursive: true });
    const file = join(home, 'rnn-studio.sqlite');
    const db = new Database(file);
    v1(db);
    v2(db);
    db.pragma('user_version = 2');
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO datasets (id, name, source_path, sha256, content_path, bytes, chars, files, distinct_chars, charset_size, max_charset, unknown_chars, encoding, vocab, char_counts, created_at)
      VALUES (1, 'd', '/x', 'abc', ?, 1, 1, 1, 1, 1, 1, 0, 'utf-8', '["a"]', '[["a",1]]', ?)`).run(join(home, 'datasets', 'abc.txt'), now);
    db.prepare(`INSERT INTO runs (id, dataset_id, task, config, status, created_at, updated_at) VALUES (1, 1, 'generate', '{}', 'stopped', ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO checkpoints (run_id, step, epoch, path, bytes, reason, created_at) VALUES (1, 5, 0, ?, 1, 'stop', ?)`).run(join(home, 'runs', '1', 'checkpoints', 'step-00000005.ckpt'), now);
    db.close();
    store(home, (s) => assert.equal(s.schemaVersion(), SCHEMA_VERSION));
    const raw = new Database(file, { readonly: true });
    assert.equal((raw.prepare('SELECT content_path AS p FROM datasets').get() as { p: string }).p, 'datasets/abc.txt');
    assert.equal((raw.prepare('SELECT path AS p FROM checkpoints').get() as { p: string }).p, 'runs/1/checkpoints/step-00000005.ckpt');
    raw.close();
    const moved = join(dir.path, 'moved');
    renameSync(home, moved);
    store(moved, (s) => assert.equal(s.checkpoints.forRun(1)[0].path, join(moved, 'runs', '1', 'checkpoints', 'step-00000005.ckpt')));
  } finally {
    dir.cleanup();
  }
});

for (const damage of ['bytes overwritten', 'truncated', 'header changed'] as const) {
  test(`a newest checkpoint ${damage === 'truncated' ? 'cut short' : `with its ${damage === 'header changed' ? 'header' : 'weights'} overwritten`} is passed over: resume uses the newest intact one and says which and why`, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      assert.equal((await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '20', '--keep-checkpoints', '3'], home)).code, 0);
      const newest = store(home, (s) => s.checkpoints.forRun(1).at(-1)!);
      assert.equal(newest.step, 20);
      if (damage === 'truncated') truncateSync(newest.path, Math.floor(statSync(newest.path).size / 2));
      else if (damage === 'header changed') {
        // A header that still parses but lies (a newer format): the checksum is checked before it is believed.
        const bytes = readFileSync(newest.path);
        const at = bytes.indexOf('"format":2');
        bytes.write('"format":3', at, 'latin1');
        writeFileSync(newest.path, bytes);
      } else {
        const fd = openSync(newest.path, 'r+');
        writeSync(fd, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, 8, statSync(newest.path).size - 400); // inside the weights
        closeSync(fd);
      }
      const sample = await cli(['--json', 'sample', '1', '--checkpoint', String(newest.id), '--length', '5'], home);
      assert.notEqual(sample.code, 0, 'a damaged checkpoint never loads silently');
      assert.match(sample.stderr, damage === 'truncated' ? /truncated/ : /damaged \(its checksum does not match/);
      const resumed = await cli(['--json', 'resume', '1', '--max-steps', '30'], home);
      assert.equal(resumed.code, 0, resumed.stderr);
      const ready = resumed.lines.find((l) => l.event === 'ready')!;
      assert.equal(ready.startStep, 15);
      assert.match((ready.notes as string[])[0], new RegExp(`step-00000020.ckpt: .*(truncated|checksum).*resumed from the newest intact checkpoint instead .*step-00000015.ckpt, step 15`));
      assert.equal(resumed.lines.at(-1)!.status, 'finished');
      assert.equal(store(home, (s) => s.runs.get(1)!.status), 'finished');
    } finally {
      dir.cleanup();
    }
  });
}

test('two resumes at once: one trains, the other is refused naming the process that owns the run; no step is recorded twice', async () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    assert.equal((await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '10'], home)).code, 0);
    const [a, b] = [startCli(['--json', 'resume', '1', '--max-steps', '100000'], home), startCli(['--json', 'resume', '1', '--max-steps', '100000'], home)];
    // Whichever lost says so at once; then stop the winner from a third process.
    const loser = await Promise.race([a.done, b.done]);
    assert.notEqual(loser.code, 0);
    assert.match(loser.stderr, /run 1 is being trained by rnn-studio resume \(process \d+\); stop it there, or with: rnn-studio stop 1/);
    assert.equal(loser.lines.at(-1)!.code, 'conflict');
    const deleting = await cli(['--json', 'delete', 'run', '1'], home);
    assert.notEqual(deleting.code, 0, 'a run another process trains cannot be deleted from under it');
    assert.match(deleting.stderr, /run 1 is being trained by rnn-studio resume \(process \d+\).*before deleting it/);
    const stop = await cli(['--json', 'stop', '1'], home);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.lines.at(-1)!.status, 'stopped');
    const winner = await (loser === (await a.done) ? b.done : a.done);
    assert.equal(winner.code, 0, winner.stderr);
    // One trainer: each step's training loss is recorded once (a stop adds a validation point at its step).
    const steps = store(home, (s) => s.metrics.forRun(1).filter((m) => m.trainLoss !== null).map((m) => m.step));
    assert.equal(new Set(steps).size, steps.length, `no training step recorded twice: ${steps.join(', ')}`);
  } finally {
    dir.cleanup();
  }
});

test('stop of a run started through the bridge stops that run only: the bridge keeps serving', async () => {
  const dir = tempDir();
  const page = join(dir.path, 'page');
  mkdirSync(page);
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  const home = join(dir.path, 'home');
  const studio = Studio.open(home, { ownerLabel: 'rnn-studio serve' });
  const bridge = await startBridge({ studio, staticDir: page });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?token=${bridge.token}`, { origin: `http://127.0.0.1:${bridge.port}` });
    await new Promise((resolve) => ws.once('open', resolve));
    const call = (id: number, channel: string, request: unknown) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const onMessage = (data: WebSocket.RawData) => {
          const m = JSON.parse(String(data));
          if (m.id === id) {
            ws.off('message', onMessage);
            resolve(m);
          }
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, channel, request }));
      });
    const imported = (await call(1, 'datasets:import', { path: CORPUS })) as { reply: { dataset: { id: number } } };
    const started = (await call(2, 'runs:start', { datasetId: imported.reply.dataset.id, config: { model: { units: 16, layers: 1, embedding: 8 }, train: { seqLen: 16, batch: 4, maxSteps: 100000, sampleEvery: 0, seed: 1 } } })) as { reply: { id: number } };
    const runId = started.reply.id;
    await new Promise<void>((resolve) => {
      const off = studio.on('run:progress', (e) => e.step >= 3 && (off(), resolve()));
    });
    const statuses: string[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.event === 'run:status') statuses.push(m.payload.status);
    });
    const stop = await cli(['--json', 'stop', String(runId)], home);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.lines.at(-1)!.status, 'stopped');
    assert.equal(stop.lines.at(-1)!.signalled, process.pid);
    assert.equal((await studio.runs.whenDone(runId)).status, 'stopped');
    assert.ok(statuses.includes('stopped'), 'the page was told');
    const info = (await call(3, 'app:info', {})) as { ok: boolean };
    assert.equal(info.ok, true, 'the bridge still answers');
    assert.equal((await fetch(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`)).status, 200);
    ws.close();
  } finally {
    await bridge.close();
    await studio.close();
    dir.cleanup();
  }
});

test('a run whose owner is gone, or whose pid now belongs to an unrelated process, shows as interrupted; stop signals nobody', async () => {
  const dir = tempDir();
  const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const home = join(dir.path, 'home');
    assert.equal((await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '5'], home)).code, 0);
    // As if the process that trained run 1 had died and its pid gone to `sleep`.
    const db = new Database(join(home, 'rnn-studio.sqlite'));
    db.prepare("UPDATE runs SET status = 'running', pid = ?, owner_started = '1', owner_label = 'rnn-studio train' WHERE id = 1").run(bystander.pid);
    db.close();
    assert.equal(store(home, (s) => s.runs.get(1)!.status), 'interrupted');
    // Where the start time cannot be read (macOS, Windows, another pid namespace), a live pid whose
    // heartbeat has been silent for longer than OWNER_STALE_MS owns nothing either.
    const db2 = new Database(join(home, 'rnn-studio.sqlite'));
    const silent = new Date(Date.now() - OWNER_STALE_MS - 60_000).toISOString();
    db2.prepare('UPDATE runs SET owner_started = NULL, owner_heartbeat = ? WHERE id = 1').run(silent);
    db2.close();
    assert.equal(store(home, (s) => s.runs.get(1)!.status), 'interrupted');
    const db3 = new Database(join(home, 'rnn-studio.sqlite'));
    db3.prepare('UPDATE runs SET owner_heartbeat = ? WHERE id = 1').run(new Date().toISOString());
    db3.close();
    assert.equal(store(home, (s) => s.runs.get(1)!.status), 'running', 'a live pid that beats is still the owner there');
    const db4 = new Database(join(home, 'rnn-studio.sqlite'));
    db4.prepare("UPDATE runs SET owner_started = '1', owner_heartbeat = ? WHERE id = 1").run(silent);
    db4.close();
    const stop = await cli(['--json', 'stop', '1'], home);
    assert.notEqual(stop.code, 0);
    assert.match(stop.stderr, /run 1 is interrupted, not training/);
    assert.equal(bystander.exitCode, null, 'the unrelated process was not signalled');
    assert.equal(bystander.signalCode, null);
    const resumed = await cli(['--json', 'resume', '1', '--max-steps', '10'], home);
    assert.equal(resumed.code, 0, resumed.stderr);
  } finally {
    bystander.kill();
    dir.cleanup();
  }
});

test('after a resume, older checkpoints are pruned too: --keep-checkpoints 2 keeps two (and the best)', async () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    assert.equal((await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '20', '--keep-checkpoints', '2', '--eval-every', '1000'], home)).code, 0);
    assert.equal((await cli(['--json', 'resume', '1', '--max-steps', '40'], home)).code, 0);
    const files = readdirSync(join(home, 'runs', '1', 'checkpoints')).sort();
    const rows = store(home, (s) => s.checkpoints.forRun(1).map((c) => c.step));
    // Validation runs at the end of each session only: the best is the step-20 or step-40 one.
    assert.ok(files.length <= 3, files.join(', '));
    assert.deepEqual(files.slice(-2), ['step-00000035.ckpt', 'step-00000040.ckpt']);
    assert.equal(rows.length, files.length, 'every file has its row and every row its file');
  } finally {
    dir.cleanup();
  }
});
