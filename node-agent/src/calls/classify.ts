/**
 * What calls a request makes, as the policy engine judges them: an HTTP
 * request whose body is JSON-RPC carries MCP tool calls (tools/call) or A2A
 * methods and is judged as those; any other request is an HTTP call. The
 * MCP Streamable HTTP headers (Mcp-Method, Mcp-Name) must agree with the body
 * (mcp-headers.ts).
 */
import { decodeBody } from './decode.js';
import type { HttpRequest } from './http.js';
import { mcpHeaderProblem } from './mcp-headers.js';
import { isA2aMethod, isJsonRpc, isMcpTaskRequest, parseJsonRpc, readJson, rpcMessages, type RpcCall } from './jsonrpc.js';

export type Call =
  | { readonly kind: 'mcp'; readonly tool: string; readonly arguments: Readonly<Record<string, unknown>>; readonly host?: string }
  | { readonly kind: 'a2a'; readonly method: string; readonly host?: string }
  | { readonly kind: 'http'; readonly method: string; readonly target: string; readonly host: string };

export interface Classified {
  readonly calls: readonly Call[];
  /** Set when the request cannot be judged reliably (judged fail closed): what was not understood. */
  readonly problem?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withHost<T extends object>(c: T, host: string | undefined): T & { host?: string } {
  return host ? { ...c, host } : c;
}

function withProblem(calls: readonly Call[], problem: string | undefined): Classified {
  return problem === undefined ? { calls } : { calls, problem };
}

function rpcCalls(calls: readonly RpcCall[], host: string | undefined): Classified {
  const out: Call[] = [];
  for (const c of calls) {
    if (c.method === 'tools/call') {
      const name = c.params.name;
      if (typeof name !== 'string' || name === '') return { calls: out, problem: 'tools/call without a params.name string' };
      out.push(withHost({ kind: 'mcp' as const, tool: name, arguments: isObject(c.params.arguments) ? c.params.arguments : {} }, host));
    } else if (isA2aMethod(c.method) && !isMcpTaskRequest(c.method, c.params)) {
      out.push(withHost({ kind: 'a2a' as const, method: c.method }, host));
    }
  }
  return { calls: out };
}

/** Calls in a raw JSON-RPC body (no HTTP framing seen), e.g. a held body write. */
export function classifyBody(body: Buffer, host?: string): Classified & { readonly parsed: boolean } {
  const p = parseJsonRpc(body);
  if (!p.ok) return { calls: [], problem: p.error, parsed: false };
  const c = rpcCalls(p.calls, host);
  return { ...withProblem(c.calls, p.problem ?? c.problem), parsed: true };
}

/** The text's first character after JSON whitespace is `{` or `[`. */
function looksJson(text: string): boolean {
  return /^[ \t\n\r]*[{[]/.test(text);
}

/**
 * The calls in a request's body, whatever its Content-Type (a server may
 * not check it): content codings undone, every charset reading tried
 * (decode.ts); JSON-RPC is judged, other bodies carry no call.
 */
function bodyCalls(req: HttpRequest): Classified {
  const d = decodeBody(req.body, req.headers);
  if (!d.ok) return { calls: [], problem: d.problem };
  const j = readJson(d.readings);
  if (j.kind === 'none') {
    // What a lenient server would make of it is unknown: fail closed.
    const looks = d.readings.some((r) => looksJson(r.text));
    return looks ? { calls: [], problem: `request body looks like JSON but does not parse: ${j.error}` } : { calls: [] };
  }
  if (!isJsonRpc(j.doc)) return { calls: [] };
  const p = rpcMessages(j.doc, j.text);
  if (!p.ok) return { calls: [], problem: `unreadable JSON-RPC: ${p.error}` };
  const c = rpcCalls(p.calls, req.host);
  return withProblem(c.calls, j.problem ?? p.problem ?? c.problem ?? mcpHeaderProblem(req.headers, p.calls));
}

/**
 * An HTTP request is always judged as an HTTP call (its route), and, when
 * its body is JSON-RPC, as the MCP tool calls and A2A methods in it too: a
 * JSON-RPC body never carries a request past the route rules.
 */
export function classifyRequest(req: HttpRequest): Classified {
  const http: Call = { kind: 'http', method: req.method, target: req.target, host: req.host };
  const body = req.body.length === 0 ? { calls: [] } : bodyCalls(req);
  return withProblem([http, ...body.calls], req.ambiguity ?? body.problem);
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
