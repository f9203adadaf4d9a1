// Nothing a client sends may end `rnn-studio serve` (and with it every run it trains): malformed
// cookies, paths, frames and messages each get an answer that names the problem, and afterwards the
// bridge still answers its own page. The bridge runs in this process, so a crash fails the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Studio } from '../../main/core/studio.ts';
import { startBridge, type Bridge } from '../../main/bridge/server.ts';
import { TOKEN_COOKIE, TOKEN_HEADER } from '../../shared/bridge-protocol.ts';
import { RequestSchemas } from '../../shared/schemas.ts';
import { prng, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
let studio: Studio;
let bridge: Bridge;
let base: string;
/** What would have ended `serve`: an error no one handled. The test runner catches it; `serve` would exit. */
const escaped: string[] = [];
const record = (err: unknown) => escaped.push(String(err));

before(async () => {
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  const page = join(dir.path, 'page');
  mkdirSync(page);
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  studio = Studio.open(home);
  bridge = await startBridge({ studio, staticDir: page });
  base = `http://127.0.0.1:${bridge.port}`;
});
after(async () => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
  await bridge.close();
  await studio.close();
  dir.cleanup();
});

/** A bound on every HTTP call, so a bridge that never answers fails the test rather than hanging it. */
const limit = () => AbortSignal.timeout(10_000);

type Reply = { id: number; ok: boolean; reply?: unknown; error?: { code: string; message: string } };

/** Opens an authorised WebSocket (extra headers allowed); resolves with it, or with the refusing HTTP status. */
function openSocket(path = `/api?token=${bridge.token}`, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, { origin: base, headers, handshakeTimeout: 10_000 });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

async function authorisedSocket(): Promise<WebSocket> {
  const ws = await openSocket();
  assert.ok(ws instanceof WebSocket, `the WebSocket was refused: ${String(ws)}`);
  ws.on('error', () => {}); // a connection the server closes on purpose may reset while we still send
  return ws;
}

/** The next reply on `ws`, or the close code if the server closes it first; null after `ms` of silence. */
function next(ws: WebSocket, ms = 5000): Promise<Reply | { closed: number } | null> {
  return new Promise((resolve) => {
    const done = (v: Reply | { closed: number } | null) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(v);
    };
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as Reply;
      if ('id' in m) done(m);
    };
    const onClose = (code: number) => done({ closed: code });
    const timer = setTimeout(() => done(null), ms);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    if (ws.readyState === ws.CLOSED) done({ closed: -1 });
  });
}

async function send(ws: WebSocket, message: unknown, options: { binary?: boolean } = {}): Promise<Reply | { closed: number } | null> {
  const reply = next(ws);
  const data = typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message);
  ws.send(data, { binary: options.binary ?? false });
  return reply;
}

/** What a user would notice: the page still loads with the token and the API still answers. */
async function stillAnswers(): Promise<void> {
  assert.deepEqual(escaped, [], 'an error escaped the bridge: `rnn-studio serve` would have exited');
  const page = await fetch(`${base}/?token=${bridge.token}`, { signal: limit() });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /RNN Studio/);
  const ws = await authorisedSocket();
  try {
    const info = (await send(ws, { id: 1, channel: 'app:info', request: {} })) as Reply;
    assert.equal(info.ok, true, JSON.stringify(info));
    assert.equal((info.reply as { home: string }).home, home);
  } finally {
    ws.close();
  }
}

/** Sends raw bytes to the bridge over TCP and collects whatever comes back until it hangs up (or `ms`). */
function raw(request: string | Buffer, opts: { endAfter?: boolean; ms?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(bridge.port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), opts.ms ?? 3000);
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(request, () => {
      if (opts.endAfter ?? true) socket.end();
    });
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

test('a cookie that is not valid percent-encoding is no token: 401 over HTTP and on the WebSocket upgrade', async () => {
  for (const value of ['%', '%E0%A4%A', '%zz', `${bridge.token}%`]) {
    const page = await fetch(`${base}/`, { headers: { cookie: `${TOKEN_COOKIE}=${value}` }, signal: limit() });
    assert.equal(page.status, 401, value);
    assert.match(await page.text(), /token/);
    assert.equal(await openSocket('/api', { cookie: `${TOKEN_COOKIE}=${value}` }), 401, value);
  }
  // The token and a malformed cookie together still work: the token in the URL is enough.
  assert.equal((await fetch(`${base}/?token=${bridge.token}`, { headers: { cookie: `${TOKEN_COOKIE}=%` }, signal: limit() })).status, 200);
  await stillAnswers();
});

test('a path that is not valid percent-encoding gets 400 naming it; a URL that does not parse gets 400', async () => {
  const bad = await fetch(`${base}/%E0%A4%A?token=${bridge.token}`, { signal: limit() });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /percent-encoding/);
  for (const path of ['//', '///', '/\\', '//[']) {
    const answer = await raw(`GET ${path}?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(answer), 400, `${path}: ${answer}`);
    assert.match(answer, /malformed request URL/);
    const upgrade = await raw(
      `GET ${path}?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${base}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    assert.equal(statusOf(upgrade), 400, `upgrade ${path}: ${upgrade}`);
  }
  await stillAnswers();
});

test('a request Node cannot parse, or with oversized headers, is answered 400 or 431', async () => {
  assert.equal(statusOf(await raw('NOT A REQUEST\r\n\r\n')), 400);
  const huge = await raw(`GET /?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.equal(statusOf(huge), 431);
  await stillAnswers();
});

test('a frame larger than the allowed payload is closed with 1009, invalid UTF-8 with 1007, and the bridge goes on', async () => {
  const big = await authorisedSocket();
  assert.deepEqual(await send(big, 'x'.repeat(8 * 1024 * 1024 + 1)), { closed: 1009 });
  const invalid = await authorisedSocket();
  assert.deepEqual(await send(invalid, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), { closed: 1007 });
  await stillAnswers();
});

test('binary frames, non-JSON and JSON that is not a request object are refused by name', async () => {
  const ws = await authorisedSocket();
  try {
    const binary = (await send(ws, Buffer.from(JSON.stringify({ id: 1, channel: 'app:info', request: {} })), { binary: true })) as Reply;
    assert.equal(binary.ok, false);
    assert.match(binary.error!.message, /binary frame/);
    const text = (await send(ws, 'not json')) as Reply;
    assert.deepEqual([text.id, text.ok, text.error!.code], [-1, false, 'invalid-request']);
    assert.match(text.error!.message, /not JSON/);
    for (const shape of ['42', 'null', '[]', '"app:info"', 'true', '{}', '{"id":"7","channel":"app:info"}', '{"id":7,"channel":3}']) {
      const reply = (await send(ws, shape)) as Reply;
      assert.equal(reply.ok, false, shape);
      assert.match(reply.error!.message, /malformed message: expected \{id, channel, request\}/, shape);
    }
    const badChannel = (await send(ws, '{"id":7,"channel":3}')) as Reply;
    assert.equal(badChannel.id, 7, 'the id is echoed when it can be');
    assert.match(badChannel.error!.message, /channel/);
  } finally {
    ws.close();
  }
  await stillAnswers();
});

test('Object.prototype names are no channels: "unknown channel", over the bridge and from Studio.invoke', async () => {
  const ws = await authorisedSocket();
  try {
    for (const channel of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      const reply = (await send(ws, { id: 9, channel, request: {} })) as Reply;
      assert.deepEqual(reply, { id: 9, ok: false, error: { code: 'invalid-request', message: `unknown channel "${channel}"` } });
      await assert.rejects(studio.invoke(channel as never, {} as never), { code: 'invalid-request', message: `unknown channel "${channel}"` });
    }
  } finally {
    ws.close();
  }
  await stillAnswers();
});

test('a request with the wrong types gets a message naming the field', async () => {
  const ws = await authorisedSocket();
  try {
    const cases: Array<[string, unknown, RegExp]> = [
      ['runs:get', { id: 'seven' }, /^runs:get: id: /],
      ['datasets:preview', { id: 1, chars: 'many' }, /^datasets:preview: chars: /],
      ['runs:metrics', { ids: 'all' }, /^runs:metrics: ids: /],
      ['runs:control', { id: 1, command: 'explode' }, /^runs:control: command: /],
      ['app:info', { extra: true }, /extra/],
    ];
    for (const [channel, request, message] of cases) {
      const reply = (await send(ws, { id: 3, channel, request })) as Reply;
      assert.equal(reply.ok, false, channel);
      assert.equal(reply.error!.code, 'invalid-request', channel);
      assert.match(reply.error!.message, message, channel);
    }
  } finally {
    ws.close();
  }
  await stillAnswers();
});

test('an aborted upload leaves no partial file and no empty upload folder behind', async () => {
  const headers = { [TOKEN_HEADER]: bridge.token, origin: base };
  const first = await fetch(`${base}/upload?name=whole.txt`, { method: 'POST', body: 'A complete file.\n', headers, signal: limit() });
  assert.equal(first.status, 200);
  const { uploadId } = (await first.json()) as { uploadId: string };
  const uploads = join(home, 'uploads');
  const partial = join(uploads, uploadId, 'partial.txt');

  /** Starts a POST that promises `length` bytes, sends some, waits until the server holds them, then hangs up. */
  const abort = async (path: string, waitFor: () => boolean) => {
    const socket = tcpConnect(bridge.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${base}\r\n${TOKEN_HEADER}: ${bridge.token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n${'partial line\n'.repeat(100)}`,
    );
    await until(waitFor, 'the server to start writing the upload');
    socket.destroy();
  };

  await abort(`/upload?name=partial.txt&uploadId=${uploadId}`, () => existsSync(partial) && statSync(partial).size > 0);
  await until(() => !existsSync(partial), 'the partial file to be removed');
  assert.deepEqual(readdirSync(join(uploads, uploadId)), ['whole.txt']);

  // Without an uploadId the bridge made a folder for it: that goes too.
  const folders = new Set(readdirSync(uploads));
  let created = '';
  await abort('/upload?name=alone.txt', () => {
    created = readdirSync(uploads).find((f) => !folders.has(f)) ?? '';
    return created !== '' && existsSync(join(uploads, created, 'alone.txt'));
  });
  await until(() => !existsSync(join(uploads, created)), 'the new upload folder to be removed');

  // The upload the user finished imports as it was.
  const reply = await studio.invoke('datasets:import', { uploadId, name: 'Whole' });
  assert.equal(reply.dataset.files, 1);
  await stillAnswers();
});

/** Waits (bounded) for something the server does after a client's action. */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- A seeded fuzz: the same 300 cases every run. ----

class Fuzz {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }
  /** Text with the characters that trouble parsers: %, escapes, controls, non-ASCII, separators. */
  text(max: number): string {
    const parts = ['%', '%%', '%E0%A4%A', '%00', '%2F', '%2e%2e', '%zz', '%C0%AF', '..', '/', '//', '\\', '?', '#', '&', '=', ';', ' ', '"', "'", 'é', '😀', '\u0000', '\u202e', 'a', 'token', '__proto__'];
    let s = '';
    for (let i = this.int(max); i > 0; i--) s += this.chance(0.7) ? this.pick(parts) : String.fromCharCode(this.int(0x3000));
    return s;
  }
  /** A random JSON value of bounded depth; object keys never collide with the contract's field names. */
  json(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 9 : 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e308, -0, 2 ** 53, 7]);
      case 3:
        return this.text(8);
      case 4:
        return '';
      case 5:
        return this.pick(['id', 'channel', 'request', '{}', '[]']);
      case 6:
      case 7:
        return Object.fromEntries(Array.from({ length: this.int(4) }, () => [`k${this.text(4)}`, this.json(depth - 1)]));
      default:
        return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
    }
  }
  /** A value of the wrong type for a field that wants a positive integer id. */
  wrongId(): unknown {
    return this.pick(['1', -3, 0, 1.5, null, true, [], {}, 'seven', 1e300]);
  }
}

const CHANNELS = Object.keys(RequestSchemas);

function fuzzFrame(f: Fuzz): { data: string | Buffer; binary: boolean } {
  switch (f.int(6)) {
    case 0:
      return { data: f.bytes(f.int(64)), binary: true };
    case 1:
      return { data: f.bytes(f.int(64)), binary: false }; // mostly invalid UTF-8: the server closes with 1007
    case 2:
      return { data: JSON.stringify(f.json()), binary: false };
    case 3:
      return { data: f.text(20), binary: false };
    default: {
      const channel = f.chance(0.6) ? f.pick(CHANNELS) : f.pick(['toString', '__proto__', 'constructor', 'hasOwnProperty', '', f.text(10)]);
      const request = f.chance(0.5) ? f.json() : { id: f.wrongId(), runId: f.wrongId(), [`k${f.text(3)}`]: f.json(1) };
      const id = f.chance(0.8) ? f.int(1000) : f.json(0);
      return { data: JSON.stringify({ id, channel, request }), binary: false };
    }
  }
}

function fuzzHttp(f: Fuzz): string | Buffer {
  const port = bridge.port;
  const method = f.pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'G\u00e9T', '', f.text(6)]);
  const token = f.pick([`token=${bridge.token}`, `token=${bridge.token}`, 'token=%', `token=${f.text(10)}`, '', `token=${bridge.token}&token=x`]);
  const path = f.pick(['/', '/api', '/upload', '//', '/assets/', '/index.html', '/..', '', '*', 'http://127.0.0.1/']) + f.text(12) + (f.chance(0.8) ? `?${token}` : '');
  const lines = [`${method} ${path} ${f.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/1.1', ''])}`];
  if (f.chance(0.85)) lines.push(`Host: ${f.pick([`127.0.0.1:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, 'evil.example', '', f.text(8)])}`);
  if (f.chance(0.5)) lines.push(`Origin: ${f.pick([`http://127.0.0.1:${port}`, 'http://evil.example', 'null', f.text(8)])}`);
  if (f.chance(0.5)) lines.push(`Cookie: ${f.pick([`${TOKEN_COOKIE}=${f.text(8)}`, `${TOKEN_COOKIE}=${bridge.token}`, `${TOKEN_COOKIE}=%`, f.text(16), `${TOKEN_COOKIE}`])}`);
  if (f.chance(0.2)) lines.push(`${TOKEN_HEADER}: ${f.pick([bridge.token, f.text(8)])}`);
  if (f.chance(0.2)) lines.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${f.pick(['dGhlIHNhbXBsZSBub25jZQ==', f.text(8)])}`);
  if (f.chance(0.1)) lines.push(`X-Huge: ${'h'.repeat(f.pick([1000, 20_000, 100_000]))}`);
  if (f.chance(0.2)) lines.push(`${f.text(6)}: ${f.text(12)}`);
  let body = '';
  if (f.chance(0.3)) {
    body = f.text(40);
    lines.push(f.chance(0.7) ? `Content-Length: ${f.pick([Buffer.byteLength(body), Buffer.byteLength(body) + 50, 0, -1])}` : 'Transfer-Encoding: chunked');
  }
  let request = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  if (f.chance(0.1)) request = Buffer.concat([request, f.bytes(32)]);
  if (f.chance(0.2)) request = request.subarray(0, f.int(request.length)); // truncated
  return request;
}

/** An upgraded WebSocket over TCP whose framing we write by hand (bad opcodes, unmasked frames, lies about length). */
async function rawWebSocket(bytes: Buffer): Promise<void> {
  await raw(
    Buffer.concat([
      Buffer.from(
        `GET /api?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${base}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      ),
      bytes,
    ]),
    { ms: 1000 },
  );
}

test('a seeded fuzz of 300 WebSocket frames and raw HTTP requests never stops the bridge from answering', async () => {
  const f = new Fuzz(0x5eed_2024);
  let ws = await authorisedSocket();
  const outcomes = { replies: 0, closes: 0, http: 0, rawFrames: 0 };
  for (let i = 0; i < 300; i++) {
    const kind = f.int(10);
    if (kind < 5) {
      if (ws.readyState !== ws.OPEN) ws = await authorisedSocket();
      const { data, binary } = fuzzFrame(f);
      const outcome = await send(ws, data, { binary });
      assert.ok(outcome, `case ${i}: the bridge neither answered nor closed`);
      if ('closed' in outcome) outcomes.closes++;
      else {
        outcomes.replies++;
        if (!outcome.ok) assert.ok(outcome.error!.message.length > 0, `case ${i}: an error without a message`);
      }
    } else if (kind < 9) {
      await raw(fuzzHttp(f), { ms: 1000 });
      outcomes.http++;
    } else {
      // Masked and unmasked frames with random opcodes, flags and lengths (including 2^63-ish lengths).
      const header = f.pick([Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([f.int(256), f.int(256)]), Buffer.from([0x81, 0x05])]);
      await rawWebSocket(Buffer.concat([header, f.bytes(f.int(40))]));
      outcomes.rawFrames++;
    }
  }
  ws.close();
  assert.ok(outcomes.replies > 0 && outcomes.closes > 0 && outcomes.http > 0 && outcomes.rawFrames > 0, JSON.stringify(outcomes));
  await stillAnswers();
});
