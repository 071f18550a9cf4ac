/**
 * The node agent on the local cluster's real node, with the real API server,
 * the real webhook (stamps pods, adds the readiness gate) and real BPF: an
 * agent pod under a policy that allows one destination pod can reach it and
 * gets EPERM for another; the verdict shows in `kubectl describe pod`; pods
 * outside policies are untouched; enforcement holds while the agent is
 * killed and restarted; a flood of denials makes few Events and exact
 * metrics; 100 pod lifecycles leave the kernel state at its baseline. Pod
 * traffic stays inside the node's pod network.
 */
import { expect } from 'chai';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, isReady, isRunningPod, nodeAppDeployment, waitForNoPods, waitForPods } from '../../hack/cluster/workloads.js';
import { BpfMap } from '../../node-agent/src/bpf/map.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { httpGet, NodeAgentProcess, teardownNode } from '../support/node-agent-process.js';
import { configurationsFor, freePort, installWebhookPrereqs, WebhookProcess } from '../support/webhook-process.js';

const NS = 'na-agents';

const PROBER = `
const net = require('node:net'), http = require('node:http');
const loop = { attempts: 0, ok: 0, codes: {} };
function tryConnect(host, port, ms) {
  return new Promise((r) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); r('TIMEOUT'); }, ms);
    s.on('connect', () => { clearTimeout(t); s.destroy(); r('ok'); });
    s.on('error', (e) => { clearTimeout(t); r(e.code); });
  });
}
http.createServer(async (q, s) => {
  const u = new URL(q.url, 'http://x');
  const [h, p] = (u.searchParams.get('to') || ':').split(':');
  if (u.pathname === '/probe') return s.end(await tryConnect(h, +p, 2000));
  if (u.pathname === '/flood') {
    const c = {}; const n = +u.searchParams.get('n');
    for (let i = 0; i < n; i++) { const r = await tryConnect(h, +p, 2000); c[r] = (c[r] || 0) + 1; }
    return s.end(JSON.stringify(c));
  }
  if (u.pathname === '/loop') {
    if (loop.timer) clearInterval(loop.timer);
    loop.timer = setInterval(async () => { loop.attempts++; const r = await tryConnect(h, +p, 500); if (r === 'ok') loop.ok++; loop.codes[r] = (loop.codes[r] || 0) + 1; }, 20);
    return s.end('looping');
  }
  if (u.pathname === '/stop') { clearInterval(loop.timer); loop.timer = undefined; return s.end(JSON.stringify({ attempts: loop.attempts, ok: loop.ok, codes: loop.codes })); }
  s.end('?');
}).listen(8080);`;

const SERVER = `require('node:http').createServer((q, s) => s.end('dest')).listen(8080)`;

function podIP(p: V1Pod): string {
  return p.status?.podIP ?? '';
}

async function get(p: V1Pod, path: string): Promise<string> {
  return (await httpGet(podIP(p), 8080, path, 60_000)).body;
}

describe('node agent on the real node', function () {
  this.timeout(600_000);
  let cluster: LocalCluster;
  let webhook: WebhookProcess | undefined;
  let agent: NodeAgentProcess | undefined;
  let prober: V1Pod;
  let bystander: V1Pod;
  let destOk: V1Pod;
  let destNo: V1Pod;
  const pinRoot = `/sys/fs/bpf/ziriz-it-${process.pid}`;
  let stateFile = '';

  before(async function () {
    cluster = await sharedCluster(this);
    stateFile = join(cluster.logDir, 'tc-state.json');
    const objs = await installWebhookPrereqs(cluster);
    const port = await freePort();
    await apply(cluster, configurationsFor(objs, port));
    webhook = await WebhookProcess.start(cluster, port, 'webhook-na');
    await apply(cluster, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      {
        apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: NS },
        spec: {
          selector: { matchLabels: { app: 'prober' } },
          mode: 'Enforce',
          egress: { rules: [{ effect: 'Allow', to: [{ selector: { matchLabels: { app: 'dest-ok' } } }], ports: [{ port: 8080 }] }] },
        },
      },
      nodeAppDeployment(cluster, { name: 'dest-ok', namespace: NS, script: SERVER, listensOn: 8080 }),
      nodeAppDeployment(cluster, { name: 'dest-no', namespace: NS, script: SERVER, listensOn: 8080 }),
      nodeAppDeployment(cluster, { name: 'bystander', namespace: NS, script: PROBER, listensOn: 8080 }),
    ]);
    agent = await NodeAgentProcess.start(cluster, { pinRoot, stateFile });
    await apply(cluster, [nodeAppDeployment(cluster, { name: 'prober', namespace: NS, script: PROBER, annotations: { 'ziriz.io/role': 'agent' }, listensOn: 8080 })]);
    const kc = cluster.kubeConfig();
    // Ready: listening on 8080 (readiness probe).
    const running = (p: V1Pod): boolean => isRunningPod(p) && isReady(p);
    [destOk] = await waitForPods(kc, NS, 'app=dest-ok', running) as [V1Pod];
    [destNo] = await waitForPods(kc, NS, 'app=dest-no', running) as [V1Pod];
    [bystander] = await waitForPods(kc, NS, 'app=bystander', running) as [V1Pod];
    // The prober's Ready also needs the readiness gate ziriz.io/protected=True, which only the node agent writes.
    try {
      [prober] = await waitForPods(kc, NS, 'app=prober', running, { timeoutMs: 120_000 }) as [V1Pod];
    } catch (e: unknown) {
      const pods = (await cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'yaml'])).stdout;
      process.stderr.write(`--- pods\n${pods.slice(-6000)}\n--- node agent log\n${agent.log().slice(-8000)}\n`);
      throw e;
    }
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && agent) process.stderr.write(`--- node agent log\n${agent.log().slice(-6000)}\n`);
  });

  after(async () => {
    await agent?.stop();
    await webhook?.stop();
    await cluster.kubectl(['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', 'ziriz-webhook', '--ignore-not-found']).catch(() => undefined);
    await cluster.kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=120s'], { timeoutMs: 130_000 }).catch(() => undefined);
    await teardownNode(pinRoot, stateFile);
  });

  it('marks the agent pod ziriz.io/protected=True, naming the hooks, which makes it Ready', () => {
    const c = prober.status?.conditions?.find((x) => x.type === 'ziriz.io/protected');
    expect(c?.status).to.equal('True');
    expect(c?.message).to.include('egress-cgroup').and.include('egress-tc');
    expect(prober.metadata?.labels?.['ziriz.io/role']).to.equal('agent');
  });

  it('lets the agent reach the allowed destination and refuses the other with EPERM', async () => {
    expect(await get(prober, `/probe?to=${podIP(destOk)}:8080`)).to.equal('ok');
    expect(await get(prober, `/probe?to=${podIP(destNo)}:8080`)).to.equal('EPERM');
  });

  it('shows the EgressBlocked verdict and the condition in kubectl describe pod', async () => {
    const out = await waitFor('EgressBlocked in describe', async () => {
      const d = (await cluster.kubectl(['describe', 'pod', '-n', NS, prober.metadata?.name ?? ''])).stdout;
      return d.includes('EgressBlocked') ? d : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(out).to.match(/ziriz\.io\/protected\s+True/);
    expect(out).to.match(/Warning\s+EgressBlocked/);
    expect(out).to.include(`${podIP(destNo)}:8080`);
  });

  it('leaves a pod outside any policy untouched', async () => {
    expect(await get(bystander, `/probe?to=${podIP(destNo)}:8080`)).to.equal('ok');
    expect(bystander.spec?.readinessGates ?? []).to.deep.equal([]);
  });

  it('keeps refusing while the agent is killed and restarted: zero successes', async () => {
    await get(prober, `/loop?to=${podIP(destNo)}:8080`);
    await new Promise((r) => setTimeout(r, 500));
    agent!.kill();
    await new Promise((r) => setTimeout(r, 3000));
    agent = await NodeAgentProcess.start(cluster, { pinRoot, stateFile, name: 'node-agent-2' });
    await new Promise((r) => setTimeout(r, 2000));
    const stats = JSON.parse(await get(prober, '/stop')) as { attempts: number; ok: number; codes: Record<string, number> };
    expect(stats.attempts).to.be.greaterThan(100);
    expect(stats.ok).to.equal(0);
    expect(Object.keys(stats.codes)).to.deep.equal(['EPERM']);
    expect(await get(prober, `/probe?to=${podIP(destOk)}:8080`)).to.equal('ok');
  });

  it('turns 10,000 denials into a bounded number of Events and exact metrics', async () => {
    const labels = { reason: 'EgressBlocked', namespace: NS };
    const before = await agent!.metric('ziriz_node_agent_verdicts_total', labels);
    const codes = JSON.parse(await get(prober, `/flood?n=10000&to=${podIP(destNo)}:8080`)) as Record<string, number>;
    expect(codes).to.deep.equal({ EPERM: 10000 });
    await waitFor('verdict metric', async () => ((await agent!.metric('ziriz_node_agent_verdicts_total', labels)) - before >= 10000 ? true : undefined), { timeoutMs: 30_000 });
    expect((await agent!.metric('ziriz_node_agent_verdicts_total', labels)) - before).to.equal(10000);
    const events = JSON.parse((await cluster.kubectl(['get', 'events.events.k8s.io', '-n', NS, '-o', 'json'])).stdout) as { items: { reason: string; regarding: { name: string } }[] };
    const mine = events.items.filter((e) => e.reason === 'EgressBlocked' && e.regarding.name === prober.metadata?.name);
    expect(mine.length).to.be.within(1, 10);
  });

  function kernelCounts(): { identities: number; podUids: number; podIps: number; links: number; tc: number } {
    const count = (name: string): number => {
      const m = BpfMap.openPinned(join(pinRoot, name));
      try {
        return m.keys().length;
      } finally {
        m.close();
      }
    };
    const tcState = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as unknown[]).length : 0;
    return { identities: count('ziriz_identity'), podUids: count('ziriz_pod_uids'), podIps: count('ziriz_pod_ips'), links: readdirSync(join(pinRoot, 'links')).length, tc: tcState };
  }

  it('returns map entries, links and TC filters to their baseline after 100 pod lifecycles', async () => {
    const baseline = kernelCounts();
    const kc = cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    for (let round = 0; round < 5; round++) {
      await apply(cluster, [nodeAppDeployment(cluster, { name: 'churn', namespace: NS, script: 'setInterval(() => {}, 1000)', replicas: 20, labels: { app: 'churn' }, annotations: { 'ziriz.io/role': 'agent' } })]);
      await waitForPods(kc, NS, 'app=churn', isRunningPod, { count: 20, timeoutMs: 240_000 });
      await core.deleteCollectionNamespacedPod({ namespace: NS, labelSelector: 'app=churn' }).catch(() => undefined);
      await cluster.kubectl(['delete', 'deployment', '-n', NS, 'churn', '--wait=true']);
      await waitForNoPods(kc, NS, 'app=churn', 240_000);
    }
    const after = await waitFor('kernel state back to baseline', () => {
      const now = kernelCounts();
      return Promise.resolve(JSON.stringify(now) === JSON.stringify(baseline) ? now : undefined);
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    expect(after).to.deep.equal(baseline);
  });
});

