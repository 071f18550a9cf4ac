/**
 * The parts of a Pod the webhook judges, read defensively from the raw
 * object of an AdmissionReview (absent fields have their API defaults).
 */
import type { OwnerReference } from '../../core/identity/identity.js';

export interface PodView {
  readonly name: string;
  readonly generateName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences: readonly OwnerReference[];
  readonly serviceAccountName: string;
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  /** Names of containers (any kind) running privileged. */
  readonly privileged: readonly string[];
  /** Names of containers (any kind) that add SYS_PTRACE (or ALL) to their capabilities. */
  readonly ptrace: readonly string[];
  readonly readinessGates: readonly string[] | undefined;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function stringMap(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  if (!o) return undefined;
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function privilegedContainers(spec: Obj): string[] {
  const all = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
  return all.flatMap((c) => {
    const co = obj(c);
    const sc = obj(co?.securityContext);
    return sc?.privileged === true ? [s(co?.name)] : [];
  });
}

/** Containers whose securityContext.capabilities.add has SYS_PTRACE, CAP_SYS_PTRACE or ALL. */
function ptraceContainers(spec: Obj): string[] {
  const all = [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
  return all.flatMap((c) => {
    const co = obj(c);
    const add = list(obj(obj(co?.securityContext)?.capabilities)?.add).map((x) => s(x).toUpperCase());
    return add.some((cap) => cap === 'SYS_PTRACE' || cap === 'CAP_SYS_PTRACE' || cap === 'ALL') ? [s(co?.name)] : [];
  });
}

function ownerRef(v: unknown): OwnerReference {
  const o = obj(v) ?? {};
  return { apiVersion: s(o.apiVersion), kind: s(o.kind), name: s(o.name), uid: s(o.uid), controller: o.controller === true };
}

export function podView(raw: Obj, namespaceFallback: string): PodView {
  const meta = obj(raw.metadata) ?? {};
  const spec = obj(raw.spec) ?? {};
  const gates = spec.readinessGates;
  return {
    name: s(meta.name),
    generateName: s(meta.generateName),
    namespace: s(meta.namespace) || namespaceFallback,
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    ownerReferences: list(meta.ownerReferences).map(ownerRef),
    serviceAccountName: s(spec.serviceAccountName) || s(spec.serviceAccount) || 'default',
    hostNetwork: spec.hostNetwork === true,
    hostPID: spec.hostPID === true,
    hostIPC: spec.hostIPC === true,
    privileged: privilegedContainers(spec),
    ptrace: ptraceContainers(spec),
    readinessGates: Array.isArray(gates) ? gates.map((g) => s(obj(g)?.conditionType)) : undefined,
  };
}
