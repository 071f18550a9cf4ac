/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* FNV-1a 64 of call names; must equal core/abi/fnv.ts (0 is reserved -> 1). */
#ifndef ZIRIZ_HASH_H
#define ZIRIZ_HASH_H

#define ZIRIZ_NAME_HASH_MAX 64
#define ZIRIZ_FNV_OFFSET 0xcbf29ce484222325ULL
#define ZIRIZ_FNV_PRIME 0x100000001b3ULL

/* Hash `len` bytes of `s` (a buffer the program owns), at most ZIRIZ_NAME_HASH_MAX. */
static __always_inline __u64 ziriz_fnv1a64(const __u8 *s, __u32 len)
{
	__u64 h = ZIRIZ_FNV_OFFSET;

	for (__u32 i = 0; i < ZIRIZ_NAME_HASH_MAX; i++) {
		if (i >= len)
			break;
		h ^= s[i];
		h *= ZIRIZ_FNV_PRIME;
	}
	return h ? h : 1;
}

#endif /* ZIRIZ_HASH_H */
