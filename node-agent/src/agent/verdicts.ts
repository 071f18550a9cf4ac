/** Kernel records -> Verdicts (pure, given the attribution). */
import { RULE_NOT_VISIBLE, Verdict as KV } from '../../../core/abi/enums.js';
import type { EgressRecord, LsmRecord } from '../bpf/records.js';
import { LsmHook } from '../../../core/abi/enums.js';
import { formatAddr } from '../bpf/records.js';
import type { Verdict } from '../report/types.js';
import type { RuleInfo } from '../../../core/policy/compiled.js';
import { ruleOf, type Attribution } from './attribution.js';
import type { PodPlan } from './desired.js';

const PROTO: Readonly<Record<number, string>> = { 6: 'TCP', 17: 'UDP' };

function explain(plan: PodPlan | undefined, rule: RuleInfo | undefined): string {
  if (plan?.error !== undefined) return `the pod's policies do not compile, so everything covered is denied: ${plan.error}`;
  if (rule === undefined) return 'no rule allows it';
  if (rule.kind === 'default') return `not allowed by ${rule.policy} (${rule.path} allows other destinations only)`;
  return `${rule.kind === 'deny' ? 'denied' : 'matched'} by ${rule.path} of ${rule.policy}`;
}

/** What every verdict of an egress record says: who, where to, and what the pod's set does to a denial. */
function egressBase(r: EgressRecord, attr: Attribution, now: Date, plan: PodPlan | undefined): Omit<Verdict, 'reason' | 'policy' | 'rule' | 'why'> {
  const container = attr.container(r.hdr.cgroupId);
  return {
    kind: 'egress',
    time: now,
    verdict: r.verdict === KV.DENY ? 'deny' : 'audit',
    pod: plan ? attr.identityOf(plan) : null,
    ...(container ? { container } : {}),
    pid: r.hdr.pid,
    uid: r.hdr.uid,
    comm: r.hdr.comm,
    cgroupId: r.hdr.cgroupId,
    target: `${r.family === 10 ? `[${r.daddr}]` : r.daddr}:${r.dport}/${PROTO[r.proto] ?? String(r.proto)}`,
    ...(plan?.set ? { action: plan.set.action } : {}),
  };
}

/**
 * A TCP connect refused by the visibility gate: the process's calls cannot
 * be seen (`why`: what it is, from the probe manager, when known).
 */
function notVisibleVerdict(r: EgressRecord, attr: Attribution, now: Date, why: string | undefined): Verdict {
  const plan = attr.plan(r.hdr.identityId);
  const deny = r.verdict === KV.DENY;
  return {
    ...egressBase(r, attr, now, plan),
    reason: deny ? 'CallNotVisible' : 'CallNotVisibleAudited',
    policy: plan?.set?.policies.map((p) => `${p.namespace}/${p.name}`).join(', ') ?? '',
    rule: 'spec.visibility',
    why: `ziriz cannot see the calls of ${r.hdr.comm} (${why ?? 'a program ziriz has no probe for'}): its TCP connects are ${deny ? 'refused' : 'reported'} while the pod's calls are judged; spec.visibility: EgressOnly accepts egress-only protection for it`,
  };
}

export function egressVerdict(r: EgressRecord, attr: Attribution, now: Date, blindness?: (pid: number) => string | undefined): Verdict | null {
  if (r.verdict !== KV.DENY && r.verdict !== KV.AUDIT) return null;
  if (r.ruleId === RULE_NOT_VISIBLE) return notVisibleVerdict(r, attr, now, blindness?.(r.hdr.pid));
  const plan = attr.plan(r.hdr.identityId);
  const rule = ruleOf(plan?.set ?? null, r.ruleId, 'egress');
  const peer = attr.peer(r.daddr);
  const where = r.hdr.op === 2 ? ` (packet dropped on the pod's veth, ifindex ${r.ifindex})` : '';
  return {
    ...egressBase(r, attr, now, plan),
    reason: r.verdict === KV.DENY ? 'EgressBlocked' : 'EgressAudited',
    policy: rule?.policy ?? '',
    rule: rule?.path ?? 'spec.egress',
    why: `${explain(plan, rule)}${where}`,
    ...(peer && 'pod' in peer ? { peer } : {}),
    ...(peer && !('pod' in peer) ? { detail: { peerPod: `${peer.namespace}/${peer.name}` } } : {}),
  };
}

/** ziriz_lsm_event.hdr.flags: enforced by killing at exec (no BPF LSM on this kernel). */
export const LSM_FLAG_EXEC_KILL = 1;

function socketTarget(r: LsmRecord): string {
  // path[] carries the 16 address bytes, hdr.flags the port (lsm_socket_connect.bpf.c)
  const addr = Buffer.alloc(16);
  Buffer.from(r.path, 'latin1').copy(addr);
  const v4 = addr.subarray(4).every((b) => b === 0);
  const ip = formatAddr(v4 ? 2 : 10, addr);
  return `${v4 ? ip : `[${ip}]`}:${r.hdr.flags}`;
}

function lsmKind(r: LsmRecord, deny: boolean): Pick<Verdict, 'reason' | 'kind'> {
  if (r.hook === LsmHook.SOCKET_CONNECT) return { reason: deny ? 'EgressBlocked' : 'EgressAudited', kind: 'egress' };
  if (r.hook === LsmHook.BPRM_CHECK) return { reason: deny ? 'ExecBlocked' : 'ExecAudited', kind: 'exec' };
  return { reason: deny ? 'FileOpenBlocked' : 'FileOpenAudited', kind: 'file' };
}

/** LSM (or exec-kill substitute) records -> Verdicts. */
export function lsmVerdict(r: LsmRecord, attr: Attribution, now: Date): Verdict | null {
  if (r.verdict !== KV.DENY && r.verdict !== KV.AUDIT) return null;
  const plan = attr.plan(r.hdr.identityId);
  const deny = r.verdict === KV.DENY;
  const rule = plan?.set ? plan.set.rules[r.ruleId] : undefined;
  const container = attr.container(r.hdr.cgroupId);
  const socket = r.hook === LsmHook.SOCKET_CONNECT;
  const killed = !socket && (r.hdr.flags & LSM_FLAG_EXEC_KILL) !== 0;
  const what = socket ? 'refused by the socket_connect LSM hook' : `${r.hook === LsmHook.BPRM_CHECK ? 'executable' : 'path'} on the deny list`;
  return {
    ...lsmKind(r, deny),
    time: now,
    verdict: deny ? 'deny' : 'audit',
    pod: plan ? attr.identityOf(plan) : null,
    ...(container ? { container } : {}),
    pid: r.hdr.pid, uid: r.hdr.uid, comm: r.hdr.comm, cgroupId: r.hdr.cgroupId,
    policy: rule?.policy ?? '',
    rule: rule?.path ?? '',
    why: `${what} (${rule?.path ?? 'policy'})${killed ? '; killed at exec: BPF LSM is not available on this node' : ''}`,
    target: socket ? socketTarget(r) : r.path,
    ...(killed ? { action: 'Kill' as const } : deny ? { action: 'Block' as const } : {}),
  };
}
