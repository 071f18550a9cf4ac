/**
 * ConnStreams.push: what one held write completes on its connection (request
 * streams, raw JSON bodies whose headers went out earlier, chunk framing
 * without headers, bounds). Served responses and event streams: calls-sse.
 */
import { expect } from 'chai';
import { ConnStreams, jsonUnfinished, stripChunkFraming } from '../../../node-agent/src/calls/streams.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function toolCall(name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
}

function post(body: string): string {
  return `POST /mcp HTTP/1.1\r\nHost: mcp.example.com:8080\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function chunked(body: string, size = 16): string {
  const buf = b(body);
  let out = '';
  for (let i = 0; i < buf.length; i += size) {
    const part = buf.subarray(i, i + size);
    out += `${part.length.toString(16)}\r\n${part.toString('utf8')}\r\n`;
  }
  return `${out}0\r\n\r\n`;
}

describe('calls/streams: ConnStreams.push (requests)', () => {
  it('a complete request in one write: its calls, not incomplete', () => {
    const a = new ConnStreams().push('c', b(post(toolCall('get_customer', { id: 7 }))));
    expect(a).to.deep.equal({ calls: [{ kind: 'http', method: 'POST', target: '/mcp', host: 'mcp.example.com:8080' }, { kind: 'mcp', tool: 'get_customer', arguments: { id: 7 }, host: 'mcp.example.com:8080' }], incomplete: false });
  });

  it('a request completed over writes: incomplete with pendingHead, then its calls', () => {
    const s = new ConnStreams();
    const raw = b(post(toolCall('delete_customer', { id: 7 })));
    const headEnd = raw.indexOf('\r\n\r\n') + 4;
    const a1 = s.push('c', raw.subarray(0, headEnd - 6));
    expect(a1.incomplete).to.equal(true);
    expect(a1.calls).to.deep.equal([]);
    expect(a1.pendingHead, 'headers not complete').to.equal(undefined);
    const a2 = s.push('c', raw.subarray(headEnd - 6, headEnd + 20));
    expect(a2.incomplete).to.equal(true);
    expect(a2.calls).to.deep.equal([]);
    expect(a2.problem).to.equal(undefined);
    expect(a2.pendingHead?.method).to.equal('POST');
    expect(a2.pendingHead?.target).to.equal('/mcp');
    expect(a2.pendingHead?.headers.get('content-type')).to.equal('application/json');
    const a3 = s.push('c', raw.subarray(headEnd + 20));
    expect(a3.incomplete).to.equal(false);
    expect(a3.pendingHead).to.equal(undefined);
    expect(a3.calls.map((c) => (c.kind === 'mcp' ? c.tool : c.kind))).to.deep.equal(['http', 'delete_customer']);
    // The stream is done: the next write starts a new request.
    const a4 = s.push('c', b('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(a4).to.deep.equal({ calls: [{ kind: 'http', method: 'GET', target: '/x', host: 'h' }], incomplete: false });
  });

  it('a complete request followed by the start of the next: the calls, and incomplete', () => {
    const s = new ConnStreams();
    const a = s.push('c', b(post(toolCall('a')) + 'POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Length: 99\r\n\r\n{'));
    expect(a.calls.map((c) => (c.kind === 'mcp' ? c.tool : c.kind))).to.deep.equal(['http', 'a']);
    expect(a.incomplete).to.equal(true);
    expect(a.pendingHead?.headers.get('content-length')).to.equal('99');
  });

  // Was a bug (fixed): RFC 9112 §2.2: a server SHOULD ignore an empty line (CRLF) before a request line, and some clients
  // send one after a POST body. RequestStream keeps it as a pending request, so the write is reported
  // incomplete (HoldManager then never judges the calls completed in that write: the tools/call passes) and the
  // next request on the connection fails as an unparsable request line.
  it('an empty line after a complete request is ignored: not incomplete, and the next request parses', () => {
    const s = new ConnStreams();
    const a1 = s.push('c', b(post(toolCall('delete_customer')) + '\r\n'));
    expect(a1.calls.map((c) => c.kind)).to.deep.equal(['http', 'mcp']);
    expect(a1.incomplete).to.equal(false);
    const a2 = s.push('c', b('GET /x HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(a2.problem).to.equal(undefined);
    expect(a2.calls).to.deep.equal([{ kind: 'http', method: 'GET', target: '/x', host: 'h' }]);
  });

  it('unparsable HTTP is a problem and the connection is forgotten', () => {
    const s = new ConnStreams();
    const a = s.push('c', b('POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n'));
    expect(a.incomplete).to.equal(false);
    expect(a.calls).to.deep.equal([]);
    expect(a.problem).to.match(/^unparsable HTTP: bad content-length/);
    expect(s.push('c', b(toolCall('t'))).calls, 'fresh state').to.have.length(1);
  });

  it('a raw JSON body after headers were sent earlier: judged with the host given', () => {
    const a = new ConnStreams().push('c', b(toolCall('get_customer', { id: 1 })), 'mcp.example.com');
    expect(a.calls).to.deep.equal([{ kind: 'mcp', tool: 'get_customer', arguments: { id: 1 }, host: 'mcp.example.com' }]);
    expect(a.incomplete).to.equal(false);
    expect(a.problem).to.equal(undefined);
  });

  it('a raw JSON body over several writes: incomplete with the text so far, then the calls', () => {
    const s = new ConnStreams();
    const body = toolCall('delete_customer', { reason: 'a "quoted" } brace' });
    const a1 = s.push('c', b(body.slice(0, 60)));
    expect(a1).to.deep.equal({ calls: [], incomplete: true, partialText: body.slice(0, 60) });
    const a2 = s.push('c', b(body.slice(60, 90)));
    expect(a2.incomplete).to.equal(true);
    expect(a2.partialText).to.equal(body.slice(0, 90));
    const a3 = s.push('c', b(body.slice(90)));
    expect(a3.incomplete).to.equal(false);
    expect(a3.calls).to.deep.equal([{ kind: 'mcp', tool: 'delete_customer', arguments: { reason: 'a "quoted" } brace' } }]);
  });

  it('a raw body that is not JSON and not unfinished is a problem', () => {
    const a = new ConnStreams().push('c', b('"arguments":{}}}'));
    expect(a.incomplete).to.equal(false);
    expect(a.problem).to.match(/not JSON/);
  });

  it('a chunk-framed body without headers: framing stripped, over writes too', () => {
    const body = toolCall('get_customer', { id: 42 });
    const framed = chunked(body);
    expect(new ConnStreams().push('c', b(framed)).calls).to.deep.equal([{ kind: 'mcp', tool: 'get_customer', arguments: { id: 42 } }]);
    const s = new ConnStreams();
    const cut = framed.length - 30;
    const a1 = s.push('c', b(framed.slice(0, cut)));
    expect(a1.incomplete).to.equal(true);
    expect(a1.partialText?.startsWith('{"jsonrpc"')).to.equal(true);
    const a2 = s.push('c', b(framed.slice(cut)));
    expect(a2.incomplete).to.equal(false);
    expect(a2.calls).to.have.length(1);
  });

  // Was a bug (fixed): stripChunkFraming worked on the UTF-8-decoded string and takes `size` UTF-16 code units per chunk, but
  // chunk sizes count bytes: a chunk holding non-ASCII text swallows the framing after it, and a legitimate
  // tools/call with, e.g., "café" in its arguments is judged "not JSON" (blocked); in event data the message is
  // silently not read.
  it('a chunk-framed body with multi-byte UTF-8 is unframed by bytes', () => {
    const body = toolCall('get_customer', { note: 'café, ünïcødé' });
    expect(stripChunkFraming(chunked(body, 20))).to.equal(body);
    const a = new ConnStreams().push('c', b(chunked(body, 20)));
    expect(a.problem).to.equal(undefined);
    expect(a.calls).to.have.length(1);
  });

  it('a JSON message over 4 MiB is a problem and the connection is forgotten', () => {
    const s = new ConnStreams();
    const start = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"x":"';
    expect(s.push('c', b(start + 'x'.repeat(3 * 1024 * 1024))).incomplete).to.equal(true);
    const a = s.push('c', b('x'.repeat(1024 * 1024 + 10)));
    expect(a).to.deep.equal({ calls: [], problem: 'JSON-RPC message larger than 4 MiB', incomplete: false });
    // Forgotten: the tail is read on its own.
    expect(s.push('c', b('x}}}')).problem).to.match(/not JSON/);
  });

  it('connections are kept apart', () => {
    const s = new ConnStreams();
    const body = toolCall('a');
    expect(s.push('c1', b(body.slice(0, 20))).incomplete).to.equal(true);
    expect(s.push('c2', b(toolCall('b'))).calls.map((c) => c.kind === 'mcp' && c.tool)).to.deep.equal(['b']);
    expect(s.push('c1', b(body.slice(20))).calls.map((c) => c.kind === 'mcp' && c.tool)).to.deep.equal(['a']);
  });

  it('bounded: past max connections the least recently used is forgotten', () => {
    const s = new ConnStreams(2);
    const body = toolCall('a');
    const head = body.slice(0, 22); // '{"jsonrpc":"2.0","id":'
    const tail = body.slice(22); // alone: more closing brackets than opening ones
    s.push('c1', b(head));
    s.push('c2', b(head));
    s.push('c1', b('')); // c1 used again: c2 is now the oldest
    s.push('c3', b(head)); // forgets c2
    expect(s.push('c1', b(tail)).calls, 'c1 kept').to.have.length(1);
    const forgotten = s.push('c2', b(tail));
    expect(forgotten.calls).to.deep.equal([]);
    expect(forgotten.problem, 'c2 forgotten: its tail alone is not JSON').to.match(/not JSON/);
  });

  it('forget drops a connection', () => {
    const s = new ConnStreams();
    const body = toolCall('a');
    s.push('c', b(body.slice(0, 22)));
    s.forget('c');
    expect(s.push('c', b(body.slice(22))).problem).to.match(/not JSON/);
  });
});

describe('calls/streams: stripChunkFraming, jsonUnfinished', () => {
  it('stripChunkFraming: sizes in hex, the terminating chunk, text without framing unchanged', () => {
    expect(stripChunkFraming('3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n')).to.equal('abc0123456789');
    expect(stripChunkFraming('{"a":1}')).to.equal('{"a":1}');
    expect(stripChunkFraming('5\r\nab'), 'an unfinished chunk').to.equal('ab');
    expect(stripChunkFraming('3\r\nabc\r\n'), 'the next size not written yet').to.equal('abc');
  });

  it('jsonUnfinished: brackets outside strings, escapes, an open string', () => {
    expect(jsonUnfinished('{"a":[1,2]}')).to.equal(false);
    expect(jsonUnfinished('{"a":[1,2]')).to.equal(true);
    expect(jsonUnfinished('{"a":"}]"')).to.equal(true);
    expect(jsonUnfinished('{"a":"x\\"}"}')).to.equal(false);
    expect(jsonUnfinished('{"a":"x\\"')).to.equal(true);
    expect(jsonUnfinished('}}')).to.equal(false);
    expect(jsonUnfinished('')).to.equal(false);
  });
});
