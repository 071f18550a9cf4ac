/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Deny lists of paths and executables (policy `files.deny`, `process.deny`),
 * as ziriz_calls entries keyed by the FNV hash of the path: a path is denied
 * when it, or one of its parent directories, has an entry (checked at every
 * '/' boundary while hashing, so "/etc/secret" denies "/etc/secret/x" but not
 * "/etc/secretX"). An executable is also denied by its base name.
 */
#ifndef ZIRIZ_PATHS_H
#define ZIRIZ_PATHS_H

#include "common.h"
#include "hash.h"
#include "calls_map.h"
#include "lsm.h"

#define ZIRIZ_PATH_MASK (ZIRIZ_PATH_MAX - 1)

/* Per-CPU room for a second path-sized string (variable offsets need a ZIRIZ_PATH_MAX buffer, not the stack). */
struct zname_buf {
	char name[ZIRIZ_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zname_buf);
} ziriz_name_scratch SEC(".maps");

static __always_inline char *zname_scratch(void)
{
	__u32 zero = 0;
	struct zname_buf *b = bpf_map_lookup_elem(&ziriz_name_scratch, &zero);

	return b ? b->name : NULL;
}

/*
 * Two phases. The scan (a bpf_loop callback) only hashes: it notes the hash
 * of each directory prefix and of the whole path in a per-CPU slot. The
 * lookups come after it, at most ZIRIZ_PATH_PREFIXES + 1 of them, unrolled.
 * A map lookup inside the callback kept the verifier from converging on the
 * loop (~3,200 instructions per byte of path, 824,345 for the exec program on
 * Linux 6.18.44). Prefixes deeper than ZIRIZ_PATH_PREFIXES directories are not
 * looked up: the policy compiler refuses deny entries that deep.
 */
struct zpath_hashes {
	__u64 prefix[ZIRIZ_PATH_PREFIXES];
	/* the whole path's: kept here, not in a local, the verifier then checks the lookups in half the instructions (4,435 vs 9,976) */
	__u64 whole;
	__u32 n;      /* prefixes noted */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zpath_hashes);
} ziriz_path_hashes SEC(".maps");

struct zpath_scan {
	const char *p;
	struct zpath_hashes *out;
	__u32 len;        /* bytes of the path (no NUL) */
	__u64 h;
};

static int zpath_cb(__u32 i, struct zpath_scan *s)
{
	struct zpath_hashes *o = s->out;
	__u8 c;

	if (i >= s->len)
		return 1;
	c = s->p[i & ZIRIZ_PATH_MASK];
	/* a directory prefix ends here: "/etc" before the '/' of "/etc/x" */
	if (c == '/' && i > 0 && o->n < ZIRIZ_PATH_PREFIXES) {
		o->prefix[o->n & (ZIRIZ_PATH_PREFIXES - 1)] = s->h;
		o->n++;
	}
	s->h ^= c;
	s->h *= ZIRIZ_FNV_PRIME;
	return 0;
}

/*
 * Verdict for the NUL-terminated path in `p` (a buffer of ZIRIZ_PATH_MAX the
 * program owns) of `len` bytes: DENY/AUDIT from the nearest entry, or NONE.
 */
static __always_inline __u8 zpath_verdict(const char *p, __u32 len, __u32 policy_id, __u16 kind, __u32 *rule_id)
{
	__u32 zero = 0;
	struct zpath_hashes *o = bpf_map_lookup_elem(&ziriz_path_hashes, &zero);
	struct zpath_scan s = { .p = p, .len = len, .h = ZIRIZ_FNV_OFFSET, .out = o };
	struct ziriz_call_value *v;

	if (!o || len == 0 || len >= ZIRIZ_PATH_MAX)
		return ZIRIZ_VERDICT_NONE;
	o->n = 0;
	bpf_loop(ZIRIZ_PATH_MAX, zpath_cb, &s, 0);
	o->whole = s.h;
	for (__u32 k = 0; k <= ZIRIZ_PATH_PREFIXES; k++) {
		__u64 h;

		if (k < ZIRIZ_PATH_PREFIXES && k >= o->n)
			continue;
		h = k < ZIRIZ_PATH_PREFIXES ? o->prefix[k] : o->whole;
		v = zcall_entry(policy_id, kind, h ? h : 1);
		if (v && v->verdict != ZIRIZ_VERDICT_ALLOW) {
			*rule_id = v->rule_id;
			return v->verdict;
		}
	}
	return ZIRIZ_VERDICT_NONE;
}

/* FNV hash of the base name of a path of `len` bytes (restarted after every '/'). */
struct zbase_scan {
	const char *p;
	__u32 len;
	__u32 n;       /* bytes hashed since the last '/' */
	__u64 h;
};

static int zbase_cb(__u32 i, struct zbase_scan *s)
{
	__u8 c;

	if (i >= s->len)
		return 1;
	c = s->p[i & ZIRIZ_PATH_MASK];
	if (c == '/') {
		s->h = ZIRIZ_FNV_OFFSET;
		s->n = 0;
	} else if (s->n++ < ZIRIZ_NAME_HASH_MAX) {
		s->h ^= c;
		s->h *= ZIRIZ_FNV_PRIME;
	}
	return 0;
}

static __always_inline __u64 zbase_hash(const char *p, __u32 len)
{
	struct zbase_scan s = { .p = p, .len = len, .h = ZIRIZ_FNV_OFFSET };

	bpf_loop(ZIRIZ_PATH_MAX, zbase_cb, &s, 0);
	return s.h ? s.h : 1;
}

/*
 * Verdict for executing `path` (as invoked, `len` bytes) whose resolved file
 * has base name `real` (`rlen` bytes): path rules on the invoked path, name
 * rules on both base names (a symlink does not hide the real program).
 */
static __always_inline __u8 zexec_verdict(__u32 policy_id, const char *path, __u32 len,
					  const char *real, __u32 rlen, __u32 *rule_id)
{
	struct ziriz_call_value *v;
	__u8 verdict = ZIRIZ_VERDICT_NONE;

	if (len > 0 && path[0] == '/')
		verdict = zpath_verdict(path, len, policy_id, ZIRIZ_CALL_EXEC_PATH, rule_id);
	if (verdict == ZIRIZ_VERDICT_DENY)
		return verdict;
	v = zcall_entry(policy_id, ZIRIZ_CALL_EXEC_NAME, zbase_hash(path, len));
	if (!v || v->verdict == ZIRIZ_VERDICT_ALLOW)
		v = zcall_entry(policy_id, ZIRIZ_CALL_EXEC_NAME, zbase_hash(real, rlen));
	if (v && v->verdict != ZIRIZ_VERDICT_ALLOW && (verdict == ZIRIZ_VERDICT_NONE || v->verdict == ZIRIZ_VERDICT_DENY)) {
		verdict = v->verdict;
		*rule_id = v->rule_id;
	}
	return verdict;
}

/*
 * The exec verdict as a global function (verified once, on its own): the
 * invoked path is in the lsm scratch record's `path`, the resolved base name
 * in the name scratch; `len`/`rlen` their lengths. Returns the verdict and
 * puts the rule in the lsm scratch record's `rule_id`.
 */
__noinline int zexec_judge(__u32 policy_id, __u32 len, __u32 rlen)
{
	struct ziriz_lsm_event *e = zlsm_scratch();
	char *real = zname_scratch();
	__u32 rule_id = 0;
	__u8 verdict;

	if (!e || !real || len >= ZIRIZ_PATH_MAX || rlen >= ZIRIZ_PATH_MAX)
		return ZIRIZ_VERDICT_NONE;
	verdict = zexec_verdict(policy_id, e->path, len, real, rlen, &rule_id);
	e->rule_id = rule_id;
	return verdict;
}

/*
 * zexec_verdict for an exec in progress: reads the path as invoked into the
 * lsm scratch record's `path` and the resolved file's base name into the
 * name scratch. -1 when the invoked path cannot be read (nothing to judge).
 */
static __always_inline int zexec_bprm_verdict(const struct ziriz_identity *id, struct linux_binprm *bprm,
					      struct ziriz_lsm_event *e, char *real, __u32 *rule_id)
{
	long len = bpf_probe_read_kernel_str(e->path, ZIRIZ_PATH_MAX, BPF_CORE_READ(bprm, filename));
	long rlen = bpf_probe_read_kernel_str(real, ZIRIZ_PATH_MAX, BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name));
	int verdict;

	if (len <= 1)
		return -1;
	verdict = zexec_judge(id->policy_id, len - 1, rlen > 1 ? rlen - 1 : 0);
	*rule_id = e->rule_id;
	return verdict;
}

#endif /* ZIRIZ_PATHS_H */
