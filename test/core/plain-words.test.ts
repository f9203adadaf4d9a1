// Messages in people's words: a validation problem says what the value must be (not the validator's
// "Too big: expected number to be <=4"), and a setting the core names is worded by each front end — the
// CLI with its flag, the studio with its label — so a desktop user never reads a command-line flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunConfigSchema, SampleParamsSchema } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import { nameFields, setting, wordsAt } from '../../shared/config-fields.ts';

const cli = (m: string) => nameFields(m, (path) => wordsAt(path)?.flag);
const studio = (m: string) => nameFields(m, (path, inline) => (inline ? `“${wordsAt(path)?.label}”` : wordsAt(path)?.label));

test('validation problems say what the value must be', () => {
  const config = RunConfigSchema.safeParse({ model: { layers: 9, units: 2.5, cell: 'lstmx' }, train: { lr: -1 } });
  assert.ok(!config.success);
  const message = describeZodError(config.error);
  assert.match(message, /model\.layers: must be at most 4/);
  assert.match(message, /model\.units: must be a whole number/);
  assert.match(message, /model\.cell: must be one of lstm, gru, rnn/);
  assert.match(message, /train\.lr: must be more than 0/);
  assert.doesNotMatch(message, /Too big|Too small|Invalid input|expected/);
  const params = SampleParamsSchema.safeParse({ temperature: 0 });
  assert.ok(!params.success);
  assert.equal(studio(describeZodError(params.error)), 'Temperature: must be more than 0');
});

test('each front end names a setting its own way, at the head of a problem and inside a sentence', () => {
  const fromCore = `model.units: must be at most 4096; dataset 1 is short: use a smaller ${setting('train.seqLen')} or ${setting('train.valSplit')}, or try anyway: ${setting('skipMemoryCheck')}.`;
  assert.equal(cli(fromCore), '--units: must be at most 4096; dataset 1 is short: use a smaller --seq-len or --val-split, or try anyway: --skip-memory-check.');
  assert.equal(studio(fromCore), 'Units: must be at most 4096; dataset 1 is short: use a smaller “Sequence length” or “Validation split”, or try anyway: “Start anyway”.');
  assert.doesNotMatch(studio(fromCore), /--[a-z]/);
});

test('every setting the core names in a message has a flag and a label', () => {
  const dir = join(import.meta.dirname, '../../main/core');
  const named = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/setting\((?:'([\w.]+)'|[^)]*\? '([\w.]+)' : '([\w.]+)')\)/g)].flatMap((m) => m.slice(1).filter(Boolean)));
  assert.ok(named.length >= 8, `found ${named.length}`);
  for (const path of named) {
    const words = wordsAt(path);
    assert.ok(words?.flag && words.label, `${path} has no flag or label`);
  }
  // And no core message names a flag outright any more.
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const [i, line] of readFileSync(join(dir, f), 'utf8').split('\n').entries()) {
      if (/ApiError\(|throw new|`[^`]*--[a-z]/.test(line) && !/^\s*(\/\/|\*)/.test(line)) assert.doesNotMatch(line, /`[^`]*\s--[a-z][a-z-]+/, `${f}:${i + 1} names a flag: ${line.trim()}`);
    }
  }
});
