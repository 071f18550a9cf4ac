/**
 * The cluster as the webhook judges it: AgentPolicies and Namespace labels
 * from watched caches. A policy object that does not parse is left out (the
 * validating webhook refuses such objects; one that predates it is logged).
 */
import type { LogFn as Log } from '../../core/log/json-log.js';
import type { V1Namespace } from '@kubernetes/client-node';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import type { AgentPolicy } from '../../core/policy/model.js';
import { parseAgentPolicy } from '../../core/policy/parse.js';
import type { ClusterView } from './judge.js';
import type { AgentPolicyObject, WebhookKube } from './kube.js';


export class InformerView implements ClusterView {
  private parsed = new Map<string, { rv: string; policy: AgentPolicy | null }>();

  constructor(
    private readonly kube: WebhookKube,
    readonly ownNamespace: string,
    private readonly log: Log,
  ) {}

  get ready(): boolean {
    return this.kube.policies.synced && this.kube.namespaces.synced;
  }

  namespaceLabels(ns: string): Readonly<Record<string, string>> {
    const n: V1Namespace | undefined = this.kube.namespaces.get(ns);
    return n?.metadata?.labels ?? {};
  }

  policies(): readonly AgentPolicy[] {
    const out: AgentPolicy[] = [];
    const seen = new Set<string>();
    for (const obj of this.kube.policies.list()) {
      const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
      seen.add(key);
      const p = this.parse(key, obj);
      if (p) out.push(p);
    }
    for (const k of this.parsed.keys()) if (!seen.has(k)) this.parsed.delete(k);
    return out;
  }

  private parse(key: string, obj: AgentPolicyObject): AgentPolicy | null {
    const rv = obj.metadata?.resourceVersion ?? '';
    const hit = this.parsed.get(key);
    if (hit?.rv === rv) return hit.policy;
    let policy: AgentPolicy | null = null;
    try {
      policy = parseAgentPolicy(obj);
    } catch (e: unknown) {
      this.log('warn', 'AgentPolicy ignored: it does not parse', { policy: key, error: errorMessage(e) });
    }
    this.parsed.set(key, { rv, policy });
    return policy;
  }
}
