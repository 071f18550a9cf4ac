/**
 * The AgentPolicy the tool-enforcement tests run under (payments/agents for
 * the gpt-orchestrator agent: two tools, the REST API up to limit=100, MCP
 * and A2A endpoints, one A2A method), and how a tool call's answer reads.
 */
export function toolPolicy(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: 'payments' },
    spec: {
      selector: { matchLabels: { app: 'gpt-orchestrator' } },
      mode: 'Enforce',
      mcp: {
        tools: [
          { name: 'get_customer', effect: 'Allow' },
          { name: 'get_all_customers', effect: 'Allow', arguments: { filter: { notIn: ['none'] } } },
        ],
      },
      http: {
        routes: [
          { effect: 'Allow', methods: ['GET', 'POST'], paths: ['/api/v2/customers'], query: { limit: { max: 100 } } },
          { effect: 'Allow', methods: ['POST'], paths: ['/mcp', '/a2a'] },
        ],
      },
      a2a: { methods: [{ name: 'tasks/get', effect: 'Allow' }] },
      ...spec,
    },
  };
}

export interface ToolResult {
  isError: boolean;
  content: { text?: string }[];
}

export function toolText(r: { ok: boolean; result?: unknown; error?: string }): string {
  if (!r.ok) return `error: ${r.error ?? ''}`;
  const res = r.result as ToolResult;
  return `${res.isError ? 'isError ' : ''}${res.content.map((c) => c.text ?? '').join('')}`;
}

/**
 * The inbound rules of the server-side tests (customer-mcp): get_customer for
 * anyone, bulk reads only for callers in `officeCidr` and never filter "none",
 * deletes only by batch-job pods.
 */
export function inboundPolicyFor(officeCidr: string): { apiVersion: string; kind: string; metadata: Record<string, string>; spec: Record<string, unknown> } {
  return {
    apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'customers-inbound', namespace: 'payments' },
    spec: {
      selector: { matchLabels: { app: 'customer-mcp' } },
      inbound: {
        callers: [
          { name: 'office', cidr: officeCidr },
          { name: 'batch', selector: { matchLabels: { app: 'batch-job' } } },
        ],
        mcp: {
          tools: [
            { name: 'get_customer' },
            { name: 'get_all_customers', callers: ['office'], arguments: { filter: { notIn: ['none'] } } },
            { name: 'delete_customer', callers: ['batch'] },
          ],
        },
      },
    },
  };
}

/** One MCP tools/call as a whole plaintext HTTP/1.1 request (Connection: close), for raw writers. */
export function rawToolRequest(tool: string, id: number): string {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { id } } });
  return `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
