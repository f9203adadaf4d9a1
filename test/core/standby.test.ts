// The engine booted ahead of need (core/engine-host.ts EngineStandby): the desktop app and `serve` keep one
// worker loaded and warmed up, so Start begins training at once instead of after ~2 s of loading, at the
// steady pace from step 1. What a user would notice: a run that does not start, a second engine booting
// while a run trains (it takes a core from it), or a request that waits for a warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineStandby, EngineWorker } from '../../main/core/engine-host.ts';
import { Studio } from '../../main/core/studio.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import type { WorkerEvent } from '../../shared/worker-protocol.ts';
import { tempDir } from '../helpers.ts';

const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(60);

async function until<T>(what: string, get: () => T | null | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a spare engine warms up fully while nothing is asked of it, and the next spare boots only when nothing trains', async () => {
  let training = false;
  const standby = new EngineStandby(true, () => training);
  standby.refill();
  assert.ok(standby.hasSpare, 'booted at once');
  const events: WorkerEvent[] = [];
  const worker = standby.take((e) => events.push(e), (m) => assert.fail(m));
  try {
    const warmed = await until('the warm-up', () => worker.warmed);
    assert.equal(warmed.error, null);
    assert.equal(warmed.steps, 32, 'eight steps of three generators and a classifier');
    assert.ok(events.some((e) => e.type === 'warmed'), 'told to the adopter');
    assert.equal(standby.hasSpare, false, 'the next spare waits until the taker is done');
    training = true;
    standby.refill();
    assert.equal(standby.hasSpare, false, 'no engine boots while a run trains: it would take a core from it');
    training = false;
    standby.refill();
    assert.ok(standby.hasSpare, 'booted once nothing trains');
    await standby.close();
    assert.equal(standby.hasSpare, false);
  } finally {
    await worker.terminate();
  }
  const off = new EngineStandby(false, () => false);
  off.refill();
  assert.equal(off.hasSpare, false, 'the CLI boots an engine when it needs one');
});

test('a request to a booting engine cuts its warm-up short and is answered', async () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'c.txt'), TEXT);
  const events: WorkerEvent[] = [];
  const worker = new EngineWorker((e) => events.push(e), (m) => assert.fail(m));
  try {
    const config = RunConfigSchema.parse({ model: { layers: 1, units: 16, embedding: 8 }, train: { seqLen: 16, batch: 4, seed: 1 } });
    worker.send({ type: 'probe', requestId: 1, config, corpusPath: join(dir.path, 'c.txt'), vocab: [...new Set(TEXT)].sort(), labels: null, steps: 3 });
    const done = await until('the probe', () => events.find((e) => e.type === 'probe-done' || e.type === 'probe-failed'));
    assert.equal(done.type, 'probe-done', JSON.stringify(done));
    const warmed = await until('the warm-up report', () => worker.warmed);
    assert.ok(warmed.steps < 32, `the warm-up gave way (${warmed.steps} steps)`);
  } finally {
    await worker.terminate();
    dir.cleanup();
  }
});

test('with a standby engine the studio trains a run, and its close ends the spare too', async () => {
  const dir = tempDir();
  writeFileSync(join(dir.path, 'c.txt'), TEXT);
  const studio = Studio.open(join(dir.path, 'home'), { standby: true });
  try {
    const { dataset } = await studio.invoke('datasets:import', { path: join(dir.path, 'c.txt') });
    for (let i = 0; i < 2; i++) {
      await until('a warm spare', () => studio.engines.spareWarm);
      const run = await studio.invoke('runs:start', { datasetId: dataset.id, config: { model: { layers: 1, units: 16, embedding: 8 }, train: { maxSteps: 6, seqLen: 16, batch: 4, sampleEvery: 0 } } });
      assert.equal(studio.engines.hasSpare, false, 'the run took the spare, and none boots while it trains');
      const done = await studio.runs.whenDone(run.id);
      assert.equal(done.status, 'finished', done.error ?? '');
      assert.equal(done.step, 6);
      assert.ok(studio.engines.hasSpare, 'the next spare boots when the run ends');
    }
  } finally {
    await studio.close();
    dir.cleanup();
  }
});

test('a spare engine never keeps a process alive', () => {
  const dir = tempDir();
  try {
    // The spare boots and warms up (~2.5 s); the process must end without a close, as a CLI command may.
    const script = `import { Studio } from ${JSON.stringify(new URL('../../main/core/studio.ts', import.meta.url).pathname)};
      const studio = Studio.open(${JSON.stringify(join(dir.path, 'home'))}, { standby: true });
      const wait = setInterval(() => { if (studio.engines.spareWarm) { clearInterval(wait); console.log('warm'); } }, 20);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.signal, null, `the process was still running after 90 s: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'warm');
  } finally {
    dir.cleanup();
  }
});
