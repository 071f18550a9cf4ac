/** A process's scheduler state and owner, from /proc (host pids: the agent runs with hostPID). */
import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat (or of one thread's) from field 3 on, so
 * index 0 is the state and index 19 the start time; null when it is gone.
 * Counted from after the command name, which may hold spaces and ')'.
 */
export function statFields(pid: number, tid?: number): string[] | null {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * The state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped, 't' stopped
 * by a tracer, 'Z', ...), or null when the process is gone.
 */
export function processState(pid: number): string | null {
  const state = statFields(pid)?.[0];
  return state === undefined || state === '' ? null : state;
}

/** The start time of a process in clock ticks since boot, as /proc writes it ('' when gone): with the pid, it names one process. */
export function processStartTime(pid: number): string {
  return statFields(pid)?.[19] ?? '';
}

/** The real uid and the command name of a thread (best effort: 0 and '' when gone). */
export function threadOwner(pid: number, tid: number): { uid: number; comm: string } {
  let uid = 0;
  let comm = '';
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
    uid = Number(line?.split(/\s+/)[1] ?? 0);
  } catch {
    // gone
  }
  try {
    comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
  } catch {
    // gone
  }
  return { uid: Number.isFinite(uid) ? uid : 0, comm };
}
