/**
 * The pod condition ziriz.io/protected: what it should say for a Protection,
 * and whether writing it changes anything. lastTransitionTime moves only when
 * the status flips.
 */
import { protectionMessage } from './note.js';
import type { ObservedCondition, Protection } from './types.js';

export const PROTECTED_CONDITION = 'ziriz.io/protected';

export interface PodCondition {
  readonly type: typeof PROTECTED_CONDITION;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface ConditionDecision {
  readonly condition: PodCondition;
  /** Something the API does not have yet: write it. */
  readonly changed: boolean;
  /** The status flipped (or there was none): lastTransitionTime is now. */
  readonly flipped: boolean;
}

const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** The condition's reason: the caller's when it is a valid CamelCase reason, else a generic one. */
export function conditionReason(p: Protection): string {
  if (REASON.test(p.reason) && p.reason.length <= 1024) return p.reason;
  return p.protected ? 'Protected' : 'NotProtected';
}

function time(t: string | Date | undefined): string | undefined {
  if (t === undefined) return undefined;
  return typeof t === 'string' ? t : t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 to the second, as metav1.Time serializes. */
export function metaTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Decide the condition for `p` given what the API has (`previous`, if known) at time `nowMs`. */
export function decideCondition(p: Protection, previous: ObservedCondition | undefined, nowMs: number): ConditionDecision {
  const status = p.protected ? 'True' : 'False';
  const reason = conditionReason(p);
  const message = protectionMessage(p);
  const kept = previous?.status === status ? time(previous.lastTransitionTime) : undefined;
  const condition: PodCondition = { type: PROTECTED_CONDITION, status, reason, message, lastTransitionTime: kept ?? metaTime(nowMs) };
  const changed = previous === undefined || kept === undefined || previous.reason !== reason || previous.message !== message;
  return { condition, changed, flipped: previous?.status !== status };
}

/** The strategic-merge patch of pods/status: conditions merge by `type`, so the kubelet's survive. */
export function conditionPatch(uid: string, c: PodCondition): Record<string, unknown> {
  return { metadata: { uid }, status: { conditions: [c] } };
}
