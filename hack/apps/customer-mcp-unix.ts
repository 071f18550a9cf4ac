/**
 * customer-mcp's tools served on a Unix socket: each connection is one MCP
 * session, newline-delimited JSON-RPC read by the official SDK's
 * StdioServerTransport on the connection's own socket (not on the server's
 * stdin: an MCP server of the pod reached over a socket file, as local
 * gateways and daemons serve). Listens on argv[2]; every execution is
 * appended to $SIDE_EFFECTS.
 */
import { createServer } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { mcpServer } from './customer-tools.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: customer-mcp-unix <socket path>');
const server = createServer((sock) => {
  void mcpServer().connect(new StdioServerTransport(sock, sock));
});
server.listen(path);
