// Import throughput and peak RSS, in its own process: `tsx import.ts FILE` imports FILE into a fresh
// data home and prints one JSON line.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';

const file = process.argv[2];
const home = mkdtempSync(join(tmpdir(), 'rnn-studio-bench-home-'));
const studio = Studio.open(home);
const t0 = performance.now();
const { dataset } = await studio.invoke('datasets:import', { path: file });
const seconds = (performance.now() - t0) / 1000;
await studio.close();
rmSync(home, { recursive: true, force: true });
const mb = statSync(file).size / 1e6;
console.log(
  JSON.stringify({
    measure: 'import',
    file_mb: Math.round(mb),
    seconds: Math.round(seconds * 100) / 100,
    mb_per_s: Math.round((mb / seconds) * 10) / 10,
    chars: dataset.chars,
    distinct_chars: dataset.distinctChars,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
