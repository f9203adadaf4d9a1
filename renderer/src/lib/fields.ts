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
