/**
 * Admission benchmark (issue 17 item 5), one run on the local control plane
 * (real kube-apiserver and etcd, no node): the real webhook process
 * (dist/webhook, its own serving certificate, registered by URL) with an
 * AgentPolicy selecting the pods, in a namespace labelled ziriz.io/enforce.
 *  (a0) at the webhook, one review at a time: its time per request;
 *  (a) at the webhook: 200 AdmissionReviews at once (an agent Pod CREATE),
 *      each POSTed to /mutate and then /validate over HTTPS on 200
 *      keep-alive connections, as the API server sends them; latency per
 *      request, p50/p99 (the webhook's whole answer: TLS, HTTP, JSON, judge);
 *  (b) through the API server: 200 dry-run Pod creations at once (dry run
 *      calls the webhooks, stores nothing), p50/p99 per create, against the
 *      same 200 creations with the webhook configurations removed (baseline,
 *      same run); the ratio of the p50s and p99s.
 * Three rounds each after a warm-up round; every figure is over all rounds.
 * Run as root: hack/bench admission.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { LocalCluster } from '../hack/cluster/cluster.js';
import { apply } from '../hack/cluster/workloads.js';
import { configurationsFor, freePort, installWebhookPrereqs, WebhookProcess, WEBHOOK_NS } from '../test/support/webhook-process.js';

const NS = 'bench-admission';
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

const fmt = (xs: readonly number[]): string => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms (${xs.length} requests)`;

function agentPod(i: number): V1Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `agent-${i}`, namespace: NS, labels: { app: 'bench-agent' }, annotations: { 'ziriz.io/role': 'agent' } },
    spec: { serviceAccountName: 'default', containers: [{ name: 'agent', image: 'ignored:dry-run', command: ['true'] }] },
  };
}

function review(i: number): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}-${Date.now()}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE', namespace: NS, object: agentPod(i), dryRun: true,
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    },
  });
}

/** POST a review to the webhook; the milliseconds until its whole answer (an allowed review, or a throw). */
function post(agent: Agent, ca: string, port: number, path: string, body: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, ca, headers: { 'content-type': 'application/json' }, timeout: 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const out = JSON.parse(Buffer.concat(parts).toString()) as { response?: { allowed?: boolean; status?: { message?: string } } };
        if (res.statusCode !== 200 || out.response?.allowed !== true) reject(new Error(`${path}: HTTP ${String(res.statusCode)} ${out.response?.status?.message ?? ''}`));
        else resolve(ms);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function atWebhook(port: number, ca: string): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENT });
  try {
    const one = async (i: number): Promise<number[]> => {
      const body = review(i);
      return [await post(agent, ca, port, '/mutate', body), await post(agent, ca, port, '/validate', body)];
    };
    await Promise.all(Array.from({ length: CONCURRENT }, (_v, i) => one(i))); // warm-up: connections, JIT
    const all: number[] = [];
    for (let r = 0; r < ROUNDS; r++) all.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_v, i) => one(i)))).flat());
    return all;
  } finally {
    agent.destroy();
  }
}

async function throughApiServer(core: CoreV1Api): Promise<number[]> {
  const one = async (i: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await core.createNamespacedPod({ namespace: NS, body: agentPod(i), dryRun: 'All' });
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  await Promise.all(Array.from({ length: CONCURRENT }, (_v, i) => one(i)));
  const all: number[] = [];
  for (let r = 0; r < ROUNDS; r++) all.push(...(await Promise.all(Array.from({ length: CONCURRENT }, (_v, i) => one(i)))));
  return all;
}

async function main(): Promise<void> {
  const cluster = await LocalCluster.start({ node: false });
  let webhook: WebhookProcess | undefined;
  process.once('exit', () => { cluster.killNow(); });
  try {
    const objs = await installWebhookPrereqs(cluster);
    const port = await freePort();
    const configs = configurationsFor(objs, port);
    await apply(cluster, configs);
    await apply(cluster, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'ziriz.io/enforce': 'true' } } }]);
    webhook = await WebhookProcess.start(cluster, port, 'webhook-bench');
    // After the webhook: it validates AgentPolicies.
    await apply(cluster, [{ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'bench', namespace: NS },
      spec: { selector: { matchLabels: { app: 'bench-agent' } }, mcp: { tools: [{ name: 'get_customer' }] } } }]);
    const secret = JSON.parse((await cluster.kubectl(['get', 'secret', '-n', WEBHOOK_NS, 'ziriz-webhook-tls', '-o', 'json'])).stdout) as { data: Record<string, string> };
    const ca = Buffer.from(secret.data['ca.crt'] ?? '', 'base64').toString();
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    // The webhook must have seen the policy (its informer) before it is measured: a dry run that it mutates.
    let mutated = false;
    for (let i = 0; i < 100 && !mutated; i++) {
      const p = await core.createNamespacedPod({ namespace: NS, body: agentPod(0), dryRun: 'All' });
      mutated = Object.keys(p.metadata?.labels ?? {}).some((k) => k.startsWith('ziriz.io/'));
      if (!mutated) await new Promise((r) => setTimeout(r, 200));
    }
    if (!mutated) throw new Error('the webhook never labelled a dry-run agent pod: nothing to measure');

    // One at a time: the webhook's own time per request, without queueing behind the others.
    const serial: number[] = [];
    const one = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < CONCURRENT * ROUNDS; i++) {
      const body = review(i);
      serial.push(await post(one, ca, port, '/mutate', body), await post(one, ca, port, '/validate', body));
    }
    one.destroy();
    process.stdout.write(`(a0) at the webhook, one review at a time (keep-alive), /mutate then /validate: ${fmt(serial.slice(100))}\n`);

    const direct = await atWebhook(port, ca);
    process.stdout.write(`(a) at the webhook, ${CONCURRENT} reviews at once, /mutate then /validate: ${fmt(direct)}\n`);
    const withWebhook = await throughApiServer(core);
    await cluster.kubectl(['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', '-l', 'app.kubernetes.io/name=ziriz', '--ignore-not-found']);
    await cluster.kubectl(['delete', ...configs.map((c) => `${c.kind.toLowerCase()}/${c.metadata.name}`), '--ignore-not-found']);
    await new Promise((r) => setTimeout(r, 2000)); // the API server's webhook configuration cache
    const baseline = await throughApiServer(core);
    process.stdout.write(`(b) through the API server, ${CONCURRENT} dry-run pod creations at once:\n`);
    process.stdout.write(`    with the webhooks:    ${fmt(withWebhook)}\n`);
    process.stdout.write(`    without (baseline):   ${fmt(baseline)}\n`);
    process.stdout.write(`    ratio with/without:   p50 ${(percentile(withWebhook, 50) / percentile(baseline, 50)).toFixed(2)}, p99 ${(percentile(withWebhook, 99) / percentile(baseline, 99)).toFixed(2)}\n`);
    const cpu = readFileSync(`/proc/${webhook.child.pid ?? 0}/stat`, 'utf8').split(') ')[1]?.split(' ');
    process.stdout.write(`webhook process CPU over the run: ${((Number(cpu?.[11] ?? 0) + Number(cpu?.[12] ?? 0)) / 100).toFixed(2)} s\n`);
  } finally {
    await webhook?.stop();
    await cluster.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
