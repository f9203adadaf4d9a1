// The round trip of issue 15, for real, as a user runs it: a run trained in the studio is exported for
// PyTorch, trained on by `torchrun --nproc_per_node 2 train.py` (DDP over gloo on the CPU) for 50 steps,
// and imported back. The remote loss continues from the studio's (not from scratch), the imported run is
// the parent's child at the parent's step numbers, its greedy text in the studio is PyTorch's, and it
// resumes training here. A classifier goes round too (one process), and classifies as PyTorch does.
// Times and losses are printed as diagnostics (the closing note quotes them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers.ts';
import { TORCHRUN, hasTorch, inExport } from '../torch.mjs';
import { encodeByVocab, type ExportedVocab } from '../engine/export-fixtures.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
const corpus = join(dir.path, 'corpus.txt');
const exported = join(dir.path, 'to-pytorch');
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

type Point = { step: number; trainLoss: number | null; valLoss: number | null };

before(() => {
  assert.ok(hasTorch(), 'PyTorch is missing: apt-get install -y python3-torch libopenblas0-pthread (npm test installs it as root)');
  // A real English text (the bundled corpus' first 120,000 characters): the loss has somewhere to go.
  const text = readFileSync(new URL('../../resources/corpora/state-of-the-union.txt', import.meta.url), 'utf8').slice(0, 120_000);
  writeFileSync(corpus, text);
});
after(() => dir.cleanup());

test('export → torchrun on 2 processes for 50 steps → import-model: the loss goes on from the studio\'s, the greedy text is PyTorch\'s, and the run trains on here', async (t) => {
  let t0 = performance.now();
  const trained = await cli(['--json', 'train', corpus, '--cell', 'lstm', '--layers', '1', '--units', '64', '--embedding', '16', '--seq-len', '32', '--batch', '16',
    '--max-steps', '150', '--lr', '0.005', '--seed', '3', '--val-split', '0.05', '--eval-every', '50', '--sample-every', '0'], home);
  assert.equal(trained.code, 0, trained.stderr);
  const parentId = trained.lines.at(-1)!.runId as number;
  const studioSeconds = seconds(t0);
  const shown = (await cli(['--json', 'show', String(parentId)], home)).lines[0].run as { metrics: Point[] };
  const parentCurve = shown.metrics.filter((m) => m.trainLoss !== null);
  const firstLoss = parentCurve[0].trainLoss!;
  const lastLoss = parentCurve.at(-1)!.trainLoss!;
  assert.ok(lastLoss < firstLoss - 0.5, `the studio's run learned (${firstLoss} → ${lastLoss})`);

  t0 = performance.now();
  const exportedReply = await cli(['--json', 'export', String(parentId), '--format', 'pytorch', '--out', exported], home);
  assert.equal(exportedReply.code, 0, exportedReply.stderr);
  const exportSeconds = seconds(t0);

  // torch 1.13's torchrun needs --redirects/--tee on this machine (newer ones do not); train.py needs neither.
  t0 = performance.now();
  inExport(exported, ['--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', 'train.py', '--steps', '50', '--device', 'cpu', '--eval-every', '10'], { command: TORCHRUN });
  const torchSeconds = seconds(t0);
  const remote = readFileSync(join(exported, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number; valLoss: number | null });
  assert.equal(remote[0].step > 150, true, 'train.py numbers its steps on from the export');
  assert.equal(remote.at(-1)!.step, 200);
  // From scratch the loss would start near ln(vocabulary) (≈ 4); it goes on from where the studio left it.
  assert.ok(Math.abs(remote[0].loss - lastLoss) < 0.35, `PyTorch's first loss ${remote[0].loss} goes on from the studio's last ${lastLoss}`);
  assert.ok(remote.at(-1)!.loss < firstLoss - 0.5);

  t0 = performance.now();
  const imported = await cli(['--json', 'import-model', exported], home);
  assert.equal(imported.code, 0, imported.stderr);
  const reply = imported.lines.at(-1)! as { runId: number; parentRunId: number; steps: number; status: string; step: number; notes: string[] };
  const importSeconds = seconds(t0);
  assert.deepEqual([reply.parentRunId, reply.steps, reply.step, reply.status], [parentId, 50, 200, 'stopped']);
  assert.ok(reply.notes.some((n) => /Adam's moments start afresh/.test(n)), 'it says the optimizer restarts');
  const child = (await cli(['--json', 'show', String(reply.runId)], home)).lines[0].run as { metrics: Point[]; parentStep: number; parentRunId: number };
  assert.deepEqual([child.parentRunId, child.parentStep], [parentId, 150]);
  assert.deepEqual(child.metrics.map((m) => m.step), remote.map((m) => m.step), "the imported run's curve is train.py's");

  // Greedy decoding: the studio on the imported checkpoint, and train.py on its own newest checkpoint.
  const prime = 'The ';
  const ours = (await cli(['--json', 'sample', String(reply.runId), '--prime', prime, '--length', '80', '--top-k', '1', '--seed', '1'], home)).lines.at(-1)!.text as string;
  const theirs = JSON.parse(inExport(exported, ['--sample', '--json', '--prime', prime, '--length', '80'])) as { text: string };
  assert.equal(ours, theirs.text);

  // It trains on here: Adam starts afresh, the data position and steps go on.
  const resumed = await cli(['--json', 'resume', String(reply.runId), '--max-steps', '220'], home);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual([resumed.lines.at(-1)!.status, resumed.lines.at(-1)!.step], ['finished', 220]);
  const after = (await cli(['--json', 'show', String(reply.runId)], home)).lines[0].run as { metrics: Point[] };
  const last = after.metrics.filter((m) => m.trainLoss !== null).at(-1)!;
  assert.equal(last.step, 220);
  assert.ok(last.trainLoss! < firstLoss - 0.5, `the resumed run keeps what PyTorch learned (${last.trainLoss})`);

  t.diagnostic(`studio: 150 steps in ${studioSeconds} s, train loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}`);
  t.diagnostic(`export: ${exportSeconds} s; torchrun, 2 processes, 50 steps: ${torchSeconds} s (loss ${remote[0].loss.toFixed(3)} at step ${remote[0].step} → ${remote.at(-1)!.loss.toFixed(3)} at 200, val ${remote.at(-1)!.valLoss?.toFixed(3)})`);
  t.diagnostic(`import: ${importSeconds} s; greedy text matches (${JSON.stringify(ours.slice(0, 40))}…); resumed to 220: train loss ${last.trainLoss!.toFixed(3)}`);
});

test('a classifier goes round too: trained on by train.py, imported, it classifies as PyTorch does', async () => {
  const names = join(dir.path, 'names.csv');
  const rows = ['text,label'];
  const a = ['anna', 'maria', 'sofia', 'emma', 'julia', 'lena', 'clara', 'nina'];
  const b = ['oskar', 'peter', 'jonas', 'felix', 'max', 'paul', 'lukas', 'tom'];
  for (let i = 0; i < 60; i++) rows.push(`${a[i % a.length]},f`, `${b[i % b.length]},m`);
  writeFileSync(names, rows.join('\n') + '\n');
  const trained = await cli(['--json', 'train', names, '--task', 'classify', '--cell', 'gru', '--layers', '1', '--units', '16', '--embedding', '8', '--bidirectional', '--epochs', '2', '--seed', '4'], home);
  assert.equal(trained.code, 0, trained.stderr);
  const parentId = trained.lines.at(-1)!.runId as number;
  const out = join(dir.path, 'classifier-to-pytorch');
  assert.equal((await cli(['export', String(parentId), '--format', 'pytorch', '--out', out], home)).code, 0);
  inExport(out, ['--steps', '20', '--eval-every', '10'], { threads: 2 });
  const importing = await cli(['--json', 'import-model', out], home);
  assert.equal(importing.code, 0, importing.stderr);
  const imported = importing.lines.at(-1)! as { runId: number; parentRunId: number; steps: number; step: number };
  assert.deepEqual([imported.parentRunId, imported.steps], [parentId, 20]);
  const texts = ['anna', 'oskar', 'zz'];
  writeFileSync(join(out, 'texts.txt'), texts.join('\n') + '\n');
  const ours = (await cli(['--json', 'classify', String(imported.runId), '--file', join(out, 'texts.txt')], home)).lines.filter((l) => l.probabilities) as Array<{ probabilities: Record<string, number> }>;
  const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8')) as ExportedVocab;
  writeFileSync(join(out, 'probe.json'), JSON.stringify({ ids: texts.map((text) => encodeByVocab(vocab, text)) }));
  const latest = inExport(out, ['--probe', 'probe.json', '--weights', `checkpoints/step-${imported.step}.safetensors`]);
  const theirs = (JSON.parse(latest) as { probabilities: number[][] }).probabilities;
  assert.equal(ours.length, texts.length);
  ours.forEach((res, i) => vocab.labels!.forEach((label, c) => assert.ok(Math.abs(res.probabilities[label] - theirs[i][c]) < 1e-5, `${texts[i]}: ${label}: ${res.probabilities[label]} vs ${theirs[i][c]}`)));
});
