// The inside of trained networks through the Studio API and the CLI (`runs:units`, `runs:connectivity`,
// `runs:gradient-flow`; `rnn-studio inspect --units/--unit/--connectivity`, `rnn-studio gradient-flow`):
// every cell, a stacked generator and a bidirectional classifier. The arithmetic itself is checked against
// autodiff in inspect-trace.test.ts; here: what a user reads — the shapes, that a ranked unit's
// correlation is that of the values `--unit` prints, the JSON fields, the refusals, and the time a
// 2,000-character text takes on a 2×256 LSTM (reported).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UNIT_KINDS } from '../../shared/inspect.ts';
import { CELL_TYPES, type CellType } from '../../shared/config.ts';
import { correlation, featuresOf } from '../../main/engine/inspect/units.ts';
import { cli } from '../helpers.ts';
import { closeExportBench, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';

let bench: ExportBench;
const runs = new Map<CellType, number>();
let classifier = 0;
const TEXT = 'the cat said "a hat (or a bat)" and sat.\nthe dog ate 2 hats.';

before(async () => {
  bench = await openExportBench();
  for (const cell of CELL_TYPES) {
    runs.set(cell, (await trainRun(bench.studio, bench.corpusId, { model: { cell, layers: 2, units: 12, embedding: 8 }, train: { maxSteps: 30, seqLen: 24, batch: 8, seed: 3 } })).runId);
  }
  classifier = (
    await trainRun(bench.studio, bench.labelledId, { task: 'classify', model: { cell: 'gru', layers: 2, units: 8, embedding: 6, bidirectional: true }, train: { maxSteps: 20, batch: 8, seed: 3 } })
  ).runId;
});

after(async () => {
  await closeExportBench(bench);
});

test('a fresh engine worker answers requests that arrive together (the Inspect screen sends several at once)', async () => {
  const runId = runs.get('lstm')!;
  const replies = await Promise.all([
    bench.studio.invoke('runs:inspect', { runId, text: TEXT }),
    bench.studio.invoke('runs:units', { runId, text: TEXT }),
    bench.studio.invoke('runs:connectivity', { runId, text: TEXT, position: 5 }),
    bench.studio.invoke('runs:gradient-flow', { runId, windows: 2 }),
  ]);
  assert.equal(replies.length, 4);
});

for (const cell of CELL_TYPES) {
  test(`${cell}: find units ranks every kind of state against each feature; --unit's values give the same correlation`, async () => {
    const reply = await bench.studio.invoke('runs:units', { runId: runs.get(cell)!, text: TEXT, pattern: 'hat', top: 2 });
    assert.equal(reply.chars.length, [...TEXT].length);
    assert.deepEqual(
      reply.layers.map((l) => [l.layer, l.units, l.directions, l.kinds]),
      [0, 1].map((l) => [l, 12, 1, [...UNIT_KINDS[cell]]]),
    );
    assert.ok(reply.features.some((f) => f.feature === 'pattern'), 'the pattern is a feature');
    const abs = reply.units.map((u) => Math.abs(u.correlation));
    assert.deepEqual(abs, [...abs].sort((a, b) => b - a), 'strongest first');
    for (const kind of UNIT_KINDS[cell]) assert.ok(reply.units.some((u) => u.kind === kind), `${kind} is ranked`);
    const best = reply.units.find((u) => u.feature === 'inside-quotes')!;
    const one = await bench.studio.invoke('runs:units', { runId: runs.get(cell)!, text: TEXT, unit: { layer: best.layer, unit: best.unit } });
    assert.deepEqual(Object.keys(one.unit!.values).sort(), [...UNIT_KINDS[cell]].sort());
    const values = one.unit!.values[best.kind]!;
    assert.equal(values.length, [...TEXT].length);
    assert.ok(Math.abs(correlation(values, featuresOf([...TEXT]).get('inside-quotes')!)! - best.correlation) < 1e-9);
  });

  test(`${cell}: connectivity has one value per earlier character; gradient flow one norm per step back`, async () => {
    const runId = runs.get(cell)!;
    const c = await bench.studio.invoke('runs:connectivity', { runId, text: TEXT, position: 21 });
    assert.equal(c.connectivity.length, 21);
    assert.equal(c.target, 'o');
    assert.ok(c.connectivity.every((v) => Number.isFinite(v) && v >= 0));
    assert.ok(c.connectivity[19] > 0, 'the space before is read');
    assert.equal(c.connectivity[20], 0, '"(" is not in the corpus: the model could not read it');
    const flow = await bench.studio.invoke('runs:gradient-flow', { runId, windows: 4 });
    assert.equal(flow.seqLen, 24);
    assert.equal(flow.norms.length, 24);
    assert.equal(flow.byLayer.length, 2);
    assert.equal(flow.relative[0], 1);
    assert.equal(flow.source, 'validation');
    assert.equal(flow.cell, cell);
  });
}

test('a bidirectional classifier: units read right to left are numbered after those read left to right; connectivity of the class covers every character', async () => {
  const text = 'abbacab';
  const reply = await bench.studio.invoke('runs:units', { runId: classifier, text, unit: { layer: 1, unit: 12 } });
  assert.deepEqual(reply.layers[1], { layer: 1, units: 8, directions: 2, kinds: ['hidden', 'update', 'reset'] });
  assert.equal(reply.unit!.direction, 'backward');
  assert.ok(reply.units.some((u) => u.unit >= 8), 'backward units are ranked too');
  const c = await bench.studio.invoke('runs:connectivity', { runId: classifier, text });
  assert.equal(c.position, null);
  assert.ok(['x', 'y', 'z'].includes(c.target));
  assert.equal(c.connectivity.length, text.length);
  const flow = await bench.studio.invoke('runs:gradient-flow', { runId: classifier });
  assert.ok(flow.norms.length > 0 && flow.windows > 0);
});

test('refusals name the problem: a unit or position outside the model or text, a bad pattern, a generator asked without a position', async () => {
  const runId = runs.get('lstm')!;
  const refused = async (channel: 'runs:units' | 'runs:connectivity', request: object, pattern: RegExp) =>
    assert.rejects(bench.studio.invoke(channel, { runId, text: TEXT, ...request } as never), (e: Error) => pattern.test(e.message));
  await refused('runs:units', { unit: { layer: 2, unit: 0 } }, /there is no layer 2: this model has layers 0–1/);
  await refused('runs:units', { unit: { layer: 0, unit: 12 } }, /there is no unit 12 in layer 0: it has units 0–11/);
  await refused('runs:units', { pattern: '(' }, /pattern: not a regular expression/);
  await refused('runs:connectivity', { position: 999 }, /position 999 is outside the text \(0–\d+\)/);
  await refused('runs:connectivity', {}, /give the position/);
});

test('the CLI: inspect --units/--unit/--connectivity and gradient-flow print their tables, and --json the contract fields', async () => {
  const home = bench.studio.home;
  const runId = String(runs.get('gru')!);
  const units = await cli(['inspect', runId, '--text', TEXT, '--units', '--pattern', 'hat', '--json'], home);
  assert.equal(units.code, 0, units.stderr);
  const u = JSON.parse(units.stdout.trim().split('\n').at(-1)!);
  assert.ok(u.units.length > 0);
  assert.deepEqual(Object.keys(u.units[0]).sort(), ['correlation', 'feature', 'kind', 'layer', 'unit']);
  const one = await cli(['inspect', runId, '--text', TEXT, '--unit', '1:3'], home);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /char\s+hidden\s+update\s+reset/);
  assert.match(one.stdout, /layer 1, unit 3 \(forward\)/);
  const conn = JSON.parse((await cli(['inspect', runId, '--text', TEXT, '--connectivity', '10', '--json'], home)).stdout.trim().split('\n').at(-1)!);
  assert.equal(conn.connectivity.length, 10);
  const flow = await cli(['gradient-flow', runId, '--windows', '3'], home);
  assert.equal(flow.code, 0, flow.stderr);
  assert.match(flow.stdout, /reaching back 10 steps: [\d.e+-]+%, 50 steps: beyond the window/);
  const flowJson = JSON.parse((await cli(['gradient-flow', runId, '--json'], home)).stdout.trim().split('\n').at(-1)!);
  assert.equal(flowJson.norms.length, 24);
  const bad = await cli(['inspect', runId, '--text', TEXT, '--unit', 'x'], home);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--unit takes LAYER:UNIT/);
});

test('speed: units of 2,000 characters through a 2×256 LSTM, then another unit and a connectivity on the same text (reported)', async (t) => {
  const { runId } = await trainRun(bench.studio, bench.corpusId, { model: { cell: 'lstm', layers: 2, units: 256 }, train: { maxSteps: 1, seqLen: 16, batch: 2 } });
  const text = 'the cat said "a hat (or a bat)" and sat.\n'.repeat(60).slice(0, 2000);
  const time = async (f: () => Promise<unknown>) => {
    const started = performance.now();
    await f();
    return (performance.now() - started).toFixed(0);
  };
  const first = await time(() => bench.studio.invoke('runs:units', { runId, text }));
  const other = text.slice(1) + '.'; // a new text: a new forward pass and ranking, the checkpoint already loaded
  const again = await time(() => bench.studio.invoke('runs:units', { runId, text: other }));
  const unit = await time(() => bench.studio.invoke('runs:units', { runId, text: other, unit: { layer: 1, unit: 100 } }));
  const conn = await time(() => bench.studio.invoke('runs:connectivity', { runId, text: other, position: 1999 }));
  t.diagnostic(
    `2,000 characters, 2×256 LSTM: find units ${first} ms on the first call (loads the checkpoint), ${again} ms on a new text (forward pass and 2,560 states × 6 features ranked), ` +
      `then one unit ${unit} ms, connectivity at the last character ${conn} ms`,
  );
});
