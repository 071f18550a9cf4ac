/** Pods, policies and cluster views for webhook unit tests (data, not mocks). */
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import type { ClusterView } from '../../../webhook/src/judge.js';

export function pod(over: {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
  namespace?: string;
} = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'gpt-orchestrator-7d9f5c8b4-',
      namespace: over.namespace ?? 'payments',
      labels: { app: 'gpt-orchestrator', 'pod-template-hash': '7d9f5c8b4', ...over.labels },
      ...(over.annotations ? { annotations: over.annotations } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gpt-orchestrator-7d9f5c8b4', uid: 'rs-uid-1', controller: true }],
    },
    spec: { serviceAccountName: 'ai-agent-prod', containers: [{ name: 'agent', image: 'agent:1' }], ...over.spec },
  };
}

export function policy(name: string, spec: Record<string, unknown>, namespace = 'payments'): AgentPolicy {
  return parseAgentPolicy({
    apiVersion: 'ziriz.io/v1alpha1',
    kind: 'AgentPolicy',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app: 'gpt-orchestrator' } }, ...spec },
  });
}

export const agentsPolicy = policy('agents', {
  mode: 'Enforce',
  mcp: {
    servers: [{ name: 'customer-mcp', selector: { matchLabels: { app: 'customer-mcp' } } }],
    tools: [{ name: 'get_customer', effect: 'Allow' }],
  },
});

export function view(over: Partial<{ ready: boolean; ns: Record<string, Record<string, string>>; policies: AgentPolicy[] }> = {}): ClusterView {
  return {
    ready: over.ready ?? true,
    ownNamespace: 'ziriz-system',
    namespaceLabels: (ns) => over.ns?.[ns] ?? {},
    policies: () => over.policies ?? [agentsPolicy],
  };
}

export function review(object: Record<string, unknown> | null, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'req-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: 'payments',
      object,
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      ...over,
    },
  };
}
