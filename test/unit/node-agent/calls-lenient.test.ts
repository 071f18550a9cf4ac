/**
 * Issue 14, "parse like the most lenient server, deny the ambiguous": the
 * request head read as Go net/http, h11 and Node's llhttp read it (bare LF,
 * leading empty lines, any token method, absolute-form targets, trailers),
 * and every form servers read differently turned into a problem that names
 * it (judged fail closed by holds.ts).
 */
import { expect } from 'chai';
import { bodyMayCarryCalls, HttpAmbiguityError, HttpParseError, RequestStream, startsWithRequestLine, type HttpRequest } from '../../../node-agent/src/calls/http.js';
import { ConnStreams } from '../../../node-agent/src/calls/streams.js';
import { policyRequest, type Call } from '../../../node-agent/src/calls/classify.js';
import { parseRequest } from '../../../core/policy/request.js';
import { looksLikeSse, parseSse } from '../../../node-agent/src/calls/sse.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const tool = (name: string): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

function one(raw: string): HttpRequest {
  const reqs = new RequestStream().push(b(raw));
  expect(reqs, 'one complete request').to.have.length(1);
  return reqs[0]!;
}

function shown(calls: readonly Call[]): string[] {
  return calls.map((c) => (c.kind === 'mcp' ? `tools/call ${c.tool}` : c.kind === 'a2a' ? c.method : `${c.method} ${c.target} @${c.host}`));
}

describe('calls/http: read as the most lenient server reads it', () => {
  it('bare-LF line ends (Go, h11) and mixed CRLF/LF: the request and its body', () => {
    const body = tool('delete_customer');
    const r = one(`POST /mcp HTTP/1.1\nHost: h\r\nContent-Length: ${body.length}\n\r\n${body}`);
    expect([r.method, r.path, r.host, r.body.toString()]).to.deep.equal(['POST', '/mcp', 'h', body]);
    expect(r.ambiguity).to.equal(undefined);
  });

  it('empty lines (CR, LF, CRLF) before a request line are skipped, between pipelined requests too', () => {
    const s = new RequestStream();
    const reqs = s.push(b('\r\n\n\rGET /a HTTP/1.1\r\n\r\n\n\nGET /b HTTP/1.1\n\n'));
    expect(reqs.map((r) => r.path)).to.deep.equal(['/a', '/b']);
    expect(s.pending).to.equal(0);
  });

  it('any token method, case kept; upper-case unknown methods are not ambiguous', () => {
    expect(one('PURGE /x HTTP/1.1\r\n\r\n')).to.deep.include({ method: 'PURGE' });
    expect(one('PURGE /x HTTP/1.1\r\n\r\n').ambiguity).to.equal(undefined);
    expect(one('M-SEARCH * HTTP/1.1\r\n\r\n').ambiguity).to.match(/not a path/);
    const lower = one('post /mcp HTTP/1.1\r\n\r\n');
    expect(lower.method).to.equal('post');
    expect(lower.ambiguity).to.equal('method "post" is not upper case (Go and h11 run it as another method, Node refuses it, policies name methods in upper case)');
  });

  it('absolute-form targets: the authority is the host (userinfo and case dropped), the path is after it', () => {
    const r = one('POST HTTP://user@API.Example:8443/mcp/?a=1 HTTP/1.1\r\nHost: api.example\r\n\r\n');
    expect([r.host, r.path, r.query, r.target]).to.deep.equal(['api.example:8443', '/mcp/', 'a=1', 'HTTP://user@API.Example:8443/mcp/?a=1']);
    expect(r.ambiguity, 'same host, another port spelling').to.equal(undefined);
    expect(one('GET http://h HTTP/1.1\r\n\r\n')).to.deep.include({ path: '/', query: '', host: 'h' });
    expect(one('GET http://h?x=1 HTTP/1.1\r\n\r\n')).to.deep.include({ path: '/', query: 'x=1' });
    // The policy side reads the same target the same way.
    const p = parseRequest(policyRequest({ kind: 'http', method: 'POST', target: r.target, host: r.host }));
    expect('error' in p ? p.error : [p.path, p.query, p.target.host]).to.deep.equal(['/mcp', { a: '1' }, 'api.example']);
  });

  it('an absolute-form host that contradicts the Host header is ambiguous', () => {
    expect(one('GET http://admin.internal/x HTTP/1.1\r\nHost: public.example\r\n\r\n').ambiguity)
      .to.match(/names host "admin.internal" but the Host header says "public.example"/);
  });

  it('a fragment is ambiguous (Go keeps "#..." in the path or query, Node drops it), in the path or after the query', () => {
    for (const target of ['/mcp#x', '/api?limit=1#0000']) {
      const r = one(`GET ${target} HTTP/1.1\r\n\r\n`);
      expect(r.ambiguity, target).to.match(/has a fragment/);
    }
    expect(one('GET /api?limit=1#0 HTTP/1.1\r\n\r\n').query, 'the query as Node reads it').to.equal('limit=1');
  });

  it('two Host headers are ambiguous; one is the host', () => {
    expect(one('GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n').ambiguity).to.match(/Host header given 2 times/);
    expect(one('GET / HTTP/1.1\r\nHost: a\r\n\r\n').host).to.equal('a');
  });

  it('targets no server reads as a request (a relative path, a control byte) are ambiguous', () => {
    expect(one('GET mcp HTTP/1.1\r\n\r\n').ambiguity).to.match(/is not a path, an absolute URL/);
    expect(one('GET /a\x01b HTTP/1.1\r\n\r\n').ambiguity).to.match(/control byte/);
    expect(one('CONNECT api.example:443 HTTP/1.1\r\n\r\n').ambiguity, 'authority form for CONNECT').to.equal(undefined);
  });

  it('chunked bodies: bare-LF framing, "Chunked" in any case, trailers, then the next request', () => {
    const body = tool('x');
    const s = new RequestStream();
    const reqs = s.push(b(`POST /mcp HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n${body.length.toString(16)}\n${body}\n0\r\nX-Trailer: 1\r\n\r\nGET /next HTTP/1.1\r\n\r\n`));
    expect(reqs.map((r) => [r.path, r.body.toString()])).to.deep.equal([['/mcp', body], ['/next', '']]);
  });

  it('chunk framing no server reads: a size with a prefix, data not followed by a line end, a malformed trailer', () => {
    const head = 'POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(() => new RequestStream().push(b(`${head}0x3\r\nabc\r\n0\r\n\r\n`))).to.throw(HttpParseError, /chunk size/);
    expect(() => new RequestStream().push(b(`${head}3\r\nabcd\r\n0\r\n\r\n`))).to.throw(HttpParseError, /line end/);
    expect(() => new RequestStream().push(b(`${head}0\r\nno colon\r\n\r\n`))).to.throw(HttpParseError, /trailer/);
  });

  it('startsWithRequestLine: empty lines first, any method token, absolute-form and CONNECT targets', () => {
    for (const s of ['\r\nPOST /mcp', '\npatch /x', 'POST http://h/mcp', 'OPTIONS * HTTP/1.1', 'CONNECT h:443 HTTP/1.1']) {
      expect(startsWithRequestLine(b(s)), s).to.equal(true);
    }
    for (const s of ['{"jsonrpc":"2.0"}', '  {"a":1}', 'HTTP/1.1 200 OK', 'data: {}', '1a\r\n{"a"']) {
      expect(startsWithRequestLine(b(s)), s).to.equal(false);
    }
  });

  it('bodyMayCarryCalls: any announced body, whatever its Content-Type', () => {
    const s = new RequestStream();
    s.push(b('POST /x HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n{'));
    expect(bodyMayCarryCalls(s.pendingHead()!)).to.equal(true);
    expect(bodyMayCarryCalls(one('GET /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n'))).to.equal(false);
  });
});

describe('calls/http: heads servers frame differently (HttpAmbiguityError)', () => {
  const rows: [string, string, RegExp][] = [
    ['obs-fold', 'GET / HTTP/1.1\r\nX-A: 1\r\n Content-Length: 5\r\n\r\n', /starts with whitespace \(obs-fold/],
    ['tab fold', 'GET / HTTP/1.1\r\nX-A: 1\r\n\tmore\r\n\r\n', /obs-fold/],
    ['space before colon', 'POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello', /whitespace between the header name "Content-Length" and its colon/],
    ['two Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', /Content-Length given 2 times with different values \("5", "6"\)/],
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /both Content-Length and Transfer-Encoding/],
    ['gzip, chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', /Transfer-Encoding "gzip, chunked"/],
    ['chunked twice', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /only "chunked", once/],
    ['identity', 'POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n', /Transfer-Encoding "identity"/],
    ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /HTTP\/1\.0/],
    ['bare CR in a value', 'GET / HTTP/1.1\r\nX-A: 1\rContent-Length: 5\r\n\r\n', /control byte \(e\.g\. a bare CR\)/],
    ['NUL in a value', 'GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n', /control byte/],
  ];
  for (const [what, raw, want] of rows) {
    it(what, () => {
      expect(() => new RequestStream().push(b(raw))).to.throw(HttpAmbiguityError, want);
      const a = new ConnStreams().push('c', b(raw));
      expect(a.problem, 'reported by ConnStreams').to.match(/^ambiguous HTTP request: /);
      expect(a.incomplete).to.equal(false);
    });
  }

  it('the same Content-Length twice frames the body one way (Go accepts it): not ambiguous', () => {
    expect(one('POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}').body.toString()).to.equal('{}');
  });

  it('Content-Length forms Number() accepts but servers do not (hex, exponent, sign) are refused', () => {
    for (const v of ['0x10', '1e1', '+5', ' ']) {
      expect(() => new RequestStream().push(b(`POST / HTTP/1.1\r\nContent-Length: ${v}\r\n\r\n`)), v).to.throw(HttpParseError, /content-length/);
    }
    expect(one('POST / HTTP/1.1\r\nContent-Length: 002\r\n\r\n{}').body.toString(), 'leading zeros: Go and Node read 2').to.equal('{}');
  });
});

describe('calls/streams: head ambiguities are judged at once', () => {
  it('a complete request: its calls are reported with the problem', () => {
    const body = tool('delete_customer');
    const a = new ConnStreams().push('c', b(`post /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    expect(shown(a.calls)).to.deep.equal(['post /mcp @h', 'tools/call delete_customer']);
    expect(a.problem).to.match(/^method "post" is not upper case/);
  });

  it('a head whose body is still to come: the problem now, before the body', () => {
    const s = new ConnStreams();
    const a = s.push('c', b('POST /mcp#frag HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{"jsonrpc"'));
    expect(a.incomplete).to.equal(true);
    expect(a.calls).to.deep.equal([]);
    expect(a.problem).to.match(/has a fragment/);
    expect(a.pendingHead?.target).to.equal('/mcp#frag');
  });

  it('an absolute-form request is judged with the authority as its host', () => {
    const a = new ConnStreams().push('c', b('GET http://api.example/api/v2/customers?limit=100000 HTTP/1.1\r\n\r\n'));
    expect(a.problem).to.equal(undefined);
    expect(shown(a.calls)).to.deep.equal(['GET http://api.example/api/v2/customers?limit=100000 @api.example']);
  });
});

describe('calls/sse: a leading BOM (WHATWG skips it)', () => {
  it('an event stream that starts with a BOM is still an event stream, and its request is judged', () => {
    const text = `\uFEFFdata: ${tool('delete_customer')}\n\n`;
    expect(looksLikeSse(text)).to.equal(true);
    expect(parseSse(text).events.map((e) => e.event)).to.deep.equal(['message']);
    const a = new ConnStreams().push('c', Buffer.from(text));
    expect(shown(a.calls)).to.deep.equal(['tools/call delete_customer']);
  });
});
