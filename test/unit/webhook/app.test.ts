/**
 * The webhook's HTTP surface over real HTTPS (node-forge certificates), with an
 * in-memory cluster view (data, not a mock: the view is plain data here).
 */
import { expect } from 'chai';
import { request as httpsRequest, type Agent } from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createApp } from '../../../webhook/src/app.js';
import { createCa, createServing, type KeyPairPem } from '../../../webhook/src/certs.js';
import { WebhookMetrics } from '../../../webhook/src/metrics.js';
import { ReloadableHttpsServer } from '../../../webhook/src/server.js';
import { pod, review, view } from './fixtures.js';

interface Reply {
  status: number;
  body: string;
  fingerprint: string;
}

function call(port: number, path: string, method: string, body: string | Buffer | null, ca: string, opts: { contentType?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, method, ca, servername: undefined, agent: opts.agent ?? false,
      headers: body === null ? {} : { 'content-type': opts.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text, fingerprint });
      });
    });
    req.on('error', reject);
    if (body !== null) req.write(body);
    req.end();
  });
}

describe('webhook: HTTP surface', function () {
  this.timeout(60_000);
  let ca: KeyPairPem;
  let server: ReloadableHttpsServer;
  let port = 0;
  let ready = true;
  const metrics = new WebhookMetrics();

  before(async () => {
    ca = await createCa('test-ca', 30);
    const serving = await createServing(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 2 });
    const app = createApp({ view: view(), metrics, bodyLimit: '64kb', isReady: () => ready });
    server = new ReloadableHttpsServer(app, serving);
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  after(async () => {
    await server.close(100);
  });

  it('answers an AdmissionReview with an AdmissionReview carrying the same uid', async () => {
    const r = await call(port, '/mutate', 'POST', JSON.stringify(review(pod())), ca.cert);
    expect(r.status).to.equal(200);
    const body = JSON.parse(r.body) as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; patchType: string } };
    expect(body).to.include({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    expect(body.response).to.include({ uid: 'req-1', allowed: true, patchType: 'JSONPatch' });
  });

  // Rows: bad input and the 4xx it gets, never a judgement and never a crash.
  const bad: [string, string | Buffer, string | undefined, number, RegExp][] = [
    ['not JSON', '{"apiVersion": ', undefined, 400, /not valid JSON/],
    ['JSON but not an AdmissionReview', '{"hello":1}', undefined, 400, /expected apiVersion admission.k8s.io\/v1/],
    ['a review without request.uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { kind: 'Pod', version: 'v1' }, operation: 'CREATE' } }), undefined, 400, /request.uid is missing/],
    ['an unknown operation', JSON.stringify(review(pod(), { operation: 'PATCH' })), undefined, 400, /operation "PATCH"/],
    ['a body over the limit', JSON.stringify(review(pod({ annotations: { big: 'x'.repeat(100_000) } }))), undefined, 413, /exceeds 64kb/],
    ['text/plain', 'x', 'text/plain', 415, /application\/json/],
  ];
  for (const [what, body, type, status, message] of bad) {
    it(`refuses ${what} with ${status} and a JSON error`, async () => {
      const r = await call(port, '/validate', 'POST', body, ca.cert, type ? { contentType: type } : {});
      expect(r.status).to.equal(status);
      const err = (JSON.parse(r.body) as { error: { message: string } }).error;
      expect(err.message).to.match(message);
    });
  }

  it('serves health, readiness and metrics', async () => {
    expect((await call(port, '/healthz', 'GET', null, ca.cert)).status).to.equal(200);
    ready = false;
    expect((await call(port, '/readyz', 'GET', null, ca.cert)).status).to.equal(503);
    ready = true;
    expect((await call(port, '/readyz', 'GET', null, ca.cert)).status).to.equal(200);
    const m = await call(port, '/metrics', 'GET', null, ca.cert);
    expect(m.body).to.match(/ziriz_webhook_admissions_total\{webhook="mutate",resource="Pod",operation="CREATE",allowed="true"\} 1/);
    expect(m.body).to.match(/ziriz_webhook_bad_requests_total\{reason="too-large"\} 1/);
  });

  it('reloads its certificate without a restart; an established connection keeps working', async () => {
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await call(port, '/healthz', 'GET', null, ca.cert, { agent });
      const next = await createServing(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 3 });
      server.reload(next);
      const sameConn = await call(port, '/healthz', 'GET', null, ca.cert, { agent });
      expect(sameConn.status).to.equal(200);
      expect(sameConn.fingerprint).to.equal(before.fingerprint); // still the old TLS session
      const fresh = await call(port, '/healthz', 'GET', null, ca.cert);
      expect(fresh.status).to.equal(200);
      expect(fresh.fingerprint).to.not.equal(before.fingerprint);
    } finally {
      agent.destroy();
    }
  });
});
