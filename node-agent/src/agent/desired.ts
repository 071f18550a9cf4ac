/**
 * What the kernel maps must hold for the pods on this node: a pure function
 * of the pods (facts + resolution), the AgentPolicies and the pod IPs of the
 * cluster (for egress rules naming pods by selector). Pods whose policies do
 * not compile fail closed: every covered category denies (DENY_ALL_POLICY_ID).
 */
import { Action, Cover, Role } from '../../../core/abi/enums.js';
import { encodeStruct } from '../../../core/abi/codec.js';
import { ziriz_ip_key, ziriz_pod_uid_key } from '../../../core/abi/structs.js';
import { AF_INET, AF_INET6 } from '../../../core/abi/enums.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import { scopeOf } from '../../../core/identity/scope.js';
import { parseIp } from '../../../core/policy/cidr.js';
import { compile } from '../../../core/policy/compile.js';
import type { ProbeWants } from '../calls/targets.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { policySetDigest } from '../../../core/policy/digest.js';
import { callEntries } from '../../../core/policy/kernel/calls.js';
import { encodeCallEntry, encodeEgressEntry, encodeIdentityValue } from '../../../core/policy/kernel/codec.js';
import { egressEntries, selectorPeerMatches } from '../../../core/policy/kernel/egress.js';
import { identityValue } from '../../../core/policy/kernel/identity.js';
import { lsmEntries } from '../../../core/policy/kernel/lsm.js';
import type { IdentityValue, MapEntryBytes } from '../../../core/policy/kernel/types.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import type { HookName } from '../report/types.js';
import { DENY_ALL_POLICY_ID, type IdAllocator } from './ids.js';
import type { PodFacts, PodResolution } from './model.js';

export interface PeerPod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly podIPs: readonly string[];
  /** Its IPs are the node's: they name no pod (reachable there, but a caller from there is not this pod). */
  readonly hostNetwork?: boolean;
}

export interface DesiredInput {
  readonly pods: readonly { readonly facts: PodFacts; readonly resolution: PodResolution }[];
  readonly policies: readonly AgentPolicy[];
  readonly peers: readonly PeerPod[];
  readonly ownNamespace: string;
  readonly namespaceLabels: (ns: string) => Readonly<Record<string, string>>;
  readonly ids: { readonly policy: IdAllocator; readonly identity: IdAllocator };
}

export interface PodPlan {
  readonly facts: PodFacts;
  readonly resolution: PodResolution;
  readonly role: 'agent' | 'mcp-server';
  readonly identityId: number;
  readonly policyId: number;
  readonly set: CompiledPolicySet | null;
  readonly digest: string;
  /** Why the policies did not compile (the pod is then denied everything covered). */
  readonly error?: string;
  readonly identity: IdentityValue;
  readonly needs: readonly HookName[];
}

export interface DesiredKernel {
  /** cgroup id (decimal string) -> identity value bytes: pod cgroup and its containers. */
  readonly identities: Map<string, Buffer>;
  readonly podUids: Map<string, MapEntryBytes>;
  readonly podIps: Map<string, MapEntryBytes>;
  readonly egress: Map<string, MapEntryBytes>;
  readonly calls: Map<string, MapEntryBytes>;
  /** host ifindex -> pod uid, for TC. */
  readonly tc: Map<number, string>;
  readonly plans: Map<string, PodPlan>;
  readonly sets: Map<number, CompiledPolicySet>;
}

const ALL_COVERED = Cover.EGRESS | Cover.MCP | Cover.A2A | Cover.HTTP;

function keyHex(b: MapEntryBytes): string {
  return b.key.toString('hex');
}

const covers = (set: CompiledPolicySet, c: 'egress' | 'mcp' | 'a2a' | 'http'): boolean => set.coverage[c].enforce !== undefined || set.coverage[c].audit !== undefined;

/** Which sides of a pod's calls its probes judge: what it sends (its policies), what it receives (their inbound rules). */
export function probeWants(set: CompiledPolicySet | null): ProbeWants {
  if (set === null) return { outbound: false, inbound: false };
  return { outbound: covers(set, 'mcp') || covers(set, 'a2a') || covers(set, 'http'), inbound: set.inbound !== undefined };
}

function needsOf(set: CompiledPolicySet | null, facts: PodFacts): HookName[] {
  if (set === null) return ['egress-cgroup'];
  const needs: HookName[] = [];
  if (covers(set, 'egress')) needs.push('egress-cgroup', ...(facts.hostNetwork ? [] : ['egress-tc' as const]));
  const w = probeWants(set);
  // exec-hold: a new process of the pod is stopped until its probes are attached (else it runs unprobed a while);
  // fork-hold: the same for a child forked without exec (else it runs with none of its parent's pid-filtered probes)
  if (w.outbound || w.inbound) needs.push('tls-uprobes', 'exec-hold', 'fork-hold');
  if (set.process.length > 0 || set.files.length > 0) needs.push('lsm-file-exec-socket');
  return needs;
}

function ipKey(ip: string): Buffer | null {
  const p = parseIp(ip);
  if (!p) return null;
  const addr = Buffer.alloc(16);
  Buffer.from(p.addr).copy(addr);
  return encodeStruct(ziriz_ip_key, { family: p.family === 4 ? AF_INET : AF_INET6, addr });
}

/** compile() per distinct set of selecting policies, once per reconcile. */
type CompileCache = Map<string, { set: CompiledPolicySet; digest: string } | { error: string }>;

function compiled(cache: CompileCache, selecting: readonly AgentPolicy[]): { set: CompiledPolicySet; digest: string } | { error: string } {
  const key = selecting.map((p) => `${p.namespace}/${p.name}@${String(p.generation ?? '')}`).join('|');
  let hit = cache.get(key);
  if (!hit) {
    try {
      const set = compile(selecting);
      hit = { set, digest: policySetDigest(set) };
    } catch (e: unknown) {
      hit = { error: errorMessage(e) };
    }
    cache.set(key, hit);
  }
  return hit;
}

function planPod(input: DesiredInput, facts: PodFacts, resolution: PodResolution, cache: CompileCache): PodPlan | null {
  const scope = scopeOf(facts, { namespaceLabels: input.namespaceLabels(facts.namespace), policies: input.policies, ownNamespace: input.ownNamespace });
  if (!scope.inScope || facts.terminal) return null;
  const identityId = input.ids.identity.id(facts.uid);
  const role = scope.role === 'agent' ? Role.AGENT : Role.MCP_SERVER;
  const c = compiled(cache, scope.selecting);
  if ('error' in c) {
    const identity: IdentityValue = { identityId, policyId: DENY_ALL_POLICY_ID, coverEnforce: ALL_COVERED, coverAudit: 0, role, action: Action.BLOCK };
    return { facts, resolution, role: scope.role, identityId, policyId: DENY_ALL_POLICY_ID, set: null, digest: '', error: c.error, identity, needs: needsOf(null, facts) };
  }
  const { set, digest } = c;
  const policyId = input.ids.policy.id(digest);
  return { facts, resolution, role: scope.role, identityId, policyId, set, digest, identity: identityValue(set, { identityId, policyId, role }), needs: needsOf(set, facts) };
}

function peerIps(input: DesiredInput): (sp: Parameters<typeof selectorPeerMatches>[0]) => string[] {
  return (sp) => input.peers.filter((p) => selectorPeerMatches(sp, p)).flatMap((p) => [...p.podIPs]);
}

export function desiredKernel(input: DesiredInput): DesiredKernel {
  const out: DesiredKernel = {
    identities: new Map(), podUids: new Map(), podIps: new Map(), egress: new Map(), calls: new Map(), tc: new Map(), plans: new Map(), sets: new Map(),
  };
  const resolve = peerIps(input);
  const cache: CompileCache = new Map();
  for (const { facts, resolution } of input.pods) {
    const plan = planPod(input, facts, resolution, cache);
    if (!plan) continue;
    out.plans.set(facts.uid, plan);
    const value = encodeIdentityValue(plan.identity);
    out.podUids.set(facts.uid, { key: encodeStruct(ziriz_pod_uid_key, { uid: Buffer.from(facts.uid) }), value });
    if (plan.resolution.podCgroup) out.identities.set(String(plan.resolution.podCgroup.id), value);
    for (const c of plan.resolution.containers) out.identities.set(String(c.id), value);
    // A host-network pod's IP is the node's: it names no pod (every host process would pass as this one).
    for (const ip of facts.hostNetwork ? [] : facts.podIPs) {
      const key = ipKey(ip);
      if (key) out.podIps.set(key.toString('hex'), { key, value });
    }
    if (plan.needs.includes('egress-tc')) for (const v of plan.resolution.veths) out.tc.set(v.ifindex, facts.uid);
    if (plan.set && !out.sets.has(plan.policyId)) {
      out.sets.set(plan.policyId, plan.set);
      for (const e of egressEntries(plan.set, plan.policyId, resolve).map(encodeEgressEntry)) out.egress.set(keyHex(e), e);
      const inbound = plan.set.inbound ? callEntries(plan.set.inbound, plan.policyId, { inbound: true }) : [];
      for (const e of [...callEntries(plan.set, plan.policyId), ...inbound, ...lsmEntries(plan.set, plan.policyId)].map(encodeCallEntry)) out.calls.set(keyHex(e), e);
    }
  }
  return out;
}
