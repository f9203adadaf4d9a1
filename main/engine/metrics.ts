// Classification metrics from labels and predictions: accuracy, macro-F1, per-class precision and
// recall, and the confusion matrix (rows: true class, columns: predicted class). Pure.
import type { ClassMetrics } from '../../shared/types.ts';
export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  labels: string[];
  confusion: number[][];
  perClass: ClassMetrics[];
}

export function classificationReport(labels: string[], truth: ArrayLike<number>, predicted: ArrayLike<number>): ClassificationReport {
  const C = labels.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((n, row) => n + row[c], 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  // Macro-F1 averages over the classes present (in truth or predictions), as scikit-learn does.
  const present = perClass.filter((p, c) => p.support > 0 || confusion.some((row) => row[c] > 0));
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    macroF1: present.length ? present.reduce((s, p) => s + p.f1, 0) / present.length : 0,
    labels,
    confusion,
    perClass,
  };
}
