// `npm run bench [-- --json] [-- --runs N] [-- --scaling [--scaling-pairs N]] [-- --quality …] [-- --lab] [-- --skip-startup]`: workload P1 (vocabulary 65, embedding 64, one LSTM or GRU
// layer of 256 units, sequence 64, batch 32, Adam 2e-3, clipping at 5) on each backend installed, the
// default first — training chars/s, sampling chars/s at batch 1, time to the first character, peak RSS —
// interleaved with the tuned PyTorch reference of ../shared/bench when Debian's python3-torch is there;
// then the time from Start to training through the studio, with and without a spare engine; then importing a generated 100 MB UTF-8 corpus with a large charset, and the serving process's event
// loop while it trains; with --scaling, how cost grows with size (scaling.ts); with --quality instead,
// learning per step and time to quality against PyTorch (quality.ts). Each measurement runs in its own
// process, so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { flopsPerStep, lastJson, ours, P1, sgemmPeak } from './measure.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = flag('--runs', 3);
const steps = flag('--steps', 20);
const emit = (o: Record<string, unknown>) => (json ? console.log(JSON.stringify(o)) : undefined);
const say = (s: string) => (json ? undefined : console.log(s));

/** Backends that load here: tfjs-node's package can be present without its native binding (it downloads libtensorflow). */
function installedBackends(): string[] {
  const loads = (pkg: string) => spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pkg)})`], { cwd: root, stdio: 'ignore' }).status === 0;
  return [loads('@tensorflow/tfjs-node') ? 'node' : null, loads('@tensorflow/tfjs-backend-wasm') ? 'wasm' : null, 'cpu'].filter((b): b is string => b !== null);
}

/** Ours at P1 on `backend` (measure.ts' ours(), which runs p1.ts in its own process). */
const oursP1 = (backend: string, cell: string, n: number, env: Record<string, string> = {}) => ours({ cell, ...P1 }, n, { RNN_STUDIO_BACKEND: backend, ...env });

const torchScript = resolve(process.env.RNN_STUDIO_TORCH_BENCH ?? join(root, '..', 'shared', 'bench', 'torch_charlstm.py'));
const torchAvailable = existsSync(torchScript) && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

function torch(cell: string): Record<string, number | string> {
  const r = spawnSync('/usr/bin/python3', [torchScript, cell, '30', '500', '2'], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread' },
  });
  return lastJson(r, 'the PyTorch reference');
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// `npm run bench -- --quality`: learning per step and time to quality against PyTorch (quality.ts; about
// 15 minutes on a quiet 2-core machine), instead of the speed figures. `--all`: the speed figures, the
// scaling table and then the quality tables, in one run.
const all = args.includes('--all');
// `npm run bench -- --lab`: the time each step of the Lab takes with its defaults (lab.ts), instead of the speed figures.
if (args.includes('--lab')) {
  const { labTimings } = await import('./lab.ts');
  say('Lab steps on the bundled corpus and first names, with the Lab’s defaults (shared/lab.ts):');
  const timings = await labTimings(say);
  for (const t of timings) emit({ measure: 'lab-step', ...t });
  say(`whole Lab: ${timings.reduce((s, t) => s + t.seconds, 0).toFixed(0)} s`);
  process.exit(0);
}
async function runQuality(): Promise<boolean> {
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
    console.error('--quality compares with PyTorch, which is not installed: apt-get install -y python3-torch libopenblas0-pthread');
    process.exit(1);
  }
  const { quality } = await import('./quality.ts');
  const list = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback).split(',');
  const ok = await quality({
    steps: flag('--quality-steps', 600),
    seeds: flag('--quality-seeds', 3),
    cells: list('--quality-cells', 'rnn,lstm,gru'),
    corpora: list('--quality-corpora', 'state-of-the-union,brown'),
    classifierSteps: flag('--classifier-steps', 500),
    parts: list('--quality-parts', 'generators,classifier') as Array<'generators' | 'classifier'>,
    say,
    emit,
  });
  return ok;
}
if (args.includes('--quality') && !all) process.exit((await runQuality()) ? 0 : 1);

say(`P1 on ${new Date().toISOString().slice(0, 10)}, ${runs} interleaved runs per cell (medians); PyTorch reference: ${torchAvailable ? torchScript : 'not installed (apt-get install python3-torch libopenblas0-pthread)'}`);
const backends = installedBackends();
const rows: string[][] = [];
const p1Checks: string[] = [];
let p1Ok = true;
// The machine's two-thread matrix-multiply peak, measured in this run, which the P1 figures are a fraction of.
const peak = torchAvailable ? sgemmPeak() : NaN;
const peakShare = (cell: string, charsPerSec: number) => (charsPerSec / (P1.batch * P1.seq)) * flopsPerStep({ cell, ...P1 }) / 1e9 / peak;
for (const cell of ['lstm', 'gru']) {
  const mine: Record<string, number | string>[] = [];
  const theirs: Record<string, number | string>[] = [];
  for (let i = 0; i < runs; i++) {
    const o = oursP1(backends[0], cell, steps);
    mine.push(o);
    emit({ measure: 'p1', run: i + 1, ...o });
    if (torchAvailable) {
      const t = torch(cell);
      theirs.push(t);
      emit({ measure: 'p1-reference', run: i + 1, engine: 'pytorch', torch: t.torch, cell, train_chars_per_s: t.train_chars_per_s, sample_chars_per_s: t.sample_chars_per_s });
    }
  }
  const m = (k: string) => median(mine.map((o) => Number(o[k])));
  const tm = (k: string) => (theirs.length ? median(theirs.map((o) => Number(o[k]))) : NaN);
  // How much a figure moved between the runs: (max − min) / median.
  const spread = (xs: number[]) => (xs.length > 1 ? `±${((100 * (Math.max(...xs) - Math.min(...xs))) / median(xs) / 2).toFixed(0)}%` : '');
  const moved = (list: Record<string, number | string>[]) => spread(list.map((o) => Number(o.train_chars_per_s)));
  const ratio = (a: number, b: number) => (Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : '–');
  emit({ measure: 'p1-summary', backend: backends[0], kernels: mine[0].kernels, threads: mine[0].threads, cell, train_chars_per_s: m('train_chars_per_s'), torch_train_chars_per_s: tm('train_chars_per_s'), train_ratio: m('train_chars_per_s') / tm('train_chars_per_s'), sample_chars_per_s: m('sample_chars_per_s'), torch_sample_chars_per_s: tm('sample_chars_per_s'), sample_ratio: m('sample_chars_per_s') / tm('sample_chars_per_s'), first_char_ms: m('first_char_ms'), peak_rss_mb: m('peak_rss_mb'), first_step_ratio: m('first_step_ratio'), warm_up_ms: m('warm_up_ms'), sgemm_peak_gflops: peak, peak_share: peakShare(cell, m('train_chars_per_s')) });
  rows.push([cell, backends[0], String(mine[0].kernels), `${m('train_chars_per_s')} ${moved(mine)}`, `${tm('train_chars_per_s') || '–'} ${moved(theirs)}`, ratio(m('train_chars_per_s'), tm('train_chars_per_s')), String(m('sample_chars_per_s')), String(tm('sample_chars_per_s') || '–'), ratio(m('sample_chars_per_s'), tm('sample_chars_per_s')), String(m('first_char_ms')), String(m('peak_rss_mb')), `${(100 * peakShare(cell, m('train_chars_per_s'))).toFixed(0)}%`, `${m('first_step_ratio')}×`, String(m('setup_ms')), String(m('warm_up_ms'))]);
  if (torchAvailable) {
    const r = m('train_chars_per_s') / tm('train_chars_per_s');
    const goals = [
      [`${cell}: training ≥ 2× PyTorch`, r >= 2, `${r.toFixed(2)}×`],
      [`${cell}: step 1 within 1.5× of the steady step, on the warmed-up engine a run is handed`, m('first_step_ratio') <= 1.5, `${m('first_step_ratio')}×`],
    ] as const;
    for (const [what, ok, figure] of goals) {
      p1Checks.push(`${ok ? 'PASS' : 'FAIL'} ${what} (${figure})`);
      p1Ok &&= ok;
    }
  }
  for (const other of backends.slice(1)) {
    const o = oursP1(other, cell, 2); // the pure-JS cpu backend is ~50× slower: two timed steps
    emit({ measure: 'p1', run: 1, ...o });
    rows.push([cell, other, String(o.kernels), String(o.train_chars_per_s), '', '', String(o.sample_chars_per_s), '', '', String(o.first_char_ms), String(o.peak_rss_mb)]);
  }
  // What the native kernels buy: the default backend once more, on TensorFlow.js ops alone.
  if (mine[0].kernels !== 'tfjs-ops') {
    const o = oursP1(backends[0], cell, Math.min(steps, 10), { RNN_STUDIO_NATIVE: '0' });
    emit({ measure: 'p1', run: 1, ...o });
    rows.push([cell, backends[0], String(o.kernels), String(o.train_chars_per_s), '', ratio(Number(o.train_chars_per_s), tm('train_chars_per_s')), String(o.sample_chars_per_s), '', '', String(o.first_char_ms), String(o.peak_rss_mb)]);
  }
}
say('');
say(['cell', 'backend', 'kernels', 'train c/s', 'torch', 'ratio', 'sample c/s', 'torch', 'ratio', 'first char ms', 'peak RSS MB', 'of peak', 'step 1 / steady', 'setup ms', 'warm-up ms'].join('\t'));
for (const r of rows) say(r.join('\t'));
for (const c of p1Checks) say(c);
if (torchAvailable) say(`Two-thread sgemm peak of this machine (PyTorch's OpenBLAS, 1024³, best of 15): ${peak} GFLOP/s; "of peak" is the share of it a P1 step's arithmetic runs at.`);

// Start → training through the studio, with the spare engine the desktop app and `serve` keep, and with
// an engine booted for the run as the other CLI commands do (startup.ts); interleaved, medians.
if (!args.includes('--skip-startup')) {
  const startup = (mode: string) => lastJson(spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/bench/startup.ts'), mode], { cwd: root, encoding: 'utf8' }), `the startup benchmark (${mode})`);
  const by: Record<string, Record<string, number | string>[]> = { standby: [], cold: [] };
  for (let i = 0; i < runs; i++) for (const mode of ['standby', 'cold']) by[mode].push(startup(mode));
  say('');
  say(`Start → training through the studio (bundled corpus, P1's LSTM, ${runs} interleaved runs, medians):`);
  for (const [mode, list] of Object.entries(by)) {
    const m = (k: string) => median(list.map((o) => Number(o[k])));
    emit({ measure: 'startup-summary', mode, start_to_ready_ms: m('start_to_ready_ms'), start_to_first_step_ms: m('start_to_first_step_ms'), first_step_ratio: m('first_step_ratio') });
    const who = mode === 'standby' ? 'spare engine, warmed up (desktop app, serve)' : 'engine booted for the run (other CLI commands)';
    say(`  ${who}: ${m('start_to_first_step_ms')} ms to the end of step 1 (${m('start_to_ready_ms')} ms to ready); step 1 ${m('first_step_ratio')}× the steady step`);
  }
}

// `--scaling`: how cost grows with units, layers, batch and sequence, against PyTorch (scaling.ts).
let scalingOk = true;
if ((args.includes('--scaling') || all) && torchAvailable) {
  say('');
  const { scaling } = await import('./scaling.ts');
  scalingOk = scaling({ pairs: flag('--scaling-pairs', 1), say, emit });
}

// Import: a generated 100 MB UTF-8 corpus whose charset (~3,600 distinct) exceeds the 2,000 cap.
if (!args.includes('--skip-import')) {
  const dir = join(tmpdir(), 'rnn-studio-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'corpus-100mb.txt');
  if (!existsSync(file) || statSync(file).size < 100e6) {
    const rng = new Rng(7);
    const out = createWriteStream(file);
    const words = 'the of and to in is that it was for on are as with his they at be this from'.split(' ');
    let written = 0;
    while (written < 100e6) {
      let line = '';
      for (let w = 0; w < 12; w++) {
        const r = rng.next();
        line += r < 0.7 ? words[rng.int(words.length)] : r < 0.95 ? String.fromCodePoint(0x4e00 + rng.int(3500)) : String.fromCodePoint(0x1f600 + rng.int(80));
        line += ' ';
      }
      line += '\n';
      written += Buffer.byteLength(line);
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
  }
  // Reading the file first times the disk (the machine's memory manager may have dropped it from the
  // page cache since it was written) and leaves it cached, so the import's own figure is the engine's.
  const r0 = performance.now();
  readFileSync(file);
  const readSeconds = Math.round(performance.now() - r0) / 1000;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/bench/import.ts'), file], { cwd: root, encoding: 'utf8' });
  const o = { ...lastJson(r, 'the import benchmark'), disk_read_seconds: readSeconds } as Record<string, any>;
  emit(o);
  say(`\nimport: ${o.file_mb} MB, ${o.chars.toLocaleString('en-US')} characters, ${o.distinct_chars} distinct, in ${o.seconds} s (${o.mb_per_s} MB/s) from the page cache, peak RSS ${o.peak_rss_mb} MB (${(o.peak_rss_mb / o.file_mb).toFixed(1)}× the file); reading the file from disk first took ${readSeconds} s`);
}

// The serving process's event loop during training (target: under 50 ms at worst).
if (!args.includes('--skip-event-loop')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test/bench/event-loop.ts'), '20'], { cwd: root, encoding: 'utf8' });
  const o = lastJson(r, 'the event-loop benchmark');
  emit(o);
  say(`serving process event loop over ${o.seconds} s of training: max ${o.maxMs} ms, p99 ${o.p99Ms} ms, mean ${o.meanMs} ms`);
}

if (all) {
  say('');
  const ok = await runQuality();
  // The peak once more: how much the machine itself moved while this run measured.
  if (torchAvailable) {
    const end = sgemmPeak();
    emit({ measure: 'sgemm-peak-end', sgemm_peak_gflops: end, sgemm_peak_gflops_start: peak });
    say(`Two-thread sgemm peak at the end of this run: ${end} GFLOP/s (at its start: ${peak} GFLOP/s)`);
  }
  process.exit(ok && scalingOk && p1Ok ? 0 : 1);
}
