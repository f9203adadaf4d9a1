// Dataset import: reads a file or a folder of text files, refuses what is not text (naming the file and
// the problem), and stores the text content-addressed by SHA-256 in the data home, so the user's
// originals can change or vanish afterwards and importing the same text twice stores it once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { ApiError, type ImportReply, type ImportRequest, type InspectReply } from '../../shared/api.ts';
import { isTableFormat, withoutDatasetExtension, type DatasetFormat } from '../../shared/formats.ts';
import type { Dataset } from '../../shared/types.ts';
import { buildCharset, countChars, CorpusError } from '../engine/index.ts';
import { countUtf8, type CharStats } from '../engine/corpus/charset.ts';
import { ImportReader, notRegularFile } from '../engine/corpus/read.ts';
import { toUtf8 } from '../engine/corpus/decode.ts';
import { guessFormat, inspectTable, labelledStats, readLabelled, type LabelledFormat } from '../engine/corpus/labelled.ts';
import { writeFileAtomic } from '../engine/storage/files.ts';
import type { Store } from '../db/index.ts';
import { homePaths } from './home.ts';
import type { SourceOrigin } from './uploads.ts';
import { setting } from '../../shared/config-fields.ts';

export const DEFAULT_MAX_CHARSET = 2000;

/**
 * Files under a folder, sorted, skipping hidden entries (.git, .DS_Store), with their size from stat. A
 * link counts as what it points to; a FIFO, a socket or a device is refused by name, never opened.
 */
function listFiles(root: string, label: (file: string) => string): { files: string[]; bytes: number; hidden: number } {
  const found = { files: [] as string[], bytes: 0, hidden: 0 };
  const seen = new Set<string>();
  const walk = (dir: string) => {
    seen.add(realpathSync(dir)); // a link back up the tree is walked once
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) {
        found.hidden++;
        continue;
      }
      const full = join(dir, entry.name);
      const stat = statSafe(full);
      if (!stat) throw new CorpusError(`${label(full)}: is a link to a file or folder that does not exist`);
      if (stat.isDirectory()) {
        if (!seen.has(realpathSync(full))) walk(full);
      } else if (stat.isFile()) {
        found.files.push(full);
        found.bytes += stat.size;
      } else {
        throw notRegularFile(label(full), stat);
      }
    }
  };
  walk(root);
  return found;
}

interface ReadCorpus {
  /** The text as UTF-8 with \n line endings: what is stored. */
  bytes: Buffer;
  files: number;
  encoding: string;
}

/**
 * A file, or a folder's files each ending in a newline, as one UTF-8 text. Sizes are checked against the
 * import limit from stat before anything is read; plain UTF-8 stays bytes, so memory stays near the size.
 */
function readCorpus(path: string, encoding?: string): ReadCorpus {
  const stat = statSafe(path);
  if (!stat) throw new CorpusError(`${path}: no such file or folder`);
  const reader = new ImportReader();
  if (!stat.isDirectory()) {
    if (!stat.isFile()) throw notRegularFile(path, stat);
    const decoded = toUtf8(reader.read(path, path), path, encoding);
    return { bytes: decoded.bytes, files: 1, encoding: decoded.encoding };
  }
  const label = (file: string) => relative(resolve(path, '..'), file);
  const { files, bytes, hidden } = listFiles(path, label);
  if (files.length === 0) throw new CorpusError(`${path}: the folder holds no files${hidden > 0 ? ` (only ${hidden} hidden ${hidden === 1 ? 'entry' : 'entries'}, which import skips)` : ''}`);
  reader.check(path, bytes, 'its files come to');
  const parts: Buffer[] = [];
  const encodings = new Set<string>();
  for (const file of files) {
    const decoded = toUtf8(reader.read(file, label(file)), label(file), encoding);
    parts.push(decoded.bytes);
    if (files.length > 1 && decoded.bytes[decoded.bytes.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
    encodings.add(decoded.encoding);
  }
  return { bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts), files: files.length, encoding: [...encodings].join(', ') };
}

/** The format to read `source` as: the one asked for, else by extension (shared/formats.ts), else text. */
export function formatOf(source: string, asked: DatasetFormat | undefined): DatasetFormat {
  if (asked) return asked;
  try {
    return guessFormat(source) === 'folders' ? 'text' : (guessFormat(source) ?? 'text');
  } catch {
    throw new ApiError('bad-input', `${source}: no such file or folder`, { key: 'errors.noSuchFile', params: { path: source } });
  }
}

/** Turns a refused file into an error the user sees, keeping other failures as they are. */
export function asInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CorpusError) throw new ApiError('bad-input', err.message, err.words);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const path = String((err as NodeJS.ErrnoException).path);
      throw new ApiError('bad-input', `${path}: no such file or folder`, { key: 'errors.noSuchFile', params: { path } });
    }
    if ((err as NodeJS.ErrnoException).code === 'EACCES' || (err as NodeJS.ErrnoException).code === 'EPERM') {
      const path = String((err as NodeJS.ErrnoException).path);
      throw new ApiError('bad-input', `${path}: permission denied`, { key: 'errors.permissionDenied', params: { path } });
    }
    throw err;
  }
}

export function inspectSource(source: string, asked: DatasetFormat | undefined): InspectReply {
  const format = formatOf(source, asked);
  if (!isTableFormat(format)) throw new ApiError('bad-input', `${source}: only CSV, TSV and JSONL files have columns to inspect`);
  return { format, ...asInput(() => inspectTable(source, format)) };
}

/**
 * Imports `source` (already resolved from a path or an upload). `origin`: what the user knows it as, when
 * not its path (an upload: their file's name).
 */
export function importCorpus(home: string, store: Store, source: string, req: ImportRequest, origin?: SourceOrigin): ImportReply {
  const format = formatOf(source, req.format);
  const known = origin ?? { path: source, name: withoutDatasetExtension(basename(source)) };
  return format === 'text' ? importText(home, store, source, req, known) : importLabelled(home, store, source, req, format, known);
}

interface Content {
  kind: 'text' | 'labelled';
  format: DatasetFormat;
  /** What is stored: the text's UTF-8, or the examples as JSONL. */
  stored: Buffer;
  /** Its size as shown: the stored text's bytes, or a labelled set's original file (or files). */
  bytes: number;
  /** Its characters, counted: the charset comes from them. */
  stats: CharStats;
  files: number;
  encoding: string;
  examples: number | null;
  labels: Dataset['labels'];
  lengths: Dataset['lengths'];
  warnings: string[];
}

function importText(home: string, store: Store, source: string, req: ImportRequest, origin: SourceOrigin): ImportReply {
  const { bytes, files, encoding } = asInput(() => readCorpus(source, req.encoding));
  // Valid UTF-8 without NUL or CR by now: counted on the bytes, with no string as large as the text.
  // (Only text that still starts with a BOM, e.g. a file saved with two, takes the string path.)
  const stats = countUtf8(bytes) ?? countChars(bytes.toString('utf8'));
  return recordDataset(home, store, origin, req, {
    kind: 'text', format: 'text', examples: null, labels: null, lengths: null, warnings: [], stored: bytes, bytes: bytes.length, stats, files, encoding,
  });
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function importLabelled(home: string, store: Store, source: string, req: ImportRequest, format: LabelledFormat, origin: SourceOrigin): ImportReply {
  const examples = asInput(() => readLabelled(source, { format, textColumn: req.textColumn, labelColumn: req.labelColumn, perLine: req.perLine, encoding: req.encoding }));
  const stats = labelledStats(examples);
  const stored = examples.map((e) => `${JSON.stringify({ text: e.text, label: e.label })}\n`).join('');
  const files = format === 'folders' && !req.perLine ? examples.length : 1;
  // The stored JSONL is not what the user has: the size they recognise is their file's (a folder's: its files').
  const originalBytes = format === 'folders' ? asInput(() => listFiles(source, (file) => relative(source, file)).bytes) : statSync(source).size;
  return recordDataset(home, store, origin, req, {
    kind: 'labelled',
    format,
    stored: Buffer.from(stored, 'utf8'),
    bytes: originalBytes,
    stats: countChars(examples.map((e) => e.text).join('')),
    files,
    encoding: req.encoding ?? 'utf-8',
    examples: stats.examples,
    labels: stats.labels,
    lengths: stats.lengths,
    warnings: stats.warnings,
  });
}

/** Stores content-addressed content and records the dataset; nothing is left behind if that fails. */
function recordDataset(home: string, store: Store, origin: SourceOrigin, req: ImportRequest, c: Content): ImportReply {
  const maxCharset = req.maxCharset ?? DEFAULT_MAX_CHARSET;
  const { files, encoding } = c;
  const bytes = c.stored;
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const existing = store.datasets.findSame(sha256, maxCharset);
  if (existing) {
    return { dataset: existing, existing: true, warnings: [`this text was imported before as dataset ${existing.id} ("${existing.name}"); nothing new was stored`] };
  }

  const { chars, counts } = c.stats;
  const charset = buildCharset(counts, maxCharset);
  const warnings = [...c.warnings];
  if (charset.droppedDistinct > 0) {
    const share = ((100 * charset.unknownChars) / chars).toFixed(2);
    warnings.push(
      `${counts.length} distinct characters exceed the charset cap of ${maxCharset}: the ${charset.droppedDistinct} rarest map to one unknown symbol, affecting ${charset.unknownChars} characters (${share}% of the text). Raise ${setting('maxCharset')}.`,
    );
  }

  const paths = homePaths(home);
  mkdirSync(paths.datasets, { recursive: true });
  const contentPath = join(paths.datasets, `${sha256}.${c.kind === 'text' ? 'txt' : 'jsonl'}`);
  const wroteContent = !existsSync(contentPath);
  if (wroteContent) writeFileAtomic(contentPath, bytes);
  try {
    const id = store.datasets.insert({
      name: req.name ?? origin.name,
      kind: c.kind,
      format: c.format,
      examples: c.examples,
      labels: c.labels,
      lengths: c.lengths,
      sourcePath: origin.path,
      sha256,
      contentPath,
      bytes: c.bytes,
      chars,
      files,
      distinctChars: counts.length,
      charsetSize: charset.vocab.length,
      maxCharset,
      unknownChars: charset.unknownChars,
      encoding,
      vocab: charset.vocab,
      charCounts: counts,
    });
    return { dataset: store.datasets.get(id)!, existing: false, warnings };
  } catch (err) {
    if (wroteContent) rmSync(contentPath, { force: true });
    throw err;
  }
}

/** The first `chars` characters of a dataset's stored text. */
export function previewCorpus(contentPath: string, chars: number): { text: string; truncated: boolean } {
  const all = readFileSync(contentPath, 'utf8');
  const points = [...all.slice(0, chars * 2)].slice(0, chars);
  const text = points.join('');
  return { text, truncated: text.length < all.length };
}
