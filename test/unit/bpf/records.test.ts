import { expect } from 'chai';
import fc from 'fast-check';
import { AF_INET, AF_INET6, Op, PeerFamily } from '../../../core/abi/enums.js';
import { encodeStruct } from '../../../core/abi/codec.js';
import { ziriz_data_event, ziriz_egress_event, ziriz_event_hdr } from '../../../core/abi/structs.js';
import { RecordDecodeError, decodeRecord, formatAddr } from '../../../node-agent/src/bpf/records.js';

function header(op: number, size: number): Buffer {
  return encodeStruct(ziriz_event_hdr, { op, size, pid: 42, tid: 43, uid: 1000, cgroup_id: 77n, identity_id: 5, comm: Buffer.from('node') });
}

describe('ring-buffer record decoders', () => {
  it('decodes an egress record with its header', () => {
    const buf = encodeStruct(ziriz_egress_event, {
      hdr: header(Op.EGRESS, ziriz_egress_event.size),
      daddr: Buffer.from([127, 0, 0, 1]),
      family: AF_INET,
      dport: 8443,
      proto: 6,
      verdict: 2,
      hook: 1,
      rule_id: 0xffff,
    });
    const r = decodeRecord(buf, 0, buf.length);
    expect(r.kind).to.equal('egress');
    if (r.kind !== 'egress') return;
    expect(r.daddr).to.equal('127.0.0.1');
    expect(r.dport).to.equal(8443);
    expect(r.hdr).to.include({ pid: 42, tid: 43, uid: 1000, identityId: 5, comm: 'node' });
    expect(r.hdr.cgroupId).to.equal(77n);
  });

  const DATA_HDR = ziriz_data_event.fields.data.offset;

  it('decodes a variable-length data record and copies only the captured bytes', () => {
    const payload = Buffer.from('POST /mcp HTTP/1.1\r\n');
    const full = encodeStruct(ziriz_data_event, {
      hdr: header(Op.TLS_DATA, DATA_HDR + payload.length),
      len: payload.length,
      captured: payload.length,
      data: payload,
    });
    const rec = full.subarray(0, DATA_HDR + payload.length);
    const r = decodeRecord(rec, 0, rec.length);
    expect(r.kind === 'data' && r.data.toString()).to.equal(payload.toString());
    expect(r.kind === 'data' && r.peer).to.equal(undefined); // family 0: the kernel did not know the sender
  });

  it("decodes the sender of a received call (IPv4 and IPv6), and none for an unknown family", () => {
    const rec = (family: number, addr: number[]): Buffer => encodeStruct(ziriz_data_event, {
      hdr: header(Op.CALL_HOLD, DATA_HDR), peer_family: family, peer_port: 40123, peer_addr: Buffer.from([...addr, ...new Array<number>(16 - addr.length).fill(0)]),
    }).subarray(0, DATA_HDR);
    const v4 = decodeRecord(rec(AF_INET, [10, 251, 7, 2]), 0, DATA_HDR);
    expect(v4.kind === 'data' && v4.peer).to.deep.equal({ ip: '10.251.7.2', port: 40123 });
    const v6 = decodeRecord(rec(AF_INET6, [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]), 0, DATA_HDR);
    expect(v6.kind === 'data' && v6.peer).to.deep.equal({ ip: 'fd00::9', port: 40123 });
    const odd = decodeRecord(rec(7, [1, 2, 3, 4]), 0, DATA_HDR);
    expect(odd.kind === 'data' && odd.peer).to.equal(undefined);
  });

  it('decodes the stdio server a sent call was written to (its tgid), never as a network peer', () => {
    const rec = (tgid: number): Buffer => {
      const addr = Buffer.alloc(16);
      addr.writeUInt32LE(tgid, 0);
      return encodeStruct(ziriz_data_event, { hdr: header(Op.CALL_HOLD, DATA_HDR), peer_family: PeerFamily.STDIO_CHILD, peer_addr: addr }).subarray(0, DATA_HDR);
    };
    const r = decodeRecord(rec(4_000_123), 0, DATA_HDR);
    expect(r.kind === 'data' && r.child).to.equal(4_000_123);
    expect(r.kind === 'data' && r.peer).to.equal(undefined);
    const none = decodeRecord(rec(0), 0, DATA_HDR); // a pipe no child has executed with yet
    expect(none.kind === 'data' && none.child).to.equal(undefined);
  });

  // One row per kind of garbage.
  const garbage: [string, Buffer, string][] = [
    ['shorter than a header', Buffer.alloc(10), 'E_RECORD_SHORT'],
    ['unknown op', header(999, 56), 'E_RECORD_UNKNOWN_OP'],
    ['egress op with a header-only body', header(Op.EGRESS, 56), 'E_RECORD_SHORT'],
    ['size field larger than the record', Buffer.concat([header(Op.BENCH, 4096), Buffer.alloc(8)]), 'E_RECORD_SIZE'],
    ['data record claiming more bytes than it has', encodeStruct(ziriz_data_event, { hdr: header(Op.TLS_DATA, ziriz_data_event.fields.data.offset), captured: 4000 }).subarray(0, ziriz_data_event.fields.data.offset + 4), 'E_RECORD_SIZE'],
  ];
  for (const [what, buf, code] of garbage) {
    it(`rejects ${what} with ${code}`, () => {
      expect(() => decodeRecord(buf, 0, buf.length)).to.throw(RecordDecodeError).with.property('code', code);
    });
  }

  it('never throws anything but RecordDecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        try {
          decodeRecord(b, 0, b.length);
        } catch (e) {
          if (!(e instanceof RecordDecodeError)) throw e;
        }
      }),
    );
  });

  it('formats IPv4 and IPv6 addresses', () => {
    expect(formatAddr(AF_INET, Buffer.from([10, 244, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).to.equal('10.244.0.7');
    const v6 = Buffer.alloc(16);
    v6[15] = 1;
    expect(formatAddr(AF_INET6, v6)).to.equal('::1');
  });
});
