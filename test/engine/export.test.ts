// The TensorFlow.js export, proven by tfjs-layers itself: for each cell × task, a tiny model trained
// through the Studio API, exported with `runs:export`, and loaded with `tf.loadLayersModel` (model.json and
// weights.bin fetched from disk through the http IO handler, as a page would) gives the studio's
// probabilities within 1e-5 — generators against the engine's own forward pass on the checkpoint,
// classifiers (unidirectional and bidirectional, each pooling) against `runs:classify` on texts of
// different lengths in one padded batch — and a greedy decode with it gives `samples:generate`'s text with
// top-k 1 and a prime. Also: the export's refusals and the CLI's --json object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharRnn } from '../../main/engine/model/generator.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { encodeText, type VocabContract } from '../../main/engine/export/model-spec.ts';
import { ENGINE_PATHS, cli } from '../helpers.ts';
import { CELLS, POOLINGS, closeExportBench, differences, maxDiff, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';


let bench: ExportBench;
let dir: ExportBench['dir'];
let studio: Studio;
let corpusId: number;
let labelledId: number;
const { record, report } = differences('TensorFlow.js');

before(async () => {
  await initBackend();
  bench = await openExportBench();
  ({ dir, studio, corpusId, labelledId } = bench);
});

after(async () => {
  await closeExportBench(bench);
});

const trainTiny = (datasetId: number, config: Record<string, unknown>) => trainRun(studio, datasetId, config);

interface Loaded {
  model: tf.LayersModel;
  vocab: VocabContract;
}

/** Exports the run as tfjs and loads it the way a page would: model.json by URL, weights by its manifest. */
async function exportAndLoad(runId: number): Promise<Loaded> {
  const out = join(dir.path, `tfjs-${runId}`);
  const reply = await studio.invoke('runs:export', { runId, format: 'tfjs', out });
  assert.deepEqual(reply.files, ['model.json', 'weights.bin', 'vocab.json'].map((f) => join(out, f)));
  const fetchFunc = async (url: string | URL | Request) => new Response(readFileSync(join(out, new URL(String(url)).pathname.slice(1))));
  const model = await tf.loadLayersModel(tf.io.http('http://export.test/model.json', { fetchFunc }));
  return { model, vocab: JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8')) as VocabContract };
}

function predict(model: tf.LayersModel, ids: number[][]): { data: Float32Array; shape: number[] } {
  const y = tf.tidy(() => model.predict(tf.tensor2d(ids, [ids.length, ids[0].length], 'int32')) as tf.Tensor);
  const data = y.dataSync() as Float32Array;
  const shape = y.shape;
  y.dispose();
  return { data, shape };
}



const spec = (vocab: VocabContract) => ({ vocabulary: { chars: vocab.chars, unknownId: vocab.unknownId, idOffset: vocab.idOffset, padId: vocab.padId }, maxLen: vocab.maxLen });

for (const cell of CELLS) {
  for (const layers of [1, 2]) {
    const name = `${cell} generator, ${layers} layer${layers > 1 ? 's' : ''}`;
    test(`${name}: tf.loadLayersModel gives the engine's probabilities; its greedy decode is samples:generate's top-k 1`, async () => {
      const { runId, checkpoint } = await trainTiny(corpusId, {
        model: { cell, layers, units: 8, embedding: 4 },
        train: { seqLen: 12, batch: 8, maxSteps: 20, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 1000, checkpointEvery: 1000 },
      });
      const { model, vocab } = await exportAndLoad(runId);
      assert.equal(vocab.task, 'generate');
      assert.equal(vocab.idOffset, 0);
      const V = vocab.chars.length;
      const texts = ['the cat sat', 'a rat ate th']; // one batch: [2, 12]
      const ids = texts.map((t) => encodeText(spec(vocab), t.padEnd(12, ' ')));
      const exported = predict(model, ids);
      assert.deepEqual(exported.shape, [2, 12, V]);

      // The engine's forward pass on the same checkpoint, with each set of operations it has.
      const state = loadCheckpoint(checkpoint);
      const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
      for (const path of ENGINE_PATHS.filter((p) => !p.skip)) {
        const engine = new CharRnn(V, state.config.model, weights, engineOps(path.ops));
        const probs = tf.tidy(() => {
          const logits = engine.forward(tf.tensor2d(ids, undefined, 'int32'), null); // [T·B, V], time-major
          return tf.transpose(tf.reshape(tf.softmax(logits), [12, 2, V]), [1, 0, 2]); // [B, T, V]
        });
        const studioProbs = probs.dataSync() as Float32Array;
        probs.dispose();
        engine.dispose();
        record(`${name} (${path.name})`, maxDiff(exported.data, studioProbs));
      }

      // Greedy: the most probable character after the prime, never the unknown symbol, appended and re-run.
      const prime = 'the ';
      const length = 30;
      const sample = await studio.invoke('samples:generate', { runId, params: { prime, length, topK: 1, seed: 1 } });
      const banned = vocab.unknownId ?? -1;
      const seq = encodeText(spec(vocab), prime);
      for (let i = 0; i < length; i++) {
        const { data } = predict(model, [seq]);
        const row = data.subarray((seq.length - 1) * V, seq.length * V);
        let best = banned === 0 ? 1 : 0;
        for (let v = 0; v < V; v++) if (v !== banned && row[v] > row[best]) best = v;
        seq.push(best);
      }
      assert.equal(seq.map((id) => vocab.chars[id - vocab.idOffset]).join(''), sample.text);
      model.dispose();
    });
  }

  for (const bidirectional of [false, true]) {
    for (const pooling of POOLINGS) {
      const name = `${cell} classifier, ${bidirectional ? 'bidirectional' : 'unidirectional'}, ${pooling} pooling`;
      test(`${name}: tf.loadLayersModel gives runs:classify's probabilities for a padded batch`, async () => {
        const { runId } = await trainTiny(labelledId, {
          task: 'classify',
          model: { cell, layers: 2, units: 8, embedding: 4, bidirectional, pooling },
          train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
        });
        const { model, vocab } = await exportAndLoad(runId);
        assert.equal(vocab.padId, 0);
        assert.equal(vocab.idOffset, 1);
        // Lengths 1 to past maxLen (truncated), a character the model never saw, and (but for max pooling,
        // whose empty text pools to −1e9 and is ill-conditioned in the studio itself) an empty text.
        const texts = ['a', 'cab', 'abbacab', 'bacca#b', 'ccbaccbaccbaccba', ...(pooling === 'max' ? [] : [''])];
        const studioAnswer = await studio.invoke('runs:classify', { runId, texts });
        const encoded = texts.map((t) => encodeText(spec(vocab), t));
        const T = Math.max(1, ...encoded.map((e) => e.length));
        const padded = encoded.map((e) => [...e, ...Array<number>(T - e.length).fill(vocab.padId!)]);
        const exported = predict(model, padded);
        assert.deepEqual(exported.shape, [texts.length, vocab.labels!.length]);
        assert.deepEqual(studioAnswer.labels, vocab.labels);
        record(name, maxDiff(exported.data, studioAnswer.results.flatMap((r) => r.probabilities)));
        // The same text alone (no padding) gives the same answer as in the batch.
        const C = vocab.labels!.length;
        const alone = predict(model, [encoded[1]]);
        record(name, maxDiff(alone.data, exported.data.subarray(C, 2 * C)));
        model.dispose();
      });
    }
  }
}

test('export refuses a format not built yet and a folder with other files (unless forced); the CLI prints format, files, runId, checkpointId', async (t) => {
  const { runId } = await trainTiny(corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } });
  const detail = await studio.invoke('runs:get', { id: runId });
  const refused = join(dir.path, 'refused-out');
  await assert.rejects(studio.invoke('runs:export', { runId, format: 'tfjs', checkpointId: 999_999, out: refused }), /has no checkpoint 999999/);
  assert.equal(existsSync(refused), false, 'a refused export writes nothing');

  const busy = join(dir.path, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'mine');
  await assert.rejects(studio.invoke('runs:export', { runId, format: 'tfjs', out: busy }), /already holds 1 file \(notes\.txt\).*--force/);
  const forced = await studio.invoke('runs:export', { runId, format: 'tfjs', out: busy, force: true });
  assert.equal(forced.files.length, 3);
  assert.equal(readFileSync(join(busy, 'notes.txt'), 'utf8'), 'mine', 'what the user had is left alone');

  const out = join(dir.path, 'cli-out', 'nested');
  const r = await cli(['export', String(runId), '--format', 'tfjs', '--out', out, '--json'], join(dir.path, 'home'));
  assert.equal(r.code, 0, r.stderr);
  const last = r.lines.at(-1)!;
  assert.deepEqual(last, { format: 'tfjs', files: ['model.json', 'weights.bin', 'vocab.json'].map((f) => join(out, f)), runId, checkpointId: detail.checkpoints.at(-1)!.id });
  const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8')) as VocabContract;
  assert.equal(vocab.task, 'generate');
  assert.deepEqual(vocab.source, { runId, checkpointId: last.checkpointId, step: 2 });
  assert.equal(vocab.config.model.units, 8);
  const again = await cli(['export', String(runId), '--format', 'tfjs', '--out', out], join(dir.path, 'home'));
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds 3 files/);

  report(t);
});
