/**
 * The host end of a pod's veth. Inside the pod's network namespace, a veth's
 * IFLA_LINK is the ifindex of its peer in the host namespace; the host peer's
 * own IFLA_LINK points back. Both ends are read with rtnetlink (the addon
 * opens a socket inside the namespace of /proc/<pid>/ns/net), so the pod is
 * found as soon as runc has joined its namespace, before the container has
 * mounted its /sys, and whether or not it ever does.
 */
import { statSync } from 'node:fs';
import { native } from '../bpf/errors.js';
import { binding, type NetnsLink } from '../bpf/native.js';

export interface HostLink {
  readonly ifindex: number;
  readonly name: string;
  /** The peer's ifindex in its namespace (veth), 0 when none. */
  readonly peer: number;
}

/** The interfaces of the network namespace at `path` (e.g. /proc/<pid>/ns/net). */
export function netnsLinks(path: string): NetnsLink[] {
  return native(() => binding().netnsLinks(path));
}

/** Every interface of this (the host's) network namespace, by ifindex. */
export function hostLinkIndex(): Map<number, HostLink> {
  return new Map(netnsLinks('/proc/self/ns/net').map((l) => [l.ifindex, { ifindex: l.ifindex, name: l.name, peer: l.link }] as const));
}

function netnsInode(pid: number | 'self'): number | null {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino;
  } catch {
    return null;
  }
}

/**
 * Pure: the host ends of the pod-side interfaces `podLinks`: a pod interface
 * whose peer is in another namespace, and a host interface that is that peer
 * and names the pod interface back (so an index that merely exists on the
 * host is never taken for the peer).
 */
export function hostPeers(podLinks: readonly NetnsLink[], hostLinks: ReadonlyMap<number, HostLink>): HostLink[] {
  return podLinks.flatMap((l) => {
    if (!l.otherNs || l.link <= 0) return [];
    const host = hostLinks.get(l.link);
    return host?.peer === l.ifindex ? [host] : [];
  });
}

/**
 * The first of the pod's processes (at most `tries`) that is in a network
 * namespace other than the host's, with that namespace's inode. Processes
 * still in the host's (runc's init before it joined the pod's, a
 * host-network pod) are passed over; so are pids that are gone.
 */
export function firstPodNetns(pids: readonly number[], tries = 4): { pid: number; inode: number } | null {
  const host = netnsInode('self');
  for (const pid of pids.slice(0, tries)) {
    const inode = netnsInode(pid);
    if (inode !== null && inode !== host) return { pid, inode };
  }
  return null;
}

/** Host-side peers of the pod's interfaces, through process `pid` of the pod (none when it is in the host's namespace or gone). */
export function hostVethsOfPid(pid: number, hostLinks: ReadonlyMap<number, HostLink>): HostLink[] {
  if (firstPodNetns([pid]) === null) return [];
  let podLinks: NetnsLink[];
  try {
    podLinks = netnsLinks(`/proc/${pid}/ns/net`);
  } catch {
    return []; // the process exited between the two looks
  }
  return hostPeers(podLinks, hostLinks);
}

/** The pod's host veths through the first of its processes in a namespace of its own. */
export function hostVethsOfPod(pids: readonly number[], hostLinks: ReadonlyMap<number, HostLink>, tries = 4): HostLink[] {
  const ns = firstPodNetns(pids, tries);
  return ns === null ? [] : hostVethsOfPid(ns.pid, hostLinks);
}
