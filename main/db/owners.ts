// Who trains a run: a process, named by its pid and its start time (a pid alone is reused after the
// process dies, so a later unrelated process could pass for the owner), and a label for messages.
import { readFileSync } from 'node:fs';

export interface Owner {
  pid: number;
  /** The process's start time as the OS counts it (Linux: clock ticks after boot); null where unknown. */
  started: string | null;
  /** What the process is, for messages: "rnn-studio serve", "the desktop app". */
  label: string;
}

/** A process's start time, or null where this platform does not say (then the pid alone is checked). */
export function processStarted(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name in field 2 may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

let self: Owner | null = null;

/** This process as an owner; `label` names it in the messages other processes show. */
export function thisProcess(label?: string): Owner {
  self ??= { pid: process.pid, started: processStarted(process.pid), label: 'an RNN Studio process' };
  if (label) self.label = label;
  return self;
}

/** True while the process that claimed a run is still that process and still running. */
export function ownerAlive(pid: number | null, started: string | null): boolean {
  if (pid === null) return false;
  const me = thisProcess();
  if (pid === me.pid) return started === null || started === me.started;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (started === null) return true;
  const now = processStarted(pid);
  return now === null || now === started;
}
