/**
 * How a held write is made harmless in place (same length: BPF cannot write
 * user memory under lockdown, the agent writes /proc/PID/mem while the
 * process is stopped). The server must answer with an error and never run
 * the call, and the error should read as a denial: the name becomes a
 * marker of the same length (deniedName: "DENIED_BY_POLICY_", "ZIRIZ_DENIED___"),
 *   MCP tools/call  the tool name, and the Mcp-Name header in step (plain or
 *                   base64, MCP 2026-07-28)  -> "Tool DENIED_BY_POLICY_ not found"
 *   A2A method      the method               -> Method not found
 *   HTTP request    the path                 -> "/DENIED_BY_POLICY..." (404)
 * When the bytes that name the call are not in this write (they were sent in
 * an earlier one), the JSON or HTTP framing in it is broken instead, so the
 * server rejects the whole message.
 */
import type { Call } from './classify.js';
import { decodeMcpHeaderValue, encodeMcpHeaderValue } from './mcp-headers.js';

export interface Patch {
  readonly offset: number;
  readonly bytes: Buffer;
}

const MARKERS = ['DENIED_BY_ZIRIZ_POLICY', 'DENIED_BY_POLICY', 'ZIRIZ_DENIED', 'DENIED'];

/** What a denied name becomes: the longest marker that fits `len` bytes, padded with '_' (all '_' below 6). */
export function deniedName(len: number): string {
  const m = MARKERS.find((x) => x.length <= len) ?? '';
  return m + '_'.repeat(len - m.length);
}

function fill(len: number): Buffer {
  return Buffer.from(deniedName(len), 'latin1');
}

/**
 * Where the JSON string values of key `key` that decode to `value` are in
 * buf, as raw byte ranges (escapes included: `"delete\u005fcustomer"` and
 * `"a\/b"` are found by what they mean). null when the text could spell the
 * key itself with an escape (any `\u`): then only breaking the framing is sure.
 */
function jsonValueRanges(buf: Buffer, key: string, value: string): { offset: number; length: number }[] | null {
  const text = buf.toString('latin1');
  if (/\\u/i.test(text)) return null;
  const re = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'g');
  const out: { offset: number; length: number }[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const raw = m[1] ?? '';
    let decoded: unknown;
    try {
      decoded = JSON.parse(`"${Buffer.from(raw, 'latin1').toString('utf8')}"`);
    } catch {
      continue;
    }
    if (decoded === value) out.push({ offset: m.index + m[0].length - 1 - raw.length, length: raw.length });
  }
  return out;
}

/**
 * The Mcp-Name header of the request head at the start of buf, rewritten to
 * read `name` (in the header's own encoding, padded with trailing blanks,
 * which servers drop), when it names `tool` now. Null: no such header in
 * this write, or the new value does not fit its place.
 */
export function mcpNameHeaderPatch(buf: Buffer, tool: string, name: string): Patch | null {
  const text = buf.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const m = /(\r\nmcp-name:[ \t]*)([^\r\n]*?)[ \t]*\r\n/i.exec(headEnd < 0 ? text : text.slice(0, headEnd + 2));
  if (!m) return null;
  const raw = m[2] ?? '';
  const v = decodeMcpHeaderValue(Buffer.from(raw, 'latin1').toString('utf8'));
  if (!v.ok || v.value !== tool) return null;
  const value = encodeMcpHeaderValue(name, v.encoded);
  if (value.length > raw.length) return null;
  return { offset: m.index + (m[1] ?? '').length, bytes: Buffer.from(value.padEnd(raw.length, ' '), 'latin1') };
}

/** The paths of the request lines `METHOD target HTTP/1.x` in buf (pipelining: several). */
function requestPaths(buf: Buffer, method: string, target: string): { offset: number; length: number }[] {
  const text = buf.toString('latin1');
  const out: { offset: number; length: number }[] = [];
  const line = `${method} ${target} HTTP/1.`;
  for (let at = text.indexOf(line); at >= 0; at = text.indexOf(line, at + 1)) {
    if (at > 0 && text[at - 1] !== '\n') continue;
    const pathLen = /^[^ ?\r\n]*/.exec(target)?.[0].length ?? 0;
    if (pathLen > 0) out.push({ offset: at + method.length + 1, length: pathLen });
  }
  return out;
}

/**
 * Break JSON and chunk framing in the write: every structural byte becomes a
 * space, and a chunk-size line at its start (the terminating "0" chunk, the
 * size of the next) gets a byte no size has, so the server refuses the body.
 */
export function breakFramingPatches(buf: Buffer): Patch[] {
  const patches: Patch[] = [];
  if (/^[0-9a-fA-F]{1,8}(;[^\r\n]*)?\r\n/.test(buf.subarray(0, 80).toString('latin1'))) patches.push({ offset: 0, bytes: Buffer.from('z') });
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x22 || c === 0x3a) patches.push({ offset: i, bytes: Buffer.from(' ') });
  }
  return patches;
}

/** Patches that make the denied call harmless in place, or null when its name is not (surely) in this write. */
export function inPlacePatches(buf: Buffer, call: Call | null): Patch[] | null {
  if (call?.kind === 'mcp') {
    const at = jsonValueRanges(buf, 'name', call.tool);
    if (at !== null && at.length > 0) {
      const patches = at.map((r) => ({ offset: r.offset, bytes: fill(r.length) }));
      // The header in step with the body (a 2026-07-28 server compares them): the name the first range decodes to.
      const hdr = mcpNameHeaderPatch(buf, call.tool, deniedName(at[0]?.length ?? 0));
      if (hdr !== null) patches.push(hdr);
      return patches;
    }
    // The name went out in an earlier write (a message split across writes, held from its start): its method is
    // renamed instead, so the server answers "method not found" for this request, and the tool never runs.
    const method = jsonValueRanges(buf, 'method', 'tools/call');
    if (method !== null && method.length > 0) return method.map((r) => ({ offset: r.offset, bytes: fill(r.length) }));
  } else if (call?.kind === 'a2a') {
    const at = jsonValueRanges(buf, 'method', call.method);
    if (at !== null && at.length > 0) return at.map((r) => ({ offset: r.offset, bytes: fill(r.length) }));
  } else if (call?.kind === 'http') {
    const at = requestPaths(buf, call.method, call.target);
    if (at.length > 0) return at.map((r) => ({ offset: r.offset, bytes: Buffer.from(`/${deniedName(r.length - 1)}`, 'latin1') }));
  }
  return null;
}

export function neutralizePatches(buf: Buffer, call: Call | null): Patch[] {
  return inPlacePatches(buf, call) ?? breakFramingPatches(buf);
}

export function applyPatches(buf: Buffer, patches: readonly Patch[]): Buffer {
  const out = Buffer.from(buf);
  for (const p of patches) p.bytes.copy(out, p.offset);
  return out;
}
