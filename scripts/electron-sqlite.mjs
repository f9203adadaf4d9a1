// Builds better-sqlite3 for Electron's ABI into out/native/, apart from node_modules' build for Node
// (which the tests and the CLI use): rebuilding in place would break one or the other. The main
// process loads it through better-sqlite3's `nativeBinding` option. Needs network for Electron's headers.
import { cpSync, existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { isMain } from './is-main.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
export const ELECTRON_SQLITE = join(root, 'out', 'native', 'better_sqlite3.node');

export function buildElectronSqlite({ force = false } = {}) {
  if (existsSync(ELECTRON_SQLITE) && !force) return true;
  const electronVersion = require('electron/package.json').version;
  const source = join(root, 'node_modules', 'better-sqlite3');
  const work = join(root, 'out', 'native', 'better-sqlite3-src');
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${join('better-sqlite3', 'build')}`) });
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const result = spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron'], {
    cwd: work,
    stdio: 'inherit',
  });
  if (result.status !== 0) return false;
  mkdirSync(join(root, 'out', 'native'), { recursive: true });
  copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), ELECTRON_SQLITE);
  rmSync(work, { recursive: true, force: true });
  return true;
}

if (isMain(import.meta.url)) process.exit(buildElectronSqlite({ force: true }) ? 0 : 1);
