/**
 * TC classifier on the host end of a veth, in the real kernel. Two network
 * namespaces made by this test stand in for a pod and its host; the pod's
 * packets to a denied address (which exists only in the "host" namespace) are
 * dropped and counted, its packets to an allowed address pass. The clsact
 * qdisc is removed on detach only when this attachment created it.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { Counter, EgressHook, Verdict } from '../../core/abi/enums.js';
import { u32Key } from '../../node-agent/src/bpf/map.js';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { decodeRecord, type EgressRecord } from '../../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { TcAttachment, ifIndex } from '../../node-agent/src/bpf/tc.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { needRoot } from '../support/gate.js';
import { waitForLine } from '../support/lines.js';
import { TestNetns, vethPair } from '../support/netns.js';
import { Processes, waitFor } from '../support/processes.js';
import { ALLOW, egressKey, egressValue, identityValue, ipKey } from './egress-fixtures.js';

const NET = `10.250.${process.pid % 250}`;
const POD_IP = `${NET}.2`;
const ALLOWED = `${NET}.1`;
const DENIED = `${NET}.3`;
const PORT = 7777;
const COUNT = 20;

/** Counts datagrams per local address; prints JSON after `idle` ms without traffic. */
const RECEIVER = `
const dgram = require('node:dgram');
const counts = {}; let timer;
const done = () => { console.log(JSON.stringify(counts)); process.exit(0); };
const arm = () => { clearTimeout(timer); timer = setTimeout(done, 1500); };
let bound = 0;
for (const a of process.argv.slice(1)) {
  counts[a] = 0;
  const s = dgram.createSocket('udp4');
  s.on('message', () => { counts[a]++; arm(); });
  s.bind(${PORT}, a, () => { if (++bound === process.argv.length - 1) { console.log('ready'); arm(); } });
}`;

const SENDER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
const targets = process.argv.slice(1);
let i = 0;
const tick = () => {
  if (i === ${COUNT}) { s.close(); return; }
  i++;
  for (const t of targets) s.send('x', ${PORT}, t);
  setTimeout(tick, 5);
};
tick();`;

describe('kernel: TC drop on the host side of a pod veth', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  let obj: BpfObject | undefined;
  let reader: RingBufferReader | undefined;
  let pod: TestNetns | undefined;
  let host: TestNetns | undefined;
  const hostIf = `zh${process.pid % 100000}`;
  const podIf = `zp${process.pid % 100000}`;
  const records: EgressRecord[] = [];

  before(function () {
    needRoot(this);
    pins = tempPinRoot();
    obj = BpfObject.load(bpfObject('tc_pod_egress'), { pinRoot: pins.dir });
    pod = TestNetns.create('zpod');
    host = TestNetns.create('zhost');
    vethPair({ ns: pod, name: podIf, addrs: [`${POD_IP}/24`] }, { ns: host, name: hostIf, addrs: [`${ALLOWED}/24`, `${DENIED}/24`] });
    obj.map('ziriz_pod_ips').set(ipKey(POD_IP), identityValue(11, 9));
    obj.map('ziriz_egress').set(egressKey(9, ALLOWED), egressValue([{ lo: 0, hi: 65535, proto: 17, verdict: ALLOW, ruleId: 5 }]));
    reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
      const r = decodeRecord(buf, s, e);
      if (r.kind === 'egress') records.push(r);
    });
    reader.start();
  });

  after(() => {
    procs.killAll();
    reader?.close();
    obj?.close();
    pod?.remove(); // removes the veth pair with it
    host?.remove();
    pins?.remove();
  });

  function qdiscs(): string {
    return host!.exec(['tc', 'qdisc', 'show', 'dev', hostIf]);
  }

  async function exchange(): Promise<Record<string, number>> {
    const rx = procs.start('ip', [...host!.prefix(), process.execPath, '-e', RECEIVER, ALLOWED, DENIED]);
    await waitForLine(rx, 'ready');
    const tx = await procs.run('ip', [...pod!.prefix(), process.execPath, '-e', SENDER, ALLOWED, DENIED]);
    expect(tx.code, tx.stderr).to.equal(0);
    const fin = await procs.wait(rx, 15_000);
    expect(fin.code, fin.stderr).to.equal(0);
    return JSON.parse(fin.stdout.split('\n').filter(Boolean).pop() ?? '{}') as Record<string, number>;
  }

  it('drops packets to the denied address, passes the allowed ones, counts and reports the drops', async () => {
    const ifindex = ifIndex(hostIf, host!.path);
    expect(ifindex).to.be.greaterThan(0);
    const tc = TcAttachment.attach({ ifindex, attachPoint: 'ingress', programFd: obj!.programFd('ziriz_tc_pod_egress'), netns: host!.path });
    try {
      expect(tc.state.createdHook).to.equal(true);
      expect(tc.query()).to.be.a('number');
      const counts = await exchange();
      expect(counts[ALLOWED]).to.equal(COUNT);
      expect(counts[DENIED]).to.equal(0);
      const dropped = obj!.map('ziriz_counters').sumU64(u32Key(Counter.TC_DROPPED));
      expect(dropped).to.equal(BigInt(COUNT));
      expect(await waitFor(() => records.length >= COUNT, 5000)).to.equal(true);
      const r = records[0]!;
      expect(r.hdr.op).to.equal(2);
      expect(r.verdict).to.equal(Verdict.DENY);
      expect(r.hook).to.equal(EgressHook.TC_EGRESS);
      expect(r.daddr).to.equal(DENIED);
      expect(r.dport).to.equal(PORT);
      expect(r.proto).to.equal(17);
      expect(r.ifindex).to.equal(ifindex);
      expect(r.hdr.identityId).to.equal(11);
    } finally {
      tc.detach();
    }
    expect(qdiscs()).to.not.include('clsact');
    const counts = await exchange();
    expect(counts[DENIED]).to.equal(COUNT);
  });

  it('judges flow openers only: a TCP SYN to the denied address is dropped, replies of a connection the pod accepted pass', async () => {
    const tc = TcAttachment.attach({ ifindex: ifIndex(hostIf, host!.path), attachPoint: 'ingress', programFd: obj!.programFd('ziriz_tc_pod_egress'), netns: host!.path });
    try {
      // A TCP server in the pod; the "host" connects to it. Its SYN-ACK goes to an address the pod may not open
      // flows to (TCP to .1 is not allowed: only UDP is), and must pass.
      const srv = procs.start('ip', [...pod!.prefix(), process.execPath, '-e',
        `require('node:net').createServer((s) => s.end('hi')).listen(9000, '${POD_IP}', () => console.log('ready'))`]);
      await waitForLine(srv, 'ready');
      const inbound = await procs.run('ip', [...host!.prefix(), process.execPath, '-e',
        `const s = require('node:net').connect(9000, '${POD_IP}'); let d = ''; s.on('data', (x) => d += x); s.on('end', () => console.log(d)); s.on('error', (e) => console.log(e.code)); setTimeout(() => { console.log('timeout'); process.exit(0); }, 3000).unref();`]);
      expect(inbound.stdout.trim()).to.equal('hi');
      // The pod opening a TCP flow to the denied address: the SYN never arrives.
      const before = obj!.map('ziriz_counters').sumU64(u32Key(Counter.TC_DROPPED));
      const outbound = await procs.run('ip', [...pod!.prefix(), process.execPath, '-e',
        `const s = require('node:net').connect(9001, '${DENIED}'); s.on('connect', () => { console.log('connected'); process.exit(0); }); s.on('error', (e) => { console.log(e.code); process.exit(0); }); setTimeout(() => { console.log('timeout'); process.exit(0); }, 1500);`]);
      expect(outbound.stdout.trim()).to.equal('timeout'); // dropped, not refused (nothing answered)
      expect(obj!.map('ziriz_counters').sumU64(u32Key(Counter.TC_DROPPED)) > before).to.equal(true);
    } finally {
      tc.detach();
    }
  });

  it('leaves a clsact qdisc it did not create in place on detach', () => {
    host!.exec(['tc', 'qdisc', 'add', 'dev', hostIf, 'clsact']);
    const tc = TcAttachment.attach({ ifindex: ifIndex(hostIf, host!.path), attachPoint: 'ingress', programFd: obj!.programFd('ziriz_tc_pod_egress'), netns: host!.path });
    expect(tc.state.createdHook).to.equal(false);
    tc.detach();
    expect(tc.query()).to.equal(null);
    expect(qdiscs()).to.include('clsact');
  });
});

describe('kernel: test network hygiene', () => {
  it('leaves no test namespaces behind', function () {
    needRoot(this);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`-${process.pid}`));
    expect(left).to.deep.equal([]);
  });
});
