// The `rnn-studio` command line: the same API contract as the desktop app, spoken from a terminal.
import { existsSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiError, type ApiClient, type RequestOf } from '../../shared/api.ts';
import type { RunConfigInput, Task } from '../../shared/config.ts';
import { CONFIG_FIELDS, helpOf, nameFields, SAMPLE_FIELDS, wordsAt, type Field } from '../../shared/config-fields.ts';
import { DATASET_FORMATS, EXPORT_FORMATS, FORMAT_EXTENSIONS, PYTORCH_NEXT, TABLE_FORMATS, type DatasetFormat, type ExportFormat } from '../../shared/formats.ts';
import { isLive } from '../../shared/types.ts';
import { printClassify, printEvaluation } from './classify-views.ts';
import { printConnectivity, printGradientFlow, printInspect, printUnit, printUnits } from './inspect-views.ts';
import type { UnitRef } from '../../shared/inspect.ts';
import { DatabaseTooNewError } from '../db/index.ts';
import { Studio } from '../core/studio.ts';
import { resolveHome } from '../core/home.ts';
import { Output } from './output.ts';
import { branchedText, printDatasets, printRenamedDataset, printRuns, printShow } from './views.ts';
import { watchRun } from './watch.ts';
import { inBackground } from './background.ts';
import { runDemo } from './demo.ts';
import { serve } from './serve.ts';
import { addCompareCommands } from './compare.ts';

const int = (flag: string) => (value: string) => {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number (got "${value}")`);
  return Number(value);
};
const float = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number (got "${value}")`);
  return n;
};

/** A validation message as a CLI user reads it: each field named by the flag they typed. */
const cliMessage = (message: string) => nameFields(message, (path) => wordsAt(path)?.flag);

/** A config field's or sampling parameter's option: its flag, help, default, and a parser for its kind. */
function optionOf(f: Field): Option {
  const flag = f.flag!;
  const argument = { int: ' <n>', float: ' <f>', enum: ` <${f.argument}>`, text: ' <text>', bool: '' }[f.kind];
  const audience = f.task === 'classify' ? 'classifiers: ' : f.task === 'generate' ? 'generators: ' : '';
  const shown = f.default === null || f.default === '' ? (f.none ?? 'none') : String(f.default);
  const option = new Option(flag + argument, `${audience}${helpOf(f)} (default: ${shown})`);
  if (f.kind === 'int') option.argParser(int(flag));
  if (f.kind === 'float') option.argParser(float(flag));
  if (f.options) option.choices(f.options);
  return option;
}
const TRAIN_OPTIONS = CONFIG_FIELDS.filter((f) => f.flag).map((f) => ({ field: f, option: optionOf(f) }));
const SAMPLE_OPTIONS = Object.values(SAMPLE_FIELDS).map((f) => ({ field: f, option: optionOf(f) }));

/** How long `stop` waits for the run to reach its checkpoint and end. */
const STOP_WAIT_MS = 120_000;
/** Commands that wait on their user between requests: they keep an engine booted ahead of need (StudioOptions.standby). */
const WAITS_ON_ITS_USER = new Set(['serve']);

interface Globals {
  home?: string;
  json?: boolean;
  verbose?: boolean;
}

/** `--unit 1:17`: layer 1, unit 17. */
function unitArg(value: string): UnitRef {
  const m = /^(\d+):(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`--unit takes LAYER:UNIT, e.g. 0:17 (got "${value}")`);
  return { layer: Number(m[1]), unit: Number(m[2]) };
}

function idArg(what: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${what} must be a number (got "${value}")`);
    return Number(value);
  };
}

/** The extensions that make a file a labelled table: ".csv, .tsv/.tab, .jsonl/.ndjson". */
const tableExtensions = TABLE_FORMATS.map((f) => FORMAT_EXTENSIONS[f].map((ext) => `.${ext}`).join('/')).join(', ');

/** Where labelled examples come from and how to read them (import and evaluate). */
function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', `text (a corpus) or labelled examples (folders: one folder per label); default from the extension (${tableExtensions}; else text)`).choices(DATASET_FORMATS))
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

/** The training flags, but those in `except` (a command that says them its own way). */
function addTrainOptions(cmd: Command, except: string[] = []): Command {
  for (const { option } of TRAIN_OPTIONS) if (!except.includes(option.long!)) cmd.addOption(option);
  return cmd;
}

type TrainFlags = Record<string, unknown>;

/** The run config the flags ask for: only the fields given, so the rest take the schema's defaults. */
export function configFromFlags(flags: TrainFlags): RunConfigInput {
  const config = { task: 'generate' as Task, model: {} as Record<string, unknown>, train: {} as Record<string, unknown> };
  for (const { field, option } of TRAIN_OPTIONS) {
    const value = flags[option.attributeName()];
    if (value === undefined) continue;
    if (field.group) config[field.group][field.key] = value;
    else config.task = value as Task;
  }
  return config;
}

/** The sampling parameters the flags ask for (undefined where not given). */
const paramsFromFlags = (flags: Record<string, unknown>) => Object.fromEntries(SAMPLE_OPTIONS.map(({ field, option }) => [field.key, flags[option.attributeName()]]));

export async function main(argv: string[]): Promise<number> {
  let studio: Studio | null = null;
  let out = new Output(argv.includes('--json'), argv.includes('--verbose'));
  /** Whether commander itself printed the usage error it throws (a parse error), or it came from an action. */
  let commanderPrinted = false;
  const program = new Command('rnn-studio')
    .description('Train character-level recurrent networks on your own text.')
    .option('--home <dir>', 'data folder (default: RNN_STUDIO_HOME or the per-user app-data folder)')
    .option('--json', 'print one JSON object per line')
    .option('--verbose', 'say what the engine runs on in detail (backends tried, kernels, threads)')
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
    out = new Output(Boolean(g.json), Boolean(g.verbose));
    studio ??= Studio.open(resolveHome(g.home), { ownerLabel: `rnn-studio ${program.args[0] ?? ''}`.trim(), standby: WAITS_ON_ITS_USER.has(program.args[0]) });
    return studio;
  };

  addSourceOptions(program.command('import <path>'))
    .description('import a text corpus (a .txt file or a folder of them) or labelled examples (CSV, TSV, JSONL, folder per label)')
    .option('--name <name>', 'dataset name (default: the file or folder name)')
    .option('--max-charset <n>', 'distinct characters kept; rarer ones become one unknown symbol (default 2000)', int('--max-charset'))
    .action(async (path: string, o: SourceFlags & { name?: string; maxCharset?: number }) => {
      const reply = await open().invoke('datasets:import', { path, name: o.name, maxCharset: o.maxCharset, ...sourceOf(o) });
      for (const w of reply.warnings) out.warn(cliMessage(w));
      const d = reply.dataset;
      const what = d.kind === 'labelled'
        ? `${d.examples!.toLocaleString('en-US')} examples in ${d.labels!.length} classes (${d.labels!.map((l) => `${l.label} ${l.count}`).join(', ')}), texts of ${d.lengths!.min}–${d.lengths!.max} characters (median ${d.lengths!.median})`
        : `${d.chars.toLocaleString('en-US')} characters, ${d.bytes.toLocaleString('en-US')} bytes`;
      out.result({ datasetId: d.id, existing: reply.existing, warnings: reply.warnings.map(cliMessage), dataset: d }, () =>
        `${reply.existing ? 'Already imported' : 'Imported'} dataset ${d.id} "${d.name}": ${what}, charset ${d.charsetSize}${d.unknownChars ? ` (${d.unknownChars.toLocaleString('en-US')} characters mapped to unknown)` : ''}, from ${d.files} file(s), ${d.encoding}.`,
      );
    });

  addTrainOptions(program.command('train <dataset>'))
    .description('train a generator on a dataset id, or on a file or folder (imported first)')
    .option('--skip-memory-check', 'start even if the run looks too large for the memory available')
    .option('--init-from <run-id>', "fine-tune: start from that run's latest weights (its model and vocabulary stay)", idArg('--init-from run id'))
    .action(async (dataset: string, flags: TrainFlags) => {
      const api = open();
      let datasetId: number;
      if (/^\d+$/.test(dataset) && !existsSync(dataset)) datasetId = Number(dataset);
      else {
        const reply = await api.invoke('datasets:import', { path: dataset });
        for (const w of reply.warnings) out.warn(cliMessage(w));
        datasetId = reply.dataset.id;
        out.event({ event: 'imported', datasetId });
        out.say(`Dataset ${datasetId} "${reply.dataset.name}" (${reply.dataset.chars.toLocaleString('en-US')} characters).`);
      }
      const config = configFromFlags(flags);
      const initFrom = flags.initFrom as number | undefined;
      if (initFrom !== undefined && flags.task === undefined) delete config.task; // the source run's task
      const run = await api.invoke('runs:start', { datasetId, config, skipMemoryCheck: flags.skipMemoryCheck === true || undefined, initFrom });
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

  addTrainOptions(program.command('branch <run-id>'), ['--max-steps'])
    .description("a new run from a stopped or finished run's checkpoint (its latest unless --checkpoint): the same model, weights, optimizer state and step, with the training flags given changed")
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .option('--max-steps <n>', "the branch's total number of steps (default: the parent's, or as many again past the checkpoint when the parent had reached its own)", int('--max-steps'))
    .option('--skip-memory-check', 'start even if the run looks too large for the memory available')
    .option('--no-wait', 'return once the branch has started: a background process trains it (its output goes to logs/ in the data folder)')
    .action(async (id: string, flags: TrainFlags) => {
      const api = open();
      const parentId = idArg('run id')(id);
      if (flags.wait === false) {
        const { line, pid, log } = await inBackground(api.home, 'branch', 'branch', (l) => l.event === 'branched');
        out.result({ ...line, event: undefined, pid, log }, () => `${branchedText(line)}: it trains in the background (process ${pid}, output in ${log}). See it with: rnn-studio show ${line.runId}`);
        return;
      }
      const { task, model, train } = configFromFlags(flags);
      const { maxSteps, ...changes } = (train ?? {}) as Record<string, unknown>;
      // Model flags and --task go to the core as given, for it to refuse by name: a branch keeps its parent's.
      const config = { train: changes, ...(Object.keys(model ?? {}).length ? { model } : {}), ...(flags.task !== undefined ? { task } : {}) };
      const run = await api.invoke('runs:branch', {
        id: parentId,
        checkpointId: flags.checkpoint as number | undefined,
        config: config as RequestOf<'runs:branch'>['config'],
        maxSteps: maxSteps as number | undefined,
        skipMemoryCheck: flags.skipMemoryCheck === true || undefined,
      });
      const line = { event: 'branched', runId: run.id, parentRunId: run.parentRunId, parentCheckpointId: run.parentCheckpointId, parentStep: run.parentStep };
      out.event(line);
      out.say(`${branchedText(line)}.`);
      return watchRun(api, run.id, out);
    });

  const sampleCommand = program.command('sample <run-id>').description('generate text from a run (its latest checkpoint unless --checkpoint)');
  for (const { option } of SAMPLE_OPTIONS) sampleCommand.addOption(option);
  sampleCommand
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .action(async (id: string, o: { prime?: string; checkpoint?: number } & Record<string, unknown>) => {
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
        params: paramsFromFlags(o),
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

  program
    .command('inspect <run-id>')
    .description(
      "inside a model on a text: surprise per character (generators: the probability it gave each character, the entropy of its prediction, the top 5 alternatives, bits per character); with --units the units that follow features of the text; --unit one unit's values; --connectivity how each earlier character influenced one prediction",
    )
    .option('--text <text>', 'the text to inspect')
    .option('--file <path>', 'inspect the text of this file (UTF-8)')
    .option('--checkpoint <id>', 'a checkpoint id from `show` (default: the latest)', idArg('checkpoint id'))
    .option('--units', 'find units: rank units by correlation with features of the text (quotes, brackets, line position, newlines, words, digits)')
    .option('--pattern <regex>', 'with --units: also rank units against the characters this regular expression matches')
    .option('--top <n>', 'with --units: units listed per feature and kind (default: 3)', int('--top'))
    .option('--unit <layer:unit>', "one unit's hidden state (and cell state and gates) after each character, e.g. 0:17", unitArg)
    .option('--connectivity <position>', 'how strongly each earlier character influenced the prediction of the character at this index (classifiers: of the class; give 0)', int('--connectivity'))
    .action(async (id: string, o: { text?: string; file?: string; checkpoint?: number; units?: boolean; pattern?: string; top?: number; unit?: UnitRef; connectivity?: number }) => {
      if ((o.text === undefined) === (o.file === undefined)) throw new InvalidArgumentError('give the text to inspect with --text or --file (one of them)');
      if ((o.pattern !== undefined || o.top !== undefined) && !o.units) throw new InvalidArgumentError('--pattern and --top rank units: add --units');
      if ([o.units, o.unit, o.connectivity !== undefined].filter(Boolean).length > 1) throw new InvalidArgumentError('--units, --unit and --connectivity each print a different view: give one of them');
      let text = o.text ?? '';
      if (o.file !== undefined) {
        try {
          text = (await import('node:fs')).readFileSync(o.file, 'utf8');
        } catch (err) {
          throw new InvalidArgumentError(`--file ${o.file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
      }
      const runId = idArg('run id')(id);
      const base = { runId, checkpointId: o.checkpoint, text };
      const api = open();
      if (o.units) printUnits(await api.invoke('runs:units', { ...base, pattern: o.pattern, top: o.top }), out);
      else if (o.unit) printUnit(await api.invoke('runs:units', { ...base, unit: o.unit, top: 1 }), out);
      else if (o.connectivity !== undefined) {
        const task = (await api.invoke('runs:get', { id: runId })).task;
        const reply = await api.invoke('runs:connectivity', { ...base, position: task === 'classify' ? undefined : o.connectivity });
        printConnectivity(reply, [...text], out);
      } else printInspect(await api.invoke('runs:inspect', base), out);
    });

  program
    .command('gradient-flow <run-id>')
    .description("how much of the last prediction's error reaches back k steps: ‖∂loss_T/∂h_(T−k)‖ for k = 0 … seq-len − 1, averaged over validation windows — a SimpleRNN's vanishes, an LSTM's and a GRU's reach further")
    .option('--checkpoint <id>', 'a checkpoint id from `show` (default: the latest)', idArg('checkpoint id'))
    .option('--windows <n>', 'validation windows to average over (default: 32)', int('--windows'))
    .option('--seq-len <n>', "window length (default: the run's --seq-len; classifiers: its --max-len)", int('--seq-len'))
    .action(async (id: string, o: { checkpoint?: number; windows?: number; seqLen?: number }) => {
      printGradientFlow(await open().invoke('runs:gradient-flow', { runId: idArg('run id')(id), checkpointId: o.checkpoint, windows: o.windows, seqLen: o.seqLen }), out);
    });

  addSourceOptions(program.command('evaluate <run-id> <path>'))
    .description('measure a classifier on a labelled file: accuracy, macro-F1, per class, confusion matrix, mistakes')
    .option('--checkpoint <id>', 'a checkpoint id from `show`', idArg('checkpoint id'))
    .action(async (id: string, path: string, o: SourceFlags & { checkpoint?: number }) => {
      printEvaluation(await open().invoke('runs:evaluate', { runId: idArg('run id')(id), checkpointId: o.checkpoint, path, ...sourceOf(o) }), out);
    });

  addCompareCommands(program, { open, out: () => out, addTrainOptions, configFromFlags });

  program
    .command('export <run-id>')
    .description("write a run's model for other runtimes: a TensorFlow.js Layers model (tfjs), ONNX or a web page (html), with vocab.json")
    .addOption(new Option('--format <format>', 'what to write').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <dir>', 'the folder to write into (created if missing)')
    .option('--checkpoint <id>', 'a checkpoint id from `show` (default: the latest)', idArg('checkpoint id'))
    .option('--force', 'write into a folder that already holds other files (files of the same names are replaced)')
    .action(async (id: string, o: { format: ExportFormat; out: string; checkpoint?: number; force?: boolean }) => {
      const r = await open().invoke('runs:export', { runId: idArg('run id')(id), checkpointId: o.checkpoint, format: o.format, out: o.out, force: o.force });
      const next =
        r.format === 'pytorch'
          ? ['', 'Train it on, anywhere PyTorch runs (README: "Training on a bigger machine"):', `  cd ${o.out} && ${PYTORCH_NEXT.train}`, `then bring it home: ${PYTORCH_NEXT.bringHome(o.out)}`]
          : [];
      out.result({ format: r.format, files: r.files, runId: r.runId, checkpointId: r.checkpointId }, () => [`Exported run ${r.runId} (checkpoint ${r.checkpointId}) as ${r.format}:`, ...r.files.map((f) => `  ${f}`), ...next].join('\n'));
    });

  program
    .command('import-model <dir>')
    .description('make a new run from a folder the studio exported: a TensorFlow.js bundle, or a PyTorch export after train.py trained it (its newest checkpoint and metrics.jsonl)')
    .action(async (dir: string) => {
      const { run, parentRunId, steps, notes } = await open().invoke('runs:import-model', { path: dir });
      out.result({ runId: run.id, parentRunId, steps, datasetId: run.datasetId, task: run.task, step: run.step, status: run.status, notes }, () =>
        [
          `Imported run ${run.id}: a ${run.config.model.cell} ${run.task === 'classify' ? 'classifier' : 'generator'} at step ${run.step}${steps > 0 ? ` (${steps} steps trained outside the studio)` : ''}, ${parentRunId !== null ? `from run ${parentRunId} (dataset ${run.datasetId})` : `its corpus not in this data folder (stand-in dataset ${run.datasetId})`}.`,
          ...(run.status === 'stopped' ? [`Train it on here: rnn-studio resume ${run.id} --max-steps ${run.step + 500}`] : []),
          ...notes.map((n) => `Note: ${n}.`),
        ].join('\n'),
      );
    });

  program.command('runs').description('list every run').action(async () => printRuns(await open().invoke('runs:list', {}), out));
  const datasetsCommand = program
    .command('datasets')
    .description('list every dataset (datasets rename <id> <name>: rename one)')
    .action(async () => printDatasets(await open().invoke('datasets:list', {}), out));
  datasetsCommand
    .command('rename <dataset-id> <name>')
    .description('rename a dataset; its runs show the new name')
    .action(async (id: string, name: string) => printRenamedDataset(await open().invoke('datasets:rename', { id: idArg('dataset id')(id), name }), out));
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
      const deadline = Date.now() + STOP_WAIT_MS;
      let run = api.store.runs.get(runId)!;
      while (o.wait && isLive(run.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        run = api.store.runs.get(runId)!;
      }
      const who = holder ? `${holder.label} (process ${holder.pid})` : 'its process';
      out.result({ runId, signalled: holder?.pid ?? null, status: run.status, step: run.step }, () =>
        !isLive(run.status) ? `Run ${runId} ${run.status} at step ${run.step}; ${who} goes on.` : `Asked ${who} to stop run ${runId}: it stops after its current step, with a checkpoint.`,
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
