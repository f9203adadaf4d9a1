import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import config from '../electron.config.ts';
import { APP_CONTENT_SECURITY_POLICY, contentSecurityPolicy } from '../main/bridge/csp.ts';
import { RunConfigSchema } from '../shared/config.ts';
import type { WorkerEvent } from '../shared/worker-protocol.ts';
import { ROOT, tempDir } from './helpers.ts';

test('electron.config.ts loads and packages the app for Linux, Windows and macOS with native modules unpacked', () => {
  assert.equal(config.appId, 'org.rnnstudio.desktop');
  assert.equal(config.productName, 'RNN Studio');
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win?.target, ['nsis']);
  assert.deepEqual(config.mac?.target, ['dmg']);
  const unpacked = config.asarUnpack as string[];
  assert.ok(unpacked.some((p) => p.includes('better-sqlite3')));
  assert.ok(unpacked.some((p) => p.includes('@tensorflow')));
  assert.equal(config.npmRebuild, false, 'the Electron build of better-sqlite3 is made apart');
  assert.ok((config.files as string[]).includes('out/native/rnn_kernels.node'), 'the engine\'s native kernels ship with the app');
  for (const icon of [config.win?.icon, config.mac?.icon, join(config.linux!.icon as string, '512x512.png')]) assert.ok(existsSync(join(ROOT, icon as string)), `${icon}`);
});

test('the desktop build bundles main, preload and an engine worker that trains outside tsx', async () => {
  const { buildAll } = await import('../scripts/build.mjs');
  await buildAll({ quiet: true });
  for (const file of ['out/electron/main.mjs', 'out/electron/preload.cjs', 'out/electron/engine-worker.mjs', 'out/renderer/index.html']) {
    assert.ok(existsSync(join(ROOT, file)), file);
  }
  assert.equal(spawnSync(process.execPath, ['--check', join(ROOT, 'out/electron/main.mjs')]).status, 0);
  if (process.env.RNN_STUDIO_NATIVE !== '0') {
    // The kernels (Node-API: the same file serves Electron) sit beside the bundles, where they look.
    assert.ok(existsSync(join(ROOT, 'out/native/rnn_kernels.node')), 'out/native/rnn_kernels.node');
    assert.match(readFileSync(join(ROOT, 'out/electron/engine-worker.mjs'), 'utf8'), /"\.\.\/native\/rnn_kernels\.node"/);
  }

  const dir = tempDir();
  const corpus = join(dir.path, 'c.txt');
  writeFileSync(corpus, 'abcabcabd '.repeat(200));
  const worker = new Worker(join(ROOT, 'out/electron/engine-worker.mjs'));
  try {
    // The probe's answer (a fresh engine first reports its warm-up, cut short by the probe).
    const done = new Promise<WorkerEvent>((resolve) => worker.on('message', (e: WorkerEvent) => e.type !== 'warmed' && resolve(e)));
    const config = RunConfigSchema.parse({ model: { layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, seed: 1 } });
    worker.postMessage({ type: 'probe', requestId: 1, config, corpusPath: corpus, vocab: [...'abcd '], steps: 2 });
    const event = await done;
    assert.equal(event.type, 'probe-done', JSON.stringify(event));
  } finally {
    await worker.terminate();
    dir.cleanup();
  }
});

// The electron binary cannot run here, so main/electron/main.ts runs under Node against a stand-in for
// the `electron` module that records what the shell registers; the test then plays the part of web
// content (a permission request, a navigation, a redirect, a webview, window.open) and of a second launch.
const ELECTRON_STUB = `
const s = globalThis.electronStub;
s.listeners = {}; s.opened = []; s.windows = 0; s.exitCode = null; s.readyAsked = false;
const emitter = () => { const on = {}; return { on, add: (e, f) => ((on[e] ??= []).push(f)) }; };
export const app = {
  requestSingleInstanceLock: () => s.lock,
  exit: (code) => { s.exitCode = code; },
  quit: () => { s.quit = true; },
  on: (e, f) => { s.listeners[e] = f; return app; },
  whenReady: () => { s.readyAsked = true; return Promise.resolve(); },
  setPath: (_n, p) => { s.userData = p; },
  getPath: () => s.userData,
  isPackaged: false,
  getPreferredSystemLanguages: () => ['zh-Hant-TW', 'en-US'],
};
export const protocol = { registerSchemesAsPrivileged() {}, handle: (_scheme, f) => { s.protocolHandler = f; } };
export const session = { defaultSession: {
  setPermissionRequestHandler: (f) => { s.permissionRequest = f; },
  setPermissionCheckHandler: (f) => { s.permissionCheck = f; },
} };
export class BrowserWindow {
  constructor(options) { s.windows++; s.webPreferences = options.webPreferences; const w = emitter(); this.webContents = { on: w.add, setWindowOpenHandler() {}, send() {} }; }
  once() {} on() {} loadURL() { return Promise.resolve(); } isMinimized() { return false; } focus() {}
}
export const Menu = { setApplicationMenu: (m) => { s.menu = m; }, buildFromTemplate: (t) => t };
export const Notification = { isSupported: () => false };
export const dialog = { showErrorBox: (t, m) => { s.startError = m; }, showOpenDialog: async () => ({ canceled: true, filePaths: [] }) };
export const net = { fetch: async () => new Response('') };
export const shell = { openExternal: async (url) => { s.opened.push(url); }, openPath: async () => '' };
export const ipcMain = { handle() {}, removeHandler() {} };
`;

function runShell(lock: boolean): Record<string, unknown> {
  const dir = tempDir();
  try {
    const stub = join(dir.path, 'electron-stub.mjs');
    const hooks = join(dir.path, 'hooks.mjs');
    const register = join(dir.path, 'register.mjs');
    const probe = join(dir.path, 'probe.mjs');
    writeFileSync(stub, ELECTRON_STUB);
    writeFileSync(hooks, `export async function resolve(specifier, context, next) {
  return specifier === 'electron' ? { url: ${JSON.stringify(pathToFileURL(stub).href)}, shortCircuit: true } : next(specifier, context);
}`);
    writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
    writeFileSync(probe, `
const s = (globalThis.electronStub = { lock: ${lock} });
await import(${JSON.stringify(pathToFileURL(join(ROOT, 'main/electron/main.ts')).href)});
for (let i = 0; i < 500 && s.lock && !s.windows && !s.startError; i++) await new Promise((r) => setTimeout(r, 10));
const result = { exitCode: s.exitCode, readyAsked: s.readyAsked, windows: s.windows, startError: s.startError ?? null, webPreferences: s.webPreferences ?? null, menu: s.menu?.map((m) => m.label ?? m.role) ?? null };
if (s.permissionRequest) {
  const ask = (url, permission) => new Promise((r) => s.permissionRequest({ getURL: () => url }, permission, r, { requestingUrl: url }));
  result.requests = {};
  for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen', 'clipboard-sanitized-write']) result.requests[p] = await ask('app://studio/index.html', p);
  result.requests['clipboard-sanitized-write from elsewhere'] = await ask('https://evil.example/', 'clipboard-sanitized-write');
  result.checks = {};
  for (const p of ['media', 'geolocation', 'hid', 'serial', 'usb', 'clipboard-read']) result.checks[p] = s.permissionCheck(null, p, 'app://studio', {});
}
const created = s.listeners['web-contents-created'];
if (created) {
  const on = {};
  let openHandler;
  created({}, { on: (e, f) => (on[e] = f), setWindowOpenHandler: (f) => (openHandler = f) });
  result.prevented = {};
  for (const e of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    let prevented = false;
    on[e]?.({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    result.prevented[e] = prevented;
  }
  result.windowOpen = ['https://example.org/docs', 'http://evil.example/', 'file:///etc/passwd'].map((url) => openHandler?.({ url })?.action ?? null);
  result.openedExternally = s.opened;
}
if (s.protocolHandler) result.badPath = (await s.protocolHandler({ url: 'app://studio/%E0%A4%A' })).status;
await s.listeners['before-quit']?.({ preventDefault() {} });
for (let i = 0; i < 500 && s.lock && !s.quit && !s.startError; i++) await new Promise((r) => setTimeout(r, 10));
process.stdout.write(JSON.stringify(result));
process.exit(0);
`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(register).href, probe], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, RNN_STUDIO_HOME: join(dir.path, 'home') },
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout) as Record<string, unknown>;
  } finally {
    dir.cleanup();
  }
}

test('a second launch of the desktop app exits at once, without opening the data home', () => {
  const second = runShell(false);
  assert.equal(second.exitCode, 0);
  assert.equal(second.readyAsked, false, 'start() must not run when the single-instance lock is held elsewhere');
  assert.equal(second.windows, 0);
});

test('the desktop shell denies permissions, navigation, redirects, webviews and new windows for every webContents', () => {
  const shell = runShell(true);
  assert.equal(shell.startError, null);
  assert.deepEqual(shell.menu, ['檔案', 'editMenu', '訓練', '檢視', '說明'], 'the menu speaks the system language (zh-Hant-TW → 繁體中文)');
  assert.equal(shell.exitCode, null);
  assert.equal(shell.windows, 1);
  assert.deepEqual(shell.webPreferences && { ...(shell.webPreferences as object), preload: undefined }, {
    preload: undefined,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
  });
  assert.deepEqual(shell.requests, {
    media: false,
    geolocation: false,
    notifications: false,
    openExternal: false,
    'clipboard-read': false,
    fullscreen: false,
    'clipboard-sanitized-write': true, // Sample's Copy button, from the studio page only
    'clipboard-sanitized-write from elsewhere': false,
  });
  assert.deepEqual(shell.checks, { media: false, geolocation: false, hid: false, serial: false, usb: false, 'clipboard-read': false });
  assert.deepEqual(shell.prevented, { 'will-navigate': true, 'will-redirect': true, 'will-attach-webview': true });
  assert.deepEqual(shell.windowOpen, ['deny', 'deny', 'deny']);
  assert.deepEqual(shell.openedExternally, ['https://example.org/docs'], 'only https links go to the browser');
  assert.equal(shell.badPath, 400, 'a malformed app:// path is answered, not thrown');
});

test('the page may connect only to itself: app:// to nothing else, the bridge to its own port', () => {
  const connectSrc = (policy: string) => /connect-src ([^;]*)/.exec(policy)?.[1];
  assert.equal(connectSrc(APP_CONTENT_SECURITY_POLICY), "'self'");
  assert.equal(connectSrc(contentSecurityPolicy(43117)), "'self' ws://127.0.0.1:43117 ws://localhost:43117");
  for (const policy of [APP_CONTENT_SECURITY_POLICY, contentSecurityPolicy(1)]) {
    assert.doesNotMatch(policy, /\*/);
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /object-src 'none'/);
  }
});
