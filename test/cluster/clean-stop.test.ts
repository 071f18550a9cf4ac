import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect } from 'chai';
import { LocalCluster } from '../../hack/cluster/cluster.js';
import { run } from '../../hack/cluster/exec.js';
import { cgroupHierarchies, saveSysctls } from '../../hack/cluster/host-state.js';
import { cgroupRoot, hardcodedHostPaths } from '../../hack/cluster/node-config.js';
import { isRunning, type ProcessRecord } from '../../hack/cluster/process.js';
import { apply, isRunningPod, nodeAppDeployment, waitForPods } from '../../hack/cluster/workloads.js';
import { needCluster, stopSharedCluster } from '../support/cluster-fixture.js';

/** Names a cluster's leftovers would have (so other work on the machine does not disturb the check). */
const ours = /ziriz|^veth|\/run\/netns\/cni-|^cni-|\/run\/containerd|\/var\/lib\/kubelet/;

/** What a cluster may change on the host; equal before start and after stop. */
async function hostSnapshot(): Promise<Record<string, unknown>> {
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]);
  return {
    links: links.filter((l) => l && ours.test(l)),
    netns: existsSync('/var/run/netns') ? readdirSync('/var/run/netns').filter((n) => ours.test(n)) : [],
    mounts: mounts.filter((m) => m && ours.test(m)).sort(),
    tmp: readdirSync(tmpdir()).filter((f) => f.startsWith('ziriz-cluster-')),
    cgroups: cgroupHierarchies().filter((h) => existsSync(`${h}/${cgroupRoot}`)),
    hostPaths: hardcodedHostPaths.filter((p) => existsSync(p)),
    sysctls: saveSysctls(),
  };
}

describe('local cluster: clean stop', function () {
  this.timeout(600_000);
  before(async function () {
    needCluster(this);
    await stopSharedCluster(); // one node per machine: its bridge and cgroup root are fixed
  });

  it('leaves no process, mount, interface, netns, cgroup or temp dir behind', async () => {
    const before = await hostSnapshot();
    const cluster = await LocalCluster.start();
    const processes: ProcessRecord[] = [];
    try {
      await apply(cluster, [nodeAppDeployment(cluster, { name: 'leftover-check', script: 'setInterval(() => {}, 1000)', replicas: 2 })]);
      await waitForPods(cluster.kubeConfig(), 'default', 'app=leftover-check', isRunningPod, { count: 2 });
      processes.push(...cluster.processes());
      expect(processes.map((p) => p.name)).to.have.members(
        ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'containerd', 'kubelet']);
    } finally {
      await cluster.stop();
    }
    expect(processes.filter(isRunning).map((p) => p.name)).to.deep.equal([]);
    expect(existsSync(cluster.dir)).to.equal(false);
    expect(await hostSnapshot()).to.deep.equal(before);
  });
});
