/**
 * customer-mcp's tools (get_customer, get_all_customers, delete_customer),
 * for every transport it is served on (Streamable HTTP, WebSocket: customer-mcp.ts;
 * stdio: customer-mcp-stdio.ts). Every execution is appended to
 * $SIDE_EFFECTS (one JSON line): the record of what ran.
 */
import { appendFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const sideEffects = process.env.SIDE_EFFECTS ?? '';
/** Simulated work per tool call, in ms (benchmarks). */
const workMs = Number(process.env.WORK_MS ?? '0');

function work(): void {
  const end = performance.now() + workMs;
  while (performance.now() < end);
}
export const CUSTOMERS = [
  { id: 1, name: 'Ada', status: 'active' },
  { id: 2, name: 'Grace', status: 'inactive' },
];

export function ran(what: string, detail: unknown): void {
  if (sideEffects) appendFileSync(sideEffects, `${JSON.stringify({ what, detail, at: Date.now() })}\n`);
}

function text(value: unknown): { content: { type: 'text'; text: string }[] } {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

export function mcpServer(): McpServer {
  const s = new McpServer({ name: 'customer-mcp', version: '1.0.0' });
  s.registerTool('get_customer', { description: 'One customer by id', inputSchema: { id: z.number() } }, ({ id }) => {
    work();
    ran('get_customer', { id });
    return text(CUSTOMERS.find((c) => c.id === id) ?? null);
  });
  s.registerTool('get_all_customers', { description: 'Every customer matching a filter', inputSchema: { filter: z.string() } }, ({ filter }) => {
    ran('get_all_customers', { filter });
    return text(filter === 'none' ? CUSTOMERS : CUSTOMERS.filter((c) => c.status === filter));
  });
  s.registerTool('delete_customer', { description: 'Delete a customer', inputSchema: { id: z.number() } }, ({ id }) => {
    ran('delete_customer', { id });
    return text({ deleted: id });
  });
  return s;
}

