// How the CLI shows the inside of a network (`inspect`, `gradient-flow`): surprise per character (the
// probability the model gave it, the entropy of its prediction, the top alternatives, bits per
// character), the units that follow features of the text, one unit's values, connectivity, and the
// gradient reaching back k steps. --json: one final object each.
import type { SurpriseReply } from '../../shared/api.ts';
import type { ConnectivityReply, GradientFlowReply, UnitsReply } from '../../shared/inspect.ts';
import { table, type Output } from './output.ts';

/** A character as a terminal shows it: escapes for control characters, ␠ for a space, <unk> for the unknown symbol. */
export const showChar = (c: string) => (c === '' ? '<unk>' : c === ' ' ? '␠' : /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c) ? c : JSON.stringify(c).slice(1, -1));

const percent = (p: number) => `${(100 * p).toFixed(p < 0.001 ? 3 : 1)}%`;

export function printInspect(reply: SurpriseReply, out: Output): void {
  if (reply.unknownChars) out.warn(`${reply.unknownChars} of the ${reply.chars.length} characters are unknown to this model (marked ?)`);
  const summary = `bits per character: ${reply.bitsPerChar.toFixed(4)} over ${reply.chars.length.toLocaleString('en-US')} characters (run ${reply.runId}, checkpoint ${reply.checkpointId}, step ${reply.step})`;
  out.result(
    { runId: reply.runId, checkpointId: reply.checkpointId, step: reply.step, chars: reply.chars, bitsPerChar: reply.bitsPerChar, unknownChars: reply.unknownChars },
    () =>
      [
        table(
          ['char', 'probability', 'bits', 'entropy', 'top 5'],
          reply.chars.map((c) => [
            showChar(c.char) + (c.unknown ? ' ?' : ''),
            c.probability === null ? '–' : percent(c.probability),
            c.probability === null ? '–' : (-Math.log2(Math.max(c.probability, Number.MIN_VALUE))).toFixed(2),
            c.entropy.toFixed(2),
            c.top.map((t) => `${showChar(t.char)} ${percent(t.probability)}`).join('  '),
          ]),
        ),
        '',
        summary,
      ].join('\n'),
  );
}

/** A bar of up to `width` blocks for a value in 0…1. */
const bar = (v: number, width = 30) => '█'.repeat(Math.round(Math.max(0, Math.min(1, v)) * width));

/** Find units: the best units per feature, each with its kind and correlation. */
export function printUnits(reply: UnitsReply, out: Output): void {
  const { runId, checkpointId, step, layers, features, units } = reply;
  out.result({ runId, checkpointId, step, layers, features, units }, () => {
    const shapes = layers.map((l) => `layer ${l.layer}: ${l.units * l.directions} units${l.directions === 2 ? ` (${l.units}–${2 * l.units - 1} read right to left)` : ''}`).join(', ');
    const rows = features.flatMap(({ feature, label }) =>
      units
        .filter((u) => u.feature === feature)
        .slice(0, 3)
        .map((u) => [label, `${u.layer}:${u.unit}`, u.kind, (u.correlation >= 0 ? '+' : '') + u.correlation.toFixed(3)]),
    );
    return [
      table(['feature', 'unit', 'kind', 'correlation'], rows),
      '',
      `${shapes}; run ${runId}, checkpoint ${checkpointId}, step ${step}. See a unit's values per character with --unit LAYER:UNIT.`,
    ].join('\n');
  });
}

/** One unit's values of every kind, per character. */
export function printUnit(reply: UnitsReply, out: Output): void {
  const u = reply.unit!;
  const kinds = Object.keys(u.values) as Array<keyof typeof u.values>;
  out.result({ runId: reply.runId, checkpointId: reply.checkpointId, step: reply.step, unit: u }, () =>
    [
      table(
        ['char', ...kinds],
        reply.chars.map((c, i) => [showChar(c), ...kinds.map((k) => u.values[k]![i].toFixed(3))]),
      ),
      '',
      `layer ${u.layer}, unit ${u.unit} (${u.direction}) after each character; run ${reply.runId}, step ${reply.step}`,
    ].join('\n'),
  );
}

/** How each earlier character influenced one prediction. */
export function printConnectivity(reply: ConnectivityReply, chars: string[], out: Output): void {
  const max = Math.max(...reply.connectivity, 1e-30);
  const what = reply.position === null ? `the predicted class "${reply.target}"` : `the prediction of character ${reply.position} ("${showChar(reply.target)}")`;
  out.result({ ...reply }, () =>
    [
      table(
        ['position', 'char', 'gradient norm', ''],
        reply.connectivity.map((v, j) => [String(j), showChar(chars[j]), v.toExponential(2), bar(v / max)]),
      ),
      '',
      `how strongly each earlier character influenced ${what}: ‖∂ log p / ∂ input‖ (run ${reply.runId}, step ${reply.step})`,
    ].join('\n'),
  );
}

/** Gradient flow: the norm reaching back k steps, and the share of the last step's. */
export function printGradientFlow(reply: GradientFlowReply, out: Output): void {
  const { norms, relative } = reply;
  const log = (v: number) => (v > 0 ? Math.max(0, 1 + Math.log10(v) / 8) : 0); // 1 … 1e-8 on the bar
  const at = (k: number) => (k < norms.length ? `${(100 * relative[k]).toPrecision(3)}%` : 'beyond the window');
  out.result({ ...reply }, () =>
    [
      table(
        ['k', '‖∂loss/∂h(T−k)‖', 'relative', 'log scale'],
        norms.map((v, k) => [String(k), v.toExponential(3), relative[k].toExponential(2), bar(log(relative[k]))]),
      ),
      '',
      `${reply.cell}, run ${reply.runId} at step ${reply.step}: ${reply.windows} ${reply.source} windows of ${reply.seqLen}; reaching back 10 steps: ${at(10)}, 50 steps: ${at(50)} of the last step's`,
    ].join('\n'),
  );
}
