/**
 * The bytes of a held write, read back from the stopped process: one buffer
 * (write, send, SSL_write), or every iovec of a writev held as one write
 * (source SYS_WRITEV: the record's buf is the iovec array, len the count).
 * Patches computed on the joined bytes are split back onto the iovecs.
 */
import { DataSource } from '../../../core/abi/enums.js';
import type { DataRecord } from '../bpf/records.js';
import type { Patch } from './neutralize.js';
import { patchMem, readMem } from './proc-mem.js';

export interface HeldSegment {
  readonly address: bigint;
  readonly length: number;
}

export interface HeldBytes {
  readonly data: Buffer;
  /** Where each part of `data` is in the process (one segment unless a writev). */
  readonly segments: readonly HeldSegment[];
  /** Bytes of the write beyond what was read (nothing is judged on a guess: the caller denies). */
  readonly unread: number;
}

/** iovecs a writev may have (Linux UIO_MAXIOV). */
const MAX_IOV = 1024;

function iovecs(pid: number, address: bigint, count: number): HeldSegment[] {
  if (count <= 0 || count > MAX_IOV) return [];
  const raw = readMem(pid, address, count * 16);
  const out: HeldSegment[] = [];
  for (let i = 0; i + 16 <= raw.length; i += 16) out.push({ address: raw.readBigUInt64LE(i), length: Number(raw.readBigUInt64LE(i + 8)) });
  return out;
}

/**
 * What was held. `captured`: the record's bytes, enough when they are the
 * whole write; `maxRead`: at most this many bytes are read back.
 */
export function readHeld(rec: DataRecord, maxRead: number): HeldBytes {
  if (rec.source === DataSource.SYS_WRITEV) {
    const segs = iovecs(rec.hdr.pid, rec.buf, rec.len);
    const parts: Buffer[] = [];
    let total = 0;
    let unread = 0;
    for (const s of segs) {
      const take = Math.max(0, Math.min(s.length, maxRead - total));
      const got = take > 0 ? readMem(rec.hdr.pid, s.address, take) : Buffer.alloc(0);
      parts.push(got);
      total += got.length;
      unread += s.length - got.length;
    }
    return { data: Buffer.concat(parts), segments: segs.map((s, i) => ({ address: s.address, length: parts[i]?.length ?? 0 })), unread };
  }
  const one = (data: Buffer): HeldBytes => ({ data, segments: [{ address: rec.buf, length: data.length }], unread: rec.len - data.length });
  if (rec.len <= rec.data.length) return one(rec.data);
  return one(readMem(rec.hdr.pid, rec.buf, Math.min(rec.len, maxRead)));
}

/** Patches at offsets of the joined bytes -> patches per segment (a patch may straddle two). */
export function splitPatches(segments: readonly HeldSegment[], patches: readonly Patch[]): { address: bigint; patches: Patch[] }[] {
  const out = segments.map((s) => ({ address: s.address, patches: [] as Patch[] }));
  let base = 0;
  segments.forEach((s, i) => {
    for (const p of patches) {
      const from = Math.max(p.offset, base);
      const to = Math.min(p.offset + p.bytes.length, base + s.length);
      if (from < to) out[i]?.patches.push({ offset: from - base, bytes: p.bytes.subarray(from - p.offset, to - p.offset) });
    }
    base += s.length;
  });
  return out.filter((o) => o.patches.length > 0);
}

/** Write patches computed on the joined bytes into the stopped process. */
export function patchHeld(pid: number, held: HeldBytes, patches: readonly Patch[]): void {
  for (const s of splitPatches(held.segments, patches)) patchMem(pid, s.address, s.patches);
}
