/**
 * customer-mcp: the seed story's servers in one process, used by the tests and
 * the demo. Over HTTPS (ZIRIZ_TLS_CERT/KEY files) or plain HTTP:
 *   POST /mcp                MCP Streamable HTTP (official SDK, stateless):
 *                            tools get_customer, get_all_customers, delete_customer
 *   GET|POST /api/v2/customers?limit=N   a REST API
 *   POST /a2a                an A2A JSON-RPC endpoint (message/send, tasks/get)
 *   GET /ws (Upgrade)        MCP over WebSocket (subprotocol mcp; permessage-deflate
 *                            accepted when the client offers it): the same tools
 * Every tool/API/A2A execution is appended to $SIDE_EFFECTS (one JSON line),
 * so a test can prove a blocked call never ran. Prints "listening <port>".
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebSocketServer } from 'ws';
import { CUSTOMERS, mcpServer, ran } from './customer-tools.js';
import { WebSocketServerTransport } from './ws-transport.js';


async function body(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += (chunk as Buffer).toString();
  return data;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/mcp') {
    const raw = await body(req);
    let parsed: unknown;
    try {
      parsed = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({}); // no session id generator: stateless
    res.on('close', () => { void transport.close(); void server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, parsed);
    return;
  }
  if (url.pathname === '/api/v2/customers') {
    await body(req);
    const limit = Number(url.searchParams.get('limit') ?? '10');
    ran('rest', { method: req.method, limit });
    json(res, 200, CUSTOMERS.slice(0, limit));
    return;
  }
  if (url.pathname === '/a2a') {
    const msg = JSON.parse(await body(req)) as { id?: unknown; method?: string };
    if (msg.method === 'message/send' || msg.method === 'tasks/get') {
      ran('a2a', { method: msg.method });
      json(res, 200, { jsonrpc: '2.0', id: msg.id ?? null, result: { kind: 'task', id: 't1', status: { state: 'completed' } } });
    } else {
      json(res, 200, { jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32601, message: `Method not found: ${msg.method ?? ''}` } });
    }
    return;
  }
  json(res, 404, { error: 'not found' });
}

const handler = (req: IncomingMessage, res: ServerResponse): void => {
  handle(req, res).catch((e: unknown) => {
    if (!res.headersSent) json(res, 500, { error: String(e) });
  });
};
const certFile = process.env.ZIRIZ_TLS_CERT;
const keyFile = process.env.ZIRIZ_TLS_KEY;
const server = certFile && keyFile
  ? createHttps({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler)
  : createHttp(handler);
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: true, handleProtocols: (p) => (p.has('mcp') ? 'mcp' : false) });
wss.on('connection', (ws) => {
  const s = mcpServer();
  s.connect(new WebSocketServerTransport(ws)).catch(() => { ws.terminate(); });
  ws.on('close', () => { void s.close(); });
});
server.listen(Number(process.env.PORT ?? '0'), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
