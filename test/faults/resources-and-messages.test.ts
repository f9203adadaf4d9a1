// Issue 9, "nothing lost, nothing crashes": runs too large for memory are refused before they start,
// large confusion matrices stay small, usage errors always say what is wrong, and sampling and classifying
// say what they cannot read instead of answering blindly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cli, CLI, ROOT, tempDir, withStudio, type CliResult, parseLines } from '../helpers.ts';
import { Studio } from '../../main/core/studio.ts';
import { RunConfigSchema, type RunConfigInput } from '../../shared/config.ts';
import { estimateMemory, memoryRefusal } from '../../main/core/memory.ts';
import { classificationReport, FULL_CONFUSION_MAX_CLASSES, TOP_CONFUSIONS } from '../../main/engine/training/metrics.ts';
import type { TopConfusions } from '../../shared/types.ts';
import { nameFields, wordsAt } from '../../shared/config-fields.ts';

const CORPUS = join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt');
const NAMES = join(ROOT, 'resources', 'corpora', 'first-names.csv');
const GB = 1e9;

const config = (input: RunConfigInput) => RunConfigSchema.parse(input);
const generator = (model: object, train: object) => ({ config: config({ model, train }), vocabSize: 100, classes: null, corpusChars: 300_000 });

/** The CLI with extra environment variables. */
function cliWith(args: string[], home: string, env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, '--home', home, ...args], { cwd: ROOT, env: { ...process.env, RNN_STUDIO_HOME: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, lines: parseLines(stdout) })));
}

// ── 13: memory ──────────────────────────────────────────────────────────────────────────────────────

test('the memory estimate refuses what cannot fit and never the defaults or ordinary configs', () => {
  const huge = estimateMemory(generator({ units: 256 }, { seqLen: 4096, batch: 4096 }));
  assert.ok(huge.totalBytes > 100 * GB, `batch 4096 × seq-len 4096 × 256 units needs far more than 100 GB (estimated ${huge.totalBytes / GB})`);
  assert.ok(huge.activationBytes > huge.weightBytes, 'activations dominate');
  const refusal = memoryRefusal(huge, 16 * GB, huge && config({ model: { units: 256 }, train: { seqLen: 4096, batch: 4096 } }));
  assert.ok(refusal, 'refused on a 16 GB machine');
  assert.match(refusal!, /needs about \d+ GB/);
  assert.match(refusal!, /but only 16 GB is available/);
  // The core names the settings; the CLI words them with its flags, the studio with its labels.
  const forCli = nameFields(refusal!, (path) => wordsAt(path)?.flag);
  for (const flag of ['--batch', '--seq-len', '--units', '--layers', '--skip-memory-check']) assert.ok(forCli.includes(flag), `names ${flag}: ${forCli}`);
  const forStudio = nameFields(refusal!, (path) => wordsAt(path)?.label);
  for (const label of ['Batch', 'Sequence length', 'Units', 'Layers', 'Start anyway']) assert.ok(forStudio.includes(label), `names ${label}: ${forStudio}`);
  assert.doesNotMatch(forStudio, /--[a-z]/);
  assert.ok(estimateMemory(generator({ units: 4096 }, {})).totalBytes > 2 * GB, 'a model of 4,096 units is large even at the default batch');

  const ordinary = [
    generator({}, {}),
    generator({ units: 256, layers: 2 }, { seqLen: 128, batch: 64 }),
    generator({ cell: 'gru', units: 512, layers: 3 }, { seqLen: 100, batch: 50 }),
    { config: config({ task: 'classify', model: { bidirectional: true } }), vocabSize: 60, classes: 2, longestText: 20, corpusChars: 100_000 },
    { config: config({ task: 'classify' }), vocabSize: 200, classes: 5000, longestText: 1000, corpusChars: 5_000_000 },
  ];
  for (const needs of ordinary) {
    const e = estimateMemory(needs);
    assert.ok(e.totalBytes < 1.5 * GB, `${JSON.stringify(needs.config.model)} ${JSON.stringify(needs.config.train.seqLen)}: ${e.totalBytes / GB} GB`);
    assert.equal(memoryRefusal(e, 2 * GB, needs.config), null);
  }
});

test('train refuses a config too large for the memory available, with the numbers and what to lower', async () => {
  const home = tempDir();
  try {
    const started = performance.now();
    const r = await cli(['train', CORPUS, '--units', '256', '--seq-len', '4096', '--batch', '4096', '--json'], home.path);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(performance.now() - started < 20_000, 'refused at once, before any training');
    const error = r.lines.find((l) => 'error' in l)!;
    assert.equal(error.code, 'bad-input');
    assert.match(error.error as string, /needs about \d+ GB of memory.*GB is available.*--batch, --seq-len, --units or --layers.*--skip-memory-check/);
    assert.match(r.stderr, /needs about/);
    const runs = await cli(['runs', '--json'], home.path);
    assert.deepEqual(runs.lines[0].runs, [], 'no run was created');
  } finally {
    home.cleanup();
  }
});

test(
  'start and resume check memory unless skipMemoryCheck says otherwise',
  withStudio(async (studio) => {
    const { dataset } = await studio.invoke('datasets:import', { path: CORPUS });
    const tiny = { model: { units: 16, layers: 1, embedding: 8 }, train: { seqLen: 16, batch: 4, maxSteps: 2, sampleEvery: 0, seed: 1 } };
    process.env.RNN_STUDIO_MEMORY_LIMIT = '1M';
    try {
      await assert.rejects(studio.invoke('runs:start', { datasetId: dataset.id, config: tiny }), (e: Error) => /needs about \d+ MB .* but only 1 MB is available/.test(e.message));
      const run = await studio.invoke('runs:start', { datasetId: dataset.id, config: tiny, skipMemoryCheck: true });
      await studio.runs.whenDone(run.id);
      await assert.rejects(studio.invoke('runs:resume', { id: run.id, maxSteps: 4 }), /needs about/);
      await assert.rejects(studio.invoke('runs:start', { datasetId: dataset.id, config: tiny, skipMemoryCheck: 'yes' as unknown as boolean }), /skipMemoryCheck/);
    } finally {
      delete process.env.RNN_STUDIO_MEMORY_LIMIT;
    }
  }),
);

// ── 14: large confusion matrices ────────────────────────────────────────────────────────────────────

/** 5,000 classes, 4 examples each: class c is mistaken for c+1 once, and class 7 for class 1 always. */
function manyClasses() {
  const C = 5000;
  const labels = Array.from({ length: C }, (_, i) => `class-${String(i).padStart(4, '0')}`);
  const truth: number[] = [];
  const predicted: number[] = [];
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < 4; k++) {
      truth.push(c);
      predicted.push(c === 7 ? 1 : k === 0 ? (c + 1) % C : c);
    }
  }
  return { labels, truth, predicted };
}

test('a report over many classes keeps its top confusions and diagonal, not the whole matrix', () => {
  const { labels, truth, predicted } = manyClasses();
  const started = performance.now();
  const r = classificationReport(labels, truth, predicted);
  assert.ok(performance.now() - started < 2000);
  assert.ok(!Array.isArray(r.confusion));
  const top = r.confusion as TopConfusions;
  assert.equal(top.form, 'top');
  assert.deepEqual(top.top[0], { label: 'class-0007', predicted: 'class-0001', count: 4 });
  assert.equal(top.top.length, TOP_CONFUSIONS);
  assert.equal(top.mistakes, truth.filter((t, i) => t !== predicted[i]).length);
  assert.equal(top.correct.length, 5000);
  assert.equal(top.correct[3], 3);
  assert.equal(top.correct[7], 0);
  assert.ok(r.perClass.length <= 100 && r.perClass[0].label === 'class-0007', 'the weakest class first');
  assert.equal(r.accuracy, top.correct.reduce((a, b) => a + b, 0) / truth.length);
  assert.ok(JSON.stringify(r).length < 200_000, `${JSON.stringify(r).length} bytes`);
  // Up to the threshold, the whole matrix as before.
  const small = classificationReport(labels.slice(0, FULL_CONFUSION_MAX_CLASSES), [0, 1, 2], [0, 2, 2]);
  assert.ok(Array.isArray(small.confusion) && small.confusion.length === FULL_CONFUSION_MAX_CLASSES);
});

test('a run with a 5,000-class evaluation: the stored row, runs:get and show stay small and name the top confusions', async () => {
  const home = tempDir();
  try {
    const studio = Studio.open(home.path);
    let runId: number;
    try {
      const { dataset } = await studio.invoke('datasets:import', { path: NAMES });
      const run = await studio.invoke('runs:start', { datasetId: dataset.id, config: { task: 'classify', model: { units: 8, layers: 1, embedding: 4 }, train: { maxSteps: 1, batch: 8, maxLen: 8, seed: 1 } } });
      runId = run.id;
      await studio.runs.whenDone(run.id);
      const { labels, truth, predicted } = manyClasses();
      const id = studio.store.evaluations.insert({ runId, step: 1, epoch: 1, source: 'validation', path: null, examples: truth.length, loss: 3, ...classificationReport(labels, truth, predicted), misclassified: [] });
      const stored = studio.store.evaluations.get(id)!;
      assert.ok(JSON.stringify(stored).length < 200_000, `stored evaluation: ${JSON.stringify(stored).length} bytes`);
      const reply = await studio.invoke('runs:get', { id: runId });
      assert.ok(JSON.stringify(reply).length < 400_000, `runs:get: ${JSON.stringify(reply).length} bytes`);
    } finally {
      await studio.close();
    }
    const started = performance.now();
    const shown = await cli(['show', String(runId)], home.path);
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(performance.now() - started < 15_000);
    assert.ok(shown.stdout.length < 20_000, `show printed ${shown.stdout.length} bytes`);
    assert.match(shown.stdout, /5,000 classes, too many for a matrix/);
    assert.match(shown.stdout, /class-0007\s+class-0001\s+4/);
    const json = await cli(['show', String(runId), '--json'], home.path);
    assert.ok(json.stdout.length < 400_000, `show --json printed ${json.stdout.length} bytes`);
  } finally {
    home.cleanup();
  }
});

// ── 15: usage errors are never silent ───────────────────────────────────────────────────────────────

test('every usage error names the problem on stderr, and with --json as an {"error", "code"} line', async () => {
  const home = tempDir();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['sample', 'abc'], /run id must be a number \(got "abc"\)/],
      [['show', 'abc'], /run id must be a number/],
      [['resume', '1x'], /run id must be a number \(got "1x"\)/],
      [['delete', 'foo', '1'], /delete takes "run" or "dataset" \(got "foo"\)/],
      [['classify', '6', ''], /give a text to classify/],
      [['train', '1', '--units', 'many'], /--units takes a whole number/],
      [['train'], /missing required argument/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, problem] of cases) {
      const plain = await cli(args, home.path);
      assert.notEqual(plain.code, 0, args.join(' '));
      assert.match(plain.stderr, problem, `${args.join(' ')}: ${plain.stderr}`);
      const json = await cli([...args, '--json'], home.path);
      assert.notEqual(json.code, 0);
      assert.match(json.stderr, problem);
      const line = json.lines.find((l) => 'error' in l);
      assert.ok(line, `${args.join(' ')} --json: ${json.stdout}`);
      assert.match(line.error as string, problem);
      assert.equal(line.code, 'invalid-request');
    }
  } finally {
    home.cleanup();
  }
});

// ── 18: validate first, print after; say what was not read ──────────────────────────────────────────

test('sample prints nothing of a prime it refuses; classify says when it cannot read a text', async () => {
  const home = tempDir();
  try {
    const trained = await cli(['train', CORPUS, '--units', '16', '--layers', '1', '--seq-len', '16', '--batch', '4', '--max-steps', '2', '--sample-every', '0', '--seed', '1', '--json'], home.path);
    assert.equal(trained.code, 0, trained.stderr);
    const prime = 'Zebras ☃ ';
    const refused = await cli(['sample', '1', '--prime', prime, '--length', '5'], home.path);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stdout, '', 'nothing printed before the refusal');
    assert.match(refused.stderr, /prime contains characters this model never saw/);
    const badParam = await cli(['sample', '1', '--prime', 'The ', '--temperature', '50'], home.path);
    assert.notEqual(badParam.code, 0);
    assert.equal(badParam.stdout, '');
    assert.match(badParam.stderr, /--temperature/);
    const fine = await cli(['sample', '1', '--prime', 'The ', '--length', '5', '--seed', '3'], home.path);
    assert.equal(fine.code, 0, fine.stderr);
    assert.ok(fine.stdout.startsWith('The '), fine.stdout);

    const classifier = await cli(['train', NAMES, '--task', 'classify', '--units', '8', '--layers', '1', '--max-steps', '2', '--max-len', '8', '--seed', '1', '--json'], home.path);
    assert.equal(classifier.code, 0, classifier.stderr);
    const runId = String(classifier.lines.at(-1)!.runId);
    const unseen = await cli(['classify', runId, '☃☃☃', '--json'], home.path);
    assert.equal(unseen.code, 0, unseen.stderr);
    assert.equal(unseen.lines[0].unknownChars, 3);
    assert.match(unseen.lines[0].warning as string, /none of the characters .* is known to this classifier/);
    assert.match(unseen.stderr, /warning: none of the characters/);
    const partly = await cli(['classify', runId, 'Anna☃'], home.path);
    assert.match(partly.stderr, /1 of the 5 characters .* unknown to this classifier and were ignored/);
    const mostly = await cli(['classify', runId, 'A☃☃☃'], home.path); // more than half unseen: said plainly
    assert.match(mostly.stderr, /most of "A☃☃☃" is unseen: 3 of its 4 characters are unknown/);
    const known = await cli(['classify', runId, 'Anna', '--json'], home.path);
    assert.equal(known.lines[0].unknownChars, 0);
    assert.equal(known.lines[0].warning, undefined);
    assert.equal(known.stderr, '');
  } finally {
    home.cleanup();
  }
});
