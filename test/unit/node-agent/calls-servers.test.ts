/**
 * Fast checks that the judged call is the call a real server runs: raw
 * requests go to an in-process Node `http` server with Express 5,
 * `express.json()` (body-parser: inflates, decodes charsets, strips BOMs;
 * any Content-Type accepted, as a careless server would) and the `qs`
 * query parser; what its handler receives is compared with what ConnStreams
 * gives the policy. Requests Node refuses must not be let through unjudged
 * (Go or h11 may accept them): they are judged, or carry a problem.
 */
import { expect } from 'chai';
import express, { type ErrorRequestHandler } from 'express';
import type { Server } from 'node:http';
import net from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { policyRequest, type Call } from '../../../node-agent/src/calls/classify.js';
import { ConnStreams } from '../../../node-agent/src/calls/streams.js';
import { decodeUnreserved } from '../../../core/policy/glob.js';
import { parseRequest } from '../../../core/policy/request.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: unknown;
  readonly body: unknown;
}

const tool = (name: string, args: Record<string, unknown> = {}): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

function raw(line: string, body: Buffer | string, headers: Record<string, string> = {}): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.concat([Buffer.from(`${line}\r\nHost: h\r\nConnection: close\r\n${extra}Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

/** Leaf strings of a qs value (`'5'`, `['5','6']`, `{a: '5'}`). */
function leaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(leaves);
  return [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

describe('calls: the judged call is what Node + Express + express.json() runs', function () {
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];

  before(async () => {
    const app = express();
    app.set('query parser', 'extended');
    app.use(express.json({ type: () => true }));
    app.all('/{*any}', (req, res) => {
      seen.push({ method: req.method, path: req.path, query: req.query, body: req.body as unknown });
      res.end('ok');
    });
    // Refusals answered quietly (the default handler prints each stack).
    const refuse: ErrorRequestHandler = (_err, _req, res, _next) => { res.status(400).end(); };
    app.use(refuse);
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => { resolve(); }));
    const addr = server.address();
    port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  });

  after(() => {
    server.close();
  });

  /** Send `bytes`; the status line and what the handler saw (undefined: refused). */
  async function send(bytes: Buffer): Promise<{ status: string; seen: Seen | undefined }> {
    seen.length = 0;
    const status = await new Promise<string>((resolve) => {
      let data = '';
      // Written, not ended: the server answers (Connection: close) and closes; a client FIN first would cut a slow answer.
      const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
      const timer = setTimeout(() => s.destroy(), 2000);
      s.on('data', (d: Buffer) => { data += d.toString('latin1'); });
      s.on('close', () => { clearTimeout(timer); resolve(data.split('\r\n')[0] ?? ''); });
      s.on('error', () => { resolve(''); });
    });
    return { status, seen: seen[0] };
  }

  function judged(bytes: Buffer): { calls: readonly Call[]; problem: string | undefined } {
    const a = new ConnStreams().push('c', bytes);
    expect(a.incomplete).to.equal(false);
    return { calls: a.calls, problem: a.problem };
  }

  /** The server's request, and ours for the policy, agree: method, path, every query value, the tool call. */
  function agree(server: Seen, ours: { calls: readonly Call[]; problem: string | undefined }): void {
    const http = ours.calls.find((c) => c.kind === 'http');
    expect(http, 'an HTTP call').to.not.equal(undefined);
    const p = parseRequest(policyRequest(http!));
    if ('error' in p) throw new Error(p.error);
    expect(p.name).to.equal(server.method);
    // Express routes a trailing slash as the path without it; a decoded letter is the letter (as Go routes it).
    const path = decodeUnreserved(server.path);
    expect(p.path).to.equal(path.length > 1 ? path.replace(/\/$/, '') : path);
    for (const [key, value] of Object.entries(server.query as Record<string, unknown>)) {
      const ours2 = p.query[key];
      const mine = ours2 === undefined ? [] : [ours2].flat();
      for (const v of leaves(value)) expect(mine, `query ${key}`).to.include(v);
    }
    const body = server.body;
    if (isRecord(body) && body.method === 'tools/call' && isRecord(body.params)) {
      const mcp = ours.calls.find((c) => c.kind === 'mcp');
      expect(mcp?.kind === 'mcp' && mcp.tool, 'the tool the server runs').to.equal(body.params.name);
      if (ours.problem === undefined) expect(mcp?.kind === 'mcp' && mcp.arguments).to.deep.equal(body.params.arguments ?? {});
    }
  }

  const body = tool('delete_customer', { id: 7, note: 'café' });
  const accepted: [string, Buffer][] = [
    ['a plain tools/call', raw('POST /mcp HTTP/1.1', body, { 'Content-Type': 'application/json' })],
    ['empty lines before the request line', Buffer.concat([Buffer.from('\r\n\r\n'), raw('POST /mcp HTTP/1.1', body)])],
    ['gzip', raw('POST /mcp HTTP/1.1', gzipSync(body), { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' })],
    ['deflate', raw('POST /mcp HTTP/1.1', deflateSync(body), { 'Content-Encoding': 'deflate' })],
    ['br', raw('POST /mcp HTTP/1.1', brotliCompressSync(body), { 'Content-Encoding': 'br' })],
    ['charset=utf-16le', raw('POST /mcp HTTP/1.1', Buffer.from(body, 'utf16le'), { 'Content-Type': 'application/json; charset=utf-16le' })],
    ['a UTF-8 BOM', raw('POST /mcp HTTP/1.1', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]), { 'Content-Type': 'application/json' })],
    ['Content-Type text/plain', raw('POST /mcp HTTP/1.1', body, { 'Content-Type': 'text/plain' })],
    ['no Content-Type', raw('POST /mcp HTTP/1.1', body)],
    ['a duplicate "name" (JSON.parse keeps the last)', raw('POST /mcp HTTP/1.1', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_customer","name":"delete_customer"}}')],
    ['an absolute-form target', raw('POST http://h/mcp?x=1 HTTP/1.1', body)],
    ['a trailing slash and qs brackets', raw('GET /api/v2/customers/?limit[]=100000&limit=5&q[a]=1 HTTP/1.1', '')],
    ['a "%"-encoded path and query', raw('GET /api/%63ustomers?lim%69t=1+2 HTTP/1.1', '')],
    ['a ";" in the query', raw('GET /x?limit=5;limit=100000 HTTP/1.1', '')],
    ['two Host headers (Node reads the first)', raw('GET /x HTTP/1.1', '', { Host: 'other' })],
  ];
  for (const [what, bytes] of accepted) {
    it(`${what}: Node runs it, and the same call is judged`, async () => {
      const r = await send(bytes);
      expect(r.status, 'Node accepts it').to.match(/ 200 /);
      agree(r.seen!, judged(bytes));
    });
  }

  it('where servers disagree the judgement carries a problem (the duplicate key, the second Host)', async () => {
    const dup = accepted.find(([w]) => w.startsWith('a duplicate'))![1];
    expect(judged(dup).problem).to.equal('duplicate key "name" in params');
    expect(judged(accepted.find(([w]) => w.startsWith('two Host'))![1]).problem).to.match(/Host header given 2 times/);
    expect((await send(dup)).seen?.body).to.deep.include({ params: { name: 'delete_customer' } });
  });

  const refused: [string, Buffer][] = [
    ['bare-LF line ends (Go and h11 accept them)', Buffer.from(`POST /mcp HTTP/1.1\nHost: h\nConnection: close\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`)],
    ['a lower-case method (Go and h11 accept it)', raw('post /mcp HTTP/1.1', body)],
    ['obs-fold (Go joins the line)', Buffer.from(`POST /mcp HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)],
    ['two different Content-Lengths', Buffer.from(`POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)],
    ['charset=latin1 (body-parser only reads utf-*)', raw('POST /mcp HTTP/1.1', body, { 'Content-Type': 'application/json; charset=latin1' })],
    ["Python's NaN", raw('POST /mcp HTTP/1.1', tool('t').replace('{}', '{"limit":NaN}'))],
  ];
  for (const [what, bytes] of refused) {
    it(`${what}: Node refuses it; judged here (the tool) or a problem, never passed unread`, async () => {
      const r = await send(bytes);
      expect(r.seen, 'Node did not run it').to.equal(undefined);
      const ours = judged(bytes);
      const tools = ours.calls.filter((c) => c.kind === 'mcp');
      expect(ours.problem !== undefined || tools.length > 0, JSON.stringify(ours)).to.equal(true);
    });
  }
});
