/**
 * HTTP/1.1 request parsing for what a probe captured: a connection's bytes
 * arrive in pieces (writes), requests may be pipelined, bodies may use
 * Content-Length or chunked encoding and span several writes. Pure and
 * incremental: push bytes, take out complete requests; what is left is kept.
 * The head is read as the most lenient mainstream server reads it
 * (http-head.ts); what servers would read differently is an error or an
 * `ambiguity`, both judged fail closed.
 */
import { HttpParseError, leadingEmptyLines, MAX_BODY_BYTES, parseHead, type RequestHead } from './http-head.js';

export { HttpAmbiguityError, HttpParseError, MAX_BODY_BYTES } from './http-head.js';
export type { RequestHead } from './http-head.js';

export interface HttpRequest extends Omit<RequestHead, 'bodyStart'> {
  /** The body, chunk framing removed (content codings are not undone here: see decode.ts). */
  readonly body: Buffer;
}

/** A pending request's head (its body may not be complete). */
export type PendingHead = Omit<RequestHead, 'bodyStart'>;

/**
 * Does this look like the start of an HTTP request: empty lines, a method
 * token (any case), a space, and a target (`/`, `*`, `scheme://`, or
 * host:port after CONNECT)?
 */
export function startsWithRequestLine(b: Buffer): boolean {
  const head = b.subarray(0, 96).toString('latin1');
  return /^[\r\n]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+ (?:\/|\*|[A-Za-z][A-Za-z0-9+.-]*:\/\/)|CONNECT [^\s/]+:[0-9])/.test(head);
}

/** Can the body of a request with this head carry a call? Any body can, whatever its Content-Type. */
export function bodyMayCarryCalls(head: PendingHead): boolean {
  return head.framing.kind === 'chunked' || (head.framing.kind === 'length' && head.framing.length > 0);
}

/** One line of chunk framing at `pos` (CRLF or bare LF), or null while incomplete. */
function chunkLine(buf: Buffer, pos: number): { text: string; next: number } | null {
  const lf = buf.indexOf(0x0a, pos);
  if (lf < 0) {
    if (buf.length - pos > 4096) throw new HttpParseError('a chunk-size line longer than 4 KiB');
    return null;
  }
  const end = lf > pos && buf[lf - 1] === 0x0d ? lf - 1 : lf;
  return { text: buf.toString('latin1', pos, end), next: lf + 1 };
}

/** Where the line end after chunk data ends, null while incomplete. */
function afterChunkData(buf: Buffer, pos: number): number | null {
  if (buf[pos] === 0x0a) return pos + 1;
  if (buf[pos] === 0x0d) {
    if (pos + 1 >= buf.length) return null;
    if (buf[pos + 1] === 0x0a) return pos + 2;
  }
  if (pos >= buf.length) return null;
  throw new HttpParseError('chunk data not followed by a line end');
}

/** After the last chunk: trailer fields up to an empty line; where it ends, or null while incomplete. */
function trailerEnd(buf: Buffer, at: number): number | null {
  let pos = at;
  for (;;) {
    const line = chunkLine(buf, pos);
    if (line === null) return null;
    if (line.text === '') return line.next;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(line.text)) throw new HttpParseError(`malformed trailer line ${JSON.stringify(line.text.slice(0, 40))}`);
    pos = line.next;
  }
}

/** A chunked body from `at`: the decoded body and where it ended, or null if incomplete. */
function parseChunked(buf: Buffer, at: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let pos = at;
  let total = 0;
  for (;;) {
    const line = chunkLine(buf, pos);
    if (line === null) return null;
    const m = /^([0-9A-Fa-f]{1,16})[ \t]*(?:;.*)?$/.exec(line.text);
    if (m === null) throw new HttpParseError(`malformed chunk size ${JSON.stringify(line.text.slice(0, 40))}`);
    const size = parseInt(m[1] ?? '', 16);
    pos = line.next;
    if (size === 0) {
      const end = trailerEnd(buf, pos);
      return end === null ? null : { body: Buffer.concat(parts), end };
    }
    total += size;
    if (total > MAX_BODY_BYTES) throw new HttpParseError('chunked body exceeds the limit');
    if (buf.length < pos + size) return null;
    const next = afterChunkData(buf, pos + size);
    if (next === null) return null;
    parts.push(buf.subarray(pos, pos + size));
    pos = next;
  }
}

function withoutStart(h: RequestHead): PendingHead {
  const { bodyStart: _, ...rest } = h;
  return rest;
}

/** One connection's outgoing byte stream. */
export class RequestStream {
  private buf: Buffer = Buffer.alloc(0);

  /** Bytes buffered but not yet part of a complete request. */
  get pending(): number {
    return this.buf.length;
  }

  /** The pending request's line and headers, once they are complete (its body may not be). */
  pendingHead(): PendingHead | null {
    try {
      const h = parseHead(this.buf.subarray(leadingEmptyLines(this.buf)));
      return h ? withoutStart(h) : null;
    } catch {
      return null;
    }
  }

  /** Append bytes; return every request completed by them (pipelining: possibly several). */
  push(chunk: Buffer): HttpRequest[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: HttpRequest[] = [];
    for (;;) {
      // RFC 9112 2.2: empty lines before a request line are ignored (some clients send one after a body).
      const skip = leadingEmptyLines(this.buf);
      if (skip > 0) this.buf = this.buf.subarray(skip);
      const head = parseHead(this.buf);
      if (!head) return out;
      let body: Buffer;
      let end: number;
      if (head.framing.kind === 'chunked') {
        const c = parseChunked(this.buf, head.bodyStart);
        if (!c) return out;
        body = c.body;
        end = c.end;
      } else {
        const len = head.framing.kind === 'length' ? head.framing.length : 0;
        if (this.buf.length < head.bodyStart + len) return out;
        body = this.buf.subarray(head.bodyStart, head.bodyStart + len);
        end = head.bodyStart + len;
      }
      out.push({ ...withoutStart(head), body: Buffer.from(body) });
      this.buf = this.buf.subarray(end);
    }
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}
