// How the CLI shows a classifier's answers and evaluations.
import { isMostlyUnseen, type ClassifyReply } from '../../shared/api.ts';
import type { EvaluationRecord } from '../../shared/types.ts';
import { table, type Output } from './output.ts';

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

const quote = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}…` : text);

/** What to say when a text holds characters the classifier never saw: it reads only the others. */
export function unknownCharsWarning(r: ClassifyReply['results'][number]): string | null {
  if (!r.unknownChars) return null;
  const chars = [...r.text].length;
  if (r.unknownChars >= chars) return `none of the characters of ${quote(r.text)} is known to this classifier: its answer says nothing about the text`;
  if (isMostlyUnseen(r)) return `most of ${quote(r.text)} is unseen: ${r.unknownChars} of its ${chars} characters are unknown to this classifier and were ignored, so the answer rests on the few it knows`;
  return `${r.unknownChars} of the ${chars} characters of ${quote(r.text)} are unknown to this classifier and were ignored`;
}

export function printClassify(reply: ClassifyReply, out: Output): void {
  for (const r of reply.results) {
    const probabilities = Object.fromEntries(reply.labels.map((l, i) => [l, r.probabilities[i]]));
    const ranked = reply.labels.map((l, i) => [l, r.probabilities[i]] as const).sort((a, b) => b[1] - a[1]);
    const warning = unknownCharsWarning(r);
    if (warning) out.warn(warning);
    out.result({ text: r.text, label: r.label, probabilities, unknownChars: r.unknownChars, ...(warning ? { warning } : {}) }, () =>
      `${r.label}\t${ranked.map(([l, p]) => `${l} ${percent(p)}`).join('  ')}\t${JSON.stringify(r.text.length > 60 ? `${r.text.slice(0, 57)}…` : r.text)}`,
    );
  }
}

/** The whole matrix; or, for many classes, its most frequent confusions (at most `limit` of them). */
export function confusionTable(e: Pick<EvaluationRecord, 'labels' | 'confusion'>, limit = 20): string {
  const c = e.confusion;
  if (Array.isArray(c)) return table(['true ↓ / predicted →', ...e.labels], c.map((row, i) => [e.labels[i], ...row]));
  const shown = c.top.slice(0, limit);
  return [
    `${e.labels.length.toLocaleString('en-US')} classes, too many for a matrix: the ${shown.length} most frequent of ${c.pairs.toLocaleString('en-US')} confusions (${c.mistakes.toLocaleString('en-US')} mistakes in all)`,
    table(['true', 'predicted', 'count'], shown.map((m) => [m.label, m.predicted, m.count])),
  ].join('\n');
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
        ...(e.perClass.length < e.labels.length ? [`The ${e.perClass.length} weakest of ${e.labels.length.toLocaleString('en-US')} classes:`] : []),
        table(['class', 'precision', 'recall', 'F1', 'support'], e.perClass.map((p) => [p.label, p.precision.toFixed(3), p.recall.toFixed(3), p.f1.toFixed(3), p.support])),
        '',
        confusionTable(e),
        '',
        `Most confident mistakes (${e.misclassified.length}):`,
        ...e.misclassified.slice(0, 10).map((m) => `  ${JSON.stringify(m.text.slice(0, 70))}: ${m.label}, predicted ${m.predicted} (${percent(m.confidence)})`),
      ].join('\n'),
  );
}
