/**
 * An agent that starts its MCP server as a child over stdio (the official
 * SDK's StdioClientTransport: Node gives the child a socket pair as stdin
 * and stdout) and calls tools. argv: the server's script, then TOOL=JSON_ARGS...
 * Prints one JSON line per call ({"tool","ok","text"?,"error"?}), then "done".
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [server, ...calls] = process.argv.slice(2);
const client = new Client({ name: 'stdio-agent', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [server ?? ''], env: { SIDE_EFFECTS: process.env.SIDE_EFFECTS ?? '' } }));
for (const call of calls) {
  const eq = call.indexOf('=');
  const tool = call.slice(0, eq);
  try {
    const r = await client.callTool({ name: tool, arguments: JSON.parse(call.slice(eq + 1)) as Record<string, unknown> });
    const text = (r.content as { text?: string }[]).map((c) => c.text ?? '').join(' ');
    process.stdout.write(`${JSON.stringify({ tool, ok: r.isError !== true, text })}\n`);
  } catch (e: unknown) {
    process.stdout.write(`${JSON.stringify({ tool, ok: false, error: e instanceof Error ? e.message : String(e) })}\n`);
  }
}
process.stdout.write('done\n');
await client.close();
