/** How long ago a process started, from /proc (the kernel's boot clock, 10 ms resolution). */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux ABI ziriz runs on. */
const USER_HZ = 100;

/** Seconds since process `pid` started, or null when it is gone. */
export function processAgeSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counted from after the command name, which may hold spaces and ')'.
    const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / USER_HZ;
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(start) && Number.isFinite(uptime) ? Math.max(0, uptime - start) : null;
  } catch {
    return null;
  }
}

/** Seconds since the oldest of `pids` started (null when none is left). */
export function oldestAgeSeconds(pids: readonly number[]): number | null {
  let oldest: number | null = null;
  for (const pid of pids) {
    const age = processAgeSeconds(pid);
    if (age !== null && (oldest === null || age > oldest)) oldest = age;
  }
  return oldest;
}
