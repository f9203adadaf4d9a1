// "Compare temperatures" on the Sample screen: one prime and seed sampled at a few temperatures, shown
// side by side. The limits of one temperature come from the shared sampling schema (config-fields.ts);
// what is wrong is said in the current language (sample area).
import { SAMPLE_FIELDS } from '../../../shared/config-fields.ts';
import type { SampleRecord } from '../../../shared/types.ts';
import { t } from './i18n.svelte.ts';

/** Temperatures a comparison samples: two at least to compare, four at most to fit side by side. */
export const COMPARED_TEMPERATURES = { min: 2, max: 4 } as const;

/** The Sample screen's temperature to begin with: a little below the default of 1, for text that reads well. */
export const STUDIO_TEMPERATURE = 0.8;

/** Offered when comparing starts: safer, the studio's usual, wilder. */
export const DEFAULT_COMPARED_TEMPERATURES = `0.5, ${STUDIO_TEMPERATURE}, 1.2`;

/** "0.5, 0.8 1.2" → [0.5, 0.8, 1.2]; else a message naming what is wrong. */
export function parseTemperatures(text: string): { temperatures: number[] } | { error: string } {
  const field = SAMPLE_FIELDS.temperature;
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  const { min, max } = COMPARED_TEMPERATURES;
  if (parts.length < min || parts.length > max) {
    return { error: t('sample.temperatures.count', { min, max, count: parts.length }) };
  }
  const temperatures: number[] = [];
  for (const part of parts) {
    const value = Number(part);
    if (!Number.isFinite(value)) return { error: t('sample.temperatures.notNumber', { part }) };
    if (!field.schema.safeParse(value).success) {
      const low = field.above !== undefined ? t('sample.temperatures.above', { value: field.above }) : t('sample.temperatures.atLeast', { value: field.min });
      return { error: t('sample.temperatures.range', { part, low, max: field.max }) };
    }
    if (temperatures.includes(value)) return { error: t('sample.temperatures.twice', { part }) };
    temperatures.push(value);
  }
  return { temperatures };
}

/** One temperature's sample in a comparison: its text so far, and the record once generated. */
export interface TemperatureColumn {
  temperature: number;
  text: string;
  sample: SampleRecord | null;
}
