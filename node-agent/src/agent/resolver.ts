/** Pod facts -> where the pod is on this node (cgroups, processes, host veth). */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { cgroupV2Root } from '../kernel/cgroup.js';
import { hostLinkIndex, hostVethsOfPod, type HostLink } from '../kernel/netdev.js';
import { cgroupPids, containerCgroups, findKubepodsRoots, findPodCgroup } from '../kernel/pod-cgroups.js';
import { UNRESOLVED, type PodFacts, type PodResolution } from './model.js';

export class PodResolver {
  private roots: string[] = [];
  private links: ReadonlyMap<number, HostLink> = new Map();

  constructor(private readonly log: LogFn, private readonly cgroupRoot: string = cgroupV2Root()) {}

  /** Once per reconcile: the host's interfaces (one directory scan for all pods). */
  beginRound(): void {
    this.links = hostLinkIndex();
  }

  resolve(facts: PodFacts): PodResolution {
    try {
      let pod = findPodCgroup(this.roots, facts.uid);
      if (!pod) {
        this.roots = findKubepodsRoots(this.cgroupRoot);
        pod = findPodCgroup(this.roots, facts.uid);
      }
      if (!pod) return UNRESOLVED;
      const pids = cgroupPids(pod.path);
      return {
        podCgroup: pod,
        containers: containerCgroups(pod),
        pids,
        veths: facts.hostNetwork ? [] : hostVethsOfPod(pids, this.links),
      };
    } catch (e: unknown) {
      // A pod vanishing while we look is normal: report unresolved, retry later.
      this.log('debug', 'pod resolution failed', { pod: `${facts.namespace}/${facts.name}`, error: errorMessage(e) });
      return UNRESOLVED;
    }
  }
}
