import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { authorization, type KubeAccess } from '../../../core/kube/lean/access.js';
import { KubeAuthPluginError, KubeConfigError } from '../../../core/kube/lean/errors.js';
import { inClusterAccess } from '../../../core/kube/lean/in-cluster.js';
import { loadKubeconfigFile, parseKubeconfig } from '../../../core/kube/lean/kubeconfig.js';
import { loadKubeAccess } from '../../../core/kube/lean/load.js';
import { kubeconfigYaml } from '../../../hack/cluster/kubeconfig.js';
import { testCert } from '../../support/tls.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

type Doc = Record<string, unknown>;

/** A kubeconfig with one context `c` over cluster `k` and user `u`, each overridable. */
function doc(cluster: Doc, user: Doc | null, extra: Doc = {}): string {
  return stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'k', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: user === null ? [] : [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', ...(user === null ? {} : { user: 'u' }) } }],
    ...extra,
  });
}

describe('lean client: kubeconfig', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ziriz-kc-'));
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki/ca.crt'), PEM);
    writeFileSync(join(dir, 'pki/client.crt'), PEM);
    writeFileSync(join(dir, 'pki/client.key'), KEY);
    writeFileSync(join(dir, 'token'), 'file-token\n');
    writeFileSync(join(dir, 'not-pem'), 'hello');
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  const parse = (text: string, context?: string): KubeAccess =>
    parseKubeconfig(text, { path: join(dir, 'config'), ...(context !== undefined ? { context } : {}) });

  // Rows: [what, cluster fields, user fields, what the access must hold]
  const good: [string, Doc, Doc | null, (a: KubeAccess) => void][] = [
    ['CA data and a static token', { 'certificate-authority-data': b64(PEM) }, { token: 'abc' }, (a) => {
      expect(a.ca?.toString()).to.equal(PEM);
      expect(authorization(a.credentials)).to.equal('Bearer abc');
      expect(a.insecureSkipTlsVerify).to.equal(false);
    }],
    ['CA file relative to the kubeconfig, token file (read at each check)', { 'certificate-authority': 'pki/ca.crt' }, { tokenFile: 'token' }, (a) => {
      expect(a.ca?.toString()).to.equal(PEM);
      expect(authorization(a.credentials)).to.equal('Bearer file-token');
    }],
    ['client certificate and key as data', {}, { 'client-certificate-data': b64(PEM), 'client-key-data': b64(KEY) }, (a) => {
      expect([a.clientCert?.toString(), a.clientKey?.toString()]).to.deep.equal([PEM, KEY]);
      expect(a.credentials.kind).to.equal('none');
    }],
    ['client certificate and key as files', {}, { 'client-certificate': 'pki/client.crt', 'client-key': join(dir, 'pki/client.key') }, (a) => {
      expect([a.clientCert?.toString(), a.clientKey?.toString()]).to.deep.equal([PEM, KEY]);
    }],
    ['data wins over a file (as client-go)', { 'certificate-authority-data': b64(PEM), 'certificate-authority': 'missing.crt' }, {}, (a) => {
      expect(a.ca?.toString()).to.equal(PEM);
    }],
    ['token wins over tokenFile', {}, { token: 'inline', tokenFile: 'token' }, (a) => {
      expect(authorization(a.credentials)).to.equal('Bearer inline');
    }],
    ['insecure-skip-tls-verify and tls-server-name', { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kubernetes' }, {}, (a) => {
      expect([a.insecureSkipTlsVerify, a.tlsServerName]).to.deep.equal([true, 'kubernetes']);
    }],
    ['basic auth', {}, { username: 'admin', password: 'pw' }, (a) => {
      expect(authorization(a.credentials)).to.equal(`Basic ${b64('admin:pw')}`);
    }],
    ['a context without a user: no credentials', {}, null, (a) => {
      expect(a.credentials.kind).to.equal('none');
    }],
    ['server with a trailing slash and a path prefix', { server: 'https://lb.example/k8s/' }, {}, (a) => {
      expect(a.server).to.equal('https://lb.example/k8s');
    }],
  ];
  for (const [what, cluster, user, check] of good) {
    it(`reads ${what}`, () => { check(parse(doc(cluster, user))); });
  }

  // Rows: [what, kubeconfig text, error class, message pattern]
  const bad: [string, string, typeof KubeConfigError | typeof KubeAuthPluginError, RegExp][] = [
    ['exec plugin', doc({}, { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } }), KubeAuthPluginError, /user u: exec .*command aws/],
    ['auth-provider plugin', doc({}, { 'auth-provider': { name: 'gcp' } }), KubeAuthPluginError, /auth-provider .*provider gcp/],
    ['no current-context', doc({}, {}, { 'current-context': '' }), KubeConfigError, /current-context: is not set/],
    ['a context that does not exist', doc({}, {}, { 'current-context': 'other' }), KubeConfigError, /contexts: no entry named "other"/],
    ['a user that does not exist', doc({}, {}).replace('user: u\n', 'user: ghost\n'), KubeConfigError, /users: no entry named "ghost"/],
    ['no server', doc({ server: '' }, {}), KubeConfigError, /server: is required/],
    ['a server that is not http(s)', doc({ server: 'unix:///run/k.sock' }, {}), KubeConfigError, /must be https:\/\/ or http:\/\//],
    ['a certificate without its key', doc({}, { 'client-certificate-data': b64(PEM) }), KubeConfigError, /client-certificate and client-key go together/],
    ['a CA file that is missing', doc({ 'certificate-authority': 'nope.crt' }, {}), KubeConfigError, /certificate-authority: cannot read .*nope\.crt/],
    ['a CA that is not PEM', doc({ 'certificate-authority': 'not-pem' }, {}), KubeConfigError, /is not PEM/],
    ['a token file that is missing', doc({}, { tokenFile: 'no-token' }), KubeConfigError, /no-token: cannot read token file/],
    ['a boolean that is a string', doc({ 'insecure-skip-tls-verify': 'yes' }, {}), KubeConfigError, /insecure-skip-tls-verify: must be true or false/],
    ['clusters that are not a list', 'current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\nclusters: {k: 1}\n', KubeConfigError, /clusters: must be a list/],
    ['not YAML', 'clusters: [\n', KubeConfigError, /not YAML/],
    ['a YAML scalar', 'just text', KubeConfigError, /must be a mapping/],
  ];
  for (const [what, text, cls, pattern] of bad) {
    it(`refuses ${what} with ${cls.name}`, () => {
      expect(() => parse(text)).to.throw(cls, pattern);
    });
  }

  it('uses a named context instead of current-context', () => {
    const text = stringify({
      'current-context': 'a',
      clusters: [{ name: 'ka', cluster: { server: 'https://a:1' } }, { name: 'kb', cluster: { server: 'https://b:2' } }],
      contexts: [{ name: 'a', context: { cluster: 'ka' } }, { name: 'b', context: { cluster: 'kb', namespace: 'team' } }],
    });
    expect(parse(text).server).to.equal('https://a:1');
    expect(parse(text, 'b')).to.deep.include({ server: 'https://b:2', namespace: 'team' });
  });

  it('reads the local cluster harness kubeconfigs (admin client certificate, ServiceAccount token)', () => {
    const cert = testCert();
    writeFileSync(join(dir, 'pki/real.crt'), cert.cert);
    writeFileSync(join(dir, 'pki/real.key'), cert.key);
    const admin = parse(kubeconfigYaml('https://127.0.0.1:6443', join(dir, 'pki/real.crt'), 'admin', { certs: { cert: join(dir, 'pki/real.crt'), key: join(dir, 'pki/real.key') } }));
    expect(admin).to.deep.include({ server: 'https://127.0.0.1:6443', insecureSkipTlsVerify: false });
    expect([admin.ca?.toString(), admin.clientCert?.toString(), admin.clientKey?.toString()]).to.deep.equal([cert.cert, cert.cert, cert.key]);
    const sa = parse(kubeconfigYaml('https://127.0.0.1:6443', join(dir, 'pki/real.crt'), 'system:serviceaccount:ns:sa', { token: 'eyJ.x.y' }));
    expect(authorization(sa.credentials)).to.equal('Bearer eyJ.x.y');
    expect(sa.clientCert).to.equal(undefined);
  });

  it('loads $KUBECONFIG (the first file that exists) or says why the in-cluster config is missing', () => {
    writeFileSync(join(dir, 'config'), doc({}, { token: 'from-env' }));
    const a = loadKubeAccess({ KUBECONFIG: `${join(dir, 'missing')}:${join(dir, 'config')}` });
    expect(authorization(a.credentials)).to.equal('Bearer from-env');
    expect(a.source).to.equal(`kubeconfig ${join(dir, 'config')} (context c)`);
    expect(() => loadKubeAccess({})).to.throw(KubeConfigError, /KUBERNETES_SERVICE_HOST/);
    expect(() => loadKubeconfigFile(join(dir, 'missing'))).to.throw(KubeConfigError, /cannot read/);
  });

  it('in-cluster: service host and port (IPv6 bracketed), CA, rotating token, namespace', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'ca.crt'), PEM);
    writeFileSync(join(sa, 'token'), 'first');
    writeFileSync(join(sa, 'namespace'), 'ziriz-system');
    const a = inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, sa);
    expect(a).to.deep.include({ server: 'https://10.96.0.1:443', namespace: 'ziriz-system', source: 'in-cluster' });
    expect(a.ca?.toString()).to.equal(PEM);
    expect(authorization(a.credentials)).to.equal('Bearer first');
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa).server).to.equal('https://[fd00::1]:443');
    expect(() => inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, join(dir, 'nothing'))).to.throw(KubeConfigError, /cluster CA/);
  });
});
