/**
 * The real node: containerd + CNI bridge + kubelet registered to the API server.
 * startNode leaves a NodeState that stopNode (or hack/cluster/down) undoes.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { nodeCerts, type ClusterPki } from './cluster-pki.js';
import { importImages, removeAllContainers, removeNetns, shimPids, startContainerd } from './containerd.js';
import { createBridge, createCgroupRoot, killCgroupTree, linkExists, mountsUnder, removeBridge, removeCgroupTree, restoreSysctls, saveSysctls, unmountUnder } from './host-state.js';
import { writeKubeconfig } from './kubeconfig.js';
import { acquireNodeLock, releaseNodeLock } from './node-lock.js';
import { freePort } from './net.js';
import { cgroupRoot, cniConflist, hardcodedHostPaths, kubeletArgs, sharedHostPaths, kubeletConfig, nodeLayout, podNetwork, type NodeLayout } from './node-config.js';
import { binary } from './paths.js';
import { cgroupV2Mount } from './pods.js';
import { assertRunning, isRunning, startProcess, stopProcess, type ProcessRecord } from './process.js';
import { waitFor } from './wait.js';

export interface NodeState {
  readonly layout: NodeLayout;
  readonly logDir: string;
  readonly savedSysctls: Readonly<Record<string, string>>;
  /** cgroup directories the harness created (the kubelet's cgroupRoot in each hierarchy). */
  readonly cgroupDirs: readonly string[];
  readonly bridgeExisted: boolean;
  /** Hard-coded host paths (hardcodedHostPaths) that this node created. */
  readonly createdHostPaths: readonly string[];
  /** The cluster state file named in the machine's node lock. */
  readonly lockOwner: string;
  containerd?: ProcessRecord;
  kubelet?: ProcessRecord;
}

export interface NodeStartOptions {
  readonly dir: string;
  readonly logDir: string;
  readonly name: string;
  readonly server: string;
  readonly pki: ClusterPki;
  readonly admin: KubeConfig;
  readonly timeoutMs: number;
  readonly stateFile: string;
  /** How long to wait for another local cluster's node to stop (default 5 min). */
  readonly lockWaitMs?: number;
}

export async function startNode(o: NodeStartOptions, onState: (s: NodeState) => void): Promise<NodeState> {
  await acquireNodeLock(o.stateFile, o.lockWaitMs ?? 300_000);
  const layout = nodeLayout(join(o.dir, 'node'), o.name);
  for (const d of [layout.cniConfDir, layout.cniDataDir, layout.kubeletRoot, layout.podLogs]) mkdirSync(d, { recursive: true });
  const state: NodeState = {
    layout, logDir: o.logDir, savedSysctls: saveSysctls(), cgroupDirs: createCgroupRoot(cgroupRoot),
    bridgeExisted: await linkExists(podNetwork.bridge),
    createdHostPaths: hardcodedHostPaths.filter((p) => !existsSync(p)),
    lockOwner: o.stateFile,
  };
  onState(state);
  if (!state.bridgeExisted) await createBridge(podNetwork.bridge, `${podNetwork.gateway}/${podNetwork.cidr.split('/')[1] ?? '24'}`);
  writeFileSync(join(layout.cniConfDir, '10-ziriz.conflist'), cniConflist(layout));
  state.containerd = await startContainerd(layout, o.logDir);
  onState(state);
  await importImages(layout);
  const certs = nodeCerts(o.pki, o.name, podNetwork.gateway);
  const kubeconfig = writeKubeconfig(join(layout.dir, 'kubelet.kubeconfig'), o.server, o.pki.ca.cert,
    `system:node:${o.name}`, { certs: certs.client });
  const config = join(layout.dir, 'kubelet.yaml');
  writeFileSync(config, kubeletConfig(layout, o.pki.ca.cert, certs.serving, { kubelet: await freePort(), healthz: await freePort() }));
  state.kubelet = startProcess('kubelet', binary('kubelet'), kubeletArgs(layout, config, kubeconfig), {
    log: join(o.logDir, 'kubelet.log'),
  });
  onState(state);
  await waitNodeReady(o.admin, o.name, o.timeoutMs, state);
  return state;
}

async function waitNodeReady(admin: KubeConfig, name: string, timeoutMs: number, state: NodeState): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  await waitFor(`node ${name} to be Ready`, async () => {
    const node = await core.readNode({ name });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  }, {
    timeoutMs, intervalMs: 500,
    check: () => { for (const p of [state.containerd, state.kubelet]) if (p) assertRunning(p); },
  });
}

/**
 * containerd for the teardown: the running one, or, when a crashed run left
 * containers behind a dead containerd, a new one on the same state so the
 * containers and their network namespaces can be found and removed.
 */
async function liveContainerd(state: NodeState): Promise<ProcessRecord | undefined> {
  if (!state.containerd) return undefined;
  if (isRunning(state.containerd)) return state.containerd;
  return startContainerd(state.layout, state.logDir, true).catch(() => undefined);
}

/**
 * A shared host path's own mount is not the cluster's: on the first `ip netns
 * add` ever, iproute2 bind-mounts /run/netns onto itself (to make it shared)
 * and leaves it for every later user. Only mounts beneath it count.
 */
function leftMounts(p: string): string[] {
  const mounts = mountsUnder(p);
  return sharedHostPaths.includes(p) ? mounts.filter((m) => m !== p) : mounts;
}

function removeHostPath(p: string): string[] {
  if (!existsSync(p)) return [];
  if (leftMounts(p).length > 0) return [`mounts under ${p}`];
  if (mountsUnder(p).includes(p)) return []; // iproute2's own mount point: left to every later `ip netns`
  if (!sharedHostPaths.includes(p)) rmSync(p, { recursive: true, force: true });
  else if (readdirSync(p).length === 0) rmdirSync(p);
  return [];
}

export function nodeProcesses(state: NodeState): ProcessRecord[] {
  return [state.kubelet, state.containerd].filter((p): p is ProcessRecord => p !== undefined);
}

/**
 * Stop the kubelet, then remove whatever containers remain (the kubelet
 * normally removed them when the pods were deleted), stop containerd and its
 * shims, and give back cgroups, mounts, the bridge and the sysctls.
 * Returns what could not be cleaned up.
 */
export async function stopNode(state: NodeState): Promise<string[]> {
  const l = state.layout;
  if (state.kubelet) await stopProcess(state.kubelet);
  const containerd = await liveContainerd(state);
  const netns = containerd ? await removeAllContainers(l) : [];
  if (containerd) await stopProcess(containerd);
  for (const pid of shimPids(l)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  const v2Root = join(cgroupV2Mount, cgroupRoot);
  if (state.cgroupDirs.includes(v2Root)) await killCgroupTree(v2Root);
  await removeNetns(netns);
  const left: string[] = [];
  left.push(...(await unmountUnder(l.dir)).map((m) => `mount ${m}`));
  if (!state.bridgeExisted) left.push(...await removeBridge(podNetwork.bridge));
  for (const dir of state.cgroupDirs) left.push(...removeCgroupTree(dir).map((d) => `cgroup ${d}`));
  left.push(...restoreSysctls(state.savedSysctls));
  for (const p of state.createdHostPaths) left.push(...removeHostPath(p));
  left.push(...shimPids(l).map((p) => `containerd-shim pid ${p}`));
  releaseNodeLock(state.lockOwner);
  return left;
}
