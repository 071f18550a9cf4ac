/**
 * The MCP 2026-07-28 Streamable HTTP headers (SEP-2243): `Mcp-Method`
 * mirrors the body's method, `Mcp-Name` the field that names what is called
 * (tools/call and prompts/get: params.name, resources/read: params.uri,
 * tasks/get|update|cancel: params.taskId). A value that is not plain
 * printable ASCII is sent as `=?base64?<base64 of its UTF-8>?=`. Servers of
 * that revision reject a request whose headers disagree with its body
 * (-32020 HeaderMismatch); a gateway may route on the headers alone. ziriz
 * judges the body, and a request whose headers say something else is a
 * problem (judged fail closed): what runs must be what was judged.
 */
import type { RpcCall } from './jsonrpc.js';

/** Which params member `Mcp-Name` mirrors, per method. */
export const MCP_NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const PREFIX = '=?base64?';
const SUFFIX = '?=';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type HeaderValue = { readonly ok: true; readonly value: string; readonly encoded: boolean } | { readonly ok: false; readonly error: string };

/** A header value as servers of the revision read it: the base64 form decoded, strictly. */
export function decodeMcpHeaderValue(raw: string): HeaderValue {
  if (!(raw.startsWith(PREFIX) && raw.endsWith(SUFFIX) && raw.length >= PREFIX.length + SUFFIX.length)) return { ok: true, value: raw, encoded: false };
  const b64 = raw.slice(PREFIX.length, raw.length - SUFFIX.length);
  if (!CANONICAL_BASE64.test(b64)) return { ok: false, error: `"${raw.slice(0, 60)}" is not canonical base64` };
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64')), encoded: true };
  } catch {
    return { ok: false, error: `"${raw.slice(0, 60)}" is not UTF-8 once decoded` };
  }
}

/** The header form of `value` in the encoding of `like` (plain or base64). */
export function encodeMcpHeaderValue(value: string, encoded: boolean): string {
  return encoded ? `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}` : value;
}

/** Do the request's Mcp-Method / Mcp-Name headers disagree with its body's first message? Why, if so. */
export function mcpHeaderProblem(headers: ReadonlyMap<string, string>, rpc: readonly RpcCall[]): string | undefined {
  const first = rpc[0];
  const rawMethod = headers.get('mcp-method');
  if (rawMethod !== undefined) {
    const m = decodeMcpHeaderValue(rawMethod);
    if (!m.ok) return `Mcp-Method header ${m.error}`;
    if (m.value !== (first?.method ?? '')) return `Mcp-Method header "${m.value}" disagrees with the body`;
  }
  const rawName = headers.get('mcp-name');
  if (rawName === undefined || first === undefined) return undefined;
  const field = Object.prototype.hasOwnProperty.call(MCP_NAME_SOURCE, first.method) ? MCP_NAME_SOURCE[first.method] : undefined;
  if (field === undefined) return undefined;
  const n = decodeMcpHeaderValue(rawName);
  if (!n.ok) return `Mcp-Name header ${n.error}`;
  const body = first.params[field];
  if (n.value !== body) return `Mcp-Name header "${n.value}" disagrees with the body's ${field} ${JSON.stringify(body)}`;
  return undefined;
}
