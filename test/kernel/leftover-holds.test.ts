/**
 * Holds no agent judged, on the real kernel with the node agent's code: the
 * ring buffer is not read (as when the agent died or was replaced while a
 * call was held), so the probe's process stays stopped with its hold entry
 * in the pinned map. The sweep a (new) agent runs judges it from the
 * plaintext still in the process: a denied call is neutralised (the tool
 * never runs), an allowed one resumes and runs; a program held at exec gets
 * its probes and runs. When the ring is read again,
 * the waiting record of a hold already judged is not judged twice. Loopback
 * only; the client is an MCP SDK client in a test cgroup.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeStruct } from '../../core/abi/codec.js';
import { ziriz_hold } from '../../core/abi/structs.js';
import { u32Key } from '../../node-agent/src/bpf/map.js';
import { processState } from '../../node-agent/src/kernel/proc-state.js';
import { needRoot } from '../support/gate.js';
import { waitForLine } from '../support/lines.js';
import { waitFor } from '../support/processes.js';
import { toolPolicy, toolText } from '../support/tool-policy.js';
import { ToolRig, type AgentClient } from '../support/tool-rig.js';

describe('kernel: holds no agent judged are judged by the next sweep, once', function () {
  this.timeout(120_000);
  const rig = new ToolRig();
  let agent: AgentClient;

  before(async function () {
    needRoot(this);
    await rig.start([toolPolicy()]);
    agent = await rig.client();
    // Warm up the session (initialize etc.) while the ring is read.
    expect((await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } })).ok).to.equal(true);
  });

  after(async () => {
    await rig.stop();
  });

  /** Make a call with the ring unread; resolve once the probe has stopped the client and recorded the hold. */
  async function heldCall(call: Record<string, unknown>): Promise<{ answer: Promise<{ ok: boolean; result?: unknown; error?: string }> }> {
    rig.pauseEvents();
    const answer = agent.send(call, 60_000);
    const pid = agent.child.pid ?? 0;
    expect(await waitFor(() => processState(pid) === 'T' && rig.holdEntries() === 1, 10_000), 'client stopped by the probe, hold recorded').to.equal(true);
    return { answer }; // wrapped: an async function would wait for a returned promise
  }

  it('leaves the process stopped while no agent reads the ring, then neutralises a denied call: the tool never runs', async () => {
    const ran = rig.ranTools().length;
    const held = rig.holdsSeen.length;
    const { answer } = await heldCall({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(processState(agent.child.pid ?? 0), 'still stopped: fail closed').to.equal('T');
    expect(rig.sweepLeftovers(10_000), 'too young to adopt').to.deep.equal({ judged: 0, dropped: 0 });
    expect(rig.sweepLeftovers(100)).to.deep.equal({ judged: 1, dropped: 0 });
    const r = await answer;
    expect(toolText(r), JSON.stringify(r)).to.match(/^(error|isError)/);
    expect(rig.ranTools().slice(ran)).to.deep.equal([]);
    expect(rig.holdsSeen.slice(held).map((h) => h.outcome)).to.deep.equal(['neutralized']);
    expect(rig.holdEntries()).to.equal(0);
    expect(rig.verdicts.some((v) => v.reason === 'ToolCallBlocked' && v.target.includes('get_all_customers'))).to.equal(true);

    // A new reader gets the record that waited in the ring: judged already, so skipped.
    rig.resumeEvents();
    await new Promise((r) => setTimeout(r, 500));
    expect(rig.holdsSeen.length - held, 'judged once').to.equal(1);
  });

  it('resumes an allowed call that was held for its arguments: the tool runs', async () => {
    const ran = rig.ranTools().length;
    const held = rig.holdsSeen.length;
    const { answer } = await heldCall({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
    expect(rig.sweepLeftovers(0)).to.deep.equal({ judged: 1, dropped: 0 });
    const r = await answer;
    expect(toolText(r), JSON.stringify(r)).to.not.match(/^(error|isError)/);
    expect(rig.ranTools().slice(ran)).to.deep.equal(['get_all_customers']);
    expect(rig.holdsSeen.slice(held).map((h) => h.outcome)).to.deep.equal(['resumed']);
    rig.resumeEvents();
    await new Promise((r) => setTimeout(r, 500));
    expect(rig.holdsSeen.length - held, 'judged once').to.equal(1);
  });

  it('lets a program held at exec that no agent resumed run, with its probes on, and only once', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'ziriz-exec-hold-')), 'running.cjs');
    writeFileSync(script, "console.log('running'); setTimeout(() => undefined, 30000);\n");
    rig.pauseEvents();
    const child = rig.spawnProtected(script, []);
    const pid = child.pid ?? 0;
    try {
      expect(await waitFor(() => processState(pid) === 'T' && rig.holdEntries() === 1, 10_000), 'stopped at exec, hold recorded').to.equal(true);
      expect(rig.probes.has(pid)).to.equal(false);
      expect(rig.sweepLeftovers(0)).to.deep.equal({ judged: 1, dropped: 0 });
      expect(rig.probes.has(pid), 'probes attached before it runs').to.equal(true);
      expect(await waitForLine(child, 'running', 10_000)).to.equal('running');
      expect(rig.holdEntries()).to.equal(0);
      rig.resumeEvents();
      await new Promise((r) => setTimeout(r, 500));
      expect(rig.execHolds, 'its exec record, read afterwards, is skipped').to.equal(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dirname(script), { recursive: true, force: true });
    }
  });

  it('drops old entries of processes that are running or gone, without touching them', async () => {
    const sleeper = rig.procs.start('sleep', ['30']);
    const running = sleeper.pid ?? 0;
    const gone = 4_194_303; // above any pid_max this test machine uses
    const entry = (tgid: number): [Buffer, Buffer] => [u32Key(tgid), encodeStruct(ziriz_hold, {
      ktime_ns: 1n, conn: 7n, buf: 0x1000n, len: 10, tid: tgid, cgroup_id: 1n, source: 0, pad: Buffer.alloc(3), count: 1,
    })];
    try {
      expect(await waitFor(() => processState(running) === 'S', 5000)).to.equal(true);
      for (const pid of [running, gone]) rig.holdsMap().set(...entry(pid));
      expect(rig.sweepLeftovers(0)).to.deep.equal({ judged: 0, dropped: 2 });
      expect(rig.holdEntries()).to.equal(0);
      expect(processState(running), 'left running').to.equal('S');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});
