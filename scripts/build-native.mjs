// Builds RNN Studio's native kernels (main/engine/native: C++ through Node-API, so one build serves
// Node and Electron) with node-gyp. Runs after `npm install`; without a C++ compiler it says so and the
// engine runs on TensorFlow.js ops alone (slower). `--strict` (npm run build:native) fails instead.
// Skipped when RNN_STUDIO_NATIVE=0. Rebuilds only when a source is newer than the addon.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from './is-main.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'main', 'engine', 'native');
export const ADDON = join(dir, 'build', 'Release', 'rnn_kernels.node');

function upToDate() {
  if (!existsSync(ADDON)) return false;
  const built = statSync(ADDON).mtimeMs;
  const sources = [join(dir, 'binding.gyp'), ...readdirSync(join(dir, 'src')).map((f) => join(dir, 'src', f))];
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

function nodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return process.env.npm_config_node_gyp ?? null; // npm's own copy, inside npm scripts
  }
}

/** Node's headers: npm's setting, else the ones installed beside this Node (no download). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

export function buildNative({ strict = false, quiet = false } = {}) {
  if (process.env.RNN_STUDIO_NATIVE === '0') return true;
  if (upToDate()) return true;
  const gyp = nodeGyp();
  const fail = (why) => {
    const message = `RNN Studio: the native kernels were not built (${why}). Training still works, on TensorFlow.js ops, several times slower; install a C++ compiler, make and Python 3, then run: npm run build:native`;
    if (strict) throw new Error(message);
    console.warn(message);
    return false;
  };
  if (!gyp) return fail('node-gyp was not found');
  if (!quiet) console.log('RNN Studio: building the native kernels (main/engine/native)…');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', '--loglevel=warn', `--directory=${dir}`, ...nodedirArgs()], {
    cwd: dir,
    stdio: quiet ? 'pipe' : ['ignore', 'ignore', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(ADDON)) return fail(`node-gyp exited with ${r.status}${quiet && r.stderr ? `: ${r.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
  if (!quiet) console.log(`RNN Studio: native kernels built: ${ADDON}`);
  return true;
}

if (isMain(import.meta.url)) {
  try {
    buildNative({ strict: process.argv.includes('--strict') });
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
