/**
 * The admission decisions, wired together: what /mutate and /validate answer
 * for a parsed AdmissionRequest, given the current cluster view. Any
 * exception while judging becomes allowed=false with the reason: fail closed.
 */
import { errorMessage } from '../../core/errors/ziriz-error.js';
import type { AgentPolicy } from '../../core/policy/model.js';
import { judgePod } from './judge-pod.js';
import { judgePolicy } from './judge-policy.js';
import { podView, type PodView } from './pod.js';
import { allow, deny, type AdmissionRequest, type AdmissionResponse } from './review.js';
import { RoleInvalid, scopeOf, type Scope } from '../../core/identity/scope.js';
import { stampFor, stampPatch, type Stamp } from './stamp.js';

export interface ClusterView {
  readonly ready: boolean;
  namespaceLabels(ns: string): Readonly<Record<string, string>>;
  policies(): readonly AgentPolicy[];
  readonly ownNamespace: string;
}

export type WebhookName = 'mutate' | 'validate';

/** A stamped pod, for the caller to report (Event on the owner). */
export interface Outcome {
  readonly response: AdmissionResponse;
  readonly stamped?: { readonly pod: PodView; readonly stamp: Stamp };
}

function isPod(req: AdmissionRequest): boolean {
  return req.kind.group === '' && req.kind.kind === 'Pod';
}

function isAgentPolicy(req: AdmissionRequest): boolean {
  return req.kind.group === 'ziriz.io' && req.kind.kind === 'AgentPolicy';
}

function scopeAndStamp(pod: PodView, view: ClusterView): { scope: Scope; stamp: Stamp | null } {
  const scope = scopeOf(pod, { namespaceLabels: view.namespaceLabels(pod.namespace), policies: view.policies(), ownNamespace: view.ownNamespace });
  return { scope, stamp: scope.inScope ? stampFor(pod, scope.role, scope.selecting) : null };
}

function mutatePod(req: AdmissionRequest, view: ClusterView): Outcome {
  if (req.operation !== 'CREATE' || req.object === null) return { response: allow(req.uid) };
  const pod = podView(req.object, req.namespace);
  const { scope, stamp } = scopeAndStamp(pod, view);
  if (!scope.inScope || stamp === null) return { response: allow(req.uid) };
  // Forged or contradictory ziriz keys: leave them for /validate to refuse with its message.
  const verdict = judgePod(pod, stamp, { namespaceLabels: view.namespaceLabels(pod.namespace), selecting: scope.selecting });
  if (verdict.refuse !== undefined) return { response: deny(req.uid, verdict.refuse) };
  return { response: allow(req.uid, stampPatch(pod, stamp)), stamped: { pod, stamp } };
}

function validatePod(req: AdmissionRequest, view: ClusterView): Outcome {
  if (req.object === null || (req.operation !== 'CREATE' && req.operation !== 'UPDATE')) return { response: allow(req.uid) };
  const pod = podView(req.object, req.namespace);
  const { scope, stamp } = scopeAndStamp(pod, view);
  const verdict = judgePod(pod, stamp, { namespaceLabels: view.namespaceLabels(pod.namespace), selecting: scope.inScope ? scope.selecting : [] });
  return { response: verdict.refuse !== undefined ? deny(req.uid, verdict.refuse) : allow(req.uid, [], verdict.warnings) };
}

function validatePolicy(req: AdmissionRequest): Outcome {
  if (req.object === null || (req.operation !== 'CREATE' && req.operation !== 'UPDATE')) return { response: allow(req.uid) };
  const j = judgePolicy(req.object);
  return { response: j.refuse !== undefined ? deny(req.uid, j.refuse, 422, 'Invalid') : allow(req.uid, [], j.warnings) };
}

export function judge(webhook: WebhookName, req: AdmissionRequest, view: ClusterView): Outcome {
  try {
    if (!view.ready && (isPod(req) || isAgentPolicy(req))) {
      return { response: deny(req.uid, 'ziriz webhook is not synced with the cluster yet (policies/namespaces); retry', 503, 'ServiceUnavailable') };
    }
    if (isPod(req)) return webhook === 'mutate' ? mutatePod(req, view) : validatePod(req, view);
    if (isAgentPolicy(req) && webhook === 'validate') return validatePolicy(req);
    return { response: allow(req.uid) };
  } catch (e: unknown) {
    const why = e instanceof RoleInvalid ? e.message : `ziriz could not judge this request: ${errorMessage(e)}`;
    return { response: deny(req.uid, why, e instanceof RoleInvalid ? 400 : 500, e instanceof RoleInvalid ? 'BadRequest' : 'InternalError') };
  }
}
