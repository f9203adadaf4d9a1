// The browser bridge: serves the built renderer and the API over HTTP + WebSocket on 127.0.0.1 only,
// for headless machines and for end-to-end tests. A random token guards every request; requests from
// another Origin or Host (other sites, DNS rebinding) are refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';
import { zip, type AsyncZippable } from 'fflate';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { ApiError, EVENT_NAMES, type Channel } from '../../shared/api.ts';
import { TOKEN_COOKIE, TOKEN_HEADER, type BridgeMessage } from '../../shared/bridge-protocol.ts';
import { RequestSchemas } from '../../shared/schemas.ts';
import type { Studio } from '../core/studio.ts';
import { contentSecurityPolicy } from './csp.ts';

export interface BridgeOptions {
  studio: Studio;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** Where `GET /export` writes a model before zipping it (a fresh folder inside, removed after). */
  tempDir?: string;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** fflate's `zip`, which deflates on a worker thread, as a promise. */
function zipAsync(entries: AsyncZippable): Promise<Uint8Array> {
  return new Promise((done, fail) => zip(entries, { level: 6 }, (err, data) => (err ? fail(err) : done(data))));
}

/** A query parameter as the schema should see it: digits become a number; anything else is left for it to refuse. */
function idParam(value: string | null): number | string | undefined {
  if (value === null || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

const RequestFrame = z.object({ id: z.number().int(), channel: z.string(), request: z.unknown() });

/** A cookie's value; a value that is not valid percent-encoding counts as absent (it cannot be the token). */
function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeOrNull(v.join('=')) ?? undefined;
  }
  return undefined;
}

function decodeOrNull(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null; // URIError: a lone or malformed % sequence
  }
}

/** The request's URL, or null when it does not parse (e.g. `//`, which names no host). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** A short, printable rendering of a name a client sent, for error messages. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const staticDir = resolve(opts.staticDir);
  let port = 0;
  const allowedHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const sameToken = (candidate: string | undefined | null) => {
    if (!candidate) return false;
    const b = Buffer.from(candidate);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  const authorised = (req: IncomingMessage, url: URL) =>
    sameToken(url.searchParams.get('token')) || sameToken(cookie(req, TOKEN_COOKIE)) || sameToken(req.headers[TOKEN_HEADER] as string | undefined);
  const hostOk = (req: IncomingMessage) => allowedHosts().includes(req.headers.host ?? '');
  // Browsers send Origin on cross-origin requests, WebSocket upgrades and POSTs: it must be ours.
  const originOk = (req: IncomingMessage, required: boolean) =>
    req.headers.origin === undefined ? !required : allowedOrigins().includes(req.headers.origin);

  /** Answers with a plain-text message, unless the answer has begun (or the client left): then it hangs up. */
  const refuse = (res: ServerResponse, status: number, message: string) => {
    if (res.headersSent || res.destroyed) return void res.destroy();
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  };

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.searchParams.get('name');
    if (!name) return refuse(res, 400, 'the upload needs a ?name= for the file');
    const given = url.searchParams.get('uploadId');
    const id = given || opts.studio.uploads.create();
    try {
      const target = opts.studio.uploads.filePath(id, name);
      const out = createWriteStream(target);
      const closed = new Promise<void>((done) => out.once('close', () => done()));
      try {
        await pipeline(req, out);
      } catch (err) {
        // An aborted or failed upload leaves nothing behind: no partial file to import later.
        out.destroy();
        await closed;
        rmSync(target, { force: true });
        throw err;
      }
    } catch (err) {
      if (!given) opts.studio.uploads.remove(id);
      throw err;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uploadId: id }));
  }

  /**
   * `GET /export?runId=&format=[&checkpointId=]`: the model as `run-<id>-<format>.zip`, written by
   * `runs:export` (validated like any request) into a temporary folder that is removed afterwards.
   */
  async function exportZip(res: ServerResponse, url: URL): Promise<void> {
    const out = mkdtempSync(join(opts.tempDir ?? tmpdir(), 'rnn-studio-export-'));
    try {
      const q = url.searchParams;
      const request = { runId: idParam(q.get('runId')), checkpointId: idParam(q.get('checkpointId')), format: q.get('format') ?? undefined, out };
      const reply = await opts.studio.invoke('runs:export', request as never);
      const entries: AsyncZippable = {};
      // Zip paths use '/', whatever this system's separator.
      for (const file of reply.files) entries[relative(out, file).split(sep).join('/')] = readFileSync(file);
      const body = await zipAsync(entries);
      const name = `run-${reply.runId}-${reply.format}.zip`;
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': String(body.byteLength),
        'content-disposition': `attachment; filename="${name}"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(body);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = decodeOrNull(url.pathname);
    if (path === null) return refuse(res, 400, `the path ${quoted(url.pathname)} is not valid percent-encoding`);
    const rel = normalize(path).replace(/^([/\\])+/, '');
    let file = join(staticDir, rel);
    if (!file.startsWith(staticDir + sep) && file !== staticDir) return refuse(res, 403, 'outside the app');
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, 'index.html'); // one-page app
    if (!existsSync(file)) return refuse(res, 500, `the renderer is not built (${staticDir}); run npm start or npm run build`);
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(port),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (sameToken(url.searchParams.get('token'))) headers['set-cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    res.writeHead(200, headers);
    pipeline(createReadStream(file), res).catch(() => res.destroy()); // e.g. the client left mid-file
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = requestUrl(req);
    if (!url) return refuse(res, 400, 'malformed request URL');
    if (!hostOk(req)) return refuse(res, 403, 'RNN Studio answers only on 127.0.0.1 and localhost');
    if (!authorised(req, url)) return refuse(res, 401, 'RNN Studio needs the link with its token: copy it from the terminal that started `rnn-studio serve`.');
    if (req.method === 'POST' && url.pathname === '/upload') {
      if (!originOk(req, true)) return refuse(res, 403, 'uploads are accepted only from the studio page');
      upload(req, res, url).catch((err: Error) => refuse(res, err instanceof ApiError ? 400 : 500, err.message));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    if (!originOk(req, false)) return refuse(res, 403, 'requests from other sites are refused');
    if (url.pathname === '/export') {
      exportZip(res, url).catch((err: Error) => refuse(res, err instanceof ApiError ? 400 : 500, err.message));
      return;
    }
    serveStatic(req, res, url);
  }

  // Nothing a client sends may end the process (and with it every run it trains): stream errors are
  // answered or dropped, and a handler that throws answers 500.
  const server = createServer((req, res) => {
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    try {
      handleRequest(req, res);
    } catch (err) {
      refuse(res, 500, `internal: ${(err as Error).message}`);
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A request Node cannot parse (bad head, oversized headers, a timeout): answer it if we still can.
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Node hands the raw socket over without its error listener; ws adds its own once upgraded.
    socket.on('error', () => socket.destroy());
    const deny = (status: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      else socket.destroy();
    };
    try {
      const url = requestUrl(req);
      if (!url) return deny('400 Bad Request');
      if (!hostOk(req) || !originOk(req, true)) return deny('403 Forbidden');
      if (!authorised(req, url)) return deny('401 Unauthorized');
      if (url.pathname !== '/api') return deny('404 Not Found');
      wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
    } catch {
      deny('500 Internal Server Error');
    }
  });

  function connect(ws: WebSocket): void {
    const send = (m: BridgeMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    const refuseFrame = (id: number, message: string) => send({ id, ok: false, error: { code: 'invalid-request', message } });
    const offs = EVENT_NAMES.map((event) => opts.studio.on(event, (payload) => send({ event, payload })));
    ws.on('close', () => offs.forEach((off) => off()));
    // ws closes the connection itself on a protocol error (1009 too big, 1007 invalid UTF-8, …) and
    // then reports it here; without a listener that report would end the process.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      answer(data, isBinary).catch((err: Error) => {
        // Only sending can fail here (e.g. a reply that does not serialise): the client hears of it.
        try {
          refuseFrame(-1, `internal: ${err.message}`);
        } catch {
          ws.terminate();
        }
      });
    });

    async function answer(data: WebSocket.RawData, isBinary: boolean): Promise<void> {
      if (isBinary) return void refuseFrame(-1, 'malformed message: expected a text frame of JSON {id, channel, request}, not a binary frame');
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        return void refuseFrame(-1, 'malformed message: not JSON; expected {id, channel, request}');
      }
      const parsed = RequestFrame.safeParse(json);
      if (!parsed.success) {
        const id = (json as { id?: unknown } | null)?.id;
        const fields = parsed.error.issues.map((i) => i.path.join('.') || 'message').join(', ');
        return void refuseFrame(Number.isInteger(id) ? (id as number) : -1, `malformed message: expected {id, channel, request} (wrong: ${fields})`);
      }
      const frame = parsed.data;
      // An own property only: `toString`, `__proto__` or `constructor` are no channels.
      if (!Object.hasOwn(RequestSchemas, frame.channel)) return void refuseFrame(frame.id, `unknown channel ${quoted(frame.channel)}`);
      try {
        const reply = await opts.studio.invoke(frame.channel as Channel, frame.request as never);
        send({ id: frame.id, ok: true, reply });
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
        send({ id: frame.id, ok: false, error: { code: e.code, message: e.message, ...(e.words ? { words: e.words } : {}) } });
      }
    }
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => done());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
