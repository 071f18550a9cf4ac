import { expect } from 'chai';
import { H2_PREFACE, H2Connection, H2Error, h2StreamRefusePatch } from '../../../node-agent/src/calls/h2.js';
import { HpackDecoder, HpackError, huffmanDecode } from '../../../node-agent/src/calls/hpack.js';
import { ConnStreams } from '../../../node-agent/src/calls/streams.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function frame(type: number, flags: number, id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
}

// RFC 7541 C.4.1-C.4.3: three requests, Huffman-coded, sharing the dynamic table.
const C41 = hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff');
const C42 = hex('8286 84be 5886 a8eb 1064 9cbf');
const C43 = hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf');

describe('node-agent: HPACK (RFC 7541)', () => {
  it('decodes the RFC C.4 requests in order, the dynamic table carried between them', () => {
    const d = new HpackDecoder();
    expect(d.decode(C41)).to.deep.equal([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]);
    expect(d.decode(C42)).to.deep.include.members([['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
    expect(d.decode(C43)).to.deep.include.members([[':path', '/index.html'], ['custom-key', 'custom-value'], [':authority', 'www.example.com']]);
  });

  it('refuses what a conforming decoder refuses: index 0, an unknown dynamic index, bad Huffman padding, a truncated string', () => {
    expect(() => new HpackDecoder().decode(hex('80'))).to.throw(HpackError);
    expect(() => new HpackDecoder().decode(hex('be'))).to.throw(HpackError, /not in the table/);
    expect(() => huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4fe'))).to.throw(HpackError);
    expect(() => new HpackDecoder().decode(hex('4188f1e3'))).to.throw(HpackError);
  });

  it('a header block the decoder did not see leaves later references unreadable (fail closed, not a guess)', () => {
    const d = new HpackDecoder();
    expect(() => d.decode(C42)).to.throw(HpackError);
  });
});

describe('node-agent: HTTP/2 requests (RFC 9113)', () => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_customer', arguments: {} } }));
  // POST /mcp: :method POST (0x83), :scheme https (0x87), :path "/mcp" literal (0x44 04 "/mcp"), :authority literal.
  const head = Buffer.concat([hex('8387'), Buffer.from([0x44, 4]), Buffer.from('/mcp'), Buffer.from([0x41, 9]), Buffer.from('127.0.0.1')]);

  it('a request over several writes: route at HEADERS, body at END_STREAM, with the :method offset in its write', () => {
    const c = new H2Connection();
    const settings = frame(4, 0, 0, Buffer.alloc(0));
    expect(c.push(Buffer.concat([H2_PREFACE, settings])).started).to.deep.equal([]);
    const hw = frame(1, 4, 1, head);
    const r1 = c.push(hw);
    expect(r1.started.map((s) => [s.head.method, s.head.path, s.head.host, s.complete])).to.deep.equal([['POST', '/mcp', '127.0.0.1', false]]);
    expect(r1.started[0]?.methodAt).to.equal(9);
    expect(r1.frameStart).to.equal(true);
    const data = frame(0, 1, 1, body);
    const r2 = c.push(data.subarray(0, 20));
    expect(r2.requests).to.deep.equal([]);
    const r3 = c.push(data.subarray(20));
    expect(r3.frameStart).to.equal(false);
    expect(r3.requests.map((q) => q.body.toString())).to.deep.equal([body.toString()]);
    // The refusal patch turns the one-byte :method into a field that is no pseudo-header.
    const p = h2StreamRefusePatch(9);
    expect(p.bytes[0]).to.equal(0x90);
  });

  it('judged through the connection streams: the tool call is found in the DATA frame', () => {
    const s = new ConnStreams();
    s.push('k', Buffer.concat([H2_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    const a1 = s.push('k', frame(1, 4, 1, head));
    expect(a1.calls.map((c) => c.kind)).to.deep.equal(['http']);
    const a2 = s.push('k', frame(0, 1, 1, body));
    expect(a2.calls).to.deep.equal([{ kind: 'mcp', tool: 'delete_customer', arguments: {}, host: '127.0.0.1' }]);
    expect(s.isFramed('k')).to.equal(true);
  });

  it('a new connection under a reused key starts over at its preface', () => {
    const s = new ConnStreams();
    s.push('k', Buffer.concat([H2_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    s.push('k', frame(0, 0, 1, Buffer.alloc(0)).subarray(0, 4)); // a frame left unfinished
    s.push('k', Buffer.concat([H2_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    expect(s.push('k', frame(1, 5, 1, head)).calls.map((c) => c.kind)).to.deep.equal(['http']);
  });

  // content-length: literal without indexing, static name 28 (0x0f 0x0d: 15 + 13), then the value.
  const withLength = (n: string): Buffer => Buffer.concat([head, Buffer.from([0x0f, 0x0d, n.length]), Buffer.from(n)]);

  it('a body whole by its content-length is judged in the write that holds it, before an END_STREAM of its own (Python h2)', () => {
    const c = new H2Connection();
    c.push(Buffer.concat([H2_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    c.push(frame(1, 4, 1, withLength(String(body.length))));
    const r = c.push(frame(0, 0, 1, body));
    expect(r.requests.map((q) => [q.headers.get('content-length'), q.body.toString()])).to.deep.equal([[String(body.length), body.toString()]]);
    expect(c.incomplete, 'the stream waits for its END_STREAM').to.equal(true);
    expect(c.push(frame(0, 1, 1, Buffer.alloc(0))).requests, 'not judged twice').to.deep.equal([]);
    expect(c.incomplete).to.equal(false);
    // Through the connection streams: the call is seen at the body's write.
    const s = new ConnStreams();
    s.push('k', Buffer.concat([H2_PREFACE, frame(4, 0, 0, Buffer.alloc(0))]));
    s.push('k', frame(1, 4, 1, withLength(String(body.length))));
    expect(s.push('k', frame(0, 0, 1, body)).calls).to.deep.equal([{ kind: 'mcp', tool: 'delete_customer', arguments: {}, host: '127.0.0.1' }]);
    expect(s.push('k', frame(0, 1, 1, Buffer.alloc(0))).calls).to.deep.equal([]);
  });

  it('refuses data past the content-length (a request judged already may not grow), and a body longer than it', () => {
    const c = new H2Connection();
    c.push(Buffer.concat([H2_PREFACE, frame(1, 4, 1, withLength(String(body.length)))]));
    c.push(frame(0, 0, 1, body));
    expect(() => c.push(frame(0, 1, 1, Buffer.from(' ')))).to.throw(H2Error, /past its content-length/);
    const d = new H2Connection();
    d.push(Buffer.concat([H2_PREFACE, frame(1, 4, 1, withLength('10'))]));
    expect(() => d.push(frame(0, 1, 1, body))).to.throw(H2Error, /longer than its content-length/);
    // Without a usable content-length the request is complete at END_STREAM, as before.
    const e = new H2Connection();
    e.push(Buffer.concat([H2_PREFACE, frame(1, 4, 1, withLength('1x'))]));
    expect(e.push(frame(0, 0, 1, body)).requests).to.deep.equal([]);
    expect(e.push(frame(0, 1, 1, Buffer.alloc(0))).requests.map((q) => q.body.toString())).to.deep.equal([body.toString()]);
  });

  it('refuses what servers refuse, and every later write of that connection', () => {
    const bad: [string, Buffer][] = [
      ['DATA before HEADERS', frame(0, 1, 1, body)],
      ['HEADERS on stream 0', frame(1, 5, 0, head)],
      ['PUSH_PROMISE from a client', frame(5, 4, 1, Buffer.alloc(4))],
      ['a frame inside a header block', Buffer.concat([frame(1, 0, 1, head), frame(0, 1, 1, body)])],
      ['a request without :method', frame(1, 5, 1, hex('87 8441 8cf1e3c2e5f23a6ba0ab90f4ff'))],
    ];
    for (const [what, bytes] of bad) {
      const c = new H2Connection();
      c.push(H2_PREFACE);
      expect(() => c.push(bytes), what).to.throw(H2Error);
      const s = new ConnStreams();
      s.push('k', H2_PREFACE);
      expect(s.push('k', bytes).problem, what).to.match(/HTTP\/2/);
      expect(s.push('k', frame(1, 5, 3, head)).problem, what).to.match(/refused earlier/);
    }
  });
});
