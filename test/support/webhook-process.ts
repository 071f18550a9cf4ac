/**
 * The ziriz webhook as a real process against the local cluster, with the
 * ServiceAccount and RBAC that kustomize/base ships (not admin), reached by
 * the API server at https://127.0.0.1:<port> (configurations from
 * kustomize/base with clientConfig.url instead of the in-cluster Service).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { request } from 'node:https';
import { freePort } from '../../hack/cluster/net.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, waitCrdEstablished } from '../../hack/cluster/workloads.js';
import { kustomize, REPO, type KubeObject } from './kustomize.js';
import { LoggedProcess, spawnLogged } from './logged-process.js';

export const WEBHOOK_NS = 'ziriz-system';
export const WEBHOOK_SA = 'ziriz-webhook';
const RBAC_KINDS = new Set(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

/** Install what ziriz's components need (namespace, CRD, ServiceAccounts and RBAC) from kustomize/base. */
export async function installWebhookPrereqs(cluster: LocalCluster): Promise<KubeObject[]> {
  const objs = await kustomize(cluster, 'kustomize/base');
  await apply(cluster, objs.filter((o) => RBAC_KINDS.has(o.kind)));
  await waitCrdEstablished(cluster, 'agentpolicies.ziriz.io');
  return objs;
}

/** The base's webhook configurations, pointed at 127.0.0.1:port (no caBundle: the webhook publishes it). */
export function configurationsFor(objs: readonly KubeObject[], port: number): KubeObject[] {
  return objs
    .filter((o) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration')
    .map((o) => {
      const copy = structuredClone(o) as KubeObject & { webhooks: { clientConfig: { service?: { path?: string }; url?: string } }[] };
      for (const w of copy.webhooks) {
        const path = w.clientConfig.service?.path ?? '/';
        w.clientConfig = { url: `https://127.0.0.1:${port}${path}` };
      }
      return copy;
    });
}

/** Status of GET /readyz on loopback; the certificate is not checked here (readiness only). */
function readyz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export class WebhookProcess extends LoggedProcess {
  private constructor(child: ChildProcess, readonly port: number, logFile: string) {
    super(child, logFile);
  }

  static async start(cluster: LocalCluster, port: number, name: string, env: Record<string, string> = {}): Promise<WebhookProcess> {
    const kubeconfig = await cluster.serviceAccountKubeconfig(WEBHOOK_NS, WEBHOOK_SA);
    const logFile = join(cluster.logDir, `${name}.log`);
    const child = spawnLogged(['--enable-source-maps', join(REPO, 'dist/webhook/src/main.js')], {
      ...process.env,
      KUBECONFIG: kubeconfig,
      POD_NAME: name,
      ZIRIZ_NAMESPACE: WEBHOOK_NS,
      ZIRIZ_WEBHOOK_HOST: '127.0.0.1',
      ZIRIZ_WEBHOOK_PORT: String(port),
      ZIRIZ_CERT_IPS: '127.0.0.1',
      ...env,
    }, logFile);
    const wp = new WebhookProcess(child, port, logFile);
    await waitFor(`webhook ${name} ready`, async () => {
      if (child.exitCode !== null) throw new Error(`webhook exited ${child.exitCode}: ${wp.log().slice(-2000)}`);
      return (await readyz(port)) === 200 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    return wp;
  }

}

export { freePort };
