/**
 * JSON-RPC 2.0 messages in a body (single or batch), and the calls ziriz
 * judges in them: MCP tools/call (tool name and arguments) and A2A methods.
 * A body that does not parse is reported as such; the caller decides (it is
 * either incomplete, or garbage: both are judged fail closed). A message a
 * server could read another way than JSON.parse does is judged (its calls
 * as JSON.parse reads them) with a `problem`: keys that clash in one object
 * (json-keys.ts), or a member named in another case (`Method`: Go's
 * encoding/json reads it as `method`, JavaScript and Python do not).
 */
import { isA2aLikeMethod } from '../../../core/policy/a2a-methods.js';
import { foldKey } from '../../../core/policy/glob.js';
import { readingsOf, type Reading } from './decode.js';
import { describeClash, keyClashes, showKey, showPath } from './json-keys.js';

export interface RpcCall {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly id: unknown;
}

export type Parsed =
  | { readonly ok: true; readonly calls: readonly RpcCall[]; readonly problem?: string }
  | { readonly ok: false; readonly error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON text servers read from a body, and its value. */
export type JsonRead =
  | { readonly kind: 'json'; readonly text: string; readonly doc: unknown; readonly problem?: string }
  | { readonly kind: 'none'; readonly error: string };

/**
 * Parse the readings of a body (decode.ts). The first that is JSON is
 * used; when another reading is JSON with a different text, servers would
 * read different messages: a problem.
 */
export function readJson(readings: readonly Reading[]): JsonRead {
  let first: { text: string; doc: unknown; label: string } | undefined;
  let error = '';
  for (const r of readings) {
    let doc: unknown;
    try {
      doc = JSON.parse(r.text);
    } catch (e: unknown) {
      if (error === '') error = e instanceof Error ? e.message : String(e);
      continue;
    }
    if (first === undefined) first = { text: r.text, doc, label: r.label };
    else if (r.text !== first.text) {
      return { kind: 'json', text: first.text, doc: first.doc, problem: `the body reads as different JSON as ${first.label} and as ${r.label}` };
    }
  }
  return first === undefined ? { kind: 'none', error } : { kind: 'json', text: first.text, doc: first.doc };
}

/** The member of `m` Go reads as `name` (exact spelling first, else a case-folded one). */
function memberKey(m: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(m, name)) return name;
  const fold = foldKey(name);
  return Object.keys(m).find((k) => foldKey(k) === fold);
}

const MESSAGE_MEMBERS = ['jsonrpc', 'id', 'method', 'params', 'result', 'error'];
const CALL_MEMBERS = ['name', 'arguments', '_meta'];

/** A key that Go reads as one of `members` although it is spelled otherwise. */
function spellingProblem(m: Readonly<Record<string, unknown>>, members: readonly string[], where: string): string | undefined {
  const folds = new Map(members.map((k) => [foldKey(k), k]));
  for (const k of Object.keys(m)) {
    const member = folds.get(foldKey(k));
    if (member !== undefined && member !== k) {
      return `key ${showKey(k)} in ${where} is read as ${JSON.stringify(member)} by servers that match keys case-insensitively (Go), and ignored by others`;
    }
  }
  return undefined;
}

/** Does a message read as a request to some server (a member Go reads as `method`)? */
function requestLike(m: unknown): boolean {
  return isObject(m) && memberKey(m, 'method') !== undefined;
}

/** The first key clash inside a message that is (or reads as) a request. */
function clashProblem(doc: unknown, text: string): string | undefined {
  const items = Array.isArray(doc) ? doc : [doc];
  for (const c of keyClashes(text)) {
    const index = Array.isArray(doc) ? c.path[0] : 0;
    if (typeof index === 'number' && requestLike(items[index])) return describeClash(c);
  }
  return undefined;
}

/**
 * The requests (messages with a method) of a parsed JSON-RPC document,
 * single or batch. With its text, keys that clash are a problem too.
 */
export function rpcMessages(doc: unknown, text?: string): Parsed {
  const batch = Array.isArray(doc);
  const items = batch ? doc : [doc];
  const calls: RpcCall[] = [];
  let problem: string | undefined;
  for (const [i, m] of items.entries()) {
    if (!isObject(m)) return { ok: false, error: 'a JSON-RPC message must be an object' };
    const where = batch ? `message [${i}] of the batch` : 'the message';
    if (requestLike(m)) problem ??= spellingProblem(m, MESSAGE_MEMBERS, where);
    if (m.method === undefined) continue; // a response
    if (typeof m.method !== 'string') return { ok: false, error: 'method must be a string' };
    const params = isObject(m.params) ? m.params : {};
    if (m.method === 'tools/call') problem ??= spellingProblem(params, CALL_MEMBERS, batch ? showPath([i, 'params']) : 'params');
    calls.push({ method: m.method, params, id: m.id });
  }
  if (text !== undefined) problem ??= clashProblem(doc, text);
  return problem === undefined ? { ok: true, calls } : { ok: true, calls, problem };
}

/**
 * Is this JSON document JSON-RPC a server would run: every message says
 * `"jsonrpc": "2.0"`, or some message names a method ziriz judges (a
 * server that does not check the version would run it)? Other JSON is a
 * plain HTTP body.
 */
export function isJsonRpc(doc: unknown): boolean {
  const items = Array.isArray(doc) ? doc : [doc];
  if (items.length === 0) return false;
  const version = (m: unknown): unknown => {
    if (!isObject(m)) return undefined;
    const k = memberKey(m, 'jsonrpc');
    return k === undefined ? undefined : m[k];
  };
  if (items.every((m) => version(m) === '2.0')) return true;
  return items.some((m) => {
    if (!isObject(m)) return false;
    const k = memberKey(m, 'method');
    const method = k === undefined ? undefined : m[k];
    return typeof method === 'string' && (method === 'tools/call' || isA2aMethod(method));
  });
}

/** Parse a JSON-RPC body seen without its headers (or a text): every reading of its bytes. */
export function parseJsonRpc(body: Buffer | string): Parsed {
  let readings: readonly Reading[];
  try {
    readings = typeof body === 'string' ? [{ label: 'the text', text: body.replace(/^\uFEFF/, '') }] : readingsOf(body, undefined);
  } catch (e: unknown) {
    return { ok: false, error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const j = readJson(readings);
  if (j.kind === 'none') return { ok: false, error: `not JSON: ${j.error}` };
  const p = rpcMessages(j.doc, j.text);
  if (!p.ok || j.problem === undefined) return p;
  return { ok: true, calls: p.calls, problem: j.problem };
}

/** Is a method judged as an A2A call (any A2A version's name, or A2A's name spaces: a2a-methods.ts)? */
export function isA2aMethod(method: string): boolean {
  return isA2aLikeMethod(method);
}

/** MCP's own task requests (the tasks extension): named like A2A's, told apart by their parameters. */
const MCP_TASK_METHODS = new Set(['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/update']);

/**
 * Is this `tasks/*` request MCP's, not A2A's? MCP names the task
 * `params.taskId`; A2A requires `params.id` (1.0 drafts: `name`). A request
 * with `taskId` and neither of A2A's members (as Go reads keys, any case)
 * is one no A2A server runs: an MCP request, not judged as an A2A call.
 * Anything else that reads as A2A is judged as A2A (fail closed), including
 * `tasks/list`, whose MCP and A2A forms cannot be told apart.
 */
export function isMcpTaskRequest(method: string, params: Readonly<Record<string, unknown>>): boolean {
  if (!MCP_TASK_METHODS.has(method)) return false;
  return typeof params.taskId === 'string' && memberKey(params, 'id') === undefined && memberKey(params, 'name') === undefined;
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
