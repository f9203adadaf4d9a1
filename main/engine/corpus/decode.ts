// Bytes to text: UTF-8 (with or without a BOM), UTF-16 with a BOM, or a legacy encoding the user names;
// undecodable, binary or misencoded files are refused with where and why. Line endings become \n.
import { isUtf8 } from 'node:buffer';
import chardet from 'chardet';
import { CorpusError } from './read.ts';

function describeBinary(buf: Uint8Array, file: string, at: number): CorpusError {
  return new CorpusError(`${file}: contains a NUL byte at byte ${at}: this looks like a binary file, not text`, { key: 'errors.binary', params: { file, at } });
}

/**
 * The code point of the UTF-8 sequence starting at byte i, packed as (code point << 3) | length, or -1
 * for an invalid, overlong, surrogate or truncated sequence. One decoder for both scans below.
 */
export function utf8At(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return (c << 3) | 1;
  const n = (c & 0xe0) === 0xc0 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 ? 3 : 0;
  if (n === 0 || i + n >= b.length) return -1;
  let cp = c & (0x3f >> n);
  for (let k = 1; k <= n; k++) {
    if ((b[i + k] & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b[i + k] & 0x3f);
  }
  if (cp < [0, 0x80, 0x800, 0x10000][n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  return cp * 8 + n + 1; // cp < 2²¹, so the packed value stays exact
}

/** Byte offset of the first invalid UTF-8 sequence, or -1 (only called once the fast decoder refused). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const d = utf8At(b, i);
    if (d < 0) return i;
    i += d & 7;
  }
  return -1;
}

/** Line and column (1-based, in characters) of a byte offset within valid UTF-8 before it. */
function positionOf(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart; i < offset; i++) if ((buf[i] & 0xc0) !== 0x80) column++;
  return { line, column };
}

/** Invalid UTF-8 sequences (each bad byte once) and valid multi-byte characters in the whole buffer. */
function utf8Tally(b: Uint8Array): { invalid: number; multibyte: number } {
  let invalid = 0;
  let multibyte = 0;
  for (let i = 0; i < b.length; ) {
    if (b[i] < 0x80) {
      i++;
      continue;
    }
    const d = utf8At(b, i);
    if (d < 0) {
      invalid++;
      i++;
    } else {
      multibyte++;
      i += d & 7;
    }
  }
  return { invalid, multibyte };
}

/**
 * 'utf-16le' or 'utf-16be' when bytes look like UTF-16 without a byte-order mark: text that is mostly
 * ASCII has a NUL in every other byte, at odd offsets for little-endian and even ones for big-endian,
 * where a binary file has NULs at both.
 */
export function looksLikeUtf16(b: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(b.length, 1 << 16) & ~1;
  if (n < 8) return null; // too few bytes to tell text from a binary header
  const printable = (c: number) => (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0xa0;
  let evenNul = 0;
  let oddNul = 0;
  let evenText = 0;
  let oddText = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    else if (printable(b[i])) evenText++;
    if (b[i + 1] === 0) oddNul++;
    else if (printable(b[i + 1])) oddText++;
  }
  const pairs = n / 2;
  if (oddNul >= 0.3 * pairs && evenNul <= 0.02 * pairs && evenText >= 0.9 * pairs) return 'utf-16le';
  if (evenNul >= 0.3 * pairs && oddNul <= 0.02 * pairs && oddText >= 0.9 * pairs) return 'utf-16be';
  return null;
}

/**
 * Why bytes are not UTF-8: where the first bad byte is, and a legacy encoding only when one is likely —
 * many bad bytes and few valid multi-byte characters, as a windows-1252 or Shift_JIS file has, and not
 * for one stray byte in a UTF-8 file.
 */
function describeInvalidUtf8(buf: Uint8Array, file: string): CorpusError {
  const at = Math.max(0, firstInvalidUtf8(buf));
  const { line, column } = positionOf(buf, at);
  const { invalid, multibyte } = utf8Tally(buf);
  const words = { key: 'errors.notUtf8', params: { file, line, column, count: invalid } };
  const where = `${file}: is not valid UTF-8 (${invalid === 1 ? 'bad' : 'first bad'} byte 0x${buf[at].toString(16).padStart(2, '0')} at byte ${at}, line ${line}, column ${column}`;
  if (invalid >= 3 && invalid > multibyte) {
    const sample = buf.subarray(Math.max(0, at - (1 << 16)), at + (1 << 18));
    const guess = chardet.detect(sample)?.toLowerCase();
    let readable = false;
    if (guess && !guess.startsWith('utf')) {
      try {
        new TextDecoder(guess, { fatal: true }).decode(sample);
        readable = true;
      } catch {
        // not an encoding TextDecoder knows, or not that one after all
      }
    }
    return new CorpusError(
      readable
        ? `${where}; ${invalid} bytes in all are not UTF-8). It looks like ${guess}: import it with --encoding ${guess}, or save it as UTF-8.`
        : `${where}; ${invalid} bytes in all are not UTF-8). Name its encoding with --encoding (e.g. windows-1252), or save it as UTF-8.`,
      words,
    );
  }
  const count = invalid === 1 ? 'the only one' : `${invalid} bad bytes in all`;
  // Without a single valid multi-byte character, a byte or two could still be a legacy encoding's accent.
  const legacy = multibyte === 0 ? ' If the file is in a legacy encoding, name it with --encoding (e.g. windows-1252) instead.' : '';
  return new CorpusError(`${where}; ${count}, the rest is valid UTF-8). Fix or remove ${invalid === 1 ? 'it' : 'them'} and import again.${legacy}`, words);
}

export interface DecodedText {
  text: string;
  /** What the bytes were read as: utf-8, utf-8-bom, utf-16le, utf-16be, or a legacy encoding asked for. */
  encoding: string;
}

/**
 * Decodes one file's bytes. Reads UTF-8 (with or without BOM) and UTF-16 with a BOM; a legacy encoding
 * only when the user names it. Refuses empty, binary and undecodable files with a message naming the file.
 */
export function decodeText(buf: Uint8Array, file: string, encoding?: string): DecodedText {
  if (buf.length === 0) throw new CorpusError(`${file}: the file is empty`, { key: 'errors.emptyFile', params: { file } });
  let text: string;
  let used: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) {
    used = 'utf-16le';
  } else if (buf[0] === 0xfe && buf[1] === 0xff) {
    used = 'utf-16be';
  } else if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    used = 'utf-8-bom';
  } else {
    used = encoding && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8' ? encoding : 'utf-8';
  }
  if (used === 'utf-8' || used === 'utf-8-bom') {
    const nul = buf.indexOf(0);
    if (nul >= 0) {
      const utf16 = looksLikeUtf16(buf);
      if (utf16) {
        throw new CorpusError(`${file}: looks like ${utf16.toUpperCase()} without a byte-order mark: import it with --encoding ${utf16}, or save it as UTF-8`);
      }
      throw describeBinary(buf, file, nul);
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
    } catch {
      throw describeInvalidUtf8(buf, file);
    }
  } else {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(used, { fatal: true });
    } catch {
      throw new CorpusError(`${file}: unknown encoding "${used}" for --encoding (known ones include utf-8, utf-16le, utf-16be, windows-1252, iso-8859-2, shift_jis, gb18030)`);
    }
    try {
      text = decoder.decode(buf);
    } catch {
      throw new CorpusError(`${file}: is not valid ${used}`);
    }
    if (text.indexOf('\0') >= 0) throw describeBinary(buf, file, text.indexOf('\0'));
  }
  if (text.length === 0) throw new CorpusError(`${file}: the file is empty (it holds only a byte-order mark)`);
  return { text, encoding: used };
}

/**
 * One file's bytes as the UTF-8 that is stored, with line endings made \n, refused as decodeText refuses.
 * Plain UTF-8 never becomes a string: the BOM is skipped and CRLF or CR rewritten in place, so a 300 MB
 * file costs 300 MB whatever its line endings. UTF-16 and named encodings are decoded and re-encoded.
 */
export function toUtf8(raw: Buffer, file: string, encoding?: string): { bytes: Buffer; encoding: string } {
  const named = encoding !== undefined && !/^utf-?8$/i.test(encoding);
  const utf16Bom = (raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff);
  if ((named || utf16Bom) && raw.length > LARGE_DECODE_BYTES && !(raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf)) {
    return decodeInChunks(raw, file, utf16Bom ? (raw[0] === 0xff ? 'utf-16le' : 'utf-16be') : encoding!);
  }
  if (named || utf16Bom) {
    const decoded = decodeText(raw, file, encoding);
    return { bytes: Buffer.from(decoded.text.replace(/\r\n?/g, '\n'), 'utf8'), encoding: decoded.encoding };
  }
  const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
  const body = bom ? raw.subarray(3) : raw;
  if (body.length === 0 || body.indexOf(0) >= 0 || !isUtf8(body)) {
    decodeText(raw, file, encoding); // throws the reason, naming the place
    throw new CorpusError(`${file}: is not valid UTF-8`);
  }
  return { bytes: normaliseNewlines(body), encoding: bom ? 'utf-8-bom' : 'utf-8' };
}

/**
 * Above this, a file in another encoding is decoded a slice at a time: as one JS string it could pass
 * V8's string limit (~512 M characters), where decoding aborts the process rather than throwing.
 */
const LARGE_DECODE_BYTES = 64 * 1024 * 1024;

/**
 * Decodes a large file in `encoding` to UTF-8 one slice at a time: a first pass measures the UTF-8 and
 * checks every byte, a second writes it into one buffer (so memory stays near the file and its UTF-8).
 */
function decodeInChunks(raw: Buffer, file: string, encoding: string): { bytes: Buffer; encoding: string } {
  const slice = 16 * 1024 * 1024;
  const pass = (each: (text: string) => void) => {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(encoding, { fatal: true });
    } catch {
      throw new CorpusError(`${file}: unknown encoding "${encoding}"`);
    }
    for (let at = 0; at < raw.length; at += slice) {
      let text: string;
      try {
        text = decoder.decode(raw.subarray(at, at + slice), { stream: at + slice < raw.length });
      } catch {
        throw new CorpusError(`${file}: is not valid ${encoding} (in the ${slice / 2 ** 20} MB from byte ${at})`);
      }
      if (text.includes('\0')) throw new CorpusError(`${file}: contains a NUL character (in the ${slice / 2 ** 20} MB from byte ${at}): this looks like a binary file, not text`);
      each(text);
    }
  };
  let length = 0;
  pass((text) => (length += Buffer.byteLength(text, 'utf8')));
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  pass((text) => (written += out.write(text, written, 'utf8')));
  return { bytes: normaliseNewlines(out), encoding: encoding.toLowerCase() };
}

/** Rewrites CRLF and lone CR as LF in place; returns the (possibly shorter) view of the same memory. */
export function normaliseNewlines(b: Buffer): Buffer {
  const first = b.indexOf(0x0d);
  if (first < 0) return b;
  let w = first;
  for (let r = first; r < b.length; r++) {
    const c = b[r];
    if (c === 0x0d) {
      b[w++] = 0x0a;
      if (b[r + 1] === 0x0a) r++;
    } else {
      b[w++] = c;
    }
  }
  return b.subarray(0, w);
}
