import { expect } from 'chai';
import { encodeStruct } from '../../../core/abi/codec.js';
import { ziriz_hold } from '../../../core/abi/structs.js';
import { u32Key } from '../../../node-agent/src/bpf/map.js';
import { decodeHold, holdFate, type LeftoverHold } from '../../../node-agent/src/calls/leftover-holds.js';

const MS = 1_000_000n;

describe('leftover holds: decoding and the decision (pure)', () => {
  const hold: LeftoverHold = { tgid: 4242, ktimeNs: 1_000n * MS, conn: 77n, buf: 0x7f00_0000_1000n, len: 321, tid: 4243, cgroupId: 9001n, source: 2, count: 1 };

  it('decodes a ziriz_holds entry as the kernel lays it out', () => {
    const value = encodeStruct(ziriz_hold, {
      ktime_ns: hold.ktimeNs, conn: hold.conn, buf: hold.buf, len: hold.len, tid: hold.tid, cgroup_id: hold.cgroupId, source: hold.source, pad: Buffer.alloc(3), count: hold.count,
    });
    expect(value.length).to.equal(48);
    expect(decodeHold(u32Key(hold.tgid), value)).to.deep.equal(hold);
  });

  it('refuses a value shorter than struct ziriz_hold', () => {
    expect(() => decodeHold(u32Key(1), Buffer.alloc(40))).to.throw(RangeError, /ziriz_hold/);
  });

  it('judges only old holds of stopped processes; drops gone and running ones; leaves young ones to the ring path', () => {
    const min = 2000n * MS;
    expect(holdFate(hold, hold.ktimeNs + 2500n * MS, min, 'T')).to.equal('judge');
    expect(holdFate(hold, hold.ktimeNs + 1500n * MS, min, 'T')).to.equal('young');
    expect(holdFate(hold, hold.ktimeNs + 2500n * MS, min, null)).to.equal('gone');
    expect(holdFate(hold, hold.ktimeNs + 100n * MS, min, null), 'gone, however young').to.equal('gone');
    expect(holdFate(hold, hold.ktimeNs + 2500n * MS, min, 'S')).to.equal('running');
    expect(holdFate(hold, hold.ktimeNs + 2500n * MS, min, 't'), 'stopped by a tracer, not by ziriz').to.equal('running');
  });
});
