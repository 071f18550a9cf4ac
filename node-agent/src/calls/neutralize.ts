/**
 * How a held write is made harmless in place (same length: BPF cannot write
 * user memory under lockdown, the agent writes /proc/PID/mem while the
 * process is stopped). The server must answer with an error and never run
 * the call:
 *   MCP tools/call  the tool name (and Mcp-Name header) -> "___..."  (Unknown tool)
 *   A2A method      the method                          -> "___..."  (Method not found)
 *   HTTP request    the path                            -> "/___..." (not found)
 * When the bytes that name the call are not in this write (they were sent in
 * an earlier one), the JSON or HTTP framing in it is broken instead, so the
 * server rejects the whole message.
 */
import type { Call } from './classify.js';

export interface Patch {
  readonly offset: number;
  readonly bytes: Buffer;
}

function fill(len: number, ch = '_'): Buffer {
  return Buffer.alloc(len, ch);
}

/** Offsets of the JSON string value `value` of key `key` in buf (any whitespace). */
function jsonValueOffsets(buf: Buffer, key: string, value: string): number[] {
  const text = buf.toString('latin1');
  const enc = JSON.stringify(value).slice(1, -1);
  const re = new RegExp(`"${key}"\\s*:\\s*"(${enc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})"`, 'g');
  const out: number[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m.index + m[0].length - 1 - (m[1] ?? '').length);
  }
  return out;
}

function headerValueOffset(buf: Buffer, header: string, value: string): number | null {
  const text = buf.toString('latin1');
  const m = new RegExp(`\\r\\n${header}:[ \\t]*`, 'i').exec(text);
  if (!m) return null;
  const at = m.index + m[0].length;
  return text.startsWith(value, at) ? at : null;
}

function requestPath(buf: Buffer): { offset: number; length: number } | null {
  const m = /^[A-Z]{3,10} (\/[^ ?\r\n]*)/.exec(buf.subarray(0, 8192).toString('latin1'));
  if (!m?.[1]) return null;
  return { offset: m[0].length - m[1].length, length: m[1].length };
}

/** Break JSON and chunk framing in the write: every structural byte becomes a space. */
export function breakFramingPatches(buf: Buffer): Patch[] {
  const patches: Patch[] = [];
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x22 || c === 0x3a) patches.push({ offset: i, bytes: Buffer.from(' ') });
  }
  return patches;
}

export function neutralizePatches(buf: Buffer, call: Call | null): Patch[] {
  if (call?.kind === 'mcp') {
    const name = Buffer.byteLength(JSON.stringify(call.tool).slice(1, -1), 'latin1');
    const at = jsonValueOffsets(buf, 'name', call.tool).map((offset) => ({ offset, bytes: fill(name) }));
    const hdr = headerValueOffset(buf, 'mcp-name', call.tool);
    if (hdr !== null) at.push({ offset: hdr, bytes: fill(Buffer.byteLength(call.tool)) });
    if (at.length > 0) return at;
  } else if (call?.kind === 'a2a') {
    const at = jsonValueOffsets(buf, 'method', call.method).map((offset) => ({ offset, bytes: fill(Buffer.byteLength(call.method)) }));
    if (at.length > 0) return at;
  } else if (call?.kind === 'http') {
    const p = requestPath(buf);
    if (p) return [{ offset: p.offset, bytes: Buffer.concat([Buffer.from('/'), fill(p.length - 1)]) }];
  }
  return breakFramingPatches(buf);
}

export function applyPatches(buf: Buffer, patches: readonly Patch[]): Buffer {
  const out = Buffer.from(buf);
  for (const p of patches) p.bytes.copy(out, p.offset);
  return out;
}
