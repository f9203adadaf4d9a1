// Numbers, durations, sizes, characters and runs as the studio shows them, in the current language
// (lib/i18n.svelte.ts): the words come from the catalogue (shared/i18n/), numbers from Intl.
import type { RunConfig } from '../../../shared/config.ts';
import type { Field } from '../../../shared/config-fields.ts';
import { formatDuration as durationIn } from '../../../shared/i18n/index.ts';
import type { RunSummary } from '../../../shared/types.ts';
import { labelOf, optionName } from './fields.ts';
import { fmt, locale, t } from './i18n.svelte.ts';

export const formatDuration = (seconds: number | null | undefined): string => durationIn(locale.current, seconds);

export const formatInt = (n: number | null | undefined) => fmt.int(n);

const fixedFormats = new Map<string, Intl.NumberFormat>();
/** A number with exactly `digits` fraction digits, ungrouped (as toFixed writes it), in the current locale. */
export function fixed(n: number, digits: number): string {
  const id = `${locale.current}|${digits}`;
  let f = fixedFormats.get(id);
  if (!f) fixedFormats.set(id, (f = new Intl.NumberFormat(locale.current, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false })));
  return f.format(n);
}

export const formatLoss = (n: number | null | undefined) => (n === null || n === undefined ? '–' : fixed(n, 3));

export function formatBytes(n: number): string {
  if (n < 1024) return `${fixed(n, 0)} B`;
  if (n < 1024 ** 2) return `${fixed(n / 1024, 1)} KB`;
  if (n < 1024 ** 3) return `${fixed(n / 1024 ** 2, 1)} MB`;
  return `${fixed(n / 1024 ** 3, 2)} GB`;
}

const CHAR_NAMES: Record<string, string> = { ' ': 'datasets.char.space', '\n': 'datasets.char.newline', '\t': 'datasets.char.tab', '': 'datasets.char.unknown' };
/** How a character shows in a table: spaces and control characters get names. */
export function showChar(c: string): string {
  const key = CHAR_NAMES[c];
  return key ? t(key as 'datasets.char.space') : c;
}

/** A number field's limits in words, from the shared table: "above 0 and at most 1", "at least 1". */
export function limitsOf(f: Pick<Field, 'min' | 'max' | 'above'>): string {
  const low = f.min !== undefined ? t('fields.atLeast', { n: formatNumber(f.min) }) : f.above !== undefined ? t('fields.above', { n: formatNumber(f.above) }) : '';
  const high = f.max !== undefined ? t('fields.atMost', { n: formatNumber(f.max) }) : '';
  return low && high ? t('fields.between', { low, high }) : low || high;
}
const formatNumber = (n: number) => (Number.isInteger(n) ? formatInt(n) : String(n));

/** A model's shape, its cell named as the form names it: "GRU 2×128", "LSTM bidirectional 1×64". */
export function modelShape(c: Pick<RunConfig, 'task' | 'model'>): string {
  const m = c.model;
  const name = optionName({ path: 'model.cell' }, m.cell);
  const cell = c.task === 'classify' && m.bidirectional ? t('train.shape.bidirectional', { cell: name }) : name;
  return `${cell} ${m.layers}×${m.units}`;
}

/** A run as charts and lists name it: "#3 GRU 2×128". */
export const runName = (r: { id: number; config: Pick<RunConfig, 'task' | 'model'> }): string => `#${r.id} ${modelShape(r.config)}`;

/** A run config in one line, named as the form names its fields: "LSTM 2×128 · embedding 64 · batch 32 · …". */
export function describeConfig(c: RunConfig): string {
  const tr = c.train;
  const named = (path: string, value: unknown) => `${labelOf({ path }).toLowerCase()} ${typeof value === 'number' ? formatNumber(value) : value}`;
  return [
    modelShape(c),
    named('model.embedding', c.model.embedding),
    c.task === 'classify' ? named('train.maxLen', tr.maxLen) : named('train.seqLen', tr.seqLen),
    named('train.batch', tr.batch),
    named('train.lr', tr.lr),
    tr.maxSteps === null ? t('train.epochs', { count: tr.epochs }) : t('train.steps', { count: tr.maxSteps }),
  ].join(' · ');
}

type Lineage = Pick<RunSummary, 'parentRunId' | 'parentCheckpointId' | 'parentStep' | 'status'>;
const isBranch = (r: Lineage) => r.parentCheckpointId != null || r.parentStep != null;

/** Where a run came from, short for a table: "#2 @ step 400" for a branch, "#2" for a fine-tune or an import. */
export function lineageOf(r: Lineage): string | null {
  if (r.parentRunId == null) return null;
  return r.parentStep == null ? `#${r.parentRunId}` : t('runs.table.from', { id: String(r.parentRunId), step: r.parentStep });
}

/** The same in words, for a run's page: "Branched from" run #2 " at step 400". */
export function describeLineage(r: Lineage): { how: string; parentId: number; at: string } | null {
  if (r.parentRunId == null) return null;
  const how = t(isBranch(r) ? 'runs.lineage.branched' : r.status === 'imported' ? 'runs.lineage.imported' : 'runs.lineage.fineTuned');
  return { how, parentId: r.parentRunId, at: r.parentStep == null ? '' : t('runs.lineage.branchAt', { step: r.parentStep }) };
}

/** Runs branched from run `id`, oldest first. */
export const branchesOf = (id: number, runs: Array<RunSummary>) => runs.filter((r) => r.parentRunId === id && isBranch(r)).sort((a, b) => a.id - b.id);
