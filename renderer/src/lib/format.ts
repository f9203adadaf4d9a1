import type { RunConfig } from '../../../shared/config.ts';
import { fieldAt, type Field } from '../../../shared/config-fields.ts';
import type { RunSummary } from '../../../shared/types.ts';

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export const formatInt = (n: number | null | undefined) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
export const formatLoss = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toFixed(3));

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** How a character shows in a table: spaces and control characters get names. */
export function showChar(c: string): string {
  const names: Record<string, string> = { ' ': '(space)', '\n': '↵ newline', '\t': '⇥ tab', '': '� unknown' };
  return names[c] ?? c;
}

/** A number field's limits in words, from the shared table: "above 0 and at most 1", "at least 1". */
export function limitsOf(f: Pick<Field, 'min' | 'max' | 'above'>): string {
  const low = f.min !== undefined ? `at least ${formatNumber(f.min)}` : f.above !== undefined ? `above ${formatNumber(f.above)}` : '';
  const high = f.max !== undefined ? `at most ${formatNumber(f.max)}` : '';
  return [low, high].filter(Boolean).join(' and ');
}
const formatNumber = (n: number) => (Number.isInteger(n) ? formatInt(n) : String(n));

/** A model's shape, its cell named as the form names it: "GRU 2×128", "LSTM bidirectional 1×64". */
export function modelShape(c: Pick<RunConfig, 'task' | 'model'>): string {
  const m = c.model;
  const cell = `${fieldAt('model.cell')?.optionNames?.[m.cell] ?? m.cell}${c.task === 'classify' && m.bidirectional ? ' bidirectional' : ''}`;
  return `${cell} ${m.layers}×${m.units}`;
}

/** A run as charts and lists name it: "#3 GRU 2×128". */
export const runName = (r: { id: number; config: Pick<RunConfig, 'task' | 'model'> }): string => `#${r.id} ${modelShape(r.config)}`;

/** A run config in one line, named as the form names its fields: "LSTM 2×128 · embedding 64 · batch 32 · …". */
export function describeConfig(c: RunConfig): string {
  const t = c.train;
  const named = (path: string, value: unknown) => `${fieldAt(path)!.label.toLowerCase()} ${typeof value === 'number' ? formatNumber(value) : value}`;
  return [
    modelShape(c),
    named('model.embedding', c.model.embedding),
    c.task === 'classify' ? named('train.maxLen', t.maxLen) : named('train.seqLen', t.seqLen),
    named('train.batch', t.batch),
    named('train.lr', t.lr),
    t.maxSteps === null ? `${formatInt(t.epochs)} epoch${t.epochs === 1 ? '' : 's'}` : `${formatInt(t.maxSteps)} steps`,
  ].join(' · ');
}

type Lineage = Pick<RunSummary, 'parentRunId' | 'parentCheckpointId' | 'parentStep' | 'status'>;
const isBranch = (r: Lineage) => r.parentCheckpointId != null || r.parentStep != null;

/** Where a run came from, short for a table: "#2 @ step 400" for a branch, "#2" for a fine-tune or an import. */
export function lineageOf(r: Lineage): string | null {
  if (r.parentRunId == null) return null;
  return r.parentStep == null ? `#${r.parentRunId}` : `#${r.parentRunId} @ step ${formatInt(r.parentStep)}`;
}

/** The same in words, for a run's page: "Branched from" run #2 " at step 400". */
export function describeLineage(r: Lineage): { how: string; parentId: number; at: string } | null {
  if (r.parentRunId == null) return null;
  const how = isBranch(r) ? 'Branched from' : r.status === 'imported' ? 'Imported from a model exported by' : 'Fine-tuned from';
  return { how, parentId: r.parentRunId, at: r.parentStep == null ? '' : ` at step ${formatInt(r.parentStep)}` };
}

/** Runs branched from run `id`, oldest first. */
export const branchesOf = (id: number, runs: Array<RunSummary>) => runs.filter((r) => r.parentRunId === id && isBranch(r)).sort((a, b) => a.id - b.id);
