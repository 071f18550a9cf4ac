/**
 * Prometheus metrics of the node agent (own registry, no global state).
 * Counts here are exact: every verdict is counted whether or not an Event
 * was written for it. Kernel totals (per-CPU counters summed by the agent)
 * are exported as counters by feeding their increase.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Verdict } from './types.js';

export const API_OPS = ['pod_condition', 'pod_condition_read', 'event_create', 'event_series', 'node_event', 'policy_apply', 'policy_totals'] as const;
export type ApiOp = (typeof API_OPS)[number];
export type ApiResult = 'ok' | 'gone' | 'conflict' | 'error';

/** Ring-buffer totals as the reader reports them (RingBufferReader.stats()). */
export interface RingBufferTotals {
  readonly records: number;
  readonly bytes: number;
  readonly batches: number;
  readonly wakeups?: number;
  readonly sinkErrors?: number;
}

/**
 * The increase of monotonic totals read from a source (kernel map, reader
 * stats): a total below the last one means the source restarted (map
 * recreated), and its new value is the increase.
 */
export class Increases {
  private readonly last = new Map<string, number>();

  increase(key: string, raw: bigint | number): number {
    const total = Number(raw);
    if (!Number.isFinite(total) || total < 0) return 0;
    const prev = this.last.get(key) ?? 0;
    this.last.set(key, total);
    return total >= prev ? total - prev : total;
  }
}

export class NodeAgentMetrics {
  readonly registry = new Registry();
  readonly verdicts = new Counter({
    name: 'ziriz_node_agent_verdicts_total',
    help: 'Verdicts (deny or audit) by kind, verdict, namespace and Event reason; exact, whatever Events were rate limited',
    labelNames: ['kind', 'verdict', 'namespace', 'reason'] as const,
    registers: [this.registry],
  });
  readonly kernelCounters = new Counter({
    name: 'ziriz_node_agent_kernel_events_total',
    help: 'Kernel-side counters of the BPF programs (drops, failures, hits), per-CPU values summed, by counter name',
    labelNames: ['counter'] as const,
    registers: [this.registry],
  });
  readonly ringRecords = new Counter({ name: 'ziriz_node_agent_ringbuf_records_total', help: 'Ring-buffer records handed to userspace', registers: [this.registry] });
  readonly ringBytes = new Counter({ name: 'ziriz_node_agent_ringbuf_bytes_total', help: 'Ring-buffer bytes handed to userspace', registers: [this.registry] });
  readonly ringBatches = new Counter({ name: 'ziriz_node_agent_ringbuf_batches_total', help: 'Ring-buffer batches read', registers: [this.registry] });
  readonly ringWakeups = new Counter({ name: 'ziriz_node_agent_ringbuf_wakeups_total', help: 'Ring-buffer epoll wakeups', registers: [this.registry] });
  readonly ringSinkErrors = new Counter({ name: 'ziriz_node_agent_ringbuf_sink_errors_total', help: 'Records whose handler threw', registers: [this.registry] });
  readonly decodeErrors = new Counter({
    name: 'ziriz_node_agent_ringbuf_decode_errors_total',
    help: 'Ring-buffer records that could not be decoded, by op and error code',
    labelNames: ['op', 'code'] as const,
    registers: [this.registry],
  });
  readonly ringLag = new Histogram({
    name: 'ziriz_node_agent_ringbuf_lag_seconds',
    help: 'Time from the kernel writing a record to userspace handling it',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly attachFailures = new Counter({
    name: 'ziriz_node_agent_attach_failures_total',
    help: 'Failures to attach a hook, by hook',
    labelNames: ['hook'] as const,
    registers: [this.registry],
  });
  readonly pods = new Gauge({
    name: 'ziriz_node_agent_pods',
    help: 'Agent pods on this node by protection state (protected, degraded: protected with degraded hooks, unprotected)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly protectionSeconds = new Histogram({
    name: 'ziriz_node_agent_protection_seconds',
    help: 'Time from a pod\'s first process starting to its protection being complete in the kernel (maps, TC filter, uprobes), for pods this agent saw start',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly nodeHooksDegraded = new Gauge({
    name: 'ziriz_node_agent_hook_degraded',
    help: '1 for each hook this node cannot provide',
    labelNames: ['hook'] as const,
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'ziriz_node_agent_api_writes_total',
    help: 'Kubernetes API calls of the reporter by operation and result (gone: the object no longer exists)',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly apiRetries = new Counter({
    name: 'ziriz_node_agent_api_retries_total',
    help: 'Retries of Kubernetes API calls after a connection error, 429 or 5xx',
    labelNames: ['op'] as const,
    registers: [this.registry],
  });
  readonly apiDuration = new Histogram({
    name: 'ziriz_node_agent_api_write_duration_seconds',
    help: 'Duration of Kubernetes API calls of the reporter (retries included)',
    labelNames: ['op'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly eventsSuppressed = new Counter({
    name: 'ziriz_node_agent_events_suppressed_total',
    help: 'Occurrences never written to an Event (rate limited and evicted, pod gone, or shutdown), by reason',
    labelNames: ['reason', 'why'] as const,
    registers: [this.registry],
  });
  readonly eventsAggregated = new Counter({
    name: 'ziriz_node_agent_events_aggregated_total',
    help: 'Occurrences reported to the API inside an existing Event series rather than as a new Event, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly verdictsWithoutPod = new Counter({
    name: 'ziriz_node_agent_verdicts_without_pod_total',
    help: 'Verdicts whose cgroup maps to no known pod (no Event possible)',
    registers: [this.registry],
  });

  readonly holdSeconds = new Histogram({
    name: 'ziriz_node_agent_hold_seconds',
    help: 'Time a held call was stopped: from the probe firing (kernel clock) to resume or kill, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1],
    registers: [this.registry],
  });
  readonly callsAudited = new Counter({ name: 'ziriz_node_agent_calls_audited_total', help: 'Calls an Audit policy would have blocked (reported, not held)', registers: [this.registry] });
  readonly judgeFailures = new Counter({ name: 'ziriz_node_agent_judge_failures_total', help: 'Held calls the agent could not judge (blocked: fail closed)', registers: [this.registry] });
  readonly probedProcesses = new Gauge({ name: 'ziriz_node_agent_probed_links', help: 'Per-process uprobe links in place', registers: [this.registry] });
  readonly realtime = new Gauge({ name: 'ziriz_node_agent_realtime_wait', help: '1 while the agent waits for kernel events at real-time priority (ZIRIZ_RT_PRIORITY), 0 when off or refused', registers: [this.registry] });

  private readonly increases = new Increases();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'ziriz_node_agent_' });
  }

  verdict(v: Verdict): void {
    this.verdicts.inc({ kind: v.kind, verdict: v.verdict, namespace: v.pod?.namespace ?? '', reason: v.reason });
    if (!v.pod) this.verdictsWithoutPod.inc();
  }

  /** Kernel counter totals (counter name → total since the map was created), e.g. { ringbuf_full: 3n }. */
  setKernelCounters(totals: Readonly<Record<string, bigint | number>>): void {
    for (const [counter, total] of Object.entries(totals)) {
      this.kernelCounters.inc({ counter }, this.increases.increase(`kernel/${counter}`, total));
    }
  }

  /** Ring-buffer reader totals (RingBufferReader.stats()). */
  setRingBuffer(t: RingBufferTotals): void {
    const feed: readonly [keyof RingBufferTotals, Counter][] = [
      ['records', this.ringRecords], ['bytes', this.ringBytes], ['batches', this.ringBatches],
      ['wakeups', this.ringWakeups], ['sinkErrors', this.ringSinkErrors],
    ];
    for (const [key, counter] of feed) {
      const total = t[key];
      if (total !== undefined) counter.inc(this.increases.increase(`ring/${key}`, total));
    }
  }

  decodeError(op: string, code: string): void {
    this.decodeErrors.inc({ op, code });
  }

  observeRingLag(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.ringLag.observe(seconds);
  }

  attachFailure(hook: string): void {
    this.attachFailures.inc({ hook });
  }

  setPods(counts: { readonly protected: number; readonly degraded: number; readonly unprotected: number }): void {
    this.pods.set({ state: 'protected' }, counts.protected);
    this.pods.set({ state: 'degraded' }, counts.degraded);
    this.pods.set({ state: 'unprotected' }, counts.unprotected);
  }

  apiWrite(op: ApiOp, result: ApiResult, seconds: number): void {
    this.apiWrites.inc({ op, result });
    this.apiDuration.observe({ op }, seconds);
  }

  /** Run an API call and count its result and duration. */
  async timed<T>(op: ApiOp, fn: () => Promise<T>, result: (r: T) => ApiResult): Promise<T> {
    const t0 = performance.now();
    try {
      const r = await fn();
      this.apiWrite(op, result(r), (performance.now() - t0) / 1000);
      return r;
    } catch (e: unknown) {
      this.apiWrite(op, 'error', (performance.now() - t0) / 1000);
      throw e;
    }
  }

  /** The value of a counter/gauge sample (tests, health). */
  async value(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const m = this.registry.getSingleMetric(name);
    if (!m) return 0;
    const { values } = await m.get();
    return values.filter((v) => Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x))
      .filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === undefined)
      .reduce((n, v) => n + v.value, 0);
  }
}
