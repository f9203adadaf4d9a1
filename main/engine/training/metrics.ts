// Classification metrics from labels and predictions: accuracy, macro-F1, per-class precision and
// recall, and the confusion matrix (rows: true class, columns: predicted class). Pure.
// Above FULL_CONFUSION_MAX_CLASSES classes the matrix is never built (C² cells: 25 million for 5,000
// classes, 50 MB as JSON in every evaluation): only its diagonal and its largest off-diagonal cells are
// counted and kept, and the per-class figures of the weakest classes, so a report stays small.
import type { ClassMetrics, ConfusionCell, TopConfusions } from '../../../shared/types.ts';

/** Classes up to which the whole confusion matrix is kept. */
export const FULL_CONFUSION_MAX_CLASSES = 50;
/** Above that: the most frequent confusions kept, and the weakest classes' figures kept. */
export const TOP_CONFUSIONS = 100;
export const PER_CLASS_MAX = 100;

export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  labels: string[];
  confusion: number[][] | TopConfusions;
  perClass: ClassMetrics[];
}

export function classificationReport(labels: string[], truth: ArrayLike<number>, predicted: ArrayLike<number>): ClassificationReport {
  const C = labels.length;
  const full = C <= FULL_CONFUSION_MAX_CLASSES;
  const matrix = full ? Array.from({ length: C }, () => new Array<number>(C).fill(0)) : null;
  const mistakes = full ? null : new Map<number, number>(); // true·C + predicted → count, off the diagonal
  const correct = new Array<number>(C).fill(0);
  const support = new Array<number>(C).fill(0);
  const predictedAs = new Array<number>(C).fill(0);
  let hits = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    support[t]++;
    predictedAs[p]++;
    if (matrix) matrix[t][p]++;
    if (t === p) {
      correct[t]++;
      hits++;
    } else if (mistakes) mistakes.set(t * C + p, (mistakes.get(t * C + p) ?? 0) + 1);
  }
  const perClass = labels.map((label, c) => {
    const tp = correct[c];
    const precision = predictedAs[c] ? tp / predictedAs[c] : 0;
    const recall = support[c] ? tp / support[c] : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: support[c] };
  });
  // Macro-F1 averages over the classes present (in truth or predictions), as scikit-learn does.
  const present = perClass.filter((p, c) => p.support > 0 || predictedAs[c] > 0);
  const report = {
    accuracy: truth.length ? hits / truth.length : 0,
    macroF1: present.length ? present.reduce((s, p) => s + p.f1, 0) / present.length : 0,
    labels,
  };
  if (matrix) return { ...report, confusion: matrix, perClass };
  const cells = [...mistakes!].map(([key, count]) => ({ t: Math.floor(key / C), p: key % C, count }));
  return {
    ...report,
    confusion: topConfusions(labels, correct, cells),
    perClass: weakestClasses(perClass.filter((p, c) => p.support > 0 || predictedAs[c] > 0)),
  };
}

function topConfusions(labels: string[], correct: number[], cells: Array<{ t: number; p: number; count: number }>): TopConfusions {
  const top: ConfusionCell[] = [...cells]
    .sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p)
    .slice(0, TOP_CONFUSIONS)
    .map((c) => ({ label: labels[c.t], predicted: labels[c.p], count: c.count }));
  return { form: 'top', correct, top, mistakes: cells.reduce((n, c) => n + c.count, 0), pairs: cells.length };
}

/** The PER_CLASS_MAX classes with the lowest F1 (the most examples first among equals), weakest first. */
function weakestClasses(perClass: ClassMetrics[]): ClassMetrics[] {
  return [...perClass].sort((a, b) => a.f1 - b.f1 || b.support - a.support).slice(0, PER_CLASS_MAX);
}

/**
 * A report as it may be kept and sent: a whole matrix above FULL_CONFUSION_MAX_CLASSES classes (recorded
 * before reports were bounded) becomes its top confusions, and its per-class figures the weakest ones.
 */
export function boundedReport<R extends Pick<ClassificationReport, 'labels' | 'confusion' | 'perClass'>>(report: R): R {
  const { labels, confusion } = report;
  if (!Array.isArray(confusion) || confusion.length <= FULL_CONFUSION_MAX_CLASSES) return report;
  const cells: Array<{ t: number; p: number; count: number }> = [];
  confusion.forEach((row, t) => row.forEach((count, p) => t !== p && count > 0 && cells.push({ t, p, count })));
  const correct = confusion.map((row, c) => row[c]);
  const predictedAs = new Array<number>(labels.length).fill(0);
  for (const row of confusion) row.forEach((count, p) => (predictedAs[p] += count));
  const present = report.perClass.filter((p, c) => p.support > 0 || predictedAs[c] > 0);
  return { ...report, confusion: topConfusions(labels, correct, cells), perClass: weakestClasses(present) };
}
