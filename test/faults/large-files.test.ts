// Files larger than one JavaScript string can hold: a corpus in a legacy encoding is decoded a slice at
// a time (as one string it would abort the process, serve included), and a labelled table too large to
// parse whole is refused before it is read, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { tempDir } from '../helpers.ts';

test('a 70 MB windows-1252 corpus is decoded a slice at a time into the same UTF-8 as decoding it whole', async () => {
  const dir = tempDir();
  const studio = Studio.open(join(dir.path, 'home'));
  try {
    const line = Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e, \xa35.\r\n', 'latin1');
    const file = join(dir.path, 'menu.txt');
    writeFileSync(file, Buffer.concat(Array(Math.ceil((70 * 2 ** 20) / line.length)).fill(line)));
    const { dataset } = await studio.invoke('datasets:import', { path: file, encoding: 'windows-1252' });
    const expected = Buffer.from(new TextDecoder('windows-1252').decode(readFileSync(file)).replace(/\r\n/g, '\n'), 'utf8');
    assert.equal(dataset.sha256, createHash('sha256').update(expected).digest('hex'));
    assert.equal(dataset.encoding, 'windows-1252');
  } finally {
    await studio.close();
    dir.cleanup();
  }
});

test('a labelled table over 512 MB is refused before it is read, saying how to split it', async () => {
  const dir = tempDir();
  const studio = Studio.open(join(dir.path, 'home'));
  try {
    const file = join(dir.path, 'huge.csv');
    writeFileSync(file, 'text,label\nhello,a\n');
    const fd = openSync(file, 'r+');
    ftruncateSync(fd, 513 * 2 ** 20); // sparse: nothing is written, nothing need be read
    closeSync(fd);
    await assert.rejects(studio.invoke('datasets:import', { path: file }), /huge.csv: is 513 MB; a labelled CSV file is read whole, up to 512 MB: split it/);
    assert.deepEqual(await studio.invoke('datasets:list', {}), []);
  } finally {
    await studio.close();
    dir.cleanup();
  }
});
