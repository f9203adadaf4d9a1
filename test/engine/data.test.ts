import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCharset, countChars, CorpusError, decodeText, UNKNOWN, Vocabulary } from '../../main/engine/data.ts';
import { BatchPlan } from '../../main/engine/batches.ts';

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

test('UTF-8 with and without BOM, and UTF-16 LE/BE with BOM, decode to the same text', () => {
  const text = 'héllo 你好 🎉\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le.subarray(2)).swap16();
  assert.equal(decodeText(utf8(text), 'a.txt').text, text);
  assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]), 'a.txt').text, text);
  assert.equal(decodeText(new Uint8Array(le), 'a.txt').encoding, 'utf-16le');
  assert.equal(decodeText(new Uint8Array(le), 'a.txt').text, text);
  assert.equal(decodeText(new Uint8Array([0xfe, 0xff, ...be]), 'a.txt').text, text);
});

test('invalid UTF-8 is refused with the file, the byte offset and the line', () => {
  const bytes = new Uint8Array([...utf8('line one\nna'), 0xef, 0x76, ...utf8('e\n')]);
  assert.throws(() => decodeText(bytes, 'notes.txt'), (err: Error) => {
    assert.ok(err instanceof CorpusError);
    assert.match(err.message, /^notes\.txt: is not valid UTF-8/);
    assert.match(err.message, /at byte 11, line 2/);
    return true;
  });
});

test('a legacy encoding is read when named', () => {
  const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in windows-1252
  assert.throws(() => decodeText(latin1, 'menu.txt'), /menu\.txt: is not valid UTF-8/);
  assert.equal(decodeText(latin1, 'menu.txt', 'windows-1252').text, 'café');
});

test('binary content and empty files are refused by name', () => {
  assert.throws(() => decodeText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]), 'photo.png'), /photo\.png: contains a NUL byte at byte 4: this looks like a binary file/);
  assert.throws(() => decodeText(new Uint8Array(0), 'empty.txt'), /empty\.txt: the file is empty/);
  assert.throws(() => decodeText(new Uint8Array([0xef, 0xbb, 0xbf]), 'bom.txt'), /bom\.txt: the file is empty/);
});

test('a character is a code point: emoji and CJK count once', () => {
  const { chars, counts } = countChars('a🎉你🎉');
  assert.equal(chars, 4);
  assert.deepEqual(counts, [['🎉', 2], ['a', 1], ['你', 1]]);
});

test('a charset over the cap keeps the most frequent and maps the rest to one unknown symbol', () => {
  const { counts } = countChars('aaaabbbccd');
  const cs = buildCharset(counts, 2);
  assert.deepEqual(cs.vocab, [UNKNOWN, 'a', 'b']);
  assert.equal(cs.unknownChars, 3);
  assert.equal(cs.droppedDistinct, 2);
  const vocab = new Vocabulary(cs.vocab);
  assert.deepEqual([...vocab.encode('abcd')], [1, 2, 0, 0]);
  assert.equal(vocab.decode(0), '\uFFFD');
});

test('batches: targets are inputs shifted by one; the plan depends only on (seed, epoch)', () => {
  const text = 'abcdefghij'.repeat(100);
  const vocab = new Vocabulary(buildCharset(countChars(text).counts, 100).vocab);
  const ids = vocab.encode(text);
  const plan = new BatchPlan(ids, 0.1, 8, 4, 42);
  assert.equal(plan.train.length, 900);
  assert.equal(plan.val.length, 100);
  const b = plan.batchAt(0, 0);
  assert.equal(b.inputs.length, 32);
  for (let i = 0; i < 4; i++) for (let t = 0; t < 7; t++) assert.equal(b.targets[i * 8 + t], b.inputs[i * 8 + t + 1]);
  assert.deepEqual(new BatchPlan(ids, 0.1, 8, 4, 42).batchAt(3, 2), plan.batchAt(3, 2));
  assert.notDeepEqual(plan.batchAt(1, 0).inputs, plan.batchAt(0, 0).inputs);
  assert.ok(plan.validationBatches(8).length > 0);
});

test('a corpus too small for one window is refused with a hint', () => {
  const ids = new Vocabulary(['a']).encode('aaaa');
  assert.throws(() => new BatchPlan(ids, 0, 64, 32, 1), /fewer than one window of --seq-len 64/);
});

test('counting UTF-8 bytes directly agrees with counting the decoded text, and defers anything unusual', async () => {
  const { countUtf8 } = await import('../../main/engine/data.ts');
  const text = 'Grüße, 你好 🎉 — ok\n'.repeat(50);
  assert.deepEqual(countUtf8(utf8(text)), countChars(text));
  for (const odd of [new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), utf8('a\r\nb'), new Uint8Array([0x61, 0xc3]), new Uint8Array([0x61, 0, 0x62]), new Uint8Array([0xed, 0xa0, 0x80])]) {
    assert.equal(countUtf8(odd), null);
  }
});
