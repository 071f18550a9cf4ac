/** etcd, kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1 with free ports. */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { ClusterPki } from './cluster-pki.js';
import {
  apiserverArgs, controllerManagerArgs, etcdArgs, schedulerArgs, type ControlPlanePorts,
} from './control-plane-flags.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePort, httpsGet } from './net.js';
import { binary } from './paths.js';
import { assertRunning, startProcess, stopProcess, type ProcessRecord } from './process.js';
import { waitFor } from './wait.js';

export interface ControlPlaneState {
  readonly ports: ControlPlanePorts;
  readonly server: string;
  readonly adminKubeconfig: string;
  etcd?: ProcessRecord;
  apiserver?: ProcessRecord;
  controllerManager?: ProcessRecord;
  scheduler?: ProcessRecord;
}

export async function allocatePorts(): Promise<ControlPlanePorts> {
  return {
    etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(),
    controllerManager: await freePort(), scheduler: await freePort(),
  };
}

async function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => { req.destroy(new Error('timeout')); });
    req.on('error', reject);
    req.end();
  });
}

/** Wait until an HTTPS health endpoint answers 200 (with the admin client certificate). */
async function waitHealthy(what: string, port: number, path: string, pki: ClusterPki, rec: ProcessRecord, timeoutMs: number): Promise<void> {
  const tls = { ca: pki.caPem, cert: readFileSync(pki.admin.cert, 'utf8'), key: readFileSync(pki.admin.key, 'utf8') };
  await waitFor(`${what} ${path}`, async () => ((await httpsGet(port, path, tls)).status === 200 ? true : undefined),
    { timeoutMs, check: () => { assertRunning(rec); } });
}

export async function startApiserver(dir: string, logDir: string, pki: ClusterPki, cp: ControlPlaneState, timeoutMs: number): Promise<void> {
  cp.apiserver = startProcess('kube-apiserver', binary('kube-apiserver'), apiserverArgs(dir, pki, cp.ports),
    { log: join(logDir, 'kube-apiserver.log') });
  await waitHealthy('kube-apiserver', cp.ports.apiserver, '/readyz', pki, cp.apiserver, timeoutMs);
}

/** Start every control-plane process; `onState` sees each step so a failed start can be undone. */
export async function startControlPlane(dir: string, logDir: string, pki: ClusterPki, timeoutMs: number,
  onState: (s: ControlPlaneState) => void): Promise<ControlPlaneState> {
  const ports = await allocatePorts();
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const cp: ControlPlaneState = {
    ports, server,
    adminKubeconfig: writeKubeconfig(join(dir, 'admin.kubeconfig'), server, pki.ca.cert, 'ziriz-admin', { certs: pki.admin }),
  };
  onState(cp);
  const etcd = startProcess('etcd', binary('etcd'), etcdArgs(dir, ports), { log: join(logDir, 'etcd.log') });
  cp.etcd = etcd;
  onState(cp);
  await waitFor('etcd /health', async () => ((await httpStatus(ports.etcdClient, '/health')) === 200 ? true : undefined),
    { timeoutMs, check: () => { assertRunning(etcd); } });
  await startApiserver(dir, logDir, pki, cp, timeoutMs);
  onState(cp);
  const cmConfig = writeKubeconfig(join(dir, 'controller-manager.kubeconfig'), server, pki.ca.cert,
    'system:kube-controller-manager', { certs: pki.controllerManager });
  const schedConfig = writeKubeconfig(join(dir, 'scheduler.kubeconfig'), server, pki.ca.cert,
    'system:kube-scheduler', { certs: pki.scheduler });
  cp.controllerManager = startProcess('kube-controller-manager', binary('kube-controller-manager'),
    controllerManagerArgs(dir, pki, cmConfig, ports), { log: join(logDir, 'kube-controller-manager.log') });
  cp.scheduler = startProcess('kube-scheduler', binary('kube-scheduler'), schedulerArgs(dir, pki, schedConfig, ports),
    { log: join(logDir, 'kube-scheduler.log') });
  onState(cp);
  await waitHealthy('kube-controller-manager', ports.controllerManager, '/healthz', pki, cp.controllerManager, timeoutMs);
  await waitHealthy('kube-scheduler', ports.scheduler, '/healthz', pki, cp.scheduler, timeoutMs);
  return cp;
}

/** Stop the API server and start it again on the same port and etcd (the data survives). */
export async function restartApiserver(dir: string, logDir: string, pki: ClusterPki, cp: ControlPlaneState, timeoutMs: number): Promise<void> {
  if (cp.apiserver) await stopProcess(cp.apiserver);
  await startApiserver(dir, logDir, pki, cp, timeoutMs);
}

export async function stopControllers(cp: ControlPlaneState): Promise<void> {
  for (const p of [cp.scheduler, cp.controllerManager]) if (p) await stopProcess(p);
}

export async function stopControlPlane(cp: ControlPlaneState): Promise<void> {
  await stopControllers(cp);
  for (const p of [cp.apiserver, cp.etcd]) if (p) await stopProcess(p);
}

export function controlPlaneProcesses(cp: ControlPlaneState): ProcessRecord[] {
  return [cp.etcd, cp.apiserver, cp.controllerManager, cp.scheduler].filter((p): p is ProcessRecord => p !== undefined);
}
