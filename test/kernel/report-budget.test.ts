/**
 * Report budget per pod (issue 14, ring isolation): records that are only
 * reports (here: denied connects) are limited per pod in the kernel, so one
 * pod looping denied connects cannot crowd another pod's reports off the
 * shared ring. Real cgroup/connect4 in the real kernel, two test "pods"
 * (cgroups), loopback only. The refusals themselves stay exact (every
 * connect is refused and counted); the records over the budget are counted
 * as report_limited.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { Counter } from '../../core/abi/enums.js';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { u32Key } from '../../node-agent/src/bpf/map.js';
import { cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';
import { decodeRecord, type EgressRecord } from '../../node-agent/src/bpf/records.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { TestCgroup, inCgroupArgs } from '../support/cgroup.js';
import { needRoot } from '../support/gate.js';
import { SYSTEM_PYTHON } from '../support/python.js';
import { Processes, waitFor } from '../support/processes.js';
import { ALLOW, cgroupKey, egressKey, egressValue, identityValue } from './egress-fixtures.js';

/** The budget in bpf/lib/common.h, in 88-byte egress records. */
const RECORD = 88;
const RATE = 1_000_000 / RECORD;
const BURST = 2_000_000 / RECORD;
const FLOOD = 100_000;

const FLOODER = `
import socket, sys, time
port = int(sys.argv[1])
t0 = time.time()
for _ in range(${FLOOD}):
    s = socket.socket()
    try: s.connect(("127.0.0.1", port))
    except OSError: pass
    s.close()
print(time.time() - t0)`;

describe('kernel: a per-pod budget for report-only records', function () {
  this.timeout(120_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  let obj: BpfObject | undefined;
  let link: Link | undefined;
  let noisy: TestCgroup | undefined;
  let quiet: TestCgroup | undefined;
  let reader: RingBufferReader | undefined;
  let denied: Server | undefined;
  const records: EgressRecord[] = [];

  before(async function () {
    needRoot(this);
    pins = tempPinRoot();
    obj = BpfObject.load(bpfObject('cgroup_connect4'), { pinRoot: pins.dir });
    noisy = TestCgroup.create('budget-noisy');
    quiet = TestCgroup.create('budget-quiet');
    denied = createServer((s) => s.end());
    await new Promise<void>((r) => denied!.listen(0, '127.0.0.1', r));
    // Both pods' policy allows nothing on loopback but an unrelated port: the server's port is denied.
    obj.map('ziriz_identity').set(cgroupKey(noisy.id), identityValue(7, 42));
    obj.map('ziriz_identity').set(cgroupKey(quiet.id), identityValue(8, 42));
    obj.map('ziriz_egress').set(egressKey(42, '127.0.0.1'), egressValue([{ lo: 1, hi: 1, proto: 6, verdict: ALLOW, ruleId: 3 }]));
    reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'egress') records.push(r);
    });
    reader.start();
    link = obj.attachCgroup('ziriz_connect4', cgroupV2Root());
  });

  after(async () => {
    procs.killAll();
    link?.destroy();
    reader?.close();
    obj?.close();
    pins?.remove();
    for (const cg of [noisy, quiet]) {
      if (cg && (await cg.drained())) cg.remove();
    }
    denied?.close();
  });

  it("a pod looping denied connects gets its budget of reports, the other pod's report still arrives, every refusal is counted", async () => {
    const a = denied!.address();
    if (a === null || typeof a === 'string') throw new Error('no port');
    const counters = obj!.map('ziriz_counters');
    const deniedBefore = counters.sumU64(u32Key(Counter.EGRESS_DENIED));
    const flood = await procs.wait(procs.start('sh', inCgroupArgs(noisy!, SYSTEM_PYTHON, ['-c', FLOODER, String(a.port)])), 60_000);
    expect(flood.code, flood.stderr).to.equal(0);
    const seconds = Number(flood.stdout.trim());
    const one = await procs.wait(procs.start('sh', inCgroupArgs(quiet!, SYSTEM_PYTHON, ['-c', FLOODER.replace(String(FLOOD), '1'), String(a.port)])), 20_000);
    expect(one.code, one.stderr).to.equal(0);
    expect(await waitFor(() => records.some((r) => r.hdr.cgroupId === quiet!.id), 5000), 'the quiet pod\'s report').to.equal(true);
    reader!.drain();
    const fromNoisy = records.filter((r) => r.hdr.cgroupId === noisy!.id).length;
    const limited = counters.sumU64(u32Key(Counter.REPORT_LIMITED));
    const refused = counters.sumU64(u32Key(Counter.EGRESS_DENIED)) - deniedBefore;
    console.log(`      ${FLOOD} denied connects in ${seconds.toFixed(2)} s: ${fromNoisy} reports written, ${limited} over the budget (budget: ${Math.round(BURST)} + ${Math.round(RATE)}/s), ${refused} refusals counted`);
    // Every connect was refused and counted, whatever the budget.
    expect(refused).to.equal(BigInt(FLOOD + 1));
    // The noisy pod got about its budget (updates race between CPUs: a margin), far below the flood.
    expect(fromNoisy).to.be.greaterThan(BURST / 2);
    expect(fromNoisy).to.be.lessThan(BURST + RATE * seconds * 1.5 + 200);
    expect(Number(limited)).to.equal(FLOOD - fromNoisy);
  });
});
