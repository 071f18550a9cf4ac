/**
 * What the node agent watches: the pods bound to this node (field selector
 * spec.nodeName), every AgentPolicy, every Namespace (labels), and, only
 * while some policy names egress peers by selector, every pod (for their
 * IPs). Each cache restarts itself with backoff after any watch error.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type V1Namespace, type V1Pod } from '@kubernetes/client-node';
import { ResilientInformer } from '../../../core/kube/informer.js';
import { API_GROUP } from '../../../core/policy/model.js';
import type { AgentPolicyObject } from '../../../webhook/src/kube.js';

export type OnWatchError = (resource: string, err: unknown) => void;

export class AgentWatch {
  readonly nodePods: ResilientInformer<V1Pod>;
  readonly policies: ResilientInformer<AgentPolicyObject>;
  readonly namespaces: ResilientInformer<V1Namespace>;
  private allPods: ResilientInformer<V1Pod> | undefined;
  private readonly core: CoreV1Api;

  constructor(private readonly kc: KubeConfig, readonly node: string, private readonly onError: OnWatchError) {
    this.core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const fieldSelector = `spec.nodeName=${node}`;
    this.nodePods = new ResilientInformer<V1Pod>(kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces({ fieldSelector }), {
      name: 'node-pods', fieldSelector, onError: (e) => { onError('pods', e); },
    });
    this.policies = new ResilientInformer<AgentPolicyObject>(
      kc,
      `/apis/${API_GROUP}/v1alpha1/agentpolicies`,
      async () => (await custom.listClusterCustomObject({ group: API_GROUP, version: 'v1alpha1', plural: 'agentpolicies' })) as KubernetesListObject<AgentPolicyObject>,
      { name: 'agentpolicies', onError: (e) => { onError('agentpolicies', e); } },
    );
    this.namespaces = new ResilientInformer<V1Namespace>(kc, '/api/v1/namespaces', () => this.core.listNamespace(), {
      name: 'namespaces', onError: (e) => { onError('namespaces', e); },
    });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    await Promise.all([this.nodePods.start(timeoutMs), this.policies.start(timeoutMs), this.namespaces.start(timeoutMs)]);
  }

  get synced(): boolean {
    return this.nodePods.synced && this.policies.synced && this.namespaces.synced && (this.allPods?.synced ?? true);
  }

  /** Pods of the whole cluster, for selector peers; started on first need. */
  async clusterPods(): Promise<readonly V1Pod[]> {
    if (!this.allPods) {
      this.allPods = new ResilientInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces(), {
        name: 'all-pods', onError: (e) => { this.onError('pods (cluster)', e); },
      });
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
