/**
 * Conformance: the cgroup/connect4 program decides exactly as the reference
 * model (core/policy/kernel/sim.ts, itself checked against evaluate()) on
 * random policy sets compiled by the real compiler and encoded by the real
 * encoder. The client runs in the test cgroup AND in a network namespace this
 * test creates with only loopback, so a connect() the program allows fails
 * with ENETUNREACH before any packet exists: nothing is ever sent anywhere.
 * Destinations are documentation/private ranges; EPERM means "denied by BPF".
 */
import { expect } from 'chai';
import { Role, Verdict } from '../../core/abi/enums.js';
import { compile } from '../../core/policy/compile.js';
import { encodeEgressEntry, encodeIdentityValue } from '../../core/policy/kernel/codec.js';
import { egressEntries } from '../../core/policy/kernel/egress.js';
import { identityValue } from '../../core/policy/kernel/identity.js';
import { simulateEgress, type KernelState } from '../../core/policy/kernel/sim.js';
import type { Link } from '../../node-agent/src/bpf/link.js';
import { BpfObject } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { decodeRecord, type EgressRecord } from '../../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { cgroupV2Root } from '../../node-agent/src/kernel/cgroup.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { TestCgroup } from '../support/cgroup.js';
import { needRoot } from '../support/gate.js';
import { TestNetns } from '../support/netns.js';
import { Processes, waitFor } from '../support/processes.js';
import { cgroupKey } from './egress-fixtures.js';

/** Small deterministic PRNG (mulberry32): the same cases on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES = ['10.20.0.0', '192.0.2.0', '198.51.100.0'];
const PORTS = [80, 443];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] ?? (xs[0] as T);
}

function randomCidr(r: () => number): string {
  const base = pick(r, BASES).split('.').map(Number);
  const len = pick(r, [16, 24, 28, 32]);
  const third = len >= 24 ? (base[2] ?? 0) : 0;
  const fourth = len >= 28 ? Math.floor(r() * 4) * 16 + (len === 32 ? Math.floor(r() * 4) : 0) : 0;
  return `${base[0]}.${base[1]}.${third}.${fourth}/${len}`;
}

function randomPolicy(r: () => number, i: number): unknown {
  const rules = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
    const ports = r() < 0.4 ? [] : [{ port: pick(r, PORTS), ...(r() < 0.3 ? { endPort: 5432 } : {}), protocol: 'TCP' }];
    return { effect: r() < 0.35 ? 'Deny' : 'Allow', to: [{ cidr: randomCidr(r) }], ports };
  });
  return {
    apiVersion: 'ziriz.io/v1alpha1',
    kind: 'AgentPolicy',
    metadata: { name: `p${i}`, namespace: 'conf' },
    spec: { selector: { matchLabels: { app: 'agent' } }, mode: r() < 0.45 ? 'Audit' : 'Enforce', egress: { rules } },
  };
}

/** Mostly addresses inside the CIDRs the policies name (so allows and denies both happen), some outside. */
function randomDestination(r: () => number, cidrs: readonly string[]): { ip: string; port: number } {
  const port = pick(r, [...PORTS, 5432, 22]);
  if (cidrs.length === 0 || r() < 0.25) {
    const base = pick(r, BASES).split('.').map(Number);
    return { ip: `${base[0]}.${base[1]}.${Math.floor(r() * 3)}.${Math.floor(r() * 70)}`, port };
  }
  const [net, lenText] = pick(r, cidrs).split('/');
  const len = Number(lenText);
  const addr = (net ?? '0.0.0.0').split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const host = len === 32 ? 0 : Math.floor(r() * Math.min(2 ** (32 - len), 256));
  const ip = (addr + host) >>> 0;
  return { ip: [24, 16, 8, 0].map((sh) => (ip >>> sh) & 255).join('.'), port };
}

function cidrsOf(docs: readonly unknown[]): string[] {
  return JSON.stringify(docs).match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? [];
}

const CLIENT = `
const net = require('node:net');
const dests = JSON.parse(process.argv[1]);
const out = new Array(dests.length);
let left = dests.length;
dests.forEach((d, i) => {
  const s = net.connect({ host: d.ip, port: d.port });
  const done = (code) => { out[i] = code; s.destroy(); if (--left === 0) console.log(JSON.stringify(out)); };
  s.on('connect', () => done('connected'));
  s.on('error', (e) => done(e.code));
});`;

describe('kernel: egress decisions of cgroup/connect4 equal the reference model', function () {
  this.timeout(120_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;
  let obj: BpfObject | undefined;
  let link: Link | undefined;
  let cg: TestCgroup | undefined;
  let ns: TestNetns | undefined;
  let reader: RingBufferReader | undefined;
  const records: EgressRecord[] = [];

  before(function () {
    needRoot(this);
    pins = tempPinRoot();
    obj = BpfObject.load(bpfObject('cgroup_connect4'), { pinRoot: pins.dir });
    cg = TestCgroup.create('conform');
    ns = TestNetns.create('zconf'); // loopback only: no route to any destination below
    reader = new RingBufferReader(obj.map('ziriz_events'), (buf, s, e) => {
      const rec = decodeRecord(buf, s, e);
      if (rec.kind === 'egress') records.push(rec);
    });
    reader.start();
    link = obj.attachCgroup('ziriz_connect4', cgroupV2Root());
  });

  after(() => {
    procs.killAll();
    link?.destroy();
    reader?.close();
    obj?.close();
    cg?.remove();
    ns?.remove();
    pins?.remove();
  });

  const SETS = 12;
  const DESTS = 40;
  for (let n = 0; n < SETS; n++) {
    it(`random policy set #${n}: ${DESTS} destinations, EPERM exactly where the model says DENY`, async () => {
      const r = rng(1000 + n);
      const docs = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => randomPolicy(r, i));
      const set = compile(docs);
      const policyId = 100 + n;
      const identity = identityValue(set, { identityId: 500 + n, policyId, role: Role.AGENT });
      const entries = egressEntries(set, policyId);
      const egress = obj!.map('ziriz_egress');
      for (const k of egress.keys()) egress.delete(k);
      for (const e of entries) {
        const b = encodeEgressEntry(e);
        egress.set(b.key, b.value);
      }
      obj!.map('ziriz_identity').set(cgroupKey(cg!.id), encodeIdentityValue(identity));
      const state: KernelState = { identity, calls: [], egress: entries };
      const dests = Array.from({ length: DESTS }, () => randomDestination(r, cidrsOf(docs)));

      records.length = 0;
      // Join the cgroup first: `ip netns exec` remounts /sys, hiding the cgroup tree.
      const child = procs.start('sh', ['-c', `echo $$ > ${cg!.path}/cgroup.procs && exec ip netns exec ${ns!.name} "$0" -e "$1" "$2"`, process.execPath, CLIENT, JSON.stringify(dests)]);
      const fin = await procs.wait(child, 30_000);
      expect(fin.code, fin.stderr).to.equal(0);
      const codes = JSON.parse(fin.stdout) as string[];

      const expectedAudits = dests.filter((d) => simulateEgress(state, d.ip, d.port, 6).verdict === Verdict.AUDIT).length;
      dests.forEach((d, i) => {
        const model = simulateEgress(state, d.ip, d.port, 6);
        const got = codes[i];
        const want = model.verdict === Verdict.DENY ? 'EPERM' : 'ENETUNREACH';
        expect(got, `${d.ip}:${d.port} (model verdict ${model.verdict}, rule ${model.ruleId})`).to.equal(want);
      });
      // Every non-allow decision is reported, with the model's rule id.
      const expectedReports = dests.filter((d) => simulateEgress(state, d.ip, d.port, 6).verdict !== Verdict.ALLOW).length;
      expect(await waitFor(() => records.length >= expectedReports, 5000)).to.equal(true);
      expect(records.filter((x) => x.verdict === Verdict.AUDIT)).to.have.length(expectedAudits);
      for (const rec of records) {
        const model = simulateEgress(state, rec.daddr, rec.dport, 6);
        expect(rec.verdict, `${rec.daddr}:${rec.dport}`).to.equal(model.verdict);
        expect(rec.ruleId, `${rec.daddr}:${rec.dport}`).to.equal(model.ruleId);
      }
    });
  }
});
