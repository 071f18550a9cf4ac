/**
 * Node agent reporting against the real API server and the real node: the
 * writer runs with the ServiceAccount and RBAC that kustomize/base/node-agent
 * ships (a bound token, not admin). A pod with the ziriz.io/protected
 * readiness gate stays un-Ready until the condition is written True; Events
 * aggregate a flood; two nodes' agents write one AgentPolicy's status
 * concurrently; the ServiceAccount cannot do what it should not.
 */
import { expect } from 'chai';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { loadKubeConfig } from '../../hack/cluster/kubeconfig.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, isReady, isRunningPod, nodeAppDeployment, waitForPods, waitCrdEstablished } from '../../hack/cluster/workloads.js';
import { kube } from '../../core/kube/client-node-errors.js';
import { KubeApiError } from '../../core/kube/errors.js';
import { KubeClient } from '../../core/kube/lean/client.js';
import { loadKubeconfigFile } from '../../core/kube/lean/kubeconfig.js';
import { KubeWriter } from '../../node-agent/src/kube/writer.js';
import { PROTECTED_CONDITION } from '../../node-agent/src/report/condition.js';
import { NodeAgentMetrics } from '../../node-agent/src/report/metrics.js';
import { Reporter } from '../../node-agent/src/report/reporter.js';
import type { PodIdentity, Protection, Verdict } from '../../node-agent/src/report/types.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { kustomize } from '../support/kustomize.js';

const NS = 'na-report';
const SYSTEM_NS = 'ziriz-system';
const SA = 'ziriz-node-agent';
const RBAC_KINDS = new Set(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);

interface EventItem {
  metadata: { name: string };
  reason: string;
  type: string;
  action: string;
  note: string;
  reportingController: string;
  reportingInstance: string;
  regarding: { kind: string; name: string; uid?: string };
  series?: { count: number; lastObservedTime: string };
}

interface PolicyStatusItem {
  matchedPods?: number;
  enforcedPods?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  nodes?: { nodeName: string; matchedPods: number; enforcedPods: number; degradedPods: number }[];
}

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
    cb();
  }
}

/** The reporters' logs, printed when a test fails. */
const logged: string[] = [];
function quietLog(): (level: string, msg: string, fields?: Record<string, unknown>) => void {
  return (level, msg, fields) => { logged.push(JSON.stringify({ level, msg, ...fields })); };
}

function identityOf(p: V1Pod, node: string): PodIdentity {
  return {
    namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '',
    serviceAccount: p.spec?.serviceAccountName ?? 'default', owner: 'Deployment/gated', identity: 'na-report.default-00000000',
    role: 'agent', node,
  };
}

function verdict(pod: PodIdentity, i: number, target = '10.96.0.10:443/TCP'): Verdict {
  return {
    reason: 'EgressBlocked', kind: 'egress', time: new Date(), verdict: 'deny', pod, container: { name: 'app', id: 'containerd://abc' },
    pid: 4000 + (i % 50), uid: 1000, comm: 'node', cgroupId: 12345n, policy: `${NS}/agents`, rule: 'spec.egress',
    why: 'no egress rule allows it', target, action: 'Block',
  };
}

async function events(cluster: LocalCluster, namespace: string): Promise<EventItem[]> {
  const out = await cluster.kubectl(['get', 'events.events.k8s.io', '-n', namespace, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: EventItem[] }).items;
}

async function apiStatus(fn: () => Promise<unknown>): Promise<number> {
  try {
    await kube('probe', fn);
    return 200;
  } catch (e: unknown) {
    if (e instanceof KubeApiError) return e.status;
    throw e;
  }
}

describe('node agent reporting on the real API server (ServiceAccount + RBAC from kustomize)', function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  let saKc: KubeConfig;
  /** The lean client the node agent writes with, as the same ServiceAccount. */
  let saKube: KubeClient;
  let metrics: NodeAgentMetrics;
  let reporter: Reporter;
  let out: Lines;
  let pod: V1Pod;

  before(async function () {
    cluster = await sharedCluster(this);
    const objs = await kustomize(cluster, 'kustomize/base');
    await apply(cluster, objs.filter((o) => RBAC_KINDS.has(o.kind) && (o.kind !== 'ServiceAccount' || o.metadata.name === SA) &&
      (!o.kind.startsWith('ClusterRole') || o.metadata.name === SA)));
    await waitCrdEstablished(cluster, 'agentpolicies.ziriz.io');
    await apply(cluster, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }]);
    const saKubeconfig = await cluster.serviceAccountKubeconfig(SYSTEM_NS, SA);
    saKc = loadKubeConfig(saKubeconfig);
    saKube = new KubeClient(loadKubeconfigFile(saKubeconfig));
    metrics = new NodeAgentMetrics({ defaultMetrics: false });
    out = new Lines();
    reporter = new Reporter(new KubeWriter(saKube, { node: cluster.nodeName }), metrics, cluster.nodeName, { out, log: quietLog() });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`--- reporter log\n${logged.slice(-30).join('\n')}\n`);
  });

  after(async () => {
    await reporter.close(2000).catch(() => undefined);
    await cluster.kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    saKube.close();
  });

  it('keeps a pod with the ziriz.io/protected readiness gate un-Ready until the condition is True; kubelet conditions survive', async () => {
    await apply(cluster, [nodeAppDeployment(cluster, {
      name: 'gated', namespace: NS, script: 'setInterval(() => {}, 1000)', readinessGates: [PROTECTED_CONDITION],
    })]);
    [pod] = await waitForPods(cluster.kubeConfig(), NS, 'app=gated', isRunningPod) as [V1Pod];
    await new Promise((r) => setTimeout(r, 1500));
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const before = await core.readNamespacedPodStatus({ namespace: NS, name: pod.metadata?.name ?? '' });
    expect(before.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status).to.equal('True');
    expect(isReady(before)).to.equal(false);

    const identity = identityOf(pod, cluster.nodeName);
    const protection: Protection = {
      pod: identity, protected: true, reason: 'HooksDegraded', attached: ['egress-cgroup', 'egress-tc'],
      degraded: [{ hook: 'lsm-file-exec-socket', why: 'LSM unavailable on this kernel', substitute: 'exec visibility via tracepoint + Kill' }],
    };
    reporter.protection(protection);
    await reporter.flush();
    const [ready] = await waitForPods(cluster.kubeConfig(), NS, 'app=gated', isReady, { timeoutMs: 30_000 }) as [V1Pod];
    const cond = ready.status?.conditions?.find((c) => c.type === PROTECTED_CONDITION);
    expect(cond?.status).to.equal('True');
    expect(cond?.reason).to.equal('HooksDegraded');
    expect(cond?.message).to.equal('hooks attached: egress-cgroup, egress-tc; degraded: lsm-file-exec-socket: LSM unavailable on this kernel ' +
      '(exec visibility via tracepoint + Kill in force)');
    const types = (ready.status?.conditions ?? []).map((c) => c.type);
    expect(types).to.include.members(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', PROTECTED_CONDITION]);

    // Same protection again: no API write.
    const writes = await metrics.value('ziriz_node_agent_api_writes_total', { op: 'pod_condition' });
    reporter.protection(protection);
    await reporter.flush();
    expect(await metrics.value('ziriz_node_agent_api_writes_total', { op: 'pod_condition' })).to.equal(writes);

    // Losing protection makes the pod un-Ready again; lastTransitionTime moves only on a flip.
    await new Promise((r) => setTimeout(r, 1100));
    reporter.protection({ ...protection, protected: false, reason: 'CgroupNotFound', attached: [], degraded: [] });
    await reporter.flush();
    const lost = await waitFor('pod un-Ready', async () => {
      const p = await core.readNamespacedPodStatus({ namespace: NS, name: identity.pod });
      return isReady(p) ? undefined : p;
    }, { timeoutMs: 30_000 });
    const lostCond = lost.status?.conditions?.find((c) => c.type === PROTECTED_CONDITION);
    expect(lostCond?.status).to.equal('False');
    expect(new Date(lostCond?.lastTransitionTime ?? 0).getTime()).to.be.greaterThan(new Date(cond?.lastTransitionTime ?? 0).getTime());
    reporter.protection(protection);
    await reporter.flush();
    await waitForPods(cluster.kubeConfig(), NS, 'app=gated', isReady, { timeoutMs: 30_000 });
  });

  it('records ProtectionDegraded / ProtectionFailed Events on the pod with the reporting fields', async () => {
    const evs = await waitFor('protection events', async () => {
      const items = (await events(cluster, NS)).filter((e) => e.reason.startsWith('Protection'));
      return items.some((e) => e.reason === 'ProtectionFailed') && items.some((e) => e.reason === 'ProtectionDegraded') ? items : undefined;
    }, { timeoutMs: 15_000 });
    for (const e of evs) {
      expect(e.reportingController).to.equal('ziriz.io/node-agent');
      expect(e.reportingInstance).to.equal(cluster.nodeName);
      expect(e.action).to.equal('Attach');
      expect(e.regarding).to.include({ kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid });
    }
  });

  it('folds 10,000 identical denials into one Event whose series.count is exact, in a bounded number of API writes', async () => {
    const identity = identityOf(pod, cluster.nodeName);
    const writesBefore = await metrics.value('ziriz_node_agent_api_writes_total', { op: 'event_create' }) +
      await metrics.value('ziriz_node_agent_api_writes_total', { op: 'event_series' });
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) {
      reporter.verdict(verdict(identity, i));
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let writes start mid-flood
    }
    const floodMs = performance.now() - t0;
    await reporter.flush();
    const writes = await metrics.value('ziriz_node_agent_api_writes_total', { op: 'event_create' }) +
      await metrics.value('ziriz_node_agent_api_writes_total', { op: 'event_series' }) - writesBefore;
    const blocked = (await events(cluster, NS)).filter((e) => e.reason === 'EgressBlocked');
    process.stdout.write(`      10,000 identical verdicts in ${floodMs.toFixed(0)} ms -> ${blocked.length} Event(s), ${writes} API write(s), series.count ${blocked[0]?.series?.count}\n`);
    expect(blocked).to.have.length(1);
    const [ev] = blocked as [EventItem];
    expect(ev.series?.count).to.equal(10_000);
    expect(writes).to.be.at.most(3);
    expect(ev.type).to.equal('Warning');
    expect(ev.action).to.equal('Block');
    expect(ev.reportingController).to.equal('ziriz.io/node-agent');
    expect(ev.reportingInstance).to.equal(cluster.nodeName);
    expect(ev.regarding.uid).to.equal(identity.uid);
    expect(ev.note).to.match(new RegExp(`^egress 10\\.96\\.0\\.10:443/TCP denied by AgentPolicy ${NS}/agents spec\\.egress \\(no egress rule allows it\\); ` +
      `identity ${NS}/default, pod ${NS}/${identity.pod} \\(Deployment/gated, service account default\\), container app, pid 4000 uid 1000 \\(node\\), node ${cluster.nodeName}$`));
    expect(await metrics.value('ziriz_node_agent_verdicts_total', { reason: 'EgressBlocked', namespace: NS, verdict: 'deny', kind: 'egress' })).to.equal(10_000);
    expect(out.lines.filter((l) => l.includes('"reason":"EgressBlocked"'))).to.have.length(10_000);
  });

  it('caps Events for 10,000 denials to distinct targets; the rest is counted as suppressed, metrics stay exact', async () => {
    const identity = identityOf(pod, cluster.nodeName);
    const flood = new Reporter(new KubeWriter(saKube, { node: cluster.nodeName }), metrics, cluster.nodeName, {
      out: new Lines(), log: quietLog(), aggregation: { maxKeys: 512 },
    });
    for (let i = 0; i < 10_000; i++) {
      flood.verdict({ ...verdict(identity, i, `10.96.${i >> 8}.${i & 255}:443/TCP`), reason: 'EgressAudited', verdict: 'audit' });
    }
    await flood.close(1500);
    const audited = (await events(cluster, NS)).filter((e) => e.reason === 'EgressAudited');
    const suppressed = await metrics.value('ziriz_node_agent_events_suppressed_total', { reason: 'EgressAudited' });
    process.stdout.write(`      10,000 distinct-target verdicts -> ${audited.length} Event(s), ${suppressed} occurrence(s) suppressed\n`);
    expect(audited.length).to.be.within(1, 6); // per (pod, reason) burst 5, refilled at 0.2/s
    expect(audited.every((e) => e.type === 'Normal' && e.action === 'Audit')).to.equal(true);
    expect(audited.length + suppressed).to.equal(10_000);
    expect(await metrics.value('ziriz_node_agent_verdicts_total', { reason: 'EgressAudited' })).to.equal(10_000);
  });

  it('records degraded hooks as a Node Event', async () => {
    reporter.nodeHooks(['egress-cgroup', 'egress-tc'], [{ hook: 'lsm-file-exec-socket', why: 'bpf is not in the active LSM list' }]);
    await reporter.flush();
    const ev = await waitFor('HooksDegraded event', async () =>
      // This node's HooksDegraded Events written by this reporter (a real agent on the shared cluster writes its own).
      (await events(cluster, 'default')).find((e) => e.reason === 'HooksDegraded' && e.regarding.name === cluster.nodeName && e.note.includes('bpf is not in the active LSM list')), { timeoutMs: 15_000 });
    expect(ev.regarding.kind).to.equal('Node');
    expect(ev.type).to.equal('Warning');
    expect(ev.note).to.equal('hooks available: egress-cgroup, egress-tc; degraded: lsm-file-exec-socket: bpf is not in the active LSM list');
  });

  it('treats a vanished pod, or a name now held by another pod, as gone (no error)', async () => {
    const w = new KubeWriter(saKube, { node: cluster.nodeName });
    const c = { type: PROTECTED_CONDITION, status: 'True', reason: 'ProtectionAttached', message: 'x', lastTransitionTime: '2025-01-01T00:00:00Z' } as const;
    expect(await w.podCondition({ namespace: NS, name: 'no-such-pod', uid: 'u' }, c)).to.equal('gone');
    expect(await w.podCondition({ namespace: NS, name: pod.metadata?.name ?? '', uid: '00000000-0000-0000-0000-000000000000' }, c)).to.equal('gone');
    expect(await w.readPodCondition({ namespace: NS, name: 'no-such-pod', uid: 'u' }, PROTECTED_CONDITION)).to.equal('gone');
  });

  it('two nodes write one AgentPolicy status concurrently: both entries survive, totals and conditions are right, a dead node is dropped', async () => {
    await apply(cluster, [{
      apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: NS },
      spec: { selector: { matchLabels: { app: 'gated' } }, egress: {} },
    }]);
    // A stale entry of a node that does not exist, applied long ago by its agent.
    const admin = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
    await cluster.kubectl(['apply', '--server-side', '--subresource=status', '--field-manager=ziriz-node-agent/ghost', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: NS },
        status: { nodes: [{ nodeName: 'ghost', observedGeneration: 1, matchedPods: 7, enforcedPods: 7, lastUpdateTime: '2020-01-01T00:00:00Z' }] } }),
    });
    const mk = (node: string): Reporter => new Reporter(new KubeWriter(saKube, { node }), new NodeAgentMetrics({ defaultMetrics: false }), node,
      { out: new Lines(), log: quietLog(), staleNodeMs: 60_000 });
    const a = mk(cluster.nodeName);
    const b = mk('node-b');
    for (let round = 1; round <= 8; round++) {
      a.policyStatus({ namespace: NS, name: 'agents', generation: 1, node: cluster.nodeName, matchedPods: round, enforcedPods: round, compiled: true });
      b.policyStatus({ namespace: NS, name: 'agents', generation: 1, node: 'node-b', matchedPods: 10 + round, enforcedPods: 9 + round, compiled: true,
        degradedPods: 2, degraded: ['lsm-file-exec-socket'] });
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([a.close(20_000), b.close(20_000)]);
    const obj = await admin.getNamespacedCustomObjectStatus({ group: 'ziriz.io', version: 'v1alpha1', namespace: NS, plural: 'agentpolicies', name: 'agents' }) as
      { status: PolicyStatusItem; metadata: { managedFields: { manager: string }[] } };
    const nodes = Object.fromEntries((obj.status.nodes ?? []).map((n) => [n.nodeName, n]));
    expect(Object.keys(nodes).sort()).to.deep.equal([cluster.nodeName, 'node-b'].sort());
    expect(nodes[cluster.nodeName]).to.include({ matchedPods: 8, enforcedPods: 8 });
    expect(nodes['node-b']).to.include({ matchedPods: 18, enforcedPods: 17, degradedPods: 2 });
    expect(obj.status.matchedPods).to.equal(26);
    expect(obj.status.enforcedPods).to.equal(25);
    expect(obj.status.observedGeneration).to.equal(1);
    const cond = Object.fromEntries((obj.status.conditions ?? []).map((c) => [c.type, c]));
    expect(cond.Accepted).to.include({ status: 'True', reason: 'Compiled' });
    expect(cond.Enforced).to.include({ status: 'False', reason: 'PodsUnprotected' });
    expect(cond.Enforced?.message).to.equal('1 of 26 selected pods not protected: node-b 17/18');
    const managers = obj.metadata.managedFields.map((m) => m.manager);
    expect(managers).to.include.members([`ziriz-node-agent/${cluster.nodeName}`, 'ziriz-node-agent/node-b']);

    // The totals write is conditional: at a stale resourceVersion the API server answers 409.
    const w = new KubeWriter(saKube, { node: cluster.nodeName });
    const read = await w.readPolicy(NS, 'agents');
    if (read === 'gone') throw new Error('policy gone');
    const totals = { observedGeneration: 1, matchedPods: 0, enforcedPods: 0, conditions: [] };
    expect(await w.patchPolicyTotals(NS, 'agents', String(Number(read.resourceVersion) - 1), totals)).to.equal('conflict');
    expect(await w.patchPolicyTotals(NS, 'no-such-policy', read.resourceVersion, totals)).to.equal('gone');
  });

  it('RBAC: the ServiceAccount reads pods, policies, namespaces and nodes, but cannot touch pod specs, secrets, policy specs or delete anything', async () => {
    const core = saKc.makeApiClient(CoreV1Api);
    const custom = saKc.makeApiClient(CustomObjectsApi);
    const name = pod.metadata?.name ?? '';
    expect(await apiStatus(() => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${cluster.nodeName}` }))).to.equal(200);
    expect(await apiStatus(() => core.listNamespace())).to.equal(200);
    expect(await apiStatus(() => core.readNode({ name: cluster.nodeName }))).to.equal(200);
    expect(await apiStatus(() => custom.listClusterCustomObject({ group: 'ziriz.io', version: 'v1alpha1', plural: 'agentpolicies' }))).to.equal(200);
    const forbidden: [string, () => Promise<unknown>][] = [
      ['patch pod labels', () => core.patchNamespacedPod({ namespace: NS, name, body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] })],
      ['delete pod', () => core.deleteNamespacedPod({ namespace: NS, name })],
      ['replace pod status', () => core.replaceNamespacedPodStatus({ namespace: NS, name, body: pod })],
      ['list secrets', () => core.listNamespacedSecret({ namespace: SYSTEM_NS })],
      ['read configmaps', () => core.listNamespacedConfigMap({ namespace: NS })],
      ['patch policy spec', () => custom.patchNamespacedCustomObject({ group: 'ziriz.io', version: 'v1alpha1', namespace: NS, plural: 'agentpolicies', name: 'agents',
        body: [{ op: 'replace', path: '/spec/mode', value: 'Audit' }] })],
      ['delete policy', () => custom.deleteNamespacedCustomObject({ group: 'ziriz.io', version: 'v1alpha1', namespace: NS, plural: 'agentpolicies', name: 'agents' })],
      ['patch node', () => core.patchNode({ name: cluster.nodeName, body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] })],
      ['create pod', () => core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'evil' }, spec: { containers: [{ name: 'c', image: 'x' }] } } })],
    ];
    for (const [what, fn] of forbidden) expect(await apiStatus(fn), what).to.equal(403);
  });
});
