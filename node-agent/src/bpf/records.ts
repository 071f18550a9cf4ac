/**
 * Pure decoders of ring-buffer records (bpf/include/ziriz_abi.h), dispatched
 * by op. A short, unknown or inconsistent record is a typed RecordDecodeError
 * for the caller to count; it never escapes the read loop.
 */
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import { AF_INET, AF_INET6, Op, PeerFamily } from '../../../core/abi/enums.js';
import { readCString } from '../../../core/abi/layout.js';
import {
  ziriz_bench_event,
  ziriz_data_event,
  ziriz_egress_event,
  ziriz_event_hdr,
  ziriz_exec_event,
  ziriz_lsm_event,
} from '../../../core/abi/structs.js';

export class RecordDecodeError extends ZirizError {
  constructor(code: 'E_RECORD_SHORT' | 'E_RECORD_UNKNOWN_OP' | 'E_RECORD_SIZE', message: string, readonly op: number) {
    super(code, message);
  }
}

export interface EventHeader {
  readonly op: number;
  readonly flags: number;
  readonly size: number;
  readonly ktimeNs: bigint;
  readonly cgroupId: bigint;
  readonly pid: number;
  readonly tid: number;
  readonly uid: number;
  readonly identityId: number;
  readonly comm: string;
}

export interface EgressRecord {
  readonly kind: 'egress';
  readonly hdr: EventHeader;
  readonly family: number;
  readonly daddr: string;
  readonly dport: number;
  readonly proto: number;
  readonly verdict: number;
  readonly hook: number;
  readonly ruleId: number;
  readonly ifindex: number;
}

export interface DataRecord {
  readonly kind: 'data';
  readonly hdr: EventHeader;
  readonly conn: bigint;
  readonly buf: bigint;
  readonly len: number;
  readonly source: number;
  readonly verdict: number;
  readonly callKind: number;
  readonly held: boolean;
  readonly ruleId: number;
  readonly nameHash: bigint;
  /** Why the kernel held bytes it did not recognise as a call (HoldWhy; 0: a call it recognised). */
  readonly why: number;
  /** Received calls: the sending end, when the kernel knew it. */
  readonly peer?: { readonly ip: string; readonly port: number };
  /** Sent calls: the tgid of the stdio server reading them (the write went to its stdin), when the kernel knew it. */
  readonly child?: number;
  /** The captured plaintext (a copy, safe to keep). */
  readonly data: Buffer;
}

export interface ExecRecord {
  readonly kind: 'exec';
  readonly hdr: EventHeader;
  readonly ppid: number;
  readonly exitCode: number;
  readonly held: boolean;
  readonly filename: string;
}

export interface LsmRecord {
  readonly kind: 'lsm';
  readonly hdr: EventHeader;
  readonly hook: number;
  readonly verdict: number;
  readonly ruleId: number;
  readonly path: string;
}

export interface BenchRecord {
  readonly kind: 'bench';
  readonly hdr: EventHeader;
  readonly seq: bigint;
}

export type KernelRecord = EgressRecord | DataRecord | ExecRecord | LsmRecord | BenchRecord;

const H = ziriz_event_hdr.fields;

export function decodeHeader(buf: Buffer, at: number): EventHeader {
  return {
    op: buf.readUInt16LE(at + H.op.offset),
    flags: buf.readUInt16LE(at + H.flags.offset),
    size: buf.readUInt32LE(at + H.size.offset),
    ktimeNs: buf.readBigUInt64LE(at + H.ktime_ns.offset),
    cgroupId: buf.readBigUInt64LE(at + H.cgroup_id.offset),
    pid: buf.readUInt32LE(at + H.pid.offset),
    tid: buf.readUInt32LE(at + H.tid.offset),
    uid: buf.readUInt32LE(at + H.uid.offset),
    identityId: buf.readUInt32LE(at + H.identity_id.offset),
    comm: readCString(buf, at, H.comm),
  };
}

/** Text form of an address from a 16-byte field (IPv4 in the first 4 bytes). */
export function formatAddr(family: number, b: Buffer): string {
  if (family === AF_INET) return `${b[0] ?? 0}.${b[1] ?? 0}.${b[2] ?? 0}.${b[3] ?? 0}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function decodeEgress(buf: Buffer, at: number, hdr: EventHeader): EgressRecord {
  const F = ziriz_egress_event.fields;
  const family = buf.readUInt32LE(at + F.family.offset);
  return {
    kind: 'egress',
    hdr,
    family,
    daddr: formatAddr(family, buf.subarray(at + F.daddr.offset, at + F.daddr.offset + 16)),
    dport: buf.readUInt16LE(at + F.dport.offset),
    proto: buf.readUInt8(at + F.proto.offset),
    verdict: buf.readUInt8(at + F.verdict.offset),
    hook: buf.readUInt8(at + F.hook.offset),
    ruleId: buf.readUInt16LE(at + F.rule_id.offset),
    ifindex: buf.readUInt32LE(at + F.ifindex.offset),
  };
}

const DATA_HDR = ziriz_data_event.fields.data.offset;

function peerOf(buf: Buffer, at: number): { peer?: { ip: string; port: number }; child?: number } {
  const F = ziriz_data_event.fields;
  const family = buf.readUInt8(at + F.peer_family.offset);
  if (family === PeerFamily.STDIO_CHILD) {
    const tgid = buf.readUInt32LE(at + F.peer_addr.offset);
    return tgid > 0 ? { child: tgid } : {};
  }
  if (family !== AF_INET && family !== AF_INET6) return {};
  const addr = buf.subarray(at + F.peer_addr.offset, at + F.peer_addr.offset + 16);
  return { peer: { ip: formatAddr(family, addr), port: buf.readUInt16LE(at + F.peer_port.offset) } };
}

function decodeData(buf: Buffer, at: number, len: number, hdr: EventHeader): DataRecord {
  const F = ziriz_data_event.fields;
  const captured = buf.readUInt32LE(at + F.captured.offset);
  if (DATA_HDR + captured > len) {
    throw new RecordDecodeError('E_RECORD_SIZE', `data record claims ${captured} bytes, has ${len - DATA_HDR}`, hdr.op);
  }
  return {
    kind: 'data',
    hdr,
    conn: buf.readBigUInt64LE(at + F.conn.offset),
    buf: buf.readBigUInt64LE(at + F.buf.offset),
    len: buf.readUInt32LE(at + F.len.offset),
    source: buf.readUInt8(at + F.source.offset),
    verdict: buf.readUInt8(at + F.verdict.offset),
    callKind: buf.readUInt8(at + F.kind.offset),
    held: buf.readUInt8(at + F.held.offset) !== 0,
    ruleId: buf.readUInt32LE(at + F.rule_id.offset),
    nameHash: buf.readBigUInt64LE(at + F.name_hash.offset),
    why: buf.readUInt8(at + F.why.offset),
    ...peerOf(buf, at),
    data: Buffer.from(buf.subarray(at + DATA_HDR, at + DATA_HDR + captured)),
  };
}

function decodeExec(buf: Buffer, at: number, hdr: EventHeader): ExecRecord {
  const F = ziriz_exec_event.fields;
  return {
    kind: 'exec',
    hdr,
    ppid: buf.readUInt32LE(at + F.ppid.offset),
    exitCode: buf.readUInt32LE(at + F.exit_code.offset),
    held: buf.readUInt8(at + F.held.offset) !== 0,
    filename: readCString(buf, at, F.filename),
  };
}

function decodeLsm(buf: Buffer, at: number, hdr: EventHeader): LsmRecord {
  const F = ziriz_lsm_event.fields;
  return {
    kind: 'lsm',
    hdr,
    hook: buf.readUInt8(at + F.hook.offset),
    verdict: buf.readUInt8(at + F.verdict.offset),
    ruleId: buf.readUInt32LE(at + F.rule_id.offset),
    path: readCString(buf, at, F.path),
  };
}

/** Minimum record size per op (variable-length records: their fixed part). */
const MIN_SIZE: Readonly<Record<number, number>> = {
  [Op.EGRESS]: ziriz_egress_event.size,
  [Op.TC]: ziriz_egress_event.size,
  [Op.TLS_DATA]: DATA_HDR,
  [Op.CALL_HOLD]: DATA_HDR,
  [Op.CALL_SEEN]: DATA_HDR,
  [Op.EXEC]: ziriz_exec_event.size,
  [Op.EXIT]: ziriz_exec_event.size,
  [Op.LSM]: ziriz_lsm_event.size,
  [Op.BENCH]: ziriz_bench_event.size,
};

/** Decode the record in buf[start, end). Throws RecordDecodeError on bad input. */
export function decodeRecord(buf: Buffer, start: number, end: number): KernelRecord {
  const len = end - start;
  if (len < ziriz_event_hdr.size) {
    throw new RecordDecodeError('E_RECORD_SHORT', `record of ${len} bytes is shorter than the header`, -1);
  }
  const hdr = decodeHeader(buf, start);
  const min = MIN_SIZE[hdr.op];
  if (min === undefined) throw new RecordDecodeError('E_RECORD_UNKNOWN_OP', `unknown op ${hdr.op}`, hdr.op);
  if (len < min) throw new RecordDecodeError('E_RECORD_SHORT', `op ${hdr.op} record of ${len} bytes, needs ${min}`, hdr.op);
  if (hdr.size > len) throw new RecordDecodeError('E_RECORD_SIZE', `header says ${hdr.size} bytes, record has ${len}`, hdr.op);
  switch (hdr.op) {
    case Op.EGRESS:
    case Op.TC:
      return decodeEgress(buf, start, hdr);
    case Op.TLS_DATA:
    case Op.CALL_HOLD:
    case Op.CALL_SEEN:
      return decodeData(buf, start, len, hdr);
    case Op.EXEC:
    case Op.EXIT:
      return decodeExec(buf, start, hdr);
    case Op.LSM:
      return decodeLsm(buf, start, hdr);
    default:
      return { kind: 'bench', hdr, seq: buf.readBigUInt64LE(start + ziriz_bench_event.fields.seq.offset) };
  }
}
