/** How long ago a process started, from /proc (the kernel's boot clock, 10 ms resolution). */
import { readFileSync } from 'node:fs';
import { processStartTime } from './proc-state.js';

/** USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux ABI ziriz runs on. */
const USER_HZ = 100;

/** Seconds since process `pid` started, or null when it is gone. */
export function processAgeSeconds(pid: number): number | null {
  const started = processStartTime(pid);
  if (started === '') return null;
  try {
    const start = Number(started) / USER_HZ;
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
