/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Certainty checks of the call judge (lib/call.h): is a write, as captured,
 * one HTTP/1.1 request head in the one form every mainstream server reads
 * the same way, and is a JSON body spelled so that every server reads the
 * same "method" and "name" the kernel reads? Sufficient conditions only:
 * what fails them is not denied here, it is held and judged in userspace
 * (the agent's lenient parser), so they may be strict.
 *
 * Head: "METHOD /path[?query] HTTP/1.1" (upper-case method, origin-form
 * target without '#', '%', '\', "//", "/." in the path), CRLF line ends
 * (a bare LF is read as a line end by Go and h11), no folded lines, the
 * blank line inside the capture; at most one Content-Length and no
 * Transfer-Encoding, Content-Encoding or Upgrade; a Content-Type, if any, of
 * exactly application/json (optionally "; charset=utf-8").
 *
 * JSON body: starts with '{' (no BOM, no batch), no backslash (no escaped
 * key or value), no control byte (UTF-16 and friends have NULs), neither
 * U+017F nor U+212A (Go's encoding/json folds them to 's' and 'k'), no key
 * spelled as a case variant of "method", "name", "params" or "jsonrpc" (Go
 * matches keys case-insensitively), "params" and "jsonrpc" at most once.
 */
#ifndef ZIRIZ_CERTAIN_H
#define ZIRIZ_CERTAIN_H

#include "common.h"
#include "data.h"

#define ZIRIZ_CDATA_MASK (ZIRIZ_DATA_MAX - 1)

/*
 * d[i], masked into the capture. The barrier hides i's range from the
 * compiler, which would otherwise drop a mask it can prove redundant (i - 1
 * after i > 2) and leave an offset older verifiers (6.1) cannot bound.
 */
static __always_inline __u8 zc_at(const __u8 *d, __u32 i)
{
	asm volatile("" : "+r"(i));
	return d[i & ZIRIZ_CDATA_MASK];
}

static __always_inline __u8 zc_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/*
 * Does d[i..] start with `lit` (lower-case, its length `len`), compared
 * case-insensitively? `exact`: also byte for byte.
 */
#define ZC_MATCH(d, i, lit, ci, exact)                                        \
	do {                                                                  \
		const char _p[] = lit;                                        \
		ci = 1;                                                       \
		exact = 1;                                                    \
		for (__u32 _k = 0; _k < sizeof(_p) - 1; _k++) {               \
			__u8 _c = zc_at(d, (i) + _k);                         \
			if (zc_lower(_c) != (__u8)_p[_k]) {                   \
				ci = 0;                                       \
				exact = 0;                                    \
				break;                                        \
			}                                                     \
			if (_c != (__u8)_p[_k])                               \
				exact = 0;                                    \
		}                                                             \
	} while (0)

/* ---- the request head ---- */

/*
 * The scans keep their state in a per-CPU map and each step is a global
 * function of scalars: the bpf_loop callbacks are then trivial and the
 * verifier checks a step once, instead of following the loop state by state
 * (byte-dependent state on the stack kept it from converging: "8193 jumps").
 */
struct zhead {
	__u32 n;           /* captured bytes */
	__u32 line_start;  /* offset of the line being read */
	__u32 lines;       /* complete lines so far (the request line is line 0) */
	__u32 end;         /* offset just past the blank line; 0 until found */
	__u32 cl_count;
	__u32 ct_seen;
	__u64 cl;          /* Content-Length */
	__u32 mcp_name;    /* offset just past "Mcp-Name:" (MCP 2026-07-28); 0: none */
	__u8 why;          /* enum ziriz_hold_why, 0 while certain */
	__u8 mcp_call;     /* "Mcp-Method: tools/call" seen */
	__u8 pad[2];
};

/* The request line: method, origin-form target, " HTTP/1.1\r\n". */
struct zreqline {
	__u32 n;
	__u32 sp;      /* the space after the method */
	__u32 ver;     /* offset of the space before HTTP/1.1 */
	__u8 bad;
	__u8 in_query;
	__u8 pad[2];
};

struct zjson {
	__u32 base;     /* first byte of the body */
	__u32 end;      /* one past its last */
	__u32 params;   /* exact "params" strings */
	__u32 jsonrpc;  /* exact "jsonrpc" strings */
	__u32 depth;    /* open objects and arrays (outside strings: no backslash is allowed, so a '"' always toggles) */
	__u32 pname;    /* exact "name" strings directly in the top-level "params" object */
	__u32 pname_at; /* offset of the first of them */
	__u8 bad;
	__u8 in_str;
	__u8 closed;    /* the first value ended */
	__u8 extra;     /* something other than blanks after it, or a stray closing bracket */
	__u8 pkey;      /* the last string opened at depth 1 was "params": its value comes next */
	__u8 in_params; /* inside the object that is the top-level "params" value (depth 2) */
	__u8 pad[2];
};

struct zcertain {
	struct zhead h;
	struct zreqline rl;
	struct zjson j;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zcertain);
} ziriz_certain_scratch SEC(".maps");

static __always_inline struct zcertain *zcertain_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ziriz_certain_scratch, &zero);
}

static __always_inline const __u8 *zcertain_data(void)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);

	return e ? e->data : NULL;
}

/* Content-Length digits from `at` (after the colon): the value, or -1. */
static __always_inline __s64 zhead_digits(const __u8 *d, __u32 at, __u32 n)
{
	__u64 v = 0;
	__u32 i = at, digits = 0;

	for (int k = 0; k < 12; k++) {
		__u8 c;

		if (i >= n)
			return -1;
		c = zc_at(d, i);
		if (c == ' ' && digits == 0) {
			i++;
			continue;
		}
		if (c == '\r')
			return digits ? (__s64)v : -1;
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
		digits++;
		i++;
	}
	return -1;   /* more than ~11 digits: not a length the kernel trusts */
}

/* Content-Type value from `at`: application/json, optionally "; charset=utf-8", then CR. */
static __always_inline int zhead_json_type(const __u8 *d, __u32 at, __u32 n)
{
	int ci, exact;
	__u32 i = at;

	if (i < n && zc_at(d, i) == ' ')
		i++;
	if (i + 17 > n)
		return 0;
	ZC_MATCH(d, i, "application/json", ci, exact);
	(void)exact;
	if (!ci)
		return 0;
	i += 16;
	if (zc_at(d, i) == '\r')
		return 1;
	if (zc_at(d, i) != ';')
		return 0;
	i++;
	if (i < n && zc_at(d, i) == ' ')
		i++;
	if (i + 14 > n)
		return 0;
	ZC_MATCH(d, i, "charset=utf-8", ci, exact);
	(void)exact;
	return ci && zc_at(d, i + 13) == '\r';
}

/* What a header line says (zhead_field_at's result, in the top byte; a Content-Length in the rest). */
#define ZH_NONE 0ULL
#define ZH_BAD_HEAD 1ULL       /* obs-fold */
#define ZH_BAD_FRAMING 2ULL    /* encodings, upgrade, a Content-Type or Content-Length not certain */
#define ZH_LENGTH 3ULL
#define ZH_TYPE 4ULL
#define ZH_MCP_NAME 5ULL       /* value: the offset past the colon */
#define ZH_MCP_CALL 6ULL       /* Mcp-Method: tools/call */
#define ZH_CODE(k) ((k) << 56)
#define ZH_KIND(r) ((r) >> 56)
#define ZH_VALUE(r) ((r) & ((1ULL << 56) - 1))

/* The header line starting at captured byte `i` (of `n`); verified once, inside the global zhead_step. */
static __always_inline __u64 zhead_field_at(__u32 i, __u32 n)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	const __u8 *d;
	int ci, exact;
	__u8 c;

	if (!e || n > ZIRIZ_DATA_MAX)
		return ZH_CODE(ZH_BAD_HEAD);
	d = e->data;
	c = zc_lower(zc_at(d, i));
	if (c == ' ' || c == '\t')
		return ZH_CODE(ZH_BAD_HEAD);   /* obs-fold */
	if (c == 'c' && i + 16 <= n) {
		ZC_MATCH(d, i, "content-length:", ci, exact);
		if (ci) {
			__s64 v = zhead_digits(d, i + 15, n);

			return v < 0 ? ZH_CODE(ZH_BAD_FRAMING) : ZH_CODE(ZH_LENGTH) | (__u64)v;
		}
		ZC_MATCH(d, i, "content-type:", ci, exact);
		if (ci)
			return zhead_json_type(d, i + 13, n) ? ZH_CODE(ZH_TYPE) : ZH_CODE(ZH_BAD_FRAMING);
		ZC_MATCH(d, i, "content-encoding:", ci, exact);
		(void)exact;
		return ci ? ZH_CODE(ZH_BAD_FRAMING) : ZH_CODE(ZH_NONE);
	}
	if (c == 't') {
		ZC_MATCH(d, i, "transfer-encoding:", ci, exact);
		return ci ? ZH_CODE(ZH_BAD_FRAMING) : ZH_CODE(ZH_NONE);
	}
	if (c == 'u') {
		ZC_MATCH(d, i, "upgrade:", ci, exact);
		return ci ? ZH_CODE(ZH_BAD_FRAMING) : ZH_CODE(ZH_NONE);
	}
	if (c == 'm') {
		ZC_MATCH(d, i, "mcp-name:", ci, exact);
		if (ci)
			return ZH_CODE(ZH_MCP_NAME) | (__u64)(i + 9);
		ZC_MATCH(d, i, "mcp-method:", ci, exact);
		if (!ci)
			return ZH_CODE(ZH_NONE);
		{
			__u32 v = i + 11 + (zc_at(d, i + 11) == ' ' ? 1 : 0);

			ZC_MATCH(d, v, "tools/call\r", ci, exact);
			return exact ? ZH_CODE(ZH_MCP_CALL) : ZH_CODE(ZH_NONE);
		}
	}
	return ZH_CODE(ZH_NONE);
}

/* A header line starting at `i`: note what matters, refuse what is not certain. */
static __always_inline void zhead_field(struct zhead *h, __u32 i)
{
	__u64 r = zhead_field_at(i, h->n);
	__u64 k = ZH_KIND(r);

	if (k == ZH_BAD_HEAD)
		h->why = ZIRIZ_WHY_HEAD;
	else if (k == ZH_BAD_FRAMING)
		h->why = ZIRIZ_WHY_FRAMING;
	else if (k == ZH_LENGTH) {
		if (h->cl_count++ > 0)
			h->why = ZIRIZ_WHY_FRAMING;
		h->cl = ZH_VALUE(r);
	} else if (k == ZH_TYPE && h->ct_seen++) {
		h->why = ZIRIZ_WHY_FRAMING;
	} else if (k == ZH_MCP_NAME) {
		h->mcp_name = h->mcp_name ? 0xffffffff : (__u32)ZH_VALUE(r);   /* repeated: not read */
	} else if (k == ZH_MCP_CALL) {
		h->mcp_call = 1;
	}
}

/* Global: one byte of the head walk (1: stop). */
__noinline int zhead_step(__u32 i)
{
	struct zcertain *st = zcertain_state();
	const __u8 *d = zcertain_data();
	struct zhead *h;
	__u8 c;

	if (!st || !d)
		return 1;
	h = &st->h;
	if (i >= h->n || i >= ZIRIZ_DATA_MAX) {
		h->why = ZIRIZ_WHY_HEAD;   /* the blank line is not in the capture */
		return 1;
	}
	c = zc_at(d, i);
	if (i == h->line_start && h->lines > 0) {
		zhead_field(h, i);
		if (h->why)
			return 1;
	}
	if (c != '\n')
		return 0;
	if (i == 0 || zc_at(d, i - 1) != '\r') {
		h->why = ZIRIZ_WHY_HEAD;   /* bare LF */
		return 1;
	}
	if (i == h->line_start + 1 && h->lines > 0) {
		h->end = i + 1;            /* the blank line */
		return 1;
	}
	h->lines++;
	h->line_start = i + 1;
	return 0;
}

static int zhead_cb(__u32 i, void *ctx)
{
	return zhead_step(i) ? 1 : 0;
}

/* Global: one byte of the request line (1: stop). */
__noinline int zreqline_step(__u32 i)
{
	struct zcertain *st = zcertain_state();
	const __u8 *d = zcertain_data();
	struct zreqline *s;
	__u8 c, p;

	if (!st || !d)
		return 1;
	s = &st->rl;
	if (i >= s->n || i >= ZIRIZ_DATA_MAX) {
		s->bad = 1;
		return 1;
	}
	c = zc_at(d, i);
	if (!s->sp) {
		if (c == ' ') {
			if (i < 3 || zc_at(d, i + 1) != '/') {
				s->bad = 1;
				return 1;
			}
			s->sp = i;
			return 0;
		}
		if (c < 'A' || c > 'Z' || i >= 8) {
			s->bad = 1;
			return 1;
		}
		return 0;
	}
	if (c == ' ') {
		/* A trailing slash ("/customers/"): servers and globs read it differently; userspace judges it. */
		if (!s->in_query && i > s->sp + 2 && zc_at(d, i - 1) == '/') {
			s->bad = 1;
			return 1;
		}
		s->ver = i;
		return 1;
	}
	if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\') {
		s->bad = 1;
		return 1;
	}
	if (s->in_query)
		return 0;
	if (c == '?') {
		if (i > s->sp + 2 && zc_at(d, i - 1) == '/') {
			s->bad = 1;
			return 1;
		}
		s->in_query = 1;
		return 0;
	}
	p = zc_at(d, i - 1);
	/* Percent-encoding, "//", "/." are normalised differently by servers: userspace judges them. */
	if (c == '%' || (p == '/' && (c == '/' || c == '.'))) {
		s->bad = 1;
		return 1;
	}
	return 0;
}

static int zreqline_cb(__u32 i, void *ctx)
{
	return zreqline_step(i) ? 1 : 0;
}

/*
 * Parse the head of the `n` captured bytes. Returns 0 and fills `out` (end:
 * body offset, cl: Content-Length) when certain; else the reason.
 */
static __always_inline __u8 zhead_parse(__u32 n, __u32 *end, __u64 *cl, __u32 *mcp_name)
{
	struct zcertain *st = zcertain_state();
	const __u8 *d = zcertain_data();
	const char ver[] = " HTTP/1.1\r\n";
	__u32 v;

	if (!st || !d)
		return ZIRIZ_WHY_HEAD;
	__builtin_memset(&st->rl, 0, sizeof(st->rl));
	st->rl.n = n;
	bpf_loop(8 + 1 + 2048, zreqline_cb, NULL, 0);
	v = st->rl.ver;
	if (st->rl.bad || !v || v + sizeof(ver) - 1 > n)
		return ZIRIZ_WHY_HEAD;
	for (__u32 k = 0; k < sizeof(ver) - 1; k++)
		if (zc_at(d, v + k) != (__u8)ver[k])
			return ZIRIZ_WHY_HEAD;
	__builtin_memset(&st->h, 0, sizeof(st->h));
	st->h.n = n;
	st->h.line_start = v + sizeof(ver) - 1;
	st->h.lines = 1;
	bpf_loop(ZIRIZ_DATA_MAX, zhead_cb, NULL, 0);
	if (st->h.why)
		return st->h.why;
	if (!st->h.end)
		return ZIRIZ_WHY_HEAD;
	*end = st->h.end;
	*cl = st->h.cl;
	*mcp_name = st->h.mcp_call ? st->h.mcp_name : 0;
	return 0;
}

/* ---- the JSON body ---- */

/* zjson_quote_at's result bits. */
#define ZJ_BAD 1
#define ZJ_PARAMS 2
#define ZJ_JSONRPC 4
#define ZJ_NAME 8

/*
 * At the quote at captured byte `i`, a key that only a case-insensitive
 * server reads as one of ours is not certain (ZJ_BAD); exact "params" and
 * "jsonrpc" are counted. Verified once, inside the global zjson_step.
 */
static __always_inline int zjson_quote_at(__u32 i)
{
	__u32 zero = 0;
	struct ziriz_data_event *e = bpf_map_lookup_elem(&ziriz_data_scratch, &zero);
	const __u8 *d;
	int ci, exact, r = 0;

	if (!e)
		return ZJ_BAD;
	d = e->data;
	ZC_MATCH(d, i, "\"method\"", ci, exact);
	if (ci && !exact)
		return ZJ_BAD;
	ZC_MATCH(d, i, "\"name\"", ci, exact);
	if (ci && !exact)
		return ZJ_BAD;
	if (exact)
		r |= ZJ_NAME;
	ZC_MATCH(d, i, "\"params\"", ci, exact);
	if (ci && !exact)
		return ZJ_BAD;
	if (exact)
		r |= ZJ_PARAMS;
	ZC_MATCH(d, i, "\"jsonrpc\"", ci, exact);
	if (ci && !exact)
		return ZJ_BAD;
	if (exact)
		r |= ZJ_JSONRPC;
	return r;
}

/* Global: one byte of the body (1: stop). */
__noinline int zjson_step(__u32 k)
{
	struct zcertain *st = zcertain_state();
	const __u8 *d = zcertain_data();
	struct zjson *s;
	__u32 i;
	__u8 c;
	int r;

	if (!st || !d)
		return 1;
	s = &st->j;
	i = s->base + k;
	if (i >= s->end || i >= ZIRIZ_DATA_MAX)
		return 1;
	c = zc_at(d, i);
	if (c == '\\' || (c < 0x20 && c != '\t' && c != '\r' && c != '\n')) {
		s->bad = 1;
		return 1;
	}
	if (c == 0xc5 && zc_at(d, i + 1) == 0xbf) {          /* U+017F */
		s->bad = 1;
		return 1;
	}
	if (c == 0xe2 && zc_at(d, i + 1) == 0x84 && zc_at(d, i + 2) == 0xaa) { /* U+212A */
		s->bad = 1;
		return 1;
	}
	if (c != '"') {
		if (s->in_str)
			return 0;
		if (c == '{' || c == '[') {
			s->extra |= s->closed;
			/* The top-level "params" value, when it is an object: its own keys are at depth 2. */
			if (s->depth == 1)
				s->in_params = s->pkey && c == '{';
			s->pkey = 0;
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (s->depth == 0)
				s->extra = 1;
			else if (--s->depth == 0)
				s->closed = 1;
			if (s->depth < 2)
				s->in_params = 0;
		} else if (s->closed && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			s->extra = 1;
		}
		return 0;
	}
	s->extra |= s->closed && !s->in_str;
	s->in_str ^= 1;
	r = zjson_quote_at(i);
	if (r & ZJ_BAD) {
		s->bad = 1;
		return 1;
	}
	if (r & ZJ_PARAMS)
		s->params++;
	if (r & ZJ_JSONRPC)
		s->jsonrpc++;
	if (s->in_str && s->depth == 1)             /* a string opened in the top-level object */
		s->pkey = (r & ZJ_PARAMS) != 0;
	if (s->in_str && s->depth == 2 && s->in_params && (r & ZJ_NAME)) {
		if (s->pname++ == 0)
			s->pname_at = i;
	}
	return 0;
}

static int zjson_cb(__u32 k, void *ctx)
{
	return zjson_step(k) ? 1 : 0;
}

/*
 * Is the body at captured bytes [base, end) spelled so that every server
 * reads it as the kernel does? `whole`: also exactly one JSON value, ended
 * (a line of a stdio stream: nothing delimits it but itself). When it is,
 * st->j.pname / pname_at say where "name" is in the "params" object (the
 * tool's name), whatever other "name"s are deeper (MCP 2026-07-28's _meta
 * clientInfo, arguments).
 */
static __always_inline int zjson_certain(__u32 base, __u32 end, int whole)
{
	struct zcertain *st = zcertain_state();
	const __u8 *d = zcertain_data();

	if (!st || !d || base >= end || end > ZIRIZ_DATA_MAX || zc_at(d, base) != '{')
		return 0;
	__builtin_memset(&st->j, 0, sizeof(st->j));
	st->j.base = base;
	st->j.end = end;
	bpf_loop(ZIRIZ_DATA_MAX, zjson_cb, NULL, 0);
	if (st->j.bad || st->j.params > 1 || st->j.jsonrpc > 1)
		return 0;
	return !whole || (st->j.closed && !st->j.extra && !st->j.in_str && st->j.depth == 0);
}

#endif /* ZIRIZ_CERTAIN_H */
