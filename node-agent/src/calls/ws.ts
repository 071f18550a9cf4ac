/**
 * WebSocket frames a client writes after an HTTP/1.1 Upgrade (RFC 6455),
 * read write by write: a write may hold several frames or part of one (a
 * header split too). Client frames are masked; data messages may be
 * fragmented, with control frames between fragments; with permessage-deflate
 * (RFC 7692) a message whose first frame has RSV1 is inflated, context
 * takeover kept as the last 32 KiB of the stream's output (a dictionary:
 * harmless when the client resets its context). Each message says where its
 * payload lies in the raw writes (WsFrameRef), so a denied message can be
 * rewritten in place through the mask (wsPayloadPatches) or its frame made
 * one every server refuses (wsRefusePatch). What no server accepts is a
 * WsError: the caller refuses the connection, and every later push throws
 * too. Bounded: a partial header of at most 14 bytes, a message of at most
 * `maxMessage` bytes (on the wire and inflated), a 32 KiB window.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { ZirizError } from '../../../core/errors/ziriz-error.js';

export class WsError extends ZirizError {
  constructor(message: string) {
    super('WEBSOCKET', message);
  }
}

/** Where a piece of a data frame's payload lies in one push (write). */
export interface WsFrameRef {
  readonly pushIndex: number;
  /** Offset in that push of the piece's first payload byte. */
  readonly payloadOffset: number;
  readonly length: number;
  readonly maskKey: Buffer;
  /** Index within the frame payload of the piece's first byte: its mask byte is maskKey[(maskPhase + k) % 4]. */
  readonly maskPhase: number;
  /** Offset in the message's wire payload (compressed or not) of the piece's first byte. */
  readonly messageOffset: number;
  /** Offset in that push of the frame's first header byte; -1 when the header began in an earlier push. */
  readonly headerOffset: number;
}

export interface WsMessage {
  readonly opcode: 1 | 2;
  /** Unmasked, and inflated when compressed. */
  readonly data: Buffer;
  /** RSV1 on its first frame (permessage-deflate). */
  readonly compressed: boolean;
  readonly pieces: readonly WsFrameRef[];
}

export interface WsPush {
  /** Data messages completed by this push. */
  readonly messages: readonly WsMessage[];
  /** This push began at a frame boundary. */
  readonly frameStart: boolean;
  /** Offset of the first frame header that starts in this push (complete or not), -1 if none. */
  readonly firstHeaderOffset: number;
  /** A close frame has been seen (in this push or earlier). */
  readonly closed: boolean;
}

interface Header {
  readonly fin: boolean;
  readonly opcode: number;
  readonly rsv1: boolean;
  readonly mask: Buffer;
  readonly length: number;
  /** Header bytes. */
  readonly size: number;
}

interface Frame extends Header {
  /** The push its header began in, and where (-1: an earlier push than the one it completed in). */
  readonly headerPush: number;
  readonly headerOffset: number;
  got: number;
}

interface Open {
  readonly opcode: 1 | 2;
  readonly compressed: boolean;
  readonly parts: Buffer[];
  readonly pieces: WsFrameRef[];
  size: number;
}

const CONTINUATION = 0x0;
const TEXT = 0x1;
const CLOSE = 0x8;
const REFUSED_OPCODE = 0x3;
const MAX_HEADER = 14;
const MAX_CONTROL = 125;
const DEFAULT_MAX = 4 * 1024 * 1024;
const WINDOW = 32 * 1024;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

const isControl = (opcode: number): boolean => opcode >= CLOSE;
const isKnown = (opcode: number): boolean => opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);

/** What the first header byte alone says is refused. */
function checkFirstByte(b0: number, deflate: boolean): void {
  const opcode = b0 & 0x0f;
  const rsv1 = (b0 & 0x40) !== 0;
  if ((b0 & 0x30) !== 0) throw new WsError('RSV2/RSV3 set');
  if (!isKnown(opcode)) throw new WsError(`reserved opcode ${opcode}`);
  if (rsv1 && !deflate) throw new WsError('RSV1 set without permessage-deflate offered');
  if (rsv1 && opcode === CONTINUATION) throw new WsError('RSV1 on a continuation frame');
  if (rsv1 && isControl(opcode)) throw new WsError('RSV1 on a control frame');
  if (isControl(opcode) && (b0 & 0x80) === 0) throw new WsError('a fragmented control frame');
}

/** The frame header at the start of `b` (at most 14 bytes), or null while incomplete; checked as soon as its bytes are there. */
function readHeader(b: Buffer, deflate: boolean, max: number): Header | null {
  const b0 = b[0];
  if (b0 === undefined) return null;
  checkFirstByte(b0, deflate);
  const b1 = b[1];
  if (b1 === undefined) return null;
  if ((b1 & 0x80) === 0) throw new WsError('an unmasked client frame');
  const opcode = b0 & 0x0f;
  let length = b1 & 0x7f;
  let at = 2;
  if (isControl(opcode) && length > MAX_CONTROL) throw new WsError(`a control frame of ${length} bytes`);
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    const big = b.readBigUInt64BE(2);
    if (big >> 63n !== 0n) throw new WsError('a 64-bit frame length with its most significant bit set');
    if (big > BigInt(max)) throw new WsError(`a frame of ${big} bytes is over the limit of ${max}`);
    length = Number(big);
    at = 10;
  }
  if (length > max) throw new WsError(`a frame of ${length} bytes is over the limit of ${max}`);
  if (b.length < at + 4) return null;
  return { fin: (b0 & 0x80) !== 0, opcode, rsv1: (b0 & 0x40) !== 0, mask: Buffer.from(b.subarray(at, at + 4)), length, size: at + 4 };
}

function unmask(src: Buffer, mask: Buffer, phase: number): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  for (let k = 0; k < src.length; k++) out[k] = (src[k] ?? 0) ^ (mask[(phase + k) % 4] ?? 0);
  return out;
}

export class WsStream {
  private readonly deflate: boolean;
  private readonly max: number;
  /** Header bytes of a frame begun in an earlier push (fewer than 14). */
  private partial: Buffer = Buffer.alloc(0);
  private frame: Frame | undefined;
  private open: Open | undefined;
  /** The last 32 KiB of inflated output (the compressor's context, if it kept it). */
  private window: Buffer = Buffer.alloc(0);
  private closed = false;
  private failed: string | undefined;
  private pushes = 0;

  constructor(opts: { readonly deflateOffered: boolean; readonly maxMessage?: number }) {
    this.deflate = opts.deflateOffered;
    this.max = opts.maxMessage ?? DEFAULT_MAX;
  }

  get pushCount(): number {
    return this.pushes;
  }

  /** Does the next push begin at a frame boundary? */
  get atFrameStart(): boolean {
    return this.frame === undefined && this.partial.length === 0;
  }

  /** Feed the next write; throws WsError on what no server accepts (and on every push after that). */
  push(data: Buffer): WsPush {
    const pushIndex = this.pushes++;
    if (this.failed !== undefined) throw new WsError(`the stream failed earlier: ${this.failed}`);
    try {
      return this.read(data, pushIndex);
    } catch (e: unknown) {
      this.failed = e instanceof Error ? e.message : String(e);
      this.partial = Buffer.alloc(0);
      this.open = undefined;
      throw e instanceof WsError ? e : new WsError(this.failed);
    }
  }

  private read(data: Buffer, pushIndex: number): WsPush {
    const frameStart = this.atFrameStart;
    const messages: WsMessage[] = [];
    let firstHeaderOffset = -1;
    let pos = 0;
    while (pos < data.length) {
      if (this.frame === undefined) {
        if (this.closed) throw new WsError('a frame after the close frame');
        const start = pos - this.partial.length; // negative: the header began in an earlier push
        if (start >= 0 && firstHeaderOffset < 0) firstHeaderOffset = start;
        const bytes = Buffer.concat([this.partial, data.subarray(pos, pos + MAX_HEADER - this.partial.length)]);
        const h = readHeader(bytes, this.deflate, this.max);
        if (h === null) {
          this.partial = bytes; // every byte left in this push (a header fits in 14)
          break;
        }
        pos += h.size - this.partial.length;
        this.partial = Buffer.alloc(0);
        this.frame = { ...h, headerPush: pushIndex, headerOffset: Math.max(start, -1), got: 0 };
        this.startFrame(this.frame);
      }
      const f = this.frame;
      const n = Math.min(f.length - f.got, data.length - pos);
      if (!isControl(f.opcode)) this.payload(f, data.subarray(pos, pos + n), pushIndex, pos);
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
    if (isControl(f.opcode)) return;
    if (f.opcode === CONTINUATION) {
      if (this.open === undefined) throw new WsError('a continuation frame without a message');
    } else {
      if (this.open !== undefined) throw new WsError('a new data frame inside a fragmented message');
      this.open = { opcode: f.opcode === TEXT ? 1 : 2, compressed: f.rsv1, parts: [], pieces: [], size: 0 };
    }
    if (this.open.size + f.length > this.max) throw new WsError(`a message of more than ${this.max} bytes`);
  }

  /** A data frame's payload bytes in this push (none: a frame of no payload still gets its piece). */
  private payload(f: Frame, raw: Buffer, pushIndex: number, at: number): void {
    const o = this.open;
    if (o === undefined || (raw.length === 0 && f.length > 0)) return;
    const headerOffset = f.got === 0 && f.headerPush === pushIndex ? f.headerOffset : -1;
    o.pieces.push({ pushIndex, payloadOffset: at, length: raw.length, maskKey: f.mask, maskPhase: f.got, messageOffset: o.size, headerOffset });
    o.parts.push(unmask(raw, f.mask, f.got));
    o.size += raw.length;
  }

  private endFrame(f: Frame): WsMessage | null {
    if (f.opcode === CLOSE) this.closed = true;
    if (isControl(f.opcode) || !f.fin || this.open === undefined) return null;
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
      throw new WsError(`a compressed message does not inflate (within ${this.max} bytes): ${e instanceof Error ? e.message : String(e)}`);
    }
    const keep = Math.min(WINDOW, this.window.length + out.length);
    const fromOut = Math.min(keep, out.length);
    this.window = Buffer.concat([this.window.subarray(this.window.length - (keep - fromOut)), out.subarray(out.length - fromOut)]);
    return out;
  }
}

/**
 * Patches on the raw (masked) bytes of push `pushIndex` that make message
 * payload bytes [at, at + bytes.length) read as `bytes` once unmasked. Only
 * the pieces in that push are patched (the caller checks they cover it
 * all); none for a compressed message (its wire bytes are no text).
 */
export function wsPayloadPatches(msg: WsMessage, pushIndex: number, at: number, bytes: Buffer): { offset: number; bytes: Buffer }[] {
  const out: { offset: number; bytes: Buffer }[] = [];
  if (msg.compressed) return out;
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

/** The frame whose header starts at `headerOffset` given the reserved opcode 0x3 (FIN/RSV kept): every server fails the connection (1002) on it. */
export function wsRefusePatch(data: Buffer, headerOffset: number): { offset: number; bytes: Buffer } {
  return { offset: headerOffset, bytes: Buffer.from([((data[headerOffset] ?? 0) & 0xf0) | REFUSED_OPCODE]) };
}
