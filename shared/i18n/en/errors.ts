// English words of the refusals the renderer shows (shared/i18n/index.ts): keys an ApiError's `words`
// names (shared/api.ts), and one headline per error code for the refusals without words of their own.
// The CLI prints the core's English `message` itself.
export default {
  detail: '{what}: {detail}',
  'code.invalid-request': 'The request was refused',
  'code.not-found': 'Not found',
  'code.conflict': 'Not possible now',
  'code.bad-input': 'This input cannot be used',
  'code.storage': 'The data folder has a problem',
  'code.internal': 'Something went wrong',
  disconnected: 'Lost the connection to RNN Studio; reconnecting…',
  noSuchFile: '{path}: no such file or folder',
  permissionDenied: '{path}: permission denied',
  emptyFile: '{file}: the file is empty',
  binary: '{file}: contains a NUL byte at byte {at}: this looks like a binary file, not text',
  notUtf8: {
    one: '{file}: is not valid UTF-8 (line {line}, column {column}; {count} bad byte). Save it as UTF-8, or name its encoding when importing from the command line (--encoding).',
    other: '{file}: is not valid UTF-8 (first at line {line}, column {column}; {count} bad bytes). Save it as UTF-8, or name its encoding when importing from the command line (--encoding).',
  },
  noExamples: '{name}: holds no examples',
  oneClass: '{name}: every example has the label "{label}": a classifier needs at least two classes',
  memory: 'This run needs about {need} of memory at its peak, but only {available} is available. Lower the batch size, the sequence length, the units or the layers.',
  noRun: 'There is no run {id}',
  noDataset: 'There is no dataset {id}',
} satisfies Record<string, import('../index.ts').Message>;
