/**
 * The differential harness's Node server, written the way a Node MCP server
 * usually is: node:http + express 5 + express.json() (which inflates
 * gzip/deflate/br bodies and decodes utf-* charsets) + the official MCP
 * TypeScript SDK (McpServer, stateless StreamableHTTPServerTransport) at
 * POST /mcp, and a REST route /api/v2/customers (GET, POST, DELETE) whose
 * limit is read the usual way (Number(req.query.limit ?? 10)).
 * Every tool or route it EXECUTES is appended to $LEDGER as one JSON line.
 * Plain HTTP on 127.0.0.1; prints "listening <port>".
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';

const ledger = process.env.LEDGER ?? '';

function record(entry: Record<string, unknown>): void {
  appendFileSync(ledger, `${JSON.stringify({ server: 'node', ...entry })}\n`);
}

function text(value: unknown): { content: { type: 'text'; text: string }[] } {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

function mcpServer(): McpServer {
  const s = new McpServer({ name: 'customer-mcp', version: '1.0.0' });
  s.registerTool('get_customer', { description: 'One customer by id', inputSchema: { id: z.number() } }, ({ id }) => {
    record({ kind: 'tool', name: 'get_customer', arguments: { id } });
    return text({ id, name: 'Ada' });
  });
  s.registerTool('delete_customer', { description: 'Delete a customer', inputSchema: { id: z.number() } }, ({ id }) => {
    record({ kind: 'tool', name: 'delete_customer', arguments: { id } });
    return text({ deleted: id });
  });
  return s;
}

const app = express();
app.use(express.json());

app.post('/mcp', async (req: Request, res: Response) => {
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({}) // no session id generator: stateless;
  res.on('close', () => { void transport.close(); void server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

function customers(req: Request, res: Response): void {
  const limit = Number(req.query.limit ?? 10);
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  record({ kind: 'rest', method: req.method, path: req.path, query, limit: Number.isFinite(limit) ? limit : null });
  res.json([{ id: 1, name: 'Ada' }].slice(0, limit));
}
app.get('/api/v2/customers', customers);
app.post('/api/v2/customers', customers);
app.delete('/api/v2/customers', customers);

const server = createServer(app);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
