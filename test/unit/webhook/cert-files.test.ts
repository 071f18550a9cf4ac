/** cert-manager mode: certificates come from mounted files and are reloaded when the files change. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertStore, type ServingCert } from '../../../webhook/src/cert-store.js';
import { createCa, createServing } from '../../../webhook/src/certs.js';

describe('webhook: certificates from files (cert-manager mode)', function () {
  this.timeout(60_000);
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ziriz-certfiles-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the mounted pair, and reloads it when cert-manager rewrites the files', async () => {
    const ca = await createCa('cm-ca', 30);
    const first = await createServing(ca, { dnsNames: ['ziriz-webhook.ziriz-system.svc'], ipAddresses: [], validityDays: 2 });
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    writeFileSync(certPath, first.cert);
    writeFileSync(keyPath, first.key);
    const seen: ServingCert[] = [];
    const store = new CertStore({ mode: 'files', certPath, keyPath }, null, (c) => seen.push(c), () => undefined);
    try {
      await store.start(3_600_000);
      expect(seen.map((c) => c.cert)).to.deep.equal([first.cert]);
      await store.check();
      expect(seen).to.have.length(1); // unchanged files: no reload

      const second = await createServing(ca, { dnsNames: ['ziriz-webhook.ziriz-system.svc'], ipAddresses: [], validityDays: 3 });
      writeFileSync(certPath, second.cert);
      writeFileSync(keyPath, second.key);
      const later = new Date(Date.now() + 5000);
      utimesSync(certPath, later, later);
      await store.check();
      expect(seen.map((c) => c.cert)).to.deep.equal([first.cert, second.cert]);
      expect(store.serving?.key).to.equal(second.key);
    } finally {
      store.stop();
    }
  });

  it('self mode without the Kubernetes API is a typed error, not a silent start', async () => {
    const store = new CertStore({
      mode: 'self', namespace: 'ziriz-system', secretName: 'x',
      policy: { serving: { dnsNames: ['a'], ipAddresses: [], validityDays: 1 }, caValidityDays: 30, renewFraction: 0.3 },
    }, null, () => undefined, () => undefined);
    let code = '';
    try {
      await store.start();
    } catch (e: unknown) {
      code = (e as { code?: string }).code ?? '';
    }
    expect(code).to.equal('E_CERT_NO_API');
  });
});
