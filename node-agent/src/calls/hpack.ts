/**
 * HPACK (RFC 7541) header block decoding, for the HTTP/2 requests the agent
 * judges. One decoder per connection and direction: its dynamic table
 * follows every header block in order. Lenient where servers differ only in
 * what they refuse (a table larger than the default is accepted); anything a
 * conforming decoder rejects throws HpackError, which the caller judges fail
 * closed.
 */
import { ZirizError } from '../../../core/errors/ziriz-error.js';
import { HUFFMAN, STATIC_TABLE } from './hpack-tables.js';

export class HpackError extends ZirizError {
  constructor(message: string) {
    super('HPACK', `HPACK: ${message}`);
  }
}

/** The largest dynamic table the agent follows (a peer may announce more than 4096; none needs more than this). */
const MAX_TABLE = 1 << 20;
const MAX_STRING = 1 << 20;

/** Huffman code (length * 2^32 + code) -> byte. */
const DECODE = new Map<number, number>(HUFFMAN.map(([code, len], byte) => [len * 2 ** 32 + code, byte]));

export function huffmanDecode(b: Buffer): Buffer {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of b) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const hit = DECODE.get(len * 2 ** 32 + code);
      if (hit !== undefined) {
        out.push(hit);
        code = 0;
        len = 0;
      } else if (len >= 30) {
        throw new HpackError('invalid Huffman code (or EOS in a string)');
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  if (len > 7 || code !== 2 ** len - 1) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out);
}

export type Header = readonly [string, string];

/** Where a field's representation is in its block, when it is one byte naming a static table entry (1xxxxxxx). */
export interface FieldAt {
  readonly at: number;
  readonly staticIndex: number | null;
}

export class HpackDecoder {
  /** Newest first. */
  private table: Header[] = [];
  private size = 0;
  private maxSize = 4096;

  /** The fields of one complete header block, in order; `where` gets where each one is. */
  decode(block: Buffer, where: FieldAt[] = []): Header[] {
    const r = { b: block, at: 0 };
    const out: Header[] = [];
    while (r.at < block.length) {
      const first = block[r.at] ?? 0;
      const at = r.at;
      if (first & 0x80) {
        const idx = this.int(r, 7);
        out.push(this.entry(idx));
        where.push({ at, staticIndex: r.at - at === 1 && idx <= STATIC_TABLE.length ? idx : null });
        continue;
      }
      where.push({ at, staticIndex: null });
      if (first & 0x40) {
        const h = this.literal(r, 6);
        this.add(h);
        out.push(h);
      } else if (first & 0x20) {
        where.pop();
        if (out.length > 0) throw new HpackError('a dynamic table size update after a field');
        const size = this.int(r, 5);
        if (size > MAX_TABLE) throw new HpackError(`dynamic table size ${size} over ${MAX_TABLE}`);
        this.maxSize = size;
        this.evict(0);
      } else {
        // without indexing (0000) or never indexed (0001): the same for what the request says
        out.push(this.literal(r, 4));
      }
    }
    return out;
  }

  private int(r: { b: Buffer; at: number }, prefix: number): number {
    const max = (1 << prefix) - 1;
    let v = (r.b[r.at++] ?? 0) & max;
    if (v < max) return v;
    let shift = 0;
    for (;;) {
      if (r.at >= r.b.length) throw new HpackError('truncated integer');
      const byte = r.b[r.at++] ?? 0;
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) break;
      if (shift > 28) throw new HpackError('integer too large');
    }
    return v;
  }

  private str(r: { b: Buffer; at: number }): string {
    if (r.at >= r.b.length) throw new HpackError('truncated string');
    const huffman = ((r.b[r.at] ?? 0) & 0x80) !== 0;
    const len = this.int(r, 7);
    if (len > MAX_STRING || r.at + len > r.b.length) throw new HpackError(`string of ${len} bytes past the block's end`);
    const raw = r.b.subarray(r.at, r.at + len);
    r.at += len;
    return (huffman ? huffmanDecode(raw) : raw).toString('latin1');
  }

  private literal(r: { b: Buffer; at: number }, prefix: number): Header {
    const idx = this.int(r, prefix);
    const name = idx === 0 ? this.str(r) : this.entry(idx)[0];
    return [name, this.str(r)];
  }

  private entry(idx: number): Header {
    if (idx === 0) throw new HpackError('index 0');
    const s = STATIC_TABLE[idx - 1];
    if (s) return s;
    const d = this.table[idx - STATIC_TABLE.length - 1];
    if (!d) throw new HpackError(`index ${idx} not in the table (a header block the agent did not see?)`);
    return d;
  }

  private add(h: Header): void {
    const size = h[0].length + h[1].length + 32;
    this.evict(size);
    if (size <= this.maxSize) {
      this.table.unshift(h);
      this.size += size;
    }
  }

  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.table.length > 0) {
      const h = this.table.pop();
      if (h) this.size -= h[0].length + h[1].length + 32;
    }
  }
}
