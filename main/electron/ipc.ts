// Electron IPC: every channel of the contract is registered through one typed handle(); replies are
// wrapped as Result so the renderer keeps the error's code; events are forwarded to the window.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { ApiError, EVENT_NAMES, type Channel, type ReplyOf, type RequestOf } from '../../shared/api.ts';
import type { Result } from '../../shared/preload-api.ts';
import { RequestSchemas } from '../../shared/schemas.ts';
import type { Studio } from '../core/studio.ts';

/** Only our own page may call: not a navigated-away frame or an injected one. */
function fromApp(event: IpcMainInvokeEvent): boolean {
  return event.senderFrame?.url.startsWith('app://studio/') ?? false;
}

function handle<C extends Channel>(studio: Studio, channel: C): void {
  ipcMain.handle(channel, async (event, request: RequestOf<C>): Promise<Result<ReplyOf<C>>> => {
    if (!fromApp(event)) return { ok: false, error: { code: 'invalid-request', message: 'refused: not the studio page' } };
    try {
      return { ok: true, reply: await studio.invoke(channel, request) };
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
      return { ok: false, error: { code: e.code, message: e.message, ...(e.words ? { words: e.words } : {}) } };
    }
  });
}

export function registerIpc(studio: Studio, window: () => BrowserWindow | null): () => void {
  const channels = Object.keys(RequestSchemas) as Channel[];
  for (const channel of channels) handle(studio, channel);
  const offs = EVENT_NAMES.map((event) => studio.on(event, (payload) => window()?.webContents.send('api:event', { event, payload })));
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
    offs.forEach((off) => off());
  };
}
