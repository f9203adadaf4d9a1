// What units track: every unit's state of every kind (hidden; LSTM cell and gates; GRU gates) after each
// character of a text, and "find units" — the units whose values follow a feature of the text most
// closely (Pearson correlation over the characters), as Karpathy, Johnson & Fei-Fei (2015) found a
// quote-detecting cell by eye. Features are read from the text alone (featuresOf), the user's regular
// expression among them.
import { UNIT_FEATURES, type LayerShape, type UnitFeature, type UnitFinding, type UnitKind, type UnitRef, type UnitsReply } from '../../../shared/inspect.ts';
import type { Trace, TracedNetwork } from './trace.ts';
import type { Reading } from './reading.ts';
import { InspectError } from './surprise.ts';

const OPENING_QUOTES = new Set(['“', '«', '„']);
const CLOSING_QUOTES = new Set(['”', '»']);
const OPENING_BRACKETS = new Set(['(', '[', '{']);
const CLOSING_BRACKETS = new Set([')', ']', '}']);

/**
 * Each feature as one number per character, read as "after this character": inside quotes (an odd
 * number of straight quotes so far, or an opening curly one not yet closed — the opening quote itself
 * counts, the closing one does not), inside brackets (depth > 0), position in the line (characters since
 * the last newline), just after a newline (the character is one), in a word (a letter or mark), a digit,
 * and the user's pattern (1 on the characters a match covers).
 */
export function featuresOf(chars: string[], pattern?: string): Map<UnitFeature, Float64Array> {
  const N = chars.length;
  const f = (name: UnitFeature) => {
    const a = new Float64Array(N);
    out.set(name, a);
    return a;
  };
  const out = new Map<UnitFeature, Float64Array>();
  const [quotes, brackets, column, newline, word, digit] = (['inside-quotes', 'inside-brackets', 'line-position', 'after-newline', 'in-word', 'digit'] as const).map(f);
  let straight = false;
  let curly = 0;
  let depth = 0;
  let col = 0;
  for (let i = 0; i < N; i++) {
    const c = chars[i];
    if (c === '"') straight = !straight;
    else if (OPENING_QUOTES.has(c)) curly++;
    else if (CLOSING_QUOTES.has(c)) curly = Math.max(0, curly - 1);
    if (OPENING_BRACKETS.has(c)) depth++;
    else if (CLOSING_BRACKETS.has(c)) depth = Math.max(0, depth - 1);
    quotes[i] = straight || curly > 0 ? 1 : 0;
    brackets[i] = depth > 0 ? 1 : 0;
    col = c === '\n' ? 0 : col + 1;
    column[i] = col;
    newline[i] = c === '\n' ? 1 : 0;
    word[i] = /[\p{L}\p{M}]/u.test(c) ? 1 : 0;
    digit[i] = /\p{Nd}/u.test(c) ? 1 : 0;
  }
  if (pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'gu');
    } catch (err) {
      throw new InspectError(`the pattern is not a regular expression: ${(err as Error).message}`);
    }
    const marks = f('pattern');
    // Match on the string, then map UTF-16 offsets to code point indices.
    const text = chars.join('');
    const indexOf = new Int32Array(text.length + 1);
    let k = 0;
    for (let i = 0, u = 0; i < N; i++) {
      for (let j = 0; j < chars[i].length; j++) indexOf[u++] = k;
      k++;
    }
    indexOf[text.length] = N;
    for (const m of text.matchAll(re)) {
      if (m[0].length === 0) continue;
      const from = indexOf[m.index];
      const to = indexOf[m.index + m[0].length];
      for (let i = from; i < to; i++) marks[i] = 1;
    }
  }
  return out;
}

/** Pearson correlation of x and y; null when either is constant. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx < 1e-12 || syy < 1e-12) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export function layerShapes(net: TracedNetwork): LayerShape[] {
  return Array.from({ length: net.config.layers }, (_, layer) => ({ layer, units: net.H, directions: net.D as 1 | 2, kinds: [...net.kinds] }));
}

/** A unit's values of one kind, one per character of the reading (0 before anything was read). */
export function unitValues(net: TracedNetwork, trace: Trace, reading: Reading, ref: UnitRef, kind: UnitKind): Float64Array {
  const { H } = net;
  const values = trace.layers[ref.layer][Math.floor(ref.unit / H)].kinds[kind]!;
  const u = ref.unit % H;
  return Float64Array.from(reading.stepOf, (s) => (s < 0 ? 0 : values[s * H + u]));
}

export function checkUnit(net: TracedNetwork, ref: UnitRef): void {
  const { layers } = net.config;
  if (ref.layer >= layers) throw new InspectError(`there is no layer ${ref.layer}: this model has layers 0–${layers - 1}`);
  const width = net.H * net.D;
  if (ref.unit >= width) throw new InspectError(`there is no unit ${ref.unit} in layer ${ref.layer}: it has units 0–${width - 1}${net.D === 2 ? ` (${net.H}–${width - 1} read right to left)` : ''}`);
}

/**
 * For each feature and kind, the `top` units whose values correlate most strongly (either sign) with it,
 * all together sorted by |correlation|; features constant over the text rank nothing. One pass over the
 * characters per layer, direction and kind accumulates every unit's sums against every feature at once.
 */
export function findUnits(net: TracedNetwork, trace: Trace, reading: Reading, pattern: string | undefined, top: number): Pick<UnitsReply, 'features' | 'units'> {
  const features = [...featuresOf(reading.chars, pattern)].filter(([, y]) => correlation(y, y) !== null); // not constant
  const N = reading.chars.length;
  const F = features.length;
  // Each feature centred, with its sum of squares: r = Σ v·(y − ȳ) / √(Σ(v − v̄)² · Σ(y − ȳ)²).
  const centred = features.map(([, y]) => {
    const mean = y.reduce((a, b) => a + b, 0) / N;
    return Float64Array.from(y, (v) => v - mean);
  });
  const syy = centred.map((y) => y.reduce((a, b) => a + b * b, 0));
  const { H } = net;
  const found: UnitFinding[] = [];
  for (const kind of net.kinds) {
    const byFeature: UnitFinding[][] = features.map(() => []);
    for (let layer = 0; layer < net.config.layers; layer++) {
      trace.layers[layer].forEach((dir, d) => {
        const values = dir.kinds[kind]!;
        const sum = new Float64Array(H);
        const sq = new Float64Array(H);
        const dot = Array.from({ length: F }, () => new Float64Array(H));
        for (let i = 0; i < N; i++) {
          const s = reading.stepOf[i];
          if (s < 0) continue; // before anything was read: all zero
          const o = s * H;
          for (let u = 0; u < H; u++) {
            const v = values[o + u];
            sum[u] += v;
            sq[u] += v * v;
          }
          for (let f = 0; f < F; f++) {
            const y = centred[f][i];
            if (y === 0) continue;
            const df = dot[f];
            for (let u = 0; u < H; u++) df[u] += values[o + u] * y;
          }
        }
        for (let u = 0; u < H; u++) {
          const sxx = sq[u] - (sum[u] * sum[u]) / N;
          if (sxx < 1e-12) continue; // a unit constant over the text follows nothing
          for (let f = 0; f < F; f++) {
            byFeature[f].push({ layer, unit: d * H + u, kind, feature: features[f][0], correlation: Math.max(-1, Math.min(1, dot[f][u] / Math.sqrt(sxx * syy[f]))) });
          }
        }
      });
    }
    for (const best of byFeature) found.push(...best.sort((x, y) => Math.abs(y.correlation) - Math.abs(x.correlation)).slice(0, top));
  }
  found.sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation));
  return { features: features.map(([feature]) => ({ feature, label: UNIT_FEATURES[feature] })), units: found };
}
