// `rnn-studio serve`: the studio in a browser, over the loopback bridge.
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
  const staticDir = await ensureRendererBuilt(opts.rebuild);
  const bridge = await startBridge({ studio, staticDir, port: opts.port });
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
}
