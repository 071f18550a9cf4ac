/**
 * What calls a request makes, as the policy engine judges them: an HTTP
 * request whose body is JSON-RPC carries MCP tool calls (tools/call) or A2A
 * methods and is judged as those; any other request is an HTTP call. The
 * MCP Streamable HTTP headers (Mcp-Method, Mcp-Name) must agree with the body.
 */
import type { HttpRequest } from './http.js';
import { isA2aMethod, parseJsonRpc, rpcMessages, type RpcCall } from './jsonrpc.js';

export type Call =
  | { readonly kind: 'mcp'; readonly tool: string; readonly arguments: Readonly<Record<string, unknown>>; readonly host?: string }
  | { readonly kind: 'a2a'; readonly method: string; readonly host?: string }
  | { readonly kind: 'http'; readonly method: string; readonly target: string; readonly host: string };

export interface Classified {
  readonly calls: readonly Call[];
  /** Set when the request cannot be judged reliably (judged fail closed). */
  readonly problem?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withHost<T extends object>(c: T, host: string | undefined): T & { host?: string } {
  return host ? { ...c, host } : c;
}

function rpcCalls(calls: readonly RpcCall[], host: string | undefined): Classified {
  const out: Call[] = [];
  for (const c of calls) {
    if (c.method === 'tools/call') {
      const name = c.params.name;
      if (typeof name !== 'string' || name === '') return { calls: out, problem: 'tools/call without a params.name string' };
      out.push(withHost({ kind: 'mcp' as const, tool: name, arguments: isObject(c.params.arguments) ? c.params.arguments : {} }, host));
    } else if (isA2aMethod(c.method)) {
      out.push(withHost({ kind: 'a2a' as const, method: c.method }, host));
    }
  }
  return { calls: out };
}

/** Calls in a raw JSON-RPC body (no HTTP framing seen), e.g. a held body write. */
export function classifyBody(body: Buffer, host?: string): Classified & { readonly parsed: boolean } {
  const p = parseJsonRpc(body);
  if (!p.ok) return { calls: [], problem: p.error, parsed: false };
  return { ...rpcCalls(p.calls, host), parsed: true };
}

/** The body's first byte after JSON whitespace is `{` or `[`. */
function looksJson(req: HttpRequest): boolean {
  for (const c of req.body) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

/** JSON-RPC 2.0: every message says "jsonrpc": "2.0" (any other JSON body is a plain HTTP request). */
function isJsonRpc(doc: unknown): boolean {
  const items = Array.isArray(doc) ? doc : [doc];
  return items.length > 0 && items.every((m) => isObject(m) && m.jsonrpc === '2.0');
}

/**
 * An HTTP request is always judged as an HTTP call (its route), and, when
 * its body is JSON-RPC, as the MCP tool calls and A2A methods in it too: a
 * JSON-RPC body never carries a request past the route rules.
 */
export function classifyRequest(req: HttpRequest): Classified {
  const host = req.headers.get('host') ?? '';
  const http: Call = { kind: 'http', method: req.method, target: req.target, host };
  if (req.body.length === 0 || !looksJson(req)) return { calls: [http] };
  let doc: unknown;
  try {
    doc = JSON.parse(req.body.toString('utf8'));
  } catch (e: unknown) {
    // What a lenient server would make of it is unknown: fail closed.
    return { calls: [http], problem: `request body looks like JSON but does not parse: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isJsonRpc(doc)) return { calls: [http] };
  const p = rpcMessages(doc);
  if (!p.ok) return { calls: [http], problem: `unreadable JSON-RPC: ${p.error}` };
  const c = rpcCalls(p.calls, host);
  const calls = [http, ...c.calls];
  if (c.problem !== undefined) return { calls, problem: c.problem };
  const hdrMethod = req.headers.get('mcp-method');
  const hdrName = req.headers.get('mcp-name');
  const tool = c.calls.find((x) => x.kind === 'mcp');
  if (hdrMethod !== undefined && hdrMethod !== (p.calls[0]?.method ?? '')) {
    return { calls, problem: `Mcp-Method header "${hdrMethod}" disagrees with the body` };
  }
  if (hdrName !== undefined && tool?.kind === 'mcp' && hdrName !== tool.tool) {
    return { calls, problem: `Mcp-Name header "${hdrName}" disagrees with the body's tool "${tool.tool}"` };
  }
  return { calls };
}

/** How a call is shown: `tools/call get_all_customers`, `message/send`, `POST /api/v2/customers?limit=100000`. */
export function describeCall(c: Call): string {
  if (c.kind === 'mcp') return `tools/call ${c.tool}`;
  if (c.kind === 'a2a') return c.method;
  return `${c.method} ${c.target}`;
}

/** The request object core/policy's evaluate() takes. */
export function policyRequest(c: Call): Record<string, unknown> {
  const target = c.host ? { host: c.host.replace(/:\d+$/, '') } : {};
  if (c.kind === 'mcp') return { kind: 'mcp', tool: c.tool, arguments: c.arguments, target };
  if (c.kind === 'a2a') return { kind: 'a2a', method: c.method, target };
  return { kind: 'http', method: c.method, path: c.target, target };
}
