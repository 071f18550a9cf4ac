/**
 * How a ziriz process finds its API server: $KUBECONFIG when set (the first
 * of its colon-separated files that exists; files are not merged), otherwise
 * the in-cluster ServiceAccount.
 */
import { existsSync } from 'node:fs';
import type { KubeAccess } from './access.js';
import { inClusterAccess } from './in-cluster.js';
import { loadKubeconfigFile } from './kubeconfig.js';

export function loadKubeAccess(env: NodeJS.ProcessEnv = process.env): KubeAccess {
  const paths = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '');
  if (paths.length === 0) return inClusterAccess(env);
  return loadKubeconfigFile(paths.find((p) => existsSync(p)) ?? paths[0] ?? '');
}
