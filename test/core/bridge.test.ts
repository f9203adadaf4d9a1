import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Studio } from '../../main/core/studio.ts';
import { startBridge, type Bridge } from '../../main/bridge/server.ts';
import { TOKEN_HEADER } from '../../shared/bridge-protocol.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
let studio: Studio;
let bridge: Bridge;
let base: string;

before(async () => {
  const page = join(dir.path, 'page');
  mkdirSync(page);
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  studio = Studio.open(join(dir.path, 'home'));
  bridge = await startBridge({ studio, staticDir: page });
  base = `http://127.0.0.1:${bridge.port}`;
});
after(async () => {
  await bridge.close();
  await studio.close();
  dir.cleanup();
});

/** Opens a WebSocket; resolves with it once open, or with the HTTP status that refused it. */
function connect(path: string, origin: string | undefined): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, origin ? { origin } : {});
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

function call(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data));
      if ('id' in m) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

test('the page needs the token: none or a wrong one gets 401; the right one serves it and sets a cookie', async () => {
  assert.equal((await fetch(`${base}/`)).status, 401);
  assert.equal((await fetch(`${base}/?token=wrong`)).status, 401);
  const ok = await fetch(`${base}/?token=${bridge.token}`);
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /RNN Studio/);
  assert.match(ok.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
  assert.match(ok.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0];
  assert.equal((await fetch(`${base}/assets/x.js`, { headers: { cookie } })).status, 200);
});

test('another Origin or Host is refused, even with the token', async () => {
  assert.equal((await fetch(`${base}/?token=${bridge.token}`, { headers: { origin: 'http://evil.example' } })).status, 403);
  assert.equal(await connect(`/api?token=${bridge.token}`, 'http://evil.example'), 403);
  assert.equal(await connect(`/api?token=${bridge.token}`, undefined), 403);
  const upload = await fetch(`${base}/upload?name=a.txt`, { method: 'POST', body: 'x', headers: { [TOKEN_HEADER]: bridge.token, origin: 'http://evil.example' } });
  assert.equal(upload.status, 403);
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve) => {
    request({ host: '127.0.0.1', port: bridge.port, path: `/?token=${bridge.token}`, headers: { host: 'attacker.example' } }, (res) => resolve(res.statusCode!)).end();
  });
  assert.equal(status, 403);
});

test('the WebSocket API needs the token and answers the contract, refusing bad frames by name', async () => {
  assert.equal(await connect('/api', base), 401);
  assert.equal(await connect('/api?token=nope', base), 401);
  const ws = (await connect(`/api?token=${bridge.token}`, base)) as WebSocket;
  try {
    const info = await call(ws, { id: 1, channel: 'app:info', request: {} });
    assert.equal(info.ok, true);
    assert.equal((info.reply as { home: string }).home, join(dir.path, 'home'));
    const bad = await call(ws, { id: 2, channel: 'runs:get', request: { id: 'seven' } });
    assert.deepEqual(bad, { id: 2, ok: false, error: { code: 'invalid-request', message: 'runs:get: id: must be a number' } });
    const unknown = await call(ws, { id: 3, channel: 'files:read', request: {} });
    assert.match(String((unknown.error as { message: string }).message), /unknown channel "files:read"/);
    const garbage = await call(ws, 'not json');
    assert.equal(garbage.ok, false);
  } finally {
    ws.close();
  }
});

test('files streamed to /upload import as a dataset; the upload folder is removed; names cannot climb out', async () => {
  const headers = { [TOKEN_HEADER]: bridge.token, origin: base };
  const first = await fetch(`${base}/upload?name=${encodeURIComponent('poems/a.txt')}`, { method: 'POST', body: 'Roses are red.\n', headers });
  const { uploadId } = (await first.json()) as { uploadId: string };
  await fetch(`${base}/upload?name=${encodeURIComponent('poems/b.txt')}&uploadId=${uploadId}`, { method: 'POST', body: 'Violets are blue.\n', headers });
  const escape = await fetch(`${base}/upload?name=${encodeURIComponent('../../evil.txt')}&uploadId=${uploadId}`, { method: 'POST', body: 'x', headers });
  assert.equal(escape.status, 400);
  const reply = await studio.invoke('datasets:import', { uploadId, name: 'Poems' });
  assert.equal(reply.dataset.files, 2);
  assert.equal(reply.dataset.name, 'Poems');
  await assert.rejects(studio.invoke('datasets:import', { uploadId }), /does not exist/);
});
