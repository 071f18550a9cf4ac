import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { apply, isReady, isRunningPod, nodeAppDeployment, waitForNoPods, waitForPods } from '../../hack/cluster/workloads.js';
import { sharedCluster } from '../support/cluster-fixture.js';

const gate = 'ziriz.io/protected';

function condition(pod: V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

describe('local cluster: readiness gates', function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  before(async function () { cluster = await sharedCluster(this); });
  after(async () => {
    await cluster.kubectl(['delete', 'deployment', 'gated', '--ignore-not-found']);
    await waitForNoPods(cluster.kubeConfig(), 'default', 'app=gated');
  });

  it('keep a running pod un-Ready until the gate condition is True (patched on pods/status)', async () => {
    await apply(cluster, [nodeAppDeployment(cluster, { name: 'gated', script: 'setInterval(() => {}, 1000)', readinessGates: [gate] })]);
    const [pod] = await waitForPods(cluster.kubeConfig(), 'default', 'app=gated',
      (p) => isRunningPod(p) && condition(p, 'ContainersReady') === 'True') as [V1Pod];
    const name = pod.metadata?.name ?? '';
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    for (let i = 0; i < 4; i++) {
      const now = await core.readNamespacedPod({ namespace: 'default', name });
      expect(isReady(now), 'Ready while the gate is unset').to.equal(false);
      await sleep(500);
    }

    const patch = (status: string): Promise<unknown> => cluster.kubectl(['patch', 'pod', name, '--subresource=status', '--type=strategic', '-p',
      JSON.stringify({ status: { conditions: [{ type: gate, status, reason: 'Test', message: `gate ${status}` }] } })]);
    await patch('True');
    const [ready] = await waitForPods(cluster.kubeConfig(), 'default', 'app=gated', isReady, { timeoutMs: 30_000 }) as [V1Pod];
    expect(condition(ready, gate)).to.equal('True');

    await patch('False');
    await waitForPods(cluster.kubeConfig(), 'default', 'app=gated', (p) => !isReady(p), { timeoutMs: 30_000 });
  });
});
