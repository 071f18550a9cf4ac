import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { KubeApiError } from '../../../core/kube/errors.js';
import { KubeClient } from '../../../core/kube/lean/client.js';
import { KubeDecodeError } from '../../../core/kube/lean/errors.js';
import { PODS } from '../../../core/kube/lean/resource.js';
import type { KubeObject } from '../../../core/kube/lean/types.js';
import type { WatchDelivery, WatchEnd } from '../../../core/kube/lean/watch.js';
import { FakeApi, sendStatus, type FakeRequest } from './fake-api.js';

const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;
const pod = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Write `text` in pieces of `size` bytes with a pause between them, as a slow proxy would. */
async function trickle(res: ServerResponse, text: string, size: number): Promise<void> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) {
    res.write(bytes.subarray(i, i + size));
    await sleep(1);
  }
}

describe('lean client: watch streams (mock: scripted chunk boundaries, ERROR events, drops and silence)', () => {
  let api: FakeApi;
  let kube: KubeClient;
  let script: (req: FakeRequest, res: ServerResponse) => Promise<void> = () => Promise.resolve();
  before(async () => {
    api = await FakeApi.start((req, res) => script(req, res));
    kube = new KubeClient(api.access());
  });
  after(async () => { kube.close(); await api.close(); });

  async function watch(opts: { idleMs?: number; signal?: AbortSignal } = {}): Promise<{ events: string[]; end: WatchEnd | KubeApiError | KubeDecodeError }> {
    const events: string[] = [];
    const end = await kube.watch<KubeObject>(PODS, {}, { resourceVersion: '5', fieldSelector: 'spec.nodeName=n1', timeoutSeconds: 60, ...opts },
      (e: WatchDelivery<KubeObject>) => { events.push(`${e.type} ${e.object.metadata?.name ?? ''}@${e.object.metadata?.resourceVersion ?? ''}`); })
      .catch((e: unknown) => {
        if (e instanceof KubeApiError || e instanceof KubeDecodeError) return e;
        throw e;
      });
    return { events, end };
  }

  it('asks for watch=1, bookmarks, the resourceVersion, a server timeout and the selector; delivers split lines; ends "closed"', async () => {
    script = async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      await trickle(res, line('ADDED', pod('a', '6')) + line('BOOKMARK', { metadata: { resourceVersion: '8' } }) + line('MODIFIED', pod('a', '9')) + line('DELETED', pod('a', '10')), 7);
      res.end();
    };
    const { events, end } = await watch();
    expect(end).to.equal('closed');
    expect(events).to.deep.equal(['ADDED a@6', 'BOOKMARK @8', 'MODIFIED a@9', 'DELETED a@10']);
    expect(Object.fromEntries(api.requests.at(-1)?.query ?? [])).to.deep.equal({
      watch: '1', allowWatchBookmarks: 'true', resourceVersion: '5', timeoutSeconds: '60', fieldSelector: 'spec.nodeName=n1',
    });
  });

  it('rejects with a 410 KubeApiError (gone) on an ERROR event, after the events before it', async () => {
    script = (_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', pod('a', '6')) + line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (90)' }));
      return Promise.resolve(); // the stream stays open: the client must not wait for it
    };
    const { events, end } = await watch();
    expect(events).to.deep.equal(['ADDED a@6']);
    expect(end).to.be.instanceOf(KubeApiError);
    expect(end).to.include({ status: 410, gone: true, reason: 'Expired' });
  });

  it('rejects with a 410 KubeApiError when the watch request itself is answered 410', async () => {
    script = (_req, res) => { sendStatus(res, 410, 'Expired', 'too old'); return Promise.resolve(); };
    expect((await watch()).end).to.include({ status: 410, gone: true });
  });

  it('rejects with KubeDecodeError on a garbage line (no crash), and drops the connection', async () => {
    let closed = false;
    script = (_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', pod('a', '6')) + '<html>proxy error</html>\n' + line('ADDED', pod('b', '7')));
      res.on('close', () => { closed = true; });
      return Promise.resolve();
    };
    const { events, end } = await watch();
    expect(events).to.deep.equal(['ADDED a@6']);
    expect(end).to.be.instanceOf(KubeDecodeError);
    await sleep(50);
    expect(closed).to.equal(true);
  });

  it('rejects with status 0 when the connection drops mid-stream (and mid-line)', async () => {
    script = (_req, res) => {
      res.writeHead(200);
      res.write(line('ADDED', pod('a', '6')) + '{"type":"MODIF');
      setTimeout(() => res.socket?.destroy(), 20);
      return Promise.resolve();
    };
    const { events, end } = await watch();
    expect(events).to.deep.equal(['ADDED a@6']);
    expect(end).to.be.instanceOf(KubeApiError).and.include({ status: 0 });
  });

  it('ends "idle" when nothing arrives for idleMs (a dead connection is not waited on forever)', async () => {
    script = (_req, res) => { res.writeHead(200); res.write(line('ADDED', pod('a', '6'))); return Promise.resolve(); };
    const t0 = performance.now();
    const { events, end } = await watch({ idleMs: 150 });
    expect([events, end]).to.deep.equal([['ADDED a@6'], 'idle']);
    expect(performance.now() - t0).to.be.within(120, 1500);
  });

  it('ends "aborted" when the caller aborts, before or after the headers', async () => {
    script = (_req, res) => { res.writeHead(200); res.flushHeaders(); return Promise.resolve(); };
    const ac = new AbortController();
    setTimeout(() => { ac.abort(); }, 50);
    expect((await watch({ signal: ac.signal })).end).to.equal('aborted');
    script = () => Promise.resolve(); // no headers ever
    const early = new AbortController();
    setTimeout(() => { early.abort(); }, 50);
    expect((await watch({ signal: early.signal })).end).to.equal('aborted');
  });

  it('passes on what the event handler throws as the rejection', async () => {
    script = (_req, res) => { res.writeHead(200); res.write(line('ADDED', pod('a', '6'))); return Promise.resolve(); };
    const err = await kube.watch(PODS, {}, { timeoutSeconds: 60 }, () => { throw new RangeError('listener broke'); }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RangeError);
  });
});
