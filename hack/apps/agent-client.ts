/**
 * An AI agent's tool and API client, for the tests and the demo. Reads one
 * JSON command per stdin line and answers one JSON line each:
 *   {"op":"mcp","tool":"get_customer","args":{"id":1}}   MCP tools/call (official SDK, Streamable HTTP)
 *   {"op":"http","method":"POST","path":"/api/v2/customers?limit=10"}   REST (fetch)
 *   {"op":"a2a","method":"message/send"}                  A2A JSON-RPC (fetch)
 *   {"op":"connect","host":"10.244.0.9","port":8080}      a TCP connection attempt
 *   {"op":"mcp-stdio","tool":"get_customer","args":{"id":1}}   MCP tools/call to a stdio server it starts as
 *       its child (customer-mcp-stdio.js, official SDK's StdioClientTransport; what it runs is appended to
 *       $STDIO_SIDE_EFFECTS, default /tmp/ziriz-stdio-ran.jsonl)
 * SERVER_URL is the server's base URL (https://... uses NODE_EXTRA_CA_CERTS to
 * trust it). AGENT_MCP_TRANSPORT: "ws" speaks MCP over WebSocket (the SDK's
 * WebSocketClientTransport on Node's WebSocket, to /ws), "ws-deflate" the same
 * with the ws package compressing every message (permessage-deflate). Prints "ready" first, so a test can attach probes before any call.
 */
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket as WsWebSocket } from 'ws';

const base = process.env.SERVER_URL ?? 'https://127.0.0.1:8443';
let mcp: Client | undefined;

async function mcpClient(): Promise<Client> {
  if (mcp) return mcp;
  const c = new Client({ name: 'gpt-orchestrator', version: '1.0.0' });
  await c.connect(mcpTransport(process.env.AGENT_MCP_TRANSPORT ?? 'http'));
  mcp = c;
  return c;
}

let stdio: Client | undefined;

/** The stdio MCP server, started once as this process's child. */
async function stdioClient(): Promise<Client> {
  if (stdio) return stdio;
  const c = new Client({ name: 'gpt-orchestrator', version: '1.0.0' });
  const server = join(dirname(fileURLToPath(import.meta.url)), 'customer-mcp-stdio.js');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', SIDE_EFFECTS: process.env.STDIO_SIDE_EFFECTS ?? '/tmp/ziriz-stdio-ran.jsonl' };
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [server], env }));
  stdio = c;
  return c;
}

function mcpTransport(kind: string): Transport {
  if (kind === 'http') return new StreamableHTTPClientTransport(new URL('/mcp', base));
  const url = new URL('/ws', base.replace(/^http/, 'ws'));
  if (kind === 'ws-deflate') {
    // The SDK's transport on the ws package, which compresses every message it sends.
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    class Deflating extends WsWebSocket {
      constructor(u: string | URL, protocols?: string | string[]) {
        super(u, protocols, { perMessageDeflate: { threshold: 0 }, ...(ca ? { ca: readFileSync(ca) } : {}) });
      }
    }
    (globalThis as { WebSocket: unknown }).WebSocket = Deflating;
  }
  return new WebSocketClientTransport(url);
}

type Command =
  | { op: 'mcp' | 'mcp-stdio'; tool: string; args?: Record<string, unknown> }
  | { op: 'http'; method: string; path: string; body?: string }
  | { op: 'a2a'; method: string }
  | { op: 'connect'; host: string; port: number };

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'mcp':
    case 'mcp-stdio': {
      const c = cmd.op === 'mcp' ? await mcpClient() : await stdioClient();
      const r = await c.callTool({ name: cmd.tool, arguments: cmd.args ?? {} });
      return { isError: r.isError === true, content: r.content };
    }
    case 'http': {
      const r = await fetch(new URL(cmd.path, base), { method: cmd.method, ...(cmd.body !== undefined ? { body: cmd.body, headers: { 'content-type': 'application/json' } } : {}) });
      return { status: r.status, body: await r.text() };
    }
    case 'a2a': {
      const r = await fetch(new URL('/a2a', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: cmd.method, params: { message: { role: 'user', parts: [{ kind: 'text', text: 'hello' }] } } }),
      });
      return { status: r.status, body: await r.text() };
    }
    case 'connect':
      return new Promise((resolve) => {
        const s = connect({ host: cmd.host, port: cmd.port });
        const t = setTimeout(() => { s.destroy(); resolve({ code: 'TIMEOUT' }); }, 2000);
        s.on('connect', () => { clearTimeout(t); s.destroy(); resolve({ code: 'ok' }); });
        s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve({ code: e.code ?? 'ERROR' }); });
      });
  }
}

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
let chain: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  chain = chain.then(async () => {
    let out: unknown;
    try {
      out = { ok: true, result: await run(JSON.parse(line) as Command) };
    } catch (e: unknown) {
      out = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  });
});
lines.on('close', () => { void chain.then(() => Promise.all([mcp?.close(), stdio?.close()])).then(() => process.exit(0)); });
