/**
 * The admission webhook against the real API server: a real webhook process
 * (ServiceAccount + RBAC from kustomize/base, not admin) registered with
 * `url: https://127.0.0.1:<port>` and the CA it generated and published
 * itself. Pods are created through the real API server (Deployments through
 * the real controller-manager), AgentPolicies through the real CRD.
 */
import { expect } from 'chai';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { X509Certificate } from 'node:crypto';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { ClusterCommandError } from '../../hack/cluster/errors.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, nodeAppDeployment, waitForPods } from '../../hack/cluster/workloads.js';
import { identityId } from '../../core/identity/identity.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { policyFixtures } from '../support/fixtures.js';
import type { KubeObject } from '../support/kustomize.js';
import { configurationsFor, freePort, installWebhookPrereqs, WebhookProcess, WEBHOOK_NS } from '../support/webhook-process.js';

const NS = 'wh-agents';
const ENFORCED = 'wh-enforced';

function pod(name: string, labels: Record<string, string>, namespace = NS): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'c', image: 'ignored:dry-run', command: ['true'] }] },
  };
}

async function refusal(cluster: LocalCluster, args: string[], input?: string): Promise<string> {
  try {
    await cluster.kubectl(args, input !== undefined ? { input } : {});
  } catch (e: unknown) {
    if (e instanceof ClusterCommandError) return e.stderr;
    throw e;
  }
  return '';
}

describe('webhook on the real API server', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let objs: KubeObject[];
  let webhook: WebhookProcess | undefined;
  let port = 0;

  before(async function () {
    cluster = await sharedCluster(this);
    objs = await installWebhookPrereqs(cluster);
    port = await freePort();
    await apply(cluster, configurationsFor(objs, port));
    for (const [ns, labels] of [[NS, {}], [ENFORCED, { 'ziriz.io/enforce': 'true' }]] as const) {
      await apply(cluster, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }]);
    }
    await apply(cluster, [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ai-agent-prod', namespace: NS } }]);
    webhook = await WebhookProcess.start(cluster, port, 'webhook-0');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && webhook) process.stderr.write(`--- webhook log\n${webhook.log().slice(-4000)}\n`);
  });

  after(async () => {
    await webhook?.stop();
    await cluster.kubectl(['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', 'ziriz-webhook', '--ignore-not-found']).catch(() => undefined);
    await cluster.kubectl(['delete', 'namespace', NS, ENFORCED, '--wait=false', '--ignore-not-found']).catch(() => undefined);
  });

  it('published its own CA into both webhook configurations (caBundle), matching its serving certificate', async () => {
    const secret = JSON.parse((await cluster.kubectl(['get', 'secret', '-n', WEBHOOK_NS, 'ziriz-webhook-tls', '-o', 'json'])).stdout) as { data: Record<string, string> };
    const ca = Buffer.from(secret.data['ca.crt'] ?? '', 'base64').toString();
    const serving = new X509Certificate(Buffer.from(secret.data['tls.crt'] ?? '', 'base64'));
    expect(serving.verify(new X509Certificate(ca).publicKey)).to.equal(true);
    expect(serving.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const cfg = JSON.parse((await cluster.kubectl(['get', kind, 'ziriz-webhook', '-o', 'json'])).stdout) as { webhooks: { clientConfig: { caBundle?: string } }[] };
      for (const w of cfg.webhooks) expect(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()).to.equal(ca);
    }
  });

  it('stamps the pods of a Deployment annotated as an agent: labels, identity annotations, readiness gate', async () => {
    await apply(cluster, [nodeAppDeployment(cluster, {
      name: 'gpt-orchestrator', namespace: NS, script: 'setInterval(() => {}, 1000)',
      annotations: { 'ziriz.io/role': 'agent' }, serviceAccountName: 'ai-agent-prod',
    })]);
    const [p] = await waitForPods(cluster.kubeConfig(), NS, 'app=gpt-orchestrator', () => true) as [V1Pod];
    expect(p.metadata?.labels?.['ziriz.io/role']).to.equal('agent');
    expect(p.metadata?.labels?.['ziriz.io/identity']).to.equal(identityId(NS, 'ai-agent-prod'));
    expect(p.metadata?.annotations?.['ziriz.io/identity-owner']).to.equal('Deployment/gpt-orchestrator');
    expect(p.metadata?.annotations?.['ziriz.io/identity-service-account']).to.equal('ai-agent-prod');
    expect(p.metadata?.annotations?.['ziriz.io/permissions-digest']).to.match(/^sha256:/);
    expect(p.spec?.readinessGates).to.deep.include({ conditionType: 'ziriz.io/protected' });
    // Un-Ready until the node agent says it is protected (no node agent in this test).
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).to.not.equal('True');
  });

  it('records one IdentityAssigned Event on the ReplicaSet (the pod had no UID at admission)', async () => {
    const ev = await waitFor('IdentityAssigned event', async () => {
      const out = JSON.parse((await cluster.kubectl(['get', 'events.events.k8s.io', '-n', NS, '-o', 'json'])).stdout) as { items: { reason: string; regarding: { kind: string }; note: string; reportingController: string }[] };
      return out.items.find((e) => e.reason === 'IdentityAssigned');
    }, { timeoutMs: 30_000 });
    expect(ev.regarding.kind).to.equal('ReplicaSet');
    expect(ev.reportingController).to.equal('ziriz.io/webhook');
    expect(ev.note).to.include(identityId(NS, 'ai-agent-prod'));
  });

  it('refuses a pod that forges a ziriz.io identity label, with a clear message', async () => {
    const err = await refusal(cluster, ['apply', '-f', '-'], JSON.stringify(pod('forger', { 'ziriz.io/role': 'agent', 'ziriz.io/identity': identityId(NS, 'admin') })));
    expect(err).to.match(/admission webhook ".*ziriz\.io" denied the request: label ziriz\.io\/identity=".*" is forged/);
  });

  it('leaves an out-of-scope pod untouched', async () => {
    const out = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: JSON.stringify(pod('plain', { app: 'plain' })) });
    const created = JSON.parse(out.stdout) as V1Pod;
    expect(Object.keys(created.metadata?.labels ?? {}).filter((k) => k.startsWith('ziriz.io/'))).to.deep.equal([]);
    expect(created.spec?.readinessGates ?? []).to.deep.equal([]);
  });

  it('refuses AgentPolicies the engine refuses beyond CEL (fixtures marked rejected-by: webhook)', async () => {
    await cluster.kubectl(['create', 'namespace', 'fixtures']).catch(() => undefined);
    const webhookOnes = policyFixtures('invalid').filter((f) => f.rejectedBy === 'webhook');
    expect(webhookOnes.length).to.be.greaterThan(0);
    for (const f of webhookOnes) {
      const err = await refusal(cluster, ['apply', '--dry-run=server', '-f', f.path]);
      expect(err, f.file).to.include('denied the request').and.include(f.message ?? '<no message header>');
    }
    for (const f of policyFixtures('valid')) {
      const out = await cluster.kubectl(['apply', '--dry-run=server', '-f', f.path]);
      expect(out.stdout, f.file).to.include('server dry run');
    }
  });

  it('loses no admission while its serving certificate rotates in the middle of a stream', async () => {
    const before = (await cluster.kubectl(['get', 'secret', '-n', WEBHOOK_NS, 'ziriz-webhook-tls', '-o', 'jsonpath={.data.tls\\.crt}'])).stdout;
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const N = 60;
    let ok = 0;
    const failures: string[] = [];
    const create = async (i: number): Promise<void> => {
      try {
        const r = await core.createNamespacedPod({ namespace: ENFORCED, dryRun: 'All', body: pod(`stream-${i}`, { 'ziriz.io/role': 'agent' }, ENFORCED) });
        if (r.metadata?.labels?.['ziriz.io/identity'] === identityId(ENFORCED, 'default')) ok++;
        else failures.push(`stream-${i}: not stamped`);
      } catch (e: unknown) {
        failures.push(`stream-${i}: ${String(e).slice(0, 300)}`);
      }
    };
    // 6 waves of 10 concurrent admissions; the certificate is renewed after waves 1, 3 and 5.
    for (let wave = 0; wave < 6; wave++) {
      const batch = Array.from({ length: 10 }, (_, j) => create(wave * 10 + j));
      if (wave % 2 === 1) webhook!.signal('SIGHUP');
      await Promise.all(batch);
    }
    expect(failures).to.deep.equal([]);
    expect(ok).to.equal(N);
    const after = (await cluster.kubectl(['get', 'secret', '-n', WEBHOOK_NS, 'ziriz-webhook-tls', '-o', 'jsonpath={.data.tls\\.crt}'])).stdout;
    expect(after).to.not.equal(before);
    expect(webhook!.log()).to.match(/serving certificate reloaded/);
  });

  it('with the webhook down: enforced namespaces refuse pods, others admit them unstamped', async () => {
    await webhook!.stop();
    const enforced = await refusal(cluster, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod('down-1', { 'ziriz.io/role': 'agent' }, ENFORCED)));
    expect(enforced).to.match(/failed calling webhook|connection refused/);
    const out = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: JSON.stringify(pod('down-2', { 'ziriz.io/role': 'agent' })) });
    const admitted = JSON.parse(out.stdout) as V1Pod;
    expect(admitted.metadata?.labels?.['ziriz.io/identity']).to.equal(undefined);
    webhook = await WebhookProcess.start(cluster, port, 'webhook-0b');
  });
});
