// What a training run says about its engine: in people's words by default ("fast engine · 2 cores"), the
// backends tried and the kernels only with --verbose; --json keeps every note and adds the facts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEngine } from '../../shared/engine.ts';
import { nativeStatus } from '../../main/engine/native/addon.ts';
import { cli, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
const tiny = ['--units', '8', '--embedding', '4', '--seq-len', '8', '--batch', '2', '--max-steps', '2', '--sample-every', '0'];

before(async () => {
  writeFileSync(join(dir.path, 'text.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(20));
  assert.equal((await cli(['import', join(dir.path, 'text.txt')], home)).code, 0);
});
after(() => dir.cleanup());

const { kernels, threads } = nativeStatus();
const expected = describeEngine({ kernels: kernels ? kernels.info().kernels : null, threads }, 'wasm');

test('train names the engine in plain words and keeps the backends it tried for --verbose', async () => {
  const plain = await cli(['train', '1', ...tiny], home);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, new RegExp(`Run 1 on the ${expected.label.replace('·', '.')}: `));
  assert.doesNotMatch(plain.stdout, /backend unavailable|kernels on \d+ thread/);

  const verbose = await cli(['--verbose', 'train', '1', ...tiny], home);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.ok(verbose.stdout.includes(`(${expected.details})`), verbose.stdout);
  if (kernels) assert.match(verbose.stdout, /native \w+ kernels on \d+ thread/);
});

test('--json keeps every note and adds the engine facts and which notes describe it', async () => {
  const r = await cli(['train', '1', ...tiny, '--json'], home);
  assert.equal(r.code, 0, r.stderr);
  const ready = r.lines.find((l) => l.event === 'ready') as { notes: string[]; engine: { kernels: string | null; threads: number }; engineNotes: string[] };
  assert.deepEqual(ready.engine, { kernels: kernels ? kernels.info().kernels : null, threads });
  assert.ok(ready.engineNotes.length > 0 && ready.engineNotes.every((n) => ready.notes.includes(n)));
});
