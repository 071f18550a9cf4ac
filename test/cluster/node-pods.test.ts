import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { run } from '../../hack/cluster/exec.js';
import { bridgePorts } from '../../hack/cluster/host-state.js';
import { podNetwork } from '../../hack/cluster/node-config.js';
import { waitFor } from '../../hack/cluster/wait.js';
import {
  apply, isReady, isRunningPod, nodeAppDeployment, podHostView, waitForNoPods, waitForPods, type PodHostView,
} from '../../hack/cluster/workloads.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { httpGet } from './http-get.js';

const server = `require('http').createServer((q, s) => s.end('hello from ' + require('os').hostname())).listen(8080)`;

/** The /var/run/netns file (made by containerd's CRI) whose namespace is `netns`, e.g. 'net:[4026532301]'. */
function netnsFile(netns: string): string | undefined {
  const inode = /\[(\d+)\]/.exec(netns)?.[1];
  const dir = '/var/run/netns';
  if (!inode || !existsSync(dir)) return undefined;
  return readdirSync(dir).map((f) => join(dir, f)).find((f) => String(statSync(f).ino) === inode);
}

/** The bridge port (host end of a veth) whose peer lives in the netns file `name`. */
async function vethFor(netnsName: string): Promise<string | undefined> {
  const out = (await run('ip', ['-o', 'link', 'show', 'master', podNetwork.bridge])).stdout;
  const line = out.split('\n').find((l) => l.includes(`link-netns ${netnsName}`));
  return line ? /^\d+: ([^:@]+)/.exec(line)?.[1] : undefined;
}

describe('local cluster: real node', function () {
  let cluster: LocalCluster;
  before(async function () { cluster = await sharedCluster(this); });

  it('registers a Ready node whose kubelet runs on containerd with runc', async () => {
    const node = JSON.parse((await cluster.kubectl(['get', 'node', cluster.nodeName, '-o', 'json'])).stdout) as {
      status: { nodeInfo: { containerRuntimeVersion: string; kubeletVersion: string }; addresses: { type: string; address: string }[] };
    };
    expect(node.status.nodeInfo.containerRuntimeVersion).to.match(/^containerd:\/\//);
    expect(node.status.addresses).to.deep.include({ type: 'InternalIP', address: podNetwork.gateway });
  });

  describe('a Deployment applied with kubectl', function () {
    this.timeout(180_000);
    let pod: V1Pod;
    let view: PodHostView;
    let netnsName: string;
    let veth: string;

    before(async () => {
      await apply(cluster, [nodeAppDeployment(cluster, { name: 'hello', script: server })]);
      [pod] = await waitForPods(cluster.kubeConfig(), 'default', 'app=hello', (p) => isRunningPod(p) && isReady(p)) as [V1Pod];
    });

    it('becomes a ReplicaSet and a running Pod on the node', async () => {
      const rs = JSON.parse((await cluster.kubectl(['get', 'rs', '-l', 'app=hello', '-o', 'json'])).stdout) as { items: { status: { readyReplicas?: number } }[] };
      expect(rs.items).to.have.length(1);
      expect(rs.items[0]?.status.readyReplicas).to.equal(1);
      expect(pod.metadata?.ownerReferences?.[0]?.kind).to.equal('ReplicaSet');
      expect(pod.spec?.nodeName).to.equal(cluster.nodeName);
    });

    it('runs in its own cgroup, visible in the cgroup v2 tree with its own id', () => {
      view = podHostView(pod);
      expect(view.podCgroupDir).to.match(/\/sys\/fs\/cgroup\/(unified\/)?ziriz\/kubepods\//);
      const app = view.containers[0]!;
      expect(app.pids.length).to.be.greaterThan(0);
      const own = readFileSync(`/proc/${app.pids[0]!}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
      expect(`/sys/fs/cgroup/unified${own?.slice(3) ?? ''}`).to.equal(app.cgroupDir);
      expect(app.cgroupId).to.not.equal(statSync('/sys/fs/cgroup/unified', { bigint: true }).ino);
      expect(readlinkSync(`/proc/${app.pids[0]!}/exe`)).to.equal('/usr/local/bin/node');
    });

    it('has its own network namespace with a veth on the pod bridge', async () => {
      const app = view.containers[0]!;
      expect(app.netns).to.not.equal(readlinkSync('/proc/self/ns/net'));
      const file = netnsFile(app.netns);
      expect(file, 'netns file under /var/run/netns').to.be.a('string');
      netnsName = file!.split('/').pop()!;
      veth = (await vethFor(netnsName))!;
      expect(veth, 'veth on the bridge').to.be.a('string');
      expect(await bridgePorts(podNetwork.bridge)).to.include(veth);
    });

    it('is reachable on its pod IP from the host', async () => {
      const ip = pod.status?.podIP ?? '';
      expect(ip.startsWith('10.244.0.')).to.equal(true);
      const res = await httpGet(ip, 8080);
      expect(res.status).to.equal(200);
      expect(res.body).to.equal(`hello from ${pod.metadata?.name ?? ''}`);
    });

    it('leaves no container, cgroup, network namespace or veth behind once the Deployment is deleted', async () => {
      await cluster.kubectl(['delete', 'deployment', 'hello']);
      await waitForNoPods(cluster.kubeConfig(), 'default', 'app=hello');
      const ids = view.containers.map((c) => c.containerId);
      await waitFor('the pod to be torn down on the host', async () => {
        const tasks = (await run('ctr', ['--address', cluster.containerdSocket!, '-n', 'k8s.io', 'tasks', 'ls', '-q'])).stdout;
        const gone = !existsSync(view.podCgroupDir) &&
          view.containers.every((c) => !existsSync(c.cgroupDir) && c.pids.every((p) => !existsSync(`/proc/${p}`))) &&
          !existsSync(join('/var/run/netns', netnsName)) && ids.every((id) => !tasks.includes(id));
        return gone ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      expect(await bridgePorts(podNetwork.bridge)).to.not.include(veth);
    });
  });
});
