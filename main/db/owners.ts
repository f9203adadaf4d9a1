// Who trains a run: a process, named by its pid and its start time (a pid alone is reused after the
// process dies, so a later unrelated process could pass for the owner), and a label for messages. The
// owner also beats a heartbeat into the run's row: where a platform cannot tell a process's start time
// (macOS, Windows) or cannot see it (another pid namespace), a silent owner is no owner.
import { readFileSync } from 'node:fs';

/** How often a training process marks its runs as still its own, and after how long silence it owns nothing. */
export const OWNER_HEARTBEAT_MS = 15_000;
export const OWNER_STALE_MS = 10 * 60_000;

export interface Owner {
  pid: number;
  /** The process's start time as the OS counts it (Linux: boot id / clock ticks after boot); null where unknown. */
  started: string | null;
  /** What the process is, for messages: "rnn-studio serve", "the desktop app". */
  label: string;
}

let bootId: string | null = null;

/**
 * A process's start time, with the boot it belongs to (after a reboot the same pid may start at the same
 * tick), or null where this platform does not say (then the pid and the heartbeat are checked).
 */
export function processStarted(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name in field 2 may hold spaces and parentheses.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return ticks === undefined ? null : `${bootId}/${ticks}`;
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

/** True while the process that claimed a run is still that process, still running and still beating. */
export function ownerAlive(pid: number | null, started: string | null, heartbeat: string | null): boolean {
  if (pid === null) return false;
  const me = thisProcess();
  if (pid === me.pid && (started === null || started === me.started)) return true;
  if (heartbeat !== null && Date.now() - Date.parse(heartbeat) > OWNER_STALE_MS) return false;
  if (pid === me.pid) return false; // our pid, another process's start: a pid reused
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (started === null) return true;
  const now = processStarted(pid);
  return now === null || now === started;
}
