// The Electron main process: one window over the Studio. Training runs in worker threads, so this
// event loop only routes IPC and writes small SQLite rows.
import { BrowserWindow, Menu, Notification, app, dialog, net, protocol, session, shell, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DATASET_EXTENSIONS } from '../../shared/formats.ts';
import { Studio } from '../core/studio.ts';
import { defaultHome, resolveHome } from '../core/home.ts';
import { APP_CONTENT_SECURITY_POLICY } from '../bridge/csp.ts';
import { registerIpc } from './ipc.ts';
import { pickLocale, translate, type Key, type Locale } from '../../shared/i18n/index.ts';
import { buildMenu } from './menu.ts';

/** Where the build put the page, the preload and the Electron-ABI better-sqlite3 (see scripts/build.mjs). */
const OUT = fileURLToPath(new URL('../', import.meta.url)); // out/
const RENDERER = join(OUT, 'renderer');
const PRELOAD = join(OUT, 'electron', 'preload.cjs');
const SQLITE_FOR_ELECTRON = join(OUT, 'native', 'better_sqlite3.node');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

// A second launch only focuses the first one's window (its 'second-instance' event) and ends at once:
// it must not open the data home beside the first one.
const firstInstance = app.requestSingleInstanceLock();
if (!firstInstance) app.exit(0);

let window: BrowserWindow | null = null;
let studio: Studio | null = null;
/** The language the menu and dialogs speak: the system's until the renderer says which it speaks. */
let locale: Locale = 'en';

function servePage(): void {
  protocol.handle('app', async (request) => {
    let path: string;
    try {
      path = normalize(decodeURIComponent(new URL(request.url).pathname)).replace(/^([/\\])+/, '');
    } catch {
      return new Response('bad path', { status: 400 }); // malformed percent-encoding
    }
    const file = join(RENDERER, path || 'index.html');
    if (!file.startsWith(RENDERER + sep) || !existsSync(file)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', APP_CONTENT_SECURITY_POLICY);
    return new Response(response.body, { status: response.status, headers });
  });
}

function createWindow(home: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 880,
    title: 'RNN Studio',
    show: false,
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  win.once('ready-to-show', () => win.show());
  // Navigation and new windows are refused for every webContents, this one included (lockDown below).
  const menu = (l: Locale) => Menu.setApplicationMenu(buildMenu((command) => studio?.emit('menu:command', { command }), home, l));
  menu(locale);
  studio?.onLocale((l) => {
    if (l !== locale) menu((locale = l));
  });
  void win.loadURL('app://studio/index.html');
  return win;
}

/** The page never navigates away, follows a redirect, embeds a webview or opens a window; links to the web open in the browser. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
app.on('web-contents-created', (_event, contents) => lockDown(contents));

/** Camera, microphone, location, notifications, … are refused to web content: the studio asks for none. */
function denyPermissions(): void {
  // The one exception: writing plain text to the clipboard (Sample's Copy), from our own page only.
  const allowed = (permission: string, origin: string) => permission === 'clipboard-sanitized-write' && origin.startsWith('app://studio');
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) => callback(allowed(permission, contents.getURL())));
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
}

const say = (key: Key) => translate(locale, key);

async function start(): Promise<void> {
  await app.whenReady();
  denyPermissions();
  // The data home is Electron's userData folder unless RNN_STUDIO_HOME says otherwise (as for the CLI).
  app.setPath('userData', process.env.RNN_STUDIO_HOME ? resolveHome() : defaultHome());
  const home = app.getPath('userData');
  locale = pickLocale(app.getPreferredSystemLanguages());
  studio = Studio.open(home, { ownerLabel: 'the RNN Studio desktop app', standby: true, ...(existsSync(SQLITE_FOR_ELECTRON) ? { nativeBinding: SQLITE_FOR_ELECTRON } : {}) });
  studio.override('dialog:open', async ({ kind, purpose }) => {
    if (purpose === 'export') {
      const chosen = await dialog.showOpenDialog(window!, { title: say('app.dialog.exportTitle'), buttonLabel: say('app.dialog.exportButton'), properties: ['openDirectory', 'createDirectory'] });
      return { path: chosen.canceled ? null : (chosen.filePaths[0] ?? null) };
    }
    const result = await dialog.showOpenDialog(window!, {
      title: kind === 'file' ? say('app.dialog.importFile') : say('app.dialog.importFolder'),
      properties: [kind === 'file' ? 'openFile' : 'openDirectory'],
      filters: kind === 'file' ? [{ name: say('app.dialog.textFilter'), extensions: [...DATASET_EXTENSIONS] }, { name: say('app.dialog.allFiles'), extensions: ['*'] }] : undefined,
    });
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  });
  studio.on('run:status', ({ runId, status, error }) => {
    if ((status === 'finished' || status === 'failed') && Notification.isSupported()) {
      new Notification({ title: `Run ${runId} ${status}`, body: error ?? 'Open RNN Studio to sample from it.' }).show();
    }
  });
  servePage();
  registerIpc(studio, () => window);
  window = createWindow(home);
  window.on('closed', () => (window = null));
}

app.on('second-instance', () => {
  if (window?.isMinimized()) window.restore();
  window?.focus();
});

let closing = false;
app.on('before-quit', (event) => {
  if (closing || !studio) return;
  // Stop running training with a checkpoint before quitting, so nothing is lost.
  event.preventDefault();
  closing = true;
  void studio.close().finally(() => app.quit());
});
app.on('window-all-closed', () => app.quit());

if (firstInstance) {
  start().catch((err: Error) => {
    dialog.showErrorBox('RNN Studio could not start', err.message);
    app.exit(1);
  });
}
