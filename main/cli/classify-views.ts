// How the CLI shows a classifier's answers and evaluations.
import type { ClassifyReply } from '../../shared/api.ts';
import type { EvaluationRecord } from '../../shared/types.ts';
import { table, type Output } from './output.ts';

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

export function printClassify(reply: ClassifyReply, out: Output): void {
  for (const r of reply.results) {
    const probabilities = Object.fromEntries(reply.labels.map((l, i) => [l, r.probabilities[i]]));
    const ranked = reply.labels.map((l, i) => [l, r.probabilities[i]] as const).sort((a, b) => b[1] - a[1]);
    out.result({ text: r.text, label: r.label, probabilities }, () =>
      `${r.label}\t${ranked.map(([l, p]) => `${l} ${percent(p)}`).join('  ')}\t${JSON.stringify(r.text.length > 60 ? `${r.text.slice(0, 57)}…` : r.text)}`,
    );
  }
}

export function confusionTable(e: Pick<EvaluationRecord, 'labels' | 'confusion'>): string {
  return table(['true ↓ / predicted →', ...e.labels], e.confusion.map((row, i) => [e.labels[i], ...row]));
}

export function printEvaluation(e: EvaluationRecord, out: Output): void {
  out.result(
    {
      evaluationId: e.id,
      runId: e.runId,
      step: e.step,
      examples: e.examples,
      loss: e.loss,
      accuracy: e.accuracy,
      macroF1: e.macroF1,
      labels: e.labels,
      confusion: e.confusion,
      perClass: e.perClass,
      misclassified: e.misclassified,
    },
    () =>
      [
        `Run ${e.runId} at step ${e.step} on ${e.examples} examples: accuracy ${percent(e.accuracy)}, macro-F1 ${e.macroF1.toFixed(3)}`,
        '',
        table(['class', 'precision', 'recall', 'F1', 'support'], e.perClass.map((p) => [p.label, p.precision.toFixed(3), p.recall.toFixed(3), p.f1.toFixed(3), p.support])),
        '',
        confusionTable(e),
        '',
        `Most confident mistakes (${e.misclassified.length}):`,
        ...e.misclassified.slice(0, 10).map((m) => `  ${JSON.stringify(m.text.slice(0, 70))}: ${m.label}, predicted ${m.predicted} (${percent(m.confidence)})`),
      ].join('\n'),
  );
}
