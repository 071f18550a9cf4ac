/**
 * Host state the node changes and the harness must give back: kernel sysctls
 * the kubelet and the CNI bridge set, cgroup directories, mounts under the
 * cluster's directory, the pod bridge and its veths.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, tryRun } from './exec.js';

/** Sysctls the kubelet (setupKernelTunables) and the bridge plugin (ip_forward) change. */
export const touchedSysctls = [
  'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes', 'net/ipv4/ip_forward',
] as const;

export function saveSysctls(): Record<string, string> {
  const saved: Record<string, string> = {};
  for (const key of touchedSysctls) saved[key] = readFileSync(`/proc/sys/${key}`, 'utf8').trim();
  return saved;
}

export function restoreSysctls(saved: Readonly<Record<string, string>>): string[] {
  const failed: string[] = [];
  for (const [key, value] of Object.entries(saved)) {
    try {
      if (readFileSync(`/proc/sys/${key}`, 'utf8').trim() !== value) writeFileSync(`/proc/sys/${key}`, value);
    } catch {
      failed.push(`sysctl ${key}`);
    }
  }
  return failed;
}

const cgroupMount = '/sys/fs/cgroup';

/** Every cgroup hierarchy root on this machine: the v1 controllers and the v2 tree ('unified'). */
export function cgroupHierarchies(): string[] {
  return readdirSync(cgroupMount, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(cgroupMount, d.name, 'cgroup.procs')))
    .map((d) => join(cgroupMount, d.name));
}

/** Create /<name> in every hierarchy (the kubelet's cgroupRoot must exist); returns those it made. */
export function createCgroupRoot(name: string): string[] {
  const made: string[] = [];
  for (const h of cgroupHierarchies()) {
    const dir = join(h, name);
    if (!existsSync(dir)) { mkdirSync(dir); made.push(dir); }
  }
  return made;
}

/** SIGKILL every process in a cgroup v2 tree (cgroup.kill) and wait until it is empty. */
export async function killCgroupTree(dir: string, timeoutMs = 10_000): Promise<void> {
  if (!existsSync(join(dir, 'cgroup.kill'))) return;
  writeFileSync(join(dir, 'cgroup.kill'), '1');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(join(dir, 'cgroup.events'), 'utf8').includes('populated 0')) return;
    await sleep(100);
  }
}

/** rmdir a cgroup tree bottom-up; returns the directories that could not be removed. */
export function removeCgroupTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const left: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) left.push(...removeCgroupTree(join(dir, entry.name)));
  }
  try { rmdirSync(dir); } catch { left.push(dir); }
  return left;
}

/** Mount points at or under `prefix`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(prefix: string): string[] {
  const unescape = (s: string): string => s.replace(/\\(\d{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mp) => mp === prefix || mp.startsWith(`${prefix}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmount everything under `prefix` (lazily when busy); returns what is still mounted. */
export async function unmountUnder(prefix: string): Promise<string[]> {
  for (let round = 0; round < 3; round++) {
    const mps = mountsUnder(prefix);
    if (mps.length === 0) return [];
    for (const mp of mps) {
      if (!(await tryRun('umount', [mp], 10_000))) await tryRun('umount', ['-l', mp], 10_000);
    }
  }
  return mountsUnder(prefix);
}

/** Interfaces enslaved to `bridge` (the host ends of pod veths). */
export async function bridgePorts(bridge: string): Promise<string[]> {
  const out = await tryRun('ip', ['-o', 'link', 'show', 'master', bridge]);
  if (!out) return [];
  return out.stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((n): n is string => !!n);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await tryRun('ip', ['link', 'show', 'dev', name])) !== undefined;
}

/** Create the pod bridge with the gateway address (the CNI bridge plugin then reuses it). */
export async function createBridge(bridge: string, gatewayCidr: string): Promise<void> {
  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', gatewayCidr, 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
}

/** Delete the bridge and any veth still attached to it; returns what is left. */
export async function removeBridge(bridge: string): Promise<string[]> {
  for (const port of await bridgePorts(bridge)) await tryRun('ip', ['link', 'del', port]);
  if (await linkExists(bridge)) await tryRun('ip', ['link', 'del', bridge]);
  return (await linkExists(bridge)) ? [`interface ${bridge}`] : [];
}
