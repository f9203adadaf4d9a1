// Listings and the detail view of a run, as text or JSON.
import asciichart from 'asciichart';
import type { Dataset, RunDetail, RunSummary } from '../../shared/types.ts';
import { formatDuration, formatNumber, table, type Output } from './output.ts';
import { confusionTable } from './classify-views.ts';

export function printDatasets(datasets: Dataset[], out: Output): void {
  out.result({ datasets }, () =>
    datasets.length === 0
      ? 'No datasets yet. Import one with: rnn-studio import <file-or-folder>'
      : table(
          ['id', 'name', 'kind', 'characters', 'bytes', 'charset', 'unknown', 'files', 'imported'],
          datasets.map((d) => [d.id, d.name, d.kind, d.chars.toLocaleString('en-US'), d.bytes.toLocaleString('en-US'), d.charsetSize, d.unknownChars, d.files, d.createdAt.slice(0, 16).replace('T', ' ')]),
        ),
  );
}

export function printRenamedDataset(dataset: Dataset, out: Output): void {
  out.result({ datasetId: dataset.id, name: dataset.name, dataset }, () => `Dataset ${dataset.id} is now "${dataset.name}".`);
}

const describeModel = (r: RunSummary) => `${r.config.model.cell} ${r.config.model.layers}×${r.config.model.units}`;

type Lineage = Pick<RunSummary, 'parentRunId' | 'parentCheckpointId' | 'parentStep'>;

/** Where a run came from, for the runs table: "← #3 @ step 400" (a branch), "← #3" (a fine-tune, an import), or ''. */
function lineage(r: Lineage): string {
  if (r.parentStep == null) return r.parentRunId == null ? '' : `← #${r.parentRunId}`;
  return `← ${r.parentRunId == null ? 'deleted run' : `#${r.parentRunId}`} @ step ${r.parentStep}`;
}

/** The same in words: "from run 3 at step 400 (checkpoint #12)". */
function origin(r: Lineage): string {
  const run = r.parentRunId == null ? 'a deleted run' : `run ${r.parentRunId}`;
  if (r.parentStep == null) return `from ${run}`;
  return `from ${run} at step ${r.parentStep}${r.parentCheckpointId == null ? '' : ` (checkpoint #${r.parentCheckpointId})`}`;
}

/** "Run 5 branches from run 3 at step 400 (checkpoint #12)", from `branch`'s JSON line. */
export const branchedText = (line: Record<string, unknown>) => `Run ${line.runId} branches ${origin(line as Lineage)}`;

export function printRuns(runs: RunSummary[], out: Output): void {
  const from = runs.some((r) => lineage(r) !== ''); // the lineage column only when a run has one
  out.result({ runs }, () =>
    runs.length === 0
      ? 'No runs yet. Train one with: rnn-studio train <dataset-id|file>'
      : table(
          ['id', ...(from ? ['from'] : []), 'dataset', 'model', 'status', 'step', 'train loss', 'best val', 'backend', 'trained', 'created'],
          runs.map((r) => [
            r.id,
            ...(from ? [lineage(r)] : []),
            r.datasetName,
            describeModel(r),
            r.status,
            `${r.step}/${r.totalSteps ?? '?'}`,
            formatNumber(r.lastTrainLoss, 3),
            formatNumber(r.bestValLoss, 3),
            r.backend ?? '–',
            formatDuration(r.trainSeconds),
            r.createdAt.slice(0, 16).replace('T', ' '),
          ]),
        ),
  );
}

/** Evenly thins a series to at most `width` points so the text chart fits a terminal. */
function thin(values: number[], width: number): number[] {
  if (values.length <= width) return values;
  return Array.from({ length: width }, (_, i) => values[Math.round((i * (values.length - 1)) / (width - 1))]);
}

export function lossChart(run: RunDetail, width = 70): string {
  const train = run.metrics.filter((m) => m.trainLoss !== null).map((m) => m.trainLoss!);
  const val = run.metrics.filter((m) => m.valLoss !== null).map((m) => m.valLoss!);
  if (train.length < 2) return '(not enough points for a chart yet)';
  const series = [thin(train, width)];
  if (val.length >= 2) series.push(thin(val, width));
  const chart = asciichart.plot(series, { height: 10, colors: [asciichart.default, asciichart.blue], format: (x: number) => x.toFixed(3).padStart(7) });
  return `${chart}\n  loss by step, ${run.parentStep ?? 0} → ${run.step}: train${val.length >= 2 ? ' and validation (blue)' : ''}`;
}

export function printShow(run: RunDetail, out: Output): void {
  out.result({ run }, () => {
    const m = run.config.model;
    const t = run.config.train;
    const lines = [
      `Run ${run.id} — ${run.status}${run.error ? `: ${run.error}` : ''}`,
      ...(lineage(run) ? [`  ${origin(run)}`] : []),
      `  dataset ${run.datasetId} "${run.datasetName}" · backend ${run.backend ?? '–'} · ${run.parameters?.toLocaleString('en-US') ?? '?'} parameters`,
      `  model: ${m.cell}, ${m.layers} layer(s) × ${m.units} units, embedding ${m.embedding}, dropout ${m.dropout}`,
      `  training: seq-len ${t.seqLen}, batch ${t.batch}, lr ${t.lr}, clip ${t.clip}, val-split ${t.valSplit}, seed ${t.seed}, ${t.maxSteps ?? `${t.epochs} epochs`}${t.maxSteps ? ' steps' : ''}`,
      `  step ${run.step}/${run.totalSteps ?? '?'} · epoch ${run.epoch} · train loss ${formatNumber(run.lastTrainLoss)} · best validation ${formatNumber(run.bestValLoss)} · ${formatDuration(run.trainSeconds)} trained`,
      '',
      lossChart(run),
      '',
      ...classifierLines(run),
      `Checkpoints (${run.checkpoints.length}):`,
      ...run.checkpoints.map((c) => `  #${c.id} step ${c.step} (${c.reason}) ${(c.bytes / 1e6).toFixed(1)} MB, val ${formatNumber(c.valLoss)}`),
      '',
      `Samples (${run.samples.length}, latest last):`,
      ...run.samples.slice(-5).flatMap((s) => [`  [#${s.id} step ${s.step}, ${s.source}, seed ${s.seed}, T=${s.params.temperature}]`, indent(s.text.slice(0, 400)), '']),
    ];
    return lines.join('\n');
  });
}

function classifierLines(run: RunDetail): string[] {
  const latest = run.evaluations.filter((e) => e.source === 'validation').at(-1);
  if (run.task !== 'classify' || !latest) return [];
  return [
    `Validation at step ${latest.step}: accuracy ${(100 * latest.accuracy).toFixed(1)}%, macro-F1 ${latest.macroF1.toFixed(3)} on ${latest.examples} examples`,
    confusionTable(latest),
    '',
  ];
}

const indent = (text: string) => text.split('\n').map((l) => `    ${l}`).join('\n');
