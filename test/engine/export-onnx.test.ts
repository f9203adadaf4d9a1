// The ONNX export, proven by onnxruntime itself: for each cell × task, a tiny model trained through the
// Studio API, exported, and run with onnxruntime-node gives the studio's probabilities within 1e-5 —
// generators against the engine's own forward pass on the checkpoint (both sets of operations), classifiers
// against `runs:classify` on texts of different lengths in one padded batch — and a greedy decode with the
// ONNX model gives the text of `samples:generate` with top-k 1 and a prime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs/light.js';
import { Studio } from '../../main/core/studio.ts';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharRnn } from '../../main/engine/model/generator.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { ONNX_SCHEMA } from '../../main/engine/export/onnx-schema.ts';
import { ENGINE_PATHS } from '../helpers.ts';
import { CELLS, POOLINGS, closeExportBench, differences, encodeByVocab, maxDiff, type ExportedVocab, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';

const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');

let bench: ExportBench;
let dir: ExportBench['dir'];
let studio: Studio;
let corpusId: number;
let labelledId: number;
const { record, report } = differences('onnxruntime');

before(async () => {
  await initBackend();
  bench = await openExportBench();
  ({ dir, studio, corpusId, labelledId } = bench);
});

after(async () => {
  await closeExportBench(bench);
});

const trainTiny = (datasetId: number, config: Record<string, unknown>) => trainRun(studio, datasetId, config);

/** Exports the run's latest checkpoint through `runs:export`; returns model.onnx's path and vocab.json. */
async function exportOnnx(runId: number): Promise<{ path: string; vocab: ExportedVocab }> {
  const reply = await studio.invoke('runs:export', { runId, format: 'onnx', out: join(dir.path, `export-${runId}`) });
  assert.deepEqual(reply.files.map((f) => basename(f)), ['model.onnx', 'vocab.json']);
  return { path: reply.files[0], vocab: JSON.parse(readFileSync(reply.files[1], 'utf8')) as ExportedVocab };
}

/** A text as input ids by vocab.json alone: unknown characters as unknownId (or left out), then truncated. */

/** ids [B, T] → probabilities from onnxruntime. */
async function runOnnx(session: ort.InferenceSession, ids: number[][]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const T = ids[0].length;
  const flat = BigInt64Array.from(ids.flat().map(BigInt));
  const out = await session.run({ ids: new ort.Tensor('int64', flat, [ids.length, T]) });
  const p = out.probabilities;
  return { data: p.data as Float32Array, dims: p.dims };
}



for (const cell of CELLS) {
  for (const layers of [1, 2]) {
    const name = `${cell} generator, ${layers} layer${layers > 1 ? 's' : ''}`;
    test(`${name}: onnxruntime gives the engine's probabilities; its greedy decode is samples:generate's top-k 1`, async () => {
      const { runId, checkpoint } = await trainTiny(corpusId, {
        model: { cell, layers, units: 8, embedding: 4 },
        train: { seqLen: 12, batch: 8, maxSteps: 40, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 1000, checkpointEvery: 1000 },
      });
      const { path, vocab } = await exportOnnx(runId);
      const session = await ort.InferenceSession.create(path);
      const V = vocab.chars.length;
      const texts = ['the cat sat', 'a rat ate th']; // one batch: [2, 12]
      const ids = texts.map((t) => encodeByVocab(vocab, t.padEnd(12, ' ')));
      const onnx = await runOnnx(session, ids);
      assert.deepEqual(onnx.dims, [2, 12, V]);

      // The engine's forward pass on the same checkpoint, with each set of operations it has.
      const state = loadCheckpoint(checkpoint);
      const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
      for (const path_ of ENGINE_PATHS.filter((p) => !p.skip)) {
        const model = new CharRnn(V, state.config.model, weights, engineOps(path_.ops));
        const probs = tf.tidy(() => {
          const logits = model.forward(tf.tensor2d(ids, undefined, 'int32'), null); // [T·B, V], time-major
          return tf.transpose(tf.reshape(tf.softmax(logits), [12, 2, V]), [1, 0, 2]); // [B, T, V]
        });
        const studioProbs = probs.dataSync() as Float32Array;
        probs.dispose();
        model.dispose();
        record(`${name} (${path_.name})`, maxDiff(onnx.data, studioProbs));
      }

      // Greedy: the most probable character after the prime, never the unknown symbol, appended and re-run.
      const prime = 'the ';
      const length = 30;
      const sample = await studio.invoke('samples:generate', { runId, params: { prime, length, topK: 1, seed: 1 } });
      const banned = vocab.unknownId ?? -1;
      const seq = encodeByVocab(vocab, prime);
      for (let i = 0; i < length; i++) {
        const { data } = await runOnnx(session, [seq]);
        const row = data.subarray((seq.length - 1) * V, seq.length * V);
        let best = banned === 0 ? 1 : 0;
        for (let v = 0; v < V; v++) if (v !== banned && row[v] > row[best]) best = v;
        seq.push(best);
      }
      const greedy = seq.map((id) => vocab.chars[id - vocab.idOffset]).join('');
      assert.equal(greedy, sample.text);
      await session.release();
    });
  }

  for (const bidirectional of [false, true]) {
    for (const pooling of POOLINGS) {
      const name = `${cell} classifier, ${bidirectional ? 'bidirectional' : 'unidirectional'}, ${pooling} pooling`;
      test(`${name}: onnxruntime gives runs:classify's probabilities for a padded batch`, async () => {
        const { runId } = await trainTiny(labelledId, {
          task: 'classify',
          model: { cell, layers: 2, units: 8, embedding: 4, bidirectional, pooling },
          train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
        });
        const { path, vocab } = await exportOnnx(runId);
        const session = await ort.InferenceSession.create(path);
        // Lengths 1 to past maxLen (truncated), a character the model never saw, and none it knows
        // (sequence_lens 0: the studio answers from zero states, and so does onnxruntime).
        const texts = ['a', 'cab', 'abbacab', 'bacca#b', 'ccbaccbaccbaccba', '##'];
        const studioAnswer = await studio.invoke('runs:classify', { runId, texts });
        const encoded = texts.map((t) => encodeByVocab(vocab, t));
        const T = Math.max(...encoded.map((e) => e.length));
        const padded = encoded.map((e) => [...e, ...Array<number>(T - e.length).fill(vocab.padId!)]);
        const onnx = await runOnnx(session, padded);
        assert.deepEqual(onnx.dims, [texts.length, vocab.labels!.length]);
        assert.deepEqual(studioAnswer.labels, vocab.labels);
        record(name, maxDiff(onnx.data, studioAnswer.results.flatMap((r) => r.probabilities)));
        // The same text alone (no padding) gives the same answer as in the batch.
        const alone = await runOnnx(session, [encoded[1]]);
        record(name, maxDiff(alone.data, onnx.data.subarray(vocab.labels!.length, 2 * vocab.labels!.length)));
        await session.release();
      });
    }
  }
}

test('model.onnx is a standard ONNX model (IR 8, opset 17, standard operators only) with input ids and output probabilities', async (t) => {
  const { runId } = await trainTiny(corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } });
  const { path } = await exportOnnx(runId);
  const model = ModelProto.toObject(ModelProto.decode(readFileSync(path)), { longs: Number }) as {
    ir_version: number;
    opset_import: Array<{ domain?: string; version: number }>;
    graph: { node: Array<{ op_type: string; domain?: string }> };
  };
  assert.equal(model.ir_version, 8);
  assert.deepEqual(model.opset_import.map((o) => [o.domain ?? '', o.version]), [['', 17]]);
  assert.ok(model.graph.node.every((n) => !n.domain), 'every operator is from the standard domain');
  assert.deepEqual(model.graph.node.map((n) => n.op_type), ['Gather', 'Transpose', 'LSTM', 'Squeeze', 'Transpose', 'MatMul', 'Add', 'Softmax']);
  const session = await ort.InferenceSession.create(readFileSync(path));
  assert.deepEqual(session.inputNames, ['ids']);
  assert.deepEqual(session.outputNames, ['probabilities']);
  t.diagnostic(`model.onnx of a 1×8 LSTM generator: ${statSync(path).size} bytes`);
  report(t);
  await session.release();
});
