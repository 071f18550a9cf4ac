import { expect } from 'chai';
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { ClusterCommandError } from '../../hack/cluster/errors.js';
import { loadKubeConfig } from '../../hack/cluster/kubeconfig.js';
import { sharedCluster } from '../support/cluster-fixture.js';

describe('local cluster: control plane', function () {
  let cluster: LocalCluster;
  before(async function () { cluster = await sharedCluster(this); });

  it('serves /readyz and answers kubectl with the admin kubeconfig', async () => {
    const ready = await cluster.kubectl(['get', '--raw', '/readyz']);
    expect(ready.stdout.trim()).to.equal('ok');
    const version = JSON.parse((await cluster.kubectl(['version', '-o', 'json'])).stdout) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).to.match(/^v1\.(3[4-9]|[4-9]\d)\./);
    expect(cluster.server).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('runs the API server with Node,RBAC authorization and both admission-webhook plugins', async () => {
    const who = JSON.parse((await cluster.kubectl(['auth', 'whoami', '-o', 'json'])).stdout) as { status: { userInfo: { groups: string[] } } };
    expect(who.status.userInfo.groups).to.include('system:masters');
    const log = cluster.processes().find((p) => p.name === 'kube-apiserver');
    expect(log?.args).to.include('--authorization-mode=Node,RBAC');
    expect(log?.args.join(' ')).to.include('MutatingAdmissionWebhook').and.include('ValidatingAdmissionWebhook');
  });

  it('calls admission webhooks: an unreachable webhook with failurePolicy Fail rejects writes', async () => {
    const ns = 'webhook-plugin-check';
    await cluster.kubectl(['create', 'namespace', ns]);
    await cluster.kubectl(['label', 'namespace', ns, 'ziriz-test/webhooks=on']);
    const hook = (kind: string): Record<string, unknown> => ({
      apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: `unreachable-${kind.toLowerCase()}` },
      webhooks: [{
        name: 'unreachable.ziriz.test', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail',
        timeoutSeconds: 2,
        // A closed loopback port: the call fails at once, which proves the API server makes it.
        clientConfig: { url: 'https://127.0.0.1:1/admit' },
        namespaceSelector: { matchLabels: { 'ziriz-test/webhooks': 'on' } },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
      }],
    });
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(hook(kind)) });
      const err = await cluster.kubectl(['-n', ns, 'create', 'configmap', `c-${kind.length}`]).then(() => undefined, (e: unknown) => e);
      expect(err, kind).to.be.instanceOf(ClusterCommandError);
      expect((err as ClusterCommandError).stderr).to.include('failed calling webhook');
      await cluster.kubectl(['delete', kind.toLowerCase(), `unreachable-${kind.toLowerCase()}`]);
    }
    await cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('gives a ServiceAccount kubeconfig exactly the RBAC granted to that account', async () => {
    const ns = 'rbac-check';
    await cluster.kubectl(['create', 'namespace', ns]);
    await cluster.kubectl(['-n', ns, 'create', 'serviceaccount', 'reader']);
    await cluster.kubectl(['-n', ns, 'create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
    await cluster.kubectl(['-n', ns, 'create', 'rolebinding', 'reader', '--role=pod-reader', `--serviceaccount=${ns}:reader`]);
    const kubeconfig = await cluster.serviceAccountKubeconfig(ns, 'reader');

    const who = JSON.parse((await cluster.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig })).stdout) as { status: { userInfo: { username: string } } };
    expect(who.status.userInfo.username).to.equal(`system:serviceaccount:${ns}:reader`);
    await cluster.kubectl(['-n', ns, 'get', 'pods'], { kubeconfig });
    for (const denied of [['-n', ns, 'get', 'secrets'], ['-n', 'default', 'get', 'pods'], ['-n', ns, 'create', 'configmap', 'x']]) {
      const err = await cluster.kubectl(denied, { kubeconfig }).then(() => undefined, (e: unknown) => e);
      expect(err, denied.join(' ')).to.be.instanceOf(ClusterCommandError);
      expect((err as ClusterCommandError).stderr, denied.join(' ')).to.match(/forbidden/i);
    }
    // The same through the API client: HTTP 403.
    const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
    const err = await core.listNamespacedSecret({ namespace: ns }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ApiException);
    expect((err as ApiException<unknown>).code).to.equal(403);
    await cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
});
