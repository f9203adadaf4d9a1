import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, lossesByStep, startCli, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
const corpus = join(dir.path, 'corpus.txt');
const TINY = ['--layers', '1', '--units', '32', '--embedding', '8', '--seq-len', '16', '--batch', '8', '--seed', '21'];

before(() => writeFileSync(corpus, 'It was the best of times, it was the worst of times.\n'.repeat(80)));
after(() => dir.cleanup());

test('import and train --json print progress lines and a final object with the contract fields', async () => {
  const imported = await cli(['--json', 'import', corpus, '--name', 'Dickens'], home);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.lines.at(-1)!.datasetId, 1);

  const trained = await cli(['train', '1', ...TINY, '--max-steps', '30', '--sample-every', '30', '--json'], home);
  assert.equal(trained.code, 0, trained.stderr);
  const progress = trained.lines.filter((l) => l.event === 'progress');
  assert.equal(progress.length, 30);
  for (const p of progress) for (const key of ['step', 'loss', 'charsPerSec']) assert.equal(typeof p[key], 'number', key);
  const final = trained.lines.at(-1)!;
  assert.equal(final.runId, 1);
  assert.equal(final.status, 'finished');
  assert.match(String(final.backend), /^(node|wasm|cpu)$/);
  assert.equal(typeof final.finalLoss, 'number');
  assert.equal(typeof final.valLoss, 'number');
  assert.ok(trained.lines.some((l) => l.event === 'sample' && typeof l.text === 'string'));
});

test('--home and --json are accepted before or after the command', async () => {
  const a = await cli(['datasets', '--json'], home);
  const b = await cli(['--json', 'datasets'], home);
  assert.deepEqual(a.lines, b.lines);
  assert.equal((a.lines[0].datasets as unknown[]).length, 1);
});

test('train on a path imports it first', async () => {
  const r = await cli(['--json', 'train', corpus, ...TINY, '--max-steps', '5'], home);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.lines.find((l) => l.event === 'imported')!.datasetId, 1); // same text: same dataset
});

test('stop mid-run with Ctrl-C, then resume: the same losses as one uninterrupted run', async () => {
  const straight = await cli(['--json', 'train', '1', ...TINY, '--dropout', '0.2', '--max-steps', '40'], home);
  assert.equal(straight.code, 0, straight.stderr);
  const expected = lossesByStep(straight.lines);

  let signalled = false;
  const first = await startCli(['--json', 'train', '1', ...TINY, '--dropout', '0.2', '--max-steps', '40'], home, (line, child) => {
    if (line.event === 'progress' && (line.step as number) >= 12 && !signalled) {
      signalled = true;
      child.kill('SIGINT');
    }
  }).done;
  assert.equal(first.code, 0, first.stderr);
  const stopped = first.lines.at(-1)!;
  assert.equal(stopped.status, 'stopped');
  const runId = stopped.runId as number;
  const stoppedAt = stopped.step as number;
  assert.ok(stoppedAt >= 12 && stoppedAt < 40);

  const resumed = await cli(['--json', 'resume', String(runId)], home);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.lines.at(-1)!.step, 40);
  const got = new Map([...lossesByStep(first.lines)].filter(([s]) => s <= stoppedAt));
  for (const [s, l] of lossesByStep(resumed.lines)) got.set(s, l);
  assert.equal(got.size, 40);
  for (const [step, loss] of expected) assert.ok(Math.abs(got.get(step)! - loss) < 1e-5, `step ${step}: ${got.get(step)} vs ${loss}`);
});

test('a run whose process died shows as interrupted and can be resumed', async () => {
  let checkpoints = 0;
  const killed = await startCli(['--json', 'train', '1', ...TINY, '--max-steps', '100000', '--checkpoint-every', '5'], home, (line, child) => {
    if (line.event === 'checkpoint' && ++checkpoints === 2) child.kill('SIGKILL');
  }).done;
  assert.equal(killed.code, null);
  const runId = killed.lines.find((l) => l.event === 'ready')!.runId as number;
  const runs = await cli(['--json', 'runs'], home);
  const run = (runs.lines[0].runs as Array<Record<string, unknown>>).find((r) => r.id === runId)!;
  assert.equal(run.status, 'interrupted');

  const resumed = await cli(['--json', 'resume', String(runId), '--max-steps', '20'], home);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.lines.find((l) => l.event === 'ready')!.startStep, 10);
  assert.equal(resumed.lines.at(-1)!.status, 'finished');
  assert.equal(resumed.lines.at(-1)!.step, 20);
});

test('sample: the same seed gives the same text; show prints the config, a loss chart and samples', async () => {
  const a = await cli(['--json', 'sample', '1', '--length', '50', '--seed', '5', '--prime', 'It '], home);
  const b = await cli(['--json', 'sample', '1', '--length', '50', '--seed', '5', '--prime', 'It '], home);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.lines[0].text, b.lines[0].text);
  assert.ok(String(a.lines[0].text).startsWith('It '));
  const greedy = await cli(['sample', '1', '--length', '20', '--top-k', '1'], home);
  assert.equal(greedy.code, 0, greedy.stderr);

  const shown = await cli(['show', '1'], home);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /Run 1 — finished/);
  assert.match(shown.stdout, /model: lstm, 1 layer\(s\) × 32 units/);
  assert.match(shown.stdout, /loss by step/);
  assert.match(shown.stdout, /Samples \(\d+, latest last\)/);
});

test('errors exit non-zero with a message that says what was wrong', async () => {
  const missing = await cli(['train', '99'], home);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /there is no dataset 99/);
  const range = await cli(['train', '1', '--layers', '9'], home);
  assert.equal(range.code, 1);
  assert.match(range.stderr, /--layers: must be at most 4/);
  const notNumber = await cli(['train', '1', '--lr', 'fast'], home);
  assert.notEqual(notNumber.code, 0);
  assert.match(notNumber.stderr, /--lr takes a number \(got "fast"\)/);
  const json = await cli(['--json', 'sample', '77'], home);
  assert.equal(json.code, 1);
  assert.deepEqual(json.lines.at(-1), { error: 'there is no run 77', code: 'not-found' });
});

test('RNN_STUDIO_BACKEND forces a backend; one that cannot load is an error, not a silent fallback', async () => {
  const cpu = await cli(['--json', 'train', '1', ...TINY, '--max-steps', '3'], home);
  assert.equal(cpu.code, 0);
  process.env.RNN_STUDIO_BACKEND = 'cpu';
  try {
    const forced = await cli(['--json', 'train', '1', ...TINY, '--max-steps', '3'], home);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.lines.at(-1)!.backend, 'cpu');
    process.env.RNN_STUDIO_BACKEND = 'node';
    const unavailable = await cli(['--json', 'train', '1', ...TINY, '--max-steps', '3'], home);
    assert.equal(unavailable.code, 1);
    assert.match(unavailable.stderr, /RNN_STUDIO_BACKEND=node was asked for but cannot be used/);
  } finally {
    delete process.env.RNN_STUDIO_BACKEND;
  }
});

test('delete run removes its files; delete dataset refuses while runs remain unless --force', async () => {
  const runDir = join(home, 'runs', '1');
  assert.ok(existsSync(runDir));
  const del = await cli(['delete', 'run', '1'], home);
  assert.equal(del.code, 0, del.stderr);
  assert.ok(!existsSync(runDir));
  const refused = await cli(['delete', 'dataset', '1'], home);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /dataset 1 has \d+ run\(s\).*delete them with it \(--force\)/);
  const forced = await cli(['--json', 'delete', 'dataset', '1', '--force'], home);
  assert.equal(forced.code, 0, forced.stderr);
  const left = await cli(['--json', 'runs'], home);
  assert.deepEqual(left.lines[0].runs, []);
});
