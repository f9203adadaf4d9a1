// Every run-config field and sampling parameter as people meet it: its CLI flag, its label in the studio,
// one line of help, and the task it matters to. Kind, limits and default are read off the zod schemas in
// config.ts, the one source of those. The CLI's options, the studio's form and the naming of fields in
// validation messages are all derived from these two tables.
import { z } from 'zod';
import { ModelConfigSchema, RunConfigSchema, SampleParamsSchema, TrainConfigSchema, type ModelConfig, type SampleParams, type Task, type TrainConfig } from './config.ts';

interface Words {
  /** The CLI's flag; none: the field is set only in a config object (the API, a stored run). */
  flag?: `--${string}`;
  /** An enum flag's argument as usage and errors name it (`--cell <type>`); numbers take <n> or <f>. */
  argument?: string;
  /** The studio's name for it, in its forms and its messages. */
  label: string;
  /** One line, said by `--help` and under the form's input. */
  help: string;
  /** It matters only to this task: the form shows it only there, and `--help` says so. */
  task?: Task;
  /** The studio's config form has no input for it (it has one for every other field). */
  form?: false;
  /** A number input's step: 1 for an integer, else as said here, else 'any'. */
  step?: string;
  /** The help says the limits ("stacked recurrent layers, 1–4"): where they guide the choice. */
  sayLimits?: true;
  /** What an empty (null) value means, e.g. 'random' for a seed. */
  none?: string;
  /** An enum's values as the form's select names them (default: the value itself). */
  optionNames?: Record<string, string>;
}

type ConfigPath = 'task' | `model.${keyof ModelConfig}` | `train.${keyof TrainConfig}`;

/** In the order `--help` lists the flags and the form shows its inputs (its selects and checkboxes first). */
const CONFIG_WORDS: { [P in ConfigPath]: Words } = {
  task: { flag: '--task', argument: 'task', label: 'Task', help: 'generate text, or classify labelled examples', form: false },
  'model.cell': { flag: '--cell', argument: 'type', label: 'Cell', help: 'LSTM remembers longest; GRU is lighter', optionNames: { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' } },
  'model.layers': { flag: '--layers', label: 'Layers', help: 'stacked recurrent layers', sayLimits: true },
  'model.units': { flag: '--units', label: 'Units', help: 'hidden units per layer' },
  'model.embedding': { flag: '--embedding', label: 'Embedding', help: 'size of each character’s vector' },
  'model.dropout': { flag: '--dropout', label: 'Dropout', help: 'dropout rate between layers', sayLimits: true, step: '0.05' },
  'train.seqLen': { flag: '--seq-len', label: 'Sequence length', help: 'characters per training window', task: 'generate' },
  'train.maxLen': { flag: '--max-len', label: 'Max length', help: 'characters read per text; longer ones are truncated', task: 'classify' },
  'train.batch': { flag: '--batch', label: 'Batch', help: 'windows per step' },
  'train.lr': { flag: '--lr', label: 'Learning rate', help: 'Adam’s learning rate' },
  'train.clip': { flag: '--clip', label: 'Gradient clip', help: 'clip gradients at this global norm; 0 = off' },
  'train.epochs': { flag: '--epochs', label: 'Epochs', help: 'passes over the training text' },
  'train.maxSteps': { flag: '--max-steps', label: 'Max steps', help: 'stop after this many steps in total; overrides epochs', none: 'none' },
  'train.valSplit': { flag: '--val-split', label: 'Validation split', help: 'fraction of the text held out for validation', sayLimits: true, step: '0.01' },
  'train.seed': { flag: '--seed', label: 'Seed', help: 'same seed, same run', none: 'random' },
  'train.checkpointEvery': { flag: '--checkpoint-every', label: 'Checkpoint every', help: 'steps between checkpoints' },
  'train.sampleEvery': { flag: '--sample-every', label: 'Sample every', help: 'steps between recorded samples; 0 = never', task: 'generate' },
  'train.evalEvery': { flag: '--eval-every', label: 'Validate every', help: 'steps between measures of the validation loss', task: 'generate' },
  'train.keepCheckpoints': { flag: '--keep-checkpoints', label: 'Checkpoints kept', help: 'checkpoints kept besides the best', form: false },
  'model.bidirectional': { flag: '--bidirectional', label: 'Bidirectional', help: 'read each text both ways', task: 'classify' },
  'model.pooling': {
    flag: '--pooling', argument: 'how', label: 'Pooling', help: 'what the output sees: the last state, or the mean or max over time', task: 'classify',
    optionNames: { last: 'last state', mean: 'mean over time', max: 'max over time' },
  },
  'train.classWeights': { flag: '--class-weights', argument: 'how', label: 'Class weights', help: 'balanced weighs rare classes up', task: 'classify' },
  'train.patience': { flag: '--patience', label: 'Patience', help: 'epochs without a better validation loss before stopping; 0 = never', task: 'classify' },
  'train.sampleLength': { label: 'Sample length', help: 'characters in each training-time sample', task: 'generate', form: false },
  'train.samplePrime': { label: 'Sample prime', help: 'prime of the training-time samples', none: 'the first character of the corpus', task: 'generate', form: false },
  'train.evalBatches': { label: 'Validation batches', help: 'validation reads at most this many batches', form: false },
  'train.logEvery': { label: 'Log every', help: 'steps per averaged training-loss point', form: false },
};

const SAMPLE_WORDS: { [K in keyof SampleParams]: Words } = {
  length: { flag: '--length', label: 'Length', help: 'characters to generate' },
  temperature: { flag: '--temperature', label: 'Temperature', help: 'below 1: safer; above 1: wilder', step: '0.05' },
  topK: { flag: '--top-k', label: 'Top-k', help: 'keep the k likeliest characters; 1 = greedy, 0 = all' },
  topP: { flag: '--top-p', label: 'Top-p', help: 'keep the likeliest characters up to this total probability', step: '0.01' },
  prime: { flag: '--prime', label: 'Prime', help: 'text to start from' },
  seed: { flag: '--seed', label: 'Seed', help: 'same seed → same text', none: 'random' },
};

export interface Field extends Words {
  /** Where it sits in a run config ('model.units') or in the sampling parameters ('topK'). */
  path: string;
  /** The run config's object that holds it; none for the task and for sampling parameters. */
  group?: 'model' | 'train';
  /** Its key in that object ('units'). */
  key: string;
  kind: 'int' | 'float' | 'enum' | 'bool' | 'text';
  /** May be null (see `none`). */
  nullable: boolean;
  default: unknown;
  /** Inclusive limits of a number; `above` is an exclusive lower one. */
  min?: number;
  max?: number;
  above?: number;
  /** An enum's values. */
  options?: readonly string[];
  /** The field's own schema, to check one value ("Too big: expected number to be <=4096"). */
  schema: z.ZodType;
}

function fieldOf(path: string, schema: z.ZodType, words: Words, group?: 'model' | 'train'): Field {
  let inner: z.ZodType = schema;
  let nullable = false;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) {
    nullable ||= inner instanceof z.ZodNullable;
    inner = inner.unwrap() as z.ZodType;
  }
  const field: Field = { ...words, path, group, key: path.split('.').pop()!, kind: 'text', nullable, default: schema.parse(undefined), schema };
  if (inner instanceof z.ZodNumber) {
    field.kind = inner.isInt ? 'int' : 'float';
    field.step = inner.isInt ? '1' : (words.step ?? 'any');
    // A bound is inclusive when the schema takes the bound itself.
    const low = inner.minValue;
    if (low !== null && inner.safeParse(low).success) field.min = low;
    else if (low !== null) field.above = low;
    if (inner.maxValue !== null) field.max = inner.maxValue;
  } else if (inner instanceof z.ZodEnum) {
    field.kind = 'enum';
    field.options = inner.options as string[];
  } else if (inner instanceof z.ZodBoolean) field.kind = 'bool';
  return field;
}

const groupSchema = { model: ModelConfigSchema, train: TrainConfigSchema } as const;
function configField(path: ConfigPath, words: Words): Field {
  if (path === 'task') return fieldOf(path, RunConfigSchema.shape.task, words);
  const [group, key] = path.split('.') as ['model' | 'train', string];
  return fieldOf(path, (groupSchema[group].shape as Record<string, z.ZodType>)[key], words, group);
}

/** Every run-config field, in the order of CONFIG_WORDS. */
export const CONFIG_FIELDS: readonly Field[] = Object.entries(CONFIG_WORDS).map(([path, words]) => configField(path as ConfigPath, words));
/** Every sampling parameter, by its key. */
export const SAMPLE_FIELDS = Object.fromEntries(
  Object.entries(SAMPLE_WORDS).map(([key, words]) => [key, fieldOf(key, SampleParamsSchema.shape[key as keyof SampleParams], words)]),
) as { [K in keyof SampleParams]: Field };

const byPath = new Map([...CONFIG_FIELDS, ...Object.values(SAMPLE_FIELDS)].map((f) => [f.path, f]));
/** The field at a config path ('model.units') or a sampling parameter ('topK'); a leading config. or params. is skipped. */
export const fieldAt = (path: string): Field | undefined => byPath.get(path.replace(/^(config|params)\./, ''));

/** Its help, with its limits where the table asks for them. */
export const helpOf = (f: Field): string => (f.sayLimits ? `${f.help}, ${f.min}–${f.max}` : f.help);

/** Options of requests that are not run-config fields or sampling parameters, as people meet them. */
const OPTION_WORDS: Record<string, Pick<Words, 'flag' | 'label'>> = {
  maxSteps: CONFIG_WORDS['train.maxSteps'],
  maxCharset: { flag: '--max-charset', label: 'Charset cap' },
  skipMemoryCheck: { flag: '--skip-memory-check', label: 'Start anyway' },
  force: { flag: '--force', label: 'Delete its runs too' },
  home: { flag: '--home', label: 'Data folder' },
  format: { flag: '--format', label: 'Format' },
  initFrom: { flag: '--init-from', label: 'Fine-tune from' },
};

/** How people know a setting: its flag (the CLI) and its label (the studio), by config path or request option. */
export const wordsAt = (path: string): Pick<Words, 'flag' | 'label'> | undefined => fieldAt(path) ?? OPTION_WORDS[path.replace(/^(config|params)\./, '')];

/**
 * A setting named inside a core message ("use a smaller {train.seqLen}"): each front end puts the name
 * its reader knows there (nameFields), so a desktop user never reads a command-line flag.
 */
export const setting = (path: string): string => `{${path}}`;

/**
 * A message with each setting named as its reader knows it: `nameOf(path, inline)` — a flag for the CLI,
 * a label for the studio — for a field's path leading a validation message ("model.units: must be …;
 * train.lr: …"), and for a {path} the core wrote inside a sentence (setting(), inline).
 */
export function nameFields(message: string, nameOf: (path: string, inline: boolean) => string | undefined): string {
  return message
    .replace(/(?:^|(?<=; )|(?<=: ))([A-Za-z.]+): /g, (whole, path: string) => {
      const name = nameOf(path, false);
      return name ? `${name}: ` : whole;
    })
    .replace(/\{([A-Za-z.]+)\}/g, (whole, path: string) => nameOf(path, true) ?? whole);
}
