// kill -9 of a training process, at each named step of saving a checkpoint and at seeded random moments:
// the database stays whole, the run shows as interrupted, and resuming it loses at most one checkpoint
// interval and never leaves it failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../main/db/index.ts';
import { FAULT_POINTS } from '../../main/engine/storage/faults.ts';
import { ROOT, cli, prng, startCli, tempDir, type CliResult } from '../helpers.ts';

const CORPUS = join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt');
const EVERY = 5;
const TINY = ['--units', '16', '--layers', '1', '--embedding', '8', '--seq-len', '16', '--batch', '4', '--sample-every', '0', '--seed', '3', '--checkpoint-every', String(EVERY)];

function inspect(home: string, runId: number) {
  const store = Store.open(join(home, 'rnn-studio.sqlite'));
  try {
    const run = store.runs.get(runId);
    return { integrity: store.integrityCheck(), status: run?.status, checkpoints: store.checkpoints.forRun(runId) };
  } finally {
    store.close();
  }
}

const progressSteps = (r: CliResult) => r.lines.filter((l) => l.event === 'progress').map((l) => l.step as number);

/** Resumes run 1 to `total` steps; returns the step it resumed at and the result. */
async function resume(home: string, total: number): Promise<{ startStep: number; result: CliResult }> {
  const result = await cli(['--json', 'resume', '1', '--max-steps', String(total)], home);
  const ready = result.lines.find((l) => l.event === 'ready');
  assert.equal(result.code, 0, `resume failed: ${result.stderr}`);
  return { startStep: ready!.startStep as number, result };
}

for (const point of FAULT_POINTS.filter((p) => p.startsWith('checkpoint:'))) {
  test(`kill -9 ${point === 'checkpoint:write' ? 'while a checkpoint is being written' : `at ${point}`}: nothing is lost, the run resumes`, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      // The second time the point is reached, so that an older checkpoint (and a prune) exists.
      const killed = await startCli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '40', '--keep-checkpoints', '1'], home, undefined, { RNN_STUDIO_FAULT: `kill@${point}#2` }).done;
      assert.equal(killed.signal, 'SIGKILL', `the fault point was not reached: ${killed.stderr}`);
      const lastStep = Math.max(0, ...progressSteps(killed));
      const after = inspect(home, 1);
      assert.equal(after.integrity, 'ok');
      assert.equal(after.status, 'interrupted');
      assert.ok(after.checkpoints.length >= 1, 'a checkpoint is recorded');
      for (const c of after.checkpoints) assert.ok(existsSync(c.path), `recorded checkpoint ${c.path} exists`);
      const { startStep, result } = await resume(home, 40);
      assert.ok(startStep >= lastStep - EVERY, `resumed at ${startStep}, killed at ${lastStep}: at most one interval (${EVERY}) lost`);
      assert.equal(result.lines.at(-1)!.status, 'finished');
      const files = readdirSync(join(home, 'runs', '1', 'checkpoints'));
      assert.deepEqual(files.filter((f) => f.includes('.tmp-')), [], 'no temp file is left');
      assert.ok(files.length <= 2, `--keep-checkpoints 1 keeps the newest and the best (found ${files.join(', ')})`);
    } finally {
      dir.cleanup();
    }
  });
}

test('kill -9 while an imported corpus is being written: nothing is recorded, its temp file is swept, the import works again', async () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    const killed = await startCli(['--json', 'import', CORPUS], home, undefined, { RNN_STUDIO_FAULT: 'kill@dataset:write' }).done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(readdirSync(join(home, 'datasets')).filter((f) => f.includes('.tmp-')).length, 1, 'the killed write left its temp file');
    const listed = await cli(['--json', 'datasets'], home);
    assert.equal(listed.code, 0);
    assert.equal(readdirSync(join(home, 'datasets')).filter((f) => f.includes('.tmp-')).length, 0, 'the next start swept it');
    const again = await cli(['--json', 'import', CORPUS], home);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.lines.at(-1)!.existing, false);
  } finally {
    dir.cleanup();
  }
});

test('kill -9 at 20 seeded random moments of training: the database passes integrity_check, the run resumes every time', async () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    const random = prng(20261130);
    const total = 100_000; // never reached: each session is killed
    const kills = 20;
    let trained = 0;
    for (let k = 0; k < kills; k++) {
      const args = k === 0 ? ['--json', 'train', CORPUS, ...TINY, '--max-steps', String(total)] : ['--json', 'resume', '1', '--max-steps', String(total)];
      let lastStep = 0;
      let startStep = 0;
      let armed = false;
      const delay = Math.floor(random() * 1500);
      const session = startCli(args, home, (line, child) => {
        if (line.event === 'ready') startStep = line.startStep as number;
        if (line.event === 'progress') lastStep = line.step as number;
        // Strike at a random moment once the run has a checkpoint to come back to.
        if (!armed && line.event === 'checkpoint') {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), delay);
        }
      });
      const result = await session.done;
      assert.equal(result.signal, 'SIGKILL', `session ${k} ended on its own: ${result.stderr}`);
      const after = inspect(home, 1);
      assert.equal(after.integrity, 'ok', `after kill ${k + 1}`);
      assert.equal(after.status, 'interrupted', `after kill ${k + 1}`);
      const newest = Math.max(...after.checkpoints.map((c) => c.step));
      assert.ok(newest >= lastStep - EVERY, `kill ${k + 1} at step ${lastStep}: newest checkpoint ${newest}`);
      if (k > 0) assert.ok(startStep >= trained - EVERY, `session ${k} resumed at ${startStep} after step ${trained}`);
      trained = lastStep;
    }
    const { startStep } = await resume(home, trained + 20);
    assert.ok(startStep >= trained - EVERY);
    assert.equal(inspect(home, 1).status, 'finished');
  } finally {
    dir.cleanup();
  }
});

test('a temp file that a dead process left among checkpoints is swept at the next start; a live one is not', async () => {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    const run = await cli(['--json', 'train', CORPUS, ...TINY, '--max-steps', '5'], home);
    assert.equal(run.code, 0, run.stderr);
    const folder = join(home, 'runs', '1', 'checkpoints');
    const dead = join(folder, 'step-00000010.ckpt.tmp-999999999');
    const live = join(folder, `step-00000010.ckpt.tmp-${process.pid}`);
    writeFileSync(dead, 'partial');
    writeFileSync(live, 'partial');
    assert.equal((await cli(['--json', 'runs'], home)).code, 0);
    assert.equal(existsSync(dead), false, 'the dead process’s temp file is gone');
    assert.equal(existsSync(live), true, 'a running process’s temp file is left alone');
  } finally {
    dir.cleanup();
  }
});
