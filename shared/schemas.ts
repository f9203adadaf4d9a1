// One schema per request: every payload from outside (IPC, WebSocket, CLI flags) is checked here
// before the core sees it, and a bad one is refused with a message that names the field.
import { z } from 'zod';
import { CELL_TYPES, TrainConfigSchema, type RunConfigInput, type SampleParamsInput } from './config.ts';
import { MAX_PATTERN_LENGTH } from './inspect.ts';
import { DATASET_FORMATS, EXPORT_FORMATS } from './formats.ts';
import { LAB_CLASSIFIERS, LAB_NOTES_MAX, LAB_STEPS } from './lab.ts';
import { LOCALES } from './i18n/index.ts';
import { MAX_DATASET_NAME_CHARS, MAX_INSPECT_CHARS, RUN_COMMANDS, type Channel, type RequestOf } from './api.ts';

const id = z.number().int().positive();
const format = z.enum(DATASET_FORMATS);
/**
 * A config or sampling parameters: checked in full by the core (RunConfigSchema, SampleParamsSchema), so
 * that their messages name nested fields ("model.units: …").
 */
const checkedByTheCore = <T>() => z.custom<T>();
const uploadId = z.string().regex(/^[0-9a-f-]{36}$/, 'not an upload id');
const source = {
  path: z.string().min(1, 'a path is required').optional(),
  uploadId: uploadId.optional(),
  encoding: z.string().min(1).max(40).optional(),
  format: format.optional(),
  textColumn: z.string().min(1).max(200).optional(),
  labelColumn: z.string().min(1).max(200).optional(),
  perLine: z.boolean().optional(),
};
const oneSource = { message: 'give a path or an uploadId (one of them)' };
const hasOneSource = (r: { path?: string; uploadId?: string }) => (r.path === undefined) !== (r.uploadId === undefined);
const empty = z.object({}).strict();
/** A run's new total number of steps (resume, branch). */
const totalSteps = TrainConfigSchema.shape.maxSteps.unwrap().unwrap();
/** A dataset's name, trimmed: what import's `name` and `datasets:rename` accept. */
const datasetName = z
  .string()
  .trim()
  .min(1, 'the name is empty: give the dataset a name')
  .max(MAX_DATASET_NAME_CHARS, `the name is too long: at most ${MAX_DATASET_NAME_CHARS} characters`);

/** A text to inspect: at most MAX_INSPECT_CHARS characters. */
const inspectedText = z
        .string()
        .min(1, 'the text is empty: give some text to inspect')
        .superRefine((t, ctx) => {
          // Characters are code points; a string of more than twice as many UTF-16 units has too many anyway.
          const chars = t.length > 2 * MAX_INSPECT_CHARS ? t.length : [...t].length;
          if (chars > MAX_INSPECT_CHARS) ctx.addIssue({ code: 'custom', message: `the text has ${t.length > 2 * MAX_INSPECT_CHARS ? 'more than ' : ''}${Math.min(chars, 2 * MAX_INSPECT_CHARS).toLocaleString('en-US')} characters; at most ${MAX_INSPECT_CHARS.toLocaleString('en-US')} can be inspected at once` });
        });

export const RequestSchemas = {
  'app:info': empty,
  'datasets:list': empty,
  'datasets:get': z.object({ id }).strict(),
  'datasets:import': z
    .object({ ...source, name: datasetName.optional(), maxCharset: z.number().int().min(1).max(65_534).optional() })
    .strict()
    .refine(hasOneSource, oneSource),
  'datasets:inspect': z
    .object({ path: source.path, uploadId: source.uploadId, format: format.optional() })
    .strict()
    .refine(hasOneSource, oneSource),
  'datasets:preview': z.object({ id, chars: z.number().int().min(1).max(1_000_000).optional() }).strict(),
  'datasets:delete': z.object({ id, force: z.boolean().optional() }).strict(),
  'datasets:rename': z.object({ id, name: datasetName }).strict(),
  'runs:list': empty,
  'runs:get': z.object({ id }).strict(),
  'runs:start': z.object({ datasetId: id, config: checkedByTheCore<RunConfigInput>().optional(), skipMemoryCheck: z.boolean().optional(), initFrom: id.optional() }).strict(),
  'runs:estimate': z.object({ datasetId: id, config: checkedByTheCore<RunConfigInput>().optional() }).strict(),
  'runs:resume': z.object({ id, maxSteps: totalSteps.optional(), skipMemoryCheck: z.boolean().optional() }).strict(),
  'runs:branch': z
    .object({ id, checkpointId: id.optional(), config: checkedByTheCore<NonNullable<RequestOf<'runs:branch'>['config']>>().optional(), maxSteps: totalSteps.optional(), skipMemoryCheck: z.boolean().optional() })
    .strict(),
  'runs:control': z
    .object({
      id,
      command: z.enum(RUN_COMMANDS),
      lr: TrainConfigSchema.shape.lr.unwrap().optional(),
    })
    .strict()
    .refine((r) => r.command !== 'set-learning-rate' || r.lr !== undefined, { message: 'set-learning-rate needs lr', path: ['lr'] }),
  'runs:delete': z.object({ id }).strict(),
  'runs:metrics': z.object({ ids: z.array(id).max(50) }).strict(),
  'samples:generate': z
    .object({ runId: id, checkpointId: id.optional(), params: checkedByTheCore<SampleParamsInput>().optional(), requestId: z.string().max(100).optional() })
    .strict(),
  'samples:list': z.object({ runId: id }).strict(),
  'dialog:open': z.object({ kind: z.enum(['file', 'folder']), purpose: z.enum(['import', 'export']).optional() }).strict(),
  'runs:classify': z
    .object({ runId: id, checkpointId: id.optional(), texts: z.array(z.string().max(1_000_000)).min(1, 'give at least one text').max(100_000) })
    .strict(),
  'runs:inspect': z.object({ runId: id, checkpointId: id.optional(), text: inspectedText }).strict(),
  'runs:units': z
    .object({
      runId: id,
      checkpointId: id.optional(),
      text: inspectedText,
      pattern: z
        .string()
        .min(1, 'the pattern is empty')
        .max(MAX_PATTERN_LENGTH)
        .superRefine((p, ctx) => {
          try {
            new RegExp(p, 'u');
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
          }
        })
        .optional(),
      unit: z.object({ layer: z.number().int().min(0), unit: z.number().int().min(0) }).strict().optional(),
      top: z.number().int().min(1).max(100).optional(),
    })
    .strict(),
  'runs:connectivity': z.object({ runId: id, checkpointId: id.optional(), text: inspectedText, position: z.number().int().min(0).optional() }).strict(),
  'runs:gradient-flow': z
    .object({ runId: id, checkpointId: id.optional(), windows: z.number().int().min(1).max(1000).optional(), seqLen: z.number().int().min(2).max(1000).optional() })
    .strict(),
  'runs:compare': z
    .object({
      datasetId: id,
      cells: z.array(z.enum(CELL_TYPES)).min(1, 'name at least one cell to compare').max(3).refine((c) => new Set(c).size === c.length, 'each cell once'),
      steps: z.number().int().min(1).max(10_000_000).optional(),
      config: checkedByTheCore<RunConfigInput>().optional(),
      bidirectional: z.boolean().optional(),
    })
    .strict(),
  'comparisons:get': z.object({ id }).strict(),
  'comparisons:continue': z.object({ id }).strict(),
  'comparisons:list': empty,
  'runs:timeline': z
    .object({ runId: id, prime: z.string().max(1000).optional(), seed: z.number().int().min(0).max(2 ** 32 - 1).optional(), length: z.number().int().min(1).max(2000).optional() })
    .strict(),
  'runs:export': z
    .object({ runId: id, checkpointId: id.optional(), format: z.enum(EXPORT_FORMATS), out: z.string().min(1, 'a folder to write to is required'), force: z.boolean().optional() })
    .strict(),
  'runs:import-model': z.object({ path: z.string().min(1, 'a folder to import is required') }).strict(),
  'runs:evaluate': z
    .object({ runId: id, checkpointId: id.optional(), ...source })
    .strict()
    .refine(hasOneSource, oneSource),
  'lab:get': empty,
  'lab:update': z
    .object({
      step: z.enum(LAB_STEPS).optional(),
      done: z.array(z.enum(LAB_STEPS)).max(LAB_STEPS.length).optional(),
      datasetId: id.nullable().optional(),
      rnnRunId: id.nullable().optional(),
      comparisonId: id.nullable().optional(),
      passage: z.string().min(1, 'the passage is empty').max(MAX_INSPECT_CHARS).nullable().optional(),
      labelledDatasetId: id.nullable().optional(),
      classifierRunIds: z.object(Object.fromEntries(LAB_CLASSIFIERS.map((c) => [c, id.nullable().optional()])) as Record<(typeof LAB_CLASSIFIERS)[number], z.ZodOptional<z.ZodNullable<typeof id>>>).strict().optional(),
      notes: z.string().max(LAB_NOTES_MAX, `the notes are too long: at most ${LAB_NOTES_MAX} characters`).optional(),
    })
    .strict(),
  'lab:reset': empty,
  'lab:report': z.object({ locale: z.enum(LOCALES) }).strict(),
  'app:set-locale': z.object({ locale: z.enum(LOCALES) }).strict(),
} satisfies { [C in Channel]: z.ZodType<RequestOf<C>, any> };

// Checked when compiling: each schema parses to its channel's request type (above), and names exactly the
// fields of that type — one left out of a strict schema would be refused at run time, one left out of the
// type would reach the core unseen. A drift fails here, naming the channel and the field.
type SchemaOf<C extends Channel> = (typeof RequestSchemas)[C];
type UnsharedFields<C extends Channel> =
  | Exclude<keyof RequestOf<C>, keyof z.output<SchemaOf<C>>>
  | Exclude<keyof z.output<SchemaOf<C>>, keyof RequestOf<C>>;
type NoneUnshared<T extends Record<Channel, never>> = T;
type RequestSchemasMatchTheApi = NoneUnshared<{ [C in Channel]: UnsharedFields<C> }>;

/**
 * "model.units: must be at most 4096; train.lr: must be more than 0" — one part per problem, naming the
 * field by its path (each front end then names it as its reader knows it: config-fields.ts' nameFields),
 * in plain words rather than the validator's ("Too big: expected number to be <=4096").
 */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      const words = plainIssue(issue);
      return path ? `${path}: ${words}` : words;
    })
    .join('; ');
}

const KIND_WORDS: Record<string, string> = { int: 'a whole number', number: 'a number', string: 'text', boolean: 'true or false', object: 'an object of named fields', array: 'a list' };

/** The validator's own wording, which plainIssue rewords; a message a schema gives itself is kept. */
const VALIDATOR_WORDS = /^(Too (small|big)|Invalid (input|option|element|key|union)|Unrecognized key)/;

/** One validation problem in plain words. */
export function plainIssue(issue: z.core.$ZodIssue): string {
  if (!VALIDATOR_WORDS.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${KIND_WORDS[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n <= 1 ? 'must not be empty' : `must be at least ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must hold at least ${n}`;
      return issue.inclusive ? `must be at least ${n}` : `must be more than ${n}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${n} characters`;
      if (issue.origin === 'array' || issue.origin === 'set') return `must hold at most ${n}`;
      return issue.inclusive ? `must be at most ${n}` : `must be less than ${n}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${issue.keys.map((k) => `"${k}"`).join(', ')}: not a setting here`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return issue.message;
  }
}
