/**
 * The node agent's reporting: what the kernel side decides becomes what a
 * Kubernetes user sees.
 *
 *   verdict(v)       metrics (exact), one JSON line on stdout, an Event on the pod (aggregated, rate limited)
 *   protection(p)    the pod condition ziriz.io/protected (+ a ProtectionAttached/Degraded/Failed Event when it changes)
 *   policyStatus(s)  this node's entry in AgentPolicy status.nodes, then totals and conditions
 *   nodeHooks(a, d)  a Node Event and a log line when the node's usable hooks change
 *   podGone(uid)     forget a deleted pod
 *   flush(), close() drain pending writes (bounded)
 *
 * Every API write goes through the NodeAgentWrites given (kube/writer.ts).
 */
import { jsonLogger, type LogFn } from '../../../core/log/json-log.js';
import type { NodeAgentWrites } from '../kube/writer.js';
import { DEFAULT_AGGREGATION, type AggregatorOptions } from './aggregator.js';
import { systemClock, type Clock } from './clock.js';
import { ReporterClosedError } from './errors.js';
import { EventPump } from './event-pump.js';
import { nodeHooksEventSpec, protectionEventSpec, verdictEventSpec, type DegradedHook } from './event-spec.js';
import { verdictLine } from './log-line.js';
import type { NodeAgentMetrics } from './metrics.js';
import { PodConditions } from './pod-conditions.js';
import { PolicyReporter } from './policy-reporter.js';
import type { Sleep } from './retry.js';
import type { PolicyNodeStatus, Protection, Verdict } from './types.js';

export interface ReporterOptions {
  readonly clock?: Clock;
  /** Where verdict JSON lines go (default stdout). */
  readonly out?: NodeJS.WritableStream;
  /** Operational log (default JSON lines on stderr). */
  readonly log?: LogFn;
  readonly aggregation?: Partial<AggregatorOptions>;
  /** Event writes in flight at most (default 4). */
  readonly maxInflightEvents?: number;
  /** Pod condition / policy status writes in flight at most (default 8 each). */
  readonly concurrency?: number;
  /** Pods and policies remembered for deduplication (default 10,000 each). */
  readonly maxObjects?: number;
  readonly staleNodeMs?: number;
  readonly conflictAttempts?: number;
  /** Write Events by timer (default true; tests drive pump()/flush()). */
  readonly autoPump?: boolean;
  readonly sleep?: Sleep;
}

export class Reporter {
  readonly events: EventPump;
  private readonly conditions: PodConditions;
  private readonly policies: PolicyReporter;
  private readonly clock: Clock;
  private readonly out: NodeJS.WritableStream;
  private readonly log: LogFn;
  private lastHooks = '';
  private closed = false;

  constructor(writer: NodeAgentWrites, private readonly metrics: NodeAgentMetrics, readonly node: string, opts: ReporterOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.out = opts.out ?? process.stdout;
    this.log = opts.log ?? jsonLogger('node-agent/report');
    const maxObjects = opts.maxObjects ?? 10_000;
    this.events = new EventPump(writer, metrics, this.clock, this.log, {
      aggregation: { ...DEFAULT_AGGREGATION, ...opts.aggregation },
      maxInflight: opts.maxInflightEvents ?? 4,
      autoPump: opts.autoPump ?? true,
    });
    this.conditions = new PodConditions(writer, metrics, this.clock, this.log, (p) => { this.events.record(protectionEventSpec(p, node)); },
      { concurrency: opts.concurrency ?? 8, maxPods: maxObjects });
    this.policies = new PolicyReporter(writer, metrics, this.clock, this.log, {
      concurrency: opts.concurrency ?? 8,
      maxPolicies: maxObjects,
      conflictAttempts: opts.conflictAttempts ?? 10,
      staleNodeMs: opts.staleNodeMs ?? 60 * 60_000,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    });
  }

  /** A kernel (or held-call) decision: counted, logged as one JSON line, reported as a (possibly aggregated) Event. */
  verdict(v: Verdict): void {
    this.metrics.verdict(v);
    this.out.write(verdictLine(v, this.node));
    const spec = verdictEventSpec(v, this.node);
    if (spec) this.events.record(spec);
  }

  /** The protection of a pod: its ziriz.io/protected condition (written only when it changes). */
  protection(p: Protection): void {
    if (this.refuse('protection')) return;
    this.conditions.set(p);
  }

  /** This node's contribution to an AgentPolicy's status (written only when it changes). */
  policyStatus(s: PolicyNodeStatus): void {
    if (this.refuse('policy status')) return;
    this.policies.set(s);
  }

  /** The hooks this node's kernel provides; degraded ones make a Node Event and a warning, once per change. */
  nodeHooks(attached: readonly string[], degraded: readonly DegradedHook[]): void {
    const key = JSON.stringify([[...attached].sort(), [...degraded].map((d) => [d.hook, d.why]).sort()]);
    if (key === this.lastHooks) return;
    this.lastHooks = key;
    this.metrics.nodeHooksDegraded.reset();
    for (const d of degraded) this.metrics.nodeHooksDegraded.set({ hook: d.hook }, 1);
    if (degraded.length === 0) {
      this.log('info', 'all hooks available', { node: this.node, attached });
      return;
    }
    this.log('warn', 'hooks degraded on this node', { node: this.node, attached, degraded });
    if (!this.closed) this.events.record(nodeHooksEventSpec(this.node, attached, degraded));
  }

  /** A pod was deleted: forget its condition (its pending Events are still written). */
  podGone(uid: string): void {
    this.conditions.forget(uid);
  }

  /** Issue the Event writes due now (tests with autoPump: false). */
  pump(): number {
    return this.events.pump();
  }

  /** Write everything pending (Event series pacing ignored, rate limits kept), within `timeoutMs`. */
  async flush(timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    const left = (): number => Math.max(0, deadline - performance.now());
    await Promise.race([Promise.all([this.conditions.queue.idle(), this.policies.queue.idle()]), sleepFor(left())]);
    const unwritten = await this.events.drain(left());
    if (unwritten > 0) this.log('warn', 'Event occurrences not written in time', { unwritten });
  }

  /** Flush (bounded), then stop writing; what is left is counted as suppressed. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    await this.flush(timeoutMs);
    this.closed = true;
    this.events.close();
  }

  private refuse(what: string): boolean {
    if (!this.closed) return false;
    this.log('warn', new ReporterClosedError(what).message);
    return true;
  }
}

function sleepFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
