/**
 * AgentPolicy status: this node's entry in `status.nodes` (server-side
 * applied by each node with its own field manager) and the totals and
 * conditions derived from all entries (written by one writer at a time with
 * optimistic concurrency). Pure functions; see docs/policy.md "Status".
 */
import { clip } from './note.js';
import { metaTime } from './condition.js';
import type { PolicyNodeStatus } from './types.js';

export const POLICY_API_VERSION = 'ziriz.io/v1alpha1';
/** A node entry whose policy failed to compile says so in its message with this prefix. */
export const COMPILE_FAILED = 'compile failed: ';

/** One element of status.nodes (crd.ts). */
export interface NodeEntry {
  readonly nodeName: string;
  readonly observedGeneration: number;
  readonly matchedPods: number;
  readonly enforcedPods: number;
  readonly degradedPods: number;
  readonly degraded: readonly string[];
  readonly message: string;
  readonly lastUpdateTime: string;
}

/** metav1.Condition */
export interface PolicyCondition {
  readonly type: 'Accepted' | 'Enforced';
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
}

/** The part of status one writer derives from `nodes`. */
export interface PolicyTotals {
  readonly observedGeneration: number;
  readonly matchedPods: number;
  readonly enforcedPods: number;
  readonly conditions: readonly PolicyCondition[];
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** This node's entry for `s` at `nowMs`. */
export function nodeEntry(s: PolicyNodeStatus, nowMs: number): NodeEntry {
  const matched = nonNegative(s.matchedPods);
  const enforced = Math.min(matched, nonNegative(s.enforcedPods));
  const message = s.compiled ? '' : `${COMPILE_FAILED}${s.error ?? 'unknown error'}`;
  return {
    nodeName: s.node,
    observedGeneration: nonNegative(s.generation),
    matchedPods: matched,
    enforcedPods: enforced,
    degradedPods: Math.min(enforced, nonNegative(s.degradedPods ?? 0)),
    degraded: [...new Set(s.degraded ?? [])].sort().slice(0, 16).map((h) => h.slice(0, 63)),
    message: clip(message, 1024),
    lastUpdateTime: metaTime(nowMs),
  };
}

/** Equal but for lastUpdateTime: applying `b` over `a` would change nothing that matters. */
export function sameEntry(a: NodeEntry, b: NodeEntry): boolean {
  return a.nodeName === b.nodeName && a.observedGeneration === b.observedGeneration && a.matchedPods === b.matchedPods &&
    a.enforcedPods === b.enforcedPods && a.degradedPods === b.degradedPods && a.message === b.message &&
    a.degraded.length === b.degraded.length && a.degraded.every((h, i) => h === b.degraded[i]);
}

/** The server-side-apply body: only this node's entry (field manager ziriz-node-agent/<node>). */
export function nodeApplyBody(namespace: string, name: string, entry: NodeEntry): Record<string, unknown> {
  return {
    apiVersion: POLICY_API_VERSION,
    kind: 'AgentPolicy',
    metadata: { name, namespace },
    status: { nodes: [entry] },
  };
}

/** A status.nodes element as read back (fields may be missing). */
export interface NodeEntryRead {
  readonly nodeName: string;
  readonly observedGeneration?: number;
  readonly matchedPods?: number;
  readonly enforcedPods?: number;
  readonly degradedPods?: number;
  readonly degraded?: readonly string[];
  readonly message?: string;
  readonly lastUpdateTime?: string;
}

function enforcedCondition(nodes: readonly NodeEntryRead[]): Pick<PolicyCondition, 'status' | 'reason' | 'message'> {
  const matched = nodes.reduce((n, e) => n + (e.matchedPods ?? 0), 0);
  const enforced = nodes.reduce((n, e) => n + (e.enforcedPods ?? 0), 0);
  if (matched === 0) return { status: 'True', reason: 'NoPodsSelected', message: 'no pod selected by this policy on any node' };
  if (enforced < matched) {
    const lagging = nodes.filter((e) => (e.enforcedPods ?? 0) < (e.matchedPods ?? 0))
      .map((e) => `${e.nodeName} ${e.enforcedPods ?? 0}/${e.matchedPods ?? 0}`);
    return { status: 'False', reason: 'PodsUnprotected', message: `${matched - enforced} of ${matched} selected pods not protected: ${lagging.join(', ')}` };
  }
  const degraded = nodes.filter((e) => (e.degradedPods ?? 0) > 0);
  if (degraded.length > 0) {
    const d = degraded.reduce((n, e) => n + (e.degradedPods ?? 0), 0);
    const where = degraded.map((e) => `${e.nodeName}${e.degraded?.length ? ` (${e.degraded.join(', ')})` : ''}`);
    return { status: 'True', reason: 'EnforcedDegraded', message: `${matched} pods enforced, ${d} with degraded hooks: ${where.join(', ')}` };
  }
  return { status: 'True', reason: 'AllPodsEnforced', message: `${matched} pods enforced on ${nodes.filter((e) => (e.matchedPods ?? 0) > 0).length} node(s)` };
}

function acceptedCondition(nodes: readonly NodeEntryRead[]): Pick<PolicyCondition, 'status' | 'reason' | 'message'> {
  const failed = nodes.filter((e) => e.message?.startsWith(COMPILE_FAILED));
  if (failed.length === 0) return { status: 'True', reason: 'Compiled', message: `compiled into the kernel maps of ${nodes.length} node(s)` };
  return { status: 'False', reason: 'CompileFailed', message: failed.map((e) => `${e.nodeName}: ${e.message?.slice(COMPILE_FAILED.length) ?? ''}`).join('; ') };
}

/** Totals and conditions from `nodes`, keeping lastTransitionTime of conditions whose status did not change. */
export function policyTotals(nodes: readonly NodeEntryRead[], previous: readonly PolicyCondition[], nowMs: number): PolicyTotals {
  const observedGeneration = nodes.length === 0 ? 0 : Math.min(...nodes.map((e) => e.observedGeneration ?? 0));
  const make = (type: PolicyCondition['type'], c: Pick<PolicyCondition, 'status' | 'reason' | 'message'>): PolicyCondition => {
    const prev = previous.find((p) => p.type === type);
    const lastTransitionTime = prev?.status === c.status ? prev.lastTransitionTime : metaTime(nowMs);
    return { type, ...c, message: clip(c.message, 32_768), observedGeneration, lastTransitionTime };
  };
  return {
    observedGeneration,
    matchedPods: nodes.reduce((n, e) => n + (e.matchedPods ?? 0), 0),
    enforcedPods: nodes.reduce((n, e) => n + (e.enforcedPods ?? 0), 0),
    conditions: [make('Accepted', acceptedCondition(nodes)), make('Enforced', enforcedCondition(nodes))],
  };
}

/** The status as read, narrowed to what the totals compare with. */
export interface PolicyStatusRead {
  readonly observedGeneration?: number;
  readonly matchedPods?: number;
  readonly enforcedPods?: number;
  readonly conditions?: readonly PolicyCondition[];
  readonly nodes?: readonly NodeEntryRead[];
}

/** True when writing `t` over `current` would change nothing. */
export function sameTotals(current: PolicyStatusRead, t: PolicyTotals): boolean {
  if (current.observedGeneration !== t.observedGeneration || current.matchedPods !== t.matchedPods || current.enforcedPods !== t.enforcedPods) return false;
  const cur = current.conditions ?? [];
  return cur.length === t.conditions.length && t.conditions.every((c) => {
    const p = cur.find((x) => x.type === c.type);
    return p?.status === c.status && p.reason === c.reason && p.message === c.message &&
      p.observedGeneration === c.observedGeneration && p.lastTransitionTime === c.lastTransitionTime;
  });
}

/** Entries to keep: those of nodes not known to be gone. */
export function liveNodes(nodes: readonly NodeEntryRead[], gone: ReadonlySet<string>): NodeEntryRead[] {
  return nodes.filter((e) => !gone.has(e.nodeName));
}
