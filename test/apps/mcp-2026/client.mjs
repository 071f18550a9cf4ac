// Test subject: an MCP client on the official TypeScript SDK v2 (protocol
// 2026-07-28). Usage: node client.mjs URL TOOL=JSON_ARGS...
// Prints one JSON line per call: {"tool", "ok", "text"?, "error"?, "code"?},
// then "done". Trusts NODE_EXTRA_CA_CERTS for HTTPS.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, ...calls] = process.argv.slice(2);
const client = new Client({ name: 'agent-2026', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
process.stdout.write(`protocol ${client.getNegotiatedProtocolVersion?.() ?? client.transport?.protocolVersion ?? '?'}\n`);
for (const call of calls) {
  const eq = call.indexOf('=');
  const tool = call.slice(0, eq);
  const args = JSON.parse(call.slice(eq + 1));
  try {
    const r = await client.callTool({ name: tool, arguments: args });
    const t = (r.content ?? []).map((c) => c.text ?? '').join(' ');
    process.stdout.write(`${JSON.stringify({ tool, ok: !r.isError, text: t })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ tool, ok: false, error: String(e?.message ?? e), code: e?.code })}\n`);
  }
}
process.stdout.write('done\n');
await client.close();
