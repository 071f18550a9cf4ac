/**
 * Issue 14: request bodies read as servers read them before the JSON-RPC
 * in them is judged — content codings (gzip, deflate, br, zstd), charsets
 * and BOMs, every reading compared — and JSON a server could read another
 * way (keys that clash, members in another case) judged with a problem that
 * names it.
 */
import { expect } from 'chai';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { classifyBody, classifyRequest, type Call } from '../../../node-agent/src/calls/classify.js';
import { charsetOf, contentDecode, decodeBody, MAX_DECODED_BYTES, readingsOf } from '../../../node-agent/src/calls/decode.js';
import { RequestStream } from '../../../node-agent/src/calls/http.js';
import { describeClash, keyClashes, showPath } from '../../../node-agent/src/calls/json-keys.js';
import { parseJsonRpc } from '../../../node-agent/src/calls/jsonrpc.js';
import { ConnStreams } from '../../../node-agent/src/calls/streams.js';

const tool = (name: string, args: Record<string, unknown> = {}): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

function post(body: Buffer | string, headers: Record<string, string> = {}): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.concat([Buffer.from(`POST /mcp HTTP/1.1\r\nHost: h\r\n${extra}Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

function classify(raw: Buffer): { tools: string[]; problem: string | undefined } {
  const reqs = new RequestStream().push(raw);
  expect(reqs).to.have.length(1);
  const c = classifyRequest(reqs[0]!);
  return { tools: c.calls.filter((x): x is Extract<Call, { kind: 'mcp' }> => x.kind === 'mcp').map((x) => x.tool), problem: c.problem };
}

describe('calls/decode: content codings', () => {
  const body = tool('delete_customer', { id: 7 });
  const rows: [string, Buffer][] = [
    ['gzip', gzipSync(body)],
    ['x-gzip', gzipSync(body)],
    ['deflate', deflateSync(body)],
    ['deflate', deflateRawSync(body)], // raw deflate, as some clients send it
    ['br', brotliCompressSync(body)],
    ['zstd', zstdCompressSync(body)],
    ['identity', Buffer.from(body)],
    ['GZIP', gzipSync(body)],
    ['br, gzip', gzipSync(brotliCompressSync(body))], // applied br first, then gzip: undone in reverse
  ];
  for (const [coding, bytes] of rows) {
    it(`Content-Encoding: ${coding} -> the tool call inside is judged`, () => {
      expect(classify(post(bytes, { 'Content-Encoding': coding }))).to.deep.equal({ tools: ['delete_customer'], problem: undefined });
    });
  }

  it('an unknown coding, a body that does not decode, a bomb: problems that name them', () => {
    expect(classify(post(body, { 'Content-Encoding': 'compress' })).problem).to.equal('unsupported Content-Encoding "compress"');
    expect(classify(post(body, { 'Content-Encoding': 'gzip' })).problem).to.match(/^Content-Encoding gzip: the body does not decode \(/);
    const bomb = gzipSync(Buffer.alloc(MAX_DECODED_BYTES + 1, 0x20));
    expect(bomb.length).to.be.below(64 * 1024);
    expect(classify(post(bomb, { 'Content-Encoding': 'gzip' })).problem).to.equal('Content-Encoding gzip: the body decodes to more than 16 MiB');
    expect(() => contentDecode(brotliCompressSync(Buffer.alloc(MAX_DECODED_BYTES + 1)), 'br')).to.throw(/more than 16 MiB/);
  });

  it('a non-JSON body under a coding decodes to no call; an empty body is not decoded', () => {
    expect(classify(post(gzipSync('a=b&c=d'), { 'Content-Encoding': 'gzip' }))).to.deep.equal({ tools: [], problem: undefined });
    expect(classify(post('', { 'Content-Encoding': 'gzip' }))).to.deep.equal({ tools: [], problem: undefined });
  });
});

describe('calls/decode: charsets and BOMs', () => {
  const body = tool('delete_customer', { note: 'café' });
  const bom8 = Buffer.from([0xef, 0xbb, 0xbf]);
  const le = Buffer.from(body, 'utf16le');
  const be = Buffer.from(le).swap16();
  const rows: [string, Buffer, Record<string, string>][] = [
    ['UTF-8 BOM (body-parser and Python strip it)', Buffer.concat([bom8, Buffer.from(body)]), {}],
    ['charset=utf-16le', le, { 'Content-Type': 'application/json; charset=utf-16le' }],
    ['charset="UTF-16BE"', be, { 'Content-Type': 'application/json; charset="UTF-16BE"' }],
    ['charset=utf-16 with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), { 'Content-Type': 'application/json;charset=utf-16' }],
    ['UTF-16LE without a charset (Python detects it)', le, {}],
    ['UTF-16 with a BOM, no charset', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), {}],
    ['charset=latin1, ASCII only', Buffer.from(tool('delete_customer')), { 'Content-Type': 'application/json; charset=ISO-8859-1' }],
    ['charset=us-ascii', Buffer.from(tool('delete_customer')), { 'Content-Type': 'application/json; charset=us-ascii' }],
    ['Content-Type text/plain (a server may not check it)', Buffer.from(body), { 'Content-Type': 'text/plain' }],
    ['Content-Type application/x-www-form-urlencoded', Buffer.from(body), { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ];
  for (const [what, bytes, headers] of rows) {
    it(`${what}: judged`, () => {
      expect(classify(post(bytes, headers))).to.deep.equal({ tools: ['delete_customer'], problem: undefined });
    });
  }

  it('a latin1 body whose bytes read otherwise as UTF-8: servers disagree, a problem', () => {
    const latin1 = Buffer.from(tool('get_customer', { q: 'é' }), 'latin1');
    expect(classify(post(latin1, { 'Content-Type': 'application/json; charset=latin1' })).problem)
      .to.equal('the body reads as different JSON as charset latin1 and as UTF-8 (servers that ignore the charset)');
    const utf8 = Buffer.from(tool('get_customer', { q: 'é' }));
    expect(classify(post(utf8, { 'Content-Type': 'application/json; charset=latin1' })).problem).to.match(/^the body reads as different JSON as charset latin1 and as /);
  });

  it('an unsupported charset, or two charsets, is a problem', () => {
    expect(classify(post(tool('t'), { 'Content-Type': 'application/json; charset=koi8-r' })).problem).to.equal('unsupported charset "koi8-r" in Content-Type');
    expect(() => charsetOf('application/json; charset=utf-8; charset=latin1')).to.throw(/names 2 charsets/);
    expect(charsetOf('application/json; Charset="UTF-8"')).to.equal('utf-8');
    expect(charsetOf('application/json')).to.equal(undefined);
  });

  it('readings: declared first, distinct texts only; a BOM kept only in the raw reading', () => {
    expect(readingsOf(Buffer.from('{}'), undefined).map((r) => r.text)).to.deep.equal(['{}']);
    expect(readingsOf(Buffer.concat([bom8, Buffer.from('{}')]), undefined).map((r) => r.text)).to.deep.equal(['{}', '\uFEFF{}']);
    const d = decodeBody(Buffer.from('{"a":"\u00e9"}', 'latin1'), new Map([['content-type', 'application/json; charset=latin1']]));
    expect(d.ok && d.readings.map((r) => r.label)).to.deep.equal(['charset latin1', 'UTF-8 (servers that ignore the charset)']);
  });

  it('a UTF-32 body (Python detects it from the NUL pattern) is read too', () => {
    const cps = Array.from({ length: 7 }, (_, i) => '{"a":1}'.charCodeAt(i));
    const buf = Buffer.alloc(cps.length * 4);
    cps.forEach((cp, i) => buf.writeUInt32LE(cp, i * 4));
    expect(readingsOf(buf, undefined).map((r) => r.text)).to.include('{"a":1}');
  });
});

describe('calls/json-keys: keys that clash', () => {
  it('the same key twice, at any depth, in arrays too; the path names where', () => {
    const c = keyClashes('{"params":{"arguments":{"list":[{"a":1},{"b":1,"b":2}]}}}');
    expect(c).to.deep.equal([{ path: ['params', 'arguments', 'list', 1], first: 'b', second: 'b', exact: true }]);
    expect(describeClash(c[0]!)).to.equal('duplicate key "b" in params.arguments.list[1]');
  });

  it('decoded keys compare: an escape is the same key, a different key after decoding is not a clash', () => {
    expect(keyClashes('{"name":1,"n\\u0061me":2}').map(describeClash)).to.deep.equal(['duplicate key "name" in the message']);
    expect(keyClashes('{"name":1,"n\\u0062me":2}')).to.deep.equal([]);
    expect(keyClashes('{"a\\"b":1,"a\\\\":2,"x":"\\"y\\":"}')).to.deep.equal([]);
  });

  it('case variants and Go\'s Unicode folds clash (ſ is s, the Kelvin sign is k)', () => {
    expect(keyClashes('{"Name":1,"nAME":2}')[0]).to.deep.include({ exact: false, first: 'Name', second: 'nAME' });
    expect(keyClashes('{"sort":1,"\u017fort":2}')).to.have.length(1);
    const kelvin = keyClashes('{"\u212aey":1,"key":2}');
    expect(kelvin.map(describeClash), 'non-ASCII shown escaped: the Kelvin sign is not mistaken for K').to.deep.equal([
      'keys "\\u212aey" and "key" in the message are one key to Go servers (case-insensitive match)',
    ]);
    expect(keyClashes('{"\\ud800":1,"\\udbff":2}'), 'lone surrogates: both U+FFFD to Go').to.have.length(1);
  });

  it('keys in sibling objects, and strings that look like keys, do not clash', () => {
    expect(keyClashes('{"a":{"x":1},"b":{"x":2},"c":["x","x"],"d":"{\\"x\\":1,\\"x\\":2}"}')).to.deep.equal([]);
  });

  it('one clash per top-level element; deep nesting without recursion', () => {
    expect(keyClashes('[{"a":1,"a":1,"b":1,"b":1},{"c":1,"C":1}]').map((c) => c.path)).to.deep.equal([[0], [1]]);
    const deep = `${'['.repeat(100000)}{"k":1,"k":2}${']'.repeat(100000)}`;
    expect(keyClashes(deep)).to.have.length(1);
    expect(showPath([0, 'a.b', 'c'])).to.equal('[0]["a.b"].c');
  });
});

describe('calls/jsonrpc: messages a server could read another way', () => {
  const problem = (body: string): string | undefined => classify(post(body)).problem;

  it('a duplicate "name" in params: the call JSON.parse reads (the last) is judged, with the problem', () => {
    const c = classify(post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_customer","name":"delete_customer"}}'));
    expect(c).to.deep.equal({ tools: ['delete_customer'], problem: 'duplicate key "name" in params' });
  });

  it('duplicates anywhere in a request: envelope, arguments, a batch element', () => {
    expect(problem('{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"t"}}')).to.equal('duplicate key "method" in the message');
    expect(problem(tool('t', { a: 1 }).replace('"a":1', '"a":1,"a":2'))).to.equal('duplicate key "a" in params.arguments');
    expect(problem(`[${tool('a')},${tool('b', { x: 1 }).replace('"x":1', '"x":1,"X":2')}]`)).to.equal('keys "x" and "X" in [1].params.arguments are one key to Go servers (case-insensitive match)');
  });

  it('a member in another case: Go reads it as the member, JavaScript and Python ignore it', () => {
    expect(problem('{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"delete_customer"}}'))
      .to.equal('key "Method" in the message is read as "method" by servers that match keys case-insensitively (Go), and ignored by others');
    expect(problem('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_customer","Arguments":{"id":1}}}')).to.match(/key "Arguments" in params is read as "arguments"/);
    expect(problem('{"JSONRPC":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}')).to.match(/key "JSONRPC"/);
    expect(problem('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"\u017fame":"x","name":"t"}}')).to.equal(undefined); // ſame is not name
  });

  it('responses are not judged for clashes (a client runs nothing from them)', () => {
    expect(classify(post('{"jsonrpc":"2.0","id":1,"result":{"a":1,"a":2},"Result":1}'))).to.deep.equal({ tools: [], problem: undefined });
  });

  it('a body without "jsonrpc" that names tools/call is still judged (a server may not check the version)', () => {
    expect(classify(post('{"id":1,"method":"tools/call","params":{"name":"delete_customer"}}'))).to.deep.equal({ tools: ['delete_customer'], problem: undefined });
    expect(classify(post('{"method":"GET","url":"/x"}'))).to.deep.equal({ tools: [], problem: undefined });
  });

  it('a batch with an element that is not an object is unreadable when it names a judged method', () => {
    expect(problem(`[${tool('delete_customer')},1]`)).to.equal('unreadable JSON-RPC: a JSON-RPC message must be an object');
  });

  it('non-standard JSON some servers accept (Python\'s NaN) does not parse here: a problem', () => {
    expect(problem('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"limit":NaN}}}')).to.match(/^request body looks like JSON but does not parse/);
  });

  it('classifyBody and parseJsonRpc (no headers): readings of the bytes, problems kept with parsed true', () => {
    const dup = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}');
    expect(classifyBody(dup)).to.deep.equal({ calls: [{ kind: 'mcp', tool: 'b', arguments: {} }], problem: 'duplicate key "name" in params', parsed: true });
    expect(classifyBody(Buffer.from(tool('t'), 'utf16le')).calls).to.have.length(1);
    expect(parseJsonRpc(`\uFEFF${tool('t')}`).ok).to.equal(true);
  });

  it('a body split inside a multi-byte character (no headers) is joined by bytes, not decoded per write', () => {
    const body = Buffer.from(tool('get_customer', { q: 'é' }));
    const cut = body.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
    const s = new ConnStreams();
    expect(s.push('c', body.subarray(0, cut)).incomplete).to.equal(true);
    const a = s.push('c', body.subarray(cut));
    expect(a.calls).to.deep.equal([{ kind: 'mcp', tool: 'get_customer', arguments: { q: 'é' } }]);
  });
});
