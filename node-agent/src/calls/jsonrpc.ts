/**
 * JSON-RPC 2.0 messages in a body (single or batch), and the calls ziriz
 * judges in them: MCP tools/call (tool name and arguments) and A2A methods.
 * A body that does not parse is reported as such; the caller decides (it is
 * either incomplete, or garbage: both are judged fail closed).
 */
import { A2A_METHODS, canonicalA2aMethod } from '../../../core/policy/a2a-methods.js';

export interface RpcCall {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly id: unknown;
}

export type Parsed = { readonly ok: true; readonly calls: readonly RpcCall[] } | { readonly ok: false; readonly error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJsonRpc(body: Buffer | string): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (e: unknown) {
    return { ok: false, error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return rpcMessages(doc);
}

/** The requests (messages with a method) of a parsed JSON-RPC document, single or batch. */
export function rpcMessages(doc: unknown): Parsed {
  const items = Array.isArray(doc) ? doc : [doc];
  const calls: RpcCall[] = [];
  for (const m of items) {
    if (!isObject(m)) return { ok: false, error: 'a JSON-RPC message must be an object' };
    if (m.method === undefined) continue; // a response
    if (typeof m.method !== 'string') return { ok: false, error: 'method must be a string' };
    calls.push({ method: m.method, params: isObject(m.params) ? m.params : {}, id: m.id });
  }
  return { ok: true, calls };
}

export function isA2aMethod(method: string): boolean {
  return A2A_METHODS.includes(canonicalA2aMethod(method));
}

/**
 * Lenient look at an incomplete JSON-RPC message (its tail is in a later
 * write): the first "method" and "name" string values, if already present.
 */
export function peekIncomplete(text: string): { method?: string; name?: string } {
  const method = decodeString(/"method"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]);
  const name = decodeString(/"params"\s*:\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]);
  return { ...(method !== undefined ? { method } : {}), ...(name !== undefined ? { name } : {}) };
}

/** The value of a JSON string literal's body (escapes decoded), or undefined. */
function decodeString(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(`"${raw}"`);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
