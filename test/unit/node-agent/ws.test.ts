/**
 * calls/ws: WebSocket client frames read write by write (real frame bytes,
 * masked; permessage-deflate built with node:zlib).
 */
import { expect } from 'chai';
import { constants, deflateRawSync } from 'node:zlib';
import { WsError, WsStream, wsPayloadPatches, wsRefusePatch, type WsMessage } from '../../../node-agent/src/calls/ws.js';

const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);

function frame(payload: Buffer | string, opts: { opcode?: number; fin?: boolean; rsv1?: boolean; mask?: boolean } = {}): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const b0 = (opts.fin ?? true ? 0x80 : 0) | (opts.rsv1 ? 0x40 : 0) | (opts.opcode ?? 1);
  const len = p.length < 126 ? Buffer.from([p.length]) : p.length < 65536 ? Buffer.from([126, p.length >> 8, p.length & 0xff]) : Buffer.concat([Buffer.from([127]), (() => { const x = Buffer.alloc(8); x.writeBigUInt64BE(BigInt(p.length)); return x; })()]);
  const masked = opts.mask ?? true;
  len[0] = (len[0] ?? 0) | (masked ? 0x80 : 0);
  const body = Buffer.from(p.map((c, i) => c ^ (masked ? (KEY[i % 4] ?? 0) : 0)));
  return Buffer.concat([Buffer.from([b0]), len, masked ? KEY : Buffer.alloc(0), body]);
}

const call = (name: string): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

function texts(ms: readonly WsMessage[]): string[] {
  return ms.map((m) => m.data.toString());
}

describe('calls/ws: WebSocket client frames', () => {
  it('one text frame; several frames in one write', () => {
    const s = new WsStream({ deflateOffered: false });
    const r = s.push(frame(call('a')));
    expect(texts(r.messages)).to.deep.equal([call('a')]);
    expect(r.frameStart).to.equal(true);
    expect(r.firstHeaderOffset).to.equal(0);
    expect(texts(s.push(Buffer.concat([frame('x'), frame(call('b'))])).messages)).to.deep.equal(['x', call('b')]);
  });

  it('frames split at every byte boundary (the header too) read the same', () => {
    const bytes = Buffer.concat([frame(call('a')), frame('y'.repeat(300)), frame(call('c'))]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new WsStream({ deflateOffered: false });
      const a = s.push(bytes.subarray(0, cut));
      const b = s.push(bytes.subarray(cut));
      expect([...texts(a.messages), ...texts(b.messages)], `cut ${cut}`).to.deep.equal([call('a'), 'y'.repeat(300), call('c')]);
    }
  });

  it('a fragmented message with a ping between its fragments; a 64-bit length', () => {
    const s = new WsStream({ deflateOffered: false, maxMessage: 1 << 20 });
    const r = s.push(Buffer.concat([frame('{"jsonrpc":', { fin: false }), frame('p', { opcode: 9 }), frame('"2.0"}', { opcode: 0 })]));
    expect(texts(r.messages)).to.deep.equal(['{"jsonrpc":"2.0"}']);
    expect(r.messages[0]?.pieces.length).to.equal(2);
    const big = 'z'.repeat(70_000);
    expect(texts(s.push(frame(big)).messages)).to.deep.equal([big]);
  });

  it('what no server accepts is a WsError', () => {
    const bad: [string, Buffer[]][] = [
      ['unmasked', [frame('x', { mask: false })]],
      ['reserved opcode', [frame('x', { opcode: 3 })]],
      ['RSV1 without deflate', [frame('x', { rsv1: true })]],
      ['continuation without a message', [frame('x', { opcode: 0 })]],
      ['new data frame inside a message', [frame('x', { fin: false }), frame('y')]],
      ['frame after close', [frame('', { opcode: 8 }), frame('x')]],
      ['long control frame', [frame('p'.repeat(126), { opcode: 9 })]],
      ['over the limit', [frame('x'.repeat(100))]],
    ];
    for (const [what, frames] of bad) {
      const s = new WsStream({ deflateOffered: false, maxMessage: 64 });
      expect(() => { for (const f of frames) s.push(f); }, what).to.throw(WsError);
    }
  });

  it('permessage-deflate: compressed messages inflate, context takeover across messages', () => {
    const first = call('get_customer');
    const second = call('delete_customer');
    const c1 = deflateRawSync(first, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    const c2 = deflateRawSync(second, { finishFlush: constants.Z_SYNC_FLUSH, dictionary: Buffer.from(first) }).subarray(0, -4);
    const s = new WsStream({ deflateOffered: true });
    const r = s.push(Buffer.concat([frame(c1, { rsv1: true }), frame(c2, { rsv1: true })]));
    expect(texts(r.messages)).to.deep.equal([first, second]);
    expect(r.messages.every((m) => m.compressed)).to.equal(true);
    expect(() => new WsStream({ deflateOffered: true }).push(frame(Buffer.from([0xff, 0xff, 0xff]), { rsv1: true }))).to.throw(WsError);
  });

  it('wsPayloadPatches rewrite unmasked payload bytes in place; wsRefusePatch makes the frame refused', () => {
    const bytes = Buffer.concat([frame('x'), frame(call('delete_customer'))]);
    const s = new WsStream({ deflateOffered: false });
    const msg = s.push(bytes).messages[1];
    if (!msg) throw new Error('no message');
    const at = msg.data.indexOf('delete_customer');
    const patched = Buffer.from(bytes);
    for (const p of wsPayloadPatches(msg, 0, at, Buffer.from('ZIRIZ_DENIED___'))) p.bytes.copy(patched, p.offset);
    expect(texts(new WsStream({ deflateOffered: false }).push(patched).messages)).to.deep.equal(['x', call('ZIRIZ_DENIED___')]);
    expect(wsPayloadPatches(msg, 1, at, Buffer.from('x'))).to.deep.equal([]);
    const header = msg.pieces[0]?.headerOffset ?? -1;
    expect(header).to.equal(frame('x').length);
    const refused = Buffer.from(bytes);
    const p = wsRefusePatch(refused, header);
    p.bytes.copy(refused, p.offset);
    expect(() => new WsStream({ deflateOffered: false }).push(refused)).to.throw(WsError, /reserved opcode 3/);
  });
});
