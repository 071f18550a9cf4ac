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

struct zpath_scan {
	const char *p;
	__u32 len;        /* bytes of the path (no NUL) */
	__u64 h;
	__u32 policy_id;
	__u16 kind;
	__u8 verdict;
	__u32 rule_id;
};

static __always_inline int zpath_hit(struct zpath_scan *s, __u64 h)
{
	struct ziriz_call_value *v = zcall_entry(s->policy_id, s->kind, h ? h : 1);

	if (!v || v->verdict == ZIRIZ_VERDICT_ALLOW)
		return 0;
	s->verdict = v->verdict;
	s->rule_id = v->rule_id;
	return 1;
}

static int zpath_cb(__u32 i, struct zpath_scan *s)
{
	char c;

	if (i >= s->len)
		return 1;
	c = s->p[i & ZIRIZ_PATH_MASK];
	/* a directory prefix ends here: "/etc" before the '/' of "/etc/x" */
	if (c == '/' && i > 0 && zpath_hit(s, s->h))
		return 1;
	s->h ^= (__u8)c;
	s->h *= ZIRIZ_FNV_PRIME;
	if (i + 1 == s->len && zpath_hit(s, s->h))
		return 1;
	return 0;
}

/*
 * Verdict for the NUL-terminated path in `p` (a buffer of ZIRIZ_PATH_MAX the
 * program owns) of `len` bytes: DENY/AUDIT from the nearest entry, or NONE.
 */
static __always_inline __u8 zpath_verdict(const char *p, __u32 len, __u32 policy_id, __u16 kind, __u32 *rule_id)
{
	struct zpath_scan s = { .p = p, .len = len, .h = ZIRIZ_FNV_OFFSET, .policy_id = policy_id, .kind = kind };

	if (len == 0 || len >= ZIRIZ_PATH_MAX)
		return ZIRIZ_VERDICT_NONE;
	bpf_loop(ZIRIZ_PATH_MAX, zpath_cb, &s, 0);
	*rule_id = s.rule_id;
	return s.verdict;
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
static __always_inline __u8 zexec_verdict(const struct ziriz_identity *id, const char *path, __u32 len,
					  const char *real, __u32 rlen, __u32 *rule_id)
{
	struct ziriz_call_value *v;
	__u8 verdict = ZIRIZ_VERDICT_NONE;

	if (len > 0 && path[0] == '/')
		verdict = zpath_verdict(path, len, id->policy_id, ZIRIZ_CALL_EXEC_PATH, rule_id);
	if (verdict == ZIRIZ_VERDICT_DENY)
		return verdict;
	v = zcall_entry(id->policy_id, ZIRIZ_CALL_EXEC_NAME, zbase_hash(path, len));
	if (!v || v->verdict == ZIRIZ_VERDICT_ALLOW)
		v = zcall_entry(id->policy_id, ZIRIZ_CALL_EXEC_NAME, zbase_hash(real, rlen));
	if (v && v->verdict != ZIRIZ_VERDICT_ALLOW && (verdict == ZIRIZ_VERDICT_NONE || v->verdict == ZIRIZ_VERDICT_DENY)) {
		verdict = v->verdict;
		*rule_id = v->rule_id;
	}
	return verdict;
}

/*
 * zexec_verdict for an exec in progress: reads the path as invoked into
 * `path` (ZIRIZ_PATH_MAX bytes) and the resolved file's base name into
 * `real`. -1 when the invoked path cannot be read (nothing to judge).
 */
static __always_inline int zexec_bprm_verdict(const struct ziriz_identity *id, struct linux_binprm *bprm,
					      char *path, char *real, __u32 *rule_id)
{
	long len = bpf_probe_read_kernel_str(path, ZIRIZ_PATH_MAX, BPF_CORE_READ(bprm, filename));
	long rlen = bpf_probe_read_kernel_str(real, ZIRIZ_PATH_MAX, BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name));

	if (len <= 1)
		return -1;
	return zexec_verdict(id, path, len - 1, real, rlen > 1 ? rlen - 1 : 0, rule_id);
}

#endif /* ZIRIZ_PATHS_H */
