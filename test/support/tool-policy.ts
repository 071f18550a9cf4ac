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
