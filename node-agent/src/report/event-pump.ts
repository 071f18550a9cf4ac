/**
 * Turns the aggregator's decisions into API writes: a bounded number in
 * flight, a single timer for the next due write, and a bounded drain at
 * shutdown. All Event writes of the node agent go through here.
 */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { NodeAgentWrites } from '../kube/writer.js';
import { EventAggregator, type AggregatorOptions, type EventSpec, type EventWrite, type WriteOutcome } from './aggregator.js';
import type { Clock } from './clock.js';
import type { NodeAgentMetrics } from './metrics.js';
import { KubeApiError } from '../../../core/kube/errors.js';
import { realSleep, retryable } from './retry.js';

export interface EventPumpOptions {
  readonly aggregation: AggregatorOptions;
  /** Event writes in flight at most. */
  readonly maxInflight: number;
  /** Schedule writes by timer (false: only pump()/drain() write; tests). */
  readonly autoPump: boolean;
}

export class EventPump {
  readonly aggregator: EventAggregator;
  private inflight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private settled: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly writer: NodeAgentWrites,
    private readonly metrics: NodeAgentMetrics,
    private readonly clock: Clock,
    private readonly log: LogFn,
    private readonly opts: EventPumpOptions,
  ) {
    this.aggregator = new EventAggregator(opts.aggregation, clock.now(), (s) => {
      metrics.eventsSuppressed.inc({ reason: s.reason, why: s.why }, s.count);
    });
  }

  /** One occurrence of an Event. */
  record(spec: EventSpec): void {
    if (this.closed) {
      this.metrics.eventsSuppressed.inc({ reason: spec.reason, why: 'closed' });
      return;
    }
    if (this.aggregator.observe(spec, this.clock.now()) === 'folded') this.metrics.eventsAggregated.inc({ reason: spec.reason });
    if (this.opts.autoPump) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed || !Number.isFinite(ms)) return;
    const at = performance.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, ms);
    this.timer.unref();
  }

  /** Issue what is due now; returns how many writes started. */
  pump(force = false): number {
    const now = this.clock.now();
    const writes = this.aggregator.due(now, Math.max(0, this.opts.maxInflight - this.inflight), force);
    for (const w of writes) this.start(w);
    if (this.opts.autoPump && this.inflight === 0) this.schedule(this.aggregator.nextDueMs(this.clock.now()));
    return writes.length;
  }

  private start(w: EventWrite): void {
    this.inflight++;
    const t0 = performance.now();
    const op = w.op === 'series' ? 'event_series' : w.spec.regarding.kind === 'Node' ? 'node_event' : 'event_create';
    this.write(w)
      .then((outcome) => {
        this.metrics.apiWrite(op, outcome.result === 'gone' ? 'gone' : 'ok', (performance.now() - t0) / 1000);
        return outcome;
      }, (e: unknown): WriteOutcome => {
        this.metrics.apiWrite(op, 'error', (performance.now() - t0) / 1000);
        const rejected = e instanceof KubeApiError && e.status >= 400 && e.status < 500 && !retryable(e);
        this.log('warn', 'event write failed', { op, reason: w.spec.reason, namespace: w.spec.namespace, regarding: w.spec.regarding.name, rejected, error: errorMessage(e) });
        return { result: rejected ? 'rejected' : 'failed' };
      })
      .then((outcome) => {
        this.aggregator.settle(w, outcome);
        this.inflight--;
        const waiters = this.settled;
        this.settled = [];
        for (const r of waiters) r();
        if (this.opts.autoPump) this.schedule(0);
      })
      .catch((e: unknown) => { this.log('error', 'event pump', { error: errorMessage(e) }); });
  }

  private async write(w: EventWrite): Promise<WriteOutcome> {
    if (w.op === 'series') {
      const r = await this.writer.eventSeries(w.spec.namespace, w.name, w.count, new Date(w.lastMs));
      return r === 'gone' ? { result: 'gone' } : { result: 'updated' };
    }
    const s = w.spec;
    const created = await this.writer.createEvent({
      namespace: s.namespace, regarding: s.regarding, type: s.type, reason: s.reason, action: s.action, note: s.note,
      eventTime: new Date(w.firstMs),
      ...(s.related ? { related: s.related } : {}),
      ...(w.count > 1 ? { series: { count: w.count, lastObservedTime: new Date(w.lastMs) } } : {}),
    });
    return created === 'gone' ? { result: 'gone' } : { result: 'created', name: created.name };
  }

  private nextSettle(): Promise<void> {
    return new Promise((r) => this.settled.push(r));
  }

  /**
   * Write everything pending now, series pacing ignored (rate limits still
   * hold), until nothing is pending or `timeoutMs` passed. Resolves to the
   * occurrences still unwritten.
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.pump(true);
      if (this.inflight === 0 && this.aggregator.pending() === 0) return 0;
      const left = deadline - performance.now();
      if (left <= 0) break;
      if (this.inflight > 0) await Promise.race([this.nextSettle(), realSleep(left)]);
      else await realSleep(Math.min(left, Math.max(10, this.aggregator.nextDueMs(this.clock.now(), true))));
    }
    return this.aggregator.pending();
  }

  /** Stop: nothing is written after this; what is unwritten is counted as suppressed. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.aggregator.close();
  }
}
