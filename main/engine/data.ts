// Text in, training batches out: decoding and validating a file, the charset (with a cap and an unknown
// symbol), encoding to ids, and the batch plan. A character is a Unicode code point: an emoji or a CJK
// character is one character. Nothing here touches TensorFlow.js.
import chardet from 'chardet';

/** A file the user gave us that we will not read, with a message that names the file and the problem. */
export class CorpusError extends Error {
  override name = 'CorpusError';
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

function lineOf(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
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
      const guess = chardet.detect(buf);
      if (guess && guess.startsWith('UTF-16')) {
        throw new CorpusError(`${file}: looks like ${guess} without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM) and import again`);
      }
      throw describeBinary(buf, file, nul);
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
    } catch {
      const at = Math.max(0, firstInvalidUtf8(buf));
      const guess = chardet.detect(buf);
      const hint = guess && !guess.startsWith('UTF')
        ? ` It looks like ${guess}: import it with --encoding ${guess}, or save it as UTF-8.`
        : ' Save it as UTF-8 and import again.';
      throw new CorpusError(`${file}: is not valid UTF-8 (first bad byte 0x${buf[at].toString(16).padStart(2, '0')} at byte ${at}, line ${lineOf(buf, at)}).${hint}`);
    }
  } else {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(used, { fatal: true });
    } catch {
      throw new CorpusError(`${file}: unknown encoding "${used}"`);
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
    const lookup = new Int32Array(0x110000).fill(this.unknownId);
    for (const [cp, id] of this.index) lookup[cp] = id;
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
