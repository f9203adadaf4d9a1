// Text to ids: characters counted (a character is a Unicode code point: an emoji or a CJK character is
// one), the charset with a cap and one unknown symbol, and the vocabulary that encodes text to ids.
import { utf8At } from './decode.ts';
import { UNKNOWN, buildCharset, type Charset } from '../../../shared/charset.ts';
export { UNKNOWN, buildCharset, type Charset };

export const UNKNOWN_DISPLAY = '\uFFFD';

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
