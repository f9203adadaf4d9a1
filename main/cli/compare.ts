// `rnn-studio compare`, `comparisons` and `timeline` (issue 12, items 5 and 6): cells compared at one
// parameter budget, trained one after another in this terminal; and a run's samples step by step.
import { Command, InvalidArgumentError } from 'commander';
import { ApiError, type ApiClient } from '../../shared/api.ts';
import { CELL_TYPES, type CellType, type RunConfigInput } from '../../shared/config.ts';
import type { CompareReply, TimelineReply } from '../../shared/inspect.ts';
import { isLive } from '../../shared/types.ts';
import type { Studio } from '../core/studio.ts';
import { formatNumber, table, type Output } from './output.ts';
import { inBackground } from './background.ts';

interface Wiring {
  open(): ApiClient & Studio;
  /** The output as the global flags set it (read after open()). */
  out(): Output;
  addTrainOptions(cmd: Command): Command;
  configFromFlags(flags: Record<string, unknown>): RunConfigInput;
}

const whole = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${flag} takes a whole number (got "${value}")`);
  return Number(value);
};

function cellsArg(value: string): CellType[] {
  const cells = value.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  const unknown = cells.filter((c) => !(CELL_TYPES as readonly string[]).includes(c));
  if (unknown.length) throw new InvalidArgumentError(`--cells takes ${CELL_TYPES.join(', ')} separated by commas (got "${unknown.join(', ')}")`);
  if (new Set(cells).size !== cells.length) throw new InvalidArgumentError('--cells names each cell once');
  return cells as CellType[];
}

export function addCompareCommands(program: Command, wiring: Wiring): void {
  wiring
    .addTrainOptions(program.command('compare [dataset-id]'))
    .description('train one run per cell at the same parameter budget and seed, one after another, then compare validation loss, speed and samples')
    .option('--cells <list>', `cells to compare, separated by commas (${CELL_TYPES.join(',')})`, cellsArg, ['rnn', 'lstm', 'gru'] as CellType[])
    .option('--steps <n>', 'steps per run (the same as --max-steps)', whole('--steps'))
    .option('--prime <text>', 'text each run\'s samples start from (its training samples too; default: none, the corpus\'s first character)')
    .option('--no-wait', 'return once the comparison has started: a background process trains its runs (its output goes to logs/ in the data folder); see it with: rnn-studio comparisons')
    .option('--no-bidirectional', 'labelled datasets: compare one-way layers only (by default each cell also runs bidirectional)')
    .option('--continue <comparison-id>', 'continue a halted or abandoned comparison: resume its unfinished runs, then start the rest', whole('--continue'))
    .action(async (dataset: string | undefined, flags: Record<string, unknown>) => {
      const api = wiring.open();
      const out = wiring.out();
      if (flags.wait === false) return startInBackground(api, out);
      let reply: CompareReply;
      if (flags.continue !== undefined) {
        if (dataset !== undefined) throw new InvalidArgumentError('--continue takes a comparison id and no dataset');
        reply = await api.invoke('comparisons:continue', { id: flags.continue as number });
      } else {
        if (dataset === undefined || !/^\d+$/.test(dataset)) throw new InvalidArgumentError(`compare takes a dataset id (see: rnn-studio datasets)${dataset ? `, got "${dataset}"` : ''}`);
        const config = wiring.configFromFlags(flags) as { task?: string; model: Record<string, unknown>; train: Record<string, unknown> };
        if (flags.prime !== undefined) config.train.samplePrime = flags.prime;
        if (flags.task === undefined) delete config.task; // the dataset says: text → generators, labelled → classifiers
        // Labelled data: each cell both ways unless --no-bidirectional; the reference model stays one-way.
        const bidirectional = flags.bidirectional as boolean | undefined;
        delete config.model.bidirectional;
        reply = await api.invoke('runs:compare', { datasetId: Number(dataset), cells: flags.cells as CellType[], steps: flags.steps as number | undefined, config: config as RunConfigInput, bidirectional });
      }
      out.event({ event: 'compare', comparisonId: reply.comparisonId, budget: reply.budget, seed: reply.seed, runs: reply.runs.map(({ cell, bidirectional, units, parameters }) => ({ cell, bidirectional, units, parameters })) });
      out.say(planText(reply));
      const final = await follow(api, reply, out);
      printComparison(final, out);
      const failed = final.runs.filter((r) => r.status === 'failed');
      if (failed.length) throw new ApiError('internal', final.note ?? `run ${failed[0].runId} failed: ${failed[0].error}`);
    });

  program
    .command('comparisons [comparison-id]')
    .description('every comparison, or one with its table and samples')
    .action(async (id: string | undefined) => {
      const api = wiring.open();
      const out = wiring.out();
      if (id !== undefined) return printComparison(await api.invoke('comparisons:get', { id: whole('comparison id')(id) }), out);
      const all = await api.invoke('comparisons:list', {});
      out.result({ comparisons: all }, () =>
        all.length === 0
          ? 'No comparisons yet. Start one with: rnn-studio compare <dataset-id> --cells rnn,lstm,gru'
          : table(
              ['id', 'dataset', 'budget', 'seed', 'runs', 'state', 'created'],
              all.map((c) => [
                c.comparisonId,
                c.datasetId,
                c.budget.toLocaleString('en-US'),
                c.seed,
                c.runs.map((r) => `${r.runId ?? '–'} ${r.bidirectional ? 'bi-' : ''}${r.cell} ${r.status}`).join(', '),
                c.state,
                c.createdAt.slice(0, 16).replace('T', ' '),
              ]),
            ),
      );
    });

  program
    .command('timeline <run-id>')
    .description("a generator's samples at one prime and seed from every point of its training, beside the validation loss then")
    .option('--prime <text>', "text the samples start from (default: the run's training samples')")
    .option('--seed <n>', "sampling seed (default: the run's training samples')", whole('--seed'))
    .option('--length <n>', "characters per sample (default: the run's training samples')", whole('--length'))
    .action(async (id: string, o: { prime?: string; seed?: number; length?: number }) => {
      const api = wiring.open();
      const reply = await api.invoke('runs:timeline', { runId: whole('run id')(id), prime: o.prime, seed: o.seed, length: o.length });
      printTimeline(reply, wiring.out());
    });
}

/** --no-wait: the comparison is driven by a background process (background.ts); this one says what it started. */
async function startInBackground(api: ApiClient & Studio, out: Output): Promise<void> {
  const { line, pid, log } = await inBackground(api.home, 'compare', 'comparison', (l) => l.event === 'compare');
  const reply = await api.invoke('comparisons:get', { id: line.comparisonId as number });
  out.say(planText(reply));
  out.result(reply as unknown as Record<string, unknown>, () => `Comparison ${reply.comparisonId} runs in the background (process ${pid}, output in ${log}). See it with: rnn-studio comparisons ${reply.comparisonId}`);
}

const modelName = (r: { cell: string; bidirectional: boolean }) => `${r.bidirectional ? 'bi-' : ''}${r.cell}`;

function planText(c: CompareReply): string {
  const lines = c.runs.map((r, i) => `  ${i + 1}. ${modelName(r)} of ${r.units} units: ${r.parameters.toLocaleString('en-US')} parameters (${signedPercent(r.parameters / c.budget - 1)})`);
  return [`Comparison ${c.comparisonId} on dataset ${c.datasetId}: a budget of ${c.budget.toLocaleString('en-US')} parameters, seed ${c.seed}, one run after another:`, ...lines].join('\n');
}

const signedPercent = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;

/** Shows each run's progress until the comparison is done; Ctrl-C stops the run training (and so the comparison). */
async function follow(api: ApiClient & Studio, reply: CompareReply, out: Output): Promise<CompareReply> {
  const id = reply.comparisonId;
  const ours = () => new Set(api.store.comparisons.get(id)!.started.map((s) => s.runId));
  let runIds = ours();
  let stopping = false;
  const liveRun = () => api.store.comparisons.get(id)!.started.map((s) => (s.runId === null ? null : api.store.runs.get(s.runId))).find((r) => r && isLive(r.status));
  const offs = [
    api.on('run:ready', (e) => {
      runIds = ours();
      if (!runIds.has(e.runId)) return;
      const entry = api.store.comparisons.get(id)!;
      const position = entry.started.find((s) => s.runId === e.runId)!.position;
      const plan = entry.plan[position];
      out.event({ event: 'ready', comparisonId: id, ...e });
      out.say(`Run ${e.runId} (${position + 1}/${entry.plan.length}): ${modelName(plan)} ${plan.config.model.layers}×${plan.units}, ${e.parameters.toLocaleString('en-US')} parameters, ${e.startStep > 0 ? `resuming at step ${e.startStep} of ` : ''}${e.totalSteps} steps on ${e.backend}.`);
    }),
    api.on('run:progress', (e) => {
      if (!runIds.has(e.runId)) return;
      out.event({ event: 'progress', ...e });
      out.progress(e.step, e.totalSteps, e);
    }),
    api.on('run:checkpoint', (e) => {
      if (runIds.has(e.runId)) out.event({ event: 'checkpoint', runId: e.runId, checkpointId: e.checkpoint.id, step: e.checkpoint.step, reason: e.checkpoint.reason });
    }),
    api.on('run:status', (e) => {
      if (!runIds.has(e.runId) || isLive(e.status)) return;
      out.event({ event: 'status', runId: e.runId, status: e.status, error: e.error });
      out.stopProgress();
      const run = api.store.runs.get(e.runId);
      out.say(`Run ${e.runId} ${e.status}${e.error ? `: ${e.error}` : ''} at step ${run?.step ?? '?'}; best validation loss ${formatNumber(run?.bestValLoss ?? null)}.`);
    }),
  ];
  const onSigint = () => {
    if (stopping) {
      out.error(`quit without waiting: comparison ${id} shows as abandoned; continue it with: rnn-studio compare --continue ${id}`);
      process.exit(130);
    }
    stopping = true;
    const run = liveRun();
    out.say(`\nStopping run ${run?.id ?? ''} after this step with a checkpoint; the rest of the comparison will not start… (Ctrl-C again to quit at once)`);
    if (run) void api.invoke('runs:control', { id: run.id, command: 'stop' }).catch((err: Error) => out.warn(err.message));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await api.comparisons.whenDone(id);
    out.stopProgress();
    if (!out.json) process.stdout.write('Sampling from each run’s final checkpoint…\n');
    return await api.invoke('comparisons:get', { id });
  } finally {
    offs.forEach((off) => off());
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** The comparison's table, then each run's sample, labelled; or the reply itself with --json. */
export function printComparison(c: CompareReply, out: Output): void {
  const generator = c.task === 'generate';
  out.result(c as unknown as Record<string, unknown>, () => {
    const rows = c.runs.map((r) => [
      r.runId ?? '–',
      modelName(r),
      r.units,
      r.parameters.toLocaleString('en-US'),
      r.status,
      formatNumber(r.valLoss),
      ...(generator ? [formatNumber(r.bitsPerChar, 3)] : []),
      r.charsPerSec === null ? '–' : Math.round(r.charsPerSec).toLocaleString('en-US'),
    ]);
    const headers = ['run', 'cell', 'units', 'parameters', 'status', 'val loss', ...(generator ? ['bits/char'] : []), generator ? 'chars/s' : 'examples/s'];
    const lines = [
      `Comparison ${c.comparisonId} on dataset ${c.datasetId} — ${c.state}: budget ${c.budget.toLocaleString('en-US')} parameters, seed ${c.seed}`,
      table(headers, rows),
    ];
    if (c.note) lines.push('', `${c.note}.`, `Continue it with: rnn-studio compare --continue ${c.comparisonId}`);
    if (generator && c.runs.some((r) => r.sample !== null)) {
      lines.push('', `Samples from each final checkpoint: prime ${JSON.stringify(c.prime)}, seed ${c.seed}, temperature ${c.temperature}, ${c.sampleLength} characters`);
      for (const r of c.runs) if (r.sample !== null) lines.push('', `--- ${modelName(r)} (run ${r.runId}) ---`, r.sample);
    }
    return lines.join('\n');
  });
}

/** One line per entry: step, validation loss, where the text came from, and the text with ⏎ for newlines. */
export function printTimeline(t: TimelineReply, out: Output): void {
  out.result(t as unknown as Record<string, unknown>, () => {
    const lines = t.entries.map((e) => {
      const text = e.text.replace(/\r?\n/g, '⏎');
      return `${String(e.step).padStart(7)}  ${formatNumber(e.valLoss, 3).padStart(6)}  ${e.source === 'training' ? 'T' : 'C'}  ${text}`;
    });
    return [
      `Run ${t.runId}: samples at prime ${JSON.stringify(t.prime)}, seed ${t.seed}, temperature ${t.temperature}, ${t.length} characters (T: recorded while training, C: generated now from a kept checkpoint)`,
      `${'step'.padStart(7)}  ${'val'.padStart(6)}     text`,
      ...lines,
    ].join('\n');
  });
}
