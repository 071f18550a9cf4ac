/**
 * Workloads on the local cluster for tests and the demo: manifests for the
 * offline-built images, kubectl apply, bounded waits on pods, and the host's
 * view of a pod (cgroup, cgroup id, processes, network namespace).
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from './cluster.js';
import { cgroupId, cgroupPids, containerCgroupDir, containerIds, netnsOf, podCgroupDir } from './pods.js';
import { waitFor } from './wait.js';

export interface NodeAppOptions {
  readonly name: string;
  readonly namespace?: string;
  /** JavaScript run by `node -e` in the container. */
  readonly script: string;
  readonly replicas?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly readinessGates?: readonly string[];
  readonly serviceAccountName?: string;
  /** The script listens on this TCP port: Ready only once it accepts connections (readiness probe). */
  readonly listensOn?: number;
}

/** A Deployment of the node-app image (Node.js 24 on Debian) running `script`. */
export function nodeAppDeployment(cluster: LocalCluster, o: NodeAppOptions): Record<string, unknown> {
  const labels = { app: o.name, ...o.labels };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace ?? 'default' },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { app: o.name } },
      template: {
        metadata: { labels, annotations: { ...o.annotations } },
        spec: {
          terminationGracePeriodSeconds: 2,
          ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
          ...(o.readinessGates ? { readinessGates: o.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
          containers: [{
            name: 'app', image: cluster.image('node-app'), imagePullPolicy: 'Never',
            args: ['-e', o.script],
            ...(o.listensOn !== undefined ? { readinessProbe: { tcpSocket: { port: o.listensOn }, periodSeconds: 1, failureThreshold: 1 } } : {}),
          }],
        },
      },
    },
  };
}

/** kubectl apply the objects (JSON on stdin) as the admin, or with another kubeconfig. */
export async function apply(cluster: LocalCluster, objects: readonly Record<string, unknown>[], kubeconfig?: string): Promise<string> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
  const res = await cluster.kubectl(['apply', '-f', '-'], { input, ...(kubeconfig ? { kubeconfig } : {}) });
  return res.stdout;
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isRunningPod(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !!pod.status.podIP &&
    (pod.status.containerStatuses ?? []).every((c) => c.state?.running !== undefined);
}

/** Wait until the pods matching `labelSelector` are `count` and all satisfy `ok`. */
export async function waitForPods(kc: KubeConfig, namespace: string, labelSelector: string,
  ok: (p: V1Pod) => boolean, opts: { count?: number; timeoutMs?: number } = {}): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  return waitFor(`pods ${namespace}/${labelSelector}`, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items
      .filter((p) => !p.metadata?.deletionTimestamp);
    return pods.length === (opts.count ?? 1) && pods.every(ok) ? pods : undefined;
  }, { timeoutMs: opts.timeoutMs ?? 90_000, intervalMs: 500 });
}

/** Wait until no pod matches `labelSelector` any more (deleted and confirmed by the kubelet). */
export async function waitForNoPods(kc: KubeConfig, namespace: string, labelSelector: string, timeoutMs = 90_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await waitFor(`no pods ${namespace}/${labelSelector}`, async () =>
    ((await core.listNamespacedPod({ namespace, labelSelector })).items.length === 0 ? true : undefined),
  { timeoutMs, intervalMs: 500 });
}

export interface ContainerHostView {
  readonly containerId: string;
  /** The container's cgroup v2 directory and its id (bpf_get_current_cgroup_id()). */
  readonly cgroupDir: string;
  readonly cgroupId: bigint;
  readonly pids: readonly number[];
  /** e.g. 'net:[4026532301]' */
  readonly netns: string;
}

export interface PodHostView {
  readonly podCgroupDir: string;
  readonly containers: readonly ContainerHostView[];
}

/** Where a running pod lives on the host; throws if a cgroup or process is missing. */
export function podHostView(pod: V1Pod): PodHostView {
  const uid = pod.metadata?.uid ?? '';
  const podDir = podCgroupDir(uid);
  if (!podDir) throw new Error(`no cgroup for pod ${pod.metadata?.name ?? ''} (uid ${uid})`);
  const containers = containerIds(pod).map((id) => {
    const dir = containerCgroupDir(uid, id);
    if (!dir) throw new Error(`no cgroup for container ${id}`);
    const pids = cgroupPids(dir);
    const first = pids[0];
    if (first === undefined) throw new Error(`container ${id} has no process`);
    return { containerId: id, cgroupDir: dir, cgroupId: cgroupId(dir), pids, netns: netnsOf(first) };
  });
  return { podCgroupDir: podDir, containers };
}

/**
 * Wait until a CRD is Established. Not `kubectl wait --for=condition=...`:
 * right after the CRD is created its status has no conditions yet, and
 * kubectl then fails at once ("status.conditions accessor error") instead of waiting.
 */
export async function waitCrdEstablished(cluster: LocalCluster, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`CRD ${name} Established`, async () => {
    const r = await cluster.kubectl(['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']).catch(() => ({ stdout: '' }));
    return r.stdout.trim() === 'True' ? true : undefined;
  }, { timeoutMs, intervalMs: 250 });
}
