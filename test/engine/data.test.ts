import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCharset, countChars, UNKNOWN, Vocabulary } from '../../main/engine/corpus/charset.ts';
import { CorpusError } from '../../main/engine/corpus/read.ts';
import { decodeText } from '../../main/engine/corpus/decode.ts';
import { BatchPlan } from '../../main/engine/corpus/batches.ts';

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

test('invalid UTF-8 is refused with the file, the byte offset, the line and the column', () => {
  const bytes = new Uint8Array([...utf8('line one\nnaïve'), 0xef, 0x76, ...utf8('e\n')]);
  assert.throws(() => decodeText(bytes, 'notes.txt'), (err: Error) => {
    assert.ok(err instanceof CorpusError);
    assert.match(err.message, /^notes\.txt: is not valid UTF-8/);
    assert.match(err.message, /bad byte 0xef at byte 15, line 2, column 6/);
    return true;
  });
});

test('one stray byte in otherwise valid UTF-8 is not taken for a legacy encoding', () => {
  const text = 'Grüße aus Köln, ça va? 你好.\n'.repeat(200);
  const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xff]), Buffer.from(text)]);
  assert.throws(() => decodeText(bytes, 'letter.txt'), (err: Error) => {
    assert.match(err.message, /bad byte 0xff at byte \d+, line 201, column 1; the only one, the rest is valid UTF-8\)\. Fix or remove it/);
    assert.doesNotMatch(err.message, /windows-|iso-8859|--encoding/);
    return true;
  });
});

test('a legacy encoding is suggested when many bytes are not UTF-8, and read when named', () => {
  const latin1 = new Uint8Array(Buffer.from('Le café était très animé, déjà vu à Noël.\n'.repeat(30), 'latin1'));
  assert.throws(() => decodeText(latin1, 'menu.txt'), (err: Error) => {
    assert.match(err.message, /^menu\.txt: is not valid UTF-8 \(first bad byte 0xe9 at byte 6, line 1, column 7; \d+ bytes in all are not UTF-8\)/);
    assert.doesNotMatch(/--encoding ([\w-]+)/.exec(err.message)![1], /^utf/);
    return true;
  });
  assert.equal(decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 'menu.txt', 'windows-1252').text, 'café');
  assert.throws(() => decodeText(latin1, 'menu.txt', 'klingon'), /menu\.txt: unknown encoding "klingon"/);
});

test('UTF-16 without a byte-order mark is recognised, not called binary, and read with --encoding', () => {
  const text = 'Hello, world: text saved as UTF-16.\n'.repeat(10);
  const le = new Uint8Array(Buffer.from(text, 'utf16le'));
  const be = new Uint8Array(Buffer.from(text, 'utf16le').swap16());
  assert.throws(() => decodeText(le, 'u.txt'), /u\.txt: looks like UTF-16LE without a byte-order mark: import it with --encoding utf-16le/);
  assert.throws(() => decodeText(be, 'u.txt'), /u\.txt: looks like UTF-16BE without a byte-order mark: import it with --encoding utf-16be/);
  assert.equal(decodeText(le, 'u.txt', 'utf-16le').text, text);
  assert.equal(decodeText(be, 'u.txt', 'utf-16be').text, text);
  // A binary header with NULs here and there is still binary.
  assert.throws(() => decodeText(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'a.out'), /a\.out: contains a NUL byte at byte 7: this looks like a binary file/);
});

test('toUtf8 keeps UTF-8 as bytes, dropping the BOM and turning CRLF and CR into LF in place', async () => {
  const { toUtf8 } = await import('../../main/engine/corpus/decode.ts');
  const lf = 'one\ntwo\nthree, 你好 🎉\n\nend';
  const crlf = Buffer.from(`\uFEFF${lf.replace(/\n/g, '\r\n')}`);
  const { bytes, encoding } = toUtf8(crlf, 'a.txt');
  assert.equal(encoding, 'utf-8-bom');
  assert.equal(bytes.toString('utf8'), lf);
  assert.equal(bytes.buffer, crlf.buffer, 'no copy was made');
  assert.equal(toUtf8(Buffer.from('a\rb\r\rc\r'), 'a.txt').bytes.toString(), 'a\nb\n\nc\n');
  assert.equal(toUtf8(Buffer.from('\r\n\r\n'), 'a.txt').bytes.toString(), '\n\n');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x\r\ny', 'utf16le')]);
  assert.deepEqual(toUtf8(utf16, 'a.txt'), { bytes: Buffer.from('x\ny'), encoding: 'utf-16le' });
  assert.throws(() => toUtf8(Buffer.from([0x61, 0x0d, 0x0a, 0xc3]), 'a.txt'), /a\.txt: is not valid UTF-8 \(bad byte 0xc3 at byte 3, line 2, column 1/);
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
  const { countUtf8 } = await import('../../main/engine/corpus/charset.ts');
  const text = 'Grüße, 你好 🎉 — ok\n'.repeat(50);
  assert.deepEqual(countUtf8(utf8(text)), countChars(text));
  for (const odd of [new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), utf8('a\r\nb'), new Uint8Array([0x61, 0xc3]), new Uint8Array([0x61, 0, 0x62]), new Uint8Array([0xed, 0xa0, 0x80])]) {
    assert.equal(countUtf8(odd), null);
  }
});
