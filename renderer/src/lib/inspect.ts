// Helpers of the Inspect screen: colour scales for per-character figures, characters named in the current
// language, and a guard that keeps only the newest answer when requests overlap (the engine may answer an
// old checkpoint after a new one).
import { t } from './i18n.svelte.ts';

/** Surprise (−log2 p, bits) at which a character's colour saturates: 1 in 256. */
export const SURPRISE_MAX_BITS = 8;

/** Background for a character's surprise: transparent when expected, deep orange at SURPRISE_MAX_BITS and above. */
export function surpriseColour(probability: number | null): string {
  if (probability === null) return 'transparent';
  const alpha = Math.min(1, surpriseBits(probability) / SURPRISE_MAX_BITS);
  return `rgba(244, 96, 36, ${(0.85 * alpha).toFixed(3)})`;
}

export function surpriseBits(probability: number): number {
  return probability > 0 ? -Math.log2(probability) : Infinity;
}

/**
 * Background for a unit's value: gates (0…1) in one hue; hidden and cell states (−1…1, a cell can exceed
 * it) diverging, blue below zero and red above, scaled by `scale` (the largest |value| shown, at least 1).
 */
export function unitColour(value: number, gate: boolean, scale = 1): string {
  if (!Number.isFinite(value)) return 'transparent';
  if (gate) return `rgba(47, 158, 68, ${(0.85 * Math.min(1, Math.max(0, value))).toFixed(3)})`;
  const t = Math.min(1, Math.abs(value) / Math.max(scale, 1e-9));
  return value >= 0 ? `rgba(224, 49, 49, ${(0.8 * t).toFixed(3)})` : `rgba(28, 126, 214, ${(0.8 * t).toFixed(3)})`;
}

/** Background for how strongly a character influenced a prediction, `value` already divided by the largest. */
export function connectivityColour(share: number): string {
  return `rgba(132, 94, 247, ${(0.9 * Math.min(1, Math.max(0, share))).toFixed(3)})`;
}

/** Gates read 0…1; every other kind of state is signed. */
export const isGate = (kind: string): boolean => kind !== 'hidden' && kind !== 'cell';

/** How a character reads in a label, in the current language: spaces and control characters by name. */
export function charName(c: string): string {
  if (c === ' ') return t('inspect.char.space');
  if (c === '\n') return t('inspect.char.newline');
  if (c === '\t') return t('inspect.char.tab');
  if (c === '') return t('inspect.char.unknown');
  return t('inspect.char.quoted', { char: c });
}

/** How a character shows in the text: a newline as ↵ before the break, so it can be hovered and coloured. */
export const shownChar = (c: string): string => (c === '\n' ? '↵\n' : c === '\t' ? '⇥\t' : c);

/**
 * Keeps only the newest of overlapping requests: `start()` numbers a request, `isLatest(n)` says whether an
 * answer to it is still wanted.
 */
export class Latest {
  #asked = 0;
  start(): number {
    return ++this.#asked;
  }
  isLatest(n: number): boolean {
    return n === this.#asked;
  }
  /** Drops every answer still outstanding. */
  cancel(): void {
    this.#asked++;
  }
}

/** Parses "layer:unit" (e.g. "0:12"); null when it is not two non-negative integers. */
export function parseUnitRef(s: string): { layer: number; unit: number } | null {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(s);
  return m ? { layer: Number(m[1]), unit: Number(m[2]) } : null;
}
