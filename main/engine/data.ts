// Text in, ids out: reading and decoding a file, the charset (with a cap and an unknown symbol), and
// encoding to ids (the batches are planned in batches.ts). A character is a Unicode code point: an emoji
// or a CJK character is one character. Nothing here touches TensorFlow.js.
import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import chardet from 'chardet';

/** A file the user gave us that we will not read, with a message that names the file and the problem. */
export class CorpusError extends Error {
  override name = 'CorpusError';
}

/** The most bytes one import reads (a file, or a folder's files together) unless the variable below raises it. */
export const DEFAULT_MAX_IMPORT_BYTES = 2 * 1024 ** 3;
export const MAX_IMPORT_BYTES_VAR = 'RNN_STUDIO_MAX_IMPORT_BYTES';

/** The import size limit in bytes: RNN_STUDIO_MAX_IMPORT_BYTES when set, else the default. */
export function maxImportBytes(): number {
  const raw = process.env[MAX_IMPORT_BYTES_VAR]?.trim();
  if (!raw) return DEFAULT_MAX_IMPORT_BYTES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new CorpusError(`${MAX_IMPORT_BYTES_VAR}="${raw}" is not a number of bytes (e.g. ${MAX_IMPORT_BYTES_VAR}=4294967296 for 4 GiB)`);
  return Number(raw);
}

/** "2 GiB", "300.5 MiB", "12 bytes". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}

interface FileKind {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** Refuses what is not a regular file: reading a FIFO waits forever, /dev/zero never ends. */
export function notRegularFile(label: string, kind: FileKind): CorpusError {
  const what = kind.isFIFO() ? 'a FIFO (named pipe)' : kind.isSocket() ? 'a socket' : kind.isCharacterDevice() ? 'a character device' : kind.isBlockDevice() ? 'a block device' : 'not a regular file';
  return new CorpusError(`${label}: is ${what}, not a regular file: only regular files (or folders of them) can be imported`);
}

/**
 * Reads the regular files of one import, never more than the size limit in all: each file's size comes
 * from stat before a byte is read, and no more than that is read even if the file grows meanwhile.
 */
export class ImportReader {
  readonly limit = maxImportBytes();
  private used = 0;

  /** Refuses `bytes` (a file's size, or a folder's files' sizes summed, from stat) over what is left. */
  check(label: string, bytes: number, what = 'is'): void {
    if (this.used + bytes <= this.limit) return;
    const needed = Math.ceil((this.used + bytes) / 2 ** 20) * 2 ** 20;
    throw new CorpusError(
      `${label}: ${what} ${formatBytes(bytes)}, over the import size limit of ${formatBytes(this.limit)}${this.limit >= 1024 ? ` (${this.limit} bytes)` : ''}; raise it with the environment variable ${MAX_IMPORT_BYTES_VAR}, e.g. ${MAX_IMPORT_BYTES_VAR}=${needed}`,
    );
  }

  read(path: string, label: string): Buffer {
    // Non-blocking, so that a FIFO swapped in after the caller's stat cannot hang the open; fstat then refuses it.
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw notRegularFile(label, stat);
      this.check(label, stat.size);
      const buf = Buffer.allocUnsafe(stat.size);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break; // the file shrank since stat
        got += n;
      }
      this.used += got;
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}

/** Stands for every character beyond the charset cap. Index 0 of a vocabulary when present. */
export const UNKNOWN = '';
export const UNKNOWN_DISPLAY = '\uFFFD';

function describeBinary(buf: Uint8Array, file: string, at: number): CorpusError {
  return new CorpusError(`${file}: contains a NUL byte at byte ${at}: this looks like a binary file, not text`);
}

/**
 * The code point of the UTF-8 sequence starting at byte i, packed as (code point << 3) | length, or -1
 * for an invalid, overlong, surrogate or truncated sequence. One decoder for both scans below.
 */
function utf8At(b: Uint8Array, i: number): number {
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
    );
  }
  const count = invalid === 1 ? 'the only one' : `${invalid} bad bytes in all`;
  // Without a single valid multi-byte character, a byte or two could still be a legacy encoding's accent.
  const legacy = multibyte === 0 ? ' If the file is in a legacy encoding, name it with --encoding (e.g. windows-1252) instead.' : '';
  return new CorpusError(`${where}; ${count}, the rest is valid UTF-8). Fix or remove ${invalid === 1 ? 'it' : 'them'} and import again.${legacy}`);
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
  if (buf.length === 0) throw new CorpusError(`${file}: the file is empty`);
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

export interface CharStats {
  /** Code points. */
  chars: number;
  /** Every distinct character with its count, most frequent first (ties by code point). */
  counts: Array<[string, number]>;
}

function sortedCounts(table: Uint32Array): Array<[string, number]> {
  const counts: Array<[string, number]> = [];
  for (let cp = 0; cp < table.length; cp++) if (table[cp] > 0) counts.push([String.fromCodePoint(cp), table[cp]]);
  counts.sort((a, b) => b[1] - a[1] || a[0].codePointAt(0)! - b[0].codePointAt(0)!);
  return counts;
}

/**
 * Counts the code points of UTF-8 bytes without decoding them to a string (a 100 MB corpus would take
 * 200 MB more as one). Returns null for anything that needs the careful path — invalid UTF-8, a BOM, a
 * NUL byte or a carriage return — which then decodes, normalises and explains.
 */
export function countUtf8(b: Uint8Array): CharStats | null {
  if (b.length === 0 || (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) || (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return null;
  const table = new Uint32Array(0x110000);
  let chars = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c === 0 || c === 0x0d) return null;
    const d = c < 0x80 ? (c << 3) | 1 : utf8At(b, i);
    if (d < 0) return null;
    table[d >>> 3]++;
    chars++;
    i += d & 7;
  }
  return { chars, counts: sortedCounts(table) };
}

/** Counts code points. Fast on large text: one pass over UTF-16 units into a flat table. */
export function countChars(text: string): CharStats {
  const table = new Uint32Array(0x110000);
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    table[cp]++;
    chars++;
  }
  return { chars, counts: sortedCounts(table) };
}

export interface Charset {
  /** index → character; UNKNOWN ('') at index 0 when some characters were beyond the cap. */
  vocab: string[];
  /** Occurrences mapped to the unknown symbol. */
  unknownChars: number;
  /** Distinct characters dropped by the cap. */
  droppedDistinct: number;
}

/** Keeps the `maxCharset` most frequent characters; the rest map to one unknown symbol. */
export function buildCharset(counts: Array<[string, number]>, maxCharset: number): Charset {
  const kept = counts.slice(0, maxCharset).map(([c]) => c);
  const dropped = counts.slice(maxCharset);
  kept.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return {
    vocab: dropped.length > 0 ? [UNKNOWN, ...kept] : kept,
    unknownChars: dropped.reduce((n, [, c]) => n + c, 0),
    droppedDistinct: dropped.length,
  };
}

/** Maps code points to vocabulary ids. */
export class Vocabulary {
  private readonly index = new Map<number, number>();
  /** Id by code point, for encode (4.4 MB: built on first use, then kept with the vocabulary). */
  private lookup: Int32Array | null = null;
  readonly unknownId: number;

  constructor(readonly chars: string[]) {
    chars.forEach((c, i) => {
      if (c !== UNKNOWN) this.index.set(c.codePointAt(0)!, i);
    });
    this.unknownId = chars.indexOf(UNKNOWN);
  }

  get size(): number {
    return this.chars.length;
  }

  /** Id of one character, or -1 if it is unknown and the vocabulary has no unknown symbol. */
  idOf(char: string): number {
    return this.index.get(char.codePointAt(0)!) ?? this.unknownId;
  }

  /**
   * Encodes a whole text (ids fit 16 bits: the charset cap is below 65,535). A character outside the
   * vocabulary becomes the unknown symbol; without one it is an error, or with `skipUnknown` left out
   * (a classifier reading text typed by a user).
   */
  encode(text: string, skipUnknown = false): Uint16Array {
    let lookup = this.lookup;
    if (!lookup) {
      lookup = this.lookup = new Int32Array(0x110000).fill(this.unknownId);
      for (const [cp, id] of this.index) lookup[cp] = id;
    }
    const out = new Uint16Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        }
      }
      const id = lookup[cp];
      if (id < 0) {
        if (skipUnknown) continue;
        throw new Error(`character U+${cp.toString(16).toUpperCase()} is not in the vocabulary`);
      }
      out[n++] = id;
    }
    return out.subarray(0, n);
  }

  decode(id: number): string {
    const c = this.chars[id];
    return c === UNKNOWN ? UNKNOWN_DISPLAY : c;
  }
}
