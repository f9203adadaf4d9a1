// The catalogue of bad inputs (issue 9, "nothing lost, nothing crashes"): bad files, bad CLI flags and bad
// API payloads, each with the message fragment that names its problem. After every row, what was already
// stored — one dataset and one tiny trained run — must be exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ApiError, type Channel } from '../../shared/api.ts';
import { MAX_IMPORT_BYTES_VAR } from '../../main/engine/corpus/read.ts';
import { Studio } from '../../main/core/studio.ts';
import { cli, tempDir } from '../helpers.ts';

const TINY_RUN = ['--units', '8', '--layers', '1', '--max-steps', '4', '--seq-len', '8', '--batch', '2', '--seed', '1'];
const TINY_CONFIG = { model: { units: 8, layers: 1 }, train: { maxSteps: 4, seqLen: 8, batch: 2, seed: 1 } };
const linux = process.platform === 'linux';

/** The bad files, written once into `dir`; rows refer to them by name. */
function writeBadFiles(dir: string): void {
  const put = (name: string, content: string | Uint8Array) => {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  };
  put('empty.txt', '');
  put('binary.dat', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00, 0xff]));
  put('nul.txt', 'hello\0world, this is text with one NUL\n');
  put('stray-byte.txt', Buffer.concat([Buffer.from('Grüße, ok\nline two'), Buffer.from([0xff]), Buffer.from(' and more\n')]));
  put('latin1.txt', Buffer.from('Le café était très animé; déjà vu à Noël, señor.\n'.repeat(20), 'latin1'));
  put('utf16le.txt', Buffer.from('plain text saved as UTF-16 without a byte-order mark\n'.repeat(5), 'utf16le'));
  put('utf16be.txt', Buffer.from('plain text saved as UTF-16 without a byte-order mark\n'.repeat(5), 'utf16le').swap16());
  put('bom-only.txt', new Uint8Array([0xef, 0xbb, 0xbf]));
  put('fine.txt', 'a perfectly good file of text, a little over one hundred bytes long, used to test the import size limit.\n');
  put('big-folder/a.txt', 'x'.repeat(80));
  put('big-folder/b.txt', 'y'.repeat(80));
  mkdirSync(join(dir, 'empty-folder'));
  put('hidden-only/.DS_Store', 'x');
  put('hidden-only/.notes.txt', 'hidden text');
  put('dangling/a.txt', 'fine\n');
  symlinkSync(join(dir, 'nowhere.txt'), join(dir, 'dangling', 'b.txt'));
  put('no-label-col.csv', 'text,sentiment\ngood film,pos\nbad film,neg\n');
  put('one-class.csv', 'text,label\ngood,pos\nfine,pos\n');
  put('empty-label.csv', 'text,label\ngood,pos\nbad,\n');
  put('empty-text.tsv', 'text\tlabel\ngood\tpos\n \tneg\n');
  put('bad-quotes.csv', 'text,label\n"unclosed quote,pos\nbad,neg\n');
  put('object-text.jsonl', '{"text": {"body": "hi"}, "label": "x"}\n{"text": "b", "label": "y"}\n');
  put('array-label.jsonl', '{"text": "a", "label": "x"}\n{"text": "b", "label": ["y", "z"]}\n');
  put('null-text.jsonl', '{"text": "a", "label": "x"}\n{"text": null, "label": "y"}\n');
  put('number-text.jsonl', '{"text": 42, "label": "x"}\n{"text": "b", "label": "y"}\n');
  put('null-label.jsonl', '{"text": "a", "label": null}\n{"text": "b", "label": "y"}\n');
  put('malformed.jsonl', '{"text": "a", "label": "x"}\n{"text": "b", "label": }\n');
  put('not-object.jsonl', '{"text": "a", "label": "x"}\n[1, 2]\n');
  put('flat-folder/a.txt', 'no sub-folders here\n');
  put('one-class-folder/pos/a.txt', 'great\n');
  put('one-class-folder/pos/b.txt', 'superb\n');
  put('labelled-bad/pos/a.txt', 'great\n');
  put('labelled-bad/neg/b.txt', Buffer.from([0x62, 0x61, 0x64, 0x00, 0x01]));
  if (linux) {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    mkdirSync(join(dir, 'fifo-folder'));
    writeFileSync(join(dir, 'fifo-folder', 'a.txt'), 'fine\n');
    execFileSync('mkfifo', [join(dir, 'fifo-folder', 'pipe')]);
  }
}

interface Row {
  /** What is wrong, as the test's message says it. */
  name: string;
  /** The message fragment the refusal must contain: it names the problem or the field. */
  expect: RegExp;
  /** CLI arguments after `--home`; files are given relative to the bad-files folder with a leading '@'. */
  cli?: string[];
  /** Or a channel and payload for Studio.invoke. */
  channel?: string;
  payload?: unknown;
  env?: Record<string, string>;
  skip?: boolean;
}

const ROWS: Row[] = [
  // Files, through the real CLI.
  { name: '/dev/zero never ends', cli: ['import', '/dev/zero'], expect: /\/dev\/zero: is a character device, not a regular file/, skip: !linux },
  { name: '/dev/zero as CSV', cli: ['import', '/dev/zero', '--format', 'csv'], expect: /zero: is a character device/, skip: !linux },
  { name: 'a FIFO would wait forever', cli: ['import', '@pipe'], expect: /pipe: is a FIFO \(named pipe\), not a regular file/, skip: !linux },
  { name: 'a folder holding a FIFO', cli: ['import', '@fifo-folder'], expect: /fifo-folder\/pipe: is a FIFO/, skip: !linux },
  { name: 'a file over the size limit', cli: ['import', '@fine.txt'], env: { [MAX_IMPORT_BYTES_VAR]: '100' }, expect: /fine\.txt: is 105 bytes, over the import size limit of 100 bytes; raise it with the environment variable RNN_STUDIO_MAX_IMPORT_BYTES/ },
  { name: 'UTF-16LE without a BOM', cli: ['import', '@utf16le.txt'], expect: /looks like UTF-16LE without a byte-order mark: import it with --encoding utf-16le/ },
  { name: 'an unknown encoding name', cli: ['import', '@fine.txt', '--encoding', 'klingon'], expect: /unknown encoding "klingon"/ },
  { name: 'an unknown format', cli: ['import', '@fine.txt', '--format', 'xml'], expect: /--format <format>' argument 'xml' is invalid/ },
  { name: '--max-charset 0', cli: ['import', '@fine.txt', '--max-charset', '0'], expect: /--max-charset: must be (at least|more than)/ },
  { name: 'a missing file', cli: ['import', '@missing.txt'], expect: /missing\.txt: no such file or folder/ },
  // Training flags.
  { name: '--units 0', cli: ['train', '1', '--units', '0'], expect: /--units: must be (at least|more than)/ },
  { name: '--lr -1', cli: ['train', '1', '--lr', '-1'], expect: /--lr: must be (at least|more than)/ },
  { name: '--seq-len abc', cli: ['train', '1', '--seq-len', 'abc'], expect: /--seq-len takes a whole number \(got "abc"\)/ },
  { name: '--dropout 1.5', cli: ['train', '1', '--dropout', '1.5'], expect: /--dropout: must be (at most|less than)/ },
  { name: '--layers 9', cli: ['train', '1', '--layers', '9'], expect: /--layers: must be (at most|less than)/ },
  { name: '--val-split 0.9', cli: ['train', '1', '--val-split', '0.9'], expect: /--val-split: must be (at most|less than)/ },
  { name: '--cell foo', cli: ['train', '1', '--cell', 'foo'], expect: /'--cell <type>' argument 'foo' is invalid/ },
  { name: '--bidirectional on a generator', cli: ['train', '1', '--bidirectional'], expect: /bidirectional layers are for classifiers/ },
  { name: '--max-steps 0', cli: ['train', '1', '--max-steps', '0'], expect: /--max-steps: must be (at least|more than)/ },
  { name: '--batch 0', cli: ['train', '1', '--batch', '0'], expect: /--batch: must be (at least|more than)/ },
  { name: '--embedding 100000', cli: ['train', '1', '--embedding', '100000'], expect: /--embedding: must be (at most|less than)/ },
  { name: '--task classify on a corpus', cli: ['train', '1', '--task', 'classify'], expect: /text corpus without labels/ },
  { name: 'an unknown flag', cli: ['train', '1', '--frobnicate'], expect: /unknown option '--frobnicate'/ },
  { name: 'a dataset that does not exist', cli: ['train', '99'], expect: /there is no dataset 99/ },
  // Sampling, resuming and the rest.
  { name: 'sample --temperature 0', cli: ['sample', '1', '--temperature', '0'], expect: /--temperature: must be (at least|more than)/ },
  { name: 'sample --top-p 2', cli: ['sample', '1', '--top-p', '2'], expect: /--top-p: must be (at most|less than)/ },
  { name: 'sample --length 0', cli: ['sample', '1', '--length', '0'], expect: /--length: must be (at least|more than)/ },
  { name: 'sample a run that does not exist', cli: ['sample', '99'], expect: /there is no run 99/ },
  { name: 'classify with a generator', cli: ['classify', '1', 'hello'], expect: /run 1 is a generator/ },
  { name: 'evaluate on a plain corpus', cli: ['evaluate', '1', '@fine.txt'], expect: /evaluating needs labelled examples/ },
  { name: 'delete a dataset that has runs', cli: ['delete', 'dataset', '1'], expect: /dataset 1 has 1 run\(s\) \(1\)/ },
  { name: 'an unknown command', cli: ['frobnicate'], expect: /unknown command 'frobnicate'/ },

  // Files, through Studio.invoke('datasets:import').
  { name: 'an empty file', channel: 'datasets:import', payload: { path: '@empty.txt' }, expect: /empty\.txt: the file is empty/ },
  { name: 'a binary file', channel: 'datasets:import', payload: { path: '@binary.dat' }, expect: /binary\.dat: contains a NUL byte at byte 4: this looks like a binary file/ },
  { name: 'a NUL byte in text', channel: 'datasets:import', payload: { path: '@nul.txt' }, expect: /nul\.txt: contains a NUL byte at byte 5/ },
  {
    name: 'one stray byte in UTF-8: where it is, and no legacy encoding suggested',
    channel: 'datasets:import',
    payload: { path: '@stray-byte.txt' },
    expect: /stray-byte\.txt: is not valid UTF-8 \(bad byte 0xff at byte 20, line 2, column 9; the only one, the rest is valid UTF-8\)\. Fix or remove it and import again\.$/,
  },
  { name: 'a legacy encoding', channel: 'datasets:import', payload: { path: '@latin1.txt' }, expect: /latin1\.txt: is not valid UTF-8 \(first bad byte 0xe9 at byte 6, line 1, column 7; \d+ bytes in all are not UTF-8\)\. .*--encoding/ },
  { name: 'UTF-16BE without a BOM', channel: 'datasets:import', payload: { path: '@utf16be.txt' }, expect: /looks like UTF-16BE without a byte-order mark: import it with --encoding utf-16be/ },
  { name: 'a byte-order mark and nothing else', channel: 'datasets:import', payload: { path: '@bom-only.txt' }, expect: /bom-only\.txt: the file is empty \(it holds only a byte-order mark\)/ },
  { name: 'a folder over the size limit', channel: 'datasets:import', payload: { path: '@big-folder' }, env: { [MAX_IMPORT_BYTES_VAR]: '100' }, expect: /big-folder: its files come to 160 bytes, over the import size limit of 100 bytes; raise it with the environment variable RNN_STUDIO_MAX_IMPORT_BYTES/ },
  { name: 'a size limit that is not a number', channel: 'datasets:import', payload: { path: '@fine.txt' }, env: { [MAX_IMPORT_BYTES_VAR]: 'lots' }, expect: /RNN_STUDIO_MAX_IMPORT_BYTES="lots" is not a number of bytes/ },
  { name: 'a folder with no files', channel: 'datasets:import', payload: { path: '@empty-folder' }, expect: /empty-folder: the folder holds no files$/ },
  { name: 'a folder with only hidden files', channel: 'datasets:import', payload: { path: '@hidden-only' }, expect: /hidden-only: the folder holds no files \(only 2 hidden entries, which import skips\)/ },
  { name: 'a link to nothing in a folder', channel: 'datasets:import', payload: { path: '@dangling' }, expect: /dangling\/b\.txt: is a link to a file or folder that does not exist/ },
  { name: 'CSV missing its label column', channel: 'datasets:import', payload: { path: '@no-label-col.csv' }, expect: /no-label-col\.csv: no "label" column \(columns: text, sentiment\); choose one with --label-column/ },
  { name: 'a column named by flag that is not there', channel: 'datasets:import', payload: { path: '@no-label-col.csv', textColumn: 'body' }, expect: /no column "body"/ },
  { name: 'CSV with one class', channel: 'datasets:import', payload: { path: '@one-class.csv' }, expect: /every example has the label "pos": a classifier needs at least two classes/ },
  { name: 'CSV with an empty label', channel: 'datasets:import', payload: { path: '@empty-label.csv' }, expect: /empty-label\.csv: row 2 \(line 3\) has an empty label/ },
  { name: 'TSV with an empty text', channel: 'datasets:import', payload: { path: '@empty-text.tsv' }, expect: /empty-text\.tsv: row 2 \(line 3\) has an empty text/ },
  { name: 'CSV with an unclosed quote', channel: 'datasets:import', payload: { path: '@bad-quotes.csv' }, expect: /bad-quotes\.csv: not valid CSV/ },
  { name: 'JSONL with an object as text', channel: 'datasets:import', payload: { path: '@object-text.jsonl' }, expect: /object-text\.jsonl: line 1: the text \("text"\) is an object \(\{"body":"hi"\}\), not a string/ },
  { name: 'JSONL with an array as label', channel: 'datasets:import', payload: { path: '@array-label.jsonl' }, expect: /array-label\.jsonl: line 2: the label \("label"\) is an array \(\["y","z"\]\)/ },
  { name: 'JSONL with null as text', channel: 'datasets:import', payload: { path: '@null-text.jsonl' }, expect: /null-text\.jsonl: line 2: the text \("text"\) is null/ },
  { name: 'JSONL with a number as text', channel: 'datasets:import', payload: { path: '@number-text.jsonl' }, expect: /number-text\.jsonl: line 1: the text \("text"\) is a number \(42\), not a string/ },
  { name: 'JSONL with null as label', channel: 'datasets:import', payload: { path: '@null-label.jsonl' }, expect: /null-label\.jsonl: line 1: the label \("label"\) is null/ },
  { name: 'a malformed JSON line', channel: 'datasets:import', payload: { path: '@malformed.jsonl' }, expect: /malformed\.jsonl: line 2 is not valid JSON/ },
  { name: 'a JSON line that is not an object', channel: 'datasets:import', payload: { path: '@not-object.jsonl' }, expect: /not-object\.jsonl: line 2 is not a JSON object/ },
  { name: 'labelled folders without sub-folders', channel: 'datasets:import', payload: { path: '@flat-folder', format: 'folders' }, expect: /flat-folder: has no sub-folders/ },
  { name: 'labelled folders with one class', channel: 'datasets:import', payload: { path: '@one-class-folder', format: 'folders' }, expect: /a classifier needs at least two classes/ },
  { name: 'a binary file among labelled folders', channel: 'datasets:import', payload: { path: '@labelled-bad', format: 'folders' }, expect: /neg\/b\.txt: contains a NUL byte at byte 3/ },
  { name: 'inspecting a plain text file', channel: 'datasets:inspect', payload: { path: '@fine.txt' }, expect: /only CSV, TSV and JSONL files have columns to inspect/ },
  // API payloads.
  { name: 'import with neither path nor uploadId', channel: 'datasets:import', payload: {}, expect: /give a path or an uploadId \(one of them\)/ },
  { name: 'import with both path and uploadId', channel: 'datasets:import', payload: { path: '@fine.txt', uploadId: '00000000-0000-0000-0000-000000000000' }, expect: /give a path or an uploadId/ },
  { name: 'import with a path that is a number', channel: 'datasets:import', payload: { path: 42 }, expect: /path: must be text/i },
  { name: 'import with an empty path', channel: 'datasets:import', payload: { path: '' }, expect: /a path is required/ },
  { name: 'import with an extra field', channel: 'datasets:import', payload: { path: '@fine.txt', dropTables: true }, expect: /dropTables/ },
  { name: 'import with a malformed uploadId', channel: 'datasets:import', payload: { uploadId: '../../etc/passwd' }, expect: /uploadId: not an upload id/ },
  { name: 'import with maxCharset 0', channel: 'datasets:import', payload: { path: '@fine.txt', maxCharset: 0 }, expect: /maxCharset/ },
  { name: 'import with an unknown format', channel: 'datasets:import', payload: { path: '@fine.txt', format: 'xml' }, expect: /format/ },
  { name: 'import with an empty name', channel: 'datasets:import', payload: { path: '@fine.txt', name: '   ' }, expect: /name/ },
  { name: 'a negative dataset id', channel: 'datasets:get', payload: { id: -1 }, expect: /id: / },
  { name: 'a fractional dataset id', channel: 'datasets:get', payload: { id: 1.5 }, expect: /id: / },
  { name: 'a dataset id as a string', channel: 'datasets:get', payload: { id: '1' }, expect: /id: / },
  { name: 'a dataset that does not exist', channel: 'datasets:get', payload: { id: 999 }, expect: /there is no dataset 999/ },
  { name: 'delete a dataset that has runs', channel: 'datasets:delete', payload: { id: 1 }, expect: /dataset 1 has 1 run\(s\)/ },
  { name: 'a run id of 0', channel: 'runs:get', payload: { id: 0 }, expect: /id: / },
  { name: 'a payload that is not an object', channel: 'runs:get', payload: 'run 1', expect: /must be an object/i },
  { name: 'an unknown channel', channel: 'runs:explode', payload: {}, expect: /unknown channel "runs:explode"/ },
  { name: 'a prototype key as a channel', channel: '__proto__', payload: {}, expect: /unknown channel "__proto__"/ },
  { name: 'units 0 in a run config', channel: 'runs:start', payload: { datasetId: 1, config: { model: { units: 0 } } }, expect: /units/ },
  { name: 'an unknown cell', channel: 'runs:start', payload: { datasetId: 1, config: { model: { cell: 'foo' } } }, expect: /cell/ },
  { name: 'a negative learning rate', channel: 'runs:start', payload: { datasetId: 1, config: { train: { lr: -1 } } }, expect: /lr/ },
  { name: 'a fractional number of layers', channel: 'runs:start', payload: { datasetId: 1, config: { model: { layers: 2.5 } } }, expect: /layers/ },
  { name: 'bidirectional on a generator', channel: 'runs:start', payload: { datasetId: 1, config: { model: { bidirectional: true } } }, expect: /bidirectional layers are for classifiers/ },
  { name: 'a run on a dataset that does not exist', channel: 'runs:start', payload: { datasetId: 77, config: TINY_CONFIG }, expect: /there is no dataset 77/ },
  { name: 'an unknown run command', channel: 'runs:control', payload: { id: 1, command: 'explode' }, expect: /command/ },
  { name: 'set-learning-rate without lr', channel: 'runs:control', payload: { id: 1, command: 'set-learning-rate' }, expect: /set-learning-rate needs lr/ },
  { name: 'resume with maxSteps 0', channel: 'runs:resume', payload: { id: 1, maxSteps: 0 }, expect: /maxSteps/ },
  { name: 'metrics for ids that are not a list', channel: 'runs:metrics', payload: { ids: 'all' }, expect: /ids/ },
  { name: 'sampling at temperature 0', channel: 'samples:generate', payload: { runId: 1, params: { temperature: 0 } }, expect: /temperature/ },
  { name: 'sampling with top-p 2', channel: 'samples:generate', payload: { runId: 1, params: { topP: 2 } }, expect: /topP/ },
  { name: 'sampling a run that does not exist', channel: 'samples:generate', payload: { runId: 999 }, expect: /there is no run 999/ },
  { name: 'classifying no texts', channel: 'runs:classify', payload: { runId: 1, texts: [] }, expect: /give at least one text/ },
  { name: 'a preview of 0 characters', channel: 'datasets:preview', payload: { id: 1, chars: 0 }, expect: /chars/ },
];

/** What must not change: the datasets, the runs with their metrics, samples and checkpoints, and the files. */
async function fingerprint(studio: Studio, home: string): Promise<string> {
  const runs = await studio.invoke('runs:list', {});
  const details = await Promise.all(runs.map((r) => studio.invoke('runs:get', { id: r.id })));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      // The database is compared through what it holds, above: its -wal and -shm change size on reads.
      else if (!/^rnn-studio\.sqlite/.test(e.name)) files.push(`${relative(home, full)} ${statSync(full).size}`);
    }
  };
  walk(home);
  return JSON.stringify({ datasets: await studio.invoke('datasets:list', {}), runs, details, files: files.sort() });
}

/** Which parts of two fingerprints differ, short enough to read in a failure. */
function changed(before: string, after: string): string {
  const [a, b] = [JSON.parse(before) as Record<string, unknown>, JSON.parse(after) as Record<string, unknown>];
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k}: ${JSON.stringify(b[k]).slice(0, 300)}`).join('; ');
}

/** Runs `fn` over `items`, `limit` at a time (each CLI spawn costs a second or two on two cores). */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

test('every bad input in the catalogue is refused with a message that names it, and nothing stored changes', { timeout: 240_000 }, async () => {
  const dir = tempDir('rnn-studio-faults-');
  const files = join(dir.path, 'files');
  const cliHome = join(dir.path, 'cli-home');
  const apiHome = join(dir.path, 'api-home');
  let watcher: Studio | null = null;
  let studio: Studio | null = null;
  try {
    assert.ok(ROWS.length >= 40, `${ROWS.length} rows`);
    writeBadFiles(files);
    const corpus = join(dir.path, 'corpus.txt');
    writeFileSync(corpus, 'the quick brown fox jumps over the lazy dog.\n'.repeat(40));
    const at = (arg: unknown) => (typeof arg === 'string' && arg.startsWith('@') ? join(files, arg.slice(1)) : arg);

    // One data home for the CLI rows, with one dataset and one tiny trained run.
    const imported = await cli(['import', corpus, '--json'], cliHome);
    assert.equal(imported.code, 0, imported.stderr);
    const trained = await cli(['train', '1', ...TINY_RUN, '--json'], cliHome);
    assert.equal(trained.code, 0, trained.stderr);
    watcher = Studio.open(cliHome);

    // And another for the payload rows, through Studio.invoke.
    studio = Studio.open(apiHome);
    await studio.invoke('datasets:import', { path: corpus });
    const run = await studio.invoke('runs:start', { datasetId: 1, config: TINY_CONFIG });
    assert.equal((await studio.runs.whenDone(run.id)).status, 'finished');

    const cliBefore = await fingerprint(watcher, cliHome);
    const apiBefore = await fingerprint(studio, apiHome);
    const rows = ROWS.filter((r) => !r.skip);
    const failures: string[] = [];

    // CLI rows, four at a time: each must fail with its message and leave the home as it was.
    await pool(rows.filter((r) => r.cli), 4, async (row) => {
      const saved = Object.fromEntries(Object.keys(row.env ?? {}).map((k) => [k, process.env[k]]));
      Object.assign(process.env, row.env); // spawn copies the environment at once
      const pending = cli([...row.cli!.map((a) => at(a) as string), '--json'], cliHome);
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      const result = await pending;
      if (result.code === 0) failures.push(`${row.name}: exited 0\n${result.stdout}`);
      else if (!row.expect.test(result.stderr)) failures.push(`${row.name}: stderr ${JSON.stringify(result.stderr)} does not match ${row.expect}`);
      const after = await fingerprint(watcher!, cliHome);
      if (after !== cliBefore) failures.push(`${row.name}: the CLI home changed: ${changed(cliBefore, after)}`);
    });

    // Payload rows, one after another, on the other home.
    for (const row of rows.filter((r) => r.channel)) {
      const payload = row.payload && typeof row.payload === 'object' ? Object.fromEntries(Object.entries(row.payload).map(([k, v]) => [k, at(v)])) : row.payload;
      const saved = Object.fromEntries(Object.keys(row.env ?? {}).map((k) => [k, process.env[k]]));
      Object.assign(process.env, row.env);
      try {
        await studio.invoke(row.channel as Channel, payload as never);
        failures.push(`${row.name}: was accepted`);
      } catch (err) {
        if (!(err instanceof ApiError)) failures.push(`${row.name}: not an ApiError: ${(err as Error).stack}`);
        else if (!row.expect.test(err.message)) failures.push(`${row.name}: ${JSON.stringify(err.message)} does not match ${row.expect}`);
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
      const after = await fingerprint(studio, apiHome);
      if (after !== apiBefore) failures.push(`${row.name}: the home changed: ${changed(apiBefore, after)}`);
    }
    assert.deepEqual(failures, []);
  } finally {
    await watcher?.close();
    await studio?.close();
    dir.cleanup();
  }
});
