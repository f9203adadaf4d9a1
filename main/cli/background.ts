// --no-wait for commands that train (compare, branch): training runs in the process that started it, so
// to return at once the same command is run again, without --no-wait, in a detached process that goes on
// after this one has exited. This one waits only until that process has said it started, or refused.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';

/** How long --no-wait waits for the background process to start. */
const BACKGROUND_START_MS = 60_000;

export interface Background {
  /** The JSON line by which it said it started. */
  line: Record<string, unknown>;
  pid: number;
  /** Its output, JSON lines, in logs/ in the data folder. */
  log: string;
}

/**
 * Runs this command without --no-wait in the background, and waits until it prints a JSON line `started`
 * accepts (returned) or an error (thrown as the ApiError it names). `command` names its log, `what` names it
 * in messages ("compare", "comparison").
 */
export async function inBackground(home: string, command: string, what: string, started: (line: Record<string, unknown>) => boolean): Promise<Background> {
  const args = process.argv.slice(2).filter((a) => a !== '--no-wait');
  const logs = join(home, 'logs');
  mkdirSync(logs, { recursive: true });
  const log = join(logs, `${command}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args, '--json', '--home', home], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + BACKGROUND_START_MS;
  for (;;) {
    // Whole lines only: the last may still be being written.
    const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failure = lines.find((l) => typeof l.error === 'string');
    if (failure) throw new ApiError((failure.code as ApiError['code']) ?? 'internal', failure.error as string);
    const line = lines.find(started);
    if (line) return { line, pid: child.pid!, log };
    if (exited !== null) throw new ApiError('internal', `the background ${what} ended before it started (exit code ${exited}); see ${log}`);
    if (Date.now() > deadline) throw new ApiError('internal', `the background ${what} has not started after ${BACKGROUND_START_MS / 1000} s; see ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
