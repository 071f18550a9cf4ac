/**
 * The lean Kubernetes client (core/kube/lean) against the local cluster's
 * real API server, authenticated both ways the node agent can be: a bound
 * ServiceAccount token (with a namespaced Role) and the admin's client
 * certificate. Create, get, list with pagination, the four patch types,
 * server-side apply with field managers and force, the pods/status and
 * agentpolicies/status subresources, error answers (404, 409, 410), watch
 * streams, and an informer that survives an API server restart.
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, waitCrdEstablished } from '../../hack/cluster/workloads.js';
import { KubeApiError } from '../../core/kube/errors.js';
import { KubeClient } from '../../core/kube/lean/client.js';
import { Informer } from '../../core/kube/lean/informer.js';
import { loadKubeconfigFile } from '../../core/kube/lean/kubeconfig.js';
import { PODS, type Resource } from '../../core/kube/lean/resource.js';
import type { KubeObject, Pod } from '../../core/kube/lean/types.js';
import type { WatchDelivery } from '../../core/kube/lean/watch.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { REPO } from '../support/kustomize.js';

const NS = 'lean-client';
const SA = 'lean';
const CONFIGMAPS: Resource = { group: '', version: 'v1', plural: 'configmaps' };
const AGENT_POLICIES: Resource = { group: 'ziriz.io', version: 'v1alpha1', plural: 'agentpolicies' };

interface ConfigMap extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

async function apiError(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (e: unknown) {
    if (e instanceof KubeApiError) return e;
    throw e;
  }
  throw new Error('expected a KubeApiError');
}

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, labels: { suite: 'lean', ...labels } }, data };
}

describe('lean Kubernetes client on the real API server', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  const clients: { name: string; client: KubeClient }[] = [];

  before(async function () {
    cluster = await sharedCluster(this);
    await cluster.kubectl(['apply', '-f', join(REPO, 'crds/agentpolicies.ziriz.io.yaml')]);
    await waitCrdEstablished(cluster, 'agentpolicies.ziriz.io');
    await apply(cluster, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA, namespace: NS } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: SA, namespace: NS },
        rules: [
          { apiGroups: [''], resources: ['configmaps', 'pods'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
          { apiGroups: [''], resources: ['pods/status'], verbs: ['get', 'patch'] },
          { apiGroups: ['ziriz.io'], resources: ['agentpolicies', 'agentpolicies/status'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: SA, namespace: NS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SA },
        subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NS }],
      },
    ]);
    const admin = loadKubeconfigFile(cluster.adminKubeconfig);
    expect(admin.clientCert, 'admin kubeconfig has a client certificate').to.not.equal(undefined);
    const sa = loadKubeconfigFile(await cluster.serviceAccountKubeconfig(NS, SA));
    expect(sa.credentials.kind).to.equal('token');
    clients.push({ name: 'ServiceAccount token', client: new KubeClient(sa) }, { name: 'admin client certificate', client: new KubeClient(admin) });
  });

  after(async () => {
    for (const c of clients) c.client.close();
    await cluster.kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
  });

  for (const who of ['ServiceAccount token', 'admin client certificate']) {
    describe(`as ${who}`, () => {
      const tag = who.startsWith('admin') ? 'adm' : 'sa';
      const kube = (): KubeClient => {
        const c = clients.find((x) => x.name === who);
        if (!c) throw new Error('no client');
        return c.client;
      };

      it('creates, gets and lists page by page (limit + continue), with label and field selectors', async () => {
        for (let i = 0; i < 5; i++) {
          const made = await kube().create<ConfigMap>(CONFIGMAPS, { namespace: NS }, configMap(`${tag}-page-${i}`, { i: String(i) }, { page: tag }));
          expect(made.metadata?.uid).to.be.a('string');
        }
        const got = await kube().get<ConfigMap>(CONFIGMAPS, { namespace: NS, name: `${tag}-page-3` });
        expect(got.data).to.deep.equal({ i: '3' });
        const paged = await kube().list<ConfigMap>(CONFIGMAPS, { namespace: NS }, { labelSelector: `page=${tag}`, pageSize: 2 });
        expect(paged.items.map((c) => c.metadata?.name).sort()).to.deep.equal([0, 1, 2, 3, 4].map((i) => `${tag}-page-${i}`));
        expect(paged.resourceVersion).to.match(/^\d+$/);
        const one = await kube().list<ConfigMap>(CONFIGMAPS, { namespace: NS }, { fieldSelector: `metadata.name=${tag}-page-4` });
        expect(one.items.map((c) => c.metadata?.name)).to.deep.equal([`${tag}-page-4`]);
      });

      it('answers 404, 409 (exists), 409 (stale resourceVersion) and 410 (expired watch) as typed KubeApiErrors', async () => {
        const missing = await apiError(kube().get(CONFIGMAPS, { namespace: NS, name: 'no-such-configmap' }));
        expect([missing.notFound, missing.code, missing.reason]).to.deep.equal([true, 'E_KUBE_NOT_FOUND', 'NotFound']);
        expect(missing.message).to.match(/configmaps "no-such-configmap" not found/);
        const exists = await apiError(kube().create(CONFIGMAPS, { namespace: NS }, configMap(`${tag}-page-0`, {})));
        expect([exists.conflict, exists.reason]).to.deep.equal([true, 'AlreadyExists']);
        const stale = await apiError(kube().patch(CONFIGMAPS, { namespace: NS, name: `${tag}-page-0` }, 'merge',
          { metadata: { resourceVersion: '1' }, data: { x: 'y' } }));
        expect([stale.conflict, stale.reason]).to.deep.equal([true, 'Conflict']);
        const expired = await apiError(kube().watch(CONFIGMAPS, { namespace: NS }, { resourceVersion: '1', timeoutSeconds: 10 }, () => undefined));
        expect([expired.gone, expired.status, expired.code]).to.deep.equal([true, 410, 'E_KUBE_GONE']);
      });

      it('patches by merge, JSON patch and strategic merge', async () => {
        const at = { namespace: NS, name: `${tag}-page-1` };
        await kube().patch(CONFIGMAPS, at, 'merge', { data: { merged: 'yes' } });
        await kube().patch(CONFIGMAPS, at, 'json', [{ op: 'add', path: '/data/json', value: 'yes' }]);
        const smp = await kube().patch<ConfigMap>(CONFIGMAPS, at, 'strategic-merge', { data: { smp: 'yes' } });
        expect(smp.data).to.deep.equal({ i: '1', merged: 'yes', json: 'yes', smp: 'yes' });
      });

      it('server-side applies with a field manager; a conflicting field needs force', async () => {
        const at = { namespace: NS, name: `${tag}-applied` };
        const body = (v: string): Record<string, unknown> => configMap(at.name, { owned: v });
        await kube().apply(CONFIGMAPS, at, body('a'), { fieldManager: 'lean-a' });
        const conflict = await apiError(kube().apply(CONFIGMAPS, at, body('b'), { fieldManager: 'lean-b' }));
        expect([conflict.conflict, conflict.reason]).to.deep.equal([true, 'Conflict']);
        const forced = await kube().apply<ConfigMap & { metadata: { managedFields?: { manager: string }[] } }>(CONFIGMAPS, at, body('b'),
          { fieldManager: 'lean-b', force: true });
        expect(forced.data).to.deep.equal({ owned: 'b' });
        expect((forced.metadata.managedFields ?? []).map((m) => m.manager)).to.include('lean-b');
      });

      it('patches the pods/status subresource by strategic merge: conditions merge by type', async () => {
        const name = `${tag}-unscheduled`;
        await kube().create<Pod>(PODS, { namespace: NS }, {
          apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
          spec: { nodeName: 'lean-nowhere', containers: [{ name: 'c', image: 'none.invalid/none' }] },
        });
        const at = { namespace: NS, name, subresource: 'status' };
        const cond = (type: string): Record<string, unknown> => ({ type, status: 'True', reason: 'Lean', message: type, lastTransitionTime: '2025-01-01T00:00:00Z' });
        try {
          await kube().patch(PODS, at, 'strategic-merge', { status: { conditions: [cond('example.com/one')] } }, { fieldManager: 'lean' });
          await kube().patch(PODS, at, 'strategic-merge', { status: { conditions: [cond('example.com/two')] } }, { fieldManager: 'lean' });
          const pod = await kube().get<Pod>(PODS, at);
          const types = (pod.status?.conditions ?? []).map((c) => c.type);
          expect(types).to.include.members(['example.com/one', 'example.com/two']);
          expect(pod.status?.conditions?.find((c) => c.type === 'example.com/one')?.lastTransitionTime).to.equal('2025-01-01T00:00:00Z');
        } finally {
          // No kubelet will ever confirm this pod's deletion: remove it at once.
          await cluster.kubectl(['delete', 'pod', '-n', NS, name, '--grace-period=0', '--force']);
        }
      });

      it('creates an AgentPolicy and applies its status subresource (SSA, force)', async () => {
        const name = `${tag}-policy`;
        await kube().create(AGENT_POLICIES, { namespace: NS }, {
          apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: NS },
          spec: { selector: { matchLabels: { app: 'nothing' } }, egress: {} },
        });
        const at = { namespace: NS, name, subresource: 'status' };
        const entry = { nodeName: `node-${tag}`, observedGeneration: 1, matchedPods: 2, enforcedPods: 1, lastUpdateTime: '2025-01-01T00:00:00Z' };
        await kube().apply(AGENT_POLICIES, at, { apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: NS }, status: { nodes: [entry] } },
          { fieldManager: `lean/${tag}`, force: true });
        const read = await kube().get<KubeObject & { status?: { nodes?: unknown[] } }>(AGENT_POLICIES, at);
        expect(read.status?.nodes).to.deep.equal([entry]);
      });

      it('watches from a resourceVersion: ADDED, MODIFIED, DELETED with a label selector, bookmarks allowed', async () => {
        const start = await kube().list<ConfigMap>(CONFIGMAPS, { namespace: NS }, { labelSelector: `watched=${tag}` });
        const seen: string[] = [];
        const abort = new AbortController();
        const ended = kube().watch<ConfigMap>(CONFIGMAPS, { namespace: NS }, {
          resourceVersion: start.resourceVersion, labelSelector: `watched=${tag}`, timeoutSeconds: 60, signal: abort.signal,
        }, (e: WatchDelivery<ConfigMap>) => { if (e.type !== 'BOOKMARK') seen.push(`${e.type} ${e.object.metadata?.name ?? ''}`); });
        const name = `${tag}-watched`;
        await kube().create(CONFIGMAPS, { namespace: NS }, configMap(name, { v: '1' }, { watched: tag }));
        await kube().patch(CONFIGMAPS, { namespace: NS, name }, 'merge', { data: { v: '2' } });
        await kube().create(CONFIGMAPS, { namespace: NS }, configMap(`${tag}-unwatched`, { v: '1' }));
        await cluster.kubectl(['delete', 'configmap', '-n', NS, name]);
        await waitFor('three watch events', () => Promise.resolve(seen.length >= 3 ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
        abort.abort();
        expect(await ended).to.equal('aborted');
        expect(seen).to.deep.equal([`ADDED ${name}`, `MODIFIED ${name}`, `DELETED ${name}`]);
      });
    });
  }

  it('keeps an informer (ServiceAccount token) current across an API server restart', async () => {
    const kube = clients[0]?.client;
    if (!kube) throw new Error('no client');
    const errors: string[] = [];
    const inf = new Informer<ConfigMap>(kube, CONFIGMAPS, {
      name: 'restart-test', namespace: NS, labelSelector: 'restart=yes', minBackoffMs: 200, maxBackoffMs: 2000,
      onError: (e) => { errors.push(e instanceof Error ? e.message : String(e)); },
    });
    const added: string[] = [];
    inf.on('add', (c) => { added.push(c.metadata?.name ?? ''); });
    try {
      await kube.create(CONFIGMAPS, { namespace: NS }, configMap('before-restart', {}, { restart: 'yes' }));
      await inf.start(30_000);
      expect(inf.list().map((c) => c.metadata?.name)).to.deep.equal(['before-restart']);
      await cluster.restartApiServer();
      await kube.create(CONFIGMAPS, { namespace: NS }, configMap('after-restart', {}, { restart: 'yes' }));
      await waitFor('informer sees the object created after the restart', () =>
        Promise.resolve(inf.get('after-restart', NS) !== undefined && inf.synced ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
      expect(inf.list().map((c) => c.metadata?.name).sort()).to.deep.equal(['after-restart', 'before-restart']);
      expect(added).to.deep.equal(['before-restart', 'after-restart']); // a relist does not announce what the cache had
      process.stdout.write(`      informer across the restart: ${inf.restarts} restart(s), ${inf.lists} list(s), errors: ${errors.length}\n`);
    } finally {
      await inf.stop();
    }
  });

  it('reads the token file again when it is rotated (tokenFile kubeconfig user)', async () => {
    const sa = readFileSync(await cluster.serviceAccountKubeconfig(NS, SA), 'utf8');
    const token = /token: (\S+)/.exec(sa)?.[1] ?? '';
    const dir = join(cluster.dir, 'lean-token');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), 'not-a-valid-token');
    writeFileSync(join(dir, 'kubeconfig'), sa.replace(/token: \S+/, 'tokenFile: token'));
    const kube = new KubeClient(loadKubeconfigFile(join(dir, 'kubeconfig')));
    try {
      const unauthorized = await apiError(kube.list(CONFIGMAPS, { namespace: NS }));
      expect([unauthorized.status, unauthorized.reason]).to.deep.equal([401, 'Unauthorized']);
      writeFileSync(join(dir, 'token'), `${token}\n`);
      const got = await waitFor('the rotated token is used', async () =>
        kube.list<ConfigMap>(CONFIGMAPS, { namespace: NS }).catch(() => undefined), { timeoutMs: 10_000, intervalMs: 200 });
      expect(got.resourceVersion).to.match(/^\d+$/);
    } finally {
      kube.close();
    }
  });
});
