// `rnn-studio branch` as a user runs it: the new run trains with the flags given and names its parent in
// --json; `runs` marks it; a bad checkpoint id or a model flag is refused by name; --no-wait trains it in
// the background; and a branch killed half-made leaves no run behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, startCli, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
const corpus = join(dir.path, 'corpus.txt');
const TINY = ['--layers', '1', '--units', '16', '--embedding', '8', '--seq-len', '16', '--batch', '8', '--seed', '21', '--sample-every', '0'];

type Run = { id: number; status: string; step: number; parentRunId: number | null };
const runs = async () => (await cli(['--json', 'runs'], home)).lines[0].runs as Run[];

before(async () => {
  writeFileSync(corpus, 'It was the best of times, it was the worst of times.\n'.repeat(80));
  const trained = await cli(['--json', 'train', corpus, ...TINY, '--max-steps', '20', '--checkpoint-every', '10'], home);
  assert.equal(trained.code, 0, trained.stderr);
  assert.equal(trained.lines.at(-1)!.runId, 1);
});
after(() => dir.cleanup());

test('branch --json: a new run from the latest checkpoint, with the flags given, naming its parent', async () => {
  const r = await cli(['--json', 'branch', '1', '--lr', '0.005', '--max-steps', '30'], home);
  assert.equal(r.code, 0, r.stderr);
  const branched = r.lines.find((l) => l.event === 'branched')!;
  assert.deepEqual([branched.runId, branched.parentRunId, branched.parentStep], [2, 1, 20]);
  assert.equal(typeof branched.parentCheckpointId, 'number');
  const progress = r.lines.filter((l) => l.event === 'progress');
  assert.deepEqual([progress[0].step, progress.at(-1)!.step, progress[0].lr], [21, 30, 0.005]);
  const final = r.lines.at(-1)!;
  assert.deepEqual([final.runId, final.status, final.step, final.parentRunId, final.parentCheckpointId, final.parentStep], [2, 'finished', 30, 1, branched.parentCheckpointId, 20]);

  const listed = await cli(['runs'], home);
  assert.match(listed.stdout, /^id\s+from\s+dataset/m);
  assert.match(listed.stdout, /^2\s+← #1 @ step 20\s/m);
  const shown = await cli(['show', '2'], home);
  assert.match(shown.stdout, new RegExp(`from run 1 at step 20 \\(checkpoint #${branched.parentCheckpointId}\\)`));
});

test('a checkpoint that is not the run’s, or a model flag, is refused by name and makes nothing', async () => {
  const before = (await runs()).length;
  const badCheckpoint = await cli(['branch', '1', '--checkpoint', '999'], home);
  assert.equal(badCheckpoint.code, 1);
  assert.match(badCheckpoint.stderr, /checkpoint 999 is not one of run 1's: its checkpoints are #\d+ \(step 10\), #\d+ \(step 20\)/);
  const json = await cli(['--json', 'branch', '1', '--checkpoint', '999'], home);
  assert.equal(json.lines.at(-1)!.code, 'bad-input');
  const model = await cli(['branch', '1', '--units', '64', '--cell', 'gru'], home);
  assert.equal(model.code, 1);
  assert.match(model.stderr, /--units: a branch keeps run 1's model \(1×16 lstm, embedding 8, dropout 0\); leave it out/);
  assert.match(model.stderr, /--cell: a branch keeps run 1's model/);
  const low = await cli(['branch', '1', '--max-steps', '5'], home);
  assert.match(low.stderr, /the branch starts at step 20 of run 1: set --max-steps above 20/);
  assert.equal((await runs()).length, before);
});

test('branch --no-wait returns at once; a background process trains the branch', async () => {
  const r = await cli(['--json', 'branch', '1', '--checkpoint-every', '5', '--max-steps', '25', '--no-wait'], home);
  assert.equal(r.code, 0, r.stderr);
  const started = r.lines.at(-1)!;
  assert.equal(started.parentRunId, 1);
  assert.equal(typeof started.parentCheckpointId, 'number');
  assert.equal(typeof started.pid, 'number');
  let run: Run | undefined;
  const deadline = Date.now() + 120_000;
  do {
    await new Promise((resolve) => setTimeout(resolve, 300));
    run = (await runs()).find((x) => x.id === started.runId);
  } while (run?.status !== 'finished' && Date.now() < deadline);
  assert.deepEqual([run!.status, run!.step, run!.parentRunId], ['finished', 25, 1]);
});

test('a branch killed before it is recorded leaves no run, and the next branch takes its place', async () => {
  const before = await runs();
  // Killed with its copy written beside the runs: the next command sweeps it.
  const staged = await startCli(['--json', 'branch', '1', '--max-steps', '22'], home, undefined, { RNN_STUDIO_FAULT: 'kill@branch:staged' }).done;
  assert.equal(staged.signal, 'SIGKILL');
  assert.ok(readdirSync(join(home, 'runs')).some((name) => /^branch-of-1-\d+\.ckpt\.tmp-\d+$/.test(name)));
  assert.deepEqual(await runs(), before);
  assert.deepEqual(readdirSync(join(home, 'runs')).filter((name) => name.includes('.tmp-')), []);
  // Killed with the copy in the new run's folder, the run not yet recorded.
  const killed = await startCli(['--json', 'branch', '1', '--max-steps', '22'], home, undefined, { RNN_STUDIO_FAULT: 'kill@branch:moved' }).done;
  assert.equal(killed.signal, 'SIGKILL');
  assert.deepEqual(await runs(), before);
  const next = await cli(['--json', 'branch', '1', '--max-steps', '22'], home);
  assert.equal(next.code, 0, next.stderr);
  const id = next.lines.at(-1)!.runId as number;
  assert.equal(id, Math.max(...before.map((x) => x.id)) + 1, 'the id the killed branch had');
  // Its folder holds only its own checkpoints: what the killed one left was cleared.
  assert.deepEqual(readdirSync(join(home, 'runs', String(id), 'checkpoints')).sort(), ['step-00000020.ckpt', 'step-00000022.ckpt']);
});
