/**
 * AgentPolicy status from this node: apply our own status.nodes entry when it
 * changed, then recompute the totals and conditions from every node's entry
 * with an update conditional on resourceVersion, retried on conflict. Entries
 * of nodes that no longer exist (checked only for entries older than
 * `staleNodeMs`) are dropped by the recompute.
 */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { NodeAgentWrites } from '../kube/writer.js';
import type { Clock } from './clock.js';
import { KeyedQueue } from './keyed-queue.js';
import { Lru } from './lru.js';
import type { NodeAgentMetrics } from './metrics.js';
import { liveNodes, nodeEntry, policyTotals, sameEntry, sameTotals, type NodeEntry, type NodeEntryRead } from './policy-status.js';
import { backoffMs, realSleep, type Sleep } from './retry.js';
import type { PolicyNodeStatus } from './types.js';

export interface PolicyReporterOptions {
  readonly concurrency: number;
  readonly maxPolicies: number;
  /** Recompute attempts on conflict before giving up (the next change recomputes again). */
  readonly conflictAttempts: number;
  /** Only entries not updated for this long are checked for a vanished node. */
  readonly staleNodeMs: number;
  readonly sleep?: Sleep;
}

export class PolicyReporter {
  private readonly applied: Lru<string, NodeEntry>;
  /** Node existence answers, cached for staleNodeMs. */
  private readonly nodeSeen = new Lru<string, { exists: boolean; at: number }>(4096);
  readonly queue: KeyedQueue;

  constructor(
    private readonly writer: NodeAgentWrites,
    private readonly metrics: NodeAgentMetrics,
    private readonly clock: Clock,
    private readonly log: LogFn,
    private readonly opts: PolicyReporterOptions,
  ) {
    this.applied = new Lru(opts.maxPolicies);
    this.queue = new KeyedQueue(opts.concurrency, (key, e) => {
      this.log('warn', 'AgentPolicy status not written', { policy: key, error: errorMessage(e) });
    });
  }

  set(s: PolicyNodeStatus): void {
    const key = `${s.namespace}/${s.name}`;
    const entry = nodeEntry({ ...s, node: this.writer.node }, this.clock.now());
    const last = this.applied.get(key);
    if (last && sameEntry(last, entry)) return;
    this.queue.enqueue(key, () => this.write(s.namespace, s.name, entry));
  }

  private async write(namespace: string, name: string, entry: NodeEntry): Promise<void> {
    const key = `${namespace}/${name}`;
    const last = this.applied.get(key);
    if (last && sameEntry(last, entry)) return;
    const r = await this.metrics.timed('policy_apply', () => this.writer.applyPolicyNode(namespace, name, entry), (x) => (x === 'gone' ? 'gone' : 'ok'));
    if (r === 'gone') {
      this.applied.delete(key);
      this.log('info', 'AgentPolicy gone before its status was written', { namespace, name });
      return;
    }
    this.applied.set(key, entry);
    await this.recompute(namespace, name);
  }

  private async gone(nodes: readonly NodeEntryRead[]): Promise<Set<string>> {
    const now = this.clock.now();
    const out = new Set<string>();
    for (const e of nodes) {
      if (e.nodeName === this.writer.node) continue;
      const updated = e.lastUpdateTime ? Date.parse(e.lastUpdateTime) : 0;
      if (now - updated < this.opts.staleNodeMs) continue;
      let seen = this.nodeSeen.get(e.nodeName);
      if (!seen || now - seen.at >= this.opts.staleNodeMs) {
        seen = { exists: await this.writer.nodeExists(e.nodeName), at: now };
        this.nodeSeen.set(e.nodeName, seen);
      }
      if (!seen.exists) out.add(e.nodeName);
    }
    return out;
  }

  /** Totals and conditions from status.nodes, at the resourceVersion read; retried on conflict. */
  async recompute(namespace: string, name: string): Promise<'ok' | 'unchanged' | 'gone' | 'conflict'> {
    for (let attempt = 1; attempt <= this.opts.conflictAttempts; attempt++) {
      const read = await this.writer.readPolicy(namespace, name);
      if (read === 'gone') return 'gone';
      const nodes = read.status.nodes ?? [];
      const gone = await this.gone(nodes);
      const live = liveNodes(nodes, gone);
      const totals = policyTotals(live, read.status.conditions ?? [], this.clock.now());
      if (gone.size === 0 && sameTotals(read.status, totals)) return 'unchanged';
      const r = await this.metrics.timed('policy_totals', () => this.writer.patchPolicyTotals(namespace, name, read.resourceVersion, totals, gone.size > 0 ? live : undefined),
        (x) => (x === 'gone' ? 'gone' : x === 'conflict' ? 'conflict' : 'ok'));
      if (r !== 'conflict') return r;
      await (this.opts.sleep ?? realSleep)(backoffMs(attempt, { attempts: this.opts.conflictAttempts, baseMs: 50, maxMs: 1000 }));
    }
    this.log('warn', 'AgentPolicy totals: too many conflicts, left to the next writer', { namespace, name });
    return 'conflict';
  }
}
