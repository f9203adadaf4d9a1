// A config field's or sampling parameter's words and number input, from the shared table
// (shared/config-fields.ts): its label, help and option names in the current language (the fields area
// of the catalogue, shared/i18n/), its limits, and what is wrong with a value typed into it.
import { fieldAt, wordsAt, type Field } from '../../../shared/config-fields.ts';
import { t, tk } from './i18n.svelte.ts';

/** Its label in the current language: "Units" / "隱藏單元". */
export const labelOf = (f: Pick<Field, 'path'>): string => tk(`fields.${f.path}.label`);

/** Its help in the current language, with its limits where the table asks for them. */
export function helpOf(f: Field): string {
  const help = tk(`fields.${f.path}.help`);
  return f.sayLimits ? t('fields.withLimits', { help, min: String(f.min), max: String(f.max) }) : help;
}

/** An enum value as the form names it: "SimpleRNN", "where reading ended" / "讀完時的狀態". */
export const optionName = (f: Pick<Field, 'path'>, value: string): string => tk(`fields.${f.path}.option.${value}`);

/** One line on an enum value, for someone choosing between them; '' for a value without one. */
export const optionHelp = (f: Field, value: string): string => (f.optionHelp?.[value] ? tk(`fields.${f.path}.optionHelp.${value}`) : '');

/** What an empty value means ("random"), or '' for a field that cannot be empty. */
export const noneOf = (f: Field): string => (f.none ? tk(`fields.${f.path}.none`) : '');

/**
 * The label of a setting named by its config path or request option ('config.train.seqLen', 'maxCharset'),
 * in the current language; undefined for a name that is no setting. For messages from the core (api.ts studioWords).
 */
export function labelAt(path: string): string | undefined {
  if (!wordsAt(path)) return undefined;
  return tk(`fields.${fieldAt(path)?.path ?? path.replace(/^(config|params)\./, '')}.label`);
}

/**
 * min, max and step of its input. Above an exclusive bound the least value is one step up (temperature:
 * above 0, so 0.05), so the arrows never reach a value the schema refuses.
 */
export function numberInput(f: Field): { min?: number; max?: number; step?: string } {
  const step = f.step === 'any' ? undefined : Number(f.step);
  const min = f.min ?? (f.above !== undefined && step !== undefined ? f.above + step : undefined);
  return { min, max: f.max, step: f.step };
}

/** A limit the schema refused, in words: "at most 4096", "above 0" (the number as the schema says it). */
function limitWords(issue: { code: string; inclusive?: boolean; minimum?: unknown; maximum?: unknown; message: string }): string {
  if (issue.code === 'too_big') return t(issue.inclusive ? 'fields.atMost' : 'fields.below', { n: String(issue.maximum) });
  if (issue.code === 'too_small') return t(issue.inclusive ? 'fields.atLeast' : 'fields.above', { n: String(issue.minimum) });
  if (issue.code === 'invalid_type') return t('fields.notWhole');
  return issue.message;
}

/**
 * What a number input holds, checked against its field: its value (null when empty and the field allows
 * it), or what is wrong in a few words of the current language. Inputs bind numbers (or null when empty);
 * typed text may arrive as a string.
 */
export function checkNumber(f: Field, raw: unknown): { value?: number | null; error?: string } {
  const text = raw === null || raw === undefined ? '' : String(raw).trim();
  if (text === '') return f.nullable ? { value: null } : { error: t('fields.required') };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: t('fields.notANumber') };
  const r = f.schema.safeParse(n);
  return r.success ? { value: n } : { error: limitWords(r.error.issues[0] as Parameters<typeof limitWords>[0]) };
}
