// Labelled examples for classifiers: CSV and TSV with a header, JSONL, and a folder per label (each file
// one example, or each line one). Quoted fields with commas and newlines, a BOM, CRLF, blank lines and very
// long texts are read; one class only, a missing column, an empty text or an empty label are refused with
// a message that names the file and the row. Pure: no TensorFlow.js.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { tableFormatOf, type DatasetFormat } from '../../../shared/formats.ts';
import { CorpusError, ImportReader, notRegularFile } from './read.ts';
import { decodeText } from './decode.ts';

export type LabelledFormat = Exclude<DatasetFormat, 'text'>;

export interface Example {
  text: string;
  label: string;
}

export interface LabelledOptions {
  format: LabelledFormat;
  textColumn?: string;
  labelColumn?: string;
  /** folders: each line of each file is one example (default: each file is one). */
  perLine?: boolean;
  encoding?: string;
}

export interface Table {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** File row number (1 = header for CSV/TSV, 1 = first line for JSONL) of each row, for messages. */
  lineOf: number[];
}

export function guessFormat(path: string): LabelledFormat | null {
  return statSync(path).isDirectory() ? 'folders' : tableFormatOf(path);
}

/**
 * A labelled file is parsed as one string, and V8's strings end near 512 M characters (beyond, decoding
 * aborts the process rather than throwing): larger tables are refused, saying how to split them.
 */
const MAX_TABLE_BYTES = 512 * 1024 * 1024;

function readTable(path: string, format: 'csv' | 'tsv' | 'jsonl', encoding?: string): Table {
  const name = basename(path);
  const size = statSync(path).size; // before reading it
  if (size > MAX_TABLE_BYTES) {
    throw new CorpusError(`${name}: is ${Math.ceil(size / 2 ** 20)} MB; a labelled ${format.toUpperCase()} file is read whole, up to ${MAX_TABLE_BYTES / 2 ** 20} MB: split it into several files, or keep fewer examples`);
  }
  const text = decodeText(new ImportReader().read(path, name), name, encoding).text;
  if (format === 'jsonl') {
    const rows: Array<Record<string, unknown>> = [];
    const lineOf: number[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new CorpusError(`${name}: line ${i + 1} is not valid JSON`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CorpusError(`${name}: line ${i + 1} is not a JSON object`);
      rows.push(value as Record<string, unknown>);
      lineOf.push(i + 1);
    });
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return { columns, rows, lineOf };
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { delimiter: format === 'tsv' ? '\t' : ',', bom: true, skip_empty_lines: true, relax_column_count: true, info: true, relax_quotes: format === 'tsv' }) as unknown as typeof records;
  } catch (err) {
    throw new CorpusError(`${name}: not valid ${format.toUpperCase()}: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new CorpusError(`${name}: the file is empty`, { key: 'errors.emptyFile', params: { file: name } });
  const columns = records[0].record.map((c) => c.trim());
  const rows = records.slice(1).map(({ record }) => Object.fromEntries(columns.map((c, i) => [c, record[i] ?? ''])));
  return { columns, rows, lineOf: records.slice(1).map((r) => r.info.lines) };
}

/** The column for `role`: the one named by the flag, else one called `text` / `label` (any case). */
function pickColumn(table: Table, name: string, wanted: string | undefined, role: 'text' | 'label', flag: string, file: string): string {
  const found = wanted !== undefined ? table.columns.find((c) => c === wanted) : table.columns.find((c) => c.toLowerCase() === role);
  if (found === undefined) {
    const which = wanted !== undefined ? `no column "${wanted}"` : `no "${role}" column`;
    throw new CorpusError(`${file}: ${which} (columns: ${table.columns.join(', ') || 'none'}); choose one with ${flag}`);
  }
  return found;
}

function fromTable(path: string, opts: LabelledOptions): Example[] {
  const file = basename(path);
  const table = readTable(path, opts.format as 'csv' | 'tsv' | 'jsonl', opts.encoding);
  const textCol = pickColumn(table, file, opts.textColumn, 'text', '--text-column', file);
  const labelCol = pickColumn(table, file, opts.labelColumn, 'label', '--label-column', file);
  const where = (i: number) => (opts.format === 'jsonl' ? `line ${table.lineOf[i]}` : `row ${i + 1} (line ${table.lineOf[i]})`);
  return table.rows.map((row, i) => {
    const text = jsonValue(row[textCol], 'text', textCol, false, () => `${file}: ${where(i)}`);
    const label = jsonValue(row[labelCol], 'label', labelCol, true, () => `${file}: ${where(i)}`);
    if (text.trim() === '') throw new CorpusError(`${file}: ${where(i)} has an empty text`);
    if (label.trim() === '') throw new CorpusError(`${file}: ${where(i)} has an empty label`);
    return { text: text.replace(/\r\n?/g, '\n'), label: label.trim() };
  });
}

/**
 * A cell as a string. CSV and TSV cells are strings already; a JSONL value must be a string too, except
 * that a label may be a number or a boolean (`"label": 1` is common and has one obvious spelling). An
 * object, array or null is refused with what was found, rather than stored as "[object Object]".
 */
function jsonValue(value: unknown, role: 'text' | 'label', column: string, scalarOk: boolean, where: () => string): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (scalarOk && ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')) return String(value);
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  const shown = JSON.stringify(value);
  const excerpt = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
  const allowed = scalarOk ? 'a string (or a number)' : 'a string';
  throw new CorpusError(`${where()}: the ${role} ("${column}") is ${what} (${excerpt}), not ${allowed}`);
}

function fromFolders(dir: string, opts: LabelledOptions): Example[] {
  const labels = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  if (labels.length === 0) throw new CorpusError(`${basename(dir)}: has no sub-folders: a labelled folder holds one folder per label`);
  // Every file is listed and sized from stat first: a FIFO or a device is refused by name, never opened,
  // and files over the import size limit together are refused before one is read.
  const reader = new ImportReader();
  const listed: Array<{ labelDir: string; name: string }> = [];
  let bytes = 0;
  for (const labelDir of labels.sort((a, b) => a.name.localeCompare(b.name))) {
    const entries = readdirSync(join(dir, labelDir.name), { withFileTypes: true }).filter((e) => !e.name.startsWith('.') && !e.isDirectory());
    for (const f of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const stat = statSync(join(dir, labelDir.name, f.name));
      if (stat.isDirectory()) continue;
      if (!stat.isFile()) throw notRegularFile(`${labelDir.name}/${f.name}`, stat);
      listed.push({ labelDir: labelDir.name, name: f.name });
      bytes += stat.size;
    }
  }
  reader.check(basename(dir), bytes, 'its files come to');
  const examples: Example[] = [];
  for (const { labelDir, name } of listed) {
    const label = `${labelDir}/${name}`;
    const text = decodeText(reader.read(join(dir, labelDir, name), label), label, opts.encoding).text.replace(/\r\n?/g, '\n');
    const texts = opts.perLine ? text.split('\n').filter((l) => l.trim() !== '') : [text];
    if (!opts.perLine && text.trim() === '') throw new CorpusError(`${label}: has an empty text`);
    for (const t of texts) examples.push({ text: t, label: labelDir });
  }
  return examples;
}

/** Reads and validates a labelled dataset. */
export function readLabelled(path: string, opts: LabelledOptions): Example[] {
  const examples = opts.format === 'folders' ? fromFolders(path, opts) : fromTable(path, opts);
  const name = basename(path);
  if (examples.length === 0) throw new CorpusError(`${name}: holds no examples`, { key: 'errors.noExamples', params: { name } });
  const labels = new Set(examples.map((e) => e.label));
  if (labels.size < 2) throw new CorpusError(`${name}: every example has the label "${[...labels][0]}": a classifier needs at least two classes`, { key: 'errors.oneClass', params: { name, label: [...labels][0] } });
  return examples;
}

/** Columns and the first rows, for choosing the text and label columns before importing. */
export function inspectTable(path: string, format: 'csv' | 'tsv' | 'jsonl', encoding?: string, rows = 8): { columns: string[]; rows: Array<Record<string, string>>; total: number } {
  const table = readTable(path, format, encoding);
  return {
    columns: table.columns,
    rows: table.rows.slice(0, rows).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v ?? '').replace(/\r\n?/g, '\n').slice(0, 300)]))),
    total: table.rows.length,
  };
}

export interface LabelledStats {
  examples: number;
  /** Classes sorted by name, with their example counts. */
  labels: Array<{ label: string; count: number }>;
  /** Text lengths in characters (code points). */
  lengths: { min: number; median: number; p90: number; p95: number; max: number; mean: number };
  warnings: string[];
}

export function labelledStats(examples: Example[]): LabelledStats {
  const counts = new Map<string, number>();
  for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const labels = [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => (a.label < b.label ? -1 : 1));
  const lengths = examples.map((e) => [...e.text].length).sort((a, b) => a - b);
  const at = (q: number) => lengths[Math.min(lengths.length - 1, Math.floor(q * lengths.length))];
  const warnings: string[] = [];
  const most = labels.reduce((a, b) => (b.count > a.count ? b : a));
  const least = labels.reduce((a, b) => (b.count < a.count ? b : a));
  if (most.count >= 5 * least.count) {
    warnings.push(
      `strong class imbalance: "${most.label}" has ${most.count} examples, "${least.label}" ${least.count} (${(most.count / least.count).toFixed(0)}×); consider --class-weights balanced and watch macro-F1 rather than accuracy`,
    );
  }
  return {
    examples: examples.length,
    labels,
    lengths: { min: lengths[0], median: at(0.5), p90: at(0.9), p95: at(0.95), max: lengths[lengths.length - 1], mean: lengths.reduce((a, b) => a + b, 0) / lengths.length },
    warnings,
  };
}
