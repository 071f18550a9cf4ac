/**
 * Where a pod's cgroups are: the kubelet names a pod's cgroup after its UID,
 * "pod<uid>" with the cgroupfs driver and "kubepods-<qos>-pod<uid_>.slice"
 * with the systemd driver, somewhere under a kubepods cgroup (whose own place
 * depends on the kubelet's cgroupRoot). Container cgroups are its children.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupId } from './cgroup.js';

export interface CgroupRef {
  readonly path: string;
  readonly id: bigint;
}

export interface ContainerCgroup extends CgroupRef {
  /** Container id as the runtime named the cgroup (cri-containerd-<id>.scope, or <id>). */
  readonly containerId: string;
}

/** Every spelling of a pod's cgroup directory name. */
export function podCgroupNames(uid: string): string[] {
  const u = uid.replace(/-/g, '_');
  return [`pod${uid}`, `kubepods-pod${u}.slice`, `kubepods-burstable-pod${u}.slice`, `kubepods-besteffort-pod${u}.slice`];
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/** Directories named kubepods / kubepods.slice under root (depth-bounded search). */
export function findKubepodsRoots(root: string, maxDepth = 4): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of subdirs(dir)) {
      const p = join(dir, name);
      if (name === 'kubepods' || name === 'kubepods.slice') out.push(p);
      else if (depth < maxDepth && !name.startsWith('pod') && !name.includes('-pod')) walk(p, depth + 1);
    }
  };
  walk(root, 1);
  return out;
}

/** The pod's cgroup under one of the kubepods roots (QoS levels included), or null. */
export function findPodCgroup(kubepodsRoots: readonly string[], uid: string): CgroupRef | null {
  const names = new Set(podCgroupNames(uid));
  for (const root of kubepodsRoots) {
    const candidates = [root, ...subdirs(root).filter((n) => !names.has(n)).map((n) => join(root, n))];
    for (const dir of candidates) {
      for (const n of subdirs(dir)) {
        if (names.has(n)) {
          const path = join(dir, n);
          return { path, id: cgroupId(path) };
        }
      }
    }
  }
  return null;
}

/** "cri-containerd-<id>.scope" / "docker-<id>.scope" / "<id>" -> "<id>". */
export function containerIdOf(cgroupName: string): string {
  const m = /^(?:[a-z-]+-)?([0-9a-f]{64})(?:\.scope)?$/.exec(cgroupName);
  return m?.[1] ?? cgroupName;
}

export function containerCgroups(pod: CgroupRef): ContainerCgroup[] {
  return subdirs(pod.path).map((name) => {
    const path = join(pod.path, name);
    return { path, id: cgroupId(path), containerId: containerIdOf(name) };
  });
}

/** Processes in a cgroup and its descendants (bounded depth). */
export function cgroupPids(dir: string, depth = 3): number[] {
  let pids: number[];
  try {
    pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  if (depth > 0) for (const n of subdirs(dir)) pids = pids.concat(cgroupPids(join(dir, n), depth - 1));
  return pids;
}

export function exists(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
