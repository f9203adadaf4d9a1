// The serving process's event loop while it trains: starts `rnn-studio serve` with a temporary data home,
// drives a training run over its WebSocket (no browser competing for the CPU), and reports the largest
// delay of the serving process's event loop (monitorEventLoopDelay). Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('../../', import.meta.url));
const seconds = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-loop-'));
const report = join(dir, 'loop.json');
const child = spawn(process.execPath, [join(root, 'bin/rnn-studio.mjs'), 'serve', '--home', join(dir, 'home'), '--no-open'], {
  env: { ...process.env, RNN_STUDIO_EVENT_LOOP_REPORT: report },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<URL>((resolve) => {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    const m = out.match(/RNN Studio at (\S+)\n/);
    if (m) resolve(new URL(m[1]));
  });
});
const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`, { origin: url.origin });
await new Promise((r) => ws.once('open', r));
let next = 1;
const call = (channel: string, request: unknown) =>
  new Promise<any>((resolve, reject) => {
    const id = next++;
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data));
      if (m.id !== id) return;
      ws.off('message', onMessage);
      if (m.ok) resolve(m.reply);
      else reject(new Error(m.error.message));
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, request }));
  });
const info = await call('app:info', {});
const { dataset } = await call('datasets:import', { path: info.sampleCorpus.path });
const run = await call('runs:start', { datasetId: dataset.id, config: { model: { layers: 1, units: 256 }, train: { maxSteps: 100000, evalEvery: 20, checkpointEvery: 20, sampleEvery: 40 } } });
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  await call('runs:get', { id: run.id }); // a UI refreshing its view
}
await call('runs:control', { id: run.id, command: 'stop' });
ws.close();
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
const loop = JSON.parse(readFileSync(report, 'utf8'));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ measure: 'event-loop', seconds, ...loop }));
