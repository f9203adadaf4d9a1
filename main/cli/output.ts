// How the CLI speaks: one JSON object per line with --json, readable text (and a progress bar on a
// terminal) without it. Errors go to stderr; with --json they are also a {"error": …} line on stdout.
import cliProgress from 'cli-progress';

export class Output {
  private bar: cliProgress.SingleBar | null = null;

  /** verbose: print the engine's technical details too (--verbose). */
  constructor(
    readonly json: boolean,
    readonly verbose = false,
  ) {}

  /** A JSON line in --json mode; nothing otherwise. */
  event(obj: Record<string, unknown>): void {
    if (this.json) process.stdout.write(`${JSON.stringify(obj)}\n`);
  }

  /** The command's final object (--json) or its human summary. */
  result(obj: Record<string, unknown>, human: () => string): void {
    if (this.json) process.stdout.write(`${JSON.stringify(obj)}\n`);
    else process.stdout.write(`${human()}\n`);
  }

  /** A line for humans only (stderr when a progress bar may be drawn on stdout's terminal). */
  say(text: string): void {
    if (this.json) return;
    if (this.bar) this.bar.stop();
    process.stdout.write(`${text}\n`);
    if (this.bar) this.bar = null;
  }

  warn(text: string): void {
    process.stderr.write(`warning: ${text}\n`);
  }

  error(message: string, code = 'error'): void {
    this.stopProgress();
    if (this.json) process.stdout.write(`${JSON.stringify({ error: message, code })}\n`);
    process.stderr.write(`error: ${message}\n`);
  }

  progress(step: number, total: number, payload: { loss: number; charsPerSec: number; etaSeconds: number }): void {
    if (this.json) return;
    const values = { loss: payload.loss.toFixed(4), cps: Math.round(payload.charsPerSec).toLocaleString('en-US'), etaText: formatDuration(payload.etaSeconds) };
    if (!process.stdout.isTTY) return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        { format: 'step {value}/{total} [{bar}] {percentage}% | loss {loss} | {cps} chars/s | ETA {etaText}', hideCursor: true, clearOnComplete: false, barsize: 24 },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, step, values);
    }
    this.bar.setTotal(total);
    this.bar.update(step, values);
  }

  stopProgress(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatNumber(n: number | null | undefined, digits = 4): string {
  return n === null || n === undefined ? '–' : n.toFixed(digits);
}

/** A plain left-aligned text table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells
    .map((r) => r.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join('  ').trimEnd())
    .join('\n');
}
