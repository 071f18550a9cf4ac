/**
 * Event aggregation and rate limiting, decided on the time passed in (no
 * timers, no I/O): the reporter feeds occurrences with observe() and asks
 * due() which API writes to make now.
 *
 * - Occurrences with the same key (same pod, reason, target, policy, rule,
 *   ...: "isomorphic") within `seriesWindowMs` of the last one fold into one
 *   Event: the first is created, later ones update its `series`
 *   {count, lastObservedTime}, at most once per `seriesIntervalMs` per Event.
 * - Every write takes a token from the bucket of its (pod, reason) and from
 *   the node's global bucket; without both it waits (creates are deferred,
 *   not lost, while the key stays in memory).
 * - Memory is bounded: at most `maxKeys` aggregation keys and `maxKeys`
 *   buckets (least recently used evicted). Occurrences that never reached the
 *   API (evicted or forgotten) are reported through `onSuppressed`; metrics
 *   count every occurrence regardless.
 */
import { Lru } from './lru.js';
import { TokenBucket, type BucketSpec } from './token-bucket.js';

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
}

/** What one Event says. */
export interface EventSpec {
  /** Occurrences with equal keys aggregate into one Event. */
  readonly key: string;
  /** The rate-limit key: (pod, reason). */
  readonly limitKey: string;
  /** Namespace the Event lives in (the pod's; `default` for a Node). */
  readonly namespace: string;
  readonly regarding: ObjectRef;
  readonly related?: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly action: string;
  readonly note: string;
}

export interface AggregatorOptions {
  /** A repeat later than this after the last occurrence starts a new Event (client-go: 6 min). */
  readonly seriesWindowMs: number;
  /** Series updates of one Event at most this often. */
  readonly seriesIntervalMs: number;
  readonly perKey: BucketSpec;
  readonly global: BucketSpec;
  readonly maxKeys: number;
}

export const DEFAULT_AGGREGATION: AggregatorOptions = {
  seriesWindowMs: 6 * 60_000,
  seriesIntervalMs: 10_000,
  perKey: { perSecond: 0.2, burst: 5 },
  global: { perSecond: 5, burst: 25 },
  maxKeys: 4096,
} as const;

export type EventWrite =
  | { readonly op: 'create'; readonly key: string; readonly spec: EventSpec; readonly count: number; readonly firstMs: number; readonly lastMs: number }
  | { readonly op: 'series'; readonly key: string; readonly spec: EventSpec; readonly name: string; readonly count: number; readonly lastMs: number };

export type WriteOutcome =
  | { readonly result: 'created'; readonly name: string }
  | { readonly result: 'updated' }
  /** The object the Event is about (or the Event itself, for a series update) is gone. */
  | { readonly result: 'gone' }
  /** The API refused it for good (4xx other than 404/429): not retried. */
  | { readonly result: 'rejected' }
  /** Worth another try later (connection, 5xx after retries). */
  | { readonly result: 'failed' };

interface Entry {
  spec: EventSpec;
  firstMs: number;
  lastMs: number;
  /** Occurrences folded into this Event (including the first). */
  count: number;
  /** Count the API has (0: not created). */
  reported: number;
  name: string | undefined;
  inflight: boolean;
  /** When the last write for it was issued (series pacing). */
  lastWriteMs: number;
}

export interface Suppressed {
  readonly reason: string;
  readonly count: number;
  readonly why: 'evicted' | 'gone' | 'rejected' | 'closed';
}

export class EventAggregator {
  private readonly entries: Lru<string, Entry>;
  private readonly buckets: Lru<string, TokenBucket>;
  private readonly global: TokenBucket;

  constructor(readonly opts: AggregatorOptions, now: number, private readonly onSuppressed: (s: Suppressed) => void = () => undefined) {
    this.entries = new Lru(opts.maxKeys, (_k, e) => { this.lost(e, 'evicted'); });
    this.buckets = new Lru(opts.maxKeys);
    this.global = new TokenBucket(opts.global, now);
  }

  private lost(e: Entry, why: Suppressed['why']): void {
    const n = e.count - e.reported;
    if (n > 0) this.onSuppressed({ reason: e.spec.reason, count: n, why });
  }

  get keys(): number {
    return this.entries.size;
  }

  /** One occurrence at `now`: a new Event, or folded into the series of an existing one. */
  observe(spec: EventSpec, now: number): 'new' | 'folded' {
    const e = this.entries.get(spec.key);
    if (e && (e.inflight || now - e.lastMs <= this.opts.seriesWindowMs)) {
      e.count++;
      e.lastMs = Math.max(e.lastMs, now);
      return 'folded';
    }
    if (e) this.lost(e, 'evicted');
    this.entries.set(spec.key, { spec, firstMs: now, lastMs: now, count: 1, reported: 0, name: undefined, inflight: false, lastWriteMs: -Infinity });
    return 'new';
  }

  private bucket(limitKey: string, now: number): TokenBucket {
    let b = this.buckets.get(limitKey);
    if (!b) {
      b = new TokenBucket(this.opts.perKey, now);
      this.buckets.set(limitKey, b);
    }
    return b;
  }

  private wants(e: Entry, now: number, force: boolean): 'create' | 'series' | undefined {
    if (e.inflight || e.count <= e.reported) return undefined;
    if (e.name === undefined) return 'create';
    return force || now - e.lastWriteMs >= this.opts.seriesIntervalMs ? 'series' : undefined;
  }

  /** Drop Events whose series window closed with everything reported (bounded TTL). */
  private sweep(now: number): void {
    for (const [k, e] of [...this.entries.entries()]) {
      if (now - e.lastMs <= this.opts.seriesWindowMs) break;
      if (e.inflight) continue;
      this.lost(e, 'evicted');
      this.entries.delete(k);
    }
  }

  /**
   * The writes to issue now (at most `max`), creates first; each takes its
   * tokens. `force` ignores series pacing (shutdown drain), never the buckets.
   */
  due(now: number, max: number, force = false): EventWrite[] {
    this.sweep(now);
    const out: EventWrite[] = [];
    for (const phase of ['create', 'series'] as const) {
      for (const [key, e] of this.entries.entries()) {
        if (out.length >= max || !this.global.available(now)) return out;
        if (this.wants(e, now, force) !== phase) continue;
        const b = this.bucket(e.spec.limitKey, now);
        if (!b.take(now)) continue;
        this.global.take(now);
        e.inflight = true;
        e.lastWriteMs = now;
        out.push(phase === 'create'
          ? { op: 'create', key, spec: e.spec, count: e.count, firstMs: e.firstMs, lastMs: e.lastMs }
          : { op: 'series', key, spec: e.spec, name: e.name ?? '', count: e.count, lastMs: e.lastMs });
      }
    }
    return out;
  }

  /** The outcome of a write due() handed out. */
  settle(w: EventWrite, outcome: WriteOutcome): void {
    const e = this.entries.peek(w.key);
    if (!e) return;
    e.inflight = false;
    switch (outcome.result) {
      case 'created':
        e.name = outcome.name;
        e.reported = w.count;
        break;
      case 'updated':
        e.reported = Math.max(e.reported, w.count);
        break;
      case 'rejected':
        this.lost(e, 'rejected');
        this.entries.delete(w.key);
        break;
      case 'gone':
        if (w.op === 'series') {
          // The Event expired (TTL): the next write creates a new one with what is unreported.
          e.count -= e.reported;
          e.firstMs = e.lastMs;
          e.reported = 0;
          e.name = undefined;
        } else {
          this.lost(e, 'gone');
          this.entries.delete(w.key);
        }
        break;
      case 'failed':
        break;
    }
  }

  /** Occurrences not yet in the API. */
  pending(): number {
    let n = 0;
    for (const [, e] of this.entries.entries()) n += e.count - e.reported;
    return n;
  }

  /** Writes in flight. */
  inflight(): number {
    let n = 0;
    for (const [, e] of this.entries.entries()) if (e.inflight) n++;
    return n;
  }

  /** Milliseconds until due() may return something (Infinity when nothing is pending). */
  nextDueMs(now: number, force = false): number {
    let best = Infinity;
    for (const [, e] of this.entries.entries()) {
      if (e.inflight || e.count <= e.reported) continue;
      const pace = e.name === undefined || force ? 0 : Math.max(0, e.lastWriteMs + this.opts.seriesIntervalMs - now);
      const tokens = Math.max(this.global.waitMs(now), this.bucket(e.spec.limitKey, now).waitMs(now));
      best = Math.min(best, Math.max(pace, tokens));
    }
    return best;
  }

  /** Forget everything about a pod (deleted): its unreported occurrences are counted as suppressed. */
  forget(matches: (spec: EventSpec) => boolean): void {
    for (const [k, e] of [...this.entries.entries()]) {
      if (!matches(e.spec)) continue;
      this.lost(e, 'gone');
      this.entries.delete(k);
    }
  }

  /** At shutdown: what could not be written is counted as suppressed. */
  close(): void {
    for (const [k, e] of [...this.entries.entries()]) {
      this.lost(e, 'closed');
      this.entries.delete(k);
    }
  }
}
