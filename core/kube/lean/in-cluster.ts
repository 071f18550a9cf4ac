/**
 * KubeAccess inside a pod: the API server from KUBERNETES_SERVICE_HOST/PORT,
 * the cluster CA and the ServiceAccount token from the mounted secret (the
 * token re-read whenever the kubelet rotates it), the pod's namespace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../errors/ziriz-error.js';
import type { KubeAccess } from './access.js';
import { KubeConfigError } from './errors.js';
import { TokenFile } from './token-file.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function inClusterAccess(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeConfigError('in-cluster', 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod? set KUBECONFIG)');
  let ca: Buffer;
  try {
    ca = readFileSync(join(dir, 'ca.crt'));
  } catch (e: unknown) {
    throw new KubeConfigError(join(dir, 'ca.crt'), `cannot read the cluster CA: ${errorMessage(e)}`, e);
  }
  const token = new TokenFile(join(dir, 'token'));
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim();
  } catch {
    namespace = undefined;
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca,
    insecureSkipTlsVerify: false,
    credentials: { kind: 'token', token: () => token.get() },
    ...(namespace ? { namespace } : {}),
    source: 'in-cluster',
  };
}

