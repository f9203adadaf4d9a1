// `npm test`: the renderer is built, every test file under test/ runs with node's test runner
// (TypeScript through tsx; the end-to-end tests drive Debian's Chromium; the engine's native kernels are
// built first if npm install could not), then the renderer's component
// tests run with Vitest. It ends with one summary line CI can read: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from '../scripts/build-native.mjs';
import { hasTorch } from './torch.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/**
 * What the tests need from the system, installed the way .ci/run does when this is Debian and root:
 * Chromium for the end-to-end tests with a CJK font for the zh-TW screens, and PyTorch (Debian's python3-torch, OpenBLAS) for the PyTorch
 * export's round trip (test/engine/export-pytorch.test.ts).
 */
/** Whether Chromium can draw Traditional Chinese (the zh-TW screens and their screenshots) with Noto CJK. */
function hasCjkFont() {
  const listed = spawnSync('fc-list', [':lang=zh-tw', 'family'], { encoding: 'utf8' });
  return listed.status === 0 && /Noto Sans CJK/.test(listed.stdout);
}

function ensureSystemPackages() {
  const missing = [];
  if (!process.env.CHROMIUM_PATH && !existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!hasTorch()) missing.push('python3-torch', 'libopenblas0-pthread');
  if (!hasCjkFont()) missing.push('fonts-noto-cjk');
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log(`Installing what the tests need (apt-get install -y ${missing.join(' ')})…`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.log(`Missing for the tests: ${missing.join(', ')} (Debian: sudo apt-get install -y ${missing.join(' ')}; or set CHROMIUM_PATH for Chromium).`);
  }
}

function run(command, args, onOutput) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const nodeFiles = (only.length ? only.filter((f) => !f.startsWith('renderer')) : find(join(root, 'test'))).map((f) => relative(root, f)).sort();
const runVitest = only.length === 0 || only.some((f) => f.startsWith('renderer'));
ensureSystemPackages();
if (nodeFiles.some((f) => f.includes('e2e'))) {
  // The end-to-end tests serve the built page: build it from these sources first.
  spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
}

// The engine's native kernels (normally built by npm install): a test checks they load.
buildNative();

let passed = 0;
let failed = 0;
let ok = true;
if (nodeFiles.length) {
  // A test that hangs fails after 15 minutes instead of holding CI to its limit (the longest here take ~2).
  const { code, out } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=900000', ...nodeFiles]);
  const count = (name) => Number(out.match(new RegExp(`^ℹ ${name} (\\d+)`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  ok &&= code === 0;
}
if (runVitest) {
  const { code, out } = await run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose']);
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  passed += Number(plain.match(/Tests\s+(?:\d+ failed \| )?(\d+) passed/)?.[1] ?? 0);
  failed += Number(plain.match(/Tests\s+(\d+) failed/)?.[1] ?? 0);
  ok &&= code === 0;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 && passed > 0 ? 0 : 1);
