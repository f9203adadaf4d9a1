// Every run-config field and sampling parameter as people meet it: its CLI flag, its label in the studio,
// one line of help, and the task it matters to. Kind, limits and default are read off the zod schemas in
// config.ts, the one source of those. The CLI's options, the studio's form and the naming of fields in
// validation messages are all derived from these two tables.
import { z } from 'zod';
import { ModelConfigSchema, RunConfigSchema, SampleParamsSchema, TrainConfigSchema, type CellType, type ModelConfig, type SampleParams, type Task, type TrainConfig } from './config.ts';

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
  /** One line on each of an enum's values, for someone choosing between them. */
  optionHelp?: Record<string, string>;
}

type ConfigPath = 'task' | `model.${keyof ModelConfig}` | `train.${keyof TrainConfig}`;

/** In the order `--help` lists the flags and the form shows its inputs (its selects and checkboxes first). */
const CONFIG_WORDS: { [P in ConfigPath]: Words } = {
  task: { flag: '--task', argument: 'task', label: 'Task', help: 'generate text, or classify labelled examples', form: false },
  'model.cell': {
    flag: '--cell', argument: 'type', label: 'Cell', help: 'the kind of memory the network has: LSTM remembers longest, GRU is lighter, SimpleRNN is the plainest',
    optionNames: { lstm: 'LSTM', gru: 'GRU', rnn: 'SimpleRNN' },
    optionHelp: { lstm: 'remembers longest; the usual choice', gru: 'lighter and a little faster; often as good', rnn: 'the plainest: fast, but forgets after a few characters' },
  },
  'model.layers': { flag: '--layers', label: 'Layers', help: 'layers stacked one on another: more can learn deeper patterns, but train slower', sayLimits: true },
  'model.units': { flag: '--units', label: 'Units', help: 'how much each layer can hold in mind: more learns more, trains slower and can memorise a small text' },
  'model.embedding': { flag: '--embedding', label: 'Embedding', help: 'how many numbers describe each character as it comes in' },
  'model.dropout': { flag: '--dropout', label: 'Dropout', help: 'share of connections switched off at random while learning, so the model cannot just memorise', sayLimits: true, step: '0.05' },
  'train.seqLen': { flag: '--seq-len', label: 'Sequence length', help: 'how many characters the model reads in one go as it learns: longer finds longer patterns, slower', task: 'generate' },
  'train.maxLen': { flag: '--max-len', label: 'Max length', help: 'characters read from each text: longer texts are cut there, shorter ones padded (by default, the length 95% of the dataset’s texts fit in)', task: 'classify' },
  'train.batch': { flag: '--batch', label: 'Batch', help: 'how many pieces of text the model learns from at once: larger is steadier and uses more memory' },
  'train.lr': { flag: '--lr', label: 'Learning rate', help: 'how big a change each step makes: too high and learning jumps about, too low and it crawls' },
  'train.clip': { flag: '--clip', label: 'Gradient clip', help: 'keeps one bad step from undoing what was learnt (a cap on each change); 0 = no cap' },
  'train.epochs': { flag: '--epochs', label: 'Epochs', help: 'how many times the model reads through all of your training data' },
  'train.maxSteps': { flag: '--max-steps', label: 'Max steps', help: 'stop after this many learning steps in all, instead of counting passes over the data', none: 'none' },
  'train.valSplit': { flag: '--val-split', label: 'Validation split', help: 'share of your data kept aside to check the model on text it never learns from', sayLimits: true, step: '0.01' },
  'train.seed': { flag: '--seed', label: 'Seed', help: 'the same seed trains the same run again', none: 'random' },
  'train.checkpointEvery': { flag: '--checkpoint-every', label: 'Checkpoint every', help: 'how often, in steps, the model is saved, so you can stop and go on later' },
  'train.sampleEvery': { flag: '--sample-every', label: 'Sample every', help: 'how often, in steps, the model writes a short text so you can watch it learn; 0 = never', task: 'generate' },
  'train.evalEvery': { flag: '--eval-every', label: 'Validate every', help: 'how often, in steps, the model is checked on the text kept aside', task: 'generate' },
  'train.keepCheckpoints': { flag: '--keep-checkpoints', label: 'Checkpoints kept', help: 'saved copies of the model kept besides the best one', form: false },
  'model.bidirectional': { flag: '--bidirectional', label: 'Bidirectional', help: 'read each text both ways, from the start and from the end', task: 'classify' },
  'model.pooling': {
    flag: '--pooling', argument: 'how', label: 'Pooling', help: 'what the decision is made from: the state where reading ended, or the average or the strongest signal over the text', task: 'classify',
    optionNames: { last: 'where reading ended', mean: 'average over the text', max: 'strongest over the text' },
  },
  'train.classWeights': { flag: '--class-weights', argument: 'how', label: 'Class weights', help: 'balanced counts the rarer classes for more, so the model does not ignore them', task: 'classify' },
  'train.patience': { flag: '--patience', label: 'Patience', help: 'stop early after this many passes that did not do better on the text kept aside; 0 = never stop early', task: 'classify' },
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
/** Each cell's name as the form, the CLI, every chart and the Lab's report say it. */
export const CELL_NAMES = CONFIG_WORDS['model.cell'].optionNames as Record<CellType, string>;
/** Each cell's colour wherever cells are drawn side by side: a comparison, the Lab and its report. */
export const CELL_COLOURS: Record<CellType, string> = { rnn: '#c92a2a', lstm: '#3b5bdb', gru: '#2b8a3e' };

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
