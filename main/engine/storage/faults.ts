// Named moments of a crash-safe write, where the fault suite (test/faults/) may stop the process or fail
// the write, to prove that whatever moment a real crash or a full disk picks, nothing is lost.
// Off unless RNN_STUDIO_FAULT is set, e.g. `kill@checkpoint:after-rename#2` (SIGKILL this process the
// second time a checkpoint has been renamed into place) or `enospc@checkpoint:write` (that write fails as
// if the disk were full). Never set by the studio itself.

/** The steps of saving a checkpoint, in order, and of writing any other file atomically. */
export const FAULT_POINTS = [
  'checkpoint:write', // the temp file is being written
  'checkpoint:after-temp-write', // written and fsynced, not yet renamed
  'checkpoint:after-rename', // in place on disk, not yet recorded in SQLite
  'checkpoint:after-row', // recorded and committed, older ones not yet pruned
  'checkpoint:after-prune-rows', // older rows deleted, their files not yet
  'checkpoint:after-prune', // older files deleted
  'dataset:write', // an imported corpus is being written
  'branch:staged', // a branch's copy of its parent's checkpoint is written beside the runs, not yet its own
  'branch:moved', // the copy is in the new run's folder, the run not yet recorded
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

interface Fault {
  action: 'kill' | 'enospc';
  point: FaultPoint;
  /** Strike on this hit of the point (1 = the first). */
  hit: number;
}

function parse(spec: string | undefined): Fault | null {
  const m = spec?.match(/^(kill|enospc)@([a-z:-]+)(?:#(\d+))?$/);
  if (!m || !(FAULT_POINTS as readonly string[]).includes(m[2])) return null;
  return { action: m[1] as Fault['action'], point: m[2] as FaultPoint, hit: Number(m[3] ?? 1) };
}

const fault = parse(process.env.RNN_STUDIO_FAULT);
let hits = 0;

/** Marks reaching `point`; under a matching RNN_STUDIO_FAULT, dies there or throws ENOSPC. */
export function faultPoint(point: FaultPoint): void {
  if (!fault || fault.point !== point || ++hits !== fault.hit) return;
  if (fault.action === 'kill') process.kill(process.pid, 'SIGKILL');
  const err = new Error(`ENOSPC: no space left on device (injected at ${point})`) as NodeJS.ErrnoException;
  err.code = 'ENOSPC';
  throw err;
}
