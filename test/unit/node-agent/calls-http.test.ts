/**
 * Userspace parsing of held request plaintext (pure): HTTP/1.1 request
 * streams, JSON-RPC bodies, what calls a request makes, and the same-length
 * rewrites that neutralise a denied call.
 */
import { expect } from 'chai';
import { HttpParseError, RequestStream, startsWithRequestLine, type HttpRequest } from '../../../node-agent/src/calls/http.js';
import { isA2aMethod, isMcpTaskRequest, parseJsonRpc, peekIncomplete } from '../../../node-agent/src/calls/jsonrpc.js';
import { classifyBody, classifyRequest, describeCall, policyRequest, type Call } from '../../../node-agent/src/calls/classify.js';
import { applyPatches, breakFramingPatches, deniedName, neutralizePatches } from '../../../node-agent/src/calls/neutralize.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function toolCall(name: string, args: Record<string, unknown> = {}, id: unknown = 1): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

function post(body: string, headers: Record<string, string> = {}, target = '/mcp'): string {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `POST ${target} HTTP/1.1\r\nHost: mcp.example.com:8080\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The one request `raw` holds (asserted). */
function request(raw: string): HttpRequest {
  const reqs = new RequestStream().push(b(raw));
  expect(reqs).to.have.length(1);
  return reqs[0]!;
}

describe('calls/http: RequestStream', () => {
  it('parses one request: method, target split into path and query, lower-cased headers, body', () => {
    const s = new RequestStream();
    const reqs = s.push(b('POST /api/v2/customers?limit=10&x=y HTTP/1.1\r\nHost: api.example.com\r\nX-Thing: a\r\nx-thing: b\r\nContent-Length: 5\r\n\r\nhello'));
    expect(reqs).to.have.length(1);
    const r = reqs[0]!;
    expect(r.method).to.equal('POST');
    expect(r.target).to.equal('/api/v2/customers?limit=10&x=y');
    expect(r.path).to.equal('/api/v2/customers');
    expect(r.query).to.equal('limit=10&x=y');
    expect(r.headers.get('host')).to.equal('api.example.com');
    expect(r.headers.get('x-thing'), 'repeated headers are joined').to.equal('a, b');
    expect(r.body.toString()).to.equal('hello');
    expect(s.pending).to.equal(0);
    expect(s.pendingHead()).to.equal(null);
  });

  it('a request without a body (no Content-Length) is complete at the blank line', () => {
    const r = request('GET /healthz HTTP/1.0\r\nHost: h\r\n\r\n');
    expect(r.method).to.equal('GET');
    expect(r.path).to.equal('/healthz');
    expect(r.query).to.equal('');
    expect(r.body.length).to.equal(0);
  });

  it('a Content-Length body split over 3 pushes: no request until the last, pendingHead meanwhile', () => {
    const raw = b(post(toolCall('get_customer', { id: 7 })));
    const cut1 = raw.indexOf('{') - 10; // inside the headers
    const cut2 = raw.indexOf('{') + 12; // inside the body
    const s = new RequestStream();
    expect(s.push(raw.subarray(0, cut1))).to.deep.equal([]);
    expect(s.pendingHead(), 'headers not complete yet').to.equal(null);
    expect(s.pending).to.equal(cut1);
    expect(s.push(raw.subarray(cut1, cut2))).to.deep.equal([]);
    const head = s.pendingHead();
    expect(head).to.not.equal(null);
    expect(head!.method).to.equal('POST');
    expect(head!.target).to.equal('/mcp');
    expect(head!.headers.get('content-type')).to.equal('application/json');
    const reqs = s.push(raw.subarray(cut2));
    expect(reqs).to.have.length(1);
    expect(JSON.parse(reqs[0]!.body.toString())).to.deep.include({ method: 'tools/call' });
    expect(s.pending).to.equal(0);
  });

  it('a body containing multi-byte UTF-8: Content-Length counts bytes', () => {
    const body = '{"q":"café ünïcødé"}';
    const r = request(post(body));
    expect(r.body.toString('utf8')).to.equal(body);
  });

  it('a chunked body (hex sizes, chunk extensions) split mid-chunk is decoded once complete', () => {
    const body = toolCall('get_customer', { id: 'x'.repeat(40) });
    const first = body.slice(0, 26);
    const second = body.slice(26);
    const raw = b(
      'POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${first.length.toString(16).toUpperCase()};x=y\r\n${first}\r\n` +
      `${second.length.toString(16)} ; name="v"\r\n${second}\r\n` +
      '0\r\n\r\n',
    );
    expect(second.length).to.be.greaterThan(15, 'the size needs two hex digits');
    const s = new RequestStream();
    const mid = raw.indexOf(second) + 10; // inside the second chunk's data
    expect(s.push(raw.subarray(0, mid))).to.deep.equal([]);
    expect(s.pendingHead()?.headers.get('transfer-encoding')).to.equal('chunked');
    const beforeEnd = raw.length - 3; // the last chunk's line is there, its blank line is not
    expect(s.push(raw.subarray(mid, beforeEnd))).to.deep.equal([]);
    const reqs = s.push(raw.subarray(beforeEnd));
    expect(reqs).to.have.length(1);
    expect(reqs[0]!.body.toString()).to.equal(body);
    expect(s.pending).to.equal(0);
  });

  it('a malformed chunk size throws HttpParseError', () => {
    expect(() => new RequestStream().push(b('POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'))).to.throw(HttpParseError, /chunk size/);
  });

  it('two pipelined requests in one push, and the start of a third kept', () => {
    const s = new RequestStream();
    const reqs = s.push(b(post('{"a":1}', {}, '/one') + 'GET /two?x=1 HTTP/1.1\r\nHost: h\r\n\r\n' + 'GET /thr'));
    expect(reqs.map((r) => r.target)).to.deep.equal(['/one', '/two?x=1']);
    expect(reqs[0]!.body.toString()).to.equal('{"a":1}');
    expect(s.pending).to.equal('GET /thr'.length);
    expect(s.push(b('ee HTTP/1.1\r\n\r\n')).map((r) => r.path)).to.deep.equal(['/three']);
  });

  it('headers over 64 KiB without an end throw HttpParseError; under the limit they wait', () => {
    const s = new RequestStream();
    const start = 'GET / HTTP/1.1\r\nX-Big: ';
    expect(s.push(b(start + 'a'.repeat(60 * 1024)))).to.deep.equal([]);
    expect(() => s.push(b('a'.repeat(8 * 1024)))).to.throw(HttpParseError, /64 KiB/);
  });

  for (const bad of ['abc', '-1', '1.5', '5, 6', String(17 * 1024 * 1024)]) {
    it(`Content-Length ${JSON.stringify(bad)} throws HttpParseError`, () => {
      expect(() => new RequestStream().push(b(`POST /x HTTP/1.1\r\nContent-Length: ${bad}\r\n\r\n`))).to.throw(HttpParseError, /content-length/);
    });
  }

  it('a request line that is not HTTP/1.x, or a malformed header line, throws HttpParseError', () => {
    expect(() => new RequestStream().push(b('GET / HTTP/2\r\n\r\n'))).to.throw(HttpParseError, /request line/);
    expect(() => new RequestStream().push(b('GET / HTTP/1.1\r\nno colon here\r\n\r\n'))).to.throw(HttpParseError, /header line/);
  });

  // Changed (issue 14): a lower-case method was refused as "not a request line"; Go and h11 accept any token
  // method, so the request is now read, and judged fail closed as ambiguous (see calls-lenient.test.ts).
  it('a lower-case method is read as sent, with an ambiguity', () => {
    const r = request('get / HTTP/1.1\r\n\r\n');
    expect(r.method).to.equal('get');
    expect(r.ambiguity).to.match(/method "get" is not upper case/);
  });

  it('pendingHead is null (not a throw) when the pending bytes are not a request', () => {
    const s = new RequestStream();
    expect(() => s.push(b('GET / HTTP/1.1\r\nbad\r\n\r\n'))).to.throw(HttpParseError);
    expect(s.pendingHead()).to.equal(null);
    s.reset();
    expect(s.pending).to.equal(0);
  });

  it('startsWithRequestLine: a method token, a space and a target', () => {
    expect(startsWithRequestLine(b('POST /mcp HTTP/1.1\r\n'))).to.equal(true);
    expect(startsWithRequestLine(b('DELETE /x'))).to.equal(true);
    expect(startsWithRequestLine(b('{"jsonrpc":"2.0"}'))).to.equal(false);
    expect(startsWithRequestLine(b('HTTP/1.1 200 OK\r\n'))).to.equal(false);
    expect(startsWithRequestLine(b('data: {}\n\n'))).to.equal(false);
    // Changed (issue 14): any token method starts a request (Go, h11); it is judged, not read as a JSON body.
    expect(startsWithRequestLine(b('get /x HTTP/1.1'))).to.equal(true);
  });
});

describe('calls/jsonrpc', () => {
  it('a single request: method, params, id', () => {
    const p = parseJsonRpc(toolCall('get_customer', { id: 7 }, 'abc'));
    expect(p).to.deep.equal({ ok: true, calls: [{ method: 'tools/call', params: { name: 'get_customer', arguments: { id: 7 } }, id: 'abc' }] });
  });

  it('a batch: every request in order; responses in it are skipped', () => {
    const p = parseJsonRpc(b(`[${toolCall('a')},{"jsonrpc":"2.0","id":9,"result":{}},{"jsonrpc":"2.0","id":2,"method":"message/send","params":{"message":{}}}]`));
    expect(p.ok).to.equal(true);
    if (!p.ok) return;
    expect(p.calls.map((c) => c.method)).to.deep.equal(['tools/call', 'message/send']);
    expect(p.calls.map((c) => c.id)).to.deep.equal([1, 2]);
  });

  it('not JSON, or JSON that is not JSON-RPC objects, is reported as an error', () => {
    const notJson = parseJsonRpc('{"jsonrpc":"2.0","method":"tools/ca');
    expect(notJson.ok).to.equal(false);
    if (!notJson.ok) expect(notJson.error).to.match(/^not JSON/);
    const notObject = parseJsonRpc('[1,2]');
    expect(notObject).to.deep.equal({ ok: false, error: 'a JSON-RPC message must be an object' });
    expect(parseJsonRpc('null').ok).to.equal(false);
    expect(parseJsonRpc('{"method":5}')).to.deep.equal({ ok: false, error: 'method must be a string' });
  });

  it('a response has no calls; a notification is a call without an id; missing params are {}', () => {
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}')).to.deep.equal({ ok: true, calls: [] });
    expect(parseJsonRpc('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}')).to.deep.equal({ ok: true, calls: [] });
    const n = parseJsonRpc('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    expect(n).to.deep.equal({ ok: true, calls: [{ method: 'notifications/initialized', params: {}, id: undefined }] });
    const arr = parseJsonRpc('{"jsonrpc":"2.0","id":3,"method":"x","params":[1,2]}');
    expect(arr.ok && arr.calls[0]?.params).to.deep.equal({});
    expect(parseJsonRpc('[]')).to.deep.equal({ ok: true, calls: [] });
  });

  it('isA2aMethod: the names of every A2A version and the A2A name spaces (as the kernel reads them); MCP methods are not A2A', () => {
    for (const m of ['message/send', 'message/stream', 'tasks/get', 'tasks/cancel', 'SendMessage', 'GetTask', 'CancelTask', 'SendStreamingMessage',
      'agent/getAuthenticatedExtendedCard', 'GetExtendedAgentCard', 'tasks/send', 'tasks/sendSubscribe', 'tasks/pushNotification/set', 'message/Send', 'tasks/anything']) {
      expect(isA2aMethod(m), m).to.equal(true);
    }
    for (const m of ['tools/call', 'initialize', 'sendMessage', 'constructor', 'toString', 'resources/read', 'notifications/tasks/status', 'agents/x']) {
      expect(isA2aMethod(m), m).to.equal(false);
    }
  });

  it('isMcpTaskRequest: MCP tasks/* name the task taskId; a request an A2A server could run (id or name, any case) is A2A', () => {
    expect(isMcpTaskRequest('tasks/get', { taskId: 't1' })).to.equal(true);
    expect(isMcpTaskRequest('tasks/result', { taskId: 't1', _meta: {} })).to.equal(true);
    expect(isMcpTaskRequest('tasks/cancel', { taskId: 't1' })).to.equal(true);
    expect(isMcpTaskRequest('tasks/get', { id: 't1' })).to.equal(false);
    expect(isMcpTaskRequest('tasks/get', { taskId: 't1', id: 't1' })).to.equal(false);
    expect(isMcpTaskRequest('tasks/cancel', { taskId: 't1', ID: 't1' })).to.equal(false);
    expect(isMcpTaskRequest('tasks/get', { taskId: 't1', Name: 'tasks/t1' })).to.equal(false);
    expect(isMcpTaskRequest('tasks/get', { taskId: 7 })).to.equal(false);
    expect(isMcpTaskRequest('tasks/list', {})).to.equal(false);
    expect(isMcpTaskRequest('tasks/send', { taskId: 't1' })).to.equal(false);
  });

  it('peekIncomplete: the method and tool name of a truncated tools/call', () => {
    const full = toolCall('get_all_customers', { limit: 100000 });
    const cut = full.slice(0, full.indexOf('"arguments"') + 5);
    expect(parseJsonRpc(cut).ok).to.equal(false);
    expect(peekIncomplete(cut)).to.deep.equal({ method: 'tools/call', name: 'get_all_customers' });
    expect(peekIncomplete('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"na')).to.deep.equal({ method: 'tools/call' });
    expect(peekIncomplete('{"jsonrpc":"2.0","id":1,"meth')).to.deep.equal({});
    expect(peekIncomplete('{ "method" : "tools/call" , "params" : { "name" : "a\\"b"')).to.deep.equal({ method: 'tools/call', name: 'a"b' }); // escapes decoded
    expect(peekIncomplete('{"method":"tools/call","params":{"name":"delete\\u005fcustomer"')).to.deep.equal({ method: 'tools/call', name: 'delete_customer' });
  });
});

describe('calls/classify', () => {
  // Every request is an HTTP call (its route), and a JSON-RPC body adds its tool calls / A2A methods.
  const route = (target = '/mcp'): Call => ({ kind: 'http', method: 'POST', target, host: 'mcp.example.com:8080' });

  it('an MCP tools/call with arguments, host kept with its port', () => {
    const c = classifyRequest(request(post(toolCall('get_customer', { id: 7, fields: ['name'] }))));
    expect(c).to.deep.equal({ calls: [route(), { kind: 'mcp', tool: 'get_customer', arguments: { id: 7, fields: ['name'] }, host: 'mcp.example.com:8080' }] });
  });

  it('a tools/call without arguments has {} arguments; without a name it is a problem', () => {
    const noArgs = classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}')));
    expect(noArgs.calls).to.deep.equal([route(), { kind: 'mcp', tool: 't', arguments: {}, host: 'mcp.example.com:8080' }]);
    expect(noArgs.problem).to.equal(undefined);
    const noName = classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}')));
    expect(noName.problem).to.match(/params\.name/);
    expect(classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""}}'))).problem).to.match(/params\.name/);
  });

  it('Mcp-Method / Mcp-Name headers that agree with the body: no problem', () => {
    const c = classifyRequest(request(post(toolCall('get_customer'), { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'get_customer' })));
    expect(c.problem).to.equal(undefined);
    expect(c.calls.map(describeCall)).to.deep.equal(['POST /mcp', 'tools/call get_customer']);
  });

  it('an Mcp-Method header disagreeing with the body is a problem (calls still reported)', () => {
    const c = classifyRequest(request(post(toolCall('delete_customer'), { 'Mcp-Method': 'tools/list' })));
    expect(c.problem).to.match(/Mcp-Method header "tools\/list" disagrees/);
    expect(c.calls.map(describeCall)).to.deep.equal(['POST /mcp', 'tools/call delete_customer']);
  });

  it('an Mcp-Name header disagreeing with the body is a problem', () => {
    const c = classifyRequest(request(post(toolCall('delete_customer'), { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'get_customer' })));
    expect(c.problem).to.match(/Mcp-Name header "get_customer" disagrees with the body's name "delete_customer"/);
  });

  it('MCP 2026-07-28 header values in base64 (=?base64?..?=) are read decoded; a bad encoding is a problem', () => {
    const tool = 'grüße_senden';
    const enc = `=?base64?${Buffer.from(tool).toString('base64')}?=`;
    const ok = classifyRequest(request(post(toolCall(tool), { 'Mcp-Method': 'tools/call', 'Mcp-Name': enc })));
    expect(ok.problem).to.equal(undefined);
    const other = classifyRequest(request(post(toolCall(tool), { 'Mcp-Method': 'tools/call', 'Mcp-Name': `=?base64?${Buffer.from('get_customer').toString('base64')}?=` })));
    expect(other.problem).to.match(/Mcp-Name header "get_customer" disagrees/);
    expect(classifyRequest(request(post(toolCall(tool), { 'Mcp-Name': '=?base64?Z2V0X2N1c3RvbWVy?=x' }))).problem).to.match(/disagrees/);
    expect(classifyRequest(request(post(toolCall(tool), { 'Mcp-Name': '=?base64?not base64?=' }))).problem).to.match(/not canonical base64/);
    expect(classifyRequest(request(post(toolCall(tool), { 'Mcp-Name': `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=` }))).problem).to.match(/not UTF-8/);
    expect(classifyRequest(request(post(toolCall('t'), { 'Mcp-Method': '=?base64?dG9vbHMvY2FsbA==?=' }))).problem).to.equal(undefined);
  });

  it('Mcp-Name mirrors params.uri for resources/read and params.taskId for tasks/get; other methods are not compared', () => {
    const rr = (uri: string, hdr: string): string | undefined => classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }), { 'Mcp-Method': 'resources/read', 'Mcp-Name': hdr }))).problem;
    expect(rr('file:///a', 'file:///a')).to.equal(undefined);
    expect(rr('file:///etc/shadow', 'file:///a')).to.match(/disagrees with the body's uri/);
    const tg = classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 'a' } }), { 'Mcp-Method': 'tasks/get', 'Mcp-Name': 'b' })));
    expect(tg.problem).to.match(/taskId/);
    expect(classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'Mcp-Method': 'tools/list', 'Mcp-Name': 'x' }))).problem).to.equal(undefined);
  });

  it('a duplicated Mcp-Name header (read joined, or first, by different servers) is a problem', () => {
    const raw = post(toolCall('delete_customer')).replace('Content-Type', 'Mcp-Name: get_customer\r\nMcp-Name: delete_customer\r\nContent-Type');
    expect(classifyRequest(request(raw)).problem).to.match(/Mcp-Name header/);
  });

  it('MCP tasks/* (taskId) are MCP requests, not A2A calls; the same names with id are A2A', () => {
    const mcp = classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: 't1' } }))));
    expect(mcp).to.deep.equal({ calls: [route()] });
    const a2a = classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: 't1' } }), {}, '/a2a')));
    expect(a2a.calls.map(describeCall)).to.deep.equal(['POST /a2a', 'tasks/get']);
  });

  it('A2A without a jsonrpc member, and agent/getAuthenticatedExtendedCard, are A2A calls', () => {
    const noVersion = classifyRequest(request(post(JSON.stringify({ id: 1, method: 'message/send', params: { message: {} } }), {}, '/a2a')));
    expect(noVersion.calls.map(describeCall)).to.deep.equal(['POST /a2a', 'message/send']);
    const card = classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent/getAuthenticatedExtendedCard' }), {}, '/a2a')));
    expect(card.calls.map(describeCall)).to.deep.equal(['POST /a2a', 'agent/getAuthenticatedExtendedCard']);
  });

  it('A2A methods, v0.3 and v1 names, are a2a calls (the name as sent)', () => {
    for (const method of ['message/send', 'SendMessage', 'tasks/cancel', 'CancelTask']) {
      const c = classifyRequest(request(post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message: { role: 'user' } } }), {}, '/a2a')));
      expect(c, method).to.deep.equal({ calls: [route('/a2a'), { kind: 'a2a', method, host: 'mcp.example.com:8080' }] });
    }
  });

  it('JSON-RPC methods that are neither tools/call nor A2A add no call to the route', () => {
    expect(classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')))).to.deep.equal({ calls: [route()] });
    expect(classifyRequest(request(post('{"jsonrpc":"2.0","method":"notifications/initialized"}')))).to.deep.equal({ calls: [route()] });
  });

  it('a JSON-RPC response body adds no call to the route', () => {
    expect(classifyRequest(request(post('{"jsonrpc":"2.0","id":"s1","result":{"model":"m"}}')))).to.deep.equal({ calls: [route()] });
    expect(classifyRequest(request(post('[{"jsonrpc":"2.0","id":1,"result":{}}]')))).to.deep.equal({ calls: [route()] });
  });

  it('a JSON-RPC body never carries a request past its route (the REST call with limit=100000 is judged)', () => {
    const c = classifyRequest(request(post('{"jsonrpc":"2.0","id":1,"method":"x"}', {}, '/api/v2/customers?limit=100000')));
    expect(c.calls).to.deep.equal([route('/api/v2/customers?limit=100000')]);
  });

  it('a request whose body is not JSON (or has none) is an HTTP call', () => {
    const form = 'POST /api/v2/customers?limit=100000 HTTP/1.1\r\nHost: api.example.com:443\r\nContent-Length: 3\r\n\r\na=b';
    expect(classifyRequest(request(form))).to.deep.equal({ calls: [{ kind: 'http', method: 'POST', target: '/api/v2/customers?limit=100000', host: 'api.example.com:443' }] });
    expect(classifyRequest(request('GET /x HTTP/1.1\r\n\r\n'))).to.deep.equal({ calls: [{ kind: 'http', method: 'GET', target: '/x', host: '' }] });
    expect(classifyRequest(request(post('[1,2]'))).calls.map((c) => c.kind), 'JSON that is not JSON-RPC').to.deep.equal(['http']);
  });

  // Was a bug (fixed): classify.ts returned `{ calls: [] }` for any body that parses as JSON with no JSON-RPC request in it
  // ("responses/notifications only"), and a plain REST JSON object has no "method" member, so parseJsonRpc
  // takes it for a response: `POST /admin/delete` with body {"confirm":true} is no call at all and is never
  // judged against HTTP route rules. Only bodies that are JSON-RPC (a "jsonrpc" member) should be exempt.
  it('a REST request with a JSON object body (not JSON-RPC) is an HTTP call', () => {
    const c = classifyRequest(request(post('{"confirm":true}', {}, '/admin/delete')));
    expect(c.calls).to.deep.equal([{ kind: 'http', method: 'POST', target: '/admin/delete', host: 'mcp.example.com:8080' }]);
  });

  // Was a bug (fixed): looksJson only looked at the first 64 bytes; JSON allows any amount of leading whitespace, so a
  // tools/call body preceded by 64+ spaces is classified as an HTTP call (POST /mcp), not as the MCP call the
  // server runs (allowed outright when the policy does not cover HTTP).
  it('a tools/call body with more than 64 bytes of leading whitespace is still an MCP call', () => {
    const c = classifyRequest(request(post(' '.repeat(100) + toolCall('delete_customer'))));
    expect(c.calls.map((x) => x.kind)).to.deep.equal(['http', 'mcp']);
  });

  // Was a bug (fixed): a body that looks like JSON but does not parse falls back to an HTTP call, although jsonrpc.ts says
  // garbage is judged fail closed; a lenient server (e.g. a streaming decoder ignoring trailing bytes) runs the
  // tools/call in it. It should be a problem.
  it('a JSON-looking body that does not parse is a problem, not an HTTP call', () => {
    const c = classifyRequest(request(post(toolCall('delete_customer') + 'x')));
    expect(c.problem).to.be.a('string');
  });

  it('classifyBody: a raw JSON-RPC body with the host given; unparsable bodies say so', () => {
    expect(classifyBody(b(toolCall('t', { a: 1 })), 'h:1')).to.deep.equal({ calls: [{ kind: 'mcp', tool: 't', arguments: { a: 1 }, host: 'h:1' }], parsed: true });
    expect(classifyBody(b(toolCall('t')))).to.deep.equal({ calls: [{ kind: 'mcp', tool: 't', arguments: {} }], parsed: true });
    const bad = classifyBody(b('{"jsonrpc"'));
    expect(bad.parsed).to.equal(false);
    expect(bad.calls).to.deep.equal([]);
    expect(bad.problem).to.match(/not JSON/);
  });

  it('policyRequest for each kind: host port stripped, no host -> empty target', () => {
    const mcp: Call = { kind: 'mcp', tool: 'get_customer', arguments: { id: 7 }, host: 'mcp.example.com:8080' };
    expect(policyRequest(mcp)).to.deep.equal({ kind: 'mcp', tool: 'get_customer', arguments: { id: 7 }, target: { host: 'mcp.example.com' } });
    expect(policyRequest({ kind: 'a2a', method: 'SendMessage', host: 'agent.example.com:443' })).to.deep.equal({ kind: 'a2a', method: 'SendMessage', target: { host: 'agent.example.com' } });
    expect(policyRequest({ kind: 'http', method: 'POST', target: '/api/v2/customers?limit=100000', host: 'api.example.com' }))
      .to.deep.equal({ kind: 'http', method: 'POST', path: '/api/v2/customers?limit=100000', target: { host: 'api.example.com' } });
    expect(policyRequest({ kind: 'http', method: 'GET', target: '/', host: '' })).to.deep.equal({ kind: 'http', method: 'GET', path: '/', target: {} });
    expect(policyRequest({ kind: 'mcp', tool: 't', arguments: {} })).to.deep.equal({ kind: 'mcp', tool: 't', arguments: {}, target: {} });
    expect(policyRequest({ kind: 'http', method: 'GET', target: '/', host: '[::1]:8080' })).to.deep.equal({ kind: 'http', method: 'GET', path: '/', target: { host: '[::1]' } });
  });

  it('describeCall for each kind', () => {
    expect(describeCall({ kind: 'mcp', tool: 'get_all_customers', arguments: {} })).to.equal('tools/call get_all_customers');
    expect(describeCall({ kind: 'a2a', method: 'message/send' })).to.equal('message/send');
    expect(describeCall({ kind: 'http', method: 'POST', target: '/api/v2/customers?limit=100000', host: 'h' })).to.equal('POST /api/v2/customers?limit=100000');
  });
});

describe('calls/neutralize', () => {
  /** Patched bytes, asserting the length is kept and the input untouched. */
  function neutralize(raw: string, call: Call | null): { out: string; patched: number } {
    const buf = b(raw);
    const copy = Buffer.from(buf);
    const patches = neutralizePatches(buf, call);
    const out = applyPatches(buf, patches);
    expect(out.length).to.equal(buf.length);
    expect(buf.equals(copy), 'input unmodified').to.equal(true);
    return { out: out.toString('utf8'), patched: patches.length };
  }

  it('deniedName: the longest marker that fits, padded with underscores; underscores only below 6 bytes', () => {
    expect(deniedName(15)).to.equal('ZIRIZ_DENIED___');
    expect(deniedName(17)).to.equal('DENIED_BY_POLICY_');
    expect(deniedName(30)).to.equal('DENIED_BY_ZIRIZ_POLICY________');
    expect(deniedName(6)).to.equal('DENIED');
    expect(deniedName(3)).to.equal('___');
    for (let n = 0; n < 40; n++) expect(deniedName(n).length).to.equal(n);
  });

  it('an MCP tool name (with JSON escapes) becomes the marker of the same encoded length', () => {
    const tool = 'say "hi"\\now';
    const raw = post(toolCall(tool, { text: 'x' }));
    const { out, patched } = neutralize(raw, { kind: 'mcp', tool, arguments: {} });
    expect(patched).to.equal(1);
    const encoded = JSON.stringify(tool).slice(1, -1);
    expect(out).to.equal(raw.replace(`"name":"${encoded}"`, `"name":"${deniedName(encoded.length)}"`));
    const p = parseJsonRpc(request(out).body);
    expect(p.ok && p.calls[0]?.params.name).to.equal(deniedName(encoded.length));
  });

  it('the Mcp-Name header is rewritten too, whitespace in the JSON tolerated', () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name" :  "delete_customer","arguments":{}}}';
    const raw = post(body, { 'Mcp-Method': 'tools/call', 'Mcp-Name': 'delete_customer' });
    const { out, patched } = neutralize(raw, { kind: 'mcp', tool: 'delete_customer', arguments: {} });
    expect(patched).to.equal(2);
    expect(out).to.not.include('delete_customer');
    expect(out).to.include('Mcp-Name: ZIRIZ_DENIED___\r\n');
    expect(out).to.include('"name" :  "ZIRIZ_DENIED___"');
    // What a 2026-07-28 server checks: the header still mirrors the body.
    expect(classifyRequest(request(out)).problem).to.equal(undefined);
  });

  it('a base64 Mcp-Name header (non-ASCII tool name) is rewritten in base64, in step with the body', () => {
    const tool = 'löschen_kunde';
    const raw = post(toolCall(tool), { 'Mcp-Method': 'tools/call', 'Mcp-Name': `=?base64?${Buffer.from(tool).toString('base64')}?=` });
    const { out, patched } = neutralize(raw, { kind: 'mcp', tool, arguments: {} });
    expect(patched).to.equal(2);
    const req = request(out);
    expect(classifyRequest(req).problem).to.equal(undefined);
    const p = parseJsonRpc(req.body);
    expect(p.ok && p.calls[0]?.params.name).to.equal(deniedName(Buffer.byteLength(tool)));
    expect(req.headers.get('mcp-name')).to.equal(`=?base64?${Buffer.from(deniedName(Buffer.byteLength(tool))).toString('base64')}?=`);
  });

  it('an Mcp-Name header with blanks around it, or in another case, is rewritten; one that names another tool is left', () => {
    const raw = post(toolCall('delete_customer'), { 'mcp-NAME': '  delete_customer \t' });
    const { out } = neutralize(raw, { kind: 'mcp', tool: 'delete_customer', arguments: {} });
    expect(request(out).headers.get('mcp-name')).to.equal('ZIRIZ_DENIED___');
    const other = post(toolCall('delete_customer'), { 'Mcp-Name': 'get_customer' });
    expect(neutralize(other, { kind: 'mcp', tool: 'delete_customer', arguments: {} }).out).to.include('Mcp-Name: get_customer\r\n');
  });

  it('an A2A method (v0.3 and v1 names) becomes the marker', () => {
    for (const method of ['message/send', 'SendMessage']) {
      const raw = post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message: {} } }), {}, '/a2a');
      const { out } = neutralize(raw, { kind: 'a2a', method });
      expect(out, method).to.include(`"method":"${deniedName(method.length)}"`);
      expect(out).to.not.include(method);
    }
  });

  it('an HTTP path becomes /DENIED_BY_... of the same length, the query kept', () => {
    const raw = 'GET /api/v2/customers?limit=100000 HTTP/1.1\r\nHost: api.example.com\r\n\r\n';
    const { out } = neutralize(raw, { kind: 'http', method: 'GET', target: '/api/v2/customers?limit=100000', host: 'api.example.com' });
    expect(out).to.equal(raw.replace('/api/v2/customers?', `/${deniedName('api/v2/customers'.length)}?`));
    expect(request(out).query).to.equal('limit=100000');
  });

  it('when the call is not named in this write, the JSON framing is broken instead', () => {
    const tail = ',"arguments":{"id":[1,2]}}}';
    const { out } = neutralize(tail, { kind: 'mcp', tool: 'delete_customer', arguments: {} });
    expect(out).to.equal(', arguments    id   1,2    ');
    expect(neutralize(tail, null).out).to.equal(out);
    // A body write of a request whose line went out earlier: no path to patch.
    expect(neutralize('{"a":1}', { kind: 'http', method: 'POST', target: '/x', host: '' }).out).to.equal('  a  1 ');
  });

  it('breakFramingPatches turns every structural JSON byte into a space and spoils a leading chunk size, nothing else', () => {
    const buf = b('5\r\n{"a":[1,{"b":"c:d"}]}\r\n0\r\n\r\n');
    const patches = breakFramingPatches(buf);
    for (const p of patches.slice(1)) expect(p.bytes.toString()).to.equal(' ');
    const out = applyPatches(buf, patches).toString();
    expect(out).to.equal('z\r\n  a   1,  b   c d    \r\n0\r\n\r\n');
    // the terminating chunk alone: the server refuses it
    expect(applyPatches(b('0\r\n\r\n'), breakFramingPatches(b('0\r\n\r\n'))).toString()).to.equal('z\r\n\r\n');
    expect(out).to.not.match(/[{}[\]":]/);
    expect(breakFramingPatches(b('no structure here'))).to.deep.equal([]);
  });

  it('applyPatches returns a copy; the input buffer is not modified', () => {
    const buf = b('{"x":1}');
    const out = applyPatches(buf, [{ offset: 1, bytes: b('___') }]);
    expect(out.toString()).to.equal('{___:1}');
    expect(buf.toString()).to.equal('{"x":1}');
    expect(out).to.not.equal(buf);
  });

  // Was a bug (fixed): neutralize.ts found the tool name by its canonical JSON text only. A body that spells the name with
  // an escape (`"name":"delete\u005fcustomer"`) and carries a decoy `"name":"delete_customer"` elsewhere (in
  // the arguments) gets only the decoy patched: the server still runs delete_customer. (Likewise with just a
  // matching Mcp-Name header: only the header is patched.) Patches should leave no occurrence of the call.
  it('a tool name spelled with an escape, with a decoy occurrence, is still neutralised', () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete\\u005fcustomer","arguments":{"name":"delete_customer"}}}';
    const call = classifyBody(b(body)).calls[0]!;
    expect(call).to.deep.include({ kind: 'mcp', tool: 'delete_customer' });
    const out = applyPatches(b(body), neutralizePatches(b(body), call));
    const p = parseJsonRpc(out);
    expect(p.ok && p.calls[0]?.params.name).to.not.equal('delete_customer');
  });

  it('a denied call whose name went out in an earlier write: its method is renamed in this one (the server answers method not found)', () => {
    const tail = '"jsonrpc":"2.0","method":"tools/call"}\n';
    const call: Call = { kind: 'mcp', tool: 'delete_customer', arguments: {} };
    const out = applyPatches(b(tail), neutralizePatches(b(tail), call)).toString('latin1');
    expect(out).to.equal(`"jsonrpc":"2.0","method":"${deniedName(10)}"}\n`);
    expect(out.length).to.equal(tail.length);
    // Neither name nor method here: the framing is broken (the line no longer parses).
    expect(applyPatches(b('"x":1}\n'), neutralizePatches(b('"x":1}\n'), call)).toString('latin1')).to.not.include('}');
  });

  // Was a bug (fixed): requestPath() patched the first request line of the write. When the one denied call is the second of
  // two pipelined requests, the allowed first request is broken and the denied one reaches the server intact.
  it('the denied second of two pipelined requests is the one whose path is patched', () => {
    const raw = 'GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n';
    const denied: Call = { kind: 'http', method: 'GET', target: '/admin', host: 'h' };
    const out = applyPatches(b(raw), neutralizePatches(b(raw), denied));
    const reqs = new RequestStream().push(out);
    expect(reqs.map((r) => r.path)).to.not.include('/admin');
  });
});
