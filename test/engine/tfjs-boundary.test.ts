// Only the engine's worker loads TensorFlow.js: the desktop app's main process, the CLI, the bridge and the
// core reach the engine through main/engine/index.ts and the worker's URL, so a training library never
// loads on the event loop that owns the UI or the terminal. Checked on the import graph (static and
// dynamic imports, type-only ones left out), which is what the runtime loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers.ts';

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module `entry` loads, and the bare packages among them, as paths relative to the repo. */
function graph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package → the file that imports it
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (existsSync(target)) visit(target);
      } else if (!spec.startsWith('node:')) packages.set(spec, relative(ROOT, file));
    }
  };
  visit(resolve(ROOT, entry));
  return { files, packages };
}

const tfjsIn = (packages: Map<string, string>) => [...packages].filter(([name]) => name.startsWith('@tensorflow/'));

for (const entry of ['main/core/studio.ts', 'main/cli/main.ts', 'main/bridge/server.ts', 'main/electron/main.ts']) {
  test(`${entry} never loads TensorFlow.js: only the engine's worker does`, () => {
    const { files, packages } = graph(entry);
    assert.ok(files.size > 3, `the walk found ${entry}'s imports`);
    assert.deepEqual(tfjsIn(packages), [], `reached through ${[...files].map((f) => relative(ROOT, f)).filter((f) => f.startsWith('main/engine')).join(', ')}`);
  });
}

test("the engine's worker does load TensorFlow.js (so the walk above can see it)", () => {
  const worker = join('main', 'engine', 'worker.ts');
  assert.ok(tfjsIn(graph(worker).packages).length > 0);
});
