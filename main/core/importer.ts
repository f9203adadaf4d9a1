// Dataset import: reads a file or a folder of text files, refuses what is not text (naming the file and
// the problem), and stores the text content-addressed by SHA-256 in the data home, so the user's
// originals can change or vanish afterwards and importing the same text twice stores it once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { ApiError, type ImportReply, type ImportRequest } from '../../shared/api.ts';
import { buildCharset, countChars, CorpusError, decodeText } from '../engine/index.ts';
import { writeFileAtomic } from '../engine/checkpoint.ts';
import type { Store } from '../db/index.ts';
import { homePaths } from './home.ts';

export const DEFAULT_MAX_CHARSET = 2000;

/** Regular files under a folder, sorted, skipping hidden entries (.git, .DS_Store). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

interface ReadCorpus {
  text: string;
  files: number;
  encoding: string;
}

function readCorpus(path: string, encoding?: string): ReadCorpus {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ApiError('bad-input', `${path}: no such file or folder`);
  }
  const files = stat.isDirectory() ? listFiles(path) : [path];
  if (files.length === 0) throw new ApiError('bad-input', `${path}: the folder holds no files`);
  const parts: string[] = [];
  const encodings = new Set<string>();
  for (const file of files) {
    const label = stat.isDirectory() ? relative(resolve(path, '..'), file) : file;
    try {
      const decoded = decodeText(readFileSync(file), label, encoding);
      // CRLF and lone CR become LF: line endings are not worth a model's capacity.
      parts.push(decoded.text.replace(/\r\n?/g, '\n'));
      encodings.add(decoded.encoding);
    } catch (err) {
      if (err instanceof CorpusError) throw new ApiError('bad-input', err.message);
      throw err;
    }
  }
  const text = parts.map((p) => (p.endsWith('\n') || parts.length === 1 ? p : `${p}\n`)).join('');
  return { text, files: files.length, encoding: [...encodings].join(', ') };
}

/** Imports `source` (already resolved from a path or an upload). */
export function importCorpus(home: string, store: Store, source: string, req: ImportRequest): ImportReply {
  const maxCharset = req.maxCharset ?? DEFAULT_MAX_CHARSET;
  const { text, files, encoding } = readCorpus(source, req.encoding);
  const bytes = Buffer.from(text, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const existing = store.datasets.findSame(sha256, maxCharset);
  if (existing) {
    return { dataset: existing, existing: true, warnings: [`this text was imported before as dataset ${existing.id} ("${existing.name}"); nothing new was stored`] };
  }

  const { chars, counts } = countChars(text);
  const charset = buildCharset(counts, maxCharset);
  const warnings: string[] = [];
  if (charset.droppedDistinct > 0) {
    const share = ((100 * charset.unknownChars) / chars).toFixed(2);
    warnings.push(
      `${counts.length} distinct characters exceed the charset cap of ${maxCharset}: the ${charset.droppedDistinct} rarest map to one unknown symbol, affecting ${charset.unknownChars} characters (${share}% of the text). Raise it with --max-charset.`,
    );
  }

  const paths = homePaths(home);
  mkdirSync(paths.datasets, { recursive: true });
  const contentPath = join(paths.datasets, `${sha256}.txt`);
  const wroteContent = !existsSync(contentPath);
  if (wroteContent) writeFileAtomic(contentPath, bytes);
  try {
    const id = store.datasets.insert({
      name: req.name ?? basename(source).replace(/\.(txt|text|md)$/i, ''),
      sourcePath: source,
      sha256,
      contentPath,
      bytes: bytes.length,
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
