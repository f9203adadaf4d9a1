// `npm run bench -- --scaling`: how cost grows. From P1 (LSTM 256 × 1, batch 32, seq 64), one dimension at
// a time — units 128/256/512/1024, layers 1–3, batch 16/64/256, sequence 32/128 — ours against PyTorch
// (measured one after the other, `pairs` times, medians), with each side's peak RSS. Targets: every row
// ≥ 1.5× PyTorch; P1's peak RSS no higher than PyTorch's.
import { flopsPerStep, median, ours, P1, torch, type Size } from './measure.ts';

export interface ScalingOptions {
  pairs: number;
  say: (s: string) => void;
  emit: (o: Record<string, unknown>) => void;
}

export const SCALING_ROWS: Array<{ label: string; size: Size }> = [
  ...[128, 256, 512, 1024].map((units) => ({ label: `units ${units}`, size: { cell: 'lstm', ...P1, units } })),
  ...[2, 3].map((layers) => ({ label: `layers ${layers}`, size: { cell: 'lstm', ...P1, layers } })),
  ...[16, 64, 256].map((batch) => ({ label: `batch ${batch}`, size: { cell: 'lstm', ...P1, batch } })),
  ...[32, 128].map((seq) => ({ label: `seq ${seq}`, size: { cell: 'lstm', ...P1, seq } })),
];

/** Enough steps for a steady median, fewer for the large sizes (≈ 40 GFLOP of work, 3–20 steps). */
const stepsFor = (s: Size) => Math.max(3, Math.min(20, Math.round(4e10 / flopsPerStep(s))));

export function scaling(o: ScalingOptions): boolean {
  o.say(`How cost grows: from P1 (LSTM 256 × 1, batch 32, seq 64) one dimension at a time; ${o.pairs} pair(s) each, ours then PyTorch's, medians`);
  o.say(['size', 'ours c/s', 'torch c/s', 'ratio', 'ours RSS MB', 'torch RSS MB', 'GFLOP/s ours'].join('\t'));
  let ok = true;
  let p1Rss = [NaN, NaN];
  for (const row of SCALING_ROWS) {
    const steps = stepsFor(row.size);
    const mine: number[] = [];
    const theirs: number[] = [];
    const rssMine: number[] = [];
    const rssTheirs: number[] = [];
    for (let i = 0; i < o.pairs; i++) {
      const a = ours(row.size, steps);
      const b = torch(row.size, steps);
      mine.push(Number(a.train_chars_per_s));
      theirs.push(Number(b.train_chars_per_s));
      rssMine.push(Number(a.peak_rss_mb));
      rssTheirs.push(Number(b.peak_rss_mb));
    }
    const [m, t] = [median(mine), median(theirs)];
    const ratio = m / t;
    const gflops = (m / (row.size.batch * row.size.seq)) * (flopsPerStep(row.size) / 1e9);
    if (ratio < 1.5) ok = false;
    if (row.label === 'units 256') p1Rss = [median(rssMine), median(rssTheirs)]; // P1 itself
    o.emit({ measure: 'scaling', label: row.label, ...row.size, steps, train_chars_per_s: m, torch_train_chars_per_s: t, ratio, peak_rss_mb: median(rssMine), torch_peak_rss_mb: median(rssTheirs), gflops });
    o.say([row.label, m, t, `${ratio.toFixed(2)}×`, median(rssMine), median(rssTheirs), gflops.toFixed(0)].join('\t'));
  }
  o.say(ok ? 'PASS every size ≥ 1.5× PyTorch' : 'FAIL some size is below 1.5× PyTorch');
  const rssOk = p1Rss[0] <= p1Rss[1];
  o.say(`${rssOk ? 'PASS' : 'FAIL'} P1's peak RSS no higher than PyTorch's (${p1Rss[0]} vs ${p1Rss[1]} MB)`);
  return ok && rssOk;
}
