// Exporting a checkpoint: model-spec.ts maps it once to a ModelSpec; each format's module only serialises
// that spec to files (this table); this module checks the destination and writes the files and
// `vocab.json`, each atomically. No TensorFlow.js: exports run in the core.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExportFormat } from '../../../shared/formats.ts';
import { loadCheckpoint } from '../storage/checkpoint.ts';
import { writeFileAtomic } from '../storage/files.ts';
import { modelSpecFromCheckpoint, vocabContract, type ModelSpec } from './model-spec.ts';
import { tfjsFiles } from './tfjs.ts';
import { onnxFiles } from './onnx.ts';
import { htmlFiles } from './html.ts';
import { pytorchFiles } from './pytorch.ts';

export const VOCAB_FILE = 'vocab.json';

/** A file of an export: its name inside the destination folder and its bytes. */
export interface ExportFile {
  name: string;
  data: Uint8Array;
}

/** What an export knows besides the checkpoint: where it came from, and what the PyTorch format ships with it. */
export interface ExportSource {
  runId?: number | null;
  checkpointId?: number | null;
  /** The run's dataset content (text, or JSONL examples); null when its corpus is not in this data folder. */
  contentPath: string | null;
  /** resources/pytorch/train.py (main/core/resources.ts knows where the resources are). */
  trainScript: string;
}

/** A format's serialiser: the spec → its files (vocab.json is written for every format, here). */
export type Exporter = (spec: ModelSpec, source: ExportSource) => ExportFile[] | Promise<ExportFile[]>;

/** One entry per format. */
export const EXPORTERS: Record<ExportFormat, Exporter> = {
  tfjs: tfjsFiles,
  onnx: onnxFiles,
  html: htmlFiles,
  pytorch: pytorchFiles,
};

/** A refusal the user can act on (a destination in use, or not a folder): the message says which. */
export class ExportError extends Error {
  override name = 'ExportError';
  constructor(
    message: string,
    readonly code: 'destination-not-empty' | 'destination-not-a-folder' | 'corpus-missing',
  ) {
    super(message);
  }
}

export interface ExportResult {
  format: ExportFormat;
  /** Absolute paths written, vocab.json last. */
  files: string[];
}

/**
 * Exports the checkpoint at `checkpointPath` as `format` into `outDir`, created if missing. A folder that
 * holds other files is refused unless `force` (then files of the same names are replaced; others stay).
 */
export async function exportCheckpoint(
  checkpointPath: string,
  format: ExportFormat,
  outDir: string,
  opts: ExportSource & { force?: boolean },
): Promise<ExportResult> {
  const exporter = EXPORTERS[format];
  const dir = resolve(outDir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ExportError(`${dir} is a file, not a folder: give --out a folder`, 'destination-not-a-folder');
    const present = readdirSync(dir);
    if (present.length > 0 && !opts.force) {
      throw new ExportError(`${dir} already holds ${present.length} file${present.length === 1 ? '' : 's'} (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): choose an empty or new folder, or add --force to write into it`, 'destination-not-empty');
    }
  }
  const spec = modelSpecFromCheckpoint(loadCheckpoint(checkpointPath));
  const files = await exporter(spec, opts);
  files.push({ name: VOCAB_FILE, data: new TextEncoder().encode(JSON.stringify(vocabContract(spec, opts), null, 2) + '\n') });
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    writeFileAtomic(path, f.data);
    written.push(path);
  }
  return { format, files: written };
}
