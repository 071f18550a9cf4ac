/**
 * Per-process probes across an agent restart, on the real kernel with the
 * node agent's code: the probes are pinned, so while no agent runs a
 * protected process's forbidden call is still caught and held (it waits for
 * the next agent); the next agent adopts the pins of processes still running
 * and removes those of processes that are gone. Loopback only.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { processState } from '../../node-agent/src/kernel/proc-state.js';
import { needRoot } from '../support/gate.js';
import { waitFor } from '../support/processes.js';
import { toolPolicy, toolText } from '../support/tool-policy.js';
import { ToolRig, type AgentClient } from '../support/tool-rig.js';

describe('kernel: per-process probes outlive the agent and are adopted by the next one', function () {
  this.timeout(120_000);
  const rig = new ToolRig();
  let agent: AgentClient;

  before(async function () {
    needRoot(this);
    await rig.start([toolPolicy()]);
    agent = await rig.client();
    expect(toolText(await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } }))).to.include('Ada');
  });

  after(async () => {
    await rig.stop();
  });

  it('holds a forbidden call made while no agent runs, and the next agent judges it with the same probes', async () => {
    const links = rig.probes.linkCount;
    expect(links).to.be.greaterThan(0);
    expect(readdirSync(rig.uprobePinDir)).to.have.length(links);
    const ran = rig.ranTools().length;
    rig.pauseEvents();
    let answer: Promise<{ ok: boolean; result?: unknown; error?: string }> | undefined;
    const adopted = await rig.restartProbes(async () => {
      // No agent: no ring reader, no link handle; only the pins.
      answer = agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } }, 60_000);
      const pid = agent.child.pid ?? 0;
      expect(await waitFor(() => processState(pid) === 'T' && rig.holdEntries() === 1, 10_000), 'held by the pinned probe').to.equal(true);
    });
    expect(adopted, 'processes adopted').to.equal(1);
    expect(rig.probes.linkCount).to.equal(links);
    rig.resumeEvents();
    expect(toolText(await (answer ?? Promise.reject(new Error('no call'))))).to.match(/^(error|isError)/);
    expect(rig.ranTools().slice(ran)).to.deep.equal([]);
    expect(rig.holdsSeen.at(-1)?.outcome).to.equal('neutralized');
  });

  it('keeps probing after adoption: allowed calls run, forbidden ones are blocked', async () => {
    expect(toolText(await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } }))).to.include('Ada');
    expect(toolText(await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } }))).to.match(/^(error|isError)/);
  });

  it('removes the pins of a process that is gone instead of adopting them', async () => {
    agent.child.kill('SIGKILL');
    expect(await waitFor(() => processState(agent.child.pid ?? 0) === null, 5000)).to.equal(true);
    expect(await rig.restartProbes()).to.equal(0);
    expect(rig.probes.linkCount).to.equal(0);
    expect(readdirSync(rig.uprobePinDir)).to.deep.equal([]);
  });
});
