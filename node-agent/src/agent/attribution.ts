/**
 * Who did it and which rule said no: kernel records carry a cgroup id, an
 * identity id (a pod of this node) and a rule id (an index into the pod's
 * compiled set); this turns them into names a person reads.
 */
import { formatWorkload, owningWorkload } from '../../../core/identity/identity.js';
import { ANNOTATION_OWNER, IDENTITY_LABEL } from '../../../core/identity/contract.js';
import type { CompiledPolicySet, RuleInfo } from '../../../core/policy/compiled.js';
import type { PodIdentity } from '../report/types.js';
import { cgroupDirOfPid, cgroupId } from '../kernel/cgroup.js';
import type { ProbeWants } from '../calls/targets.js';
import { probeWants, type PodPlan } from './desired.js';
import type { PeerPod } from './desired.js';

export interface PeerIdentity {
  readonly namespace: string;
  readonly name: string;
}

export class Attribution {
  private byIdentity = new Map<number, PodPlan>();
  private byCgroup = new Map<string, { plan: PodPlan; container?: { name: string; id: string } }>();
  private byIp = new Map<string, PodIdentity | PeerIdentity>();
  private labelsByIp = new Map<string, { namespace: string; labels: Readonly<Record<string, string>> }>();

  constructor(private readonly node: string) {}

  update(plans: ReadonlyMap<string, PodPlan>, peers: readonly (PeerPod & { name: string })[]): void {
    this.byIdentity = new Map([...plans.values()].map((p) => [p.identityId, p]));
    this.byCgroup = new Map();
    this.byIp = new Map();
    this.labelsByIp = new Map();
    for (const peer of peers) {
      // A host-network pod's IP is the node's: it names no pod, neither in reports nor as a caller.
      if (peer.hostNetwork === true) continue;
      for (const ip of peer.podIPs) {
        this.byIp.set(ip, { namespace: peer.namespace, name: peer.name });
        this.labelsByIp.set(ip, { namespace: peer.namespace, labels: peer.labels });
      }
    }
    for (const plan of plans.values()) {
      const pod = plan.resolution.podCgroup;
      if (pod) this.byCgroup.set(String(pod.id), { plan });
      for (const c of plan.resolution.containers) {
        this.byCgroup.set(String(c.id), { plan, container: { name: plan.facts.containerNames[c.containerId] ?? '', id: c.containerId } });
      }
      if (plan.facts.hostNetwork) continue; // its IP is the node's (see above)
      for (const ip of plan.facts.podIPs) {
        this.byIp.set(ip, this.identityOf(plan));
        this.labelsByIp.set(ip, { namespace: plan.facts.namespace, labels: plan.facts.labels });
      }
    }
  }

  identityOf(plan: PodPlan): PodIdentity {
    const f = plan.facts;
    return {
      namespace: f.namespace,
      pod: f.name,
      uid: f.uid,
      serviceAccount: f.serviceAccount,
      owner: f.annotations[ANNOTATION_OWNER] ?? formatWorkload(owningWorkload({ labels: f.labels, name: f.name })),
      identity: f.labels[IDENTITY_LABEL] ?? '',
      role: plan.role,
      node: this.node,
    };
  }

  plan(identityId: number): PodPlan | undefined {
    return this.byIdentity.get(identityId);
  }

  /** The identity id of the pod a cgroup (pod or container) belongs to; 0 when no known pod. */
  identityOfCgroup(cgroupId: bigint): number {
    return this.byCgroup.get(String(cgroupId))?.plan.identityId ?? 0;
  }

  container(cgroupId: bigint): { name: string; id: string } | undefined {
    return this.byCgroup.get(String(cgroupId))?.container;
  }

  peer(ip: string): PodIdentity | PeerIdentity | undefined {
    return this.byIp.get(ip);
  }

  /** What the policy engine knows of the pod at `ip` (a caller of a server): namespace and labels. */
  peerLabels(ip: string): { readonly namespace: string; readonly labels: Readonly<Record<string, string>> } | undefined {
    return this.labelsByIp.get(ip);
  }

  /**
   * Which sides a process's probes judge, from the pod it runs in. A process
   * of a pod this agent does not know yet (its first program, held at exec
   * before the reconcile) gets both: the kernel judges by the identity the
   * exec program wrote, whatever it covers.
   */
  probeWantsOfPid(pid: number): ProbeWants {
    try {
      const plan = this.byCgroup.get(String(cgroupId(cgroupDirOfPid(pid))))?.plan;
      return plan ? probeWants(plan.set) : { outbound: true, inbound: true };
    } catch {
      return { outbound: true, inbound: true };
    }
  }
}

/** The rule behind a rule id; 0 is the category default (reported as the covering policy's section). */
export function ruleOf(set: CompiledPolicySet | null, ruleId: number, category: 'egress' | 'mcp' | 'a2a' | 'http'): RuleInfo | undefined {
  if (!set) return undefined;
  if (ruleId > 0) return set.rules[ruleId];
  return set.coverage[category].enforce ?? set.coverage[category].audit;
}
