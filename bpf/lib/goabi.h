/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Go's register calling convention (ABIInternal, Go 1.17+ on amd64, 1.18+ on
 * arm64), as a uprobe sees it at a function's entry: the receiver and the
 * arguments in order, a slice taking three registers (pointer, length,
 * capacity); at a return instruction the first result is in the first
 * register. The current goroutine (its g) has a register of its own: a
 * goroutine moves between threads, so state kept from a function's entry to
 * its return is keyed by (tgid, g), never by thread.
 */
#ifndef ZIRIZ_GOABI_H
#define ZIRIZ_GOABI_H

#if defined(__TARGET_ARCH_x86)
#define ZGO_ARG1(ctx) ((ctx)->ax)
#define ZGO_ARG2(ctx) ((ctx)->bx)
#define ZGO_ARG3(ctx) ((ctx)->cx)
#define ZGO_RET1(ctx) ((ctx)->ax)
#define ZGO_G(ctx) ((ctx)->r14)
#elif defined(__TARGET_ARCH_arm64)
#define ZGO_ARG1(ctx) (((const struct user_pt_regs *)(ctx))->regs[0])
#define ZGO_ARG2(ctx) (((const struct user_pt_regs *)(ctx))->regs[1])
#define ZGO_ARG3(ctx) (((const struct user_pt_regs *)(ctx))->regs[2])
#define ZGO_RET1(ctx) (((const struct user_pt_regs *)(ctx))->regs[0])
#define ZGO_G(ctx) (((const struct user_pt_regs *)(ctx))->regs[28])
#else
#error "Go register ABI: unsupported architecture"
#endif

/* internal/poll.FD: fdmu (fdMutex: uint64 + 2 x uint32) then Sysfd int, the same since Go 1.9. */
#define ZGO_POLL_FD_SYSFD 16

struct zgo_key {
	__u64 g;
	__u32 tgid;
	__u32 pad;
};

static __always_inline struct zgo_key zgo_key_of(struct pt_regs *ctx)
{
	struct zgo_key k = { .g = ZGO_G(ctx), .tgid = bpf_get_current_pid_tgid() >> 32 };

	return k;
}

/* The descriptor of an internal/poll.FD (-1 when it cannot be read). */
static __always_inline int zgo_sysfd(__u64 pfd)
{
	__s64 fd = -1;

	if (!pfd || bpf_probe_read_user(&fd, sizeof(fd), (const void *)(pfd + ZGO_POLL_FD_SYSFD)) < 0)
		return -1;
	return fd < 0 || fd > 0x7fffffff ? -1 : (int)fd;
}

/* internal/poll.(*FD).Close entry: the plaintext connection's judged state goes with its descriptor (needs call.h). */
static __always_inline int zgo_fd_forget(struct pt_regs *ctx)
{
	int fd = zgo_sysfd(ZGO_ARG1(ctx));

	if (fd >= 0)
		zconn_forget((bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd);
	return 0;
}

#endif
