/**
 * Server-Sent Events: the event-stream parser (WHATWG rules) and what a pod
 * that serves writes (HTTP responses, event streams) as ConnStreams judges it.
 */
import { expect } from 'chai';
import { looksLikeSse, parseSse } from '../../../node-agent/src/calls/sse.js';
import { ConnStreams } from '../../../node-agent/src/calls/streams.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const SAMPLING = JSON.stringify({ jsonrpc: '2.0', id: 's1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 10 } });
const RESULT = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'ok' }] } });
const TOOLS_CALL = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_customer', arguments: { id: 3 } } });

function chunked(body: string): string {
  // One chunk per event-ish piece, sizes in bytes (the bodies here are ASCII).
  const parts = body.split(/(?<=\n\n)/);
  return parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('');
}

function sseHead(extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`;
}

describe('calls/sse: parseSse, looksLikeSse', () => {
  it('LF, CRLF and CR line ends', () => {
    for (const nl of ['\n', '\r\n']) {
      const p = parseSse(`data: a${nl}${nl}data: b${nl}${nl}`);
      expect(p.events.map((e) => e.data), JSON.stringify(nl)).to.deep.equal(['a', 'b']);
      expect(p.rest).to.equal('');
    }
    const cr = parseSse('data: a\r\rdata: b\r\r: next\r');
    expect(cr.events.map((e) => e.data)).to.deep.equal(['a', 'b']);
    const mixed = parseSse('data: a\r\ndata: b\ndata: c\r\n\n');
    expect(mixed.events.map((e) => e.data)).to.deep.equal(['a\nb\nc']);
  });

  it('comments are ignored; an event of comments only dispatches nothing', () => {
    const p = parseSse(': keep-alive\n\n:another\ndata: x\n: inside\n\n');
    expect(p.events).to.deep.equal([{ event: 'message', data: 'x' }]);
    expect(p.rest).to.equal('');
  });

  it('multi-line data is joined by \\n; one optional space after the colon is dropped', () => {
    const p = parseSse('data:{"a":\ndata:  1}\ndata\n\n');
    expect(p.events).to.have.length(1);
    expect(p.events[0]!.data).to.equal('{"a":\n 1}\n');
    expect(parseSse('data:x\n\n').events[0]!.data).to.equal('x');
    expect(parseSse('data: x \n\n').events[0]!.data, 'trailing space kept').to.equal('x ');
    expect(parseSse('data: a:b\n\n').events[0]!.data, 'only the first colon separates').to.equal('a:b');
  });

  it('event and id fields; retry and unknown fields are ignored; an id with NUL is ignored', () => {
    const p = parseSse('event: endpoint\nid: 42\nretry: 1000\nfoo: bar\ndata: /messages?s=1\n\ndata: plain\n\nid: a\0b\ndata: z\n\n');
    expect(p.events).to.deep.equal([
      { event: 'endpoint', data: '/messages?s=1', id: '42' },
      { event: 'message', data: 'plain' },
      { event: 'message', data: 'z' },
    ]);
  });

  it('an event without data dispatches nothing (and its fields do not leak into the next)', () => {
    const p = parseSse('event: ping\nid: 1\n\ndata: x\n\n');
    expect(p.events).to.deep.equal([{ event: 'message', data: 'x' }]);
    expect(parseSse('event: ping\n\n').events).to.deep.equal([]);
  });

  it('an empty data field is an event with empty data', () => {
    expect(parseSse('data:\n\n').events).to.deep.equal([{ event: 'message', data: '' }]);
  });

  it('rest holds an unfinished event (from its first line)', () => {
    const p = parseSse('data: one\n\nevent: x\ndata: {"partial":');
    expect(p.events.map((e) => e.data)).to.deep.equal(['one']);
    expect(p.rest).to.equal('event: x\ndata: {"partial":');
    const noBlank = parseSse('data: two\n');
    expect(noBlank.events).to.deep.equal([]);
    expect(noBlank.rest).to.equal('data: two\n');
  });

  it('a trailing lone CR is not taken as a line end (it may be half of a CRLF)', () => {
    const p = parseSse('data: a\r\n\r');
    expect(p.events).to.deep.equal([]);
    expect(p.rest).to.equal('data: a\r\n\r');
    expect(parseSse('data: a\r\n\r\n').events.map((e) => e.data)).to.deep.equal(['a']);
    expect(parseSse('data: a\r\r').events, 'CR CR at the very end: the second CR waits').to.deep.equal([]);
  });

  it('looksLikeSse: a field line or a comment first; JSON, request lines and prose are not', () => {
    for (const t of ['data: {}\n\n', 'event: message\n', 'id: 1\n', 'retry: 5\n', ': comment\n', 'data\n', 'data:x']) expect(looksLikeSse(t), JSON.stringify(t)).to.equal(true);
    for (const t of ['{"jsonrpc":"2.0"}', '[{}]', 'POST /mcp HTTP/1.1\r\n', 'database: x\n', 'ids: 1\n', ' data: x\n', '\ndata: x\n', '']) expect(looksLikeSse(t), JSON.stringify(t)).to.equal(false);
  });
});

describe('calls/streams: what a pod that serves writes (responses, SSE)', () => {
  it('an event-stream response (head + chunked events): a server->client request and a result are no calls', () => {
    const a = new ConnStreams().push('c', b(sseHead() + chunked(`event: message\ndata: ${SAMPLING}\n\n: ping\n\ndata: ${RESULT}\n\n`)));
    expect(a).to.deep.equal({ calls: [], incomplete: false });
  });

  it('event data carrying a tools/call is judged as an MCP call', () => {
    const a = new ConnStreams().push('c', b(sseHead() + chunked(`data: ${RESULT}\n\ndata: ${TOOLS_CALL}\n\n`)));
    expect(a).to.deep.equal({ calls: [{ kind: 'mcp', tool: 'delete_customer', arguments: { id: 3 } }], incomplete: false });
  });

  it('event data without its head (sent in an earlier write), plain or chunk-framed: the same', () => {
    const events = `id: 9\ndata: ${TOOLS_CALL}\n\n`;
    const s = new ConnStreams();
    expect(s.push('c', b(sseHead())).calls).to.deep.equal([]);
    expect(s.push('c', b(events))).to.deep.equal({ calls: [{ kind: 'mcp', tool: 'delete_customer', arguments: { id: 3 } }], incomplete: false });
    expect(s.push('c', b(chunked(events)))).to.deep.equal({ calls: [{ kind: 'mcp', tool: 'delete_customer', arguments: { id: 3 } }], incomplete: false });
    expect(new ConnStreams().push('c2', b(`: hello\n\ndata: ${SAMPLING}\n\n`))).to.deep.equal({ calls: [], incomplete: false });
  });

  it('an A2A request in event data is judged too', () => {
    const msg = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'SendMessage', params: { message: {} } });
    expect(new ConnStreams().push('c', b(`data: ${msg}\n\n`)).calls).to.deep.equal([{ kind: 'a2a', method: 'SendMessage' }]);
  });

  it('an unfinished event without its response head is a problem (a client can forge event data mid-body); with its head it is no call', () => {
    const s = new ConnStreams();
    const a = s.push('c', b(`data: ${TOOLS_CALL.slice(0, 40)}`));
    expect(a.calls).to.deep.equal([]);
    expect(a.incomplete).to.equal(false);
    expect(a.problem).to.match(/unfinished event/);
    const withHead = new ConnStreams().push('c', b(sseHead() + `${(100).toString(16)}\r\ndata: ${TOOLS_CALL.slice(0, 40)}`));
    expect(withHead).to.deep.equal({ calls: [], incomplete: false });
  });

  it("a 'message' event whose data is not JSON, without its head, is a problem", () => {
    expect(new ConnStreams().push('c', b('data: x"}},"method":"tools/call","jsonrpc":"2.0","id":1}\n\n')).problem).to.match(/not a JSON-RPC message/);
  });

  it('event data that is not JSON is not a message', () => {
    expect(new ConnStreams().push('c', b('event: endpoint\ndata: /messages?session=1\n\n'))).to.deep.equal({ calls: [], incomplete: false });
  });

  it('a JSON response (application/json, Content-Length or chunked): a result is no call', () => {
    const body = RESULT;
    const cl = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(new ConnStreams().push('c', b(cl))).to.deep.equal({ calls: [], incomplete: false });
    const ch = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    expect(new ConnStreams().push('c', b(ch))).to.deep.equal({ calls: [], incomplete: false });
    expect(new ConnStreams().push('c', b('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n'))).to.deep.equal({ calls: [], incomplete: false });
    expect(new ConnStreams().push('c', b('HTTP/1.1 200 OK\r\nContent-Type: app'))).to.deep.equal({ calls: [], incomplete: false });
    expect(new ConnStreams().push('c', b('HTTP/1.1 500 Oops\r\nContent-Type: text/html\r\n\r\n<html>'))).to.deep.equal({ calls: [], incomplete: false });
  });

  it('a request line on the same connection afterwards is still parsed as a request', () => {
    const s = new ConnStreams();
    expect(s.push('c', b(sseHead() + chunked(`data: ${RESULT}\n\n`))).calls).to.deep.equal([]);
    const reqBody = TOOLS_CALL;
    const req = `POST /mcp HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${reqBody.length}\r\n\r\n${reqBody}`;
    const a1 = s.push('c', b(req.slice(0, req.length - 10)));
    expect(a1.incomplete).to.equal(true);
    expect(a1.pendingHead?.target).to.equal('/mcp');
    const a2 = s.push('c', b(req.slice(req.length - 10)));
    expect(a2).to.deep.equal({ calls: [{ kind: 'http', method: 'POST', target: '/mcp', host: 'h' }, { kind: 'mcp', tool: 'delete_customer', arguments: { id: 3 }, host: 'h' }], incomplete: false });
    const a3 = s.push('c', b('GET /data: HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(a3.calls).to.deep.equal([{ kind: 'http', method: 'GET', target: '/data:', host: 'h' }]);
  });

  it('a raw JSON request body is never read as SSE, even when a later write of it starts like a field', () => {
    const s = new ConnStreams();
    const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_customer","arguments":{"q":"data: x"}}}';
    const cut = body.indexOf('data: x');
    const a1 = s.push('c', b(body.slice(0, cut)));
    expect(a1.incomplete).to.equal(true);
    expect(looksLikeSse(body.slice(cut))).to.equal(true);
    const a2 = s.push('c', b(body.slice(cut)));
    expect(a2.incomplete).to.equal(false);
    expect(a2.calls).to.deep.equal([{ kind: 'mcp', tool: 'delete_customer', arguments: { q: 'data: x' } }]);
  });

  // Was a bug (fixed): on a connection with no state, any write whose first line starts with ':' is taken for an SSE
  // comment. A client can split a tools/call so that the first write (`{"params":{"name"`, no "method" or
  // "jsonrpc": the kernel lets it pass unseen) ends at a key and the second write, which carries "method" and
  // is held, starts with ':'. The agent then finds no calls and no problem and resumes it; the server joins
  // both writes into a complete tools/call. Before SSE parsing it was "not JSON" (fail closed).
  it('a JSON tail starting with ":" (no state for the connection) is not read as an SSE comment', () => {
    const tail = ':"delete_customer","arguments":{}},"jsonrpc":"2.0","id":1,"method":"tools/call"}';
    expect(JSON.parse('{"params":{"name"' + tail)).to.deep.include({ method: 'tools/call' });
    const a = new ConnStreams().push('c', b(tail));
    expect(a.problem !== undefined || a.calls.length > 0).to.equal(true);
  });

  // Was a bug (fixed): sseCalls judged only the events parseSse returns, at most MAX_EVENTS (1024) per write; the rest of
  // the write is dropped unread, so a request placed after 1024 small events is never judged.
  it('a tools/call after 1024 events in one write is still judged (or the write is a problem)', () => {
    const filler = `data: ${RESULT}\n\n`.repeat(1024);
    const a = new ConnStreams().push('c', b(filler + `data: ${TOOLS_CALL}\n\n`));
    expect(a.calls.length > 0 || a.problem !== undefined).to.equal(true);
  });

  // Was a bug (fixed): an event split across writes at a data-line boundary is read as two unrelated pieces: the first is an
  // unfinished event (released, connection not held), the second looks like SSE on its own and its data is not
  // JSON. The client joins the lines into one tools/call that was never judged.
  it('a tools/call event split across writes at a data line is judged (or held, or a problem)', () => {
    const s = new ConnStreams();
    const a1 = s.push('c', b('data: {"jsonrpc":"2.0","id":7,"method":"tools/call",\n'));
    const a2 = s.push('c', b('data: "params":{"name":"delete_customer","arguments":{}}}\n\n'));
    const judged = [a1, a2].some((a) => a.incomplete || a.problem !== undefined || a.calls.length > 0);
    expect(judged).to.equal(true);
  });
});
