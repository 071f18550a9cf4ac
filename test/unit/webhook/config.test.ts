import { expect } from 'chai';
import { ConfigError } from '../../../webhook/src/errors.js';
import { parseConfig } from '../../../webhook/src/config.js';

describe('webhook: configuration', () => {
  it('defaults to self-managed certificates with the Service DNS names', () => {
    const c = parseConfig({}, 'ziriz-system');
    expect(c.port).to.equal(8443);
    expect(c.cert.mode).to.equal('self');
    if (c.cert.mode !== 'self') return;
    expect(c.cert.policy.serving.dnsNames).to.include.members(['ziriz-webhook.ziriz-system.svc', 'ziriz-webhook.ziriz-system.svc.cluster.local']);
    expect(c.cert.secretName).to.equal('ziriz-webhook-tls');
  });

  it('selects cert-manager mode (mounted files)', () => {
    const c = parseConfig({ ZIRIZ_CERT_MODE: 'files', ZIRIZ_TLS_CERT_FILE: '/x/tls.crt' }, 'ns');
    expect(c.cert).to.deep.include({ mode: 'files', certPath: '/x/tls.crt', keyPath: '/etc/ziriz/tls/tls.key' });
  });

  // Rows: bad settings fail at start-up, naming the variable.
  const bad: [Record<string, string>, RegExp][] = [
    [{ ZIRIZ_CERT_MODE: 'acme' }, /ZIRIZ_CERT_MODE="acme"/],
    [{ ZIRIZ_WEBHOOK_PORT: '70000' }, /ZIRIZ_WEBHOOK_PORT=70000/],
    [{ ZIRIZ_SERVING_CERT_DAYS: 'soon' }, /ZIRIZ_SERVING_CERT_DAYS=soon/],
    [{ ZIRIZ_NAMESPACE: 'Bad_NS' }, /ZIRIZ_NAMESPACE="Bad_NS"/],
  ];
  for (const [env, msg] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      expect(() => parseConfig(env, 'ziriz-system')).to.throw(ConfigError, msg);
    });
  }
});
