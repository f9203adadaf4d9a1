// The one module of the renderer that talks to the core. In Electron the preload's functions carry the
// calls over IPC; in a browser, the bridge's WebSocket does. The screens cannot tell which.
import { ApiError, type ApiClient, type Channel, type ErrorWords, type ReplyOf, type RequestOf } from '../../../shared/api.ts';
import { has, locale, t, tk } from './i18n.svelte.ts';
import { nameFields } from '../../../shared/config-fields.ts';
import { labelAt } from './fields.ts';
import type { PreloadApi } from '../../../shared/preload-api.ts';
import { TOKEN_HEADER } from '../../../shared/bridge-protocol.ts';
import type { ExportFormat } from '../../../shared/formats.ts';
import { createWebSocketClient } from './ws-client.ts';

declare global {
  interface Window {
    rnnStudio?: PreloadApi;
  }
}

export type Transport = 'electron' | 'browser';

function fromPreload(preload: PreloadApi): ApiClient {
  return {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ReplyOf<C>> {
      const call = preload[channel] as (r: RequestOf<C>) => Promise<{ ok: true; reply: ReplyOf<C> } | { ok: false; error: { code: ApiError['code']; message: string; words?: ErrorWords } }>;
      const result = await call(request);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.words);
      return result.reply;
    },
    on: (event, listener) => preload.on(event, listener),
  };
}

/** The bridge's token: from the link the user opened, kept for this tab so reloads keep working. */
function bridgeToken(): string {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) sessionStorage.setItem('rnn-studio-token', fromUrl);
  return fromUrl ?? sessionStorage.getItem('rnn-studio-token') ?? '';
}

export const connection = { up: true, listeners: new Set<(up: boolean) => void>() };

function browserClient(): ApiClient {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(bridgeToken())}`;
  return createWebSocketClient(url, (up) => {
    connection.up = up;
    for (const l of connection.listeners) l(up);
  });
}

export const transport: Transport = typeof window !== 'undefined' && window.rnnStudio ? 'electron' : 'browser';
export const api: ApiClient = transport === 'electron' ? fromPreload(window.rnnStudio!) : browserClient();

/**
 * Streams files to the bridge (browser only), reporting bytes sent; resolves to the upload id that
 * `datasets:import` takes. Folders keep their relative paths.
 */
export async function uploadFiles(files: Array<{ file: File; name: string }>, onProgress: (sent: number, total: number) => void): Promise<string> {
  const total = files.reduce((n, f) => n + f.file.size, 0);
  let done = 0;
  let uploadId = '';
  for (const { file, name } of files) {
    uploadId = await new Promise<string>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const query = new URLSearchParams({ name, ...(uploadId ? { uploadId } : {}) });
      xhr.open('POST', `/upload?${query}`);
      xhr.setRequestHeader(TOKEN_HEADER, bridgeToken());
      xhr.upload.onprogress = (e) => onProgress(done + e.loaded, total);
      xhr.onload = () => (xhr.status === 200 ? resolve((JSON.parse(xhr.responseText) as { uploadId: string }).uploadId) : reject(new Error(xhr.responseText || `upload failed (${xhr.status})`)));
      xhr.onerror = () => reject(new Error('the upload was interrupted'));
      xhr.send(file);
    });
    done += file.size;
    onProgress(done, total);
  }
  return uploadId;
}

/**
 * Downloads a run's model as `run-<id>-<format>.zip` from the bridge (browser only; the desktop app
 * writes into a folder with `runs:export`). Resolves to the file's name; a refusal throws the core's message.
 */
export async function downloadExport(runId: number, format: ExportFormat, checkpointId?: number): Promise<string> {
  const query = new URLSearchParams({ runId: String(runId), format, ...(checkpointId !== undefined ? { checkpointId: String(checkpointId) } : {}) });
  const res = await fetch(`/export?${query}`, { headers: { [TOKEN_HEADER]: bridgeToken() } });
  if (!res.ok) throw new Error((await res.text()) || `the export failed (${res.status})`);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `run-${runId}-${format}.zip`;
  const href = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement('a'), { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000); // after the browser has taken the file
  return name;
}

/**
 * A message for the user from anything thrown: a setting the core names by its path is named by its label
 * (“Sequence length” inside a sentence), never by a command-line flag.
 */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError && err.words && has(err.words.key)) return tk(err.words.key, err.words.params);
  const english = studioWords(err instanceof Error ? err.message : String(err));
  if (locale.current === 'en') return english;
  // A refusal the catalogue has no words for yet: what kind it is in the user's language, the details as the core wrote them.
  return t('errors.detail', { what: tk(`errors.code.${err instanceof ApiError ? err.code : 'internal'}`), detail: english });
}

/** A message from the core (an error, an import's warning) with each setting named by its studio label. */
export function studioWords(message: string): string {
  return nameFields(message, (path, inline) => {
    const label = labelAt(path);
    return label && inline ? t('app.quoted', { label }) : label;
  });
}
