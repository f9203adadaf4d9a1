// Builds what the desktop app runs: the renderer (Vite) into out/renderer, and the Electron main
// process, its preload and the engine worker (esbuild) into out/electron. The CLI needs none of it.
import { build } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = ['electron', 'better-sqlite3', '@tensorflow/*', 'open'];

export async function buildAll({ quiet = false } = {}) {
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: quiet ? 'error' : 'warn' });
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: quiet ? 'error' : 'warning', absWorkingDir: root };
  await Promise.all([
    build({
      ...common,
      entryPoints: ['main/electron/main.ts'],
      outfile: 'out/electron/main.mjs',
      format: 'esm',
      external,
      define: { __RNN_STUDIO_ENGINE_WORKER__: '"./engine-worker.mjs"' },
      // Bundled ESM still meets CommonJS dependencies that call require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    }),
    build({
      ...common,
      entryPoints: ['main/engine/worker.ts'],
      outfile: 'out/electron/engine-worker.mjs',
      format: 'esm',
      external,
      // A training thread starts its helper thread from this same file (parallel.ts).
      define: { __RNN_STUDIO_ENGINE_WORKER__: '"./engine-worker.mjs"' },
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    }),
    build({ ...common, entryPoints: ['main/electron/preload.ts'], outfile: 'out/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildAll();
