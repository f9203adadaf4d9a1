import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../main/engine/model/backend.ts';
import { CharRnn, initialWeights } from '../../main/engine/model/generator.ts';
import { generate, pickNext } from '../../main/engine/sampling/sample.ts';
import { Vocabulary } from '../../main/engine/corpus/charset.ts';
import { ModelConfigSchema } from '../../shared/config.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { ReferenceStepper } from './reference.ts';
import { ENGINE_PATHS } from '../helpers.ts';

const vocab = new Vocabulary([...'abcdefgh 你🎉']);
let model: CharRnn;

before(async () => {
  await initBackend();
  const cfg = ModelConfigSchema.parse({ cell: 'gru', layers: 2, units: 32, embedding: 8 });
  model = new CharRnn(vocab.size, cfg, initialWeights(vocab.size, cfg, new Rng(3)), engineOps());
});

const params = (over: Partial<{ seed: number; topK: number; topP: number; temperature: number; prime: string; length: number }>) => ({ length: 60, temperature: 1, topK: 0, topP: 1, prime: '', seed: 1, ...over });

test('the same seed gives the same text; another seed another text', async () => {
  const a = await generate(model, vocab, 'a', params({ seed: 7 }));
  const b = await generate(model, vocab, 'a', params({ seed: 7 }));
  const c = await generate(model, vocab, 'a', params({ seed: 8 }));
  assert.equal([...a].length, 60);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('top-k 1 is greedy: the seed no longer matters and each step takes the argmax', async () => {
  const a = await generate(model, vocab, 'a', params({ topK: 1, seed: 1 }));
  const b = await generate(model, vocab, 'a', params({ topK: 1, seed: 999 }));
  assert.equal(a, b);
  const logits = new Float32Array([0.1, 2, 0.5, 1.9]);
  assert.equal(pickNext(logits, { temperature: 5, topK: 1, topP: 1 }, new Rng(1)), 1);
});

test('top-p keeps only the head of the distribution; the unknown symbol is never generated', () => {
  const logits = new Float32Array([10, 5, 4.9, -3, -3]);
  const rng = new Rng(4);
  for (let i = 0; i < 200; i++) {
    const id = pickNext(logits, { temperature: 1, topK: 0, topP: 0.6, }, rng, 0);
    assert.ok(id === 1 || id === 2, `got ${id}`);
  }
});

test('streaming delivers the generated text in order; the prime starts the output', async () => {
  const chunks: string[] = [];
  const text = await generate(model, vocab, 'a', params({ prime: 'ab你', length: 200 }), (c) => chunks.push(c));
  assert.ok(text.startsWith('ab你'));
  assert.equal('ab你' + chunks.join(''), text);
  assert.ok(chunks.length > 1);
});

test('a prime with characters the model never saw is refused by name', async () => {
  await assert.rejects(generate(model, vocab, 'a', params({ prime: 'xyz' })), /never saw: "x" "y" "z"/);
});

for (const path of ENGINE_PATHS) {
  test(`the fast batch-1 stepper gives the same logits as the model run step by step, for every cell and 2 layers, ${path.name}`, { skip: path.skip }, async () => {
    const { StreamState } = await import('../../main/engine/sampling/sample.ts');
    for (const cell of ['lstm', 'gru', 'rnn'] as const) {
      const cfg = ModelConfigSchema.parse({ cell, layers: 2, units: 24, embedding: 8 });
      const m = new CharRnn(vocab.size, cfg, initialWeights(vocab.size, cfg, new Rng(5)), engineOps(path.ops));
      const fast = new StreamState(m);
      const reference = new ReferenceStepper(m);
      for (const id of [1, 4, 4, 0, 9, 3]) {
        const got = fast.feed(id);
        const want = reference.feed([id]);
        want.forEach((w, i) => assert.ok(Math.abs(w - got[i]) < 1e-4, `${cell}: logit ${i}: ${got[i]} vs ${w}`));
      }
      fast.dispose();
      m.dispose();
    }
  });
}
