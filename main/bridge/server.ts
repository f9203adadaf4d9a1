// The browser bridge: serves the built renderer and the API over HTTP + WebSocket on 127.0.0.1 only,
// for headless machines and for end-to-end tests. A random token guards every request; requests from
// another Origin or Host (other sites, DNS rebinding) are refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { ApiError, EVENT_NAMES, type Channel } from '../../shared/api.ts';
import { TOKEN_COOKIE, TOKEN_HEADER, type BridgeMessage } from '../../shared/bridge-protocol.ts';
import { RequestSchemas } from '../../shared/schemas.ts';
import type { Studio } from '../core/studio.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';

export interface BridgeOptions {
  studio: Studio;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
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

const RequestFrame = z.object({ id: z.number().int(), channel: z.string(), request: z.unknown() });

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
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

  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  };

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.searchParams.get('name');
    if (!name) return refuse(res, 400, 'the upload needs a ?name= for the file');
    const id = url.searchParams.get('uploadId') || opts.studio.uploads.create();
    const target = opts.studio.uploads.filePath(id, name);
    await pipeline(req, createWriteStream(target));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uploadId: id }));
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    let file = join(staticDir, rel);
    if (!file.startsWith(staticDir + sep) && file !== staticDir) return refuse(res, 403, 'outside the app');
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, 'index.html'); // one-page app
    if (!existsSync(file)) return refuse(res, 500, `the renderer is not built (${staticDir}); run npm start or npm run build`);
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (sameToken(url.searchParams.get('token'))) headers['set-cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostOk(req)) return refuse(res, 403, 'RNN Studio answers only on 127.0.0.1 and localhost');
    if (!authorised(req, url)) return refuse(res, 401, 'RNN Studio needs the link with its token: copy it from the terminal that started `rnn-studio serve`.');
    if (req.method === 'POST' && url.pathname === '/upload') {
      if (!originOk(req, true)) return refuse(res, 403, 'uploads are accepted only from the studio page');
      upload(req, res, url).catch((err: Error) => refuse(res, err instanceof ApiError ? 400 : 500, err.message));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    if (!originOk(req, false)) return refuse(res, 403, 'requests from other sites are refused');
    serveStatic(req, res, url);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const deny = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    };
    if (!hostOk(req) || !originOk(req, true)) return deny('403 Forbidden');
    if (!authorised(req, url)) return deny('401 Unauthorized');
    if (url.pathname !== '/api') return deny('404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
  });

  function connect(ws: WebSocket): void {
    const send = (m: BridgeMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    const offs = EVENT_NAMES.map((event) => opts.studio.on(event, (payload) => send({ event, payload })));
    ws.on('close', () => offs.forEach((off) => off()));
    ws.on('message', async (data) => {
      let frame: z.infer<typeof RequestFrame>;
      try {
        frame = RequestFrame.parse(JSON.parse(String(data)));
      } catch {
        return send({ id: -1, ok: false, error: { code: 'invalid-request', message: 'malformed message: expected {id, channel, request}' } });
      }
      if (!(frame.channel in RequestSchemas)) {
        return send({ id: frame.id, ok: false, error: { code: 'invalid-request', message: `unknown channel "${frame.channel}"` } });
      }
      try {
        const reply = await opts.studio.invoke(frame.channel as Channel, frame.request as never);
        send({ id: frame.id, ok: true, reply });
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError('internal', (err as Error).message);
        send({ id: frame.id, ok: false, error: { code: e.code, message: e.message } });
      }
    });
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
