/** Self-contained kubeconfig files (certificates and tokens embedded) for the local cluster. */
import { readFileSync, writeFileSync } from 'node:fs';
import { AuthenticationV1TokenRequest, CoreV1Api, KubeConfig, V1TokenRequestSpec } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { CertFiles } from './pki.js';

export type Credentials = { readonly certs: CertFiles } | { readonly token: string };

const b64 = (path: string): string => readFileSync(path).toString('base64');

export function kubeconfigYaml(server: string, caFile: string, user: string, creds: Credentials): string {
  const userEntry = 'token' in creds
    ? { token: creds.token }
    : { 'client-certificate-data': b64(creds.certs.cert), 'client-key-data': b64(creds.certs.key) };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'ziriz-local', cluster: { server, 'certificate-authority-data': b64(caFile) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: user, context: { cluster: 'ziriz-local', user } }],
    'current-context': user,
  });
}

export function writeKubeconfig(path: string, server: string, caFile: string, user: string, creds: Credentials): string {
  writeFileSync(path, kubeconfigYaml(server, caFile, user, creds), { mode: 0o600 });
  return path;
}

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * A bound token for a ServiceAccount (TokenRequest API): whoever uses it gets
 * exactly the RBAC granted to that ServiceAccount.
 */
export async function serviceAccountToken(admin: KubeConfig, namespace: string, name: string, expirationSeconds = 24 * 3600): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const body = new AuthenticationV1TokenRequest();
  body.spec = new V1TokenRequestSpec();
  body.spec.audiences = [];
  body.spec.expirationSeconds = expirationSeconds;
  const res = await core.createNamespacedServiceAccountToken({ namespace, name, body });
  return res.status?.token ?? '';
}
