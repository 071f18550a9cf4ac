/**
 * What the node agent reports, independent of how (Events, pod conditions,
 * AgentPolicy status, metrics, JSON lines). The kernel side produces these;
 * the reporter (reporter.ts) turns them into Kubernetes objects and metrics.
 */

/** Who a verdict or condition is about: a pod as Kubernetes knows it. */
export interface PodIdentity {
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
  readonly serviceAccount: string;
  /** "Deployment/gpt-orchestrator" (from the webhook's annotation or ownerReferences). */
  readonly owner: string;
  /** The ziriz.io/identity label. */
  readonly identity: string;
  readonly role: 'agent' | 'mcp-server';
  readonly node: string;
}

/** Event reasons, as `kubectl describe` shows them. */
export const VERDICT_REASONS = [
  'EgressBlocked',
  'EgressAudited',
  'ToolCallBlocked',
  'ToolCallAudited',
  'A2ACallBlocked',
  'A2ACallAudited',
  'HTTPRequestBlocked',
  'HTTPRequestAudited',
  'UnparsableCall',
  'HoldEscaped',
  'CallNotVisible',
  'CallNotVisibleAudited',
  'ExecBlocked',
  'ExecAudited',
  'FileOpenBlocked',
  'FileOpenAudited',
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

export type VerdictKind = 'egress' | 'mcp' | 'a2a' | 'http' | 'exec' | 'file';

/** One kernel (or held-call) decision, with full attribution. */
export interface Verdict {
  readonly reason: VerdictReason;
  readonly kind: VerdictKind;
  readonly time: Date;
  /** 'deny' was enforced (blocked/killed); 'audit' would have been denied, was allowed. */
  readonly verdict: 'deny' | 'audit';
  readonly pod: PodIdentity | null;
  /** Container name and id when the cgroup is a container's. */
  readonly container?: { readonly name: string; readonly id: string };
  readonly pid: number;
  readonly uid: number;
  readonly comm: string;
  readonly cgroupId: bigint;
  /** `payments/agents`, or '' for a category default with no single policy. */
  readonly policy: string;
  /** Field path of the deciding rule, e.g. `spec.egress.rules[1]`, or the category (`spec.egress`). */
  readonly rule: string;
  /** Human reason, e.g. `argument filter: "none" not allowed`. */
  readonly why: string;
  /** What was attempted: `10.244.0.9:8080/TCP`, `tools/call get_all_customers`, `POST /api/v2/customers`. */
  readonly target: string;
  /** The pod behind the destination address, when it is one. */
  readonly peer?: PodIdentity;
  readonly action?: 'Block' | 'Kill';
  /** Extra fields for the JSON line (e.g. the arguments digest), never secrets. */
  readonly detail?: Readonly<Record<string, string>>;
}

export type HookName =
  | 'egress-cgroup'
  | 'egress-tc'
  | 'tls-uprobes'
  | 'exec-hold'
  /** children forked without exec held until probed (bpf_send_signal_task, 6.13+) */
  | 'fork-hold'
  | 'exec-kill'
  | 'lsm-file-exec-socket';

/** The protection of one pod, as the condition ziriz.io/protected shows it. */
export interface Protection {
  readonly pod: PodIdentity;
  /** True once every hook the pod's policy needs is attached. */
  readonly protected: boolean;
  /** CamelCase reason for the condition, e.g. ProtectionAttached, HooksDegraded, CgroupNotFound. */
  readonly reason: string;
  readonly attached: readonly HookName[];
  /** Hooks the policy needs that this node cannot provide, with why (e.g. LSM unavailable on this kernel). */
  readonly degraded: readonly { readonly hook: HookName; readonly why: string; readonly substitute?: string }[];
  /** Extra text for the message, e.g. the policies and digest. */
  readonly detail?: string;
  /**
   * The pod's ziriz.io/protected condition as the informer last saw it, if any:
   * the reporter then keeps its lastTransitionTime and skips a write that would
   * change nothing (e.g. after an agent restart). Without it the reporter reads
   * the pod's status once.
   */
  /** null: the informer saw the pod and it has no such condition yet (no read needed). */
  readonly current?: ObservedCondition | null;
}

/** A pod condition as read from the API (only the fields the reporter compares). */
export interface ObservedCondition {
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string | Date;
}

/** Per-node contribution to an AgentPolicy's status. */
export interface PolicyNodeStatus {
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly node: string;
  /** Pods on this node the policy selects. */
  readonly matchedPods: number;
  /** Of those, pods whose protection is in force. */
  readonly enforcedPods: number;
  /** Compiled and loaded into the kernel maps (false: error says why). */
  readonly compiled: boolean;
  readonly error?: string;
  /** Of the enforced pods, those running with degraded hooks (default 0). */
  readonly degradedPods?: number;
  /** Hooks this node lacks for the policy (status.nodes[].degraded). */
  readonly degraded?: readonly HookName[];
}
