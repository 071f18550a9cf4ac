/**
 * The libbpf loader against the real kernel: lifecycle steps fail with their
 * own typed errors, maps work by every access path, pinned maps are shared
 * between objects and survive them, pinned links keep a program attached after
 * the handle is gone.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Counter } from '../../core/abi/enums.js';
import { BpfConfigureError, BpfLoadError, BpfOpenError } from '../../node-agent/src/bpf/errors.js';
import { Link } from '../../node-agent/src/bpf/link.js';
import { BpfMap, u32Key } from '../../node-agent/src/bpf/map.js';
import { BpfObject, u32, u8 } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { lockdownMode } from '../../node-agent/src/kernel/security.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { needRoot } from '../support/gate.js';
import { getppidSyscalls } from '../support/processes.js';
import { cgroupKey, egressKey, egressValue, identityValue, ALLOW } from './egress-fixtures.js';

function benchSent(m: BpfMap): bigint {
  return m.sumU64(u32Key(Counter.BENCH_SENT));
}

describe('kernel: libbpf loader', function () {
  this.timeout(30_000);
  let pins: PinRoot | undefined;
  const objects: BpfObject[] = [];

  beforeEach(function () {
    needRoot(this);
    pins = tempPinRoot();
  });

  afterEach(() => {
    for (const o of objects.splice(0)) o.close();
    pins?.remove();
  });

  function load(name: string, opts: Parameters<typeof BpfObject.load>[1] = {}): BpfObject {
    const o = BpfObject.load(bpfObject(name), { pinRoot: pins!.dir, ...opts });
    objects.push(o);
    return o;
  }

  describe('typed errors per lifecycle step', () => {
    it('open: a missing object file', () => {
      expect(() => BpfObject.open('/nonexistent/x.bpf.o')).to.throw(BpfOpenError).with.property('errnoName', 'ENOENT');
    });

    it('configure: an unknown global, and a global of the wrong size', () => {
      expect(() => BpfObject.open(bpfObject('uprobe_ssl_write'), { globals: { no_such_var: u8(1) } }))
        .to.throw(BpfConfigureError).with.property('errnoName', 'ENOENT');
      expect(() => BpfObject.open(bpfObject('uprobe_ssl_write'), { globals: { ziriz_capture_all: u32(1) } }))
        .to.throw(BpfConfigureError).with.property('errnoName', 'EINVAL');
    });

    it('load: bpf_probe_write_user is refused under lockdown, with the verifier log attached', () => {
      const locked = lockdownMode() !== null && lockdownMode() !== 'none';
      const attempt = (): BpfObject => load('feature_probe', { programs: ['probe_write_user'] });
      if (!locked) {
        expect(attempt).to.not.throw();
        return;
      }
      try {
        attempt();
        expect.fail('loaded a program the locked-down kernel must refuse');
      } catch (e: unknown) {
        expect(e).to.be.instanceOf(BpfLoadError);
        const err = e as BpfLoadError;
        expect(err.op).to.equal('load');
        expect(err.errno).to.be.greaterThan(0);
        expect(err.libbpfLog).to.include('bpf_probe_write_user');
      }
    });
  });

  describe('maps', () => {
    it('hash map: set, get, delete, keys, batched entries and batched updates', () => {
      const m = load('cgroup_connect4').map('ziriz_identity');
      expect(m.type).to.equal('hash');
      const entries = Array.from({ length: 300 }, (_, i) => [cgroupKey(BigInt(1000 + i)), identityValue(i + 1, 7)] as const);
      m.setMany(entries);
      expect(m.get(cgroupKey(1005n))?.readUInt32LE(0)).to.equal(6);
      expect(m.keys()).to.have.length(300);
      const all = m.entries();
      expect(all).to.have.length(300);
      expect(new Set(all.map(([k]) => k.readBigUInt64LE(0)))).to.have.property('size', 300);
      expect(m.delete(cgroupKey(1005n))).to.equal(true);
      expect(m.delete(cgroupKey(1005n))).to.equal(false);
      expect(m.get(cgroupKey(1005n))).to.equal(null);
      expect(() => { m.set(Buffer.alloc(4), identityValue(1, 1)); }).to.throw(RangeError);
    });

    it('LPM trie: the longest prefix wins', () => {
      const m = load('cgroup_connect4').map('ziriz_egress');
      m.set(egressKey(1, '10.0.0.0', 8), egressValue([{ lo: 1, hi: 1, proto: 0, verdict: ALLOW, ruleId: 1 }]));
      m.set(egressKey(1, '10.1.0.0', 16), egressValue([{ lo: 2, hi: 2, proto: 0, verdict: ALLOW, ruleId: 2 }]));
      const hit = m.get(egressKey(1, '10.1.2.3'));
      expect(hit?.readUInt16LE(8 + 6)).to.equal(2);
      expect(m.get(egressKey(1, '10.9.9.9'))?.readUInt16LE(8 + 6)).to.equal(1);
      expect(m.get(egressKey(2, '10.1.2.3'))).to.equal(null);
      expect(m.entries()).to.have.length(2);
    });

    it('per-CPU counters are summed over CPUs', () => {
      const o = load('bench_generator', { globals: { ziriz_bench_tgid: u32(process.pid), ziriz_bench_batch: u32(3) } });
      const link = o.attachTracepoint('ziriz_bench', 'syscalls', 'sys_enter_getppid');
      try {
        getppidSyscalls(100);
      } finally {
        link.destroy();
      }
      const counters = o.map('ziriz_counters');
      expect(counters.isPerCpu).to.equal(true);
      expect(benchSent(counters)).to.equal(300n);
    });
  });

  describe('pins', () => {
    it('shares by-name pinned maps between objects and keeps them after the objects close', () => {
      const a = load('cgroup_connect4');
      a.map('ziriz_identity').set(cgroupKey(42n), identityValue(9, 9));
      for (const name of ['ziriz_identity', 'ziriz_egress', 'ziriz_counters', 'ziriz_events']) {
        expect(existsSync(join(pins!.dir, name)), name).to.equal(true);
      }
      const b = load('cgroup_sendmsg4');
      expect(b.map('ziriz_identity').get(cgroupKey(42n))?.readUInt32LE(0)).to.equal(9);
      a.close();
      b.close();
      const reopened = BpfMap.openPinned(join(pins!.dir, 'ziriz_identity'));
      try {
        expect(reopened.get(cgroupKey(42n))?.readUInt32LE(0)).to.equal(9);
      } finally {
        reopened.close();
      }
    });

    it('a pinned link keeps its program attached after the handle is destroyed; unpinning ends it', () => {
      const o = load('bench_generator', { globals: { ziriz_bench_tgid: u32(process.pid), ziriz_bench_batch: u32(1) } });
      const counters = o.map('ziriz_counters');
      const path = join(pins!.dir, 'bench_link');
      const link = o.attachTracepoint('ziriz_bench', 'syscalls', 'sys_enter_getppid');
      link.pin(path);
      link.destroy();
      getppidSyscalls(1);
      expect(benchSent(counters)).to.equal(1n);
      // Perf-event links (tracepoints, uprobes) have no BPF_LINK_DETACH: the last
      // reference going away (pin removed, handle closed) is what detaches them.
      const adopted = Link.openPinned(path);
      adopted.unpin();
      adopted.destroy();
      getppidSyscalls(1);
      expect(benchSent(counters)).to.equal(1n);
      expect(existsSync(path)).to.equal(false);
    });
  });
});
