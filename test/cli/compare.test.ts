// `rnn-studio compare`, `comparisons` and `timeline` as a user runs them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareReply, TimelineReply } from '../../shared/inspect.ts';
import { Studio } from '../../main/core/studio.ts';
import { cli, startCli, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
const corpus = join(dir.path, 'corpus.txt');
const names = join(dir.path, 'names.csv');
const TINY = ['--layers', '1', '--units', '16', '--embedding', '8', '--seq-len', '16', '--batch', '8', '--seed', '21'];

before(async () => {
  writeFileSync(corpus, 'It was the best of times, it was the worst of times.\n'.repeat(80));
  writeFileSync(names, `text,label\n${['Anna,f', 'Bob,m', 'Carla,f', 'Dan,m', 'Eve,f', 'Fred,m', 'Gina,f', 'Hugo,m'].join('\n')}\n`);
  assert.equal((await cli(['import', corpus], home)).code, 0);
  assert.equal((await cli(['import', names], home)).code, 0);
});
after(() => dir.cleanup());

/** What the database recorded of some runs, read in this process. */
function recorded<T>(fn: (studio: Studio) => T): T {
  const studio = Studio.open(home);
  try {
    return fn(studio);
  } finally {
    void studio.close();
  }
}

test('compare: three cells at one budget and seed, one after another, a table and samples; comparisons lists it', async () => {
  const r = await cli(['--json', 'compare', '1', '--cells', 'rnn,lstm,gru', '--steps', '20', ...TINY], home);
  assert.equal(r.code, 0, r.stderr);
  const reply = r.lines.at(-1) as unknown as CompareReply;
  assert.equal(reply.state, 'done');
  assert.equal(reply.done, true);
  assert.equal(reply.seed, 21);
  assert.deepEqual(reply.runs.map((x) => x.cell), ['rnn', 'lstm', 'gru']);
  const ids = reply.runs.map((x) => x.runId!);
  assert.equal(new Set(ids).size, 3, 'three distinct runs');
  for (const run of reply.runs) {
    assert.equal(run.status, 'finished');
    assert.equal(run.bidirectional, false);
    assert.ok(Math.abs(run.parameters / reply.budget - 1) <= 0.05, `${run.cell}: ${run.parameters} parameters against ${reply.budget}`);
    assert.equal(typeof run.valLoss, 'number');
    assert.ok(Math.abs(run.bitsPerChar! - run.valLoss! / Math.LN2) < 1e-9);
    assert.ok(run.charsPerSec! > 0);
    assert.equal(typeof run.sample, 'string');
  }
  assert.equal(reply.runs[1].units, 16, 'the reference cell (LSTM) keeps its units');
  assert.ok(r.lines.some((l) => l.event === 'progress'), 'progress is shown');

  const runs = recorded((s) => ids.map((id) => s.store.runs.get(id)!));
  for (const run of runs) {
    assert.equal(run.config.train.seed, 21);
    assert.equal(run.parameters, reply.runs.find((x) => x.runId === run.id)!.parameters);
  }
  for (let i = 1; i < runs.length; i++) assert.ok(runs[i - 1].finishedAt! <= runs[i].startedAt!, `run ${runs[i].id} started after run ${runs[i - 1].id} ended`);

  const listed = await cli(['--json', 'comparisons'], home);
  const comparisons = listed.lines.at(-1)!.comparisons as CompareReply[];
  assert.deepEqual(comparisons.map((c) => [c.comparisonId, c.state, c.runs.map((x) => x.runId)]), [[reply.comparisonId, 'done', ids]]);

  const shown = await cli(['comparisons', String(reply.comparisonId)], home);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /cell\s+units\s+parameters\s+status\s+val loss\s+bits\/char\s+chars\/s/);
  assert.match(shown.stdout, /--- gru \(run \d+\) ---/);

  const timeline = await cli(['--json', 'timeline', String(ids[0])], home);
  assert.equal(timeline.code, 0, timeline.stderr);
  const t = timeline.lines.at(-1) as unknown as TimelineReply;
  assert.equal(t.entries.at(-1)!.step, 20);
  const text = await cli(['timeline', String(ids[0])], home);
  assert.match(text.stdout, /^\s+20\s+\d\.\d{3}\s+T\s/m);
  assert.equal(text.stdout.trimEnd().split('\n').length, 2 + t.entries.length, 'one line per entry: newlines in samples are shown as ⏎');
});

test('compare refuses a budget no units can meet, naming the cell; --bidirectional only for labelled data', async () => {
  // A one-unit SimpleRNN's budget is below what a one-unit LSTM's gates alone cost.
  const tight = await cli(['compare', '1', '--cells', 'rnn,lstm', '--cell', 'rnn', '--units', '1', '--embedding', '64', '--layers', '1', '--steps', '2'], home);
  assert.notEqual(tight.code, 0);
  assert.match(tight.stderr, /no number of units gives a lstm within 5% of the budget/);
  const text = await cli(['compare', '1', '--cells', 'lstm', '--bidirectional', '--steps', '2'], home);
  assert.notEqual(text.code, 0);
  assert.match(text.stderr, /only classifiers .* compare bidirectional/);
});

test('compare on labelled data trains each cell both ways at the budget (--no-bidirectional: one way)', async () => {
  const oneWay = await cli(['--json', 'compare', '2', '--cells', 'gru', '--no-bidirectional', '--steps', '2', '--layers', '1', '--units', '16', '--embedding', '4', '--batch', '2', '--max-len', '8', '--seed', '3'], home);
  assert.equal(oneWay.code, 0, oneWay.stderr);
  assert.deepEqual((oneWay.lines.at(-1) as unknown as CompareReply).runs.map((x) => [x.cell, x.bidirectional]), [['gru', false]]);
  const r = await cli(['--json', 'compare', '2', '--cells', 'lstm,gru', '--steps', '3', '--layers', '1', '--units', '32', '--embedding', '4', '--batch', '2', '--max-len', '8', '--seed', '3'], home);
  assert.equal(r.code, 0, r.stderr);
  const reply = r.lines.at(-1) as unknown as CompareReply;
  assert.equal(reply.task, 'classify');
  assert.deepEqual(reply.runs.map((x) => [x.cell, x.bidirectional, x.status]), [['lstm', false, 'finished'], ['lstm', true, 'finished'], ['gru', false, 'finished'], ['gru', true, 'finished']]);
  for (const run of reply.runs) {
    assert.ok(Math.abs(run.parameters / reply.budget - 1) <= 0.05, `${run.cell}: ${run.parameters} against ${reply.budget}`);
    assert.equal(run.bitsPerChar, null);
    assert.equal(run.sample, null);
  }
  const refused = await cli(['timeline', String(reply.runs[0].runId)], home);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /is a classifier/);
});

test('a comparison whose process was killed says which runs never started, and --continue takes it over', async () => {
  let killed = false;
  const first = await startCli(['--json', 'compare', '1', '--cells', 'gru,rnn', '--steps', '100000', '--checkpoint-every', '5', ...TINY], home, (line, child) => {
    if (!killed && line.event === 'checkpoint') {
      killed = true;
      child.kill('SIGKILL');
    }
  }).done;
  assert.equal(first.signal, 'SIGKILL');
  const id = (first.lines.find((l) => l.event === 'compare')!.comparisonId) as number;

  const shown = await cli(['--json', 'comparisons', String(id)], home);
  const abandoned = shown.lines.at(-1) as unknown as CompareReply;
  assert.equal(abandoned.state, 'abandoned');
  assert.deepEqual(abandoned.runs.map((x) => x.status), ['interrupted', 'not started']);
  assert.match(abandoned.note!, /ended before the comparison did: run \d+ was interrupted; rnn never started/);

  // The interrupted run resumes towards its own total of 100,000 steps: stopping it halts the comparison again.
  let stopped = false;
  const continued = startCli(['--json', 'compare', '--continue', String(id)], home, (line, child) => {
    if (!stopped && line.event === 'progress' && line.runId === abandoned.runs[0].runId) {
      stopped = true;
      child.kill('SIGINT');
    }
  });
  const c = await continued.done;
  assert.equal(c.code, 0, c.stderr);
  const halted = c.lines.at(-1) as unknown as CompareReply;
  assert.equal(halted.state, 'halted');
  assert.equal(halted.runs[0].status, 'stopped');
  assert.equal(halted.runs[1].status, 'not started');
  assert.match(halted.note!, /was stopped at step \d+; rnn never started/);
  const human = await cli(['comparisons', String(id)], home);
  assert.match(human.stdout, /halted[\s\S]*rnn never started\.\nContinue it with: rnn-studio compare --continue \d+/);
});

test('compare --no-wait returns at once; a background process trains the runs one after another', async () => {
  const r = await cli(['--json', 'compare', '1', '--cells', 'rnn,gru', '--steps', '15', '--no-wait', ...TINY], home);
  assert.equal(r.code, 0, r.stderr);
  const queued = r.lines.at(-1) as unknown as CompareReply;
  assert.equal(queued.runs.length, 2);
  let shown = queued;
  const deadline = Date.now() + 120_000;
  while (!shown.done && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    shown = (await cli(['--json', 'comparisons', String(queued.comparisonId)], home)).lines.at(-1) as unknown as CompareReply;
  }
  assert.equal(shown.state, 'done');
  assert.deepEqual(shown.runs.map((x) => [x.status, x.step]), [['finished', 15], ['finished', 15]]);
});
