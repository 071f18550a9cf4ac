/** Every certificate and key the local cluster's processes use, written under one dir. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueCert, serviceAccountKeys, writePair, type CertFiles, type KeyPair } from './pki.js';

export interface ClusterPki {
  readonly dir: string;
  readonly ca: CertFiles;
  readonly caPem: string;
  readonly caPair: KeyPair;
  readonly apiserver: CertFiles;
  readonly apiserverKubeletClient: CertFiles;
  /** Serving certificate of the controller-manager and scheduler health endpoints (127.0.0.1). */
  readonly loopbackServing: CertFiles;
  readonly admin: CertFiles;
  readonly controllerManager: CertFiles;
  readonly scheduler: CertFiles;
  readonly saKey: string;
  readonly saPub: string;
}

/** SANs of the API server's serving certificate: loopback plus the in-cluster names. */
const apiserverSans = {
  ips: ['127.0.0.1', '10.96.0.1'],
  dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
};

export function createClusterPki(dir: string): ClusterPki {
  const caPair = createCa('ziriz-local-cluster-ca');
  const ca = writePair(dir, 'ca', caPair);
  const sa = serviceAccountKeys();
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  writeFileSync(saKey, sa.privatePem, { mode: 0o600 });
  writeFileSync(saPub, sa.publicPem, { mode: 0o644 });
  const client = (name: string, cn: string, orgs: string[]): CertFiles =>
    writePair(dir, name, issueCert(caPair, { cn, orgs, usage: 'client' }));
  return {
    dir, ca, caPem: caPair.certPem, caPair, saKey, saPub,
    apiserver: writePair(dir, 'apiserver', issueCert(caPair, { cn: 'kube-apiserver', usage: 'server', ...apiserverSans })),
    loopbackServing: writePair(dir, 'loopback-serving', issueCert(caPair, { cn: 'ziriz-loopback', usage: 'server', ips: ['127.0.0.1'], dns: ['localhost'] })),
    apiserverKubeletClient: client('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', ['system:masters']),
    admin: client('admin', 'ziriz-admin', ['system:masters']),
    controllerManager: client('controller-manager', 'system:kube-controller-manager', []),
    scheduler: client('scheduler', 'system:kube-scheduler', []),
  };
}

/** Client and serving certificates of a kubelet registering as `nodeName`. */
export function nodeCerts(pki: ClusterPki, nodeName: string, nodeIp: string): { client: CertFiles; serving: CertFiles } {
  return {
    client: writePair(pki.dir, `node-${nodeName}`,
      issueCert(pki.caPair, { cn: `system:node:${nodeName}`, orgs: ['system:nodes'], usage: 'client' })),
    serving: writePair(pki.dir, `kubelet-${nodeName}`,
      issueCert(pki.caPair, { cn: nodeName, ips: [nodeIp, '127.0.0.1'], dns: [nodeName], usage: 'server' })),
  };
}
