/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Is file descriptor `fd` of the current task a socket? (CO-RE walk of the fd table) */
#ifndef ZIRIZ_FD_H
#define ZIRIZ_FD_H

#include "common.h"

#define ZIRIZ_S_IFMT 00170000
#define ZIRIZ_S_IFSOCK 0140000

static __always_inline int zfd_is_socket(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return 0;
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max)
		return 0;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
		return 0;
	return (BPF_CORE_READ(f, f_inode, i_mode) & ZIRIZ_S_IFMT) == ZIRIZ_S_IFSOCK;
}

#endif /* ZIRIZ_FD_H */
