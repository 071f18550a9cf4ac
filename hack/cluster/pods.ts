/**
 * Pods on the real node, seen from the host: their cgroups (v1 controllers and
 * the v2 tree whose inode is what bpf_get_current_cgroup_id() returns), their
 * processes and network namespaces, and the mass deletion a clean stop needs.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { tryRun } from './exec.js';
import { cgroupRoot, type NodeLayout } from './node-config.js';
import { waitFor } from './wait.js';

/** The cgroup v2 hierarchy on these hybrid-cgroup machines. */
export const cgroupV2Mount = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';

/** Root of the kubelet's pod cgroups in a hierarchy (default: the v2 tree). */
export function kubepodsDir(hierarchy = cgroupV2Mount): string {
  return join(hierarchy, cgroupRoot, 'kubepods');
}

function findDir(root: string, name: string, depth: number): string | undefined {
  if (depth < 0 || !existsSync(root)) return undefined;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (e.name === name) return join(root, e.name);
    const found = findDir(join(root, e.name), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** The pod's cgroup directory (cgroupfs driver: .../kubepods[/<qos>]/pod<uid>), if it exists. */
export function podCgroupDir(podUid: string, hierarchy = cgroupV2Mount): string | undefined {
  return findDir(kubepodsDir(hierarchy), `pod${podUid}`, 1);
}

/** The container's cgroup directory (.../pod<uid>/<container id>), if it exists. */
export function containerCgroupDir(podUid: string, containerId: string, hierarchy = cgroupV2Mount): string | undefined {
  const pod = podCgroupDir(podUid, hierarchy);
  const id = containerId.replace(/^[a-z]+:\/\//, '');
  return pod && existsSync(join(pod, id)) ? join(pod, id) : undefined;
}

/** The cgroup id of a v2 cgroup directory: its inode, as bpf_get_current_cgroup_id() reports it. */
export function cgroupId(dir: string): bigint {
  return statSync(dir, { bigint: true }).ino;
}

export function cgroupPids(dir: string): number[] {
  return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

/** The network namespace of a process, e.g. 'net:[4026532301]'. */
export function netnsOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

/** Container ids (without the 'containerd://' prefix) of a pod's status. */
export function containerIds(pod: V1Pod): string[] {
  return (pod.status?.containerStatuses ?? [])
    .map((c) => c.containerID?.replace(/^[a-z]+:\/\//, ''))
    .filter((id): id is string => !!id);
}

async function runningTasks(l: NodeLayout): Promise<number> {
  const out = await tryRun('ctr', ['--address', l.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls']);
  return out ? out.stdout.split('\n').filter((line) => /\bRUNNING\b/.test(line)).length : 0;
}

/**
 * Delete every pod with a short grace period and wait until the kubelet has
 * confirmed each deletion and no container task is running any more.
 */
export async function deleteAllPods(kc: KubeConfig, l: NodeLayout, timeoutMs: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listPodForAllNamespaces();
  for (const pod of pods.items) {
    const name = pod.metadata?.name;
    const namespace = pod.metadata?.namespace;
    if (!name || !namespace) continue;
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 1 }).catch(() => undefined);
  }
  await waitFor('every pod deleted by the kubelet', async () =>
    ((await core.listPodForAllNamespaces()).items.length === 0 ? true : undefined), { timeoutMs, intervalMs: 500 });
  await waitFor('every container task stopped', async () => ((await runningTasks(l)) === 0 ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 500 });
}
