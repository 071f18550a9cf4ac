/**
 * What the webhook stamps on an in-scope pod: identity labels, annotations
 * describing the resolved identity and permissions, and the readiness gate.
 * Pure; the same inputs give the same stamp, so reinvocation changes nothing.
 */
import {
  ANNOTATION_NAMESPACE,
  ANNOTATION_OWNER,
  ANNOTATION_PERMISSIONS,
  ANNOTATION_PERMISSIONS_DIGEST,
  ANNOTATION_POLICIES,
  ANNOTATION_SERVICE_ACCOUNT,
  IDENTITY_LABEL,
  PROTECTED_CONDITION,
  ROLE_KEY,
  type ZirizRole,
} from '../../core/identity/contract.js';
import { formatWorkload, identityId, owningWorkload, type Workload } from '../../core/identity/identity.js';
import { compile } from '../../core/policy/compile.js';
import type { CompiledPolicySet } from '../../core/policy/compiled.js';
import { policySetDigest, policySetSummary } from '../../core/policy/digest.js';
import { policyRef, type AgentPolicy } from '../../core/policy/model.js';
import { mapPatch, pointer, type PatchOp } from './json-patch.js';
import type { PodView } from './pod.js';

const ANNOTATION_VALUE_MAX = 4096;

export interface Stamp {
  readonly role: ZirizRole;
  readonly identity: string;
  readonly owner: Workload;
  readonly set: CompiledPolicySet;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Throws PolicyInvalidError/PolicyCapacityError when the selecting policies do not compile. */
export function stampFor(pod: PodView, role: ZirizRole, selecting: readonly AgentPolicy[]): Stamp {
  const set = compile(selecting);
  const identity = identityId(pod.namespace, pod.serviceAccountName);
  const owner = owningWorkload(pod);
  return {
    role,
    identity,
    owner,
    set,
    labels: { [ROLE_KEY]: role, [IDENTITY_LABEL]: identity },
    annotations: {
      [ANNOTATION_NAMESPACE]: pod.namespace,
      [ANNOTATION_SERVICE_ACCOUNT]: pod.serviceAccountName,
      [ANNOTATION_OWNER]: formatWorkload(owner),
      [ANNOTATION_POLICIES]: set.policies.map(policyRef).join(','),
      [ANNOTATION_PERMISSIONS_DIGEST]: policySetDigest(set),
      [ANNOTATION_PERMISSIONS]: clip(policySetSummary(set), ANNOTATION_VALUE_MAX),
    },
  };
}

/** JSON Patch from the pod as it is to the pod as stamped; empty when already stamped. */
export function stampPatch(pod: PodView, stamp: Stamp): PatchOp[] {
  const ops = [
    ...mapPatch(['metadata', 'labels'], pod.labels, stamp.labels),
    ...mapPatch(['metadata', 'annotations'], pod.annotations, stamp.annotations),
  ];
  const gate = { conditionType: PROTECTED_CONDITION };
  if (pod.readinessGates === undefined) ops.push({ op: 'add', path: pointer('spec', 'readinessGates'), value: [gate] });
  else if (!pod.readinessGates.includes(PROTECTED_CONDITION)) ops.push({ op: 'add', path: `${pointer('spec', 'readinessGates')}/-`, value: gate });
  return ops;
}
