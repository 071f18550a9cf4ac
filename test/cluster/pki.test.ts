import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createClusterPki, nodeCerts } from '../../hack/cluster/cluster-pki.js';

describe('local cluster PKI (node-forge)', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'ziriz-pki-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('issues an API server serving certificate for 127.0.0.1 signed by the cluster CA', () => {
    const pki = createClusterPki(dir);
    const ca = new X509Certificate(readFileSync(pki.ca.cert));
    const serving = new X509Certificate(readFileSync(pki.apiserver.cert));
    expect(ca.ca).to.equal(true);
    expect(serving.verify(ca.publicKey)).to.equal(true);
    expect(serving.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(serving.checkHost('kubernetes.default.svc')).to.equal('kubernetes.default.svc');
    expect(serving.ca).to.equal(false);
  });

  it('puts the user in CN and the groups in O of client certificates', () => {
    const pki = createClusterPki(dir);
    const admin = new X509Certificate(readFileSync(pki.admin.cert));
    expect(admin.subject).to.include('CN=ziriz-admin').and.include('O=system:masters');
    const node = nodeCerts(pki, 'n1', '10.244.0.1');
    const client = new X509Certificate(readFileSync(node.client.cert));
    expect(client.subject).to.include('CN=system:node:n1').and.include('O=system:nodes');
    expect(new X509Certificate(readFileSync(node.serving.cert)).checkIP('10.244.0.1')).to.equal('10.244.0.1');
  });
});
