/**
 * cgroup/connect4 in the real kernel: a process in a protected (test) cgroup
 * gets EPERM from connect() to a destination its policy does not allow, and
 * only there; processes elsewhere are untouched. Loopback only.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { Counter, EgressHook, Verdict } from '../../core/abi/enums.js';
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
import { Processes, waitFor } from '../support/processes.js';
import { ALLOW, cgroupKey, egressKey, egressValue, identityValue } from './egress-fixtures.js';

const CLIENT = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
const results = {};
let left = ports.length;
for (const p of ports) {
  const s = net.connect({ host: '127.0.0.1', port: p });
  s.on('connect', () => { results[p] = 'ok'; s.destroy(); if (--left === 0) console.log(JSON.stringify(results)); });
  s.on('error', (e) => { results[p] = e.code; if (--left === 0) console.log(JSON.stringify(results)); });
}`;

async function listen(): Promise<Server> {
  const srv = createServer((s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

function port(s: Server): number {
  const a = s.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

describe('kernel: cgroup/connect4 egress enforcement', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  let obj: BpfObject | undefined;
  let link: Link | undefined;
  let pod: TestCgroup | undefined;
  let container: TestCgroup | undefined;
  let reader: RingBufferReader | undefined;
  let allowed: Server | undefined;
  let denied: Server | undefined;
  const records: EgressRecord[] = [];

  before(async function () {
    needRoot(this);
    pins = tempPinRoot();
    obj = BpfObject.load(bpfObject('cgroup_connect4'), { pinRoot: pins.dir });
    pod = TestCgroup.create('connect');
    container = pod.child('ctr-1');
    allowed = await listen();
    denied = await listen();
    obj.map('ziriz_identity').set(cgroupKey(pod.id), identityValue(7, 42));
    obj.map('ziriz_egress').set(
      egressKey(42, '127.0.0.1'),
      egressValue([{ lo: port(allowed), hi: port(allowed), proto: 6, verdict: ALLOW, ruleId: 3 }]),
    );
    reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'egress') records.push(r);
    });
    reader.start();
    link = obj.attachCgroup('ziriz_connect4', cgroupV2Root());
  });

  after(() => {
    procs.killAll();
    link?.destroy();
    reader?.close();
    obj?.close();
    pins?.remove();
    if (pod && container) pod.remove([container]);
    allowed?.close();
    denied?.close();
  });

  async function connectFrom(cg: TestCgroup | null): Promise<{ pid: number; results: Record<string, string> }> {
    const ports = [String(port(allowed!)), String(port(denied!))];
    const child = cg
      ? procs.start('sh', inCgroupArgs(cg, process.execPath, ['-e', CLIENT, ...ports]))
      : procs.start(process.execPath, ['-e', CLIENT, ...ports]);
    const fin = await procs.wait(child, 15_000);
    expect(fin.code, fin.stderr).to.equal(0);
    return { pid: child.pid!, results: JSON.parse(fin.stdout) as Record<string, string> };
  }

  it('refuses the destination the policy does not allow with EPERM, allows the allowed one', async () => {
    const { pid, results } = await connectFrom(pod!);
    expect(results[String(port(allowed!))]).to.equal('ok');
    expect(results[String(port(denied!))]).to.equal('EPERM');
    expect(await waitFor(() => records.some((r) => r.hdr.pid === pid), 5000)).to.equal(true);
    const rec = records.find((r) => r.hdr.pid === pid)!;
    expect(rec.verdict).to.equal(Verdict.DENY);
    expect(rec.hook).to.equal(EgressHook.CONNECT4);
    expect(rec.daddr).to.equal('127.0.0.1');
    expect(rec.dport).to.equal(port(denied!));
    expect(rec.hdr.cgroupId).to.equal(pod!.id);
    expect(rec.hdr.identityId).to.equal(7);
    expect(rec.ruleId).to.equal(0); // rule 0: the category default (not allowed -> denied)
  });

  it('leaves processes outside protected cgroups untouched', async () => {
    const { results } = await connectFrom(null);
    expect(results[String(port(allowed!))]).to.equal('ok');
    expect(results[String(port(denied!))]).to.equal('ok');
  });

  it('protects a container cgroup the agent has not seen yet through its pod ancestor', async () => {
    const { results } = await connectFrom(container!);
    expect(results[String(port(denied!))]).to.equal('EPERM');
    expect(results[String(port(allowed!))]).to.equal('ok');
  });

  it('counts every refusal in the per-CPU counters', () => {
    const denials = obj!.map('ziriz_counters').sumU64(u32Key(Counter.EGRESS_DENIED));
    expect(denials).to.equal(2n);
  });

  it('stops enforcing once the link is destroyed', async () => {
    link!.destroy();
    link = undefined;
    const { results } = await connectFrom(pod!);
    expect(results[String(port(denied!))]).to.equal('ok');
  });
});
