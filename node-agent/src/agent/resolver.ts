/** Pod facts -> where the pod is on this node (cgroups, processes, host veth). */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { cgroupId, cgroupV2Root } from '../kernel/cgroup.js';
import { firstPodNetns, hostLinkIndex, hostVethsOfPid, type HostLink } from '../kernel/netdev.js';
import { cgroupPids, containerCgroups, findKubepodsRoots, podDirIn, podDirIndex } from '../kernel/pod-cgroups.js';
import { UNRESOLVED, type PodFacts, type PodResolution } from './model.js';

/**
 * One round (a reconcile) scans the kubepods directories and the host's links
 * once; per pod it then reads its own directory and processes. A pod's veths
 * are looked up again only when the namespace of the process they were found
 * through changes (a new sandbox).
 */
export class PodResolver {
  private roots: string[] = [];
  private links: ReadonlyMap<number, HostLink> = new Map();
  private dirs: ReadonlyMap<string, string> = new Map();
  private rescanned = false;
  private readonly veths = new Map<string, { readonly netns: number; readonly veths: readonly HostLink[] }>();

  constructor(private readonly log: LogFn, private readonly cgroupRoot: string = cgroupV2Root()) {}

  /** Once per reconcile: the host's interfaces and the pod directories (one scan for all pods). */
  beginRound(): void {
    this.links = hostLinkIndex();
    this.dirs = podDirIndex(this.roots);
    this.rescanned = false;
  }

  /** Forget pods no longer planned. */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of this.veths.keys()) if (!uids.has(uid)) this.veths.delete(uid);
  }

  private podDir(uid: string): string | null {
    const found = podDirIn(this.dirs, uid);
    if (found !== null || this.rescanned) return found;
    // Not under the known roots: look for kubepods roots again, once per round.
    this.rescanned = true;
    this.roots = findKubepodsRoots(this.cgroupRoot);
    this.dirs = podDirIndex(this.roots);
    return podDirIn(this.dirs, uid);
  }

  private podVeths(uid: string, pids: readonly number[]): readonly HostLink[] {
    const ns = firstPodNetns(pids);
    if (ns === null) return [];
    const known = this.veths.get(uid);
    if (known?.netns === ns.inode && known.veths.length > 0 && known.veths.every((v) => this.links.get(v.ifindex)?.name === v.name)) return known.veths;
    const veths = hostVethsOfPid(ns.pid, this.links);
    this.veths.set(uid, { netns: ns.inode, veths });
    return veths;
  }

  resolve(facts: PodFacts): PodResolution {
    try {
      const path = this.podDir(facts.uid);
      if (path === null) return UNRESOLVED;
      const pod = { path, id: cgroupId(path) };
      const pids = cgroupPids(pod.path);
      return {
        podCgroup: pod,
        containers: containerCgroups(pod),
        pids,
        veths: facts.hostNetwork ? [] : this.podVeths(facts.uid, pids),
      };
    } catch (e: unknown) {
      // A pod vanishing while we look is normal: report unresolved, retry later.
      this.log('debug', 'pod resolution failed', { pod: `${facts.namespace}/${facts.name}`, error: errorMessage(e) });
      return UNRESOLVED;
    }
  }
}
