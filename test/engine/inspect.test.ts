// Surprise (`runs:inspect`, `rnn-studio inspect`), checked against an independent computation: for tiny
// generators trained through the Studio API, bitsPerChar × ln 2 is the model's mean cross-entropy on the
// same text (the first character predicted from the start character) computed with the engine's own
// forward pass and loss on TensorFlow.js ops; each character's probability and entropy are those of that
// forward pass's softmax, and top[0] is its argmax. Also: unknown characters, the CLI's --json object, the
// refusals (a classifier, an empty text, a text over the limit), and how long 2,000 characters take on a
// 2×256 LSTM (reported, not asserted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MAX_INSPECT_CHARS, type SurpriseReply } from '../../shared/api.ts';
import { Studio } from '../../main/core/studio.ts';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharRnn } from '../../main/engine/model/generator.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { cli } from '../helpers.ts';
import { closeExportBench, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';

let bench: ExportBench;
let studio: Studio;
const TEXT = 'the cat sat on the mat.\nthe dog ate the hat. a bat';

before(async () => {
  await initBackend();
  bench = await openExportBench();
  studio = bench.studio;
});

after(async () => {
  await closeExportBench(bench);
});

/** The engine's forward pass on TensorFlow.js ops: mean cross-entropy (nats) and the softmax of each position. */
function reference(checkpoint: string, text: string): { loss: number; probs: number[][]; ids: number[] } {
  const state = loadCheckpoint(checkpoint);
  const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
  const V = state.vocab.length;
  const ids = [...text].map((c) => state.vocab.indexOf(c));
  assert.ok(ids.every((id) => id >= 0), 'the reference text holds only known characters');
  const inputs = [state.vocab.indexOf(state.startChar), ...ids.slice(0, -1)];
  const model = new CharRnn(V, state.config.model, weights, engineOps('tfjs'));
  try {
    const [loss, probs] = tf.tidy(() => {
      const x = tf.tensor2d([inputs], undefined, 'int32');
      const l = model.loss(x, tf.tensor2d([ids], undefined, 'int32'), null).dataSync()[0];
      const p = tf.softmax(model.forward(x, null)).arraySync() as number[][]; // [T, V] (B = 1)
      return [l, p] as const;
    });
    return { loss, probs, ids };
  } finally {
    model.dispose();
  }
}

function checkAgainstReference(reply: SurpriseReply, checkpoint: string, text: string): void {
  const ref = reference(checkpoint, text);
  assert.equal(reply.chars.length, [...text].length);
  assert.ok(Math.abs(reply.bitsPerChar * Math.LN2 - ref.loss) <= 1e-4, `bitsPerChar × ln 2 = ${reply.bitsPerChar * Math.LN2}, the loss is ${ref.loss}`);
  reply.chars.forEach((c, i) => {
    const p = ref.probs[i];
    assert.equal(c.char, [...text][i]);
    assert.equal(c.unknown, undefined);
    assert.ok(c.probability !== null && c.probability > 0 && c.probability <= 1);
    assert.ok(Math.abs(c.probability - p[ref.ids[i]]) <= 1e-5, `char ${i}: probability ${c.probability} vs ${p[ref.ids[i]]}`);
    assert.ok(Math.abs(p.reduce((s, x) => s + x, 0) - 1) <= 1e-5);
    const entropy = -p.reduce((s, x) => s + (x > 0 ? x * Math.log2(x) : 0), 0);
    assert.ok(Math.abs(c.entropy - entropy) <= 1e-4, `char ${i}: entropy ${c.entropy} vs ${entropy}`);
    assert.ok(c.entropy >= 0 && c.entropy <= Math.log2(p.length) + 1e-9);
    // Top 5, most probable first; top[0] is the argmax and no character is more probable than it.
    assert.equal(c.top.length, Math.min(5, p.length));
    for (let k = 1; k < c.top.length; k++) assert.ok(c.top[k - 1].probability >= c.top[k].probability);
    assert.ok(c.top.reduce((s, t) => s + t.probability, 0) <= 1 + 1e-9);
    const argmax = p.indexOf(Math.max(...p));
    assert.ok(Math.abs(c.top[0].probability - p[argmax]) <= 1e-5);
    const sorted = [...p].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] > 1e-5) assert.equal(c.top[0].char, loadCheckpoint(checkpoint).vocab[argmax]);
    assert.ok(c.top[0].probability >= c.probability - 1e-12);
  });
}

for (const [name, model] of [
  ['1×16 LSTM', { cell: 'lstm', layers: 1, units: 16, embedding: 8 }],
  ['2×12 GRU', { cell: 'gru', layers: 2, units: 12, embedding: 8 }],
  ['1×12 SimpleRNN', { cell: 'rnn', layers: 1, units: 12, embedding: 8 }],
] as const) {
  test(`${name}: bits per character × ln 2 is the engine's cross-entropy on the text; probabilities, entropy and top 5 are its softmax's`, async () => {
    const { runId, checkpoint } = await trainRun(studio, bench.corpusId, { model, train: { seqLen: 16, batch: 8, maxSteps: 30, lr: 0.02, seed: 3 } });
    const reply = await studio.invoke('runs:inspect', { runId, text: TEXT });
    const detail = await studio.invoke('runs:get', { id: runId });
    assert.equal(reply.runId, runId);
    assert.equal(reply.checkpointId, detail.checkpoints.at(-1)!.id);
    assert.equal(reply.step, detail.checkpoints.at(-1)!.step);
    assert.equal(reply.unknownChars, 0);
    checkAgainstReference(reply, checkpoint, TEXT);
    // A single character: predicted from the start character alone.
    checkAgainstReference(await studio.invoke('runs:inspect', { runId, text: 't' }), checkpoint, 't');
  });
}

test('characters the model never saw (no unknown symbol): marked unknown, no probability, left out of what it reads and of bitsPerChar', async () => {
  const { runId } = await trainRun(studio, bench.corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 3, seed: 1 } });
  const plain = await studio.invoke('runs:inspect', { runId, text: 'the cat' });
  const odd = await studio.invoke('runs:inspect', { runId, text: 'the Zcat€' });
  assert.equal(odd.unknownChars, 2);
  assert.deepEqual(odd.chars.map((c) => c.char), [...'the Zcat€']);
  for (const i of [4, 8]) {
    assert.equal(odd.chars[i].unknown, true);
    assert.equal(odd.chars[i].probability, null);
    assert.equal(odd.chars[i].top.length, 5);
  }
  // The others are read as if the unknown ones were absent.
  const known = odd.chars.filter((c) => !c.unknown);
  const near = (a: number | null, b: number | null) => a !== null && b !== null && Math.abs(a - b) <= 1e-6;
  known.forEach((c, i) => assert.ok(near(c.probability, plain.chars[i].probability), `${c.char}: ${c.probability} vs ${plain.chars[i].probability}`));
  assert.ok(near(odd.bitsPerChar, plain.bitsPerChar));
  // Z stands where 'c' is predicted: the same prediction.
  assert.ok(near(odd.chars[4].entropy, plain.chars[4].entropy));

  const none = await studio.invoke('runs:inspect', { runId, text: 'ZZZ' }).catch((e: Error) => e);
  assert.match(String((none as Error).message), /none of the characters of the text is known to this model/);
});

test('refusals: a classifier, an empty text, a text over the limit, a checkpoint of another run — each by name', async () => {
  const { runId: classifierId } = await trainRun(studio, bench.labelledId, {
    task: 'classify',
    model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 },
    train: { maxLen: 10, batch: 8, epochs: 1, seed: 5, valSplit: 0.2 },
  });
  await assert.rejects(studio.invoke('runs:inspect', { runId: classifierId, text: 'abba' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'bad-input');
    assert.match(e.message, new RegExp(`run ${classifierId} is a classifier: surprise is measured on generators`));
    return true;
  });
  const { runId } = await trainRun(studio, bench.corpusId, { model: { cell: 'gru', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } });
  await assert.rejects(studio.invoke('runs:inspect', { runId, text: '' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'invalid-request');
    assert.match(e.message, /text: the text is empty: give some text to inspect/);
    return true;
  });
  await assert.rejects(studio.invoke('runs:inspect', { runId, text: 'a'.repeat(MAX_INSPECT_CHARS + 1) }), /text: the text has 100,001 characters; at most 100,000 can be inspected at once/);
  // Code points, not UTF-16 units: 100,000 astral characters are within the limit (and unknown to the model).
  await assert.rejects(studio.invoke('runs:inspect', { runId, text: '😀'.repeat(MAX_INSPECT_CHARS) }), /none of the characters/);
  const other = (await studio.invoke('runs:get', { id: classifierId })).checkpoints[0].id;
  await assert.rejects(studio.invoke('runs:inspect', { runId, checkpointId: other, text: 'the' }), new RegExp(`run ${runId} has no checkpoint ${other}`));
});

test('rnn-studio inspect --json prints one final object with chars, bitsPerChar, runId, checkpointId and step; bad input is refused', async (t) => {
  const { runId } = await trainRun(studio, bench.corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } });
  const home = join(bench.dir.path, 'home');
  const r = await cli(['inspect', String(runId), '--text', 'the mat', '--json'], home);
  assert.equal(r.code, 0, r.stderr);
  const last = r.lines.at(-1)!;
  const api = await studio.invoke('runs:inspect', { runId, text: 'the mat' });
  assert.equal(last.runId, runId);
  assert.equal(last.checkpointId, api.checkpointId);
  assert.equal(last.step, api.step);
  assert.equal(last.bitsPerChar, api.bitsPerChar);
  const chars = last.chars as SurpriseReply['chars'];
  assert.equal(chars.length, 7);
  for (const c of chars) {
    assert.deepEqual(Object.keys(c).sort(), ['char', 'entropy', 'probability', 'top']);
    assert.equal(c.top.length, 5);
    for (const a of c.top) assert.deepEqual(Object.keys(a).sort(), ['char', 'probability']);
  }
  assert.deepEqual(chars, api.chars);

  const human = await cli(['inspect', String(runId), '--text', 'the mat'], home);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^char +probability +bits +entropy +top 5/);
  assert.match(human.stdout, /bits per character: \d+\.\d{4} over 7 characters/);
  t.diagnostic(human.stdout.split('\n').slice(0, 3).join(' | '));

  const empty = await cli(['inspect', String(runId), '--text', '', '--json'], home);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /text: the text is empty/);
  const neither = await cli(['inspect', String(runId)], home);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /give the text to inspect with --text or --file/);
  const missing = await cli(['inspect', String(runId), '--file', join(bench.dir.path, 'nope.txt')], home);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--file .*nope\.txt: cannot read it \(ENOENT\)/);
});

test('speed: 2,000 characters through a 2×256 LSTM (reported)', async (t) => {
  const { runId } = await trainRun(studio, bench.corpusId, { model: { cell: 'lstm', layers: 2, units: 256, embedding: 32 }, train: { seqLen: 16, batch: 4, maxSteps: 1, seed: 1 } });
  const text = 'the cat sat on the mat. the dog ate the hat. a bat and a rat.\n'.repeat(40).slice(0, 2000);
  let started = performance.now();
  const first = await studio.invoke('runs:inspect', { runId, text });
  const cold = performance.now() - started;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    started = performance.now();
    await studio.invoke('runs:inspect', { runId, text });
    times.push(performance.now() - started);
  }
  assert.equal(first.chars.length, 2000);
  t.diagnostic(`2,000 characters, 2×256 LSTM, through runs:inspect: first call (loads the checkpoint) ${cold.toFixed(0)} ms, then ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
});
