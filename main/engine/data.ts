// Text in, training batches out: decoding and validating a file, the charset (with a cap and an unknown
// symbol), encoding to ids, and the batch plan. A character is a Unicode code point: an emoji or a CJK
// character is one character. Nothing here touches TensorFlow.js.
import chardet from 'chardet';
import { Rng, mixSeed } from './rng.ts';

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

/** Byte offset of the first invalid UTF-8 sequence, or -1 (only called once the fast decoder refused). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = (c & 0xe0) === 0xc0 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      if ((b[i + k] & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][n];
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
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
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      if (c === 0 || c === 0x0d) return null;
      table[c]++;
      chars++;
      i++;
      continue;
    }
    const n = (c & 0xe0) === 0xc0 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return null;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      if ((b[i + k] & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if (cp < [0, 0x80, 0x800, 0x10000][n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    table[cp]++;
    chars++;
    i += n + 1;
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

/** One batch: B windows of T characters; targets are the inputs shifted by one. Both int32 [B·T]. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batch: number;
  seqLen: number;
}

function windows(ids: Uint16Array, starts: number[], seqLen: number): Batch {
  const B = starts.length;
  const inputs = new Int32Array(B * seqLen);
  const targets = new Int32Array(B * seqLen);
  starts.forEach((s, b) => {
    for (let t = 0; t < seqLen; t++) {
      inputs[b * seqLen + t] = ids[s + t];
      targets[b * seqLen + t] = ids[s + t + 1];
    }
  });
  return { inputs, targets, batch: B, seqLen };
}

/**
 * Splits an encoded corpus into training and validation parts (validation is the end of the text) and
 * plans every epoch's batches from (seed, epoch) alone, so a data position is just (epoch, batch index)
 * and a resumed run sees exactly the batches the uninterrupted run would have seen.
 */
export class BatchPlan {
  readonly train: Uint16Array;
  readonly val: Uint16Array;
  readonly stepsPerEpoch: number;
  private readonly overlapping: boolean;
  private cachedEpoch = -1;
  private cachedStarts: number[] = [];

  constructor(ids: Uint16Array, valSplit: number, readonly seqLen: number, readonly batch: number, readonly seed: number) {
    const valLen = valSplit > 0 ? Math.floor(ids.length * valSplit) : 0;
    this.train = ids.subarray(0, ids.length - valLen);
    this.val = valLen >= 2 ? ids.subarray(ids.length - valLen) : new Uint16Array(0);
    if (this.train.length < seqLen + 1) {
      throw new CorpusError(
        `the training part of the corpus has ${this.train.length} characters, fewer than one window of --seq-len ${seqLen} + 1; use a smaller --seq-len or --val-split, or a larger corpus`,
      );
    }
    // Non-overlapping windows at a random offset each epoch; a corpus too small for one batch of them
    // gets B random (overlapping) windows per epoch instead.
    const fewestWindows = Math.floor((this.train.length - seqLen) / seqLen);
    this.overlapping = fewestWindows < batch;
    this.stepsPerEpoch = this.overlapping ? 1 : Math.floor(fewestWindows / batch);
  }

  private epochStarts(epoch: number): number[] {
    if (epoch === this.cachedEpoch) return this.cachedStarts;
    const rng = new Rng(mixSeed(this.seed, 0x0e90c4, epoch));
    const T = this.seqLen;
    let starts: number[];
    if (this.overlapping) {
      const maxStart = this.train.length - T - 1;
      starts = Array.from({ length: this.batch }, () => rng.int(maxStart + 1));
    } else {
      const offset = rng.int(T);
      const n = Math.floor((this.train.length - 1 - offset) / T);
      starts = rng.shuffle(Array.from({ length: n }, (_, k) => offset + k * T));
    }
    this.cachedEpoch = epoch;
    this.cachedStarts = starts;
    return starts;
  }

  /** The batch at data position (epoch, index), index < stepsPerEpoch. */
  batchAt(epoch: number, index: number): Batch {
    const starts = this.epochStarts(epoch).slice(index * this.batch, (index + 1) * this.batch);
    return windows(this.train, starts, this.seqLen);
  }

  /** Fixed validation batches (the same every time, so the curve compares like with like). */
  validationBatches(maxBatches: number): Batch[] {
    if (this.val.length < 2) return [];
    const T = Math.min(this.seqLen, this.val.length - 1);
    const count = Math.floor((this.val.length - 1) / T);
    const starts = Array.from({ length: Math.min(count, maxBatches * this.batch) }, (_, k) => k * T);
    const out: Batch[] = [];
    for (let i = 0; i < starts.length; i += this.batch) out.push(windows(this.val, starts.slice(i, i + this.batch), T));
    return out;
  }
}
