/**
 * The host end of a pod's veth: inside the pod's network namespace, an
 * interface's `iflink` is the ifindex of its peer in the host namespace. The
 * container's own sysfs mount (seen through /proc/<pid>/root) is tagged with
 * the pod's network namespace, so no namespace switch is needed to read it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HostLink {
  readonly ifindex: number;
  readonly name: string;
}

function readInt(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** Every interface of this (the host's) network namespace, by ifindex. */
export function hostLinkIndex(sysNet = '/sys/class/net'): Map<number, HostLink> {
  const out = new Map<number, HostLink>();
  for (const name of readdirSync(sysNet)) {
    const ifindex = readInt(join(sysNet, name, 'ifindex'));
    if (ifindex !== null) out.set(ifindex, { ifindex, name });
  }
  return out;
}

/** Host-side peers of the pod's interfaces (veths), found through process `pid` of the pod. */
export function hostVethsOfPid(pid: number, hostLinks: ReadonlyMap<number, HostLink> = hostLinkIndex()): HostLink[] {
  const podNet = `/proc/${pid}/root/sys/class/net`;
  let names: string[];
  try {
    names = readdirSync(podNet).filter((n) => n !== 'lo');
  } catch {
    return [];
  }
  const out: HostLink[] = [];
  for (const n of names) {
    const iflink = readInt(join(podNet, n, 'iflink'));
    if (iflink === null) continue;
    const host = hostLinks.get(iflink);
    if (host) out.push(host);
  }
  return out;
}
