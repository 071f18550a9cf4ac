/** Shared test data for the reporter's unit tests: identities, verdicts and a recording fake of the API writer. */
import type { EventBody, NodeAgentWrites, PodRef, PolicyRead } from '../../../../node-agent/src/kube/writer.js';
import type { PodCondition } from '../../../../node-agent/src/report/condition.js';
import type { NodeEntry, PolicyTotals } from '../../../../node-agent/src/report/policy-status.js';
import type { ObservedCondition, PodIdentity, Verdict } from '../../../../node-agent/src/report/types.js';

export const POD: PodIdentity = {
  namespace: 'payments', pod: 'gpt-orchestrator-7d9f-x2k', uid: 'uid-1', serviceAccount: 'ai-agent-prod',
  owner: 'Deployment/gpt-orchestrator', identity: 'payments.ai-agent-prod-1a2b3c4d', role: 'agent', node: 'node-1',
};

export const MCP_SERVER: PodIdentity = {
  namespace: 'payments', pod: 'customer-mcp-0', uid: 'uid-mcp', serviceAccount: 'customer-mcp',
  owner: 'StatefulSet/customer-mcp', identity: 'payments.customer-mcp-9f8e7d6c', role: 'mcp-server', node: 'node-1',
};

export function blockedToolCall(over: Partial<Verdict> = {}): Verdict {
  return {
    reason: 'ToolCallBlocked', kind: 'mcp', time: new Date('2025-01-01T00:00:00.123Z'), verdict: 'deny', pod: POD,
    container: { name: 'agent', id: 'containerd://0123abcd' }, pid: 4242, uid: 1000, comm: 'python3', cgroupId: 98765n,
    policy: 'payments/agents', rule: 'spec.mcp.rules[0]', why: 'argument filter: "none" not allowed',
    target: 'tools/call get_all_customers', peer: MCP_SERVER, action: 'Block',
    ...over,
  };
}

export type Call =
  | { op: 'podCondition'; pod: PodRef; c: PodCondition }
  | { op: 'readPodCondition'; pod: PodRef }
  | { op: 'createEvent'; e: EventBody; name: string }
  | { op: 'eventSeries'; namespace: string; name: string; count: number; last: Date }
  | { op: 'applyPolicyNode'; namespace: string; name: string; entry: NodeEntry }
  | { op: 'readPolicy'; namespace: string; name: string }
  | { op: 'patchPolicyTotals'; resourceVersion: string; totals: PolicyTotals; nodes: readonly unknown[] | undefined };

/** Records every call; answers from the state it keeps (pods, policies) and scripted results. */
export class FakeWriter implements NodeAgentWrites {
  readonly calls: Call[] = [];
  /** Pod UIDs that exist, with their ziriz.io/protected condition if any. */
  readonly pods = new Map<string, ObservedCondition | null>();
  /** One AgentPolicy's status as a list of node entries, with a resourceVersion. */
  policy: { rv: number; nodes: NodeEntry[]; totals?: PolicyTotals } | undefined = { rv: 1, nodes: [] };
  /** Conflicts to answer before a totals patch succeeds. */
  conflicts = 0;
  /** Nodes that exist. */
  readonly nodes = new Set<string>(['node-1']);
  private seq = 0;

  constructor(readonly node = 'node-1') {}

  of<K extends Call['op']>(op: K): Extract<Call, { op: K }>[] {
    return this.calls.filter((c): c is Extract<Call, { op: K }> => c.op === op);
  }

  podCondition(pod: PodRef, c: PodCondition): Promise<'ok' | 'gone'> {
    this.calls.push({ op: 'podCondition', pod, c });
    if (!this.pods.has(pod.uid)) return Promise.resolve('gone');
    this.pods.set(pod.uid, c);
    return Promise.resolve('ok');
  }

  readPodCondition(pod: PodRef): Promise<ObservedCondition | null | 'gone'> {
    this.calls.push({ op: 'readPodCondition', pod });
    const c = this.pods.get(pod.uid);
    return Promise.resolve(c === undefined ? 'gone' : c);
  }

  createEvent(e: EventBody): Promise<{ name: string }> {
    const name = `${e.regarding.name}.${++this.seq}`;
    this.calls.push({ op: 'createEvent', e, name });
    return Promise.resolve({ name });
  }

  eventSeries(namespace: string, name: string, count: number, last: Date): Promise<'ok'> {
    this.calls.push({ op: 'eventSeries', namespace, name, count, last });
    return Promise.resolve('ok');
  }

  applyPolicyNode(namespace: string, name: string, entry: NodeEntry): Promise<'ok' | 'gone'> {
    this.calls.push({ op: 'applyPolicyNode', namespace, name, entry });
    if (!this.policy) return Promise.resolve('gone');
    this.policy = { ...this.policy, rv: this.policy.rv + 1, nodes: [...this.policy.nodes.filter((n) => n.nodeName !== entry.nodeName), entry] };
    return Promise.resolve('ok');
  }

  readPolicy(namespace: string, name: string): Promise<PolicyRead | 'gone'> {
    this.calls.push({ op: 'readPolicy', namespace, name });
    if (!this.policy) return Promise.resolve('gone');
    const p = this.policy;
    return Promise.resolve({ resourceVersion: String(p.rv), generation: 1, status: { ...p.totals, nodes: p.nodes } });
  }

  patchPolicyTotals(_ns: string, _name: string, resourceVersion: string, totals: PolicyTotals, nodes?: readonly unknown[]): Promise<'ok' | 'gone' | 'conflict'> {
    this.calls.push({ op: 'patchPolicyTotals', resourceVersion, totals, nodes });
    if (!this.policy) return Promise.resolve('gone');
    if (this.conflicts > 0 || resourceVersion !== String(this.policy.rv)) {
      this.conflicts = Math.max(0, this.conflicts - 1);
      this.policy = { ...this.policy, rv: this.policy.rv + 1 }; // another writer won
      return Promise.resolve('conflict');
    }
    this.policy = { rv: this.policy.rv + 1, nodes: (nodes as NodeEntry[] | undefined) ?? this.policy.nodes, totals };
    return Promise.resolve('ok');
  }

  nodeExists(name: string): Promise<boolean> {
    return Promise.resolve(this.nodes.has(name));
  }
}
