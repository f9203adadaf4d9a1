// A config field's or sampling parameter's number input, from the shared table (shared/config-fields.ts).
import type { Field } from '../../../shared/config-fields.ts';

/**
 * min, max and step of its input. Above an exclusive bound the least value is one step up (temperature:
 * above 0, so 0.05), so the arrows never reach a value the schema refuses.
 */
export function numberInput(f: Field): { min?: number; max?: number; step?: string } {
  const step = f.step === 'any' ? undefined : Number(f.step);
  const min = f.min ?? (f.above !== undefined && step !== undefined ? f.above + step : undefined);
  return { min, max: f.max, step: f.step };
}

/**
 * What a number input holds, checked against its field: its value (null when empty and the field allows
 * it), or what is wrong in a few words. Inputs bind numbers (or null when empty); typed text may arrive as
 * a string.
 */
export function checkNumber(f: Field, raw: unknown): { value?: number | null; error?: string } {
  const text = raw === null || raw === undefined ? '' : String(raw).trim();
  if (text === '') return f.nullable ? { value: null } : { error: 'required' };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: 'not a number' };
  const r = f.schema.safeParse(n);
  return r.success
    ? { value: n }
    : {
        error: r.error.issues[0].message
          .replace(/Too big: expected number to be <=/, 'at most ')
          .replace(/Too big: expected number to be </, 'below ')
          .replace(/Too small: expected number to be >=/, 'at least ')
          .replace(/Too small: expected number to be >/, 'above '),
      };
}
