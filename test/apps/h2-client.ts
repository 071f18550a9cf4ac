/**
 * An MCP client over HTTP/2 with Node's own http2 module (Node's fetch
 * speaks HTTP/1.1 unless undici is told otherwise): one session, one stream
 * per tools/call, one after the other, to a server that needs no session
 * (the Go SDK server with GO_MCP_STATELESS=1). argv: URL CAFILE
 * TOOL=JSON_ARGS... Prints one JSON line per call ({"tool","ok","status",
 * "text","error"?}), then "done". Loopback only (the URL the test gives).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';

interface Answer { status: number; text: string; error?: string }

const [url = '', caFile = '', ...calls] = process.argv.slice(2);
const target = new URL(url);
const session = connect(target.origin, { ca: readFileSync(caFile) });
session.on('error', (e: Error) => { process.stderr.write(`session: ${e.message}\n`); });

function call(id: number, tool: string, args: unknown): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } });
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': target.pathname, 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    let status = 0;
    let text = '';
    req.setEncoding('utf8');
    req.setTimeout(15_000, () => { req.close(); resolve({ status, text, error: 'timeout' }); });
    req.on('response', (h) => { status = Number(h[':status']); });
    req.on('data', (d: string) => { text += d; });
    req.on('end', () => { resolve({ status, text }); });
    req.on('error', (e: Error) => { resolve({ status, text, error: e.message }); });
    req.end(body);
  });
}

for (const [i, c] of calls.entries()) {
  const eq = c.indexOf('=');
  const tool = c.slice(0, eq);
  const a = await call(i + 1, tool, JSON.parse(c.slice(eq + 1)) as unknown);
  const ok = a.status === 200 && a.text.includes('"result"') && !a.text.includes('"isError":true');
  process.stdout.write(`${JSON.stringify({ tool, ok, status: a.status, text: a.text.slice(0, 400), ...(a.error === undefined ? {} : { error: a.error }) })}\n`);
}
process.stdout.write('done\n');
session.close();
