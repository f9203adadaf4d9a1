// The `rnn-studio` command line: the same API contract as the desktop app, spoken from a terminal.
import { existsSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiError, type ApiClient } from '../../shared/api.ts';
import { CELL_TYPES, POOLINGS, TASKS, type RunConfigInput } from '../../shared/config.ts';
import type { DatasetFormat } from '../../shared/api.ts';
import { printClassify, printEvaluation } from './classify-views.ts';
import { DatabaseTooNewError } from '../db/index.ts';
import { Studio } from '../core/studio.ts';
import { resolveHome } from '../core/home.ts';
import { Output } from './output.ts';
import { printDatasets, printRuns, printShow } from './views.ts';
import { watchRun } from './watch.ts';
import { runDemo } from './demo.ts';
import { serve } from './serve.ts';

const int = (flag: string) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number (got "${value}")`);
  return Number(value);
};
const float = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number (got "${value}")`);
  return n;
};

/** Config paths in validation messages → the flags a CLI user typed. */
const FLAG_OF: Record<string, string> = {
  'model.cell': '--cell', 'model.layers': '--layers', 'model.units': '--units', 'model.embedding': '--embedding',
  'model.dropout': '--dropout', 'train.seqLen': '--seq-len', 'train.batch': '--batch', 'train.lr': '--lr',
  'train.clip': '--clip', 'train.epochs': '--epochs', 'train.maxSteps': '--max-steps', 'train.valSplit': '--val-split',
  'train.seed': '--seed', 'train.checkpointEvery': '--checkpoint-every', 'train.sampleEvery': '--sample-every',
  'train.evalEvery': '--eval-every', 'train.keepCheckpoints': '--keep-checkpoints', maxCharset: '--max-charset',
  'model.bidirectional': '--bidirectional', 'model.pooling': '--pooling', 'train.maxLen': '--max-len', 'train.patience': '--patience',
  'train.classWeights': '--class-weights',
  length: '--length', temperature: '--temperature', topK: '--top-k', topP: '--top-p', prime: '--prime', seed: '--seed',
};
function cliMessage(message: string): string {
  return message.replace(/(?:^|(?<=; )|(?<=: ))([A-Za-z.]+): /g, (whole, path: string) => {
    const key = path.replace(/^(config|params)\./, '');
    return FLAG_OF[key] ? `${FLAG_OF[key]}: ` : whole;
  });
}

/** How long `stop` waits for the run to reach its checkpoint and end. */
const STOP_WAIT_MS = 120_000;

interface Globals {
  home?: string;
  json?: boolean;
}

function idArg(what: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${what} must be a number (got "${value}")`);
    return Number(value);
  };
}

const FORMATS: DatasetFormat[] = ['text', 'csv', 'tsv', 'jsonl', 'folders'];

/** Where labelled examples come from and how to read them (import and evaluate). */
function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'text (a corpus) or labelled: csv, tsv, jsonl, folders (one folder per label); default from the extension').choices(FORMATS))
    .option('--text-column <name>', 'column holding the text (default: "text")')
    .option('--label-column <name>', 'column holding the label (default: "label")')
    .option('--per-line', 'folders: each line of each file is one example (default: each file is one)')
    .option('--encoding <label>', 'read a legacy encoding such as windows-1252 or shift_jis');
}

interface SourceFlags {
  format?: DatasetFormat;
  textColumn?: string;
  labelColumn?: string;
  perLine?: boolean;
  encoding?: string;
}
const sourceOf = (o: SourceFlags) => ({ format: o.format, textColumn: o.textColumn, labelColumn: o.labelColumn, perLine: o.perLine, encoding: o.encoding });

function addTrainOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--task <task>', 'generate text, or classify labelled examples').choices([...TASKS]))
    .addOption(new Option('--cell <type>', 'recurrent cell').choices([...CELL_TYPES]))
    .option('--layers <n>', 'stacked recurrent layers (1–4)', int('--layers'))
    .option('--units <n>', 'units per layer', int('--units'))
    .option('--embedding <n>', 'character embedding size', int('--embedding'))
    .option('--dropout <f>', 'dropout between layers, 0–0.9', float('--dropout'))
    .option('--seq-len <n>', 'characters per training window', int('--seq-len'))
    .option('--batch <n>', 'windows per step', int('--batch'))
    .option('--lr <f>', 'Adam learning rate', float('--lr'))
    .option('--clip <f>', 'clip gradients at this global norm (0 = off)', float('--clip'))
    .option('--epochs <n>', 'passes over the training text', int('--epochs'))
    .option('--max-steps <n>', 'stop after this many steps in total', int('--max-steps'))
    .option('--val-split <f>', 'fraction held out for validation', float('--val-split'))
    .option('--seed <n>', 'seed for a reproducible run', int('--seed'))
    .option('--checkpoint-every <n>', 'checkpoint every N steps', int('--checkpoint-every'))
    .option('--sample-every <n>', 'record a sample every M steps (0 = never)', int('--sample-every'))
    .option('--eval-every <n>', 'validation loss every N steps', int('--eval-every'))
    .option('--keep-checkpoints <n>', 'checkpoints kept besides the best', int('--keep-checkpoints'))
    .option('--bidirectional', 'classifiers: read each text both ways')
    .addOption(new Option('--pooling <how>', 'classifiers: last state, or mean or max over time').choices([...POOLINGS]))
    .option('--max-len <n>', 'classifiers: characters read per text (longer ones are truncated)', int('--max-len'))
    .addOption(new Option('--class-weights <how>', 'classifiers: balanced weighs rare classes up').choices(['none', 'balanced']))
    .option('--patience <n>', 'classifiers: epochs without a better validation loss before stopping (0 = never)', int('--patience'));
}

type TrainFlags = Record<string, unknown>;

export function configFromFlags(f: TrainFlags): RunConfigInput {
  const pick = (keys: Record<string, string>) =>
    Object.fromEntries(Object.entries(keys).filter(([flag]) => f[flag] !== undefined).map(([flag, key]) => [key, f[flag]]));
  return {
    task: (f.task as 'generate' | 'classify' | undefined) ?? 'generate',
    model: pick({ cell: 'cell', layers: 'layers', units: 'units', embedding: 'embedding', dropout: 'dropout', bidirectional: 'bidirectional', pooling: 'pooling' }),
    train: pick({
      seqLen: 'seqLen', batch: 'batch', lr: 'lr', clip: 'clip', epochs: 'epochs', maxSteps: 'maxSteps', valSplit: 'valSplit',
      seed: 'seed', checkpointEvery: 'checkpointEvery', sampleEvery: 'sampleEvery', evalEvery: 'evalEvery', keepCheckpoints: 'keepCheckpoints',
      maxLen: 'maxLen', classWeights: 'classWeights', patience: 'patience',
    }),
  };
}

export async function main(argv: string[]): Promise<number> {
  let studio: Studio | null = null;
  let out = new Output(argv.includes('--json'));
  /** Whether commander itself printed the usage error it throws (a parse error), or it came from an action. */
  let commanderPrinted = false;
  const program = new Command('rnn-studio')
    .description('Train character-level recurrent networks on your own text.')
    .option('--home <dir>', 'data folder (default: RNN_STUDIO_HOME or the per-user app-data folder)')
    .option('--json', 'print one JSON object per line')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => {
        commanderPrinted = true;
        write(s);
      },
    });

  const open = (): ApiClient & Studio => {
    const g = program.opts<Globals>();
    out = new Output(Boolean(g.json));
    studio ??= Studio.open(resolveHome(g.home), { ownerLabel: `rnn-studio ${program.args[0] ?? ''}`.trim() });
    return studio;
  };

  addSourceOptions(program.command('import <path>'))
    .description('import a text corpus (a .txt file or a folder of them) or labelled examples (CSV, TSV, JSONL, folder per label)')
    .option('--name <name>', 'dataset name (default: the file or folder name)')
    .option('--max-charset <n>', 'distinct characters kept; rarer ones become one unknown symbol (default 2000)', int('--max-charset'))
    .action(async (path: string, o: SourceFlags & { name?: string; maxCharset?: number }) => {
      const reply = await open().invoke('datasets:import', { path, name: o.name, maxCharset: o.maxCharset, ...sourceOf(o) });
      for (const w of reply.warnings) out.warn(w);
      const d = reply.dataset;
      const what = d.kind === 'labelled'
        ? `${d.examples!.toLocaleString('en-US')} examples in ${d.labels!.length} classes (${d.labels!.map((l) => `${l.label} ${l.count}`).join(', ')}), texts of ${d.lengths!.min}–${d.lengths!.max} characters (median ${d.lengths!.median})`
        : `${d.chars.toLocaleString('en-US')} characters, ${d.bytes.toLocaleString('en-US')} bytes`;
      out.result({ datasetId: d.id, existing: reply.existing, warnings: reply.warnings, dataset: d }, () =>
        `${reply.existing ? 'Already imported' : 'Imported'} dataset ${d.id} "${d.name}": ${what}, charset ${d.charsetSize}${d.unknownChars ? ` (${d.unknownChars.toLocaleString('en-US')} characters mapped to unknown)` : ''}, from ${d.files} file(s), ${d.encoding}.`,
      );
    });

  addTrainOptions(program.command('train <dataset>'))
    .description('train a generator on a dataset id, or on a file or folder (imported first)')
    .option('--skip-memory-check', 'start even if the run looks too large for the memory available')
    .action(async (dataset: string, flags: TrainFlags) => {
      const api = open();
      let datasetId: number;
      if (/^\d+$/.test(dataset) && !existsSync(dataset)) datasetId = Number(dataset);
      else {
        const reply = await api.invoke('datasets:import', { path: dataset });
        for (const w of reply.warnings) out.warn(w);
        datasetId = reply.dataset.id;
        out.event({ event: 'imported', datasetId });
        out.say(`Dataset ${datasetId} "${reply.dataset.name}" (${reply.dataset.chars.toLocaleString('en-US')} characters).`);
      }
      const run = await api.invoke('runs:start', { datasetId, config: configFromFlags(flags), skipMemoryCheck: flags.skipMemoryCheck === true || undefined });
      return watchRun(api, run.id, out);
    });

  program
    .command('resume <run-id>')
    .description('continue a stopped or interrupted run exactly where its last checkpoint left it')
    .option('--max-steps <n>', "the run's new total number of steps", int('--max-steps'))
    .option('--skip-memory-check', 'resume even if the run looks too large for the memory available')
    .action(async (id: string, o: { maxSteps?: number; skipMemoryCheck?: boolean }) => {
      const api = open();
      const run = await api.invoke('runs:resume', { id: idArg('run id')(id), maxSteps: o.maxSteps, skipMemoryCheck: o.skipMemoryCheck });
      return watchRun(api, run.id, out);
    });

  program
    .command('sample <run-id>')
    .description('generate text from a run (its latest checkpoint unless --checkpoint)')
    .option('--length <n>', 'characters to generate', int('--length'))
    .option('--temperature <f>', 'below 1: safer; above 1: wilder', float('--temperature'))
    .option('--top-k <n>', 'keep the k likeliest characters (1 = greedy)', int('--top-k'))
    .option('--top-p <f>', 'keep the likeliest characters up to this total probability', float('--top-p'))
    .option('--prime <text>', 'text to start from')
    .option('--seed <n>', 'same seed → same text', int('--seed'))
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .action(async (id: string, o: { length?: number; temperature?: number; topK?: number; topP?: number; prime?: string; seed?: number; checkpoint?: number }) => {
      const api = open();
      const requestId = 'cli';
      const streaming = !out.json;
      // The prime is printed with the first generated text, once the engine has accepted it (and the
      // parameters): a refused request prints nothing but its error.
      let primePrinted = !o.prime;
      const printPrime = () => {
        if (!primePrinted) process.stdout.write(o.prime!);
        primePrinted = true;
      };
      const off = streaming
        ? api.on('sample:chunk', (c) => {
            if (c.requestId !== requestId) return;
            printPrime();
            process.stdout.write(c.text);
          })
        : () => {};
      const sample = await api.invoke('samples:generate', {
        runId: idArg('run id')(id),
        checkpointId: o.checkpoint,
        requestId: streaming ? requestId : undefined,
        params: { length: o.length, temperature: o.temperature, topK: o.topK, topP: o.topP, prime: o.prime, seed: o.seed },
      });
      off();
      if (streaming) printPrime();
      if (streaming) process.stdout.write(`\n\n(sample ${sample.id}, step ${sample.step}, seed ${sample.seed})\n`);
      else out.result({ sampleId: sample.id, runId: sample.runId, checkpointId: sample.checkpointId, step: sample.step, seed: sample.seed, params: sample.params, text: sample.text }, () => sample.text);
    });

  program
    .command('classify <run-id> [text...]')
    .description("a classifier's class probabilities for a text, or for each line of --file")
    .option('--file <path>', 'classify each line of this file')
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .action(async (id: string, words: string[], o: { file?: string; checkpoint?: number }) => {
      const texts = o.file ? (await import('node:fs')).readFileSync(o.file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '') : [words.join(' ')];
      if (!o.file && texts[0] === '') throw new InvalidArgumentError('give a text to classify, or --file with one text per line');
      printClassify(await open().invoke('runs:classify', { runId: idArg('run id')(id), checkpointId: o.checkpoint, texts }), out);
    });

  addSourceOptions(program.command('evaluate <run-id> <path>'))
    .description('measure a classifier on a labelled file: accuracy, macro-F1, per class, confusion matrix, mistakes')
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .action(async (id: string, path: string, o: SourceFlags & { checkpoint?: number }) => {
      printEvaluation(await open().invoke('runs:evaluate', { runId: idArg('run id')(id), checkpointId: o.checkpoint, path, ...sourceOf(o) }), out);
    });

  program.command('runs').description('list every run').action(async () => printRuns(await open().invoke('runs:list', {}), out));
  program.command('datasets').description('list every dataset').action(async () => printDatasets(await open().invoke('datasets:list', {}), out));
  program
    .command('show <run-id>')
    .description('a run: its config, loss curve, samples and checkpoints')
    .action(async (id: string) => printShow(await open().invoke('runs:get', { id: idArg('run id')(id) }), out));

  program
    .command('delete <what> <id>')
    .description('delete a run or a dataset, with its files (delete run 3, delete dataset 2)')
    .option('--force', 'deleting a dataset also deletes its runs')
    .action(async (what: string, id: string, o: { force?: boolean }) => {
      const api = open();
      const n = idArg(`${what} id`)(id);
      if (what === 'run') {
        await api.invoke('runs:delete', { id: n });
        out.result({ deleted: 'run', id: n }, () => `Deleted run ${n}.`);
      } else if (what === 'dataset') {
        const r = await api.invoke('datasets:delete', { id: n, force: o.force });
        out.result({ deleted: 'dataset', id: n, deletedRuns: r.deletedRuns }, () => `Deleted dataset ${n}${r.deletedRuns.length ? ` and runs ${r.deletedRuns.join(', ')}` : ''}.`);
      } else throw new InvalidArgumentError(`delete takes "run" or "dataset" (got "${what}")`);
    });

  program
    .command('stop <run-id>')
    .description('ask the process training a run to stop it (it checkpoints first), and wait until it has')
    .option('--no-wait', 'only ask; do not wait for the run to stop')
    .action(async (id: string, o: { wait: boolean }) => {
      const api = open();
      const runId = idArg('run id')(id);
      const holder = api.store.runs.holder(runId);
      // The owner picks the request up between steps (whatever process it is: a terminal, serve, the app).
      await api.invoke('runs:control', { id: runId, command: 'stop' });
      const ended = (s: string) => s !== 'running' && s !== 'paused' && s !== 'created';
      const deadline = Date.now() + STOP_WAIT_MS;
      let run = api.store.runs.get(runId)!;
      while (o.wait && !ended(run.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        run = api.store.runs.get(runId)!;
      }
      const who = holder ? `${holder.label} (process ${holder.pid})` : 'its process';
      out.result({ runId, signalled: holder?.pid ?? null, status: run.status, step: run.step }, () =>
        ended(run.status) ? `Run ${runId} ${run.status} at step ${run.step}; ${who} goes on.` : `Asked ${who} to stop run ${runId}: it stops after its current step, with a checkpoint.`,
      );
    });

  program
    .command('serve')
    .description('serve the studio to a browser on 127.0.0.1 (token-guarded)')
    .option('--port <n>', 'port (default: a free one)', int('--port'), 0)
    .option('--no-open', 'do not open a browser')
    .option('--rebuild', 'rebuild the page first')
    .action(async (o: { port: number; open: boolean; rebuild?: boolean }) => serve(open(), { port: o.port, open: o.open, rebuild: o.rebuild }));

  program
    .command('demo')
    .description('train a small model on the bundled sample corpus for about a minute, then print samples')
    .option('--seconds <n>', 'how long to train', int('--seconds'), 60)
    .action(async (o: { seconds: number }) => runDemo(open(), out, o.seconds));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      // A usage error: commander printed those it found while parsing; one thrown by an action (a bad id,
      // an empty text) is printed here. With --json, both are also an {"error", "code"} line.
      const message = err.message.replace(/^error: /, '').trim();
      if (!commanderPrinted) out.error(message, 'invalid-request');
      else if (out.json) out.event({ error: message, code: 'invalid-request' });
      return 2;
    }
    if (err instanceof ApiError) out.error(cliMessage(err.message), err.code);
    else if (err instanceof DatabaseTooNewError) out.error(err.message, 'database-too-new');
    else if (err instanceof InvalidArgumentError) out.error(err.message, 'invalid-request');
    else out.error((err as Error).message ?? String(err), 'internal');
    return 1;
  } finally {
    await (studio as Studio | null)?.close();
  }
}
