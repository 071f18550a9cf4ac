/**
 * The node agent as a real process on the local cluster's node (as its
 * DaemonSet pod would run: root, host PID/network), with the ServiceAccount
 * and RBAC from kustomize/base/node-agent, its own bpffs pin root and state
 * file, and its metrics on a loopback port.
 */
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../node-agent/src/runtime.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { freePort } from '../../hack/cluster/net.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { REPO } from './kustomize.js';
import { LoggedProcess, spawnLogged } from './logged-process.js';

export function httpGet(host: string, port: number, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export class NodeAgentProcess extends LoggedProcess {
  private constructor(child: ChildProcess, readonly metricsPort: number, logFile: string, readonly pinRoot: string, readonly stateFile: string) {
    super(child, logFile);
  }

  static async start(cluster: LocalCluster, opts: { pinRoot: string; stateFile: string; name?: string; cgroupProcs?: string }): Promise<NodeAgentProcess> {
    const kubeconfig = await cluster.serviceAccountKubeconfig('ziriz-system', 'ziriz-node-agent');
    const port = await freePort();
    const logFile = join(cluster.logDir, `${opts.name ?? 'node-agent'}.log`);
    const child = spawnLogged([...AGENT_NODE_FLAGS, join(REPO, 'dist/node-agent/src/main.js'), 'run'], {
      ...process.env,
      ...AGENT_ENV,
      KUBECONFIG: kubeconfig,
      NODE_NAME: cluster.nodeName,
      ZIRIZ_PIN_ROOT: opts.pinRoot,
      ZIRIZ_STATE_FILE: opts.stateFile,
      ZIRIZ_METRICS_HOST: '127.0.0.1',
      ZIRIZ_METRICS_PORT: String(port),
      ZIRIZ_RESYNC_SECONDS: '5',
    }, logFile, opts.cgroupProcs);
    const p = new NodeAgentProcess(child, port, logFile, opts.pinRoot, opts.stateFile);
    await waitFor('node agent metrics endpoint', async () => {
      if (child.exitCode !== null) throw new Error(`node agent exited ${child.exitCode}: ${p.log().slice(-3000)}`);
      return (await httpGet('127.0.0.1', port, '/healthz', 2000)).status === 200 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    return p;
  }

  async metric(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const text = (await httpGet('127.0.0.1', this.metricsPort, '/metrics')).body;
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

}

/** Remove what an agent left in the kernel (links, TC filters, pins): `ziriz-node-agent teardown`. */
export async function teardownNode(pinRoot: string, stateFile: string): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, 'dist/node-agent/src/main.js'), 'teardown'], {
    env: { ...process.env, ZIRIZ_PIN_ROOT: pinRoot, ZIRIZ_STATE_FILE: stateFile }, stdio: 'inherit',
  });
  await new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
}
