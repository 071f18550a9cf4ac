/**
 * Generic encode/decode of ABI structs from their layouts (structs.ts).
 * Scalars are numbers (u64: bigint), byte arrays are Buffers (zero-padded),
 * nested structs are objects (or pre-encoded Buffers) and struct arrays
 * arrays of objects. Missing
 * fields encode as zero.
 */
import { fieldSize, readScalar, writeScalar, type Field, type StructLayout } from './layout.js';
import { ABI_STRUCTS } from './structs.js';

export interface StructValue { readonly [field: string]: number | bigint | Buffer | StructValue | readonly StructValue[] }

const BY_NAME = new Map<string, StructLayout>(ABI_STRUCTS.map((s) => [s.name, s]));

function nested(f: Field): StructLayout {
  if (f.type !== 'struct') throw new TypeError('not a struct field');
  const s = BY_NAME.get(f.struct);
  if (!s) throw new TypeError(`unknown struct ${f.struct}`);
  return s;
}

function writeField(buf: Buffer, base: number, name: string, f: Field, v: StructValue[string]): void {
  if (f.type === 'bytes') {
    if (!Buffer.isBuffer(v)) throw new TypeError(`${name}: expected a Buffer`);
    if (v.length > f.size) throw new RangeError(`${name}: ${v.length} bytes do not fit in ${f.size}`);
    v.copy(buf, base + f.offset);
    return;
  }
  if (f.type === 'struct') {
    if (Buffer.isBuffer(v)) {
      // pre-encoded bytes of the nested struct(s)
      if (v.length > fieldSize(f)) throw new RangeError(`${name}: ${v.length} bytes do not fit in ${fieldSize(f)}`);
      v.copy(buf, base + f.offset);
      return;
    }
    const inner = nested(f);
    const items: readonly StructValue[] = Array.isArray(v) ? v : [v as StructValue];
    if (items.length > (f.count ?? 1)) throw new RangeError(`${name}: ${items.length} items, room for ${f.count ?? 1}`);
    items.forEach((item, i) => {
      encodeInto(inner, item, buf, base + f.offset + i * inner.size);
    });
    return;
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new TypeError(`${name}: expected a number`);
  writeScalar(buf, base, f, v);
}

export function encodeInto(layout: StructLayout, value: StructValue, buf: Buffer, base = 0): void {
  for (const [name, v] of Object.entries(value)) {
    const f = layout.fields[name];
    if (!f) throw new TypeError(`${layout.name} has no field ${name}`);
    writeField(buf, base, `${layout.name}.${name}`, f, v);
  }
}

export function encodeStruct(layout: StructLayout, value: StructValue): Buffer {
  const buf = Buffer.alloc(layout.size);
  encodeInto(layout, value, buf);
  return buf;
}

export interface Decoded { [field: string]: number | bigint | Buffer | Decoded | Decoded[] }

export function decodeStruct(layout: StructLayout, buf: Buffer, base = 0): Decoded {
  if (buf.length < base + layout.size) throw new RangeError(`${layout.name}: ${buf.length - base} bytes, need ${layout.size}`);
  const out: Decoded = {};
  for (const [name, f] of Object.entries(layout.fields)) {
    if (f.type === 'bytes') {
      out[name] = Buffer.from(buf.subarray(base + f.offset, base + f.offset + fieldSize(f)));
    } else if (f.type === 'struct') {
      const inner = nested(f);
      const items: Decoded[] = [];
      for (let i = 0; i < (f.count ?? 1); i++) items.push(decodeStruct(inner, buf, base + f.offset + i * inner.size));
      out[name] = f.count === undefined ? (items[0] ?? {}) : items;
    } else {
      out[name] = readScalar(buf, base, f);
    }
  }
  return out;
}
