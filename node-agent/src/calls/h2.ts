/**
 * HTTP/2 as a client sends it (RFC 9113): the connection preface, then
 * frames; each stream's HEADERS (+ CONTINUATION) decoded with the
 * connection's HPACK decoder, its DATA gathered until END_STREAM, and then
 * read as the HTTP/1 request it stands for (method, target, headers, body),
 * so the same route, MCP and A2A rules judge it. Every byte of the
 * connection must pass through push() in order (the HPACK table depends on
 * every header block): the kernel holds every write of a connection it
 * cannot read as HTTP/1. What a conforming server would refuse throws
 * H2Error (judged fail closed).
 */
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import { HpackDecoder, HpackError, type FieldAt, type Header } from './hpack.js';
import type { HttpRequest } from './http.js';
import { readTarget } from './http-head.js';

export class H2Error extends ZirizError {
  constructor(message: string) {
    super('HTTP2', `HTTP/2: ${message}`);
  }
}

export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Does a connection's first write start HTTP/2 (the whole preface, or as much of it as was written)? */
export function startsH2(b: Buffer): boolean {
  const n = Math.min(b.length, H2_PREFACE.length);
  return n >= 3 && b.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const PUSH_PROMISE = 0x5;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const MAX_BODY = 4 * 1024 * 1024;
const MAX_OPEN = 1024;
/** The largest frame a peer may allow (SETTINGS_MAX_FRAME_SIZE at most 2^24-1). */
const MAX_FRAME = (1 << 24) - 1;

interface StreamState {
  head?: Header[];
  body: Buffer[];
  bodyLen: number;
  /** The request's content-length, when it gives one (a single decimal). */
  contentLength?: number;
  /**
   * Its body reached content-length before END_STREAM (clients that end the
   * stream with an empty DATA frame of its own, in a later write: Python's
   * h2): the request was returned then, in the write that holds its body,
   * where a denied call can be neutralised in place. Only an empty frame may
   * follow: more data would be a malformed request (RFC 9113 8.1.1).
   */
  judged?: boolean;
}

/** A content-length field's value, when it is one plain decimal (repeats disagree or join: not used). */
function contentLengthOf(fields: readonly Header[]): number | undefined {
  const values = fields.filter(([n]) => n === 'content-length').map(([, v]) => v);
  const v = values[0];
  if (values.length !== 1 || v === undefined || !/^\d{1,15}$/.test(v)) return undefined;
  return Number(v);
}

/** A request whose HEADERS arrived: judged by its route at once (an HTTP/2 server starts its handler then). */
export interface H2Started {
  readonly streamId: number;
  readonly head: HttpRequest;
  /** END_STREAM came with the HEADERS (nothing more follows). */
  readonly complete: boolean;
  /**
   * Offset in this write of the one-byte static-table :method field, when
   * the whole header block is in it: rewritten to another static field, the
   * request has no :method and is malformed, refused on its stream alone,
   * and the HPACK tables stay in step (h2StreamRefusePatch).
   */
  readonly methodAt?: number;
}

/** Static table entry 16 (accept-encoding: gzip, deflate): a field that changes no table and is no pseudo-header. */
const HARMLESS_FIELD = 0x80 | 16;

/** The patch that refuses one request on its stream (see H2Started.methodAt). */
export function h2StreamRefusePatch(methodAt: number): { offset: number; bytes: Buffer } {
  return { offset: methodAt, bytes: Buffer.from([HARMLESS_FIELD]) };
}

export interface H2Push {
  /** Requests complete in this write (their body too). */
  readonly requests: HttpRequest[];
  /** Requests whose HEADERS are in this write. */
  readonly started: H2Started[];
  /** The write began at a frame boundary (its first bytes are a frame header). */
  readonly frameStart: boolean;
}

/** The HTTP/1 request an HTTP/2 stream stands for. */
export function h2Request(fields: readonly Header[], body: Buffer): HttpRequest {
  const pseudo = new Map<string, string>();
  const headers = new Map<string, string>();
  const plain: { name: string; value: string }[] = [];
  for (const [name, value] of fields) {
    if (name.startsWith(':')) {
      if (pseudo.has(name)) throw new H2Error(`repeated ${name}`);
      if (plain.length > 0) throw new H2Error(`${name} after a regular header`);
      pseudo.set(name, value);
      continue;
    }
    if (name !== name.toLowerCase()) throw new H2Error(`upper-case header name ${JSON.stringify(name)}`);
    plain.push({ name, value });
    // Cookies are joined with "; " (RFC 9113 8.2.3), other repeats with ", " as in HTTP/1.
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}${name === 'cookie' ? '; ' : ', '}${value}`);
  }
  const method = pseudo.get(':method');
  const target = pseudo.get(':path') ?? '';
  if (!method) throw new H2Error('a request without :method');
  if (method !== 'CONNECT' && !target) throw new H2Error('a request without :path');
  const authority = (pseudo.get(':authority') ?? headers.get('host') ?? '').toLowerCase();
  const t = readTarget(target, method);
  const hostClash = pseudo.has(':authority') && headers.has('host') && headers.get('host')?.toLowerCase() !== authority;
  const ambiguity = t.ambiguity ?? (hostClash ? `:authority ${JSON.stringify(authority)} and Host ${JSON.stringify(headers.get('host'))} differ` : undefined);
  return {
    method, target, version: 'HTTP/2', headers, fields: plain, path: t.path, query: t.query, host: authority,
    framing: { kind: 'length', length: body.length }, body, ...(ambiguity !== undefined ? { ambiguity } : {}),
  };
}

/**
 * Patches that end an HTTP/2 connection at the first frame of a write (its
 * stream id set to 0 and its type to HEADERS: a connection error for every
 * server, RFC 9113 6.2): nothing in the write, nor after it, reaches a
 * handler. For a denial the agent cannot make in place (a route: its path
 * is HPACK-coded).
 */
export function h2RefusePatches(): { offset: number; bytes: Buffer }[] {
  return [{ offset: 3, bytes: Buffer.from([HEADERS]) }, { offset: 5, bytes: Buffer.alloc(4) }];
}

export class H2Connection {
  private buf: Buffer = Buffer.alloc(0);
  private prefaceLeft = H2_PREFACE.length;
  private readonly hpack = new HpackDecoder();
  private readonly streams = new Map<number, StreamState>();
  /** A header block in progress (HEADERS without END_HEADERS): its stream, fragments, END_STREAM. */
  private block: { id: number; parts: Buffer[]; endStream: boolean; at?: number } | null = null;
  private started: H2Started[] = [];
  /** Offset in the current write of the frame payload being read (negative: it began in an earlier write). */
  private payloadAt = 0;

  /** Feed the next bytes the client sent; the requests they complete, and those still open. */
  push(data: Buffer): H2Push {
    const frameStart = this.buf.length === 0 && this.prefaceLeft === 0;
    // Offsets in this write = offsets in buf - carried (the bytes of a frame begun in an earlier write).
    let consumed = -this.buf.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const requests: HttpRequest[] = [];
    this.started = [];
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, this.buf.length);
      const at = H2_PREFACE.length - this.prefaceLeft;
      if (!this.buf.subarray(0, n).equals(H2_PREFACE.subarray(at, at + n))) throw new H2Error('not the connection preface');
      this.prefaceLeft -= n;
      this.buf = this.buf.subarray(n);
      consumed += n;
    }
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (len > MAX_FRAME) throw new H2Error(`frame of ${len} bytes`);
      if (this.buf.length < 9 + len) break;
      const type = this.buf[3] ?? 0;
      const flags = this.buf[4] ?? 0;
      const id = this.buf.readUInt32BE(5) & 0x7fffffff;
      const payload = this.buf.subarray(9, 9 + len);
      this.buf = this.buf.subarray(9 + len);
      this.payloadAt = consumed + 9;
      consumed += 9 + len;
      const done = this.frame(type, flags, id, payload);
      if (done) requests.push(done);
    }
    if (this.buf.length > MAX_FRAME + 9) throw new H2Error('buffered bytes past a frame');
    this.buf = Buffer.from(this.buf); // do not keep the whole write alive for a partial frame
    return { requests, started: this.started, frameStart };
  }

  /** The next write begins at a frame boundary (nothing of a frame is buffered, the preface is done). */
  get atFrameStart(): boolean {
    return this.buf.length === 0 && this.prefaceLeft === 0;
  }

  /** Bytes of an unfinished frame, or streams whose request is not complete. */
  get incomplete(): boolean {
    return this.buf.length > 0 || this.block !== null || this.streams.size > 0;
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): HttpRequest | null {
    if (this.block && type !== CONTINUATION) throw new H2Error('a frame inside a header block');
    switch (type) {
      case HEADERS: {
        if (id === 0 || id % 2 === 0) throw new H2Error(`HEADERS on stream ${id}`);
        let p = unpad(payload, flags);
        if (flags & PRIORITY) p = p.subarray(5);
        const blockAt = this.payloadAt + (p.byteOffset - payload.byteOffset);
        this.block = { id, parts: [p], endStream: (flags & END_STREAM) !== 0, ...(blockAt >= 0 ? { at: blockAt } : {}) };
        return flags & END_HEADERS ? this.endBlock() : null;
      }
      case CONTINUATION:
        if (this.block?.id !== id) throw new H2Error('CONTINUATION without its HEADERS');
        this.block.parts.push(payload);
        return flags & END_HEADERS ? this.endBlock() : null;
      case DATA:
        return this.data(flags, id, payload);
      case RST_STREAM:
        this.streams.delete(id);
        return null;
      case PUSH_PROMISE:
        throw new H2Error('PUSH_PROMISE from a client');
      default:
        return null; // SETTINGS, PING, WINDOW_UPDATE, PRIORITY, GOAWAY, unknown types: nothing a request says
    }
  }

  private data(flags: number, id: number, payload: Buffer): HttpRequest | null {
    const s = this.streams.get(id);
    if (!s?.head) throw new H2Error(`DATA on stream ${id}, which has no open request`);
    const d = unpad(payload, flags);
    if (s.judged) {
      if (d.length > 0) throw new H2Error(`DATA on stream ${id} past its content-length`);
      if (flags & END_STREAM) this.streams.delete(id);
      return null;
    }
    s.body.push(Buffer.from(d));
    s.bodyLen += d.length;
    if (s.bodyLen > MAX_BODY) throw new H2Error(`a request body over ${MAX_BODY} bytes`);
    if (s.contentLength !== undefined && s.bodyLen > s.contentLength) throw new H2Error(`a body of stream ${id} longer than its content-length`);
    if (flags & END_STREAM) return this.finish(id, s);
    return s.bodyLen === s.contentLength ? this.judgeEarly(s) : null;
  }

  private endBlock(): HttpRequest | null {
    const b = this.block;
    this.block = null;
    if (!b) return null;
    let fields: Header[];
    const where: FieldAt[] = [];
    try {
      fields = this.hpack.decode(Buffer.concat(b.parts), where);
    } catch (e: unknown) {
      if (e instanceof HpackError) throw new H2Error(e.message);
      throw e;
    }
    const s = this.streams.get(b.id);
    if (s?.head) {
      // Trailers: the table has followed them; a request is complete with them (returned already if judged early).
      if (s.judged) {
        if (b.endStream) this.streams.delete(b.id);
        return null;
      }
      return b.endStream ? this.finish(b.id, s) : null;
    }
    if (this.streams.size >= MAX_OPEN) throw new H2Error(`over ${MAX_OPEN} open streams`);
    const cl = contentLengthOf(fields);
    const st: StreamState = { head: fields, body: [], bodyLen: 0, ...(cl !== undefined ? { contentLength: cl } : {}) };
    const m = fields.findIndex(([n]) => n === ':method');
    const mAt = where[m];
    // Only when the block is one fragment of this write (its bytes are where the offsets say).
    const methodAt = b.at !== undefined && b.parts.length === 1 && mAt?.staticIndex != null ? b.at + mAt.at : undefined;
    this.started.push({ streamId: b.id, head: h2Request(fields, Buffer.alloc(0)), complete: b.endStream, ...(methodAt !== undefined ? { methodAt } : {}) });
    this.streams.set(b.id, st);
    if (b.endStream) return this.finish(b.id, st);
    return st.contentLength === 0 ? this.judgeEarly(st) : null;
  }

  private finish(id: number, s: StreamState): HttpRequest {
    this.streams.delete(id);
    return h2Request(s.head ?? [], Buffer.concat(s.body));
  }

  /** The request of a stream whose body is whole by its content-length; the stream stays open for its END_STREAM (see StreamState.judged). */
  private judgeEarly(s: StreamState): HttpRequest {
    s.judged = true;
    const body = Buffer.concat(s.body);
    s.body = [];
    return h2Request(s.head ?? [], body);
  }
}

function unpad(payload: Buffer, flags: number): Buffer {
  if (!(flags & PADDED)) return payload;
  const pad = payload[0] ?? 0;
  if (pad + 1 > payload.length) throw new H2Error('padding longer than the frame');
  return payload.subarray(1, payload.length - pad);
}
