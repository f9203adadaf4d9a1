// `rnn-studio serve`: the studio in a browser, over the loopback bridge.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import open from 'open';

import type { Studio } from '../core/studio.ts';
import { startBridge } from '../bridge/server.ts';
import { ensureRendererBuilt } from '../bridge/renderer-build.ts';

export interface ServeOptions {
  port: number;
  open: boolean;
  rebuild?: boolean;
}

/** Serves until SIGINT/SIGTERM; then stops any run (with a checkpoint) and closes. */
export async function serve(studio: Studio, opts: ServeOptions): Promise<void> {
  // RNN_STUDIO_EVENT_LOOP_REPORT=FILE: measure how long this process's event loop is ever blocked
  // (training runs in workers, so it should stay small) and write the figures there on exit.
  const report = process.env.RNN_STUDIO_EVENT_LOOP_REPORT;
  const staticDir = await ensureRendererBuilt(opts.rebuild);
  const bridge = await startBridge({ studio, staticDir, port: opts.port });
  // Measured from the moment it serves: start-up's module loading is not the UI's to wait on.
  const loop = report ? monitorEventLoopDelay({ resolution: 5 }) : null;
  loop?.enable();
  process.stdout.write(`RNN Studio at ${bridge.url}\n`);
  if (opts.open) {
    open(bridge.url).catch(() => process.stderr.write('Could not open a browser: open the address above yourself.\n'));
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stderr.write('Stopping: any training run writes a checkpoint first…\n');
  await bridge.close();
  if (loop && report) {
    loop.disable();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    writeFileSync(report, JSON.stringify({ maxMs: ms(loop.max), p99Ms: ms(loop.percentile(99)), meanMs: ms(loop.mean), samples: loop.count }));
  }
}
