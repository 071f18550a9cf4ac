/** A process's scheduler state and owner, from /proc (host pids: the agent runs with hostPID). */
import { readFileSync } from 'node:fs';

/**
 * The state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped, 't' stopped
 * by a tracer, 'Z', ...), or null when the process is gone.
 */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which may hold spaces and ')'.
    return stat.charAt(stat.lastIndexOf(')') + 2) || null;
  } catch {
    return null;
  }
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
