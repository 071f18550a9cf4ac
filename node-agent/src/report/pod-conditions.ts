/**
 * The ziriz.io/protected condition of each pod on this node: one write per
 * change (deduplicated against what the API has), latest state wins while a
 * write is in flight, a vanished pod is logged and counted, never an error.
 */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { NodeAgentWrites, PodRef } from '../kube/writer.js';
import type { Clock } from './clock.js';
import { decideCondition, PROTECTED_CONDITION } from './condition.js';
import { KeyedQueue } from './keyed-queue.js';
import { Lru } from './lru.js';
import type { NodeAgentMetrics } from './metrics.js';
import type { ObservedCondition, Protection } from './types.js';

export class PodConditions {
  /** What the API has, as far as this agent knows (written or read), by pod UID. */
  private readonly known: Lru<string, ObservedCondition>;
  readonly queue: KeyedQueue;

  constructor(
    private readonly writer: NodeAgentWrites,
    private readonly metrics: NodeAgentMetrics,
    private readonly clock: Clock,
    private readonly log: LogFn,
    private readonly onChanged: (p: Protection) => void,
    opts: { readonly concurrency: number; readonly maxPods: number },
  ) {
    this.known = new Lru(opts.maxPods);
    this.queue = new KeyedQueue(opts.concurrency, (key, e) => {
      this.log('warn', 'pod condition not written', { pod: key, error: errorMessage(e) });
    });
  }

  /** Set the pod's condition to reflect `p` (asynchronously; failures are logged and counted). */
  set(p: Protection): void {
    this.queue.enqueue(p.pod.uid, () => this.write(p));
  }

  private async previous(pod: PodRef, p: Protection): Promise<ObservedCondition | null | 'gone'> {
    const known = this.known.get(pod.uid) ?? p.current;
    if (known !== undefined) return known; // null: known to have none
    return this.metrics.timed('pod_condition_read', () => this.writer.readPodCondition(pod, PROTECTED_CONDITION), (r) => (r === 'gone' ? 'gone' : 'ok'));
  }

  private async write(p: Protection): Promise<void> {
    const pod: PodRef = { namespace: p.pod.namespace, name: p.pod.pod, uid: p.pod.uid };
    const prev = await this.previous(pod, p);
    if (prev === 'gone') {
      this.vanished(pod);
      return;
    }
    const d = decideCondition(p, prev ?? undefined, this.clock.now());
    if (!d.changed) {
      this.known.set(pod.uid, d.condition);
      return;
    }
    const r = await this.metrics.timed('pod_condition', () => this.writer.podCondition(pod, d.condition), (x) => (x === 'gone' ? 'gone' : 'ok'));
    if (r === 'gone') {
      this.vanished(pod);
      return;
    }
    this.known.set(pod.uid, d.condition);
    this.log('info', 'pod condition written', {
      namespace: pod.namespace, pod: pod.name, condition: PROTECTED_CONDITION, status: d.condition.status, reason: d.condition.reason, message: d.condition.message,
    });
    this.onChanged(p);
  }

  private vanished(pod: PodRef): void {
    this.known.delete(pod.uid);
    this.log('info', 'pod gone before its condition was written', { namespace: pod.namespace, pod: pod.name, uid: pod.uid });
  }

  /** The pod was deleted: forget what is known about it. */
  forget(uid: string): void {
    this.known.delete(uid);
  }
}
