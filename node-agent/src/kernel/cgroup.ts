/**
 * cgroup v2 facts: where the unified hierarchy is mounted (pure v2 at
 * /sys/fs/cgroup, or hybrid at /sys/fs/cgroup/unified) and the id of a cgroup,
 * which is the inode number of its directory: what bpf_get_current_cgroup_id()
 * returns for tasks inside it.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import { readMounts, type MountEntry } from './mounts.js';

export class CgroupError extends ZirizError {}

/** The cgroup2 mount point; prefers /sys/fs/cgroup, then /sys/fs/cgroup/unified, then any. */
export function cgroupV2Root(mounts: readonly MountEntry[] = readMounts()): string {
  const v2 = mounts.filter((m) => m.fstype === 'cgroup2').map((m) => m.target);
  for (const preferred of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (v2.includes(preferred)) return preferred;
  }
  const first = v2[0];
  if (first === undefined) throw new CgroupError('E_NO_CGROUP2', 'no cgroup2 filesystem is mounted');
  return first;
}

export function cgroupId(dir: string): bigint {
  return statSync(dir, { bigint: true }).ino;
}

/** The v2 cgroup path of a process, relative to the v2 root ("/" for the root). */
export function cgroupOfPid(pid: number): string {
  const text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) throw new CgroupError('E_NO_CGROUP2', `process ${pid} has no cgroup v2 entry`);
  return line.slice(3);
}

export function cgroupDirOfPid(pid: number, root: string = cgroupV2Root()): string {
  return join(root, cgroupOfPid(pid));
}
