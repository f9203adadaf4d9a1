// English words of every run-config field and sampling parameter (shared/i18n/index.ts), derived from the
// one table that says them (shared/config-fields.ts, which the CLI's --help reads too): `${path}.label`,
// `${path}.help`, `${path}.none`, `${path}.option.${value}` (every value of an enum), `${path}.optionHelp.${value}`, and the labels
// of request options (`maxCharset.label`). Below them, the words the forms check numbers with.
// zh-TW/fields.ts gives the same keys by hand; renderer/tests/i18n-train.test.ts holds it to them.
import { CONFIG_FIELDS, SAMPLE_FIELDS, wordsAt, type Field } from '../../config-fields.ts';
import type { Message } from '../index.ts';

/** Request options that are not fields, named in the core's messages (config-fields.ts OPTION_WORDS). */
export const REQUEST_OPTIONS = ['maxSteps', 'maxCharset', 'skipMemoryCheck', 'force', 'home', 'format', 'initFrom'] as const;

function wordsOf(f: Field): Array<[string, string]> {
  const entries: Array<[string, string]> = [
    [`${f.path}.label`, f.label],
    [`${f.path}.help`, f.help],
  ];
  if (f.none) entries.push([`${f.path}.none`, f.none]);
  for (const value of f.options ?? []) entries.push([`${f.path}.option.${value}`, f.optionNames?.[value] ?? value]);
  for (const [value, help] of Object.entries(f.optionHelp ?? {})) entries.push([`${f.path}.optionHelp.${value}`, help]);
  return entries;
}

const derived: Record<string, Message> = Object.fromEntries([
  ...[...CONFIG_FIELDS, ...Object.values(SAMPLE_FIELDS)].flatMap(wordsOf),
  ...REQUEST_OPTIONS.map((option) => [`${option}.label`, wordsAt(option)!.label]),
]);

export default {
  ...derived,
  /** A help line that says its limits ("stacked recurrent layers, 1–4"). */
  withLimits: '{help}, {min}–{max}',
  required: 'required',
  notANumber: 'not a number',
  notWhole: 'Invalid input: expected int, received number',
  atLeast: 'at least {n}',
  above: 'above {n}',
  atMost: 'at most {n}',
  below: 'below {n}',
  /** Two limits of one number: "above 0 and at most 1". */
  between: '{low} and {high}',
  /** A value the form refuses, named by its field: "Units: at most 4096". */
  problem: '{label}: {problem}',
  aNumber: '{label}: a number {limits}',
} satisfies Record<string, Message>;
