/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Tool-level judgement of plaintext a protected process is about to send
 * (SSL_write entry, gnutls_record_send entry, libc write/send entry): the
 * kernel does the cheap part and is only a fast-path ALLOW filter.
 *
 *  - An HTTP request line ("POST /path HTTP/1.1") is hashed as "METHOD /path"
 *    and looked up as an HTTP route; a JSON-RPC message ("jsonrpc" or "method") with one
 *    unescaped "method" is an MCP tools/call (its one unescaped "name" is the
 *    tool) or an A2A method.
 *  - A name found in ziriz_calls with ALLOW passes with no userspace round
 *    trip. Anything else the kernel recognises as a call (DENY, CHECK, a name
 *    it cannot read unambiguously: escapes, two "name" keys, a batch, data
 *    beyond what it captured) is HELD: SIGSTOP to the process, delivered
 *    before it returns to user code, and a record for the agent, which judges
 *    the full request, rewrites it in place if it must not run, and resumes.
 *  - Categories covered only by Audit policies are reported, never held.
 *  - Certainty or hold: on a covered stream connection (TLS, a TCP socket)
 *    a write passes without userspace only when the kernel is certain of
 *    it: one HTTP/1.1 request head in the form every server reads alike,
 *    with no body or a whole JSON body spelled unambiguously (certain.h),
 *    judged allowed; or the rest of a message already judged. Anything else
 *    (no recognisable start, escapes, case-variant keys, encodings, a body
 *    split over writes or beyond the capture, pipelining) is HELD with the
 *    reason (enum ziriz_hold_why) and judged by the agent's parser.
 *    Datagram sockets are not judged this way (QUIC is out of reach, see
 *    docs/threat-model.md): only what they carry that the kernel recognises.
 */
#ifndef ZIRIZ_CALL_H
#define ZIRIZ_CALL_H

#include "common.h"
#include "identity.h"
#include "hash.h"
#include "data.h"
#include "certain.h"

#define ZIRIZ_SIGSTOP 19
#define ZIRIZ_DATA_MASK (ZIRIZ_DATA_MAX - 1)
#define ZIRIZ_CALL_COVER (ZIRIZ_COVER_MCP | ZIRIZ_COVER_A2A | ZIRIZ_COVER_HTTP)

#include "calls_map.h"
#include "holds.h"
#include "escape.h"

/* conn -> 1: the agent wants every write on this connection held (a message in progress). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_conn_hold SEC(".maps");


/*
 * Where a connection is in its message stream, as far as the kernel judged
 * it: (conn, tgid) -> state. ZIRIZ_CONN_BODY: a head passed, its body
 * (`remaining` bytes) must come whole in the next write and is judged then.
 * ZIRIZ_CONN_CONT: the rest of a message judged allowed whatever its body
 * (a route-only policy): `remaining` bytes pass. `sk`: the socket of a
 * plaintext connection, so that a reused fd never inherits its state;
 * TLS connections drop theirs at SSL_free. No entry: the next write must
 * start a message.
 */
static __always_inline int ztls_record(__u8 b0, __u8 b1)
{
	return b0 >= 0x14 && b0 <= 0x17 && b1 == 0x03;   /* content type, version major */
}

#define ZIRIZ_CONN_BODY 1
#define ZIRIZ_CONN_CONT 2
/*
 * ZIRIZ_CONN_TLS: a plaintext socket whose first write was a TLS handshake
 * record: the ciphertext of a TLS library (judged at that library's probes).
 * Writes that are TLS records pass; anything else on it is judged again.
 */
#define ZIRIZ_CONN_TLS 3

struct zconn_key {
	__u64 conn;
	__u32 tgid;
	__u32 pad;
};

struct zconn_state {
	__u64 remaining;
	__u64 sk;
	__u8 phase;
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct zconn_key);
	__type(value, struct zconn_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ziriz_conn_state SEC(".maps");

static __always_inline struct zconn_key zconn_key_of(__u64 conn)
{
	struct zconn_key k = { .conn = conn, .tgid = bpf_get_current_pid_tgid() >> 32 };
	return k;
}

/* ---- substring scans over the captured bytes (bpf_loop keeps the verifier's work small) ---- */

struct zscan {
	const __u8 *data;  /* the scratch record's data[] */
	__u32 base;        /* first byte scanned */
	__u32 n;           /* one past the last byte scanned */
	__u32 count;       /* unescaped occurrences */
	__u32 first;       /* offset of the first one */
};

static __always_inline __u8 zat(const __u8 *d, __u32 i)
{
	asm volatile("" : "+r"(i));   /* keep the mask (see zc_at in certain.h) */
	return d[i & ZIRIZ_DATA_MASK];
}

/* One callback per pattern, so each comparison is unrolled at a constant length. */
#define ZIRIZ_SCANNER(fn, lit)                                                        \
	static int fn(__u32 k0, struct zscan *s)                                     \
	{                                                                             \
		const char pat[] = lit;                                               \
		__u32 i = s->base + k0;                                               \
		const __u32 plen = sizeof(pat) - 1;                                  \
		if (i + plen > s->n)                                                  \
			return 1;                                                     \
		for (__u32 k = 0; k < plen; k++)                                      \
			if (zat(s->data, i + k) != (__u8)pat[k])                      \
				return 0;                                             \
		if (i > 0 && zat(s->data, i - 1) == '\\')                             \
			return 0;                                                     \
		if (s->count++ == 0)                                                  \
			s->first = i;                                                 \
		return 0;                                                             \
	}

ZIRIZ_SCANNER(zscan_jsonrpc, "\"jsonrpc\"")
ZIRIZ_SCANNER(zscan_method, "\"method\"")
ZIRIZ_SCANNER(zscan_name, "\"name\"")

/* The first '{' or '[' (where a JSON-RPC message or batch can start). */
static int zscan_open(__u32 k0, struct zscan *s)
{
	__u32 i = s->base + k0;
	__u8 c;

	if (i >= s->n)
		return 1;
	c = zat(s->data, i);
	if (c != '{' && c != '[')
		return 0;
	s->count = 1;
	s->first = i;
	return 1;
}

static __always_inline struct zscan zfind(void *cb, const __u8 *data, __u32 base, __u32 n)
{
	struct zscan s = { .data = data, .base = base, .n = n };

	bpf_loop(n > base ? n - base : 0, cb, &s, 0);
	return s;
}

/* ---- reading one JSON string value after a key ---- */

struct zvalue {
	__u64 hash;
	__u32 len;
	__u32 start;   /* offset of the value's first byte */
	__u8 ok;       /* a plain string (no escapes) fully inside the captured bytes */
	__u8 first;    /* its first byte */
	__u8 is_tools_call;
};

struct zvalue_scan {
	const __u8 *d;
	__u32 n;
	__u32 pos;     /* next byte to read */
	__u8 state;    /* 0: before the opening quote, 1: in the string, 2: done (ok), 3: failed */
	struct zvalue v;
};

static int zvalue_cb(__u32 k, struct zvalue_scan *s)
{
	const char tc[] = "tools/call";
	__u32 i = s->pos++;
	__u8 c;

	if (i >= s->n) {
		s->state = 3;    /* runs past what was captured */
		return 1;
	}
	c = zat(s->d, i);
	if (s->state == 0) {
		if (c == '"') {
			s->state = 1;
			s->v.start = i + 1;
			s->v.is_tools_call = 1;
			return 0;
		}
		if (c == ' ' || c == ':' || c == '\t' || c == '\r' || c == '\n')
			return k < 8 ? 0 : (s->state = 3, 1);
		s->state = 3;
		return 1;
	}
	if (c == '\\') {
		s->state = 3;    /* escaped: the kernel cannot tell the real name */
		return 1;
	}
	if (c == '"') {
		s->v.len = i - s->v.start;
		if (s->v.len != sizeof(tc) - 1)
			s->v.is_tools_call = 0;
		s->state = s->v.len > 0 ? 2 : 3;
		return 1;
	}
	if (i == s->v.start)
		s->v.first = c;
	if (i - s->v.start < ZIRIZ_NAME_HASH_MAX) {
		s->v.hash ^= c;
		s->v.hash *= ZIRIZ_FNV_PRIME;
	}
	{
		__u32 off = i - s->v.start;

		if (off >= sizeof(tc) - 1 || c != (__u8)tc[off & 15])
			s->v.is_tools_call = 0;
	}
	return 0;
}

/* The string value of the key whose quote starts at `key` (key length `klen`). */
static __always_inline struct zvalue zvalue_after(const __u8 *d, __u32 n, __u32 key, __u32 klen)
{
	struct zvalue_scan s = { .d = d, .n = n, .pos = key + klen };

	s.v.hash = ZIRIZ_FNV_OFFSET;
	bpf_loop(8 + 512, zvalue_cb, &s, 0);
	if (s.state == 2) {
		s.v.ok = 1;
		if (!s.v.hash)
			s.v.hash = 1;
	}
	return s.v;
}

/* ---- HTTP request line ---- */

struct zline_scan {
	const __u8 *d;
	__u32 n;
	__u32 sp;      /* the space after the method */
	__u32 end;     /* end of "METHOD /path" */
	__u64 hash;    /* FNV-1a of its first NAME_HASH_MAX bytes */
	__u8 bad;
};

static int zline_cb(__u32 i, struct zline_scan *s)
{
	__u8 c;

	if (i >= s->n) {
		s->bad = 1;
		return 1;
	}
	c = zat(s->d, i);
	if (!s->sp) {
		if (c == ' ') {
			if (i < 3 || zat(s->d, i + 1) != '/') {
				s->bad = 1;
				return 1;
			}
			s->sp = i;
		} else if (c < 'A' || c > 'Z' || i >= 8) {
			s->bad = 1;
			return 1;
		}
	} else if (i > s->sp + 1 && (c == ' ' || c == '?')) {
		s->end = i;
		return 1;
	} else if (c == '\r' || c == '\n') {
		s->bad = 1;
		return 1;
	}
	if (i < ZIRIZ_NAME_HASH_MAX) {
		s->hash ^= c;
		s->hash *= ZIRIZ_FNV_PRIME;
	}
	return 0;
}

/*
 * If the data starts with a request line, the FNV hash of "METHOD /path"
 * (query and version cut off), else 0.
 */
static __always_inline __u64 zrequest_route(const __u8 *d, __u32 n)
{
	struct zline_scan s = { .d = d, .n = n, .hash = ZIRIZ_FNV_OFFSET };

	if (n < 16)
		return 0;
	bpf_loop(8 + 1 + 512, zline_cb, &s, 0);
	if (s.bad || !s.end)
		return 0;
	return s.hash ? s.hash : 1;
}

/* ---- verdicts ---- */

/* The other end of a received call, as the kernel knew it (family 0: unknown). */
struct zpeer {
	__u8 addr[16];
	__u16 port;
	__u8 family;
	__u8 pad;
};
_Static_assert(sizeof(struct zpeer) == 20, "zpeer: the key layout of ziriz_blind_flows (lib/blind.h)");

/*
 * Which rules judge the bytes: a pod's outbound rules (what it sends) or its
 * inbound rules (what it receives from callers ziriz does not protect).
 * Cover bits are in outbound positions (MCP, A2A, HTTP); inbound kinds are
 * the outbound kind + kind_base in ziriz_calls.
 */
struct zview {
	__u32 policy_id;
	__u16 cover_enforce;
	__u16 cover_audit;
	__u8 kind_base;
};

#define ZIRIZ_INBOUND_SHIFT 5 /* ZIRIZ_COVER_IN_MCP >> 5 == ZIRIZ_COVER_MCP */
#define ZIRIZ_INBOUND_KIND_BASE (ZIRIZ_CALL_IN_MCP_TOOL - ZIRIZ_CALL_MCP_TOOL)

static __always_inline struct zview zview_out(const struct ziriz_identity *id)
{
	struct zview v = {
		.policy_id = id->policy_id,
		.cover_enforce = id->cover_enforce & ZIRIZ_CALL_COVER,
		.cover_audit = id->cover_audit & ZIRIZ_CALL_COVER,
	};
	return v;
}

/*
 * Inbound view of a receiving pod. `caller`: the sending pod's identity when
 * it is a protected pod, else NULL; the categories it enforces itself were
 * judged before they left it, so they are not judged again here.
 */
static __always_inline struct zview zview_in(const struct ziriz_identity *id, const struct ziriz_identity *caller)
{
	__u16 done = caller ? (caller->cover_enforce & ZIRIZ_CALL_COVER) : 0;
	struct zview v = {
		.policy_id = id->policy_id,
		.cover_enforce = (id->cover_enforce >> ZIRIZ_INBOUND_SHIFT) & ZIRIZ_CALL_COVER & ~done,
		.cover_audit = (id->cover_audit >> ZIRIZ_INBOUND_SHIFT) & ZIRIZ_CALL_COVER & ~done,
		.kind_base = ZIRIZ_INBOUND_KIND_BASE,
	};
	return v;
}

struct zjudged {
	__u8 kind;       /* enum ziriz_call_kind, 0: not a call */
	__u8 verdict;    /* enum ziriz_verdict */
	__u8 why;        /* enum ziriz_hold_why: held for want of certainty */
	__u64 name_hash;
	__u32 rule_id;
};

static __always_inline void zlookup(const struct zview *vw, __u8 kind, __u64 hash, struct zjudged *j)
{
	struct ziriz_call_key k = { .policy_id = vw->policy_id, .kind = kind + vw->kind_base, .name_hash = hash };
	struct ziriz_call_value *v = bpf_map_lookup_elem(&ziriz_calls, &k);

	j->kind = kind + vw->kind_base;
	j->name_hash = hash;
	if (!v) {
		k.name_hash = 0;
		v = bpf_map_lookup_elem(&ziriz_calls, &k);
	}
	j->verdict = v ? v->verdict : ZIRIZ_VERDICT_CHECK;
	j->rule_id = v ? v->rule_id : 0;
}

static __always_inline __u16 zcovered(const struct zview *v)
{
	return v->cover_enforce | v->cover_audit;
}

/*
 * A2A method names: "message/..", "tasks/..", "agent/.." (getAuthenticatedExtendedCard),
 * or v1 PascalCase (SendMessage, GetTask, ...): as isA2aLikeMethod in core/policy/a2a-methods.ts.
 * Looser than the agent's reading (first letter and the slash only): a name it
 * takes for A2A that is not is looked up, found nowhere and checked by the agent.
 */
static __always_inline int za2a_like(const __u8 *d, const struct zvalue *m)
{
	__u32 vstart = m->start;
	__u8 c0 = m->first;

	if (c0 >= 'A' && c0 <= 'Z')
		return 1;
	if (c0 == 'm' && zat(d, vstart + 7) == '/')   /* message/ */
		return 1;
	if ((c0 == 't' || c0 == 'a') && zat(d, vstart + 5) == '/')   /* tasks/, agent/ */
		return 1;
	return 0;
}

/*
 * `certain`: the certainty scan passed the message (one plain JSON object,
 * no escapes, no case variant of our keys). `name_at`: where the tool's
 * name key is, when that scan found the one "name" of the top-level
 * "params" object (0: not known; then "name" must be unique in the whole
 * message).
 */
static __always_inline void zjudge_jsonrpc(const struct zview *vw, const __u8 *d, __u32 base, __u32 n, int truncated,
					   int certain, __u32 name_at, struct zjudged *j)
{
	__u16 cov = zcovered(vw);
	struct zscan m = zfind(zscan_method, d, base, n);
	struct zvalue mv;

	/* A certain message without "method" in any spelling is a response (a stdio server's answers): no request. */
	if (m.count == 0 && certain)
		return;
	if (m.count != 1) {      /* batch, or method beyond the capture */
		j->kind = ZIRIZ_CALL_MCP_TOOL + vw->kind_base;
		j->verdict = ZIRIZ_VERDICT_CHECK;
		return;
	}
	mv = zvalue_after(d, n, m.first, 8);
	if (!mv.ok) {
		j->kind = ZIRIZ_CALL_MCP_TOOL + vw->kind_base;
		j->verdict = ZIRIZ_VERDICT_CHECK;
		return;
	}
	if (mv.is_tools_call) {
		__u32 first = name_at, count = 1;
		struct zvalue nv;

		if (!(cov & ZIRIZ_COVER_MCP))
			return;
		if (!first) {
			struct zscan nm = zfind(zscan_name, d, base, n);

			first = nm.first;
			count = nm.count;
		}
		nv = zvalue_after(d, n, first, 6);
		if (count != 1 || !nv.ok || truncated) {
			j->kind = ZIRIZ_CALL_MCP_TOOL + vw->kind_base;
			j->verdict = ZIRIZ_VERDICT_CHECK;
			return;
		}
		zlookup(vw, ZIRIZ_CALL_MCP_TOOL, nv.hash, j);
		return;
	}
	if ((cov & ZIRIZ_COVER_A2A) && za2a_like(d, &mv))
		zlookup(vw, ZIRIZ_CALL_A2A_METHOD, mv.hash, j);
	/* other JSON-RPC methods (initialize, tools/list, notifications) are not calls */
}

/*
 * One judgement request: what the probe knows, handed to the judge through a
 * per-CPU slot (probe programs do not nest on a CPU), so that the judge is a
 * global function of scalar arguments. The verifier checks a global function
 * once, on its own, whatever the probe's paths to it: the expensive scans are
 * verified once per program, not once per inlined call site and caller state
 * (see docs/kernel-support.md, "Verifier budget").
 */
struct zjudge_req {
	__u64 conn;
	__u64 buf;
	__s64 len;
	__u64 cgid;
	__u32 identity_id;
	__u64 sk;           /* plaintext: the socket behind the fd (0 for TLS) */
	__u8 source;
	__u8 has_peer;
	__u8 strict;        /* a stream connection: certainty or hold */
	__u8 force;         /* hold whatever the bytes, with this reason (enum ziriz_hold_why) */
	__u8 lines;         /* a line stream (a pipe, a Unix stream socket: stdio): see zjudge_lines */
	struct zview vw;
	struct zpeer peer;
	struct zjudged j;   /* the judgement, filled by zjudge */
	struct zflow flow;  /* scratch: the connection of a plaintext hold (escape.h) */
	struct zflow_owner owner;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zjudge_req);
} ziriz_judge_req SEC(".maps");

static __always_inline struct zjudge_req *zjudge_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&ziriz_judge_req, &slot);
}

/* Global: the route hash of the `n` captured bytes in the data scratch, or 0. */
__noinline __u64 zroute_captured(__u32 n)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);

	if (!e || n > ZIRIZ_DATA_MAX)
		return 0;
	return zrequest_route(e->data, n);
}

/* zrpc_captured's `how` (one argument: a fifth is spilled, and this frame is on the 512-byte call chain). */
#define ZRPC_TRUNCATED 1   /* the message goes on beyond what was captured */
#define ZRPC_CERTAIN 2     /* zbody_certain just passed these bytes: its scan says where params' "name" is */

/* After a certain body: where the one "name" of its "params" object is (0: none, or several). */
static __always_inline __u32 zcertain_name_at(void)
{
	struct zcertain *st = zcertain_state();

	return st && st->j.pname == 1 ? st->j.pname_at : 0;
}

/*
 * Global: the JSON-RPC judgement of captured bytes [base, n) in the data
 * scratch, by the view of request `slot`, into its `j` (`how`: ZRPC_*).
 */
__noinline int zrpc_captured(__u32 slot, __u32 base, __u32 n, __u32 how)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	struct zjudge_req *rq = zjudge_slot(slot);
	struct zscan rpc;

	if (!e || !rq || n > ZIRIZ_DATA_MAX || base >= n)
		return 0;
	/* "method" alone counts too: a message split over writes may carry "jsonrpc" last. */
	rpc = zfind(zscan_jsonrpc, e->data, base, n);
	if (rpc.count == 0)
		rpc = zfind(zscan_method, e->data, base, n);
	if (rpc.count > 0)
		zjudge_jsonrpc(&rq->vw, e->data, base, n, how & ZRPC_TRUNCATED, how & ZRPC_CERTAIN, (how & ZRPC_CERTAIN) ? zcertain_name_at() : 0, &rq->j);
	return 0;
}

/* Global: is the body at captured bytes [base, end) certain (certain.h)? `whole`: one whole JSON value. */
__noinline int zbody_certain(__u32 base, __u32 end, __u32 whole)
{
	if (end > ZIRIZ_DATA_MAX || base >= end)
		return 0;
	return zjson_certain(base, end, whole != 0);
}

/*
 * A whole body at captured bytes [base, end): its JSON-RPC judgement when it
 * is certain, else held with ZIRIZ_WHY_JSON. (Not nested in one global
 * function: the call chain's stacks stay under 512 bytes on 6.1.)
 */
static __always_inline void zjudge_body(struct zjudge_req *rq, __u32 slot, __u32 base, __u32 end)
{
	if (!zbody_certain(base, end, 0)) {
		rq->j.verdict = ZIRIZ_VERDICT_CHECK;
		rq->j.why = ZIRIZ_WHY_JSON;
		return;
	}
	zrpc_captured(slot, base, end, ZRPC_CERTAIN);
}

/*
 * Global: the head of the `n` captured bytes. 0 and (body offset, length) in
 * *out when certain, else the reason (enum ziriz_hold_why).
 */
struct zhead_out {
	__u64 cl;
	__u32 end;
	__u32 mcp_name;   /* a tools/call head's Mcp-Name value (offset past the colon); 0: none; ~0: repeated */
};

__noinline int zhead_captured(__u32 n, struct zhead_out *out)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	__u32 end = 0, mcp_name = 0;
	__u64 cl = 0;
	__u8 why;

	if (!out)
		return ZIRIZ_WHY_HEAD;
	if (!e || n > ZIRIZ_DATA_MAX)
		return ZIRIZ_WHY_HEAD;
	why = zhead_parse(n, &end, &cl, &mcp_name);
	out->cl = cl;
	out->end = end;
	out->mcp_name = mcp_name;
	return why;
}

/*
 * Global: the name hash of a header value at captured byte `at` (blanks
 * before it skipped; up to the CR), as call names are hashed (hash.h);
 * 0 when it does not end inside the capture or is empty.
 */
__noinline __u64 zheader_value_hash(__u32 at, __u32 n)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	__u64 h = ZIRIZ_FNV_OFFSET;
	__u32 i = at, len = 0;

	if (!e || n > ZIRIZ_DATA_MAX || at >= n)
		return 0;
	for (int k = 0; k < 4 && i < n && (zat(e->data, i) == ' ' || zat(e->data, i) == '\t'); k++)
		i++;
	for (int k = 0; k < 256; k++, i++, len++) {
		__u8 c;

		if (i >= n)
			return 0;
		c = zat(e->data, i);
		if (c == '\r')
			break;
		if (len < ZIRIZ_NAME_HASH_MAX) {
			h ^= c;
			h *= ZIRIZ_FNV_PRIME;
		}
	}
	if (len == 0 || (i < n && zat(e->data, i) != '\r'))
		return 0;
	return h ? h : 1;
}


static __always_inline void zset_conn(__u64 conn, __u64 sk, __u8 phase, __u64 remaining)
{
	struct zconn_key k = zconn_key_of(conn);
	struct zconn_state st = { .remaining = remaining, .sk = sk, .phase = phase };

	if (bpf_map_update_elem(&ziriz_conn_state, &k, &st, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
}

static __always_inline void zuncertain(struct zjudge_req *rq, __u8 why)
{
	rq->j.verdict = ZIRIZ_VERDICT_CHECK;
	rq->j.why = why;
}

/*
 * MCP 2026-07-28: a tools/call head sent without its body names the tool
 * in Mcp-Name. A tool the kernel denies by that name is held now, head
 * and all: the agent rewrites the header and then the body to the same
 * denied name (holds.ts), so that the server answers "tool not found",
 * not a header/body mismatch. Returns 1 when held (rq->j set).
 */
static __always_inline int zjudge_mcp_name(struct zjudge_req *rq, __u32 at, __u32 n)
{
	struct zjudged route = rq->j;
	__u64 hash;
	int literal;

	if (!at || !(zcovered(&rq->vw) & ZIRIZ_COVER_MCP))
		return 0;
	hash = at == 0xffffffff ? 0 : zheader_value_hash(at, n);
	if (!hash) {
		zuncertain(rq, ZIRIZ_WHY_HEAD);   /* repeated, blank or beyond the capture: the agent reads it */
		return 1;
	}
	{
		struct ziriz_call_key k = { .policy_id = rq->vw.policy_id, .kind = ZIRIZ_CALL_MCP_TOOL + rq->vw.kind_base, .name_hash = hash };

		literal = bpf_map_lookup_elem(&ziriz_calls, &k) != NULL;
	}
	zlookup(&rq->vw, ZIRIZ_CALL_MCP_TOOL, hash, &rq->j);
	/* Denied by name, or a name only the agent can judge (globs): held. A tool checked by its arguments is not: the body decides. */
	if (rq->j.verdict == ZIRIZ_VERDICT_DENY || (!literal && rq->j.verdict == ZIRIZ_VERDICT_CHECK))
		return 1;
	rq->j = route;
	return 0;
}

/*
 * A write that continues what the kernel judged on this connection: 1 when
 * it was judged here (rq->j set), 0 when there is no such state.
 */
static __always_inline int zjudge_continued(struct zjudge_req *rq, __u32 slot, const __u8 *d, __u32 n, __u32 len)
{
	struct zconn_key k = zconn_key_of(rq->conn);
	struct zconn_state *st = bpf_map_lookup_elem(&ziriz_conn_state, &k);
	__u64 remaining;
	__u8 phase;

	if (!st)
		return 0;
	phase = st->phase;
	remaining = st->remaining;
	if (st->sk != rq->sk) {             /* the fd now names another socket */
		bpf_map_delete_elem(&ziriz_conn_state, &k);
		return 0;
	}
	if (phase == ZIRIZ_CONN_TLS) {
		if (n >= 2 && ztls_record(d[0], d[1]))
			return 1;                      /* more ciphertext */
		bpf_map_delete_elem(&ziriz_conn_state, &k);
		return 0;
	}
	if (phase == ZIRIZ_CONN_CONT && len <= remaining) {
		if (len == remaining)
			bpf_map_delete_elem(&ziriz_conn_state, &k);
		else
			st->remaining = remaining - len;
		return 1;                          /* rest of an allowed message */
	}
	bpf_map_delete_elem(&ziriz_conn_state, &k);
	if (phase != ZIRIZ_CONN_BODY || len != remaining || len > n) {
		zuncertain(rq, ZIRIZ_WHY_BODY);   /* a body split over writes, or more than the message */
		return 1;
	}
	zjudge_body(rq, slot, 0, len);
	return 1;
}

/* The start of a message on a stream connection: certain, or held with the reason. */
static __always_inline void zjudge_start(struct zjudge_req *rq, __u32 slot, const __u8 *d, __u32 n, __u32 len)
{
	__u16 cov = zcovered(&rq->vw);
	int rpc = (cov & (ZIRIZ_COVER_MCP | ZIRIZ_COVER_A2A)) != 0;
	struct zhead_out h = {};
	__u64 body;
	int why;

	/* A TLS ClientHello (handshake record) on a plaintext socket: ciphertext follows. */
	if (rq->sk && n >= 2 && d[0] == 0x16 && d[1] == 0x03) {
		zset_conn(rq->conn, rq->sk, ZIRIZ_CONN_TLS, 0);
		return;
	}

	why = zhead_captured(n, &h);
	if (why) {
		zuncertain(rq, (__u8)why);
		return;
	}
	if (cov & ZIRIZ_COVER_HTTP) {
		__u64 route = zroute_captured(n);

		if (!route) {
			zuncertain(rq, ZIRIZ_WHY_HEAD);
			return;
		}
		zlookup(&rq->vw, ZIRIZ_CALL_HTTP_ROUTE, route, &rq->j);
		if (rq->j.verdict != ZIRIZ_VERDICT_ALLOW)
			return;
	}
	body = len - h.end;
	if (body > h.cl) {
		zuncertain(rq, ZIRIZ_WHY_FRAMING);   /* another request in the same write */
		return;
	}
	if (body < h.cl) {
		if (!rpc)
			zset_conn(rq->conn, rq->sk, ZIRIZ_CONN_CONT, h.cl - body);
		else if (body == 0) {
			if (zjudge_mcp_name(rq, h.mcp_name, n))
				return;
			zset_conn(rq->conn, rq->sk, ZIRIZ_CONN_BODY, h.cl);
		}
		else
			zuncertain(rq, ZIRIZ_WHY_BODY);
		return;
	}
	if (!rpc || h.cl == 0)
		return;
	if (h.end + h.cl > n) {
		zuncertain(rq, ZIRIZ_WHY_BODY);       /* beyond the capture */
		return;
	}
	zjudge_body(rq, slot, h.end, h.end + (__u32)h.cl);
}

/*
 * A write on a line stream (a pipe or Unix stream socket: stdio MCP servers
 * read JSON-RPC messages, one per line, and put together what came in
 * several writes). Certain only when the write is one whole JSON value the
 * kernel reads as every parser does (a line end after it allowed): judged
 * as such. A write with no '{' or '[' starts no message (one already in
 * progress holds its connection: the agent's conn hold). Anything else is
 * held (ZIRIZ_WHY_LINES, read line by line by the agent): a message split over writes, several in one,
 * bytes before a message. Without this, a message cut so that no write
 * shows its method and its name passed unread.
 */
__noinline int zlines_open(__u32 n)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	struct zscan s;

	if (!e || n > ZIRIZ_DATA_MAX)
		return 0;
	s = zfind(zscan_open, e->data, 0, n);
	return s.count ? (int)s.first : -1;
}

static __always_inline void zjudge_lines(struct zjudge_req *rq, __u32 slot, const __u8 *d, __u32 n, __u32 len)
{
	__u32 end = n;
	int first;

	if (len > n) {
		zuncertain(rq, ZIRIZ_WHY_LINES);    /* beyond the capture */
		return;
	}
	/* Global (its scan state off this frame: the probes' call chains stay under 512 bytes of stack on 6.1). */
	first = zlines_open(n);
	if (first < 0)
		return;
	if (end > 0 && zat(d, end - 1) == '\n')
		end--;
	if (end > 0 && zat(d, end - 1) == '\r')
		end--;
	if (first != 0 || !zbody_certain(0, end, 1)) {
		zuncertain(rq, ZIRIZ_WHY_LINES);
		return;
	}
	zrpc_captured(slot, 0, end, ZRPC_CERTAIN);
}

/*
 * Judge the `n` captured bytes of a write of `len` bytes by request `slot`'s
 * view, into its `j`. The head, body, route and JSON-RPC scans are global
 * functions: each is verified once, not once per path through the others.
 */
static __always_inline void zjudge(struct zjudge_req *rq, __u32 slot, const __u8 *d, __u32 n, __u32 len)
{
	__u16 cov = zcovered(&rq->vw);

	rq->j.kind = 0;
	rq->j.verdict = ZIRIZ_VERDICT_ALLOW;
	rq->j.why = 0;
	rq->j.rule_id = 0;
	rq->j.name_hash = 0;
	if (rq->strict) {
		if (!zjudge_continued(rq, slot, d, n, len))
			zjudge_start(rq, slot, d, n, len);
		return;
	}
	/* Datagrams: only what the kernel recognises is judged. */
	if (cov & ZIRIZ_COVER_HTTP) {
		__u64 route = zroute_captured(n);

		if (route) {
			zlookup(&rq->vw, ZIRIZ_CALL_HTTP_ROUTE, route, &rq->j);
			if (rq->j.verdict != ZIRIZ_VERDICT_ALLOW)
				return;
		}
	}
	if (!(cov & (ZIRIZ_COVER_MCP | ZIRIZ_COVER_A2A)))
		return;
	if (rq->lines) {
		zjudge_lines(rq, slot, d, n, len);
		return;
	}
	zrpc_captured(slot, 0, n, len > n ? ZRPC_TRUNCATED : 0);
}

/*
 * Stop the current process for the agent (SIGSTOP), counted per process: a
 * second thread held before the first is judged adds to the same entry, and
 * the agent resumes only when every hold of the process is judged. A process
 * that another process traces cannot be held (its tracer could drop the
 * SIGSTOP): it is killed (fail closed). Returns 0 when held.
 */
static __always_inline int zhold_current(__u64 ktime_ns, __u64 conn, __u64 buf, __u32 len, __u64 cgid, __u8 source)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct ziriz_hold h = {
		.ktime_ns = ktime_ns, .conn = conn, .buf = buf, .len = len,
		.tid = (__u32)pid_tgid, .cgroup_id = cgid, .source = source, .count = 1,
	};
	struct ziriz_hold *old;

	if (BPF_CORE_READ(task, ptrace)) {
		bpf_send_signal(ZIRIZ_SIGKILL);
		zcount(ZIRIZ_CNT_TRACED_KILLED);
		return -1;
	}
	old = bpf_map_lookup_elem(&ziriz_holds, &tgid);
	if (old) {
		/*
		 * This thread's own hold, its SIGSTOP still pending: it has not run
		 * since (it stops on its way back to user code), so this is a second
		 * probe on the same instruction in the same trap (a link being
		 * replaced after exec, a pinned one adopted and attached again). One
		 * call, one hold, one record. (Without the pending stop the entry is
		 * stale, e.g. a thread resumed by someone else: held again.)
		 */
		if (old->tid == (__u32)pid_tgid && old->buf == buf && old->conn == conn &&
		    (BPF_CORE_READ(task, signal, shared_pending.signal.sig[0]) & (1UL << (ZIRIZ_SIGSTOP - 1)))) {
			zcount(ZIRIZ_CNT_HOLD_TWICE);
			return -1;
		}
		h.count = old->count + 1;
	}
	if (bpf_map_update_elem(&ziriz_holds, &tgid, &h, BPF_ANY) < 0)
		zcount(ZIRIZ_CNT_MAP_FULL);
	if (bpf_send_signal(ZIRIZ_SIGSTOP) < 0) {
		zcount(ZIRIZ_CNT_SIGNAL_FAIL);
		bpf_send_signal(ZIRIZ_SIGKILL); /* cannot hold: fail closed */
		return -1;
	}
	zcount(ZIRIZ_CNT_CALL_HELD);
	return 0;
}

/*
 * Judge the request in this CPU's ziriz_judge_req slot: plaintext `buf`/`len`
 * (about to be sent, or just received) by view `vw`; hold the process when it
 * must be checked. `conn` groups a stream (SSL*, gnutls session, pid<<32|fd).
 * With `defer` set, a write to hold is not held: 1 is returned (the caller
 * holds something larger, a whole writev). Global (not inlined): verified
 * once, independently of its callers.
 */
__noinline int zjudge_pending(__u32 slot, __u32 defer)
{
	struct ziriz_data_event *e;
	struct zjudge_req *rq;
	__u32 zero = 0, n, *flag;
	__u64 conn;
	__s64 len;
	int enforce;

	rq = zjudge_slot(slot);
	if (!rq)
		return 0;
	enforce = rq->vw.cover_enforce != 0;
	conn = rq->conn;
	len = rq->len;
	if (len <= 0)
		return 0;
	zcount(ZIRIZ_CNT_PROBE_HITS);
	e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	if (!e)
		return 0;
	n = len > ZIRIZ_DATA_MAX ? ZIRIZ_DATA_MAX : (__u32)len;
	if (n > ZIRIZ_DATA_MAX)
		n = ZIRIZ_DATA_MAX;
	if (bpf_probe_read_user(e->data, n, (const void *)rq->buf) < 0) {
		zcount(ZIRIZ_CNT_READ_FAIL);
		if (!rq->strict || !enforce)
			return 0;
		n = 0;                              /* unreadable: not certain */
	}
	flag = bpf_map_lookup_elem(&ziriz_conn_hold, &conn);
	if (flag && *flag) {
		struct zconn_key k = zconn_key_of(conn);

		bpf_map_delete_elem(&ziriz_conn_state, &k);
		rq->j.kind = 0;
		rq->j.verdict = ZIRIZ_VERDICT_CHECK;
		rq->j.why = ZIRIZ_WHY_CONN;
		rq->j.rule_id = 0;
		rq->j.name_hash = 0;
	} else if (n == 0 || rq->force) {
		rq->j.kind = 0;
		rq->j.verdict = ZIRIZ_VERDICT_CHECK;
		rq->j.why = rq->force ? rq->force : ZIRIZ_WHY_UNKNOWN;
		rq->j.rule_id = 0;
		rq->j.name_hash = 0;
	} else {
		zjudge(rq, slot, e->data, n, (__u32)len);
	}
	if (rq->j.verdict == ZIRIZ_VERDICT_ALLOW) {
		if (rq->j.kind)
			zcount(ZIRIZ_CNT_CALL_ALLOWED);
		return 0;
	}
	/* Audit only: recognised calls are reported; what the kernel is unsure of is not (userspace would only guess). */
	if (!enforce && rq->j.why)
		return 0;
	if (enforce && defer)
		return 1;
	/* Enforced category: stop the process before this call returns to user code. */
	zfill_hdr(&e->hdr, enforce ? ZIRIZ_OP_CALL_HOLD : ZIRIZ_OP_CALL_SEEN, ZIRIZ_DATA_HDR_SIZE + n, rq->cgid, rq->identity_id);
	/* A plaintext write goes straight to its syscall if the hold is undone: its connection is remembered first. */
	if (enforce && rq->strict && rq->sk)
		zheld_flow(rq->sk, &rq->flow, &rq->owner);
	if (enforce && zhold_current(e->hdr.ktime_ns, conn, rq->buf, (__u32)len, rq->cgid, rq->source) < 0)
		return 0;
	e->conn = conn;
	e->buf = rq->buf;
	e->len = (__u32)len;
	e->captured = n;
	e->source = rq->source;
	e->verdict = rq->j.verdict;
	e->kind = rq->j.kind;
	e->held = enforce;
	e->why = rq->j.why;
	e->rule_id = rq->j.rule_id;
	e->name_hash = rq->j.name_hash;
	if (rq->has_peer) {
		__builtin_memcpy(e->peer_addr, rq->peer.addr, sizeof(e->peer_addr));
		e->peer_port = rq->peer.port;
		e->peer_family = rq->peer.family;
	} else {
		e->peer_family = 0;
	}
	if (n > ZIRIZ_DATA_MAX)
		n = ZIRIZ_DATA_MAX;
	/*
	 * A held process waits for the agent: its record goes on the ring of held
	 * records (no flood of reports can fill it) and wakes the agent now.
	 */
	if (enforce) {
		if (bpf_ringbuf_output(&ziriz_hold_events, e, ZIRIZ_DATA_HDR_SIZE + n, BPF_RB_FORCE_WAKEUP) < 0) {
			zcount(ZIRIZ_CNT_RINGBUF_FULL);
			/* The agent will never hear of this hold: do not leave the process stopped forever. */
			bpf_send_signal(ZIRIZ_SIGKILL);
		}
	} else if (zreport_budget(&rq->cgid, ZIRIZ_DATA_HDR_SIZE + n) && bpf_ringbuf_output(&ziriz_events, e, ZIRIZ_DATA_HDR_SIZE + n, 0) < 0) {
		zcount(ZIRIZ_CNT_RINGBUF_FULL);
	}
	return 0;
}

/* Where a judged request comes from: the connection, and what kind of transport it is. */
struct zconn_ref {
	__u64 conn;
	__u64 sk;        /* plaintext socket (0 for TLS) */
	__u8 strict;     /* stream connection */
	__u8 lines;      /* line stream (pipe, Unix stream socket) */
	__u16 pad;
	__u32 child;     /* the stdio server reading it (tgid; 0: none known): the record's peer */
};

/*
 * Fill this CPU's request slot for `buf`/`len` by view `vw` of identity `id`
 * (see zjudge_pending). `peer` may be NULL.
 */
static __always_inline struct zjudge_req *zcall_request(__u8 source, const struct zconn_ref *c, const void *buf, __s64 len,
						       const struct ziriz_identity *id, __u64 cgid, const struct zview *vw,
						       const struct zpeer *peer)
{
	__u32 zero = 0;
	struct zjudge_req *rq = zjudge_slot(zero);

	if (!rq)
		return NULL;
	rq->conn = c->conn;
	rq->sk = c->sk;
	rq->strict = c->strict;
	rq->lines = c->lines;
	rq->force = 0;
	rq->buf = (__u64)buf;
	rq->len = len;
	rq->cgid = cgid;
	rq->identity_id = id->identity_id;
	rq->source = source;
	rq->vw = *vw;
	rq->has_peer = peer != NULL || c->child != 0;
	if (peer) {
		rq->peer = *peer;
	} else if (c->child) {
		/* Built here, not on the probe's stack (512 bytes for the whole call chain on 6.1). */
		__builtin_memset(&rq->peer, 0, sizeof(rq->peer));
		__builtin_memcpy(rq->peer.addr, &c->child, sizeof(c->child));
		rq->peer.family = ZIRIZ_PEER_STDIO_CHILD;
	}
	return rq;
}

static __always_inline int zcall_judge(__u8 source, const struct zconn_ref *c, const void *buf, __s64 len,
				       const struct ziriz_identity *id, __u64 cgid, const struct zview *vw,
				       const struct zpeer *peer)
{
	if (!zcall_request(source, c, buf, len, id, cgid, vw, peer))
		return 0;
	return zjudge_pending(0, 0);
}

/* The sending pod's outbound view; NULL when it covers no call category, or when the process escaped a hold (killed: escape.h). */
static __always_inline struct ziriz_identity *zcall_sender(__u64 *cgid, struct zview *vw)
{
	struct ziriz_identity *id = zidentity_current(cgid);

	if (!id || zescaped_self())
		return NULL;
	*vw = zview_out(id);
	return zcovered(vw) ? id : NULL;
}

/*
 * The common path of every send-side probe: the sending pod's outbound rules.
 * `c` names the stream, `buf`/`len` the plaintext about to be sent.
 */
static __always_inline int zcall_probe(__u8 source, const struct zconn_ref *c, const void *buf, __s64 len)
{
	struct ziriz_identity *id;
	struct zview vw;
	__u64 cgid;

	if (len <= 0 || !buf)
		return 0;
	id = zcall_sender(&cgid, &vw);
	if (!id)
		return 0;
	return zcall_judge(source, c, buf, len, id, cgid, &vw, NULL);
}

/* A TLS connection's judged state is dropped when the library frees it (SSL_free). */
static __always_inline void zconn_forget(__u64 conn)
{
	struct zconn_key k = zconn_key_of(conn);

	bpf_map_delete_elem(&ziriz_conn_state, &k);
	bpf_map_delete_elem(&ziriz_conn_hold, &conn);
}

#endif /* ZIRIZ_CALL_H */
