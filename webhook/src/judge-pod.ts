/**
 * Admission decisions for Pods, as small pure checks that each return a
 * reason to refuse (or nothing). Mutation stamps; validation refuses forged
 * ziriz.io/* keys and agent pods that would escape per-pod hooks.
 */
import {
  ENFORCE_NAMESPACE_LABEL,
  MODE_KEY,
  ROLE_KEY,
  WEBHOOK_ANNOTATIONS,
  WEBHOOK_LABELS,
  ZIRIZ_PREFIX,
  isMode,
} from '../../core/identity/contract.js';
import type { AgentPolicy } from '../../core/policy/model.js';
import type { PodView } from './pod.js';
import type { Stamp } from './stamp.js';

export interface PodVerdict {
  readonly refuse?: string;
  readonly warnings: readonly string[];
}

type Check = (pod: PodView, stamp: Stamp | null, ctx: PodCheckContext) => string | undefined;

export interface PodCheckContext {
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Policies selecting the pod (for explicit host-access allowances). */
  readonly selecting: readonly AgentPolicy[];
}

function zirizKeys(m: Readonly<Record<string, string>> | undefined): [string, string][] {
  return Object.entries(m ?? {}).filter(([k]) => k.startsWith(ZIRIZ_PREFIX));
}

/** A ziriz.io/* label or annotation that ziriz owns must equal what ziriz would stamp. */
const forgedKeys: Check = (pod, stamp) => {
  const owned: [string, Readonly<Record<string, string>> | undefined, readonly string[], Readonly<Record<string, string>>][] = [
    ['label', pod.labels, WEBHOOK_LABELS, stamp?.labels ?? {}],
    ['annotation', pod.annotations, WEBHOOK_ANNOTATIONS, stamp?.annotations ?? {}],
  ];
  for (const [what, actual, ownedKeys, expected] of owned) {
    for (const [k, v] of zirizKeys(actual)) {
      if (k === ROLE_KEY || k === MODE_KEY) continue;
      if (!ownedKeys.includes(k)) return `${what} ${k} is not a ziriz key a pod may carry`;
      if (expected[k] !== v) {
        return `${what} ${k}="${v}" is forged: ziriz would set ${expected[k] === undefined ? 'nothing' : `"${expected[k]}"`} for this pod (namespace/service account decide identity)`;
      }
    }
  }
  return undefined;
};

/** ziriz.io/role set on the pod must be what scope resolved (it is, unless forged to something odd). */
const roleConsistent: Check = (pod, stamp) => {
  const declared = pod.labels?.[ROLE_KEY];
  if (declared !== undefined && stamp !== null && declared !== stamp.role) {
    return `label ${ROLE_KEY}="${declared}" contradicts the resolved role ${stamp.role}`;
  }
  return undefined;
};

/** ziriz.io/mode: a known value; audit is refused in namespaces that enforce. */
const modeAllowed: Check = (pod, _stamp, ctx) => {
  const mode = pod.annotations?.[MODE_KEY] ?? pod.labels?.[MODE_KEY];
  if (mode === undefined) return undefined;
  if (!isMode(mode)) return `${MODE_KEY}="${mode}" is not audit or enforce`;
  if (mode === 'audit' && ctx.namespaceLabels[ENFORCE_NAMESPACE_LABEL] === 'true') {
    return `${MODE_KEY}=audit is not allowed in a namespace labelled ${ENFORCE_NAMESPACE_LABEL}=true`;
  }
  return undefined;
};

/** Which host-level escapes the selecting policies explicitly allow. */
export function hostAccessAllowed(selecting: readonly AgentPolicy[]): { hostNetwork: boolean; hostPID: boolean; privileged: boolean } {
  const allows = selecting.map((p) => p.spec.hostAccess);
  return {
    hostNetwork: allows.some((a) => a?.hostNetwork === true),
    hostPID: allows.some((a) => a?.hostPID === true),
    privileged: allows.some((a) => a?.privileged === true),
  };
}

/** Agent pods sharing the host's network/PID namespaces or privileged would escape per-pod hooks. */
const noHostEscape: Check = (pod, stamp, ctx) => {
  if (stamp?.role !== 'agent') return undefined;
  const allowed = hostAccessAllowed(ctx.selecting);
  const escapes = [
    pod.hostNetwork && !allowed.hostNetwork ? 'hostNetwork' : '',
    pod.hostPID && !allowed.hostPID ? 'hostPID' : '',
    pod.hostIPC ? 'hostIPC' : '',
    ...(allowed.privileged ? [] : pod.privileged.map((c) => `privileged container ${c}`)),
  ].filter((e) => e !== '');
  if (escapes.length === 0) return undefined;
  return `agent pods may not use ${escapes.join(', ')}: they would escape per-pod enforcement (allow it explicitly with spec.hostAccess in an AgentPolicy selecting the pod)`;
};

const CHECKS: readonly Check[] = [forgedKeys, roleConsistent, modeAllowed, noHostEscape];

/**
 * A protected pod whose containers may trace processes: a traced process that
 * reaches a hold is killed (its tracer could undo the hold), so tracing a
 * protected process ends it. Admitted, with the reason said up front.
 */
const ptraceWarning: Check = (pod, stamp) => {
  if (stamp === null || pod.ptrace.length === 0) return undefined;
  return `containers ${pod.ptrace.join(', ')} add SYS_PTRACE: ziriz kills a traced process of this pod when it reaches a held call (a tracer could resume it unjudged), and a held process someone else resumes is killed too`;
};

const WARNINGS: readonly Check[] = [ptraceWarning];

export function judgePod(pod: PodView, stamp: Stamp | null, ctx: PodCheckContext): PodVerdict {
  for (const check of CHECKS) {
    const refuse = check(pod, stamp, ctx);
    if (refuse !== undefined) return { refuse, warnings: [] };
  }
  return { warnings: WARNINGS.map((w) => w(pod, stamp, ctx)).filter((w): w is string => w !== undefined) };
}
