// The export's train.py checked in PyTorch itself (test/pytorch/check_train.py, on export folders written
// from random weights): its model computes the studio's formulas (float64 reference, 1e-6), loads every
// cell and size strictly, ignores padding, trains, resumes, refuses bad inputs by name, and gives on two
// DDP processes what it gives on one. The node side only runs it and reads its summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';
import { TORCH_PYTHON, hasTorch, torchEnv } from '../torch.mjs';

test("train.py computes the studio's model, trains, resumes and refuses bad input (check_train.py)", (t) => {
  assert.ok(hasTorch(), 'PyTorch is missing: apt-get install -y python3-torch libopenblas0-pthread (npm test installs it as root)');
  const r = spawnSync(TORCH_PYTHON, [join(ROOT, 'test', 'pytorch', 'check_train.py')], { cwd: ROOT, env: torchEnv(1), encoding: 'utf8', timeout: 900_000 });
  const summary = /(\d+) passed, (\d+) failed/.exec(r.stdout);
  assert.ok(summary, `check_train.py printed no summary (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  t.diagnostic(summary[0]);
  assert.equal(Number(summary[2]), 0, r.stdout.split('\n').filter((l) => /FAIL|Error|assert/i.test(l)).join('\n'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Number(summary[1]) > 100, 'every cell, size and pooling was checked');
});
