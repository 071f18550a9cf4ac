/**
 * What the node agent watches: the pods bound to this node (field selector
 * spec.nodeName), every AgentPolicy, every Namespace (labels), and, only
 * while some policy names egress peers by selector, every pod (for their
 * IPs). Each cache restarts itself with backoff after any watch error.
 * Lean client informers (core/kube/lean): no @kubernetes/client-node here.
 */
import type { KubeClient } from '../../../core/kube/lean/client.js';
import { Informer, type InformerOptions } from '../../../core/kube/lean/informer.js';
import { NAMESPACES, PODS, type Resource } from '../../../core/kube/lean/resource.js';
import type { KubeObject, Namespace, Pod } from '../../../core/kube/lean/types.js';
import { AGENT_POLICIES, type AgentPolicyObject } from './resources.js';

export type OnWatchError = (resource: string, err: unknown) => void;

export class AgentWatch {
  readonly nodePods: Informer<Pod>;
  readonly policies: Informer<AgentPolicyObject>;
  readonly namespaces: Informer<Namespace>;
  private allPods: Informer<Pod> | undefined;

  constructor(private readonly client: KubeClient, readonly node: string, private readonly onError: OnWatchError) {
    this.nodePods = this.informer(PODS, 'node-pods', 'pods', { fieldSelector: `spec.nodeName=${node}` });
    this.policies = this.informer(AGENT_POLICIES, 'agentpolicies', 'agentpolicies');
    this.namespaces = this.informer(NAMESPACES, 'namespaces', 'namespaces');
  }

  private informer<T extends KubeObject>(
    resource: Resource, name: string, reported: string, extra: Pick<InformerOptions, 'fieldSelector'> = {},
  ): Informer<T> {
    return new Informer<T>(this.client, resource, { name, ...extra, onError: (e) => { this.onError(reported, e); } });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    await Promise.all([this.nodePods.start(timeoutMs), this.policies.start(timeoutMs), this.namespaces.start(timeoutMs)]);
  }

  get synced(): boolean {
    return this.nodePods.synced && this.policies.synced && this.namespaces.synced && (this.allPods?.synced ?? true);
  }

  /** Pods of the whole cluster, for selector peers; started on first need. */
  async clusterPods(): Promise<readonly Pod[]> {
    if (!this.allPods) {
      this.allPods = this.informer<Pod>(PODS, 'all-pods', 'pods (cluster)');
      await this.allPods.start();
    }
    return this.allPods.list();
  }

  onChange(cb: () => void): void {
    for (const inf of [this.nodePods, this.policies, this.namespaces]) {
      inf.on('add', cb);
      inf.on('update', cb);
      inf.on('delete', cb);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.nodePods.stop(), this.policies.stop(), this.namespaces.stop(), this.allPods?.stop()]);
  }
}
