import type { Database } from 'better-sqlite3';
import type { CharCount, Dataset, DatasetDetail, LengthStats } from '../../shared/types.ts';
import { toAbsolute, toStored } from './stored-paths.ts';

interface Row {
  id: number;
  name: string;
  kind: 'text' | 'labelled';
  format: Dataset['format'];
  examples: number | null;
  labels: string | null;
  lengths: string | null;
  source_path: string;
  sha256: string;
  content_path: string;
  bytes: number;
  chars: number;
  files: number;
  distinct_chars: number;
  charset_size: number;
  max_charset: number;
  unknown_chars: number;
  encoding: string;
  vocab: string;
  char_counts: string;
  created_at: string;
}

export interface NewDataset extends Omit<Dataset, 'id' | 'createdAt'> {
  contentPath: string;
  vocab: string[];
  charCounts: Array<[string, number]>;
}

const SUMMARY_COLUMNS = `id, name, kind, format, examples, labels, lengths, source_path, sha256, content_path, bytes, chars,
  files, distinct_chars, charset_size, max_charset, unknown_chars, encoding, created_at`;

function toDataset(r: Row): Dataset {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    sourcePath: r.source_path,
    sha256: r.sha256,
    bytes: r.bytes,
    chars: r.chars,
    files: r.files,
    distinctChars: r.distinct_chars,
    charsetSize: r.charset_size,
    maxCharset: r.max_charset,
    unknownChars: r.unknown_chars,
    encoding: r.encoding,
    format: r.format,
    examples: r.examples,
    labels: r.labels ? (JSON.parse(r.labels) as Dataset['labels']) : null,
    lengths: r.lengths ? (JSON.parse(r.lengths) as LengthStats) : null,
    createdAt: r.created_at,
  };
}

/** Datasets; the stored content's path is kept relative to the data folder and handed out absolute. */
export class DatasetTable {
  constructor(
    private readonly db: Database,
    private readonly home: string,
  ) {}

  insert(d: NewDataset): number {
    const info = this.db
      .prepare(
        `INSERT INTO datasets (name, kind, format, examples, labels, lengths, source_path, sha256, content_path, bytes, chars,
           files, distinct_chars, charset_size, max_charset, unknown_chars, encoding, vocab, char_counts, created_at)
         VALUES (@name, @kind, @format, @examples, @labels, @lengths, @sourcePath, @sha256, @contentPath, @bytes, @chars,
           @files, @distinctChars, @charsetSize, @maxCharset, @unknownChars, @encoding, @vocab, @charCounts, @createdAt)`,
      )
      .run({
        ...d,
        contentPath: toStored(this.home, d.contentPath),
        labels: d.labels ? JSON.stringify(d.labels) : null,
        lengths: d.lengths ? JSON.stringify(d.lengths) : null,
        vocab: JSON.stringify(d.vocab),
        charCounts: JSON.stringify(d.charCounts),
        createdAt: new Date().toISOString(),
      });
    return Number(info.lastInsertRowid);
  }

  list(): Dataset[] {
    return (this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM datasets ORDER BY id`).all() as Row[]).map(toDataset);
  }

  get(id: number): Dataset | null {
    const row = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM datasets WHERE id = ?`).get(id) as Row | undefined;
    return row ? toDataset(row) : null;
  }

  detail(id: number): DatasetDetail | null {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    const counts = JSON.parse(row.char_counts) as Array<[string, number]>;
    const charCounts: CharCount[] = counts.map(([char, count]) => ({ char, count }));
    return { ...toDataset(row), charCounts };
  }

  /** What training needs: the stored content, the vocabulary and (labelled) the class names. */
  content(id: number): { contentPath: string; vocab: string[]; kind: Dataset['kind']; labels: string[] | null } | null {
    const row = this.db.prepare('SELECT content_path, vocab, kind, labels FROM datasets WHERE id = ?').get(id) as
      | Pick<Row, 'content_path' | 'vocab' | 'kind' | 'labels'>
      | undefined;
    if (!row) return null;
    const labels = row.labels ? (JSON.parse(row.labels) as Array<{ label: string }>).map((l) => l.label) : null;
    return { contentPath: toAbsolute(this.home, row.content_path), vocab: JSON.parse(row.vocab) as string[], kind: row.kind, labels };
  }

  /** Another dataset with the same content and charset cap (importing twice returns it). */
  findSame(sha256: string, maxCharset: number): Dataset | null {
    const row = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM datasets WHERE sha256 = ? AND max_charset = ? ORDER BY id LIMIT 1`)
      .get(sha256, maxCharset) as Row | undefined;
    return row ? toDataset(row) : null;
  }

  countWithContent(contentPath: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM datasets WHERE content_path = ?').get(toStored(this.home, contentPath)) as { n: number }).n;
  }

  /** False when there is no such dataset. */
  rename(id: number, name: string): boolean {
    return this.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, id).changes > 0;
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id);
  }
}
