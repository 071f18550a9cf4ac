/**
 * HTTP/1.1 request parsing for what a probe captured: a connection's bytes
 * arrive in pieces (writes), requests may be pipelined, bodies may use
 * Content-Length or chunked encoding and span several writes. Pure and
 * incremental: push bytes, take out complete requests; what is left is kept.
 */
export interface HttpRequest {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly target: string;
  readonly path: string;
  readonly query: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

export class HttpParseError extends Error {}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const METHOD_RE = /^[A-Z]{3,10}$/;

/** Does this look like the start of an HTTP request ("METHOD /... HTTP/1.x")? */
export function startsWithRequestLine(b: Buffer): boolean {
  const head = b.subarray(0, 16).toString('latin1');
  return /^[A-Z]{3,10} \//.test(head);
}

interface Head {
  readonly method: string;
  readonly target: string;
  readonly headers: Map<string, string>;
  readonly bodyStart: number;
}

function parseHead(buf: Buffer): Head | null {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > MAX_HEADER_BYTES) throw new HttpParseError('request headers exceed 64 KiB');
    return null;
  }
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target, version] = (lines[0] ?? '').split(' ');
  if (!method || !METHOD_RE.test(method) || !target || !version?.startsWith('HTTP/1.')) {
    throw new HttpParseError(`not an HTTP/1.x request line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpParseError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name) ?? ''}, ${value}` : value);
  }
  return { method, target, headers, bodyStart: end + 4 };
}

/** A chunked body from `at`: the decoded body and where it ended, or null if incomplete. */
function parseChunked(buf: Buffer, at: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let pos = at;
  let total = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) throw new HttpParseError('malformed chunk size');
    pos = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = buf.indexOf('\r\n', pos);
      if (trailerEnd < 0) return null;
      // no trailers expected; accept an empty line
      return { body: Buffer.concat(parts), end: trailerEnd + 2 };
    }
    if (buf.length < pos + size + 2) return null;
    total += size;
    if (total > MAX_BODY_BYTES) throw new HttpParseError('chunked body exceeds the limit');
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

function split(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** One connection's outgoing byte stream. */
export class RequestStream {
  private buf: Buffer = Buffer.alloc(0);

  /** Bytes buffered but not yet part of a complete request. */
  get pending(): number {
    return this.buf.length;
  }

  /** The pending request's line and headers, once they are complete (its body may not be). */
  pendingHead(): { method: string; target: string; headers: ReadonlyMap<string, string> } | null {
    try {
      const h = parseHead(this.buf);
      return h ? { method: h.method, target: h.target, headers: h.headers } : null;
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
      let skip = 0;
      while (this.buf[skip] === 0x0d && this.buf[skip + 1] === 0x0a) skip += 2;
      if (skip > 0) this.buf = this.buf.subarray(skip);
      const head = parseHead(this.buf);
      if (!head) return out;
      let body: Buffer;
      let end: number;
      if ((head.headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
        const c = parseChunked(this.buf, head.bodyStart);
        if (!c) return out;
        body = c.body;
        end = c.end;
      } else {
        const len = Number(head.headers.get('content-length') ?? '0');
        if (!Number.isInteger(len) || len < 0 || len > MAX_BODY_BYTES) throw new HttpParseError(`bad content-length ${head.headers.get('content-length') ?? ''}`);
        if (this.buf.length < head.bodyStart + len) return out;
        body = this.buf.subarray(head.bodyStart, head.bodyStart + len);
        end = head.bodyStart + len;
      }
      out.push({ method: head.method, target: head.target, ...split(head.target), headers: head.headers, body: Buffer.from(body) });
      this.buf = this.buf.subarray(end);
    }
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}
