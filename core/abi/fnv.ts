/**
 * FNV-1a 64-bit, the hash of call names (MCP tool, A2A method, HTTP route)
 * in map ziriz_calls. Must equal ziriz_fnv1a64() in bpf/lib/hash.h; the kernel
 * tests check both on the same inputs. 0 is reserved for "category default",
 * so a name hashing to 0 is mapped to 1 on both sides.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** Longest name prefix the kernel hashes; longer names are hashed on this prefix. */
export const NAME_HASH_MAX = 64;

export function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  const n = Math.min(bytes.length, NAME_HASH_MAX);
  for (let i = 0; i < n; i++) {
    h ^= BigInt(bytes[i] ?? 0);
    h = (h * FNV_PRIME) & MASK;
  }
  return h === 0n ? 1n : h;
}

export function nameHash(name: string): bigint {
  return fnv1a64(Buffer.from(name, 'utf8'));
}

/**
 * FNV-1a 64 of a whole path (no prefix limit): the key of file and executable
 * path entries, hashed by bpf/lib/paths.h over up to ZIRIZ_PATH_MAX bytes.
 */
export function pathHash(path: string): bigint {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(path, 'utf8')) {
    h ^= BigInt(b);
    h = (h * FNV_PRIME) & MASK;
  }
  return h === 0n ? 1n : h;
}
