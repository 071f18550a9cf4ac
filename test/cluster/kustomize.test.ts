/**
 * Every overlay in kustomize/overlays, rendered by the built kubectl's
 * kustomize and validated by the real API server (server-side dry run:
 * schema, defaulting, admission, RBAC escalation checks) — except the
 * cert-manager.io objects of the cert-manager overlay, whose CRDs are not
 * installed in the local cluster: those are checked offline against the rest
 * of the overlay (issuer chain, Secret names, DNS names, CA injection).
 */
import { expect } from 'chai';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { apply } from '../../hack/cluster/workloads.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { kustomize, type KubeObject } from '../support/kustomize.js';

const OVERLAYS = ['default', 'audit', 'cert-manager', 'local'] as const;

interface Container { name: string; image?: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[]; imagePullPolicy?: string }
interface PodSpecish { hostNetwork?: boolean; containers: Container[]; initContainers?: Container[]; volumes?: { name: string; secret?: { secretName: string } }[] }
interface Workload extends KubeObject { spec: { replicas?: number; template: { spec: PodSpecish } } }
interface WebhookCfg extends KubeObject { webhooks: { name: string; failurePolicy: string; clientConfig: { url?: string; service?: { name: string; namespace: string } } }[] }
interface Rule { apiGroups: string[]; resources: string[] }

function find(objs: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
}

function env(c: Container | undefined, name: string): string | undefined {
  return c?.env?.find((e) => e.name === name)?.value;
}

const isCertManager = (o: KubeObject): boolean => String(o.apiVersion).startsWith('cert-manager.io/');

describe('kustomize overlays: rendered by kubectl, validated by the real API server', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  const rendered = new Map<string, KubeObject[]>();

  before(async function () {
    cluster = await sharedCluster(this);
    for (const o of OVERLAYS) rendered.set(o, await kustomize(cluster, `kustomize/overlays/${o}`));
    // A dry run creates nothing, so namespaced objects need their namespace to exist for real.
    await apply(cluster, rendered.get('default')!.filter((o) => o.kind === 'Namespace'));
  });

  for (const overlay of OVERLAYS) {
    it(`${overlay}: every object passes a server-side dry run`, async () => {
      const objs = rendered.get(overlay)!.filter((o) => !isCertManager(o));
      expect(objs.map((o) => o.kind)).to.include.members(['CustomResourceDefinition', 'DaemonSet', 'Deployment', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'Service']);
      const out = await cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) });
      expect(out.stdout.split('\n').filter((l) => l.includes('(server dry run)')).length).to.equal(objs.length);
    });
  }

  it('default: the node agent enforces; the webhook has two replicas behind its Service', () => {
    const objs = rendered.get('default')!;
    const ds = (find(objs, 'DaemonSet', 'ziriz-node-agent') as Workload);
    expect(env(ds.spec.template.spec.containers[0], 'ZIRIZ_MODE')).to.equal('enforce');
    const dep = (find(objs, 'Deployment', 'ziriz-webhook') as Workload);
    expect(dep.spec.replicas).to.equal(2);
    for (const w of (find(objs, 'MutatingWebhookConfiguration', 'ziriz-webhook') as WebhookCfg).webhooks) expect(w.clientConfig.service?.name).to.equal('ziriz-webhook');
  });

  it('audit: differs from default only in ZIRIZ_MODE=audit and failurePolicy Ignore for pods', () => {
    const def = rendered.get('default')!;
    const aud = rendered.get('audit')!;
    expect(env((find(aud, 'DaemonSet', 'ziriz-node-agent') as Workload).spec.template.spec.containers[0], 'ZIRIZ_MODE')).to.equal('audit');
    const policies = (objs: readonly KubeObject[], kind: string): Record<string, string> =>
      Object.fromEntries((find(objs, kind, 'ziriz-webhook') as WebhookCfg).webhooks.map((w) => [w.name, w.failurePolicy]));
    expect(policies(aud, 'MutatingWebhookConfiguration')).to.deep.equal({ 'pods.enforced.mutate.ziriz.io': 'Ignore', 'pods.default.mutate.ziriz.io': 'Ignore' });
    expect(policies(aud, 'ValidatingWebhookConfiguration')).to.deep.equal({ 'pods.enforced.validate.ziriz.io': 'Ignore', 'pods.default.validate.ziriz.io': 'Ignore', 'agentpolicies.validate.ziriz.io': 'Fail' });
    const strip = (objs: readonly KubeObject[]): string => JSON.stringify(objs).replaceAll('"audit"', '"enforce"').replaceAll('"Ignore"', '"X"').replaceAll('"Fail"', '"X"');
    expect(strip(aud)).to.equal(strip(def));
  });

  it('cert-manager (offline): issuer chain, Secret and DNS names, CA injection, files mode, no Secret or configuration writes', () => {
    const objs = rendered.get('cert-manager')!;
    const cm = objs.filter(isCertManager) as (KubeObject & { spec: Record<string, unknown> })[];
    expect(cm.map((o) => `${String(o.apiVersion)} ${o.kind}/${o.metadata.name}`).sort()).to.deep.equal([
      'cert-manager.io/v1 Certificate/ziriz-ca', 'cert-manager.io/v1 Certificate/ziriz-webhook',
      'cert-manager.io/v1 Issuer/ziriz-ca', 'cert-manager.io/v1 Issuer/ziriz-selfsigned',
    ]);
    for (const o of cm) expect(o.metadata.namespace).to.equal('ziriz-system');
    const spec = (kind: string, name: string): Record<string, unknown> => cm.find((o) => o.kind === kind && o.metadata.name === name)!.spec;
    const issuerOf = (name: string): string => (spec('Certificate', name).issuerRef as { name: string }).name;
    expect(spec('Issuer', issuerOf('ziriz-ca'))).to.have.property('selfSigned');
    expect(spec('Certificate', 'ziriz-ca').isCA).to.equal(true);
    expect((spec('Issuer', issuerOf('ziriz-webhook')).ca as { secretName: string }).secretName).to.equal(spec('Certificate', 'ziriz-ca').secretName);
    const serving = spec('Certificate', 'ziriz-webhook');
    const svc = (find(objs, 'Service', 'ziriz-webhook'));
    expect(serving.dnsNames).to.include(`${svc.metadata.name}.${String(svc.metadata.namespace)}.svc`);
    const dep = (find(objs, 'Deployment', 'ziriz-webhook') as Workload);
    const c = dep.spec.template.spec.containers[0];
    expect(env(c, 'ZIRIZ_CERT_MODE')).to.equal('files');
    const vol = dep.spec.template.spec.volumes?.find((v) => v.secret?.secretName === serving.secretName);
    expect(vol, 'the serving Secret is mounted').to.not.equal(undefined);
    const mount = c?.volumeMounts?.find((m) => m.name === vol?.name)?.mountPath ?? '';
    expect(env(c, 'ZIRIZ_TLS_CERT_FILE')).to.equal(`${mount}/tls.crt`);
    expect(env(c, 'ZIRIZ_TLS_KEY_FILE')).to.equal(`${mount}/tls.key`);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const annotations = ((find(objs, kind, 'ziriz-webhook')).metadata as { annotations?: Record<string, string> }).annotations;
      expect(annotations?.['cert-manager.io/inject-ca-from']).to.equal('ziriz-system/ziriz-webhook');
    }
    expect(objs.some((o) => o.kind === 'Role' && o.metadata.name === 'ziriz-webhook')).to.equal(false);
    const rules = ((find(objs, 'ClusterRole', 'ziriz-webhook')) as KubeObject & { rules: Rule[] }).rules;
    expect(rules.flatMap((r) => r.apiGroups)).to.not.include('admissionregistration.k8s.io');
    expect(rules.flatMap((r) => r.resources)).to.not.include('secrets');
  });

  it('local: offline images, webhook on 127.0.0.1:18443 in the host network, configurations by URL', () => {
    const objs = rendered.get('local')!;
    const dep = (find(objs, 'Deployment', 'ziriz-webhook') as Workload);
    const ds = (find(objs, 'DaemonSet', 'ziriz-node-agent') as Workload);
    expect(dep.spec.replicas).to.equal(1);
    expect(dep.spec.template.spec.hostNetwork).to.equal(true);
    expect(env(dep.spec.template.spec.containers[0], 'ZIRIZ_WEBHOOK_HOST')).to.equal('127.0.0.1');
    expect(env(dep.spec.template.spec.containers[0], 'ZIRIZ_CERT_IPS')).to.equal('127.0.0.1');
    for (const c of [...dep.spec.template.spec.containers, ...ds.spec.template.spec.containers, ...(ds.spec.template.spec.initContainers ?? [])]) {
      expect(c.image).to.match(/^ziriz\.local\/ziriz-(webhook|node-agent):/);
      expect(c.imagePullPolicy).to.equal('Never');
    }
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      for (const w of (find(objs, kind, 'ziriz-webhook') as WebhookCfg).webhooks) expect(w.clientConfig.url).to.match(/^https:\/\/127\.0\.0\.1:18443\/(mutate|validate)$/);
    }
    // Nothing machine-specific is committed: the API server address comes from the generated kustomization (hack/demo).
    expect(JSON.stringify(objs)).to.not.include('KUBERNETES_SERVICE_PORT');
  });
});
