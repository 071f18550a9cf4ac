/**
 * calls/ws: WebSocket client frames read write by write (real frame bytes,
 * masked; permessage-deflate built with node:zlib, context takeover from one
 * deflate stream flushed between messages as a browser or the ws package
 * does).
 */
import { expect } from 'chai';
import { constants, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { WsError, WsStream, wsPayloadPatches, wsRefusePatch, type WsMessage, type WsPush } from '../../../node-agent/src/calls/ws.js';

const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const KEY2 = Buffer.from([0xa5, 0x00, 0xff, 0x3c]);

interface FrameOpts { opcode?: number; fin?: boolean; rsv?: number; mask?: Buffer | false; len64?: boolean }

/** A client frame: masked with `mask` (KEY by default), the shortest length encoding unless len64. */
function frame(payload: Buffer | string, opts: FrameOpts = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const b0 = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | (opts.opcode ?? 1);
  const key = opts.mask ?? KEY;
  const m = key === false ? 0 : 0x80;
  let len: Buffer;
  if (opts.len64 === true || p.length > 0xffff) {
    len = Buffer.alloc(9);
    len[0] = m | 127;
    len.writeBigUInt64BE(BigInt(p.length), 1);
  } else if (p.length > 125) {
    len = Buffer.from([m | 126, p.length >> 8, p.length & 0xff]);
  } else {
    len = Buffer.from([m | p.length]);
  }
  const body = key === false ? p : Buffer.from(p.map((c, i) => c ^ (key[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([b0]), len, key === false ? Buffer.alloc(0) : key, body]);
}

const RSV1 = 0b100;
const call = (name: string): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
const texts = (ms: readonly WsMessage[]): string[] => ms.map((m) => m.data.toString());

/** `bytes` cut at `cuts` (ascending offsets). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(at, c));
    at = c;
  }
  return out;
}

/** Every write fed to one stream: the messages in order, and each push's result. */
function feed(writes: readonly Buffer[], deflateOffered = false): { messages: WsMessage[]; pushes: WsPush[] } {
  const s = new WsStream({ deflateOffered });
  const pushes = writes.map((w) => s.push(w));
  expect(s.pushCount).to.equal(writes.length);
  return { messages: pushes.flatMap((r) => r.messages), pushes };
}

/** Each piece, unmasked from the raw write it names, is the message's wire bytes where it says; a header it names is there. */
function checkPieces(writes: readonly Buffer[], m: WsMessage, wire: Buffer): void {
  let next = 0;
  for (const p of m.pieces) {
    expect(p.messageOffset).to.equal(next);
    const w = writes[p.pushIndex]!;
    const raw = w.subarray(p.payloadOffset, p.payloadOffset + p.length);
    expect(raw.length).to.equal(p.length);
    const plain = Buffer.from(raw.map((c, k) => c ^ p.maskKey[(p.maskPhase + k) % 4]!));
    expect(plain.equals(wire.subarray(p.messageOffset, p.messageOffset + p.length))).to.equal(true);
    if (p.headerOffset >= 0) {
      expect(p.maskPhase).to.equal(0);
      expect(w.subarray(p.payloadOffset - 4, p.payloadOffset).equals(p.maskKey)).to.equal(true);
      expect([0, 1, 2]).to.include(w[p.headerOffset]! & 0x0f);
    }
    next += p.length;
  }
  expect(next).to.equal(wire.length);
}

/** Patches from each write applied to a copy of it. */
function applyPatches(writes: readonly Buffer[], m: WsMessage, at: number, bytes: Buffer): Buffer[] {
  return writes.map((w, i) => {
    const copy = Buffer.from(w);
    for (const p of wsPayloadPatches(m, i, at, bytes)) p.bytes.copy(copy, p.offset);
    return copy;
  });
}

/** Messages deflated by ONE raw deflate stream, Z_SYNC_FLUSH after each (context takeover), the 00 00 ff ff tail stripped. */
async function deflateWithTakeover(messages: readonly string[]): Promise<Buffer[]> {
  const d = createDeflateRaw();
  const chunks: Buffer[] = [];
  d.on('data', (c: Buffer) => chunks.push(c));
  const out: Buffer[] = [];
  for (const m of messages) {
    d.write(m);
    await new Promise<void>((resolve) => { d.flush(constants.Z_SYNC_FLUSH, () => { resolve(); }); });
    await new Promise<void>((resolve) => setImmediate(resolve));
    const all = Buffer.concat(chunks.splice(0));
    expect(all.subarray(-4).equals(Buffer.from([0, 0, 0xff, 0xff]))).to.equal(true);
    out.push(all.subarray(0, -4));
  }
  d.close();
  return out;
}

describe('calls/ws: WebSocket client frames', () => {
  it('one text frame; several frames in one write (text, binary, empty)', () => {
    const s = new WsStream({ deflateOffered: false });
    const r = s.push(frame(call('a')));
    expect(texts(r.messages)).to.deep.equal([call('a')]);
    expect(r.messages[0]?.opcode).to.equal(1);
    expect(r.messages[0]?.compressed).to.equal(false);
    expect(r.frameStart).to.equal(true);
    expect(r.firstHeaderOffset).to.equal(0);
    expect(r.closed).to.equal(false);
    const two = Buffer.concat([frame('x', { opcode: 2 }), frame(''), frame(call('b'))]);
    const r2 = s.push(two);
    expect(texts(r2.messages)).to.deep.equal(['x', '', call('b')]);
    expect(r2.messages.map((m) => m.opcode)).to.deep.equal([2, 1, 1]);
    expect(r2.messages[1]?.pieces).to.deep.equal([{ pushIndex: 1, payloadOffset: 13, length: 0, maskKey: KEY, maskPhase: 0, messageOffset: 0, headerOffset: 7 }]);
    expect(r2.messages[2]?.pieces[0]?.headerOffset).to.equal(13);
    expect(s.pushCount).to.equal(2);
  });

  it('a multi-frame write split at every byte boundary (headers too), and byte by byte, reads the same', () => {
    const frag = [frame('{"jsonrpc":"2.0",', { fin: false }), frame('ping', { opcode: 9, mask: KEY2 }), frame('"id":7,', { opcode: 0, fin: false, mask: KEY2 }), frame('"method":"x"}', { opcode: 0 })];
    const bytes = Buffer.concat([frame(call('a')), frame('y'.repeat(300), { mask: KEY2 }), ...frag, frame(''), frame(call('c'), { len64: true })]);
    const want = [call('a'), 'y'.repeat(300), '{"jsonrpc":"2.0","id":7,"method":"x"}', '', call('c')];
    const cuts: number[][] = [];
    for (let cut = 0; cut <= bytes.length; cut++) cuts.push([cut]);
    cuts.push(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    for (const c of cuts) {
      const writes = split(bytes, c);
      const { messages, pushes } = feed(writes);
      expect(texts(messages), `cuts ${c.length === 1 ? String(c[0]) : 'every byte'}`).to.deep.equal(want);
      for (const m of messages) checkPieces(writes, m, m.data);
      // The second write starts at a frame boundary exactly when the cut is between two frames.
      const f1 = frame(call('a')).length;
      if (c.length === 1 && c[0] === f1) expect([pushes[1]?.frameStart, pushes[1]?.firstHeaderOffset]).to.deep.equal([true, 0]);
      if (c.length === 1 && c[0] === f1 + 1) expect([pushes[1]?.frameStart, pushes[1]?.firstHeaderOffset]).to.deep.equal([false, frame('y'.repeat(300)).length - 1]);
    }
  });

  it('a header that ends its write: the payload in the next write names no header there', () => {
    const f = frame(call('a'));
    const ping = frame('', { opcode: 9 });
    const writes = [Buffer.concat([ping, f.subarray(0, 6)]), f.subarray(6)];
    const { messages, pushes } = feed(writes);
    expect(pushes[0]?.firstHeaderOffset).to.equal(0);
    expect(pushes[1]?.frameStart).to.equal(false);
    expect(pushes[1]?.firstHeaderOffset).to.equal(-1);
    expect(messages[0]?.pieces).to.deep.equal([{ pushIndex: 1, payloadOffset: 0, length: f.length - 6, maskKey: KEY, maskPhase: 0, messageOffset: 0, headerOffset: -1 }]);
    // A header begun in a write counts as that write's first header, complete or not.
    expect(feed([Buffer.concat([f, f.subarray(0, 1)]), f.subarray(1)]).pushes[0]?.firstHeaderOffset).to.equal(0);
    expect(feed([f.subarray(0, 3), f.subarray(3)]).pushes[1]?.firstHeaderOffset).to.equal(-1);
  });

  it('a fragmented message with a ping and a pong between its fragments; a 64-bit length', () => {
    const s = new WsStream({ deflateOffered: false, maxMessage: 1 << 20 });
    const r = s.push(Buffer.concat([frame('{"jsonrpc":', { fin: false }), frame('p', { opcode: 9 }), frame('', { opcode: 10 }), frame('"2.0"}', { opcode: 0 })]));
    expect(texts(r.messages)).to.deep.equal(['{"jsonrpc":"2.0"}']);
    expect(r.messages[0]?.pieces.map((p) => [p.messageOffset, p.length])).to.deep.equal([[0, 11], [11, 6]]);
    const big = 'z'.repeat(70_000);
    const bf = frame(big);
    expect(bf[1]).to.equal(0x80 | 127);
    expect(texts(s.push(bf).messages)).to.deep.equal([big]);
    expect(texts(s.push(frame('small', { len64: true })).messages)).to.deep.equal(['small']);
  });

  it('a close frame: closed from then on, and any frame after it is a WsError', () => {
    const s = new WsStream({ deflateOffered: false });
    const r = s.push(Buffer.concat([frame('a'), frame(Buffer.from([0x03, 0xe8]), { opcode: 8 })]));
    expect(texts(r.messages)).to.deep.equal(['a']);
    expect(r.closed).to.equal(true);
    expect(s.push(Buffer.alloc(0)).closed).to.equal(true);
    expect(() => s.push(frame('x'))).to.throw(WsError, /after the close/);
    expect(() => new WsStream({ deflateOffered: false }).push(Buffer.concat([frame('', { opcode: 8 }), frame('', { opcode: 9 })]))).to.throw(WsError);
  });

  it('what no server accepts is a WsError (code WEBSOCKET), and every later write of the stream too', () => {
    const big64 = frame('x', { len64: true });
    big64[2] = 0x80; // 64-bit length with its most significant bit set
    const bad: [string, Buffer[], boolean?][] = [
      ['unmasked', [frame('x', { mask: false })]],
      ['reserved opcode 3', [frame('x', { opcode: 3 })]],
      ['reserved opcode 11', [frame('x', { opcode: 11 })]],
      ['RSV1 without deflate', [frame('x', { rsv: RSV1 })]],
      ['RSV2', [frame('x', { rsv: 0b010 })], true],
      ['RSV3', [frame('x', { rsv: 0b001 })], true],
      ['RSV1 on a continuation', [frame('x', { fin: false, rsv: RSV1 }), frame('y', { opcode: 0, rsv: RSV1 })], true],
      ['RSV1 on a ping', [frame('x', { opcode: 9, rsv: RSV1 })], true],
      ['continuation without a message', [frame('x', { opcode: 0 })]],
      ['new data frame inside a message', [frame('x', { fin: false }), frame('y')]],
      ['fragmented control frame', [frame('x', { opcode: 9, fin: false })]],
      ['long control frame', [frame('p'.repeat(126), { opcode: 9 })]],
      ['frame over the limit', [frame('x'.repeat(100))]],
      ['fragments over the limit', [frame('x'.repeat(40), { fin: false }), frame('x'.repeat(40), { opcode: 0 })]],
      ['64-bit length, MSB set', [big64]],
    ];
    for (const [what, frames, deflateOffered] of bad) {
      const s = new WsStream({ deflateOffered: deflateOffered ?? false, maxMessage: 64 });
      let err: unknown;
      try {
        for (const f of frames) s.push(f);
      } catch (e: unknown) {
        err = e;
      }
      expect(err, what).to.be.instanceOf(WsError);
      expect((err as WsError).code, what).to.equal('WEBSOCKET');
      expect(() => s.push(frame('fine')), what).to.throw(WsError, /failed earlier/);
    }
  });

  it('a refused first header byte is refused in the write that holds it, before the rest of the header', () => {
    const s = new WsStream({ deflateOffered: false });
    s.push(frame('ok'));
    expect(() => s.push(Buffer.from([0x83]))).to.throw(WsError, /reserved opcode 3/);
    const t = new WsStream({ deflateOffered: false });
    expect(t.push(Buffer.from([0x81])).messages).to.deep.equal([]);
    expect(() => t.push(Buffer.from([0x01]))).to.throw(WsError, /unmasked/);
  });

  it('wsPayloadPatches rewrite unmasked payload bytes in place; only the named write is patched', () => {
    const bytes = Buffer.concat([frame('x'), frame(call('delete_customer'))]);
    const s = new WsStream({ deflateOffered: false });
    const msg = s.push(bytes).messages[1];
    if (!msg) throw new Error('no message');
    const at = msg.data.indexOf('delete_customer');
    const [patched] = applyPatches([bytes], msg, at, Buffer.from('ZIRIZ_DENIED___'));
    expect(patched?.length).to.equal(bytes.length);
    expect(texts(feed([patched!]).messages)).to.deep.equal(['x', call('ZIRIZ_DENIED___')]);
    expect(wsPayloadPatches(msg, 1, at, Buffer.from('x'))).to.deep.equal([]);
  });

  it('wsPayloadPatches through a fragmented message cut at every byte: each write patched for its own pieces', () => {
    const text = call('delete_customer');
    const mid = text.indexOf('delete_') + 3;
    const bytes = Buffer.concat([frame(text.slice(0, mid), { fin: false }), frame('', { opcode: 10 }), frame(text.slice(mid), { opcode: 0, mask: KEY2 })]);
    const want = call('ZIRIZ_DENIED___');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const writes = split(bytes, [cut]);
      const msg = feed(writes).messages[0]!;
      const patched = applyPatches(writes, msg, text.indexOf('delete_customer'), Buffer.from('ZIRIZ_DENIED___'));
      expect(texts(feed(patched).messages), `cut ${cut}`).to.deep.equal([want]);
    }
  });

  it('wsRefusePatch gives the frame opcode 3 (FIN and RSV kept): a fresh stream, as a server, refuses it', () => {
    const bytes = Buffer.concat([frame('x'), frame(call('delete_customer'))]);
    const msg = feed([bytes]).messages[1]!;
    const header = msg.pieces[0]?.headerOffset ?? -1;
    expect(header).to.equal(frame('x').length);
    const refused = Buffer.from(bytes);
    const p = wsRefusePatch(refused, header);
    expect(p).to.deep.equal({ offset: header, bytes: Buffer.from([0x83]) });
    p.bytes.copy(refused, p.offset);
    const s = new WsStream({ deflateOffered: false });
    expect(() => s.push(refused)).to.throw(WsError, /reserved opcode 3/);
    const first = Buffer.from([0x40 | 0x02]); // RSV1, no FIN, binary
    expect(wsRefusePatch(first, 0).bytes[0]).to.equal(0x43);
  });

  it('permessage-deflate: one deflate stream (context takeover) across messages, fragmented, split over writes', async () => {
    const msgs = [call('get_customer'), call('get_customer'), call('delete_customer')];
    const [c1, c2, c3] = await deflateWithTakeover(msgs);
    // The later messages refer back into the earlier ones: alone they do not inflate to themselves.
    let alone: string | undefined;
    try {
      alone = inflateRawSync(Buffer.concat([c2!, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    } catch {
      alone = undefined;
    }
    expect(alone).to.not.equal(msgs[1]);
    const h = Math.floor(c3!.length / 2);
    const bytes = Buffer.concat([frame(c1!, { rsv: RSV1 }), frame(c2!, { rsv: RSV1, opcode: 2 }), frame(c3!.subarray(0, h), { rsv: RSV1, fin: false }), frame('', { opcode: 9 }), frame(c3!.subarray(h), { opcode: 0, mask: KEY2 })]);
    for (let cut = 0; cut <= bytes.length; cut += 3) {
      const writes = split(bytes, [cut]);
      const { messages } = feed(writes, true);
      expect(texts(messages), `cut ${cut}`).to.deep.equal(msgs);
      expect(messages.map((m) => [m.compressed, m.opcode])).to.deep.equal([[true, 1], [true, 2], [true, 1]]);
      checkPieces(writes, messages[2]!, c3!);
      expect(wsPayloadPatches(messages[2]!, 0, 0, Buffer.from('x'))).to.deep.equal([]);
    }
  });

  it('permessage-deflate: a client that resets its context, an uncompressed message between, a final block', () => {
    const a = call('a');
    const b = call('b');
    const noTakeover = (t: string): Buffer => deflateRawSync(t, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const bytes = Buffer.concat([frame(noTakeover(a), { rsv: RSV1 }), frame('plain'), frame(noTakeover(b), { rsv: RSV1 }), frame(deflateRawSync(a), { rsv: RSV1 })]);
    expect(texts(feed([bytes], true).messages)).to.deep.equal([a, 'plain', b, a]);
  });

  it('permessage-deflate: what does not inflate, or inflates past the limit, is a WsError', () => {
    expect(() => new WsStream({ deflateOffered: true }).push(frame(Buffer.from([0xff, 0xff, 0xff]), { rsv: RSV1 }))).to.throw(WsError, /inflate/);
    const bomb = deflateRawSync(Buffer.alloc(10_000, 0x61), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).to.be.below(100);
    expect(() => new WsStream({ deflateOffered: true, maxMessage: 1000 }).push(frame(bomb, { rsv: RSV1 }))).to.throw(WsError, /inflate/);
    expect(texts(new WsStream({ deflateOffered: true, maxMessage: 10_000 }).push(frame(bomb, { rsv: RSV1 })).messages)).to.deep.equal(['a'.repeat(10_000)]);
  });
});
