import { expect } from 'chai';
import { CoordinationV1Api, Watch, type V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { isRunning } from '../../hack/cluster/process.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { apply, isRunningPod, nodeAppDeployment, waitForNoPods, waitForPods } from '../../hack/cluster/workloads.js';
import { sharedCluster } from '../support/cluster-fixture.js';

/**
 * A pod watch that re-establishes itself from the last resourceVersion when the
 * stream ends, and from the current state (no resourceVersion: ADDED for every
 * pod) when the API server answers that version is gone (410, as after a restart).
 */
class ResumingPodWatch {
  readonly added = new Set<string>();
  restarts = 0;
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(private readonly cluster: LocalCluster, private readonly namespace: string) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const query = this.resourceVersion ? { resourceVersion: this.resourceVersion } : {};
    this.abort = await new Watch(this.cluster.kubeConfig()).watch(`/api/v1/namespaces/${this.namespace}/pods`, query,
      (type: string, pod: V1Pod) => {
        if (type === 'ERROR') { this.resourceVersion = ''; return; }
        this.resourceVersion = pod.metadata?.resourceVersion ?? this.resourceVersion;
        if (type === 'ADDED') this.added.add(pod.metadata?.name ?? '');
      },
      () => { this.resume(); });
  }

  stop(): void { this.stopped = true; this.abort?.abort(); }

  private resume(): void {
    if (this.stopped || this.restarts >= 50) return;
    this.restarts++;
    setTimeout(() => { this.start().catch(() => { this.resume(); }); }, 500);
  }
}

describe('local cluster: API server restart', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let watch: ResumingPodWatch | undefined;
  before(async function () { cluster = await sharedCluster(this); });
  after(async () => {
    watch?.stop();
    await cluster.kubectl(['delete', 'deployment', 'before-restart', 'after-restart', '--ignore-not-found']);
    await waitForNoPods(cluster.kubeConfig(), 'default', 'restart-test=yes');
  });

  it('is survived mid-watch by the kubelet and by the harness', async () => {
    const sleeper = 'setInterval(() => {}, 1000)';
    await apply(cluster, [nodeAppDeployment(cluster, { name: 'before-restart', script: sleeper, labels: { 'restart-test': 'yes' } })]);
    await waitForPods(cluster.kubeConfig(), 'default', 'app=before-restart', isRunningPod);
    watch = new ResumingPodWatch(cluster, 'default');
    await watch.start();
    const kubelet = cluster.processes().find((p) => p.name === 'kubelet')!;
    const oldApiserver = cluster.processes().find((p) => p.name === 'kube-apiserver')!;

    const restartedAt = Date.now();
    await cluster.restartApiServer();
    const newApiserver = cluster.processes().find((p) => p.name === 'kube-apiserver')!;
    expect(newApiserver.pid).to.not.equal(oldApiserver.pid);
    expect(isRunning(oldApiserver)).to.equal(false);
    expect((await cluster.kubectl(['get', '--raw', '/readyz'])).stdout.trim()).to.equal('ok');

    // The same kubelet process renews its lease through the new API server...
    const leases = cluster.kubeConfig().makeApiClient(CoordinationV1Api);
    await waitFor('a node lease renewed after the restart', async () => {
      const lease = await leases.readNamespacedLease({ namespace: 'kube-node-lease', name: cluster.nodeName });
      const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
      return renewed > restartedAt ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect(isRunning(kubelet), 'kubelet still the same process').to.equal(true);
    // ...and still runs the old pod and starts a new one it learns of by its re-established watch.
    await apply(cluster, [nodeAppDeployment(cluster, { name: 'after-restart', script: sleeper, labels: { 'restart-test': 'yes' } })]);
    const [fresh] = await waitForPods(cluster.kubeConfig(), 'default', 'app=after-restart', isRunningPod) as [V1Pod];
    await waitForPods(cluster.kubeConfig(), 'default', 'app=before-restart', isRunningPod);

    // The harness-side watch resumed and saw the pod created after the restart.
    const seen = (): Promise<true | undefined> => Promise.resolve(watch?.added.has(fresh.metadata?.name ?? '') ? true : undefined);
    await waitFor('the resumed watch to see the new pod', seen, { timeoutMs: 30_000 });
    expect(watch.restarts).to.be.greaterThan(0);
  });
});
