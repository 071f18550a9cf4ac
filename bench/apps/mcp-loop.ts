/**
 * Benchmark client: one MCP session (official SDK, Streamable HTTP) calling
 * one tool in a loop for a bounded time; prints "calls errors seconds".
 * argv: serverUrl tool seconds argsJson
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url = '', tool = 'get_customer', seconds = '3', args = '{"id":1}'] = process.argv.slice(2);
const client = new Client({ name: 'bench', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url)));
const parsed = JSON.parse(args) as Record<string, unknown>;
/** One call; a JSON-RPC error (a blocked tool) counts as an error, not a failure. */
async function call(): Promise<boolean> {
  try {
    const r = await client.callTool({ name: tool, arguments: parsed });
    return r.isError !== true;
  } catch {
    return false;
  }
}
// warm up: the first calls pay connection setup
for (let i = 0; i < 20; i++) await call();
let calls = 0;
let errors = 0;
const t0 = performance.now();
const end = t0 + Number(seconds) * 1000;
while (performance.now() < end) {
  if (!(await call())) errors++;
  calls++;
}
process.stdout.write(`${calls} ${errors} ${((performance.now() - t0) / 1000).toFixed(3)}\n`);
await client.close();
process.exit(0);
