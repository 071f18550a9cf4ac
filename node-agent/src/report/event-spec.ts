/**
 * Which Event a verdict, a protection change or a node's hook set makes:
 * reason, type, action, the object it regards, its aggregation key and its
 * rate-limit key. Pure.
 */
import type { EventSpec, ObjectRef } from './aggregator.js';
import { nodeHooksNote, protectionNote, verdictNote } from './note.js';
import type { PodIdentity, Protection, Verdict } from './types.js';

/** Namespace of Events about cluster-scoped objects (as the kubelet does for Nodes). */
export const NODE_EVENT_NAMESPACE = 'default';

export const PROTECTION_REASONS = ['ProtectionAttached', 'ProtectionDegraded', 'ProtectionFailed'] as const;
export type ProtectionReason = (typeof PROTECTION_REASONS)[number];

export function podRef(p: PodIdentity): ObjectRef {
  return { apiVersion: 'v1', kind: 'Pod', name: p.pod, namespace: p.namespace, uid: p.uid };
}

function key(...parts: readonly string[]): string {
  return parts.join('\u0000');
}

/** The Event of a verdict; null when the verdict is about no known pod (nothing to attach it to). */
export function verdictEventSpec(v: Verdict, node: string): EventSpec | null {
  const pod = v.pod;
  if (!pod) return null;
  const action = v.verdict === 'audit' ? 'Audit' : v.action ?? 'Block';
  return {
    // Isomorphic occurrences: same pod, reason, target, decision; pid/uid/time may differ (the note names the first).
    key: key(pod.uid, v.reason, v.target, v.policy, v.rule, v.why, action, v.peer?.uid ?? ''),
    limitKey: key(pod.uid, v.reason),
    namespace: pod.namespace,
    regarding: podRef(pod),
    ...(v.peer ? { related: podRef(v.peer) } : {}),
    type: v.verdict === 'deny' ? 'Warning' : 'Normal',
    reason: v.reason,
    action,
    note: verdictNote(v, node),
  };
}

export function protectionReason(p: Protection): ProtectionReason {
  if (!p.protected) return 'ProtectionFailed';
  return p.degraded.length > 0 ? 'ProtectionDegraded' : 'ProtectionAttached';
}

/** The pod Event accompanying a change of its ziriz.io/protected condition. */
export function protectionEventSpec(p: Protection, node: string): EventSpec {
  const reason = protectionReason(p);
  const note = protectionNote(p, node);
  return {
    key: key(p.pod.uid, reason, note),
    limitKey: key(p.pod.uid, reason),
    namespace: p.pod.namespace,
    regarding: podRef(p.pod),
    type: reason === 'ProtectionAttached' ? 'Normal' : 'Warning',
    reason,
    action: 'Attach',
    note,
  };
}

export interface DegradedHook {
  readonly hook: string;
  readonly why: string;
}

/** The Node Event naming hooks this node's kernel cannot provide. */
export function nodeHooksEventSpec(node: string, attached: readonly string[], degraded: readonly DegradedHook[]): EventSpec {
  const note = nodeHooksNote(attached, degraded);
  return {
    key: key('node', node, note),
    limitKey: key('node', node),
    namespace: NODE_EVENT_NAMESPACE,
    regarding: { apiVersion: 'v1', kind: 'Node', name: node, uid: node },
    type: 'Warning',
    reason: 'HooksDegraded',
    action: 'Probe',
    note,
  };
}
