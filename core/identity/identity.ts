/**
 * Workload identity: a short, stable id from namespace + service account that
 * is a valid label value, and the owning workload of a pod found from its
 * ownerReferences (or generateName) without API calls.
 */
import { createHash } from 'node:crypto';

const LABEL_VALUE_MAX = 63;

function clip(s: string, n: number): string {
  return s.slice(0, n).replace(/[^A-Za-z0-9]+$/, '');
}

/**
 * `<namespace>.<serviceaccount>-<hash8>`, clipped to stay a label value
 * (<= 63 chars, alphanumeric at both ends). The hash over the full names
 * keeps clipped ids distinct and makes the id unguessable-by-collision.
 */
export function identityId(namespace: string, serviceAccount: string): string {
  const hash = createHash('sha256').update(`${namespace}/${serviceAccount}`).digest('hex').slice(0, 8);
  const room = LABEL_VALUE_MAX - hash.length - 2; // '.' and '-'
  const ns = clip(namespace, Math.min(namespace.length, Math.ceil(room / 2)));
  const sa = clip(serviceAccount.replace(/[^A-Za-z0-9._-]/g, '-'), room - ns.length);
  return `${ns}.${sa}-${hash}`;
}

export function isLabelValue(v: string): boolean {
  return v.length <= LABEL_VALUE_MAX && /^([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?$/.test(v);
}

export interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

export interface PodOwnerInput {
  readonly name?: string;
  readonly generateName?: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences?: readonly OwnerReference[];
}

export interface Workload {
  readonly kind: string;
  readonly name: string;
  /** The direct controller (e.g. the ReplicaSet), for Events: the pod has no UID yet at admission. */
  readonly controller?: { readonly apiVersion: string; readonly kind: string; readonly name: string; readonly uid: string };
}

/**
 * The workload a pod belongs to: its controller, lifted from ReplicaSet to
 * Deployment when the ReplicaSet's name is `<deployment>-<pod-template-hash>`
 * (the Deployment controller's naming), else from generateName, else the pod.
 */
export function owningWorkload(pod: PodOwnerInput): Workload {
  const ctl = pod.ownerReferences?.find((o) => o.controller === true) ?? pod.ownerReferences?.[0];
  if (ctl?.kind && ctl.name) {
    const controller =
      ctl.uid && ctl.apiVersion ? { apiVersion: ctl.apiVersion, kind: ctl.kind, name: ctl.name, uid: ctl.uid } : undefined;
    const hash = pod.labels?.['pod-template-hash'];
    const base = ctl.kind === 'ReplicaSet' && hash && ctl.name.endsWith(`-${hash}`)
      ? { kind: 'Deployment', name: ctl.name.slice(0, -(hash.length + 1)) }
      : { kind: ctl.kind, name: ctl.name };
    return controller ? { ...base, controller } : base;
  }
  if (pod.generateName) return { kind: 'Unknown', name: pod.generateName.replace(/-$/, '') };
  return { kind: 'Pod', name: pod.name ?? '' };
}

export function formatWorkload(w: Workload): string {
  return `${w.kind}/${w.name}`;
}
