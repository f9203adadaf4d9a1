// The Train form's values, shared by its Basic and Advanced views so switching keeps what was set. Fields,
// labels, limits and defaults come from shared/config-fields.ts; size presets, defaults drawn from a
// dataset and the run's length from shared/run-plan.ts.
import type { RunConfigInput, Task } from '../../../shared/config.ts';
import { CONFIG_FIELDS, type Field } from '../../../shared/config-fields.ts';
import { dataDefaults, presetOf, SIZE_PRESETS, type DataDefault, type SizePreset } from '../../../shared/run-plan.ts';
import type { Dataset } from '../../../shared/types.ts';
import { checkNumber } from '../lib/fields.ts';
import { t } from '../lib/i18n.svelte.ts';

const formFields = CONFIG_FIELDS.filter((f) => f.form !== false);
export const isNumber = (f: Field) => f.kind === 'int' || f.kind === 'float';
/** A field's default as its input holds it: number inputs hold text ('' for none). */
const initial = (f: Field) => (isNumber(f) ? String(f.default ?? '') : f.default);

/** How the Basic view counts a run's length: passes over the data (epochs) or steps (maxSteps). */
export type LengthUnit = 'passes' | 'steps';

interface Checked {
  value?: unknown;
  error?: string;
}

export class RunForm {
  readonly task: Task;
  readonly fields: readonly Field[];
  /** By path: selects and checkboxes hold their value, number inputs what was typed (checked below). */
  values = $state<Record<string, unknown>>({});
  /** By path: what the chosen dataset says of a field, shown beside it. */
  fromData = $state<Record<string, DataDefault>>({});
  /** Paths the user set (by hand or by a preset): a dataset's defaults never overwrite them. */
  private readonly edited = new Set<string>();
  /** Paths a dataset set: a dataset that suggests nothing for one puts its default back. */
  private readonly drawn = new Set<string>();

  /** By path: a field's value as the config takes it, or what is wrong with it. */
  readonly checked = $derived.by(
    (): Record<string, Checked> => Object.fromEntries(this.fields.map((f) => [f.path, this.check(f)])),
  );

  /** The config, or null while a field is invalid. */
  readonly config = $derived.by((): RunConfigInput | null => {
    if (this.fields.some((f) => this.checked[f.path].error)) return null;
    const pick = (group: 'model' | 'train') => Object.fromEntries(this.fields.filter((f) => f.group === group).map((f) => [f.key, this.checked[f.path].value]));
    return { task: this.task, model: pick('model'), train: pick('train') };
  });

  /** The size preset the model is, or null (custom). */
  readonly preset = $derived.by((): SizePreset | null =>
    presetOf({ layers: this.checked['model.layers'].value, units: this.checked['model.units'].value, embedding: this.checked['model.embedding'].value }),
  );

  /**
   * A number in maxSteps means the run is counted in steps (it overrides epochs, as in the trainer). Kept as
   * chosen, so that emptying the Basic view's steps to type anew does not switch it to passes.
   */
  lengthUnit = $state<LengthUnit>('passes');

  constructor(task: Task) {
    this.task = task;
    this.fields = formFields.filter((f) => !f.task || f.task === task);
    this.values = Object.fromEntries(this.fields.map((f) => [f.path, initial(f)]));
    this.lengthUnit = this.values['train.maxSteps'] === '' ? 'passes' : 'steps';
  }

  private check(f: Field): Checked {
    if (!isNumber(f)) return { value: this.values[f.path] };
    const checked = checkNumber(f, this.values[f.path]);
    return f.path === 'train.maxSteps' && this.lengthUnit === 'steps' && checked.value === null ? { error: t('fields.required') } : checked;
  }

  /** The user sets a field (the Advanced view: an empty Max steps counts the run in passes again). */
  set(path: string, value: unknown): void {
    this.values[path] = value;
    this.edited.add(path);
    if (path === 'train.maxSteps') this.lengthUnit = checkNumber(this.fields.find((f) => f.path === path)!, value).value === null ? 'passes' : 'steps';
  }

  /** The Basic view's "how long", in its unit. */
  setLength(value: unknown): void {
    const path = this.lengthPath;
    this.values[path] = value;
    this.edited.add(path);
  }

  usePreset(name: SizePreset['name']): void {
    const preset = SIZE_PRESETS.find((p) => p.name === name)!;
    for (const [key, value] of Object.entries(preset.model)) this.set(`model.${key}`, String(value));
  }

  /**
   * Counts the run in passes or in steps, keeping its length where steps per pass are known (measured by an
   * estimate); otherwise the number stays as typed and only its unit changes.
   */
  setLengthUnit(unit: LengthUnit, stepsPerEpoch: number | null): void {
    if (unit === this.lengthUnit) return;
    if (unit === 'steps') {
      const epochs = Number(this.checked['train.epochs'].value ?? 1);
      this.set('train.maxSteps', String(stepsPerEpoch ? epochs * stepsPerEpoch : epochs));
    } else {
      const steps = this.checked['train.maxSteps'].value;
      if (typeof steps === 'number') this.set('train.epochs', String(stepsPerEpoch ? Math.max(1, Math.round(steps / stepsPerEpoch)) : steps));
      this.set('train.maxSteps', '');
    }
    this.lengthUnit = unit;
  }

  /** The path the Basic view's "how long" number sets. */
  get lengthPath(): 'train.epochs' | 'train.maxSteps' {
    return this.lengthUnit === 'steps' ? 'train.maxSteps' : 'train.epochs';
  }

  /** Takes the defaults a dataset suggests, for every field the user has not set. */
  followData(dataset: Pick<Dataset, 'lengths'> | null): void {
    const suggested = dataDefaults(this.task, dataset);
    this.fromData = Object.fromEntries(suggested.map((d) => [d.path, d]));
    for (const path of new Set([...this.drawn, ...suggested.map((d) => d.path)])) {
      if (this.edited.has(path)) continue;
      const field = this.fields.find((f) => f.path === path);
      if (!field) continue;
      const d = this.fromData[path];
      this.values[path] = d ? String(d.value) : initial(field);
      this.drawn.add(path);
    }
  }
}
