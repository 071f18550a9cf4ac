// Test subject: an MCP server on the official TypeScript SDK v2 (protocol
// 2026-07-28: Mcp-Method / Mcp-Name headers checked against the body, -32020
// HeaderMismatch otherwise). Serves customer tools over HTTPS (or HTTP without
// ZIRIZ_TLS_CERT) on 127.0.0.1, appends {"what":tool} to SIDE_EFFECTS for every
// tool that runs (the record the tests assert on), prints "listening PORT".
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { Readable } from 'node:stream';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';

const sideEffects = process.env.SIDE_EFFECTS ?? '/dev/null';
const ran = (what) => appendFileSync(sideEffects, `${JSON.stringify({ what })}\n`);
const text = (t) => ({ content: [{ type: 'text', text: t }] });

function mcp() {
  const s = new McpServer({ name: 'customers-2026', version: '1.0.0' });
  s.registerTool('get_customer', { inputSchema: z.object({ id: z.number() }) }, async ({ id }) => { ran('get_customer'); return text(`customer ${id}: Ada`); });
  s.registerTool('get_all_customers', { inputSchema: z.object({ filter: z.string() }) }, async ({ filter }) => { ran('get_all_customers'); return text(`customers (${filter}): Ada, Grace`); });
  s.registerTool('delete_customer', { inputSchema: z.object({ id: z.number() }) }, async ({ id }) => { ran('delete_customer'); return text(`customer ${id} deleted`); });
  // Non-ASCII names: the client sends their Mcp-Name header in base64.
  s.registerTool('grüße_senden', { inputSchema: z.object({}) }, async () => { ran('grüße_senden'); return text('greetings sent'); });
  s.registerTool('löschen_kunde', { inputSchema: z.object({ id: z.number() }) }, async ({ id }) => { ran('löschen_kunde'); return text(`Kunde ${id} gelöscht`); });
  return s;
}

const handler = createMcpHandler(mcp, { responseMode: 'json', onerror: (e) => process.stderr.write(`mcp: ${e.message}\n`) });

/** node:http request -> web Request -> handler -> node:http response. */
async function serve(req, res) {
  try {
    const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(url, { method: req.method, headers: req.headers, ...(hasBody ? { body: Readable.toWeb(req), duplex: 'half' } : {}) });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
}

const cert = process.env.ZIRIZ_TLS_CERT;
const server = cert ? createHttps({ cert: readFileSync(cert), key: readFileSync(process.env.ZIRIZ_TLS_KEY ?? '') }, serve) : createHttp(serve);
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
