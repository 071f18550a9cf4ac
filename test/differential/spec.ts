/**
 * What a generated stream is: a payload (the call it means to make) and a
 * set of mutations (how it is spelled on the wire), each a dimension whose
 * first option is the plain spelling. A mutation's class is "dimension:option"
 * (e.g. "nameKey:escaped"); a stream's classes are its non-plain dimensions,
 * plus "split" when it is written in more than one write.
 */

export const MCP_TOOLS = ['get_customer', 'delete_customer'] as const;
export type Tool = (typeof MCP_TOOLS)[number];
export const REST_METHODS = ['GET', 'POST', 'DELETE'] as const;
export type RestMethod = (typeof REST_METHODS)[number];

export type Payload =
  | { readonly kind: 'mcp'; readonly tool: Tool }
  | { readonly kind: 'rest'; readonly method: RestMethod; readonly big: boolean };

/** Dimensions of a JSON-RPC body (MCP requests only). */
export const BODY_DIMENSIONS = {
  methodKey: ['plain', 'escaped', 'capital', 'upper'],
  paramsKey: ['plain', 'escaped', 'capital', 'upper', 'fold'],
  nameKey: ['plain', 'escaped', 'capital', 'upper'],
  jsonrpcKey: ['plain', 'escaped', 'upper', 'fold', 'absent'],
  /**
   * A canonically spelled duplicate of one member carrying a harmless value, before or after the real one;
   * or a harmless "name" elsewhere, before the real one: in params._meta (as MCP 2026-07-28's clientInfo),
   * in an object of params, at the top level.
   */
  decoy: ['none', 'method-before', 'method-after', 'params-before', 'params-after', 'name-before', 'name-after', 'meta-name', 'nested-name', 'top-name'],
  order: ['method-first', 'params-first'],
  values: ['plain', 'escaped'],
  batch: ['none', 'after-allowed'],
  encoding: ['identity', 'gzip', 'deflate', 'br'],
  charset: ['none', 'utf-8', 'utf-16le'],
  bom: ['none', 'bom'],
  padding: ['none', 'spaces-4k', 'mixed-4k'],
  framing: ['length', 'chunked'],
} as const;

/** Dimensions of a REST request's target (REST requests only). */
export const QUERY_DIMENSIONS = {
  query: ['plain', 'brackets', 'dup-small-first', 'dup-small-last', 'upper-key', 'encoded-key', 'semicolon'],
  limitSpelling: ['plain', 'exp', 'plus', 'space', 'underscore', 'hex', 'fraction', 'leading-zero'],
} as const;

/** Dimensions of the HTTP framing (every request). */
export const HEAD_DIMENSIONS = {
  path: ['plain', 'trailing-slash', 'double-slash', 'encoded-slash', 'fragment', 'dot-segment', 'pct-letter'],
  leading: ['none', 'crlf'],
  methodCase: ['upper', 'lower'],
  lineEnds: ['crlf', 'bare-lf'],
  target: ['origin-form', 'absolute-form'],
  bigHead: ['none', 'header-5k'],
  pipelined: ['none', 'allowed-before', 'allowed-after'],
} as const;

export const DIMENSIONS = { ...BODY_DIMENSIONS, ...QUERY_DIMENSIONS, ...HEAD_DIMENSIONS } as const;
type Dims = typeof DIMENSIONS;
export type Dimension = keyof Dims;
export type Mutations = { readonly [K in Dimension]: Dims[K][number] };

/** Every class a stream can have. */
export const ALL_CLASSES: readonly string[] = [...Object.entries(DIMENSIONS).flatMap(([d, options]) => options.slice(1).map((o) => `${d}:${o}`)), 'split'];

export const PLAIN: Mutations = Object.fromEntries(Object.entries(DIMENSIONS).map(([k, v]) => [k, v[0]])) as unknown as Mutations;

/** Where a stream is cut into writes: at a fraction of its length, or inside the first occurrence of a marker. */
export type Cut = { readonly frac: number } | { readonly marker: string; readonly delta: number };
export const CUT_MARKERS = ['\r\n\r\n', 'tools', 'customer', 'method', 'jsonrpc', 'name', 'limit', ' HTTP/1.1'] as const;

export interface StreamSpec {
  readonly payload: Payload;
  readonly m: Mutations;
  readonly cuts: readonly Cut[];
}

export function dimensionsOf(p: Payload): Dimension[] {
  const head = Object.keys(HEAD_DIMENSIONS) as Dimension[];
  const own = Object.keys(p.kind === 'mcp' ? BODY_DIMENSIONS : QUERY_DIMENSIONS) as Dimension[];
  return [...own, ...head];
}

/** The stream's mutation classes ("dimension:option"), in dimension order. */
export function classesOf(s: StreamSpec): string[] {
  const out = dimensionsOf(s.payload).filter((d) => s.m[d] !== PLAIN[d]).map((d) => `${d}:${s.m[d]}`);
  return s.cuts.length > 0 ? [...out, 'split'] : out;
}

/** The same stream without one class (back to the plain spelling, or one write). */
export function withoutClass(s: StreamSpec, cls: string): StreamSpec {
  if (cls === 'split') return { ...s, cuts: [] };
  const dim = cls.slice(0, cls.indexOf(':')) as Dimension;
  return { ...s, m: { ...s.m, [dim]: PLAIN[dim] } };
}

export function describePayload(p: Payload): string {
  return p.kind === 'mcp' ? `tools/call ${p.tool}` : `${p.method} /api/v2/customers limit=${p.big ? 'big' : 'small'}`;
}
