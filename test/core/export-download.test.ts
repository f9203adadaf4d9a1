// The browser's Export: `GET /export` on the bridge answers a run's model as a .zip, needs the token,
// names what was wrong with a bad request, and leaves nothing behind in its temporary folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { Studio } from '../../main/core/studio.ts';
import { startBridge, type Bridge } from '../../main/bridge/server.ts';
import { TOKEN_HEADER } from '../../shared/bridge-protocol.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
const scratch = join(dir.path, 'scratch');
let studio: Studio;
let bridge: Bridge;
let base: string;
let runId: number;

before(async () => {
  const page = join(dir.path, 'page');
  mkdirSync(page);
  mkdirSync(scratch);
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  const corpus = join(dir.path, 'corpus.txt');
  writeFileSync(corpus, 'the cat sat on the mat. the dog sat on the log. '.repeat(40));
  studio = Studio.open(join(dir.path, 'home'));
  bridge = await startBridge({ studio, staticDir: page, tempDir: scratch });
  base = `http://127.0.0.1:${bridge.port}`;
  const { dataset } = await studio.invoke('datasets:import', { path: corpus });
  const run = await studio.invoke('runs:start', {
    datasetId: dataset.id,
    config: { model: { cell: 'lstm', units: 8, layers: 1, embedding: 4 }, train: { seqLen: 16, batch: 4, maxSteps: 3, sampleEvery: 0, seed: 1 } },
  });
  runId = run.id;
  assert.equal((await studio.runs.whenDone(runId)).status, 'finished');
});
after(async () => {
  await bridge.close();
  await studio.close();
  dir.cleanup();
});

const withToken = () => ({ headers: { [TOKEN_HEADER]: bridge.token } });

test('GET /export answers the tfjs model as run-<id>-tfjs.zip with model.json, weights.bin and vocab.json', async () => {
  const res = await fetch(`${base}/export?runId=${runId}&format=tfjs`, withToken());
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="run-${runId}-tfjs.zip"`);
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  assert.deepEqual(Object.keys(files).sort(), ['model.json', 'vocab.json', 'weights.bin']);
  const model = JSON.parse(strFromU8(files['model.json']));
  assert.ok(model.modelTopology, 'model.json is a Layers model');
  const vocab = JSON.parse(strFromU8(files['vocab.json']));
  assert.equal(vocab.task, 'generate');
  assert.ok(vocab.chars.includes('t'));
  assert.ok(files['weights.bin'].byteLength > 0);
  assert.deepEqual(readdirSync(scratch), [], 'the temporary folder is removed');
});

test('a chosen checkpoint is the one exported', async () => {
  const { checkpoints } = await studio.invoke('runs:get', { id: runId });
  const first = checkpoints[0];
  const res = await fetch(`${base}/export?runId=${runId}&format=onnx&checkpointId=${first.id}`, withToken());
  assert.equal(res.status, 200, await res.clone().text());
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  assert.deepEqual(Object.keys(files).sort(), ['model.onnx', 'vocab.json']);
  assert.equal(JSON.parse(strFromU8(files['vocab.json'])).source.checkpointId, first.id);
});

test('without the token: 401, and nothing is exported', async () => {
  assert.equal((await fetch(`${base}/export?runId=${runId}&format=tfjs`)).status, 401);
  assert.equal((await fetch(`${base}/export?runId=${runId}&format=tfjs&token=wrong`)).status, 401);
  assert.deepEqual(readdirSync(scratch), []);
});

test("another site's page is refused even with the token", async () => {
  const res = await fetch(`${base}/export?runId=${runId}&format=tfjs`, { headers: { [TOKEN_HEADER]: bridge.token, origin: 'http://evil.example' } });
  assert.equal(res.status, 403);
});

test("a bad request answers 400 with the core's message, and leaves no temporary folder", async () => {
  const missing = await fetch(`${base}/export?runId=9999&format=tfjs`, withToken());
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /9999/);
  const notANumber = await fetch(`${base}/export?runId=abc&format=tfjs`, withToken());
  assert.equal(notANumber.status, 400);
  assert.match(await notANumber.text(), /runs:export: .*runId/);
  const badFormat = await fetch(`${base}/export?runId=${runId}&format=pdf`, withToken());
  assert.equal(badFormat.status, 400);
  assert.match(await badFormat.text(), /format/);
  assert.deepEqual(readdirSync(scratch), []);
});
