/**
 * Per-connection state of the bytes the agent has seen (only held or audited
 * data reaches it): an HTTP request stream, raw JSON-RPC text when the
 * request line was sent in an earlier (allowed) write, or, for a pod that
 * serves, HTTP responses and Server-Sent Events (sse.ts) whose JSON-RPC
 * messages are judged one by one. Bounded: the oldest connections are
 * forgotten first.
 */
import { HttpAmbiguityError, RequestStream, startsWithRequestLine, type HttpRequest, type PendingHead } from './http.js';
import { classifyBody, classifyRequest, type Call, type Classified } from './classify.js';
import { looksLikeSse, parseSse } from './sse.js';
import { H2Connection, H2_PREFACE, startsH2 } from './h2.js';
import { WsStream, type WsMessage } from './ws.js';

export interface Analysis extends Classified {
  /** The message is not complete yet: its tail is in a later write. */
  readonly incomplete: boolean;
  /** For an incomplete JSON body: the text so far (for a lenient peek). */
  readonly partialText?: string;
  /** For an incomplete HTTP request: its line and headers (a route can be judged before the body). */
  readonly pendingHead?: PendingHead;
  /** An HTTP/2 connection: whether this write began at a frame boundary (h2RefusePatches can end the connection there). */
  readonly h2?: { readonly frameStart: boolean; readonly routeAt?: ReadonlyMap<Call, number> };
  /** A WebSocket connection: where this write's frames are, and the message each call came from (holds.ts rewrites or refuses it). */
  readonly ws?: {
    readonly frameStart: boolean;
    readonly firstHeaderOffset: number;
    readonly pushIndex: number;
    readonly messageOf?: ReadonlyMap<Call, WsMessage>;
  };
}

interface ConnState {
  http?: RequestStream;
  /** HTTP/2 (kept for the connection's life: its HPACK table follows every write); a string once it failed. */
  h2?: H2Connection | string;
  /** The bytes of a JSON body so far (bytes: a character may be split between writes). */
  json?: Buffer;
  /** WebSocket frames after an Upgrade request (kept for the connection's life); a string once it failed. */
  ws?: WsStream | string;
  /** The write that ended with the Upgrade request (a TLS library retries a write made during its handshake: the same bytes again). */
  upgradeWrite?: Buffer;
}

const MAX_JSON = 4 * 1024 * 1024;

function mergeClassified(parts: readonly Classified[]): Classified {
  const problem = parts.find((p) => p.problem !== undefined)?.problem;
  return { calls: parts.flatMap((p) => p.calls), ...(problem !== undefined ? { problem } : {}) };
}

/** Is a JSON text unfinished (more opening than closing brackets outside strings)? */
export function jsonUnfinished(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return inString || depth > 0;
}

export class ConnStreams {
  private readonly conns = new Map<string, ConnState>();

  constructor(private readonly max = 4096) {}

  private state(key: string): ConnState {
    let s = this.conns.get(key);
    if (s) {
      this.conns.delete(key); // refresh LRU position
    } else {
      s = {};
      if (this.conns.size >= this.max) {
        const oldest = this.conns.keys().next().value;
        if (oldest !== undefined) this.conns.delete(oldest);
      }
    }
    this.conns.set(key, s);
    return s;
  }

  /** Is this an HTTP/2 or WebSocket connection (its writes are frames, judged here whatever their first bytes)? */
  isFramed(key: string): boolean {
    const s = this.conns.get(key);
    return s?.h2 !== undefined || s?.ws !== undefined;
  }

  forget(key: string): void {
    this.conns.delete(key);
  }

  /** Add one write's bytes to the connection and say what calls complete in it. */
  push(key: string, data: Buffer, host?: string): Analysis {
    const s = this.state(key);
    if (s.ws !== undefined) return pushWs(s, data);
    if (s.h2 !== undefined || (s.http === undefined && s.json === undefined && startsH2(data))) return this.pushH2(s, data);
    if (s.http || (s.json === undefined && startsWithRequestLine(data))) return this.pushHttp(key, s, data);
    const bytes = s.json === undefined ? data : Buffer.concat([s.json, data]);
    const body = unchunk(bytes);
    if (s.json === undefined) {
      const served = servedCalls(body.toString('utf8'));
      if (served !== null) return { ...served, incomplete: false };
    }
    if (bytes.length > MAX_JSON) {
      this.forget(key);
      return { calls: [], problem: 'JSON-RPC message larger than 4 MiB', incomplete: false };
    }
    const c = classifyBody(body, host);
    const text = c.parsed ? '' : body.toString('utf8');
    if (!c.parsed && jsonUnfinished(text)) {
      s.json = Buffer.from(bytes);
      return { calls: [], incomplete: true, partialText: text };
    }
    delete s.json;
    return { ...(c.problem === undefined ? { calls: c.calls } : { calls: c.calls, problem: c.problem }), incomplete: false };
  }

  /**
   * HTTP/2: a request is judged by its route when its HEADERS arrive (a
   * server starts its handler then), and by the calls in its body when it
   * ends. Never "incomplete": the kernel holds every write of a connection
   * it cannot read as HTTP/1, and the agent keeps the connection's state
   * whatever it decides. Once the agent cannot follow the connection (a
   * frame no server accepts, a header block it did not see), every later
   * write is judged unparsable: it has been refused.
   */
  private pushH2(s: ConnState, data: Buffer): Analysis {
    // A new connection under a reused key (Go's next tls.Conn at a freed one's address): its own state.
    // On the same connection a preface is a frame no server accepts (FRAME_SIZE_ERROR): nothing is lost.
    if (s.h2 !== undefined && data.length >= H2_PREFACE.length && data.subarray(0, H2_PREFACE.length).equals(H2_PREFACE)) delete s.h2;
    if (typeof s.h2 === 'string') return { calls: [], problem: `HTTP/2 connection refused earlier: ${s.h2}`, incomplete: false, h2: { frameStart: false } };
    s.h2 ??= new H2Connection();
    const frameStart = s.h2.atFrameStart;
    try {
      const r = s.h2.push(data);
      const routeAt = new Map<Call, number>();
      const routes = r.started.map((st) => {
        const c = classifyRequest(st.head);
        const http = c.calls.find((x) => x.kind === 'http');
        if (http && st.methodAt !== undefined) routeAt.set(http, st.methodAt);
        return c;
      });
      // Completed requests: their routes were judged at their HEADERS (in this write or before).
      const bodies = r.requests.map((req) => {
        const c = classifyRequest(req);
        return { ...c, calls: c.calls.filter((x) => x.kind !== 'http') };
      });
      const done = mergeClassified([...routes.map((c) => ({ ...c, calls: c.calls.filter((x) => x.kind === 'http') })), ...bodies]);
      return { ...done, incomplete: false, h2: { frameStart: r.frameStart, routeAt } };
    } catch (e: unknown) {
      s.h2 = e instanceof Error ? e.message : String(e);
      return { calls: [], problem: `unparsable HTTP/2: ${s.h2}`, incomplete: false, h2: { frameStart } };
    }
  }

  private pushHttp(key: string, s: ConnState, data: Buffer): Analysis {
    s.http ??= new RequestStream();
    let reqs: HttpRequest[];
    try {
      reqs = s.http.push(data);
    } catch (e: unknown) {
      this.forget(key);
      const what = e instanceof HttpAmbiguityError ? 'ambiguous HTTP request' : 'unparsable HTTP';
      return { calls: [], problem: `${what}: ${e instanceof Error ? e.message : String(e)}`, incomplete: false };
    }
    const incomplete = s.http.pending > 0;
    const head = incomplete ? s.http.pendingHead() : null;
    if (!incomplete) delete s.http;
    const done = mergeClassified(reqs.map(classifyRequest));
    const upgrade = reqs.find(isWebSocketUpgrade);
    if (upgrade !== undefined) {
      // The client's next bytes are frames (if the server agrees; if not, it sends nothing more on this connection).
      delete s.http;
      s.ws = incomplete || reqs[reqs.length - 1] !== upgrade ? 'bytes after the WebSocket upgrade request in its write'
        : new WsStream({ deflateOffered: /permessage-deflate/i.test(upgrade.headers.get('sec-websocket-extensions') ?? '') });
      s.upgradeWrite = Buffer.from(data);
      const problem = done.problem ?? (typeof s.ws === 'string' ? s.ws : undefined);
      return { calls: done.calls, ...(problem !== undefined ? { problem } : {}), incomplete: false };
    }
    // A head servers read differently is judged now, before its body (which cannot make it right).
    const problem = done.problem ?? head?.ambiguity;
    return { calls: done.calls, ...(problem !== undefined ? { problem } : {}), incomplete, ...(head ? { pendingHead: head } : {}) };
  }
}

/** An HTTP/1.1 request to switch to WebSocket (RFC 6455 4.1: Upgrade: websocket, Connection: upgrade). */
function isWebSocketUpgrade(req: HttpRequest): boolean {
  return /(^|,)\s*websocket\s*(,|$)/i.test(req.headers.get('upgrade') ?? '') && /(^|,)\s*upgrade\s*(,|$)/i.test(req.headers.get('connection') ?? '');
}

/**
 * WebSocket frames: the calls in every data message completed by this
 * write (each message a JSON-RPC document, as the MCP WebSocket transport
 * sends them). Never "incomplete": the kernel holds every write it cannot
 * read as HTTP/1, and the agent keeps the connection's state. A frame no
 * server accepts, or a message that is not JSON-RPC while looking like
 * JSON, is a problem; once the stream failed, every later write is too.
 */
function pushWs(s: ConnState, data: Buffer): Analysis {
  if (typeof s.ws === 'string' || s.ws === undefined) {
    return { calls: [], problem: `WebSocket connection refused earlier: ${s.ws ?? ''}`, incomplete: false, ws: { frameStart: false, firstHeaderOffset: -1, pushIndex: -1 } };
  }
  const ws = s.ws;
  const pushIndex = ws.pushCount;
  // OpenSSL's retry of the Upgrade request's write (Node writes it again once the handshake is done): the
  // server reads it once. Were it sent twice, the server would read a frame of reserved opcode ('G') and fail.
  if (pushIndex === 0 && s.upgradeWrite?.equals(data) === true) return { calls: [], incomplete: false };
  delete s.upgradeWrite;
  const atStart = ws.atFrameStart;
  try {
    const r = ws.push(data);
    const messageOf = new Map<Call, WsMessage>();
    const calls: Call[] = [];
    let problem: string | undefined;
    for (const m of r.messages) {
      const c = classifyBody(m.data);
      if (!c.parsed && /^[ \t\r\n]*[{[]/.test(m.data.toString('latin1', 0, 64))) problem ??= `a WebSocket message that looks like JSON does not parse: ${c.problem ?? ''}`;
      if (c.parsed && c.problem !== undefined) problem ??= c.problem;
      for (const call of c.calls) {
        calls.push(call);
        messageOf.set(call, m);
      }
    }
    const ref = { frameStart: r.frameStart, firstHeaderOffset: r.firstHeaderOffset, pushIndex, messageOf };
    return { calls, ...(problem !== undefined ? { problem } : {}), incomplete: false, ws: ref };
  } catch (e: unknown) {
    s.ws = e instanceof Error ? e.message : String(e);
    return { calls: [], problem: `unreadable WebSocket frames: ${s.ws}`, incomplete: false, ws: { frameStart: atStart, firstHeaderOffset: -1, pushIndex } };
  }
}

const RESPONSE_RE = /^HTTP\/1\.[01] \d{3}[ \r]/;

/**
 * The JSON-RPC requests of event-stream data. `strict` when the data came
 * without its response head: a client in the middle of a JSON body can forge
 * what looks like event data, so the data must be whole events (ending with
 * a blank line, nothing after the last) and every `message` event's data a
 * JSON-RPC message (a named event such as the old transport's `endpoint` may
 * carry other text); anything else is a problem, judged fail closed when the
 * kernel saw a call in it. A valid JSON continuation cannot be such data.
 */
function sseCalls(text: string, strict: boolean): Classified {
  const p = parseSse(text);
  if (strict && (p.events.length === 0 || p.rest.trim() !== '')) return { calls: [], problem: 'event-stream data with an unfinished event' };
  const calls: Call[] = [];
  for (const e of p.events) {
    const c = classifyBody(Buffer.from(e.data));
    if (!c.parsed) {
      if (strict && e.event === 'message') return { calls, problem: `an event's data is not a JSON-RPC message: ${c.problem ?? ''}` };
      continue;
    }
    calls.push(...c.calls);
    if (c.problem !== undefined) return { calls, problem: c.problem };
  }
  return { calls };
}

/**
 * What a pod that serves writes: an HTTP response (head and body) or event
 * stream data. Responses carry no calls unless a JSON-RPC request rides in
 * them (an event with a method). A write that starts with a status line is
 * a response: a client writing one would be refused by any server, so its
 * body is read leniently. Null: not a response.
 */
function servedCalls(text: string): Classified | null {
  // `text` has lost a leading chunk framing already (a response's head is never chunk-framed).
  if (RESPONSE_RE.test(text)) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return { calls: [] }; // a status line and headers: no message
    const head = text.slice(0, end).toLowerCase();
    const rest = text.slice(end + 4);
    const body = /\r\ntransfer-encoding:[^\r]*chunked/.test(head) ? stripChunkFraming(rest) : rest;
    if (/\r\ncontent-type:[^\r]*text\/event-stream/.test(head)) return sseCalls(body, false);
    const c = classifyBody(Buffer.from(body));
    return { calls: c.parsed ? c.calls : [] };
  }
  // Event data without its response head (the head went out in an earlier write).
  return looksLikeSse(text) ? sseCalls(text, true) : null;
}

/**
 * A chunked body seen without its headers: drop "size\r\n" lines and the
 * terminating chunk. Sizes count bytes, so the framing is read on bytes.
 */
function unchunk(buf: Buffer): Buffer {
  const first = /^[0-9a-fA-F]{1,8}\r\n/.exec(buf.subarray(0, 10).toString('latin1'));
  if (!first) return buf;
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const m = /^([0-9a-fA-F]{1,8})\r\n/.exec(buf.subarray(pos, pos + 10).toString('latin1'));
    if (!m) return Buffer.concat([...out, buf.subarray(pos)]);
    const size = parseInt(m[1] ?? '0', 16);
    if (size === 0) return Buffer.concat(out);
    const start = pos + m[0].length;
    const chunk = buf.subarray(start, start + size);
    out.push(chunk);
    pos = start + size;
    if (chunk.length < size) return Buffer.concat(out);
    if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
  }
}

/** stripChunkFraming on text (its UTF-8 bytes). */
export function stripChunkFraming(text: string): string {
  return unchunk(Buffer.from(text, 'utf8')).toString('utf8');
}
