/**
 * WebSocket frames a client writes after an HTTP/1.1 Upgrade (RFC 6455),
 * read write by write: a write may hold several frames or part of one (a
 * header split too). Client frames are masked; data messages may be
 * fragmented, with control frames between fragments; with permessage-deflate
 * (RFC 7692) a message whose first frame has RSV1 is inflated, context
 * takeover kept as the last 32 KiB of the stream's output (a dictionary:
 * harmless when the client resets its context). What no server accepts is
 * a WsError: the caller refuses the connection. Bounded: a partial header
 * of at most 14 bytes, a message of at most `maxMessage` bytes.
 */
import { constants, inflateRawSync } from 'node:zlib';

export class WsError extends Error {}

/** Where a piece of a data frame's payload lies in one push (write). */
export interface WsFrameRef {
  readonly pushIndex: number;
  /** Offset in that push of the piece's first payload byte. */
  readonly payloadOffset: number;
  readonly length: number;
  readonly maskKey: Buffer;
  /** Index within the frame payload of the piece's first byte (the mask phase). */
  readonly maskPhase: number;
  /** Offset in the message's wire payload of the piece's first byte. */
  readonly messageOffset: number;
  /** Offset in that push of the frame's first header byte; -1 when the header was in an earlier push. */
  readonly headerOffset: number;
}

export interface WsMessage {
  readonly opcode: 1 | 2;
  /** Unmasked, and inflated when compressed. */
  readonly data: Buffer;
  readonly compressed: boolean;
  readonly pieces: readonly WsFrameRef[];
}

export interface WsPush {
  readonly messages: readonly WsMessage[];
  readonly frameStart: boolean;
  readonly firstHeaderOffset: number;
  readonly closed: boolean;
}

interface Frame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly rsv1: boolean;
  readonly mask: Buffer;
  readonly length: number;
  readonly headerOffset: number;
  got: number;
  readonly control: Buffer[];
}

interface Open {
  readonly opcode: 1 | 2;
  readonly compressed: boolean;
  readonly parts: Buffer[];
  readonly pieces: WsFrameRef[];
  size: number;
}

const WINDOW = 32 * 1024;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** The frame header at the start of `b`, or null while incomplete. */
function readHeader(b: Buffer, deflate: boolean, max: number): { fin: boolean; opcode: number; rsv1: boolean; mask: Buffer; length: number; size: number } | null {
  if (b.length < 2) return null;
  const b0 = b[0] ?? 0;
  const b1 = b[1] ?? 0;
  const opcode = b0 & 0x0f;
  if ((b0 & 0x30) !== 0) throw new WsError('RSV2/RSV3 set');
  const rsv1 = (b0 & 0x40) !== 0;
  if (rsv1 && !deflate) throw new WsError('RSV1 set without permessage-deflate offered');
  if (!(opcode <= 2 || (opcode >= 8 && opcode <= 10))) throw new WsError(`reserved opcode ${opcode}`);
  if ((b1 & 0x80) === 0) throw new WsError('an unmasked client frame');
  let len = b1 & 0x7f;
  let at = 2;
  if (len === 126) {
    if (b.length < 4) return null;
    len = b.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (b.length < 10) return null;
    const big = b.readBigUInt64BE(2);
    if (big > BigInt(max)) throw new WsError(`a frame of ${big} bytes is over the limit`);
    len = Number(big);
    at = 10;
  }
  if (len > max) throw new WsError(`a frame of ${len} bytes is over the limit`);
  if (b.length < at + 4) return null;
  const fin = (b0 & 0x80) !== 0;
  if (opcode >= 8 && (!fin || len > 125)) throw new WsError('a fragmented or long control frame');
  if (opcode >= 8 && rsv1) throw new WsError('RSV1 on a control frame');
  if (opcode === 0 && rsv1) throw new WsError('RSV1 on a continuation frame');
  return { fin, opcode, rsv1, mask: Buffer.from(b.subarray(at, at + 4)), length: len, size: at + 4 };
}

function unmask(src: Buffer, mask: Buffer, phase: number): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  for (let k = 0; k < src.length; k++) out[k] = (src[k] ?? 0) ^ (mask[(phase + k) % 4] ?? 0);
  return out;
}

export class WsStream {
  private readonly deflate: boolean;
  private readonly max: number;
  private partial: Buffer = Buffer.alloc(0);
  private frame: Frame | undefined;
  private open: Open | undefined;
  private window: Buffer = Buffer.alloc(0);
  private closed = false;
  private pushes = 0;

  constructor(opts: { readonly deflateOffered: boolean; readonly maxMessage?: number }) {
    this.deflate = opts.deflateOffered;
    this.max = opts.maxMessage ?? 4 * 1024 * 1024;
  }

  get pushCount(): number {
    return this.pushes;
  }

  /** Does the next push begin at a frame boundary? */
  get atFrameStart(): boolean {
    return this.frame === undefined && this.partial.length === 0;
  }

  push(data: Buffer): WsPush {
    const pushIndex = this.pushes++;
    const frameStart = this.atFrameStart;
    const messages: WsMessage[] = [];
    let firstHeaderOffset = -1;
    let pos = 0;
    while (pos < data.length) {
      if (this.frame === undefined) {
        if (this.closed) throw new WsError('a frame after the close frame');
        const start = pos - this.partial.length; // negative: the header began in an earlier push
        const take = Math.min(14 - this.partial.length, data.length - pos);
        const bytes = Buffer.concat([this.partial, data.subarray(pos, pos + take)]);
        const h = readHeader(bytes, this.deflate, this.max);
        if (h === null) {
          this.partial = bytes;
          return { messages, frameStart, firstHeaderOffset, closed: this.closed };
        }
        pos += h.size - this.partial.length;
        this.partial = Buffer.alloc(0);
        const headerOffset = start >= 0 ? start : -1;
        if (headerOffset >= 0 && firstHeaderOffset < 0) firstHeaderOffset = headerOffset;
        this.frame = { fin: h.fin, opcode: h.opcode, rsv1: h.rsv1, mask: h.mask, length: h.length, headerOffset, got: 0, control: [] };
        this.startFrame(this.frame);
      }
      const f = this.frame;
      const n = Math.min(f.length - f.got, data.length - pos);
      const raw = data.subarray(pos, pos + n);
      if (f.opcode >= 8) {
        f.control.push(raw);
      } else if (this.open !== undefined && n > 0) {
        const o = this.open;
        o.pieces.push({ pushIndex, payloadOffset: pos, length: n, maskKey: f.mask, maskPhase: f.got, messageOffset: o.size, headerOffset: f.got === 0 ? f.headerOffset : -1 });
        o.parts.push(unmask(raw, f.mask, f.got));
        o.size += n;
        if (o.size > this.max) throw new WsError('a message over the limit');
      } else if (this.open !== undefined && f.length === 0) {
        this.open.pieces.push({ pushIndex, payloadOffset: pos, length: 0, maskKey: f.mask, maskPhase: 0, messageOffset: this.open.size, headerOffset: f.headerOffset });
      }
      f.got += n;
      pos += n;
      if (f.got === f.length) {
        this.frame = undefined;
        const done = this.endFrame(f);
        if (done) messages.push(done);
      }
    }
    return { messages, frameStart, firstHeaderOffset, closed: this.closed };
  }

  private startFrame(f: Frame): void {
    if (f.opcode >= 8) return;
    if (f.opcode === 0) {
      if (this.open === undefined) throw new WsError('a continuation frame without a message');
      return;
    }
    if (this.open !== undefined) throw new WsError('a new data frame inside a fragmented message');
    this.open = { opcode: f.opcode === 1 ? 1 : 2, compressed: f.rsv1, parts: [], pieces: [], size: 0 };
  }

  private endFrame(f: Frame): WsMessage | null {
    if (f.opcode === 8) this.closed = true;
    if (f.opcode >= 8 || !f.fin || this.open === undefined) return null;
    const o = this.open;
    this.open = undefined;
    const wire = Buffer.concat(o.parts);
    return { opcode: o.opcode, data: o.compressed ? this.inflate(wire) : wire, compressed: o.compressed, pieces: o.pieces };
  }

  private inflate(wire: Buffer): Buffer {
    let out: Buffer;
    try {
      out = inflateRawSync(Buffer.concat([wire, TAIL]), {
        maxOutputLength: this.max,
        finishFlush: constants.Z_SYNC_FLUSH,
        ...(this.window.length > 0 ? { dictionary: this.window } : {}),
      });
    } catch (e: unknown) {
      throw new WsError(`a compressed message does not inflate: ${e instanceof Error ? e.message : String(e)}`);
    }
    const joined = Buffer.concat([this.window, out]);
    this.window = Buffer.from(joined.subarray(Math.max(0, joined.length - WINDOW)));
    return out;
  }
}

/**
 * Patches on the raw (masked) bytes of push `pushIndex` that make message
 * payload bytes [at, at + bytes.length) read as `bytes` once unmasked. Only
 * the pieces in that push are patched (the caller checks they cover it all).
 */
export function wsPayloadPatches(msg: WsMessage, pushIndex: number, at: number, bytes: Buffer): { offset: number; bytes: Buffer }[] {
  const out: { offset: number; bytes: Buffer }[] = [];
  for (const p of msg.pieces) {
    if (p.pushIndex !== pushIndex) continue;
    const lo = Math.max(at, p.messageOffset);
    const hi = Math.min(at + bytes.length, p.messageOffset + p.length);
    if (lo >= hi) continue;
    const patch = Buffer.allocUnsafe(hi - lo);
    for (let k = lo; k < hi; k++) patch[k - lo] = (bytes[k - at] ?? 0) ^ (p.maskKey[(p.maskPhase + k - p.messageOffset) % 4] ?? 0);
    out.push({ offset: p.payloadOffset + (lo - p.messageOffset), bytes: patch });
  }
  return out;
}

/** The frame whose header starts at `headerOffset` given the reserved opcode 0x3 (FIN/RSV kept): servers fail the connection on it. */
export function wsRefusePatch(data: Buffer, headerOffset: number): { offset: number; bytes: Buffer } {
  return { offset: headerOffset, bytes: Buffer.from([((data[headerOffset] ?? 0) & 0xf0) | 0x3]) };
}
