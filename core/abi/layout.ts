/**
 * Byte layouts of the C structs in bpf/include/ziriz_abi.h.
 *
 * Offsets and sizes are written out here and checked against the BTF of the
 * built BPF objects (test/kernel/abi-btf.test.ts), so C and TypeScript cannot
 * drift apart silently. All numbers are little-endian (x86_64 and arm64).
 */
export type Scalar = 'u8' | 'u16' | 'u32' | 'u64';

export interface ScalarField {
  readonly offset: number;
  readonly type: Scalar;
}

export interface BytesField {
  readonly offset: number;
  readonly type: 'bytes';
  readonly size: number;
}

/** A field that is itself a struct, or an array of structs. */
export interface StructField {
  readonly offset: number;
  readonly type: 'struct';
  readonly struct: string;
  readonly size: number;
  readonly count?: number;
}

export type Field = ScalarField | BytesField | StructField;

export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly fields: Readonly<Record<string, Field>>;
}

export const SCALAR_SIZE: Readonly<Record<Scalar, number>> = { u8: 1, u16: 2, u32: 4, u64: 8 };

export function fieldSize(f: Field): number {
  if (f.type === 'bytes') return f.size;
  if (f.type === 'struct') return f.size * (f.count ?? 1);
  return SCALAR_SIZE[f.type];
}

export function readScalar(buf: Buffer, base: number, f: ScalarField): number | bigint {
  const at = base + f.offset;
  switch (f.type) {
    case 'u8':
      return buf.readUInt8(at);
    case 'u16':
      return buf.readUInt16LE(at);
    case 'u32':
      return buf.readUInt32LE(at);
    case 'u64':
      return buf.readBigUInt64LE(at);
  }
}

export function writeScalar(buf: Buffer, base: number, f: ScalarField, value: number | bigint): void {
  const at = base + f.offset;
  switch (f.type) {
    case 'u8':
      buf.writeUInt8(Number(value), at);
      return;
    case 'u16':
      buf.writeUInt16LE(Number(value), at);
      return;
    case 'u32':
      buf.writeUInt32LE(Number(value), at);
      return;
    case 'u64':
      buf.writeBigUInt64LE(BigInt(value), at);
      return;
  }
}

/** NUL-terminated C string from a fixed-size char array. */
export function readCString(buf: Buffer, base: number, f: BytesField): string {
  const start = base + f.offset;
  const slice = buf.subarray(start, start + f.size);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}
