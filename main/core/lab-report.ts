// The Lab's findings as one HTML file (issue 16, lab:report): the learner's corpus, simple RNN, comparison
// of cells, gates passage, classifiers and notes, with their figures read from SQLite, in the learner's
// language. The file stands alone — inline CSS, charts as data: URL images (main/core/lab-charts.ts), no
// script and nothing fetched — so it can be kept, mailed or printed. Every text of the learner's (names,
// samples, labels, notes) is escaped: a report must never run what someone typed.
import { CELL_COLOURS, CELL_NAMES } from '../../shared/config-fields.ts';
import { formatDate, formatNumber, translate, type Key, type Locale, type Params } from '../../shared/i18n/index.ts';
import type { CompareReply } from '../../shared/inspect.ts';
import { LAB_CLASSIFIERS, type LabClassifier, type LabState, type LabStepId } from '../../shared/lab.ts';
import type { EvaluationRecord, MetricPoint, RunSummary } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';
import type { Comparisons } from './compare.ts';
import { labState } from './lab.ts';
import { lineChartSvg, svgImage, type Series } from './lab-charts.ts';

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** What every section needs: the language, its words (escaped for HTML) and its numbers. */
interface Writer {
  locale: Locale;
  t(key: Key, params?: Params): string;
  num(n: number | null | undefined, digits?: number): string;
}

const writer = (locale: Locale): Writer => ({
  locale,
  t: (key, params) => escapeHtml(translate(locale, key, params)),
  num: (n, digits = 3) => (n === null || n === undefined ? '–' : formatNumber(locale, n, digits)),
});

const CLASSIFIER_KEYS: Record<LabClassifier, Key> = {
  single: 'report.classifierSingle',
  bidirectional: 'report.classifierBidirectional',
  stacked: 'report.classifierStacked',
};

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.5; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.2rem; }
.meta, .pending { color: #666; }
.pending { font-style: italic; }
table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.hit { background: #e3efe3; font-weight: 600; }
pre, blockquote { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: 0.6rem 0.8rem; margin: 0.5rem 0; }
pre { font-family: ui-monospace, Menlo, Consolas, monospace; }
blockquote { border-left: 4px solid #bbb; }
img { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
@media print { h2 { break-after: avoid; } img, table, pre { break-inside: avoid; } }
`;

const section = (id: LabStepId | 'compare', title: string, body: string): string => `<section id="${id}">\n<h2>${title}</h2>\n${body}\n</section>`;
const pending = (w: Writer): string => `<p class="pending">${w.t('report.notDone')}</p>`;
const facts = (rows: Array<[string, string]>): string => `<table>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>`;

function corpusSection(w: Writer, store: Store, state: LabState): string {
  const dataset = state.datasetId === null ? null : store.datasets.get(state.datasetId);
  const title = w.t('report.corpusTitle');
  if (!dataset) return section('corpus', title, pending(w));
  return section(
    'corpus',
    title,
    facts([
      [w.t('report.datasetName'), escapeHtml(dataset.name)],
      [w.t('report.characters'), w.num(dataset.chars)],
      [w.t('report.distinctCharacters'), w.num(dataset.distinctChars)],
    ]),
  );
}

const lossPoints = (metrics: MetricPoint[], of: 'trainLoss' | 'valLoss'): Array<[number, number]> =>
  metrics.flatMap((m) => (m[of] === null ? [] : [[m.step, m[of]] as [number, number]]));

function chart(w: Writer, series: Series[], alt: Key): string {
  const svg = lineChartSvg(w.locale, { series, xLabel: translate(w.locale, 'report.axisStep'), yLabel: translate(w.locale, 'report.axisLoss') });
  return svg ? svgImage(svg, w.t(alt)) : `<p class="pending">${w.t('report.noLoss')}</p>`;
}

/** Up to three training samples: the first, one from the middle and the last, to show the text taking shape. */
function samplesOf(w: Writer, store: Store, runId: number): string {
  const training = store.samples.forRun(runId).filter((s) => s.source === 'training');
  if (training.length === 0) return `<p class="pending">${w.t('report.noSamples')}</p>`;
  const picked = [...new Set([0, Math.floor((training.length - 1) / 2), training.length - 1])].map((i) => training[i]);
  return picked.map((s) => `<h3>${w.t('report.sampleAt', { step: s.step })}</h3>\n<pre>${escapeHtml(s.text)}</pre>`).join('\n');
}

const modelOf = (w: Writer, run: RunSummary): string =>
  w.t('report.model', { cell: CELL_NAMES[run.config.model.cell], layers: run.config.model.layers, units: run.config.model.units });

function rnnSection(w: Writer, store: Store, state: LabState): string {
  const run = state.rnnRunId === null ? null : store.runs.get(state.rnnRunId);
  const title = w.t('report.rnnTitle');
  if (!run) return section('simple-rnn', title, pending(w));
  const metrics = store.metrics.forRun(run.id);
  const series: Series[] = [
    { name: translate(w.locale, 'report.seriesTrain'), color: '#1f77b4', points: lossPoints(metrics, 'trainLoss') },
    { name: translate(w.locale, 'report.seriesValidation'), color: '#d62728', points: lossPoints(metrics, 'valLoss') },
  ];
  return section(
    'simple-rnn',
    title,
    [
      facts([
        [w.t('report.run'), w.t('report.runId', { id: String(run.id) })],
        [w.t('report.modelLabel'), modelOf(w, run)],
        [w.t('report.parameters'), w.num(run.parameters)],
        [w.t('report.stepsTrained'), w.num(run.step)],
        [w.t('report.bestValLoss'), w.num(run.bestValLoss)],
        [w.t('report.bitsPerChar'), w.num(run.bestValLoss === null ? null : run.bestValLoss / Math.LN2)],
      ]),
      chart(w, series, 'report.lossChart'),
      `<h3>${w.t('report.samplesTitle')}</h3>`,
      samplesOf(w, store, run.id),
    ].join('\n'),
  );
}

function comparisonTable(w: Writer, reply: CompareReply): string {
  const head = ['colCell', 'colUnits', 'parameters', 'bestValLoss', 'bitsPerChar', 'colSpeed'].map((k) => `<th>${w.t(`report.${k}` as Key)}</th>`).join('');
  const rows = reply.runs.map(
    (r) =>
      `<tr><td>${CELL_NAMES[r.cell]}</td><td class="n">${w.num(r.units)}</td><td class="n">${w.num(r.parameters)}</td><td class="n">${w.num(r.valLoss)}</td>` +
      `<td class="n">${w.num(r.bitsPerChar)}</td><td class="n">${w.num(r.charsPerSec, 0)}</td></tr>`,
  );
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Each cell's sample from its final checkpoint, at the comparison's prime and seed. */
const comparisonSamples = (w: Writer, reply: CompareReply): string =>
  reply.runs
    .filter((r) => r.sample !== null)
    .map((r) => `<h3>${w.t('report.cellSample', { cell: CELL_NAMES[r.cell] })}</h3>\n<pre>${escapeHtml(r.sample!)}</pre>`)
    .join('\n');

async function compareSection(w: Writer, store: Store, comparisons: Comparisons, state: LabState): Promise<string> {
  const title = w.t('report.compareTitle');
  if (state.comparisonId === null) return section('compare', title, pending(w));
  // A sample that cannot be drawn now (a checkpoint's file gone) leaves its cell empty, not the report unwritten.
  const id = state.comparisonId;
  const reply = await comparisons.get(id).catch(async () => (await comparisons.list()).find((c) => c.comparisonId === id)!);
  const series: Series[] = reply.runs
    .filter((r) => r.runId !== null)
    .map((r) => ({ name: CELL_NAMES[r.cell], color: CELL_COLOURS[r.cell], points: lossPoints(store.metrics.forRun(r.runId!), 'valLoss') }));
  return section(
    'compare',
    title,
    [`<p>${w.t('report.budget', { budget: reply.budget })}</p>`, comparisonTable(w, reply), chart(w, series, 'report.compareChart'), comparisonSamples(w, reply)].join('\n'),
  );
}

function gatesSection(w: Writer, state: LabState): string {
  const title = w.t('report.gatesTitle');
  if (state.passage === null) return section('gates', title, pending(w));
  return section('gates', title, `<p>${w.t('report.passage')}</p>\n<blockquote>${escapeHtml(state.passage)}</blockquote>`);
}

/** A classifier's figures: its latest evaluation, or else its best validation measurement while training. */
interface ClassifierFigures {
  which: LabClassifier;
  run: RunSummary;
  accuracy: number | null;
  macroF1: number | null;
  measured: string;
  evaluation: EvaluationRecord | null;
}

function figuresOf(w: Writer, store: Store, which: LabClassifier, run: RunSummary): ClassifierFigures {
  const evaluation = store.evaluations.forRun(run.id).at(-1) ?? null;
  if (evaluation) return { which, run, accuracy: evaluation.accuracy, macroF1: evaluation.macroF1, evaluation, measured: w.t('report.measuredEvaluation', { step: evaluation.step, examples: evaluation.examples }) };
  const measured = store.metrics.forRun(run.id).filter((m) => m.valAccuracy !== null);
  const best = measured.reduce<MetricPoint | null>((a, m) => (a === null || (m.valMacroF1 ?? 0) > (a.valMacroF1 ?? 0) ? m : a), null);
  return { which, run, accuracy: best?.valAccuracy ?? null, macroF1: best?.valMacroF1 ?? null, evaluation: null, measured: best ? w.t('report.measuredValidation', { step: best.step }) : '–' };
}

function confusionTable(w: Writer, f: ClassifierFigures): string {
  const e = f.evaluation!;
  const name = translate(w.locale, CLASSIFIER_KEYS[f.which]);
  if (!Array.isArray(e.confusion)) {
    const rows = e.confusion.top.map((c) => `<tr><td>${escapeHtml(c.label)}</td><td>${escapeHtml(c.predicted)}</td><td class="n">${w.num(c.count)}</td></tr>`).join('');
    return `<h3>${w.t('report.confusionTopTitle', { name })}</h3>\n<table><thead><tr><th>${w.t('report.colTrue')}</th><th>${w.t('report.colPredicted')}</th><th>${w.t('report.colCount')}</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const head = `<tr><th>${w.t('report.confusionCorner')}</th>${e.labels.map((l) => `<th scope="col">${escapeHtml(l)}</th>`).join('')}</tr>`;
  const rows = e.confusion.map((row, i) => `<tr><th scope="row">${escapeHtml(e.labels[i])}</th>${row.map((n, j) => `<td class="n${i === j ? ' hit' : ''}">${w.num(n)}</td>`).join('')}</tr>`);
  return `<h3>${w.t('report.confusionTitle', { name })}</h3>\n<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function classifySection(w: Writer, store: Store, state: LabState): string {
  const title = w.t('report.classifyTitle');
  const dataset = state.labelledDatasetId === null ? null : store.datasets.get(state.labelledDatasetId);
  const figures = LAB_CLASSIFIERS.flatMap((c) => {
    const id = state.classifierRunIds[c];
    const run = id === null ? null : store.runs.get(id);
    return run ? [figuresOf(w, store, c, run)] : [];
  });
  if (!dataset || figures.length === 0) return section('classify', title, pending(w));
  const head = ['colClassifier', 'run', 'parameters', 'colAccuracy', 'colMacroF1', 'colMeasured'].map((k) => `<th>${w.t(`report.${k}` as Key)}</th>`).join('');
  const rows = LAB_CLASSIFIERS.map((c) => {
    const f = figures.find((x) => x.which === c);
    const cells = f
      ? `<td>${w.t('report.runId', { id: String(f.run.id) })}</td><td class="n">${w.num(f.run.parameters)}</td><td class="n">${w.num(f.accuracy)}</td><td class="n">${w.num(f.macroF1)}</td><td>${f.measured}</td>`
      : `<td colspan="5" class="pending">${w.t('report.notTrained')}</td>`;
    return `<tr><th scope="row">${w.t(CLASSIFIER_KEYS[c])}</th>${cells}</tr>`;
  });
  const best = figures.filter((f) => f.evaluation !== null).sort((a, b) => (b.macroF1 ?? 0) - (a.macroF1 ?? 0))[0];
  return section(
    'classify',
    title,
    [
      `<p>${w.t('report.labelledDataset', { name: dataset.name, examples: dataset.examples ?? 0, classes: dataset.labels?.length ?? 0 })}</p>`,
      `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
      best ? confusionTable(w, best) : '',
    ].join('\n'),
  );
}

function findingsSection(w: Writer, state: LabState): string {
  const title = w.t('report.findingsTitle');
  if (state.notes.trim() === '') return section('findings', title, `<p class="pending">${w.t('report.noNotes')}</p>`);
  return section('findings', title, `<blockquote>${escapeHtml(state.notes)}</blockquote>`);
}

/** `lab:report`: the whole file, and a name to save it under. */
export async function labReport(store: Store, comparisons: Comparisons, locale: Locale): Promise<{ html: string; fileName: string }> {
  const w = writer(locale);
  const state = labState(store);
  const now = new Date();
  const sections = [
    corpusSection(w, store, state),
    rnnSection(w, store, state),
    await compareSection(w, store, comparisons, state),
    gatesSection(w, state),
    classifySection(w, store, state),
    findingsSection(w, state),
  ];
  const html = `<!DOCTYPE html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${w.t('report.title')}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${w.t('report.title')}</h1>
<p class="meta">${w.t('report.written', { date: formatDate(locale, now) })}${state.updatedAt ? ` · ${w.t('report.lastChanged', { date: formatDate(locale, state.updatedAt) })}` : ''}</p>
</header>
${sections.join('\n')}
</body>
</html>
`;
  return { html, fileName: `rnn-studio-lab-${now.toISOString().slice(0, 10)}.html` };
}
