/**
 * Benchmarks (issue 6) on the local cluster, one run:
 *  1. time from a protected pod's first process starting to the node agent's
 *     ziriz.io/protected=True, over 50 pods started together (p50/p99);
 *  2. node agent memory (RSS) with 110 protected pods, against its RSS with
 *     none in the same run (ratio), plus the time of one reconcile.
 * Pods run the pause image (the cost measured is the agent's, not the app's).
 * Run as root: hack/bench node-agent-cluster.
 */
import { CoreV1Api, Watch, type V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { errorMessage } from '../core/errors/ziriz-error.js';
import { join } from 'node:path';
import { LocalCluster } from '../hack/cluster/cluster.js';
import { podCgroupDir } from '../hack/cluster/pods.js';
import { waitFor } from '../hack/cluster/wait.js';
import { apply, waitForNoPods } from '../hack/cluster/workloads.js';
import { cgroupPids } from '../node-agent/src/kernel/pod-cgroups.js';
import { processStartTime } from '../node-agent/src/kernel/proc-state.js';
import { NodeAgentProcess, teardownNode } from '../test/support/node-agent-process.js';
import { configurationsFor, freePort, installWebhookPrereqs, WebhookProcess } from '../test/support/webhook-process.js';

const NS = 'bench';
const CLK_TCK = 100;

/**
 * The boot instant in epoch ms, from /proc/uptime (10 ms resolution). Not
 * /proc/stat's btime: it is truncated to the second, which would add up to a
 * second to every latency measured from a process start time.
 */
function bootTimeMs(): number {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - uptime * 1000;
}

/** Start time (epoch ms, 10 ms resolution) of a process, from /proc/<pid>/stat field 22. */
function startMs(pid: number, boot: number): number {
  return boot + (Number(processStartTime(pid)) / CLK_TCK) * 1000;
}

/** RSS of a process by kind of mapping, in MB, from /proc/<pid>/smaps. */
function rssByMapping(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let kind = 'other';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] ?? '';
      kind = name === '' ? 'anonymous' : name === '[heap]' ? 'brk heap' : name.includes('bpf') ? 'bpf maps' : name.startsWith('/') ? 'files' : 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return out;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

function deployment(cluster: LocalCluster, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bench', namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' }, annotations: { 'ziriz.io/role': 'agent' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'pause', image: cluster.image('pause'), imagePullPolicy: 'Never' }] },
      },
    },
  };
}

/**
 * Per pod: from its first process's start (read from /proc once it runs:
 * the sandbox's process lives on) to the watch event carrying
 * ziriz.io/protected=True (the moment it is visible in the API).
 */
async function protectionLatencies(cluster: LocalCluster, count: number): Promise<number[]> {
  const kc = cluster.kubeConfig();
  const seenTrue = new Map<string, number>();
  let watchError: unknown;
  const req = await new Watch(kc).watch(`/api/v1/namespaces/${NS}/pods`, { labelSelector: 'app=bench' }, (_type: string, p: V1Pod) => {
    const uid = p.metadata?.uid ?? '';
    const c = p.status?.conditions?.find((x) => x.type === 'ziriz.io/protected');
    if (c?.status === 'True' && !seenTrue.has(uid)) seenTrue.set(uid, Date.now());
  }, (e: unknown) => { watchError = e ?? watchError; });
  try {
    await apply(cluster, [deployment(cluster, count)]);
    await waitFor(`${count} pods protected`, () => {
      if (watchError) throw new Error(`pod watch failed: ${errorMessage(watchError)}`);
      return Promise.resolve(seenTrue.size >= count ? true : undefined);
    }, { timeoutMs: 600_000, intervalMs: 50 });
  } finally {
    req.abort();
  }
  const boot = bootTimeMs();
  return [...seenTrue.entries()].map(([uid, t]) => {
    const dir = podCgroupDir(uid);
    const starts = (dir ? cgroupPids(dir) : []).map((pid) => { try { return startMs(pid, boot); } catch { return Infinity; } });
    const first = Math.min(...starts);
    if (!Number.isFinite(first)) throw new Error(`pod ${uid}: no process to read a start time from`);
    return t - first;
  });
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start();
  const pinRoot = `/sys/fs/bpf/ziriz-bench-${process.pid}`;
  const stateFile = join(cluster.logDir, 'tc.json');
  let agent: NodeAgentProcess | undefined;
  let webhook: WebhookProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await agent?.stop();
    await webhook?.stop();
    await teardownNode(pinRoot, stateFile);
    await cluster.stop();
  };
  // Interrupted: clean up the same way, then exit; at worst kill the cluster's processes.
  process.once('exit', () => { cluster.killNow(); });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });
  }
  try {
    const objs = await installWebhookPrereqs(cluster);
    const port = await freePort();
    await apply(cluster, configurationsFor(objs, port));
    webhook = await WebhookProcess.start(cluster, port, 'webhook-bench');
    await apply(cluster, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'bench', namespace: NS },
        spec: { selector: { matchLabels: { app: 'bench' } }, egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.244.0.0/24' }], ports: [{ port: 8080 }] }] } } },
    ]);
    agent = await NodeAgentProcess.start(cluster, { pinRoot, stateFile, name: 'node-agent-bench' });
    await new Promise((r) => setTimeout(r, 3000));
    const rssIdle = rssMb(agent.child.pid ?? 0);

    const lat = await protectionLatencies(cluster, 50);
    process.stdout.write(`protection latency over ${lat.length} pods started together: p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms\n`);
    // The agent's own view: first process -> kernel protection complete (before the condition write).
    const a = agent;
    const inKernel = await Promise.all(['0.05', '0.1', '0.25', '0.5', '1'].map(async (le) => `≤${le}s ${await a.metric('ziriz_node_agent_protection_seconds_bucket', { le })}`));
    process.stdout.write(`  in the kernel (agent histogram, ${await agent.metric('ziriz_node_agent_protection_seconds_count')} pods): ${inKernel.join(', ')}\n`);

    await apply(cluster, [deployment(cluster, 110)]);
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await waitFor('110 pods protected', async () => {
      const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=bench' })).items;
      return pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'ziriz.io/protected' && c.status === 'True')).length >= 110 ? true : undefined;
    }, { timeoutMs: 900_000, intervalMs: 500 });
    await new Promise((r) => setTimeout(r, 40_000)); // steady state: resyncs with all pods, a C-heap trim (every 30 s)
    // RSS moves with the garbage collector's rhythm: one sample a second for 30 s, median and max.
    const samples: number[] = [];
    for (let i = 0; i < 30; i++) {
      samples.push(rssMb(agent.child.pid ?? 0));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rss110 = percentile(samples, 50);
    const entries = (await agent.metric('ziriz_node_agent_pods', { state: 'protected' }));
    process.stdout.write(`node agent RSS: ${rssIdle.toFixed(1)} MB with no pods, ${rss110.toFixed(1)} MB with 110 protected pods (median of ${samples.length} samples over 30 s, max ${Math.max(...samples).toFixed(1)}; ratio ${(rss110 / rssIdle).toFixed(2)}); pods gauge ${entries}\n`);
    const mb = async (name: string, labels: Record<string, string> = {}): Promise<string> => ((await a.metric(`ziriz_node_agent_${name}`, labels)) / 2 ** 20).toFixed(1);
    process.stdout.write(`  by mapping: ${Object.entries(rssByMapping(agent.child.pid ?? 0)).map(([k, v]) => `${k} ${v.toFixed(1)} MB`).join(', ')}\n`);
    process.stdout.write(`  of which V8 heap ${await mb('nodejs_heap_size_total_bytes')} MB reserved (${await mb('nodejs_heap_size_used_bytes')} MB used; new space ${await mb('nodejs_heap_space_size_total_bytes', { space: 'new' })} MB), external ${await mb('nodejs_external_memory_bytes')} MB\n`);
    await cluster.kubectl(['delete', 'deployment', '-n', NS, 'bench']);
    await waitForNoPods(cluster.kubeConfig(), NS, 'app=bench', 600_000);
  } finally {
    await cleanup();
  }
}

await main();
