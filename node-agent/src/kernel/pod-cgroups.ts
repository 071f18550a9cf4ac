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
  const path = podDirIn(podDirIndex(kubepodsRoots), uid);
  return path === null ? null : { path, id: cgroupId(path) };
}

/**
 * Every pod-level directory under the kubepods roots (QoS levels included),
 * by directory name: one scan for all pods of a round instead of one per pod.
 */
export function podDirIndex(kubepodsRoots: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const add = (dir: string, name: string): boolean => {
    if (!isPodDirName(name)) return false;
    out.set(name, join(dir, name));
    return true;
  };
  for (const root of kubepodsRoots) {
    for (const n of subdirs(root)) {
      if (add(root, n)) continue;
      const qos = join(root, n);
      for (const m of subdirs(qos)) add(qos, m);
    }
  }
  return out;
}

function isPodDirName(n: string): boolean {
  return n.startsWith('pod') || /-pod[0-9a-f_]+\.slice$/.test(n);
}

/** The pod's cgroup directory in an index from podDirIndex, or null. */
export function podDirIn(index: ReadonlyMap<string, string>, uid: string): string | null {
  for (const n of podCgroupNames(uid)) {
    const p = index.get(n);
    if (p !== undefined) return p;
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
