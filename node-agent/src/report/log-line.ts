/**
 * One JSON object per verdict (stdout), with full identity. Redaction: the
 * line carries what the Verdict names (target, rule, why) and `detail` (e.g.
 * an arguments digest), never argument values of its own.
 */
import type { PodIdentity, Verdict } from './types.js';

function podFields(p: PodIdentity | null): Record<string, string | null> {
  return {
    namespace: p?.namespace ?? null,
    pod: p?.pod ?? null,
    podUid: p?.uid ?? null,
    owner: p?.owner ?? null,
    serviceAccount: p?.serviceAccount ?? null,
    identity: p?.identity ?? null,
    role: p?.role ?? null,
  };
}

/** The fields of a verdict's JSON line (key order is the line's). */
export function verdictRecord(v: Verdict, node: string): Record<string, unknown> {
  return {
    time: v.time.toISOString(),
    msg: 'verdict',
    node,
    kind: v.kind,
    verdict: v.verdict,
    reason: v.reason,
    action: v.verdict === 'audit' ? 'Audit' : v.action ?? 'Block',
    target: v.target,
    policy: v.policy,
    rule: v.rule,
    why: v.why,
    pid: v.pid,
    uid: v.uid,
    comm: v.comm,
    cgroup: v.cgroupId.toString(),
    container: v.container?.name ?? null,
    containerId: v.container?.id ?? null,
    ...podFields(v.pod),
    peer: v.peer ? { namespace: v.peer.namespace, pod: v.peer.pod, identity: v.peer.identity, owner: v.peer.owner, serviceAccount: v.peer.serviceAccount } : null,
    ...(v.detail ? { detail: { ...v.detail } } : {}),
  };
}

/** The line itself, newline-terminated. */
export function verdictLine(v: Verdict, node: string): string {
  return `${JSON.stringify(verdictRecord(v, node))}\n`;
}
