/**
 * A stream spec as the bytes a client writes, and the writes it makes: the
 * JSON-RPC text spelled member by member (so keys can be escaped, re-cased,
 * folded, duplicated or reordered), the body encoded (charset, BOM, padding,
 * content-encoding, chunked framing), the HTTP head spelled, an allowed
 * request pipelined before or after, and the whole cut at the spec's offsets.
 * `id` tags the call (tool arguments {id}) so a ledger line names its stream.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Cut, Mutations, StreamSpec, Tool } from './spec.js';

export interface Rendered {
  readonly bytes: Buffer;
  /** The writes, in order (one socket write each). */
  readonly chunks: readonly Buffer[];
  /** HTTP requests in the stream (a pipelined one makes two). */
  readonly requests: number;
}

const KEYS: Readonly<Record<'method' | 'params' | 'name' | 'jsonrpc', Readonly<Record<string, string>>>> = {
  method: { plain: 'method', escaped: 'm\\u0065thod', capital: 'Method', upper: 'METHOD' },
  params: { plain: 'params', escaped: 'p\\u0061rams', capital: 'Params', upper: 'PARAMS', fold: 'param\u017f' },
  name: { plain: 'name', escaped: 'n\\u0061me', capital: 'Name', upper: 'NAME' },
  jsonrpc: { plain: 'jsonrpc', escaped: 'j\\u0073onrpc', upper: 'JSONRPC', fold: 'j\u017fonrpc' },
};

function key(field: keyof typeof KEYS, spelling: string): string {
  return KEYS[field][spelling] ?? field;
}

/** The main JSON-RPC message, member by member. */
export function rpcText(tool: Tool, id: number, m: Mutations): string {
  const value = (s: string): string => (m.values === 'escaped' ? s.replace('/', '\\/').replace('_', '\\u005f') : s);
  const args = `"arguments":{"id":${id}}`;
  const name = [`"${key('name', m.nameKey)}":"${value(tool)}"`];
  if (m.decoy === 'name-before') name.unshift('"name":"get_customer"');
  if (m.decoy === 'name-after') name.push('"name":"get_customer"');
  if (m.decoy === 'meta-name') name.unshift('"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"get_customer","version":"1.0.0"}}');
  if (m.decoy === 'nested-name') name.unshift('"x":{"name":"get_customer"}');
  const params = [`"${key('params', m.paramsKey)}":{${[...name, args].join(',')}}`];
  const paramsDecoy = `"params":{"name":"get_customer",${args}}`;
  if (m.decoy === 'params-before') params.unshift(paramsDecoy);
  if (m.decoy === 'params-after') params.push(paramsDecoy);
  const method = [`"${key('method', m.methodKey)}":"${value('tools/call')}"`];
  if (m.decoy === 'method-before') method.unshift('"method":"tools/list"');
  if (m.decoy === 'method-after') method.push('"method":"tools/list"');
  const jsonrpc = m.jsonrpcKey === 'absent' ? [] : [`"${key('jsonrpc', m.jsonrpcKey)}":"2.0"`];
  const ordered = m.order === 'params-first' ? [...params, ...method] : [...method, ...params];
  const top = m.decoy === 'top-name' ? ['"name":"get_customer"'] : [];
  const msg = `{${[...top, ...jsonrpc, `"id":${id}`, ...ordered].join(',')}}`;
  if (m.batch === 'none') return msg;
  return `[{"jsonrpc":"2.0","id":"b${id}","method":"tools/call","params":{"name":"get_customer",${args}}},${msg}]`;
}

const PADDING: Readonly<Record<string, string>> = { 'spaces-4k': ' '.repeat(4200), 'mixed-4k': ' \t\r\n'.repeat(1050) };

function body(tool: Tool, id: number, m: Mutations): { bytes: Buffer; headers: string[] } {
  const text = (PADDING[m.padding] ?? '') + rpcText(tool, id, m);
  const wide = m.charset === 'utf-16le';
  let bytes = Buffer.from(text, wide ? 'utf16le' : 'utf8');
  if (m.bom === 'bom') bytes = Buffer.concat([Buffer.from(wide ? [0xff, 0xfe] : [0xef, 0xbb, 0xbf]), bytes]);
  const headers = [`Content-Type: application/json${m.charset === 'none' ? '' : `; charset=${m.charset}`}`, 'Accept: application/json, text/event-stream'];
  if (m.encoding !== 'identity') {
    headers.push(`Content-Encoding: ${m.encoding}`);
    bytes = m.encoding === 'gzip' ? gzipSync(bytes) : m.encoding === 'deflate' ? deflateSync(bytes) : brotliCompressSync(bytes);
  }
  if (m.framing === 'length') return { bytes, headers: [...headers, `Content-Length: ${bytes.length}`] };
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 1000) {
    const piece = bytes.subarray(at, at + 1000);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return { bytes: Buffer.concat(parts), headers: [...headers, 'Transfer-Encoding: chunked'] };
}

const PATHS: Readonly<Record<'mcp' | 'rest', Readonly<Record<string, string>>>> = {
  mcp: {
    plain: '/mcp', 'trailing-slash': '/mcp/', 'double-slash': '//mcp', 'encoded-slash': '/%2Fmcp', fragment: '/mcp#x', 'dot-segment': '/x/../mcp', 'pct-letter': '/%6Dcp',
  },
  rest: {
    plain: '/api/v2/customers', 'trailing-slash': '/api/v2/customers/', 'double-slash': '/api//v2/customers', 'encoded-slash': '/api%2Fv2/customers',
    fragment: '/api/v2/customers', 'dot-segment': '/api/v2/x/../customers', 'pct-letter': '/api/v2/%63ustomers',
  },
};

const LIMITS: Readonly<Record<string, readonly [string, string]>> = {
  plain: ['10', '100000'], exp: ['1e1', '1e5'], plus: ['+10', '+100000'], space: ['%2010', '%20100000'], underscore: ['1_0', '100_000'],
  hex: ['0xa', '0x186a0'], fraction: ['10.0', '100000.0'], 'leading-zero': ['010', '0100000'],
};

function query(big: boolean, m: Mutations): string {
  const v = (LIMITS[m.limitSpelling] ?? ['10', '100000'])[big ? 1 : 0];
  const shapes: Readonly<Record<string, string>> = {
    plain: `limit=${v}`, brackets: `limit[]=${v}`, 'dup-small-first': `limit=10&limit=${v}`, 'dup-small-last': `limit=${v}&limit=10`,
    'upper-key': `LIMIT=${v}`, 'encoded-key': `lim%69t=${v}`, semicolon: `limit=10;limit=${v}`,
  };
  return shapes[m.query] ?? `limit=${v}`;
}

/** A request head; `m` spells it (the main request) or not (the pipelined allowed one). */
function head(method: string, target: string, headers: readonly string[], last: boolean, m: Mutations | null): Buffer {
  const line = `${m?.methodCase === 'lower' ? method.toLowerCase() : method} ${m?.target === 'absolute-form' ? `http://127.0.0.1${target}` : target} HTTP/1.1`;
  const lines = [line, ...(m?.bigHead === 'header-5k' ? [`X-Padding: ${'x'.repeat(5000)}`] : []), 'Host: 127.0.0.1', ...headers, ...(last ? ['Connection: close'] : [])];
  let text = `${lines.join('\r\n')}\r\n\r\n`;
  if (m?.lineEnds === 'bare-lf') text = text.replaceAll('\r\n', '\n');
  if (m?.leading === 'crlf') text = `\r\n${text}`;
  return Buffer.from(text, 'latin1');
}

function mainRequest(s: StreamSpec, id: number, last: boolean): Buffer {
  const m = s.m;
  if (s.payload.kind === 'mcp') {
    const b = body(s.payload.tool, id, m);
    return Buffer.concat([head('POST', PATHS.mcp[m.path] ?? '/mcp', b.headers, last, m), b.bytes]);
  }
  const target = `${PATHS.rest[m.path] ?? '/api/v2/customers'}?${query(s.payload.big, m)}${m.path === 'fragment' ? '#x' : ''}`;
  return head(s.payload.method, target, s.payload.method === 'GET' ? [] : ['Content-Length: 0'], last, m);
}

function allowedRequest(last: boolean): Buffer {
  return head('GET', '/api/v2/customers?limit=1', [], last, null);
}

/** Write boundaries: unique offsets strictly inside the stream. */
export function offsets(bytes: Buffer, cuts: readonly Cut[]): number[] {
  const out = new Set<number>();
  for (const c of cuts) {
    let at: number;
    if ('frac' in c) at = Math.floor(c.frac * bytes.length);
    else {
      const i = bytes.indexOf(c.marker, 0, 'latin1');
      if (i < 0) continue;
      at = i + c.delta;
    }
    if (at > 0 && at < bytes.length) out.add(at);
  }
  return [...out].sort((a, b) => a - b);
}

export function render(s: StreamSpec, id: number): Rendered {
  const p = s.m.pipelined;
  const parts = p === 'allowed-before' ? [allowedRequest(false), mainRequest(s, id, true)]
    : p === 'allowed-after' ? [mainRequest(s, id, false), allowedRequest(true)]
    : [mainRequest(s, id, true)];
  const bytes = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...offsets(bytes, s.cuts), bytes.length]) {
    chunks.push(bytes.subarray(from, at));
    from = at;
  }
  return { bytes, chunks, requests: parts.length };
}
