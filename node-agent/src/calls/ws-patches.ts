/**
 * How a held write of WebSocket frames is made harmless (holds.ts), the
 * connection's other messages going on where it can be:
 *   - a denied call in an uncompressed message whose name is in this write:
 *     the name rewritten in place (through the frame's mask), as in any body
 *     (neutralize.ts): the server answers "tool not found";
 *   - otherwise (compressed, the name sent in an earlier write, escapes):
 *     the message's last frame gets a reserved opcode when its header is in
 *     this write (every server fails the connection before it reads the
 *     message), else its payload in this write is spoiled (bytes no UTF-8
 *     text and no deflate stream has: the server fails or rejects it);
 *   - bytes the agent could not read: the connection refused at this
 *     write's first frame; no patch (the write does not begin at a frame):
 *     the caller kills.
 */
import type { PolicyVerdict } from '../../../core/policy/evaluate.js';
import type { Call } from './classify.js';
import { inPlacePatches, type Patch } from './neutralize.js';
import type { Analysis } from './streams.js';
import { UNPARSABLE_RULE } from './verdict.js';
import { wsPayloadPatches, wsRefusePatch, type WsMessage } from './ws.js';

type WsRef = NonNullable<Analysis['ws']>;

/** The message's payload bytes in this write, unmasked to 0xff (never valid UTF-8 text, never valid deflate). */
function spoilPatches(msg: WsMessage, pushIndex: number): Patch[] {
  return msg.pieces.filter((p) => p.pushIndex === pushIndex && p.length > 0).map((p) => {
    const bytes = Buffer.alloc(p.length);
    for (let k = 0; k < p.length; k++) bytes[k] = 0xff ^ (p.maskKey[(p.maskPhase + k) % 4] ?? 0);
    return { offset: p.payloadOffset, bytes };
  });
}

/** The message refused: its last frame's opcode made reserved, or its bytes in this write spoiled. */
function refuseMessage(data: Buffer, msg: WsMessage, pushIndex: number): Patch[] {
  const last = msg.pieces[msg.pieces.length - 1];
  if (last?.pushIndex === pushIndex && last.headerOffset >= 0) return [wsRefusePatch(data, last.headerOffset)];
  return spoilPatches(msg, pushIndex);
}

/** The denied call's name rewritten in its message, if every byte of it is in this write. */
function renamePatches(msg: WsMessage, call: Call, pushIndex: number): Patch[] | null {
  if (msg.compressed) return null;
  const inPayload = inPlacePatches(msg.data, call);
  if (inPayload === null) return null;
  const out: Patch[] = [];
  for (const p of inPayload) {
    const mapped = wsPayloadPatches(msg, pushIndex, p.offset, p.bytes);
    if (mapped.reduce((n, m) => n + m.bytes.length, 0) !== p.bytes.length) return null; // part of it went out in an earlier write
    out.push(...mapped);
  }
  return out;
}

export function wsPatches(data: Buffer, denied: readonly { readonly call: Call; readonly v: PolicyVerdict }[], ws: WsRef): Patch[] {
  const out: Patch[] = [];
  for (const j of denied) {
    const msg = ws.messageOf?.get(j.call);
    if (j.v.rule === UNPARSABLE_RULE || msg === undefined) return ws.frameStart ? [wsRefusePatch(data, 0)] : [];
    const p = renamePatches(msg, j.call, ws.pushIndex) ?? refuseMessage(data, msg, ws.pushIndex);
    if (p.length === 0) return [];
    out.push(...p);
  }
  return out;
}
