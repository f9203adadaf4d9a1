// The dataset formats and the file extensions that announce them, written once: the request schema, the
// CLI's --format, the studio's file picker and the importer's guess all read this list.

/** 'text': a corpus for generators; the others hold labelled examples, for classifiers. */
export const DATASET_FORMATS = ['text', 'csv', 'tsv', 'jsonl', 'folders'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** The labelled formats that come in one file, as a table with columns to choose from. */
export const TABLE_FORMATS = ['csv', 'tsv', 'jsonl'] as const satisfies readonly DatasetFormat[];
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** Extensions (lower case, no dot) of a file in each format; a folder per label has none. */
export const FORMAT_EXTENSIONS = {
  text: ['txt', 'text', 'md'],
  csv: ['csv'],
  tsv: ['tsv', 'tab'],
  jsonl: ['jsonl', 'ndjson'],
} as const satisfies Record<Exclude<DatasetFormat, 'folders'>, readonly string[]>;

/** Every extension a dataset file may have, for file pickers. */
export const DATASET_EXTENSIONS: readonly string[] = Object.values(FORMAT_EXTENSIONS).flat();

/** The table format a file's name announces by its extension, or null (a text corpus, or unknown). */
export function tableFormatOf(fileName: string): TableFormat | null {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  return TABLE_FORMATS.find((format) => (FORMAT_EXTENSIONS[format] as readonly string[]).includes(ext)) ?? null;
}

export const isTableFormat = (format: string | undefined): format is TableFormat => (TABLE_FORMATS as readonly unknown[]).includes(format);

/** A file's name without the extension of a dataset format ("novel.txt" → "novel"; "notes.log" stays). */
export function withoutDatasetExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 && DATASET_EXTENSIONS.includes(fileName.slice(dot + 1).toLowerCase()) ? fileName.slice(0, dot) : fileName;
}

/** What a trained model can be exported as (`runs:export`, `rnn-studio export --format`). */
export const EXPORT_FORMATS = ['tfjs', 'onnx', 'html', 'pytorch'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** After a PyTorch export: train it on anywhere PyTorch runs, then bring it home (the CLI and the studio say so). */
export const PYTORCH_NEXT = {
  train: 'torchrun --nproc_per_node 2 train.py --steps 1000',
  bringHome: (folder: string) => `rnn-studio import-model ${folder}`,
} as const;
