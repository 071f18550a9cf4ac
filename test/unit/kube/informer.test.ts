import { expect } from 'chai';
import { Backoff } from '../../../core/kube/backoff.js';
import { InformerSyncTimeoutError, KubeApiError } from '../../../core/kube/errors.js';
import type { ListOptions, ListResult, WatchOptions } from '../../../core/kube/lean/client.js';
import { KubeDecodeError } from '../../../core/kube/lean/errors.js';
import { Informer, type ListWatchSource } from '../../../core/kube/lean/informer.js';
import { PODS, type Resource, type Target } from '../../../core/kube/lean/resource.js';
import type { KubeObject } from '../../../core/kube/lean/types.js';
import type { WatchDelivery, WatchEnd } from '../../../core/kube/lean/watch.js';
import { SyncGate } from '../../../core/kube/sync-gate.js';

const obj = (name: string, rv: string, ns = 'ns'): KubeObject => ({ metadata: { name, namespace: ns, resourceVersion: rv } });
const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

type ListStep = ListResult<KubeObject> | Error;
type WatchStep = (emit: (e: WatchDelivery<KubeObject>) => void, signal: AbortSignal) => Promise<WatchEnd>;

/** A scripted list/watch source (mock: the informer's decisions, with no server): each call takes the next step; the last one repeats. */
class ScriptedSource implements ListWatchSource {
  readonly calls: string[] = [];
  constructor(private readonly lists: ListStep[], private readonly watches: WatchStep[]) {}

  list<T extends KubeObject>(_r: Resource, _at: Target, o: ListOptions): Promise<ListResult<T>> {
    this.calls.push(`list ${o.fieldSelector ?? ''}`.trim());
    const step = this.lists.length > 1 ? this.lists.shift() : this.lists[0];
    if (!step) throw new Error('no list step');
    return step instanceof Error ? Promise.reject(step) : Promise.resolve(step as ListResult<T>);
  }

  watch<T extends KubeObject>(_r: Resource, _at: Target, o: WatchOptions, onEvent: (e: WatchDelivery<T>) => void): Promise<WatchEnd> {
    this.calls.push(`watch ${o.resourceVersion ?? ''}`);
    const step = this.watches.length > 1 ? this.watches.shift() : this.watches[0];
    if (!step) throw new Error('no watch step');
    return step((e) => { onEvent(e as WatchDelivery<T>); }, o.signal ?? new AbortController().signal);
  }
}

/** A watch that stays open until aborted. */
const hang: WatchStep = (_emit, signal) => new Promise((resolve) => { signal.addEventListener('abort', () => { resolve('aborted'); }); });
const events = (...es: WatchDelivery<KubeObject>[]): WatchStep => async (emit) => {
  await tick();
  for (const e of es) emit(e);
  return 'closed';
};
const fail = (e: Error): WatchStep => async () => { await tick(); throw e; };
const gone = (): KubeApiError => KubeApiError.fromStatus('watch', { code: 410, reason: 'Expired', message: 'too old' });

function record(inf: Informer<KubeObject>): string[] {
  const log: string[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) inf.on(verb, (o) => { log.push(`${verb} ${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`); });
  return log;
}

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(2);
  }
}

describe('lean client: informer (mock: scripted list/watch source)', () => {
  it('lists, then applies watch events to the store and tells listeners; bookmarks move only the resourceVersion', async () => {
    const src = new ScriptedSource([{ items: [obj('a', '1'), obj('b', '2', 'other')], resourceVersion: '10' }], [
      events({ type: 'ADDED', object: obj('c', '11') }, { type: 'MODIFIED', object: obj('a', '12') }, { type: 'MODIFIED', object: obj('a', '12') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } }, { type: 'DELETED', object: obj('b', '21', 'other') }),
      hang,
    ]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't', fieldSelector: 'spec.nodeName=n1' });
    const log = record(inf);
    await inf.start(1000);
    expect(inf.synced).to.equal(true);
    await until('watch reopened', () => src.calls.length >= 3);
    expect(log).to.deep.equal(['add a@1', 'add b@2', 'add c@11', 'update a@12', 'delete b@21']); // the repeated MODIFIED @12 is no update
    expect(src.calls).to.deep.equal(['list spec.nodeName=n1', 'watch 10', 'watch 21']); // a closed watch resumes where it was, without a list
    expect(inf.list().map((o) => o.metadata?.name).sort()).to.deep.equal(['a', 'c']);
    expect(inf.list('other')).to.deep.equal([]);
    expect(inf.get('a', 'ns')?.metadata?.resourceVersion).to.equal('12');
    await inf.stop();
    expect(inf.synced).to.equal(false);
  });

  it('relists at once after 410 Gone (no error reported), announcing only what changed meanwhile', async () => {
    const errors: unknown[] = [];
    const src = new ScriptedSource([
      { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' },
      { items: [obj('a', '1'), obj('c', '30')], resourceVersion: '40' },
    ], [fail(gone()), hang]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't', minBackoffMs: 10_000, onError: (e) => errors.push(e) });
    const log = record(inf);
    await inf.start(1000);
    await until('second list', () => src.calls.length >= 4);
    expect(src.calls).to.deep.equal(['list', 'watch 10', 'list', 'watch 40']);
    expect(log).to.deep.equal(['add a@1', 'add b@2', 'delete b@2', 'add c@30']);
    expect([errors.length, inf.restarts, inf.synced]).to.deep.equal([0, 1, true]);
    await inf.stop();
  });

  // Rows: what goes wrong on the watch — each is reported, un-syncs the cache and restarts from a list after a backoff.
  const failures: [string, WatchStep][] = [
    ['a dropped connection (status 0)', fail(new KubeApiError('watch', 0, 'socket hang up', undefined))],
    ['a 500 ERROR event', fail(KubeApiError.fromStatus('watch', { code: 500, reason: 'InternalError', message: 'etcd' }))],
    ['a garbage line', fail(new KubeDecodeError('watch', 'watch line is not JSON', '<html>'))],
    ['a listener that throws', events({ type: 'ADDED', object: obj('boom', '11') })],
  ];
  for (const [what, step] of failures) {
    it(`restarts after ${what}: reported, not synced meanwhile, relisted after the backoff`, async () => {
      const errors: { err: unknown; ms: number }[] = [];
      let syncedDuringBackoff: boolean | undefined;
      const src = new ScriptedSource([{ items: [obj('a', '1')], resourceVersion: '10' }], [step, hang]);
      const inf = new Informer<KubeObject>(src, PODS, {
        name: 't', minBackoffMs: 40, random: () => 0.5,
        onError: (err, ms) => { errors.push({ err, ms }); setTimeout(() => { syncedDuringBackoff = inf.synced; }, 10); },
      });
      inf.on('add', (o) => { if (o.metadata?.name === 'boom') throw new RangeError('listener failed'); });
      await inf.start(1000);
      await until('relist', () => src.calls.length >= 4);
      expect(src.calls).to.deep.equal(['list', 'watch 10', 'list', 'watch 10']);
      expect(errors.map((e) => e.ms)).to.deep.equal([40]);
      expect(syncedDuringBackoff).to.equal(false);
      expect([inf.synced, inf.restarts]).to.deep.equal([true, 1]);
      await inf.stop();
    });
  }

  it('backs off exponentially (capped, with jitter) while the list keeps failing, and resets after a success', async () => {
    const delays: number[] = [];
    const down = new KubeApiError('list', 0, 'connect ECONNREFUSED', undefined);
    const src = new ScriptedSource([down, down, down, down, down, { items: [], resourceVersion: '5' }], [fail(down), hang]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't', minBackoffMs: 2, maxBackoffMs: 8, random: () => 1, onError: (_e, ms) => delays.push(ms) });
    await inf.start(2000);
    await until('the failed watch restarted', () => delays.length >= 6);
    expect(delays).to.deep.equal([2, 5, 10, 10, 10, 2]); // 2·1.2, 4·1.2, 8·1.2 (capped at 8 before jitter), then back to 2 after the list that worked
    await inf.stop();
  });

  it('waits after a second 410 in a row instead of relisting in a tight loop', async () => {
    const errors: unknown[] = [];
    const src = new ScriptedSource([{ items: [], resourceVersion: '1' }], [fail(gone()), fail(gone()), hang]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't', minBackoffMs: 20, onError: (e) => errors.push(e) });
    await inf.start(1000);
    await until('third watch', () => src.calls.filter((c) => c.startsWith('watch')).length >= 3);
    expect(errors).to.have.length(1);
    expect((errors[0] as KubeApiError).gone).to.equal(true);
    await inf.stop();
  });

  it('waits before re-watching when the server closes watches at once without events', async () => {
    let watches = 0;
    const src = new ScriptedSource([{ items: [], resourceVersion: '1' }], [() => { watches++; return Promise.resolve('closed'); }]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't', minBackoffMs: 30, maxBackoffMs: 30 });
    await inf.start(1000);
    await tick(100);
    await inf.stop();
    expect(watches).to.be.within(2, 6);
  });

  it('start() fails with InformerSyncTimeoutError when the first list never succeeds; stop() ends a backoff at once', async () => {
    const src = new ScriptedSource([new KubeApiError('list', 403, 'forbidden', undefined)], [hang]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 'pods', minBackoffMs: 60_000 });
    const err = await inf.start(50).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InformerSyncTimeoutError).and.include({ code: 'E_KUBE_INFORMER_SYNC_TIMEOUT', informer: 'pods' });
    const t0 = performance.now();
    await inf.stop();
    expect(performance.now() - t0).to.be.below(100);
  });

  it('stop() aborts an open watch', async () => {
    let aborted = false;
    const src = new ScriptedSource([{ items: [], resourceVersion: '1' }], [(_e, signal) => new Promise((r) => { signal.addEventListener('abort', () => { aborted = true; r('aborted'); }); })]);
    const inf = new Informer<KubeObject>(src, PODS, { name: 't' });
    await inf.start(1000);
    await tick();
    await inf.stop();
    expect(aborted).to.equal(true);
  });
});

describe('lean client: backoff and sync gate', () => {
  it('Backoff: doubles to the cap, jitters within ±jitter, resets', () => {
    const b = new Backoff({ minMs: 100, maxMs: 1000, jitter: 0.2, random: () => 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).to.deep.equal([80, 160, 320, 640, 800]);
    b.reset();
    expect(b.next()).to.equal(80);
    const top = new Backoff({ minMs: 100, random: () => 1 });
    expect(top.next()).to.equal(120);
  });

  it('SyncGate: wait resolves on open, times out with a typed error, and is immediate while open', async () => {
    const g = new SyncGate('g');
    const waiting = g.wait(1000);
    g.open();
    await waiting;
    await g.wait(0);
    g.close();
    expect(await g.wait(10).catch((e: unknown) => e)).to.be.instanceOf(InformerSyncTimeoutError);
  });
});
