// `npm start`: builds the studio, then opens it in Electron — or, where Electron's binary is missing
// (it downloads from the network at install time), says so in one sentence and serves it to the browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build.mjs';
import { buildElectronSqlite } from './electron-sqlite.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** Electron's install script is skipped at npm install (see package.json allowScripts); try it once. */
function fetchElectron() {
  const install = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(install)) return;
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  spawnSync(process.execPath, [install], { cwd: join(root, 'node_modules', 'electron'), env, stdio: 'ignore', timeout: 120_000 });
}

await buildAll({ quiet: true });
let binary = electronBinary();
if (!binary && !process.env.RNN_STUDIO_NO_ELECTRON) {
  fetchElectron();
  binary = electronBinary();
}
const sqliteReady = binary ? buildElectronSqlite() : false;
if (binary && sqliteReady) {
  const child = spawn(binary, [join(root, 'out', 'electron', 'main.mjs'), ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.error(
    binary
      ? 'better-sqlite3 could not be built for Electron (it needs Electron\'s headers from the network: run `node scripts/electron-sqlite.mjs` where there is network), so RNN Studio opens in your browser instead.'
      : 'Electron\'s binary is not installed (it downloads at install time and this machine could not fetch it: run `node node_modules/electron/install.js` where there is network), so RNN Studio opens in your browser instead.',
  );
  const child = spawn(process.execPath, [join(root, 'bin', 'rnn-studio.mjs'), 'serve', ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
