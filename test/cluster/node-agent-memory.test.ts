/**
 * The node agent starts within the memory its DaemonSet gives it: the real
 * agent (real API server, real BPF: every program verified and attached) is
 * started inside a memory cgroup limited exactly as kustomize/base's
 * DaemonSet limits its container, kernel memory included (the verifier's
 * working memory is charged to the cgroup of the process that loads; on a
 * fresh node of another kernel build the agent was OOM-killed at every start
 * at 512 Mi: issue 16). It must come up and stay up without ever reaching
 * the limit. Prints the peak while loading and the steady state after.
 * The numbers against a baseline: hack/bench agent-memory.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { createMemoryCgroup, quantityBytes, type MemoryCgroup } from '../support/memcg.js';
import { NodeAgentProcess, teardownNode } from '../support/node-agent-process.js';
import { installWebhookPrereqs } from '../support/webhook-process.js';

interface Container { name: string; resources?: { limits?: { memory?: string }; requests?: { memory?: string } } }

const MB = 1024 * 1024;

describe('node agent memory: starts and runs inside its DaemonSet limit (kernel memory included)', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let agent: NodeAgentProcess | undefined;
  let cg: MemoryCgroup | undefined;
  const pinRoot = `/sys/fs/bpf/ziriz-mem-${process.pid}`;
  let stateFile = '';
  let limit = '';
  let request = '';

  before(async function () {
    cluster = await sharedCluster(this);
    stateFile = join(cluster.logDir, 'tc-state-mem.json');
    const objs = await installWebhookPrereqs(cluster);
    const ds = objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'ziriz-node-agent') as unknown as { spec: { template: { spec: { containers: Container[] } } } } | undefined;
    const c = ds?.spec.template.spec.containers.find((x) => x.name === 'node-agent') ?? ds?.spec.template.spec.containers[0];
    limit = c?.resources?.limits?.memory ?? '';
    request = c?.resources?.requests?.memory ?? '';
    expect(limit, 'the DaemonSet sets a memory limit').to.match(/^\d+(Mi|Gi)$/);
    cg = createMemoryCgroup(`ziriz-mem-${process.pid}`, quantityBytes(limit));
    agent = await NodeAgentProcess.start(cluster, { pinRoot, stateFile, name: 'node-agent-mem', cgroupProcs: cg.procsFile });
  });

  after(async () => {
    await agent?.stop();
    await teardownNode(pinRoot, stateFile);
    try {
      cg?.remove();
    } catch {
      // a process of the agent still exiting: the cgroup goes with the next run's clean-up
    }
  });

  it('loads and attaches every program and answers its health check, never reaching the limit', async () => {
    await new Promise((r) => setTimeout(r, 10_000)); // settle: informers synced, first reconcile done
    expect(agent!.child.exitCode, 'the agent is running').to.equal(null);
    const peak = cg!.peakBytes();
    const steady = cg!.currentBytes();
    console.log(`      limit ${limit} (request ${request}): peak ${(peak / MB).toFixed(1)} MB while loading, steady ${(steady / MB).toFixed(1)} MB, peak - steady ${((peak - steady) / MB).toFixed(1)} MB`);
    expect(cg!.pressure()).to.deep.equal({ limitHits: 0, oomKills: 0 });
    expect(peak).to.be.lessThan(cg!.limitBytes);
    expect(agent!.log()).to.include('kernel hooks');
    expect(agent!.log()).not.to.match(/program not attached.*(E2BIG|too large)/);
  });

  it('the DaemonSet\'s request covers the steady state', () => {
    expect(cg!.currentBytes()).to.be.lessThan(quantityBytes(request));
  });
});
