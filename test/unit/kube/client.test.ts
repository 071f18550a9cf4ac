import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { KubeApiError } from '../../../core/kube/errors.js';
import { KubeClient } from '../../../core/kube/lean/client.js';
import { KubeDecodeError } from '../../../core/kube/lean/errors.js';
import { EVENTS, PODS, resourcePath, type Resource } from '../../../core/kube/lean/resource.js';
import type { KubeObject } from '../../../core/kube/lean/types.js';
import { testCert } from '../../support/tls.js';
import { FakeApi, sendJson, sendStatus, type FakeRequest } from './fake-api.js';

const POLICIES: Resource = { group: 'ziriz.io', version: 'v1alpha1', plural: 'agentpolicies' };
const obj = (name: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' } });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e: unknown) {
    return e;
  }
  throw new Error('expected a rejection');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => { r(); }));
  return port;
}

describe('lean client: paths', () => {
  // Rows: [resource, target, path]
  const rows: [Resource, Parameters<typeof resourcePath>[1], string][] = [
    [PODS, {}, '/api/v1/pods'],
    [PODS, { namespace: 'ns' }, '/api/v1/namespaces/ns/pods'],
    [PODS, { namespace: 'ns', name: 'p', subresource: 'status' }, '/api/v1/namespaces/ns/pods/p/status'],
    [EVENTS, { namespace: 'ns', name: 'a.b' }, '/apis/events.k8s.io/v1/namespaces/ns/events/a.b'],
    [POLICIES, { namespace: 'ns', name: 'x', subresource: 'status' }, '/apis/ziriz.io/v1alpha1/namespaces/ns/agentpolicies/x/status'],
    [{ group: '', version: 'v1', plural: 'nodes' }, { name: 'node/1' }, '/api/v1/nodes/node%2F1'],
  ];
  for (const [r, t, path] of rows) it(path, () => { expect(resourcePath(r, t)).to.equal(path); });
  it('refuses a subresource without a name', () => { expect(() => resourcePath(PODS, { subresource: 'status' })).to.throw(RangeError); });
});

describe('lean client: requests (mock: checks the exact method, path, query, headers and body sent)', () => {
  let api: FakeApi;
  let kube: KubeClient;
  before(async () => {
    api = await FakeApi.start((req, res) => { sendJson(res, req.method === 'POST' ? 201 : 200, { metadata: { name: 'x', resourceVersion: '7' }, echo: req.body }); });
    kube = new KubeClient(api.access(), { userAgent: 'ziriz-test' });
  });
  after(async () => { kube.close(); await api.close(); });

  const last = (): FakeRequest => {
    const r = api.requests.at(-1);
    if (!r) throw new Error('no request');
    return r;
  };

  it('get of a subresource, with the bearer token, Accept and User-Agent', async () => {
    const got = await kube.get(PODS, { namespace: 'ns', name: 'p', subresource: 'status' });
    expect(got.metadata?.resourceVersion).to.equal('7');
    expect(last()).to.deep.include({ method: 'GET', path: '/api/v1/namespaces/ns/pods/p/status', body: '' });
    expect(last().headers).to.include({ authorization: 'Bearer t0k3n', accept: 'application/json', 'user-agent': 'ziriz-test' });
  });

  // Rows: [patch type, content type]
  const patches = [
    ['strategic-merge', 'application/strategic-merge-patch+json'],
    ['merge', 'application/merge-patch+json'],
    ['json', 'application/json-patch+json'],
  ] as const;
  for (const [type, contentType] of patches) {
    it(`patch (${type}) sends ${contentType} and the field manager`, async () => {
      await kube.patch(PODS, { namespace: 'ns', name: 'p', subresource: 'status' }, type, { status: { x: 1 } }, { fieldManager: 'fm' });
      expect(last()).to.deep.include({ method: 'PATCH', path: '/api/v1/namespaces/ns/pods/p/status', body: '{"status":{"x":1}}' });
      expect(last().headers['content-type']).to.equal(contentType);
      expect(Object.fromEntries(last().query)).to.deep.equal({ fieldManager: 'fm' });
    });
  }

  it('server-side apply: apply-patch+yaml with fieldManager and force', async () => {
    await kube.apply(POLICIES, { namespace: 'ns', name: 'x', subresource: 'status' }, { status: {} }, { fieldManager: 'ziriz-node-agent/n1', force: true });
    expect(last().headers['content-type']).to.equal('application/apply-patch+yaml');
    expect(Object.fromEntries(last().query)).to.deep.equal({ fieldManager: 'ziriz-node-agent/n1', force: 'true' });
    expect(last().path).to.equal('/apis/ziriz.io/v1alpha1/namespaces/ns/agentpolicies/x/status');
  });

  it('create posts JSON to the collection; extra query parameters pass through', async () => {
    const made = await kube.create<KubeObject & { echo: string }>(EVENTS, { namespace: 'ns' }, { note: 'é' }, { query: { dryRun: 'All' } });
    expect(made.echo).to.equal('{"note":"é"}');
    expect(last()).to.deep.include({ method: 'POST', path: '/apis/events.k8s.io/v1/namespaces/ns/events' });
    expect(last().headers).to.include({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"note":"é"}')) });
    expect(Object.fromEntries(last().query)).to.deep.equal({ dryRun: 'All' });
  });

  it('keeps the connection alive between calls', async () => {
    const before = api.requests.length;
    for (let i = 0; i < 5; i++) await kube.get(PODS, { namespace: 'ns', name: 'p' });
    expect(new Set(api.requests.slice(before).map((r) => r.remotePort)).size).to.equal(1);
  });
});

describe('lean client: list pagination (mock: scripted pages and continue tokens)', () => {
  it('follows continue until the last page and returns the list resourceVersion', async () => {
    const api = await FakeApi.start((req, res) => {
      const token = req.query.get('continue') ?? '';
      const page = token === '' ? 0 : Number(token.slice(1));
      const items = [obj(`p${page * 2}`), obj(`p${page * 2 + 1}`)];
      sendJson(res, 200, { kind: 'PodList', metadata: { resourceVersion: '100', ...(page < 2 ? { continue: `c${page + 1}` } : {}) }, items });
    });
    const kube = new KubeClient(api.access());
    try {
      const list = await kube.list(PODS, {}, { pageSize: 2, fieldSelector: 'spec.nodeName=n1', labelSelector: 'a=b' });
      expect(list.items.map((o) => o.metadata?.name)).to.deep.equal(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
      expect(list.resourceVersion).to.equal('100');
      expect(api.requests.map((r) => Object.fromEntries(r.query))).to.deep.equal([
        { labelSelector: 'a=b', fieldSelector: 'spec.nodeName=n1', limit: '2' },
        { labelSelector: 'a=b', fieldSelector: 'spec.nodeName=n1', limit: '2', continue: 'c1' },
        { labelSelector: 'a=b', fieldSelector: 'spec.nodeName=n1', limit: '2', continue: 'c2' },
      ]);
    } finally {
      kube.close();
      await api.close();
    }
  });

  it('lists again in one piece when a continue token expired (410)', async () => {
    const api = await FakeApi.start((req, res) => {
      if (req.query.get('continue')) { sendStatus(res, 410, 'Expired', 'The provided continue parameter is too old'); return; }
      if (req.query.get('limit')) { sendJson(res, 200, { metadata: { resourceVersion: '5', continue: 'old' }, items: [obj('a')] }); return; }
      sendJson(res, 200, { metadata: { resourceVersion: '9' }, items: [obj('a'), obj('b'), obj('c')] });
    });
    const kube = new KubeClient(api.access());
    try {
      const list = await kube.list(PODS, { namespace: 'ns' }, { pageSize: 1 });
      expect([list.items.length, list.resourceVersion]).to.deep.equal([3, '9']);
      expect(api.requests.map((r) => r.query.toString())).to.deep.equal(['limit=1', 'limit=1&continue=old', '']);
    } finally {
      kube.close();
      await api.close();
    }
  });

  it('treats "items": null as empty and a list without an items array as a decode error', async () => {
    let body: unknown = { metadata: { resourceVersion: '3' }, items: null };
    const api = await FakeApi.start((_req, res) => { sendJson(res, 200, body); });
    const kube = new KubeClient(api.access());
    try {
      expect((await kube.list(PODS)).items).to.deep.equal([]);
      body = { metadata: {}, items: { a: 1 } };
      expect(await rejection(kube.list(PODS))).to.be.instanceOf(KubeDecodeError);
    } finally {
      kube.close();
      await api.close();
    }
  });
});

describe('lean client: errors (mock: Status answers, non-JSON bodies, no answer at all)', () => {
  let api: FakeApi;
  let kube: KubeClient;
  let answer: (res: ServerResponse) => void = () => undefined;
  before(async () => {
    api = await FakeApi.start((_req, res) => { answer(res); });
    kube = new KubeClient(api.access(), { timeoutMs: 300 });
  });
  after(async () => { kube.close(); await api.close(); });

  // Rows: [answer, status, code, reason, message pattern, flags]
  const rows: [string, (res: ServerResponse) => void, number, string, string, RegExp, Partial<Record<'notFound' | 'conflict' | 'gone' | 'serverError', boolean>>][] = [
    ['404 Status', (r) => { sendStatus(r, 404, 'NotFound', 'pods "p" not found'); }, 404, 'E_KUBE_NOT_FOUND', 'NotFound', /^get pods ns\/p: pods "p" not found$/, { notFound: true }],
    ['409 Status', (r) => { sendStatus(r, 409, 'Conflict', 'the object has been modified'); }, 409, 'E_KUBE_CONFLICT', 'Conflict', /modified/, { conflict: true }],
    ['410 Status', (r) => { sendStatus(r, 410, 'Expired', 'too old resource version'); }, 410, 'E_KUBE_GONE', 'Expired', /too old/, { gone: true }],
    ['403 Status', (r) => { sendStatus(r, 403, 'Forbidden', 'cannot get pods'); }, 403, 'E_KUBE_API', 'Forbidden', /cannot get pods/, {}],
    ['500 plain text', (r) => { r.writeHead(500); r.end('etcdserver: request timed out'); }, 500, 'E_KUBE_API', '', /etcdserver: request timed out/, { serverError: true }],
    ['503 empty body', (r) => { r.writeHead(503); r.end(); }, 503, 'E_KUBE_API', '', /HTTP 503$/, { serverError: true }],
  ];
  for (const [what, fn, status, code, reason, pattern, flags] of rows) {
    it(`${what} -> KubeApiError ${status} ${code}`, async () => {
      answer = fn;
      const e = await rejection(kube.get(PODS, { namespace: 'ns', name: 'p' }));
      expect(e).to.be.instanceOf(KubeApiError);
      const k = e as KubeApiError;
      expect([k.status, k.code, k.reason]).to.deep.equal([status, code, reason]);
      expect(k.message).to.match(pattern);
      for (const [flag, v] of Object.entries(flags)) expect(k[flag as keyof typeof flags], flag).to.equal(v);
    });
  }

  it('a 200 that is not JSON -> KubeDecodeError', async () => {
    answer = (r) => { r.writeHead(200); r.end('<html>'); };
    expect(await rejection(kube.get(PODS, { namespace: 'ns', name: 'p' }))).to.be.instanceOf(KubeDecodeError).and.have.property('code', 'E_KUBE_DECODE');
  });

  it('no answer in time -> status 0 (unreachable), after the timeout', async () => {
    answer = () => undefined;
    const t0 = performance.now();
    const e = await rejection(kube.get(PODS, { namespace: 'ns', name: 'p' })) as KubeApiError;
    expect([e.status, e.code, e.unreachable]).to.deep.equal([0, 'E_KUBE_UNREACHABLE', true]);
    expect(e.message).to.match(/timed out: no answer within 300 ms/);
    expect(performance.now() - t0).to.be.within(250, 2000);
  });

  it('an answer cut off mid-body -> status 0', async () => {
    answer = (r) => { r.writeHead(200, { 'Content-Length': '100' }); r.write('{"metadata":'); setTimeout(() => r.socket?.destroy(), 20); };
    expect(await rejection(kube.get(PODS, { namespace: 'ns', name: 'p' }))).to.be.instanceOf(KubeApiError).and.have.property('status', 0);
  });

  it('connection refused -> status 0', async () => {
    const c = new KubeClient({ server: `http://127.0.0.1:${await closedPort()}`, insecureSkipTlsVerify: false, credentials: { kind: 'none' }, source: 'test' });
    const e = await rejection(c.get(PODS, { namespace: 'ns', name: 'p' })) as KubeApiError;
    c.close();
    expect([e.status, e.unreachable]).to.deep.equal([0, true]);
    expect(e.message).to.match(/ECONNREFUSED/);
  });

  it('an aborted call rejects at once', async () => {
    answer = () => undefined;
    const ac = new AbortController();
    const p = kube.get(PODS, { namespace: 'ns', name: 'p' }, { signal: ac.signal });
    ac.abort(new Error('caller gave up'));
    const e = await rejection(p) as KubeApiError;
    expect(e.status).to.equal(0);
    expect(e.message).to.match(/caller gave up/);
  });
});

describe('lean client: TLS (mock: a local HTTPS server with a throwaway certificate)', () => {
  const cert = testCert();
  it('trusts the configured CA, refuses an unknown one, skips verification only when told', async () => {
    const api = await FakeApi.start((_req, res) => { sendJson(res, 200, obj('p')); }, cert);
    const clients = [
      new KubeClient(api.access({ ca: Buffer.from(cert.cert) })),
      new KubeClient(api.access()),
      new KubeClient(api.access({ insecureSkipTlsVerify: true })),
      new KubeClient(api.access({ ca: Buffer.from(cert.cert), tlsServerName: 'localhost', server: api.url.replace('127.0.0.1', 'localhost') })),
    ];
    try {
      const results = await Promise.all(clients.map((c) => c.get(PODS, { namespace: 'ns', name: 'p' }).then(() => 'ok', (e: unknown) => (e as KubeApiError).status)));
      expect(results).to.deep.equal(['ok', 0, 'ok', 'ok']);
    } finally {
      for (const c of clients) c.close();
      await api.close();
    }
  });

  it('presents the client certificate the kubeconfig names', async () => {
    const api = await FakeApi.start((req, res) => { sendJson(res, 200, { metadata: { name: req.clientCn ?? '' } }); }, { ...cert, requestCert: true });
    const withCert = new KubeClient(api.access({ ca: Buffer.from(cert.cert), clientCert: Buffer.from(cert.cert), clientKey: Buffer.from(cert.key), credentials: { kind: 'none' } }));
    const without = new KubeClient(api.access({ ca: Buffer.from(cert.cert) }));
    try {
      expect((await withCert.get(PODS, { name: 'x' })).metadata?.name).to.equal('localhost');
      expect(api.requests.at(-1)?.headers.authorization).to.equal(undefined);
      expect(await rejection(without.get(PODS, { name: 'x' }))).to.have.property('status', 0);
    } finally {
      withCert.close();
      without.close();
      await api.close();
    }
  });
});
