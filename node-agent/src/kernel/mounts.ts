/**
 * Kernel pseudo-filesystems ziriz needs. On these machines bpffs, tracefs and
 * securityfs are not mounted at boot; the agent mounts what is missing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ZirizError } from '../../../core/errors/ziriz-error.js';

export class MountError extends ZirizError {}

export interface MountEntry {
  readonly source: string;
  readonly target: string;
  readonly fstype: string;
}

/** Parse /proc/self/mounts (octal escapes such as \040 decoded). */
export function parseMounts(text: string): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [source, target, fstype] = line.split(' ');
    if (source && target && fstype) out.push({ source: unescape(source), target: unescape(target), fstype });
  }
  return out;
}

export function readMounts(): MountEntry[] {
  return parseMounts(readFileSync('/proc/self/mounts', 'utf8'));
}

export const KERNEL_FS = [
  { fstype: 'bpf', target: '/sys/fs/bpf' },
  { fstype: 'tracefs', target: '/sys/kernel/tracing' },
  { fstype: 'securityfs', target: '/sys/kernel/security' },
] as const;

/** Mount bpffs, tracefs and securityfs where missing; returns what was mounted. */
export function ensureKernelMounts(mounts: readonly MountEntry[] = readMounts()): string[] {
  const mounted: string[] = [];
  for (const fs of KERNEL_FS) {
    if (mounts.some((m) => m.fstype === fs.fstype && m.target === fs.target)) continue;
    try {
      execFileSync('mount', ['-t', fs.fstype, fs.fstype, fs.target], { stdio: 'pipe' });
      mounted.push(fs.target);
    } catch (e: unknown) {
      throw new MountError('E_MOUNT', `cannot mount ${fs.fstype} on ${fs.target}`, { cause: e });
    }
  }
  return mounted;
}
