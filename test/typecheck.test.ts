import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers.ts';

test('the TypeScript sources type-check under strict mode', () => {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test('the Svelte renderer type-checks (svelte-check)', () => {
  const check = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'svelte-check', 'bin', 'svelte-check'), '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});
