import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import config from '../electron.config.ts';
import { RunConfigSchema } from '../shared/config.ts';
import type { WorkerEvent } from '../shared/worker-protocol.ts';
import { ROOT, tempDir } from './helpers.ts';

test('electron.config.ts loads and packages the app for Linux, Windows and macOS with native modules unpacked', () => {
  assert.equal(config.appId, 'org.rnnstudio.desktop');
  assert.equal(config.productName, 'RNN Studio');
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win?.target, ['nsis']);
  assert.deepEqual(config.mac?.target, ['dmg']);
  const unpacked = config.asarUnpack as string[];
  assert.ok(unpacked.some((p) => p.includes('better-sqlite3')));
  assert.ok(unpacked.some((p) => p.includes('@tensorflow')));
  assert.equal(config.npmRebuild, false, 'the Electron build of better-sqlite3 is made apart');
  assert.ok((config.files as string[]).includes('out/native/rnn_kernels.node'), 'the engine\'s native kernels ship with the app');
  for (const icon of [config.win?.icon, config.mac?.icon, join(config.linux!.icon as string, '512x512.png')]) assert.ok(existsSync(join(ROOT, icon as string)), `${icon}`);
});

test('the desktop build bundles main, preload and an engine worker that trains outside tsx', async () => {
  const { buildAll } = await import('../scripts/build.mjs');
  await buildAll({ quiet: true });
  for (const file of ['out/electron/main.mjs', 'out/electron/preload.cjs', 'out/electron/engine-worker.mjs', 'out/renderer/index.html']) {
    assert.ok(existsSync(join(ROOT, file)), file);
  }
  assert.equal(spawnSync(process.execPath, ['--check', join(ROOT, 'out/electron/main.mjs')]).status, 0);
  if (process.env.RNN_STUDIO_NATIVE !== '0') {
    // The kernels (Node-API: the same file serves Electron) sit beside the bundles, where they look.
    assert.ok(existsSync(join(ROOT, 'out/native/rnn_kernels.node')), 'out/native/rnn_kernels.node');
    assert.match(readFileSync(join(ROOT, 'out/electron/engine-worker.mjs'), 'utf8'), /"\.\.\/native\/rnn_kernels\.node"/);
  }

  const dir = tempDir();
  const corpus = join(dir.path, 'c.txt');
  writeFileSync(corpus, 'abcabcabd '.repeat(200));
  const worker = new Worker(join(ROOT, 'out/electron/engine-worker.mjs'));
  try {
    const done = new Promise<WorkerEvent>((resolve) => worker.on('message', resolve));
    const config = RunConfigSchema.parse({ model: { layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, seed: 1 } });
    worker.postMessage({ type: 'probe', requestId: 1, config, corpusPath: corpus, vocab: [...'abcd '], steps: 2 });
    const event = await done;
    assert.equal(event.type, 'probe-done', JSON.stringify(event));
  } finally {
    await worker.terminate();
    dir.cleanup();
  }
});
