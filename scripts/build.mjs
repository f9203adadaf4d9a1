// Builds what the desktop app runs: the renderer (Vite) into out/renderer, and the Electron main
// process, its preload and the engine worker (esbuild) into out/electron. The CLI needs none of it.
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { ADDON, buildNative } from './build-native.mjs';
import { isMain } from './is-main.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = ['electron', 'better-sqlite3', '@tensorflow/*', 'open'];

export async function buildAll({ quiet = false } = {}) {
  // The engine's native kernels, beside the bundles (the engine falls back to TensorFlow.js ops without).
  if (buildNative({ quiet }) && existsSync(ADDON)) {
    mkdirSync(`${root}out/native`, { recursive: true });
    copyFileSync(ADDON, `${root}out/native/rnn_kernels.node`);
  }
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: quiet ? 'error' : 'warn' });
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: quiet ? 'error' : 'warning', absWorkingDir: root };
  // ESM bundles for Node: the main process, and the engine worker (which also starts its helper thread
  // from its own file); both learn where the worker is. Bundled ESM still meets CommonJS dependencies
  // that call require().
  const nodeBundle = (entry, outfile) =>
    build({
      ...common,
      entryPoints: [entry],
      outfile,
      format: 'esm',
      external,
      define: { __RNN_STUDIO_ENGINE_WORKER__: '"./engine-worker.mjs"', __RNN_STUDIO_NATIVE_KERNELS__: '"../native/rnn_kernels.node"' },
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  await Promise.all([
    nodeBundle('main/electron/main.ts', 'out/electron/main.mjs'),
    nodeBundle('main/engine/worker.ts', 'out/electron/engine-worker.mjs'),
    build({ ...common, entryPoints: ['main/electron/preload.ts'], outfile: 'out/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
  ]);
}

if (isMain(import.meta.url)) await buildAll();
