/**
 * Every Kubernetes API write of the node agent, in one place, so patch types,
 * field managers, retries and what counts as "gone" are decided once:
 *
 * - the pod condition ziriz.io/protected: strategic-merge patch of pods/status
 *   (conditions merge by type: the kubelet's survive), with metadata.uid so a
 *   pod re-created under the same name is never written by mistake;
 * - events.k8s.io/v1 Events (create; series updates by merge patch);
 * - AgentPolicy status: this node's status.nodes entry by server-side apply
 *   (field manager ziriz-node-agent/<node>), the totals by a merge patch
 *   carrying metadata.resourceVersion (409 when another writer won);
 * - reads it needs to write correctly (the pod's condition, the policy's
 *   status, whether a node still exists).
 *
 * Connection errors, 429 and 5xx are retried with bounded backoff; 404 (and a
 * UID mismatch) comes back as 'gone', never as an error.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import { KubeApiError, kube } from '../../../core/kube/errors.js';
import { API_GROUP } from '../../../core/policy/model.js';
import type { ObjectRef } from '../report/aggregator.js';
import { conditionPatch, type PodCondition } from '../report/condition.js';
import { nodeApplyBody, type NodeEntry, type PolicyStatusRead, type PolicyTotals } from '../report/policy-status.js';
import { DEFAULT_RETRY, realSleep, withRetry, type RetryPolicy, type Sleep } from '../report/retry.js';
import type { ObservedCondition } from '../report/types.js';

export const REPORTING_CONTROLLER = 'ziriz.io/node-agent';
const VERSION = 'v1alpha1';
const PLURAL = 'agentpolicies';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface EventBody {
  readonly namespace: string;
  readonly regarding: ObjectRef;
  readonly related?: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly action: string;
  readonly note: string;
  readonly eventTime: Date;
  /** Present when the Event is created for occurrences already repeated (count >= 2). */
  readonly series?: { readonly count: number; readonly lastObservedTime: Date };
}

export interface PolicyRead {
  readonly resourceVersion: string;
  readonly generation: number;
  readonly status: PolicyStatusRead;
}

export type Gone = 'gone';

/** What the reporter needs from the API; KubeWriter is the real one, tests may fake it. */
export interface NodeAgentWrites {
  readonly node: string;
  podCondition(pod: PodRef, c: PodCondition): Promise<'ok' | Gone>;
  readPodCondition(pod: PodRef, type: string): Promise<ObservedCondition | null | Gone>;
  /** Returns the created Event's name. */
  createEvent(e: EventBody): Promise<{ readonly name: string } | Gone>;
  eventSeries(namespace: string, name: string, count: number, lastObservedTime: Date): Promise<'ok' | Gone>;
  applyPolicyNode(namespace: string, name: string, entry: NodeEntry): Promise<'ok' | Gone>;
  readPolicy(namespace: string, name: string): Promise<PolicyRead | Gone>;
  /** Merge patch of the totals (and `nodes` when some are removed) at `resourceVersion`. */
  patchPolicyTotals(namespace: string, name: string, resourceVersion: string, totals: PolicyTotals, nodes?: readonly unknown[]): Promise<'ok' | Gone | 'conflict'>;
  nodeExists(name: string): Promise<boolean>;
}

export interface KubeWriterOptions {
  readonly node: string;
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  /** Told about each retry (metrics, logs). */
  readonly onRetry?: (op: string, err: unknown, attempt: number) => void;
}

/** A fresh Event name, as client-go makes them: `<regarding>.<time in hex><random>`. */
export function eventName(regarding: string, ms: number, random: () => number = Math.random): string {
  const suffix = `${ms.toString(16)}${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
  return `${regarding.slice(0, 253 - suffix.length - 1)}.${suffix}`;
}

function micro(d: Date): V1MicroTime {
  return new V1MicroTime(d.getTime());
}

/** 404, or a UID that no longer matches (the name now belongs to another object). */
function isGone(e: unknown): boolean {
  if (!(e instanceof KubeApiError)) return false;
  if (e.notFound) return true;
  return (e.status === 409 || e.status === 422) && /uid|UID/.test(e.message) && /precondition|immutable/i.test(e.message);
}

export class KubeWriter implements NodeAgentWrites {
  readonly node: string;
  private readonly core: CoreV1Api;
  private readonly events: EventsV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig, private readonly opts: KubeWriterOptions) {
    this.node = opts.node;
    this.core = kc.makeApiClient(CoreV1Api);
    this.events = kc.makeApiClient(EventsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  get fieldManager(): string {
    return `ziriz-node-agent/${this.node}`;
  }

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(() => kube(op, fn), this.opts.retry ?? DEFAULT_RETRY, this.opts.sleep ?? realSleep,
      (e, attempt) => { this.opts.onRetry?.(op, e, attempt); });
  }

  private async orGone<T>(op: string, fn: () => Promise<T>): Promise<T | Gone> {
    try {
      return await this.call(op, fn);
    } catch (e: unknown) {
      if (isGone(e)) return 'gone';
      throw e;
    }
  }

  async podCondition(pod: PodRef, c: PodCondition): Promise<'ok' | Gone> {
    const r = await this.orGone(`patch pod ${pod.namespace}/${pod.name} status`, () =>
      this.core.patchNamespacedPodStatus(
        { namespace: pod.namespace, name: pod.name, body: conditionPatch(pod.uid, c), fieldManager: this.fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ));
    return r === 'gone' ? r : 'ok';
  }

  async readPodCondition(pod: PodRef, type: string): Promise<ObservedCondition | null | Gone> {
    const p = await this.orGone(`read pod ${pod.namespace}/${pod.name} status`, () =>
      this.core.readNamespacedPodStatus({ namespace: pod.namespace, name: pod.name }));
    if (p === 'gone' || p.metadata?.uid !== pod.uid) return 'gone';
    const c = p.status?.conditions?.find((x) => x.type === type);
    if (!c) return null;
    return {
      status: c.status,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.message !== undefined ? { message: c.message } : {}),
      ...(c.lastTransitionTime !== undefined ? { lastTransitionTime: c.lastTransitionTime } : {}),
    };
  }

  async createEvent(e: EventBody): Promise<{ readonly name: string } | Gone> {
    const body = {
      metadata: { name: eventName(e.regarding.name, e.eventTime.getTime()), namespace: e.namespace },
      eventTime: micro(e.eventTime),
      type: e.type,
      reason: e.reason,
      action: e.action,
      note: e.note,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.node,
      regarding: { ...e.regarding },
      ...(e.related ? { related: { ...e.related } } : {}),
      ...(e.series ? { series: { count: e.series.count, lastObservedTime: micro(e.series.lastObservedTime) } } : {}),
    };
    const r = await this.orGone(`create event ${e.reason} on ${e.regarding.kind} ${e.namespace}/${e.regarding.name}`, () =>
      this.events.createNamespacedEvent({ namespace: e.namespace, body }));
    return r === 'gone' ? r : { name: r.metadata?.name ?? '' };
  }

  async eventSeries(namespace: string, name: string, count: number, lastObservedTime: Date): Promise<'ok' | Gone> {
    const body = { series: { count, lastObservedTime: micro(lastObservedTime) } };
    const r = await this.orGone(`patch event ${namespace}/${name} series`, () =>
      this.events.patchNamespacedEvent({ namespace, name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    return r === 'gone' ? r : 'ok';
  }

  async applyPolicyNode(namespace: string, name: string, entry: NodeEntry): Promise<'ok' | Gone> {
    const r = await this.orGone(`apply agentpolicy ${namespace}/${name} status.nodes[${entry.nodeName}]`, () =>
      this.custom.patchNamespacedCustomObjectStatus(
        { group: API_GROUP, version: VERSION, namespace, plural: PLURAL, name, body: nodeApplyBody(namespace, name, entry), fieldManager: this.fieldManager, force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ) as Promise<unknown>);
    return r === 'gone' ? r : 'ok';
  }

  async readPolicy(namespace: string, name: string): Promise<PolicyRead | Gone> {
    const r = await this.orGone(`read agentpolicy ${namespace}/${name} status`, () =>
      this.custom.getNamespacedCustomObjectStatus({ group: API_GROUP, version: VERSION, namespace, plural: PLURAL, name }) as Promise<unknown>);
    if (r === 'gone') return r;
    const o = r as { metadata?: { resourceVersion?: string; generation?: number }; status?: PolicyStatusRead };
    return { resourceVersion: o.metadata?.resourceVersion ?? '', generation: o.metadata?.generation ?? 0, status: o.status ?? {} };
  }

  async patchPolicyTotals(namespace: string, name: string, resourceVersion: string, totals: PolicyTotals, nodes?: readonly unknown[]): Promise<'ok' | Gone | 'conflict'> {
    const body = { metadata: { resourceVersion }, status: { ...totals, ...(nodes ? { nodes } : {}) } };
    try {
      const r = await this.orGone(`patch agentpolicy ${namespace}/${name} status totals`, () =>
        this.custom.patchNamespacedCustomObjectStatus(
          { group: API_GROUP, version: VERSION, namespace, plural: PLURAL, name, body, fieldManager: 'ziriz-node-agent' },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ) as Promise<unknown>);
      return r === 'gone' ? r : 'ok';
    } catch (e: unknown) {
      if (e instanceof KubeApiError && e.conflict) return 'conflict';
      throw e;
    }
  }

  async nodeExists(name: string): Promise<boolean> {
    const r = await this.orGone(`read node ${name}`, () => this.core.readNode({ name }));
    return r !== 'gone';
  }
}
