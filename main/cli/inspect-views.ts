// How the CLI shows surprise (`inspect`): per character, the probability the model gave it, the entropy of
// its prediction and the top alternatives; then bits per character. --json: one final object.
import type { SurpriseReply } from '../../shared/api.ts';
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
