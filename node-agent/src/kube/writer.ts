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
import { KubeApiError } from '../../../core/kube/errors.js';
import type { KubeClient } from '../../../core/kube/lean/client.js';
import { EVENTS, NODES, PODS } from '../../../core/kube/lean/resource.js';
import type { KubeObject, Pod } from '../../../core/kube/lean/types.js';
import type { ObjectRef } from '../report/aggregator.js';
import { conditionPatch, type PodCondition } from '../report/condition.js';
import { nodeApplyBody, type NodeEntry, type PolicyStatusRead, type PolicyTotals } from '../report/policy-status.js';
import { DEFAULT_RETRY, realSleep, withRetry, type RetryPolicy, type Sleep } from '../report/retry.js';
import type { ObservedCondition } from '../report/types.js';
import { AGENT_POLICIES } from './resources.js';

export const REPORTING_CONTROLLER = 'ziriz.io/node-agent';

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

/** metav1.MicroTime: RFC 3339 with microseconds, `2025-01-01T12:00:00.123000Z` (as client-go writes it). */
export function microTime(d: Date): string {
  return `${d.toISOString().slice(0, -1)}000Z`;
}

/** 404, or a UID that no longer matches (the name now belongs to another object). */
function isGone(e: unknown): boolean {
  if (!(e instanceof KubeApiError)) return false;
  if (e.notFound) return true;
  return (e.status === 409 || e.status === 422) && /uid|UID/.test(e.message) && /precondition|immutable/i.test(e.message);
}

export class KubeWriter implements NodeAgentWrites {
  readonly node: string;

  constructor(private readonly client: KubeClient, private readonly opts: KubeWriterOptions) {
    this.node = opts.node;
  }

  get fieldManager(): string {
    return `ziriz-node-agent/${this.node}`;
  }

  private call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, this.opts.retry ?? DEFAULT_RETRY, this.opts.sleep ?? realSleep,
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
    const op = `patch pod ${pod.namespace}/${pod.name} status`;
    const r = await this.orGone(op, () =>
      this.client.patch<Pod>(PODS, { namespace: pod.namespace, name: pod.name, subresource: 'status' }, 'strategic-merge',
        conditionPatch(pod.uid, c), { op, fieldManager: this.fieldManager }));
    return r === 'gone' ? r : 'ok';
  }

  async readPodCondition(pod: PodRef, type: string): Promise<ObservedCondition | null | Gone> {
    const op = `read pod ${pod.namespace}/${pod.name} status`;
    const p = await this.orGone(op, () => this.client.get<Pod>(PODS, { namespace: pod.namespace, name: pod.name, subresource: 'status' }, { op }));
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
      eventTime: microTime(e.eventTime),
      type: e.type,
      reason: e.reason,
      action: e.action,
      note: e.note,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.node,
      regarding: { ...e.regarding },
      ...(e.related ? { related: { ...e.related } } : {}),
      ...(e.series ? { series: { count: e.series.count, lastObservedTime: microTime(e.series.lastObservedTime) } } : {}),
    };
    const op = `create event ${e.reason} on ${e.regarding.kind} ${e.namespace}/${e.regarding.name}`;
    const r = await this.orGone(op, () => this.client.create<KubeObject>(EVENTS, { namespace: e.namespace }, body, { op }));
    return r === 'gone' ? r : { name: r.metadata?.name ?? '' };
  }

  async eventSeries(namespace: string, name: string, count: number, lastObservedTime: Date): Promise<'ok' | Gone> {
    const body = { series: { count, lastObservedTime: microTime(lastObservedTime) } };
    const op = `patch event ${namespace}/${name} series`;
    const r = await this.orGone(op, () => this.client.patch<KubeObject>(EVENTS, { namespace, name }, 'merge', body, { op }));
    return r === 'gone' ? r : 'ok';
  }

  async applyPolicyNode(namespace: string, name: string, entry: NodeEntry): Promise<'ok' | Gone> {
    const op = `apply agentpolicy ${namespace}/${name} status.nodes[${entry.nodeName}]`;
    const r = await this.orGone(op, () =>
      this.client.apply<KubeObject>(AGENT_POLICIES, { namespace, name, subresource: 'status' }, nodeApplyBody(namespace, name, entry),
        { op, fieldManager: this.fieldManager, force: true }));
    return r === 'gone' ? r : 'ok';
  }

  async readPolicy(namespace: string, name: string): Promise<PolicyRead | Gone> {
    const op = `read agentpolicy ${namespace}/${name} status`;
    const r = await this.orGone(op, () =>
      this.client.get<KubeObject & { status?: PolicyStatusRead }>(AGENT_POLICIES, { namespace, name, subresource: 'status' }, { op }));
    if (r === 'gone') return r;
    return { resourceVersion: r.metadata?.resourceVersion ?? '', generation: r.metadata?.generation ?? 0, status: r.status ?? {} };
  }

  async patchPolicyTotals(namespace: string, name: string, resourceVersion: string, totals: PolicyTotals, nodes?: readonly unknown[]): Promise<'ok' | Gone | 'conflict'> {
    const body = { metadata: { resourceVersion }, status: { ...totals, ...(nodes ? { nodes } : {}) } };
    try {
      const op = `patch agentpolicy ${namespace}/${name} status totals`;
      const r = await this.orGone(op, () =>
        this.client.patch<KubeObject>(AGENT_POLICIES, { namespace, name, subresource: 'status' }, 'merge', body, { op, fieldManager: 'ziriz-node-agent' }));
      return r === 'gone' ? r : 'ok';
    } catch (e: unknown) {
      if (e instanceof KubeApiError && e.conflict) return 'conflict';
      throw e;
    }
  }

  async nodeExists(name: string): Promise<boolean> {
    const op = `read node ${name}`;
    const r = await this.orGone(op, () => this.client.get<KubeObject>(NODES, { name }, { op }));
    return r !== 'gone';
  }
}
