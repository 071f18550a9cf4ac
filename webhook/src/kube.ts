/**
 * Every Kubernetes API call the webhook makes, in one place: its TLS Secret,
 * the caBundle of its own webhook configurations, the caches of AgentPolicies
 * and Namespaces it judges with, and Events about workloads.
 */
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Namespace,
} from '@kubernetes/client-node';
import { kube } from '../../core/kube/client-node-errors.js';
import { KubeApiError } from '../../core/kube/errors.js';
import { ResilientInformer } from '../../core/kube/informer.js';
import { API_GROUP } from '../../core/policy/model.js';

export interface SecretData {
  readonly data: Readonly<Record<string, string>>;
  readonly resourceVersion: string;
}

export type WebhookKind = 'mutating' | 'validating';

export interface EventRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
}

export interface AgentPolicyObject extends KubernetesObject {
  spec?: unknown;
}

export class WebhookKube {
  private readonly core: CoreV1Api;
  private readonly admission: AdmissionregistrationV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly events: EventsV1Api;
  readonly policies: ResilientInformer<AgentPolicyObject>;
  readonly namespaces: ResilientInformer<V1Namespace>;

  constructor(private readonly kc: KubeConfig, onWatchError: (what: string, err: unknown) => void) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.admission = kc.makeApiClient(AdmissionregistrationV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.events = kc.makeApiClient(EventsV1Api);
    this.policies = new ResilientInformer<AgentPolicyObject>(
      kc,
      `/apis/${API_GROUP}/v1alpha1/agentpolicies`,
      async () => (await this.custom.listClusterCustomObject({ group: API_GROUP, version: 'v1alpha1', plural: 'agentpolicies' })) as KubernetesListObject<AgentPolicyObject>,
      { name: 'agentpolicies', onError: (e) => { onWatchError('agentpolicies', e); } },
    );
    this.namespaces = new ResilientInformer<V1Namespace>(kc, '/api/v1/namespaces', () => this.core.listNamespace(), {
      name: 'namespaces',
      onError: (e) => { onWatchError('namespaces', e); },
    });
  }

  async readSecret(namespace: string, name: string): Promise<SecretData | null> {
    try {
      const s = await kube(`read secret ${namespace}/${name}`, () => this.core.readNamespacedSecret({ namespace, name }));
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      return { data, resourceVersion: s.metadata?.resourceVersion ?? '' };
    } catch (e: unknown) {
      if (e instanceof KubeApiError && e.notFound) return null;
      throw e;
    }
  }

  /** Create, or replace at `resourceVersion` (optimistic concurrency: 409 when another replica won). */
  async writeSecret(namespace: string, name: string, data: Readonly<Record<string, string>>, resourceVersion?: string): Promise<void> {
    const body = {
      metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { 'app.kubernetes.io/part-of': 'ziriz' } },
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    if (resourceVersion) {
      await kube(`replace secret ${namespace}/${name}`, () => this.core.replaceNamespacedSecret({ namespace, name, body }));
    } else {
      await kube(`create secret ${namespace}/${name}`, () => this.core.createNamespacedSecret({ namespace, body }));
    }
  }

  /** Set clientConfig.caBundle of every webhook in our configuration; returns how many changed. */
  async publishCaBundle(kind: WebhookKind, name: string, bundlePem: string): Promise<number> {
    const b64 = Buffer.from(bundlePem).toString('base64');
    const cfg = kind === 'mutating'
      ? await kube(`read mutatingwebhookconfiguration ${name}`, () => this.admission.readMutatingWebhookConfiguration({ name }))
      : await kube(`read validatingwebhookconfiguration ${name}`, () => this.admission.readValidatingWebhookConfiguration({ name }));
    const ops = (cfg.webhooks ?? []).flatMap((w, i) =>
      w.clientConfig.caBundle === b64
        ? []
        : [{ op: w.clientConfig.caBundle === undefined ? 'add' : 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: b64 }],
    );
    if (ops.length === 0) return 0;
    const body = [{ op: 'test', path: '/metadata/resourceVersion', value: cfg.metadata?.resourceVersion }, ...ops];
    const opts = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    if (kind === 'mutating') {
      await kube(`patch mutatingwebhookconfiguration ${name}`, () => this.admission.patchMutatingWebhookConfiguration({ name, body }, opts));
    } else {
      await kube(`patch validatingwebhookconfiguration ${name}`, () => this.admission.patchValidatingWebhookConfiguration({ name, body }, opts));
    }
    return ops.length;
  }

  /** An events.k8s.io/v1 Event about `regarding`. */
  async event(regarding: EventRef, type: 'Normal' | 'Warning', reason: string, note: string, instance: string): Promise<void> {
    const now = new V1MicroTime();
    await kube(`create event on ${regarding.kind}/${regarding.name}`, () =>
      this.events.createNamespacedEvent({
        namespace: regarding.namespace,
        body: {
          metadata: { generateName: `${regarding.name}.ziriz-`, namespace: regarding.namespace },
          eventTime: now,
          type,
          reason,
          action: 'Admit',
          note: note.slice(0, 1024),
          reportingController: 'ziriz.io/webhook',
          reportingInstance: instance,
          regarding: { ...regarding },
        },
      }),
    );
  }

  get config(): KubeConfig {
    return this.kc;
  }
}
