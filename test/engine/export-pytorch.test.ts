// The PyTorch export, proven by PyTorch itself (Debian's python3-torch): for every cell, 1–4 layers, and
// classifiers one-way and bidirectional with each pooling, a tiny model trained through the Studio API and
// exported is loaded by the export's own train.py (load_state_dict, strict) and gives the studio's
// probabilities within 1e-5 — generators against the engine's forward pass on the checkpoint, classifiers
// against `runs:classify` on texts of different lengths in one padded batch — and its greedy text is
// `samples:generate`'s with top-k 1. The folder also holds what train.py trains on: the corpus as the
// studio encodes it and splits it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharRnn } from '../../main/engine/model/generator.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { decodeSafetensors } from '../../main/engine/export/safetensors.ts';
import type { PytorchConfig } from '../../main/engine/export/pytorch.ts';
import { CELLS, POOLINGS, closeExportBench, differences, encodeByVocab, maxDiff, type ExportedVocab, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';
import { hasTorch, inExport } from '../torch.mjs';

let bench: ExportBench;
let studio: Studio;
const { record, report } = differences('PyTorch');

before(async () => {
  assert.ok(hasTorch(), `PyTorch is missing: these tests run the export in Debian's python3-torch (apt-get install -y python3-torch libopenblas0-pthread; npm test installs it as root)`);
  await initBackend();
  bench = await openExportBench();
  studio = bench.studio;
});

after(async () => {
  await closeExportBench(bench);
});

async function exportTorch(runId: number): Promise<{ dir: string; vocab: ExportedVocab; config: PytorchConfig }> {
  const dir = join(bench.dir.path, `pytorch-${runId}`);
  const reply = await studio.invoke('runs:export', { runId, format: 'pytorch', out: dir });
  const names = reply.files.map((f) => basename(f));
  for (const name of ['model.safetensors', 'config.json', 'corpus.bin', 'train.py', 'vocab.json']) assert.ok(names.includes(name), `the export holds ${name}`);
  return { dir, vocab: JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as ExportedVocab, config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as PytorchConfig };
}

/** train.py --probe: PyTorch's probabilities for input ids. */
function probe(dir: string, ids: number[][]): number[] {
  const file = join(dir, 'probe.json');
  writeFileSync(file, JSON.stringify({ ids }));
  const out = JSON.parse(inExport(dir, ['--probe', file])) as { probabilities: unknown[] };
  return (out.probabilities as unknown[]).flat(3) as number[];
}




for (const cell of CELLS) {
  for (const layers of [1, 2, 3, 4]) {
    const name = `${cell} generator, ${layers} layer${layers > 1 ? 's' : ''}`;
    test(`${name}: train.py's model gives the engine's probabilities, and its greedy text is samples:generate's`, async () => {
      const { runId, checkpoint } = await trainRun(studio, bench.corpusId, {
        model: { cell, layers, units: 8, embedding: 4 },
        train: { seqLen: 12, batch: 8, maxSteps: 30, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 1000, checkpointEvery: 1000 },
      });
      const { dir, vocab, config } = await exportTorch(runId);
      const V = vocab.chars.length;
      assert.deepEqual(config.model, { cell, layers, units: 8, embedding: 4, dropout: 0, bidirectional: false, pooling: 'last', vocabSize: V, outputs: V, gru: 'reset-before' });
      assert.equal(config.step, 30);
      const texts = ['the cat sat', 'a rat ate th'];
      const ids = texts.map((t) => encodeByVocab(vocab, t.padEnd(12, ' ')));
      const torch = probe(dir, ids);

      const state = loadCheckpoint(checkpoint);
      const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
      const model = new CharRnn(V, state.config.model, weights, engineOps());
      const probs = tf.tidy(() => tf.transpose(tf.reshape(tf.softmax(model.forward(tf.tensor2d(ids, undefined, 'int32'), null)), [12, 2, V]), [1, 0, 2]));
      record(name, maxDiff(torch, probs.dataSync() as Float32Array));
      probs.dispose();
      model.dispose();

      const prime = 'the ';
      const sample = await studio.invoke('samples:generate', { runId, params: { prime, length: 40, topK: 1, seed: 1 } });
      const greedy = JSON.parse(inExport(dir, ['--sample', '--json', '--prime', prime, '--length', '40'])) as { text: string };
      assert.equal(greedy.text, sample.text);
    });
  }

  for (const bidirectional of [false, true]) {
    for (const pooling of POOLINGS) {
      const name = `${cell} classifier, ${bidirectional ? 'bidirectional' : 'one-way'}, ${pooling} pooling`;
      test(`${name}: train.py's model gives runs:classify's probabilities for a padded batch`, async () => {
        const { runId } = await trainRun(studio, bench.labelledId, {
          task: 'classify',
          model: { cell, layers: 2, units: 8, embedding: 4, bidirectional, pooling },
          train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
        });
        const { dir, vocab, config } = await exportTorch(runId);
        const texts = ['a', 'cab', 'abbacab', 'bacca#b', 'ccbaccbaccbaccba', '##'];
        const answer = await studio.invoke('runs:classify', { runId, texts });
        // train.py pads a batch of any lengths itself, as the studio does; '##' has no known character.
        const torch = probe(dir, texts.map((t) => encodeByVocab(vocab, t)));
        record(name, maxDiff(torch, answer.results.flatMap((r) => r.probabilities)));
        // Each text alone gives what it gave in the batch: padding never changes the answer.
        record(name, maxDiff(probe(dir, [encodeByVocab(vocab, 'cab')]), answer.results[1].probabilities));

        // The examples train.py trains on are the studio's, split as the studio splits them for this seed.
        const index = JSON.parse(readFileSync(join(dir, 'examples.json'), 'utf8')) as { lengths: number[]; labels: number[]; val: number[] };
        assert.equal(index.lengths.length, 60);
        assert.equal(readFileSync(join(dir, 'corpus.bin')).length, 2 * index.lengths.reduce((a, b) => a + b, 0));
        const run = await studio.invoke('runs:get', { id: runId });
        assert.equal(index.val.length, 12, '20% of 60 examples, stratified');
        assert.equal(config.train.seed, run.config.train.seed);
      });
    }
  }
}

test('a generator\'s export holds its corpus as the studio encodes it, with the validation split where the studio puts it; weights in torch layout', async (t) => {
  const { runId, checkpoint } = await trainRun(studio, bench.corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1, valSplit: 0.1 } });
  const { dir, vocab, config } = await exportTorch(runId);
  const text = 'the cat sat on the mat. the dog ate the hat. a bat and a rat.\n'.repeat(40);
  const bin = readFileSync(join(dir, 'corpus.bin'));
  const ids = Array.from({ length: bin.length / 2 }, (_, i) => bin.readUInt16LE(i * 2));
  assert.equal(ids.map((i) => vocab.chars[i]).join(''), text);
  assert.deepEqual(config.data, { file: 'corpus.bin', tokens: text.length, valStart: text.length - Math.floor(text.length * 0.1) });
  const { tensors, metadata } = decodeSafetensors(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  assert.deepEqual(
    [...tensors].map(([n, v]) => `${n} [${v.shape.join(', ')}]`),
    ['embedding.weight [' + vocab.chars.length + ', 4]', 'rnn.weight_ih_l0 [32, 4]', 'rnn.weight_hh_l0 [32, 8]', 'rnn.bias_ih_l0 [32]', 'rnn.bias_hh_l0 [32]', `output.weight [${vocab.chars.length}, 8]`, `output.bias [${vocab.chars.length}]`],
  );
  assert.equal(metadata.step, '2');
  // LSTM gates are i f c o in both: the input kernel's column u of gate k is torch's row k·H + u.
  const kernel = loadCheckpoint(checkpoint).tensors.get('layer0.kernel')!;
  const torchIh = tensors.get('rnn.weight_ih_l0')!.data;
  for (const [r, c] of [[0, 0], [3, 31], [2, 17]]) assert.equal(torchIh[c * 4 + r], kernel.data[r * 32 + c]);
  report(t);
});
