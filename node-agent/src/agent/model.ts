/**
 * The node agent's view of a pod: what Kubernetes says about it (facts) and
 * what the node says (resolution: cgroups, processes, host veth).
 */
import type { ContainerCgroup, CgroupRef } from '../kernel/pod-cgroups.js';
import type { ObservedCondition } from '../report/types.js';

export interface PodFacts {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly podIPs: readonly string[];
  readonly hostNetwork: boolean;
  /** Terminal pods (Succeeded/Failed) need no protection. */
  readonly terminal: boolean;
  readonly containerNames: Readonly<Record<string, string>>; // containerId -> name
  /** The ziriz.io/protected condition as the informer last saw it (so restarts do not rewrite it). */
  readonly protectedCondition: ObservedCondition | null;
}

export interface PodResolution {
  readonly podCgroup: CgroupRef | null;
  readonly containers: readonly ContainerCgroup[];
  readonly pids: readonly number[];
  /** The host ends of the pod's veths. */
  readonly veths: readonly { readonly ifindex: number; readonly name: string }[];
}

export const UNRESOLVED: PodResolution = { podCgroup: null, containers: [], pids: [], veths: [] };
