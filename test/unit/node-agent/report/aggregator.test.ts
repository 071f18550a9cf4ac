import { expect } from 'chai';
import { DEFAULT_AGGREGATION, EventAggregator, type EventSpec, type EventWrite, type Suppressed } from '../../../../node-agent/src/report/aggregator.js';
import { TokenBucket } from '../../../../node-agent/src/report/token-bucket.js';
import { verdictEventSpec } from '../../../../node-agent/src/report/event-spec.js';
import { blockedToolCall, POD } from './fixtures.js';

const T0 = Date.UTC(2025, 0, 1);

function spec(over: Partial<EventSpec> = {}): EventSpec {
  return { ...verdictEventSpec(blockedToolCall(), 'node-1')!, ...over };
}

/** Drive an aggregator: every write succeeds at once (created names e1, e2, ...). */
function settleAll(agg: EventAggregator, writes: readonly EventWrite[], log: EventWrite[]): void {
  for (const w of writes) {
    log.push(w);
    agg.settle(w, w.op === 'create' ? { result: 'created', name: `e${log.length}` } : { result: 'updated' });
  }
}

describe('node-agent report: token bucket', () => {
  // Rows: [burst, perSecond, takes at t=0, then ms later, takes allowed then]
  const rows: [number, number, number, number, number][] = [
    [5, 1, 5, 0, 0], // burst spent, nothing refilled
    [5, 1, 5, 1000, 1], // one second refills one
    [5, 1, 5, 60_000, 5], // never more than the burst
    [1, 0.2, 1, 4999, 0], // 0.2/s: 5 s per token
    [1, 0.2, 1, 5000, 1],
  ];
  for (const [burst, perSecond, first, later, then] of rows) {
    it(`burst ${burst} at ${perSecond}/s: ${first} now, ${then} after ${later} ms`, () => {
      const b = new TokenBucket({ burst, perSecond }, T0);
      let n = 0;
      while (b.take(T0)) n++;
      expect(n).to.equal(first);
      let m = 0;
      while (b.take(T0 + later)) m++;
      expect(m).to.equal(then);
    });
  }

  it('says how long until the next token', () => {
    const b = new TokenBucket({ burst: 1, perSecond: 2 }, T0);
    expect(b.waitMs(T0)).to.equal(0);
    b.take(T0);
    expect(b.waitMs(T0)).to.equal(500);
    expect(b.waitMs(T0 + 400)).to.equal(100);
  });
});

describe('node-agent report: Event aggregation and rate limits (injected clock)', () => {
  it('10,000 identical verdicts in one simulated second: 1 create, then 1 series update per interval, count exact', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    const writes: EventWrite[] = [];
    for (let i = 0; i < 10_000; i++) {
      const now = T0 + Math.floor(i / 10); // 10 per ms
      agg.observe(spec(), now);
      if (i % 100 === 0) settleAll(agg, agg.due(now, 4), writes); // the reporter pumps often
    }
    expect(writes.map((w) => w.op)).to.deep.equal(['create']);
    expect(writes[0]?.count).to.equal(1);
    // Nothing more until the series interval has passed...
    settleAll(agg, agg.due(T0 + 5_000, 4), writes);
    expect(writes).to.have.length(1);
    // ...then one update carrying the exact count.
    settleAll(agg, agg.due(T0 + 10_000, 4), writes);
    expect(writes.map((w) => [w.op, w.count])).to.deep.equal([['create', 1], ['series', 10_000]]);
    expect(agg.pending()).to.equal(0);
  });

  it('a forced drain writes the series at once', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    const writes: EventWrite[] = [];
    agg.observe(spec(), T0);
    settleAll(agg, agg.due(T0, 4), writes);
    for (let i = 0; i < 9; i++) agg.observe(spec(), T0 + 1);
    settleAll(agg, agg.due(T0 + 2, 4, true), writes);
    expect(writes.map((w) => [w.op, w.count])).to.deep.equal([['create', 1], ['series', 10]]);
  });

  it('10,000 verdicts to distinct targets from one pod: creates capped by the (pod, reason) bucket, the rest suppressed on close', () => {
    const suppressed: Suppressed[] = [];
    const agg = new EventAggregator({ ...DEFAULT_AGGREGATION, maxKeys: 1000 }, T0, (s) => suppressed.push(s));
    const writes: EventWrite[] = [];
    for (let i = 0; i < 10_000; i++) {
      const now = T0 + Math.floor(i / 10);
      agg.observe(spec({ key: `target-${i}` }), now);
      if (i % 100 === 0) settleAll(agg, agg.due(now, 4), writes);
    }
    settleAll(agg, agg.due(T0 + 1000, 100), writes);
    // burst 5, refilled at 0.2/s: 5 in the first second.
    expect(writes).to.have.length(5);
    agg.close();
    const lost = suppressed.reduce((n, s) => n + s.count, 0);
    expect(lost + writes.length).to.equal(10_000);
    expect(suppressed.map((s) => s.why)).to.include.members(['evicted', 'closed']);
  });

  it('the global node budget caps creates across pods', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    for (let p = 0; p < 100; p++) agg.observe(spec({ key: `pod-${p}`, limitKey: `pod-${p}` }), T0);
    expect(agg.due(T0, 1000)).to.have.length(DEFAULT_AGGREGATION.global.burst);
    expect(agg.due(T0 + 1000, 1000)).to.have.length(DEFAULT_AGGREGATION.global.perSecond);
  });

  it('never hands out more than `max` writes, nor a second write for an Event in flight', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    for (let p = 0; p < 10; p++) agg.observe(spec({ key: `k${p}`, limitKey: `l${p}` }), T0);
    expect(agg.due(T0, 3)).to.have.length(3);
    const w = agg.due(T0, 100);
    expect(w).to.have.length(7);
    agg.observe(spec({ key: 'k0', limitKey: 'l0' }), T0 + 20_000);
    expect(agg.due(T0 + 20_000, 100)).to.have.length(0); // k0's create is still in flight
  });

  it('a repeat after the series window starts a new Event', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    const writes: EventWrite[] = [];
    agg.observe(spec(), T0);
    settleAll(agg, agg.due(T0, 4), writes);
    const later = T0 + DEFAULT_AGGREGATION.seriesWindowMs + 1;
    expect(agg.observe(spec(), later)).to.equal('new');
    settleAll(agg, agg.due(later, 4), writes);
    expect(writes.map((w) => w.op)).to.deep.equal(['create', 'create']);
  });

  it('an Event that expired (series update 404) is re-created with what was not yet reported', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    agg.observe(spec(), T0);
    const [c] = agg.due(T0, 4) as [EventWrite];
    agg.settle(c, { result: 'created', name: 'e1' });
    for (let i = 0; i < 4; i++) agg.observe(spec(), T0 + 100);
    const [s] = agg.due(T0 + 10_000, 4) as [EventWrite];
    expect(s).to.include({ op: 'series', count: 5, name: 'e1' });
    agg.settle(s, { result: 'gone' });
    const [again] = agg.due(T0 + 10_001, 4) as [EventWrite];
    expect(again).to.include({ op: 'create', count: 4 });
  });

  it('a refused create is dropped and counted, not retried', () => {
    const suppressed: Suppressed[] = [];
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0, (s) => suppressed.push(s));
    agg.observe(spec(), T0);
    agg.observe(spec(), T0);
    const [c] = agg.due(T0, 4) as [EventWrite];
    agg.settle(c, { result: 'rejected' });
    expect(agg.due(T0 + 60_000, 4)).to.deep.equal([]);
    expect(suppressed).to.deep.equal([{ reason: 'ToolCallBlocked', count: 2, why: 'rejected' }]);
  });

  it('a failed write is tried again later, counts intact', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    agg.observe(spec(), T0);
    const [c] = agg.due(T0, 4) as [EventWrite];
    agg.settle(c, { result: 'failed' });
    agg.observe(spec(), T0 + 1);
    const [again] = agg.due(T0 + 1, 4) as [EventWrite];
    expect(again).to.include({ op: 'create', count: 2 });
  });

  it('memory is bounded: at most maxKeys aggregation keys, evicted unreported occurrences are counted', () => {
    const suppressed: Suppressed[] = [];
    const agg = new EventAggregator({ ...DEFAULT_AGGREGATION, maxKeys: 10 }, T0, (s) => suppressed.push(s));
    for (let i = 0; i < 50; i++) agg.observe(spec({ key: `k${i}` }), T0);
    expect(agg.keys).to.equal(10);
    expect(suppressed.reduce((n, s) => n + s.count, 0)).to.equal(40);
  });

  it('forgets Events whose window closed with everything reported', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    agg.observe(spec(), T0);
    for (const w of agg.due(T0, 4)) agg.settle(w, { result: 'created', name: 'e' });
    expect(agg.keys).to.equal(1);
    agg.due(T0 + DEFAULT_AGGREGATION.seriesWindowMs + 1, 4);
    expect(agg.keys).to.equal(0);
  });

  it('tells when the next write may happen', () => {
    const agg = new EventAggregator(DEFAULT_AGGREGATION, T0);
    expect(agg.nextDueMs(T0)).to.equal(Infinity);
    agg.observe(spec(), T0);
    expect(agg.nextDueMs(T0)).to.equal(0);
    for (const w of agg.due(T0, 4)) agg.settle(w, { result: 'created', name: 'e' });
    agg.observe(spec(), T0 + 1000);
    expect(agg.nextDueMs(T0 + 1000)).to.equal(9000); // series pacing
    expect(agg.nextDueMs(T0 + 1000, true)).to.equal(0); // forced: only tokens matter
  });

  it('keys isomorphic verdicts together: pid and time do not split an Event, target and pod do', () => {
    const a = verdictEventSpec(blockedToolCall({ pid: 1 }), 'n')!;
    const b = verdictEventSpec(blockedToolCall({ pid: 2, time: new Date(0) }), 'n')!;
    const c = verdictEventSpec(blockedToolCall({ target: 'tools/call other' }), 'n')!;
    const d = verdictEventSpec(blockedToolCall({ pod: { ...POD, uid: 'uid-2' } }), 'n')!;
    expect(a.key).to.equal(b.key);
    expect(a.key).to.not.equal(c.key);
    expect(a.limitKey).to.equal(c.limitKey);
    expect(a.limitKey).to.not.equal(d.limitKey);
  });
});
