/**
 * Held calls are never lost to a flood of reports (issue 14, ring isolation):
 * the records of held processes have a ring of their own (ziriz_hold_events),
 * so while another process floods the shared ring (ziriz_events) far faster
 * than the agent can read it, the agent still hears of every held call, and
 * judges it: allowed calls run, denied ones never run, no held process is
 * killed for want of ring space. The flood is the benchmark generator (a
 * tracepoint writing 64 records per getppid() of one process) on a small
 * shared ring; the calls are the official MCP SDK client's, through the
 * node agent's own code (tool rig), against a server that logs what it ran.
 */
import { expect } from 'chai';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { BpfObject, u32 } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { needRoot } from '../support/gate.js';
import { SYSTEM_PYTHON } from '../support/python.js';
import { Processes } from '../support/processes.js';
import { AgentClient, ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy, toolText } from '../support/tool-policy.js';

describe('kernel: held calls are judged while another process floods the shared ring', function () {
  this.timeout(180_000);
  const rig = new ToolRig();
  const procs = new Processes();
  let agent: AgentClient;
  let gen: BpfObject | undefined;
  let link: Link | undefined;
  let fullBefore = 0n;

  const RING = 16 * 1024;

  before(async function () {
    needRoot(this);
    await rig.start([policy({})], { ringBytes: RING });
    agent = await rig.client();
    // A bounded flood: at most 120 s of getppid() in a loop, ended by after() at the latest.
    const flooder = procs.start(SYSTEM_PYTHON, ['-c', 'import os, time\nend = time.time() + 120\nwhile time.time() < end:\n    for _ in range(10000): os.getppid()']);
    gen = BpfObject.load(bpfObject('bench_generator'), {
      pinRoot: rig.pinRootDir,
      globals: { ziriz_bench_tgid: u32(flooder.pid ?? 0), ziriz_bench_batch: u32(64) },
      mapMaxEntries: { ziriz_events: RING }, // the rig's pinned ring: the same map
    });
    link = gen.attach('ziriz_bench');
    fullBefore = rig.counters().ringbuf_full ?? 0n;
    await new Promise((r) => setTimeout(r, 500)); // the flood is on
  });

  after(async () => {
    link?.destroy();
    gen?.close();
    procs.killAll();
    await rig.stop();
  });

  it('the flood overflows the shared ring (records lost there, counted)', async () => {
    await new Promise((r) => setTimeout(r, 500));
    expect((rig.counters().ringbuf_full ?? 0n) - fullBefore > 0n).to.equal(true);
  });

  it('every held call is still judged: allowed ones run, denied ones never run, the client is never killed', async () => {
    const rounds = 10;
    for (let i = 0; i < rounds; i++) {
      const before = rig.ranTools().length;
      const denied = await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } });
      expect(toolText(denied), `round ${i}: denied call`).to.match(/error|isError/i);
      expect(rig.ranTools().slice(before), `round ${i}: the denied tool did not run`).to.deep.equal([]);
      const allowed = await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
      expect(toolText(allowed), `round ${i}: allowed call`).to.include('Ada');
    }
    expect(rig.ranTools().filter((t) => t === 'get_all_customers')).to.have.length(rounds);
    expect(rig.verdicts.filter((v) => v.reason === 'ToolCallBlocked').length).to.be.at.least(rounds);
    expect((rig.counters().ringbuf_full ?? 0n) - fullBefore > 0n, 'the flood went on during the calls').to.equal(true);
  });
});
