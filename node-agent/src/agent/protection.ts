/** A pod's protection status from its plan and what the node attached (pure). */
import { policyRef } from '../../../core/policy/model.js';
import type { HookName, PodIdentity, Protection } from '../report/types.js';
import type { PodPlan } from './desired.js';
import type { Degraded } from './kernel.js';

export interface NodeHooks {
  readonly attached: ReadonlySet<HookName>;
  readonly degraded: readonly Degraded[];
  /** host ifindexes whose TC filter is in place */
  readonly tcInPlace: ReadonlySet<number>;
  /** pods (uid) every process of which has its uprobes */
  readonly probedPods: ReadonlySet<string>;
}

/** Pure: the weaker substitute in force when `hook` is missing, judged by what this node did attach. */
export function substituteFor(hook: HookName, attached: ReadonlySet<HookName>): string | undefined {
  if (hook === 'lsm-file-exec-socket') {
    const exec = attached.has('exec-kill') ? 'process.deny enforced by killing at exec (sched_process_exec)' : 'process.deny not enforced (the exec-kill program is not loaded either)';
    const connect = attached.has('egress-cgroup') ? 'connect() refused by the cgroup hooks' : 'connect() not refused (the cgroup hooks are not loaded either)';
    return `${exec}; ${connect}; files.deny not enforced`;
  }
  if (hook === 'egress-tc') return attached.has('egress-cgroup') ? 'connect()/sendmsg() refused by the cgroup hooks' : undefined;
  return undefined;
}

/** The node has the hook, but this pod's part of it is not in place yet (its veth's TC filter, its processes' uprobes). */
function notYet(plan: PodPlan, hooks: NodeHooks, need: HookName): 'tc' | 'probes' | null {
  if (need === 'egress-tc' && !plan.resolution.veths.some((v) => hooks.tcInPlace.has(v.ifindex))) return 'tc';
  if (need === 'tls-uprobes' && !hooks.probedPods.has(plan.facts.uid)) return 'probes';
  return null;
}

/**
 * Pure: the pod waits for something that comes by itself, soon: its cgroup,
 * its veth (then its TC filter), its processes (then their uprobes). The
 * reconciler looks again quickly instead of waiting for the next watch event.
 */
export function isWaiting(plan: PodPlan, hooks: NodeHooks): boolean {
  if (plan.facts.terminal) return false;
  if (!plan.resolution.podCgroup) return true;
  return plan.needs.some((need) => hooks.attached.has(need) && notYet(plan, hooks, need) !== null);
}

/** `sight`: what the probes see of the pod's programs (report/note.ts sightNote), appended to the message. */
export function protectionOf(plan: PodPlan, pod: PodIdentity, hooks: NodeHooks, sight = ''): Protection {
  const attached: HookName[] = [];
  const degraded: { hook: HookName; why: string; substitute?: string }[] = [];
  for (const need of plan.needs) {
    const missing = hooks.degraded.find((d) => d.hook === need);
    const pending = notYet(plan, hooks, need);
    const tcMissing = pending === 'tc';
    const probesMissing = pending === 'probes';
    if (hooks.attached.has(need) && !tcMissing && !probesMissing) {
      attached.push(need);
      continue;
    }
    const why = missing?.why ?? (tcMissing ? 'the pod veth has no TC filter yet' : probesMissing ? 'not every process of the pod has its uprobes yet' : 'not attached on this node');
    const substitute = substituteFor(need, hooks.attached);
    degraded.push({ hook: need, why, ...(substitute ? { substitute } : {}) });
  }
  const policies = plan.set ? plan.set.policies.map(policyRef).join(', ') : '';
  const detail = (plan.error !== undefined
    ? `policies do not compile (${plan.error}): every covered category is denied`
    : `policies ${policies || 'none'}; permissions ${plan.digest}`) + (sight === '' ? '' : `; ${sight}`);
  const current = { current: plan.facts.protectedCondition };
  if (!plan.resolution.podCgroup) {
    return { pod, protected: false, reason: 'CgroupNotFound', attached: [], degraded, detail: `${detail}; the pod's cgroup is not on this node yet`, ...current };
  }
  const ok = degraded.length === 0 && plan.error === undefined;
  return {
    ...current,
    pod,
    protected: ok,
    reason: ok ? 'ProtectionAttached' : plan.error !== undefined ? 'PolicyInvalid' : 'HooksDegraded',
    attached,
    degraded,
    detail,
  };
}
