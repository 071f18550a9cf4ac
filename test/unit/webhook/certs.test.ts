import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { caBundle, planCerts, SECRET_KEYS, type CertPolicy } from '../../../webhook/src/cert-plan.js';
import { certFacts, createCa, createServing, servingCovers, type KeyPairPem } from '../../../webhook/src/certs.js';

const DAY = 24 * 3600 * 1000;
const policy: CertPolicy = {
  serving: { dnsNames: ['ziriz-webhook.ziriz-system.svc'], ipAddresses: ['127.0.0.1'], validityDays: 30 },
  caValidityDays: 3650,
  renewFraction: 1 / 3,
};

describe('webhook: certificates (node-forge)', function () {
  this.timeout(60_000);
  let ca: KeyPairPem;
  let serving: KeyPairPem;
  const t0 = new Date('2026-11-26T00:00:00Z');

  before(async () => {
    ca = await createCa('test-ca', 3650, t0);
    serving = await createServing(ca, policy.serving, t0);
  });

  it('makes a CA and a serving certificate that Node verifies, with the requested SANs', () => {
    const caX = new X509Certificate(ca.cert);
    const srvX = new X509Certificate(serving.cert);
    expect(caX.ca).to.equal(true);
    expect(srvX.verify(caX.publicKey)).to.equal(true);
    expect(srvX.checkHost('ziriz-webhook.ziriz-system.svc')).to.equal('ziriz-webhook.ziriz-system.svc');
    expect(srvX.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(certFacts(serving.cert).dnsNames).to.deep.equal(['ziriz-webhook.ziriz-system.svc']);
    expect(servingCovers(serving, ca.cert, policy.serving)).to.equal(true);
  });

  function data(over: Partial<Record<string, string>> = {}): Record<string, string> {
    return { [SECRET_KEYS.ca]: ca.cert, [SECRET_KEYS.caKey]: ca.key, [SECRET_KEYS.cert]: serving.cert, [SECRET_KEYS.key]: serving.key, ...over };
  }

  // Rows: the Secret as found, the time, what must happen.
  const rows: [string, () => Record<string, string> | null, Date, string][] = [
    ['no Secret yet', () => null, t0, 'create'],
    ['fresh material', () => data(), new Date(t0.getTime() + DAY), 'use'],
    ['serving cert with under a third of its life left', () => data(), new Date(t0.getTime() + 21 * DAY), 'rotate-serving'],
    ['CA close to expiry', () => data(), new Date(t0.getTime() + 2500 * DAY), 'rotate-ca'],
    ['garbage in tls.crt (the CA is kept)', () => data({ [SECRET_KEYS.cert]: 'garbage' }), t0, 'rotate-serving'],
    ['garbage in ca.crt', () => data({ [SECRET_KEYS.ca]: 'garbage' }), t0, 'create'],
    ['a serving cert that is not a CA in ca.crt', () => data({ [SECRET_KEYS.ca]: serving.cert }), t0, 'create'],
  ];
  for (const [what, d, now, action] of rows) {
    it(`plan: ${what} -> ${action}`, () => {
      expect(planCerts(d(), now, policy).action).to.equal(action);
    });
  }

  it('plan: a serving cert lacking a newly requested SAN is renewed', () => {
    const more = { ...policy, serving: { ...policy.serving, ipAddresses: ['127.0.0.1', '10.96.0.10'] } };
    expect(planCerts(data(), t0, more).action).to.equal('rotate-serving');
  });

  it('caBundle keeps the previous CA while it is valid, then drops it', async () => {
    const old = await createCa('old-ca', 10, t0);
    const d = data({ [SECRET_KEYS.caPrevious]: old.cert });
    expect(caBundle(d, new Date(t0.getTime() + DAY))).to.include(old.cert.trim());
    expect(caBundle(d, new Date(t0.getTime() + 11 * DAY))).to.equal(ca.cert);
  });
});
