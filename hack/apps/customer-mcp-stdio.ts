/**
 * customer-mcp's tools served over stdio (the official SDK's
 * StdioServerTransport): the MCP server an agent starts as its child.
 * Every execution is appended to $SIDE_EFFECTS.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { mcpServer } from './customer-tools.js';

await mcpServer().connect(new StdioServerTransport());
