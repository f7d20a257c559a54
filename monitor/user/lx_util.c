/*
 * lx_util.c — guest memory access and shared structure conversions of the
 * Linux i386 personality.
 *
 * Owns: checking guest pointers (lx_ptr & co.), making code pages writable
 * before the host kernel writes into them, strings and path arguments, and
 * the conversions of time values, rusage, siginfo and iovec arrays between
 * the i386 and x86-64 layouts.
 */
#include <string.h>

#include "monitor/user/lx_int.h"

_Static_assert(sizeof(struct lx_siginfo32) == 128, "i386 siginfo is 128 bytes");
_Static_assert(sizeof(struct lx_rusage32) == 72, "i386 rusage is 72 bytes");
_Static_assert(sizeof(struct lx_timespec64) == 16, "__kernel_timespec");

/* Translations of pages the host kernel is about to write must go, and the
 * pages must be host-writable again. */
static void lx_unprotect(struct lx_thread *t, uint32_t addr, uint32_t len)
{
	struct uspace *us = t->proc->mem;
	uint64_t end = (uint64_t)addr + len;
	for (uint64_t pg = addr & ~(uint64_t)(LX_PAGE - 1); pg < end; pg += LX_PAGE) {
		int prot = uspace_prot(us, (uint32_t)pg);
		if (prot > 0 && (prot & PROT_EXEC) && (prot & PROT_WRITE))
			uspace_code_write_fault(us, (uint32_t)pg);
	}
}

int lx_ptr(struct lx_thread *t, uint32_t addr, uint32_t len, int prot, void **out)
{
	*out = NULL;
	if (!addr)
		return 0;
	void *p = uspace_ptr(t->proc->mem, addr, len, prot);
	if (!p)
		return -EFAULT;
	if (prot & PROT_WRITE)
		lx_unprotect(t, addr, len);
	*out = p;
	return 0;
}

int lx_get(struct lx_thread *t, void *dst, uint32_t addr, uint32_t len)
{
	return uspace_read(t->proc->mem, dst, addr, len);
}

int lx_put(struct lx_thread *t, uint32_t addr, const void *src, uint32_t len)
{
	if (!uspace_ptr(t->proc->mem, addr, len, PROT_WRITE))
		return -EFAULT;
	lx_unprotect(t, addr, len);
	return uspace_write(t->proc->mem, addr, src, len);
}

int lx_get32(struct lx_thread *t, uint32_t addr, uint32_t *v)
{
	return lx_get(t, v, addr, 4);
}

int lx_put32(struct lx_thread *t, uint32_t addr, uint32_t v)
{
	return lx_put(t, addr, &v, 4);
}

int lx_str(struct lx_thread *t, uint32_t addr, uint32_t max, bool optional, const char **out)
{
	*out = NULL;
	if (!addr)
		return optional ? 0 : -EFAULT;
	int64_t n = uspace_strnlen(t->proc->mem, addr, max);
	if (n < 0)
		return (int)n;
	if (n >= max)
		return -ENAMETOOLONG;
	*out = uspace_ptr(t->proc->mem, addr, (uint32_t)n + 1, PROT_READ);
	return *out ? 0 : -EFAULT;
}

int lx_path(struct lx_thread *t, uint32_t addr, bool follow, char buf[PATH_MAX], const char **out)
{
	const char *s;
	int r = lx_str(t, addr, PATH_MAX, false, &s);
	if (r < 0)
		return r;
	*out = s;
	if (s[0] != '/' || (!t->proc->sysroot && strncmp(s, "/proc/", 6) != 0))
		return 0;
	r = lx_resolve_path(t->proc, s, follow, buf, PATH_MAX);
	if (r < 0)
		return r;
	*out = buf;
	return 0;
}

/* --- time --- */

int lx_get_ts32(struct lx_thread *t, uint32_t addr, struct timespec *ts, struct timespec **out)
{
	struct lx_timespec32 g;
	*out = NULL;
	if (!addr)
		return 0;
	if (lx_get(t, &g, addr, sizeof g))
		return -EFAULT;
	ts->tv_sec = g.sec;
	ts->tv_nsec = g.nsec;
	*out = ts;
	return 0;
}

int lx_get_ts64(struct lx_thread *t, uint32_t addr, struct timespec *ts, struct timespec **out)
{
	struct lx_timespec64 g;
	*out = NULL;
	if (!addr)
		return 0;
	if (lx_get(t, &g, addr, sizeof g))
		return -EFAULT;
	ts->tv_sec = g.sec;
	ts->tv_nsec = (long)(uint32_t)g.nsec; /* a 32-bit task's padding is dropped */
	*out = ts;
	return 0;
}

int lx_put_ts32(struct lx_thread *t, uint32_t addr, const struct timespec *ts)
{
	struct lx_timespec32 g = {(int32_t)ts->tv_sec, (int32_t)ts->tv_nsec};
	return lx_put(t, addr, &g, sizeof g);
}

int lx_get_tv32(struct lx_thread *t, uint32_t addr, struct timeval *tv, struct timeval **out)
{
	struct lx_timeval32 g;
	*out = NULL;
	if (!addr)
		return 0;
	if (lx_get(t, &g, addr, sizeof g))
		return -EFAULT;
	tv->tv_sec = g.sec;
	tv->tv_usec = g.usec;
	*out = tv;
	return 0;
}

int lx_put_tv32(struct lx_thread *t, uint32_t addr, const struct timeval *tv)
{
	struct lx_timeval32 g = {(int32_t)tv->tv_sec, (int32_t)tv->tv_usec};
	return lx_put(t, addr, &g, sizeof g);
}

int lx_put_rusage(struct lx_thread *t, uint32_t addr, const struct rusage *ru)
{
	struct lx_rusage32 g = {
		.utime = {(int32_t)ru->ru_utime.tv_sec, (int32_t)ru->ru_utime.tv_usec},
		.stime = {(int32_t)ru->ru_stime.tv_sec, (int32_t)ru->ru_stime.tv_usec},
		.maxrss = (int32_t)ru->ru_maxrss, .ixrss = (int32_t)ru->ru_ixrss,
		.idrss = (int32_t)ru->ru_idrss, .isrss = (int32_t)ru->ru_isrss,
		.minflt = (int32_t)ru->ru_minflt, .majflt = (int32_t)ru->ru_majflt,
		.nswap = (int32_t)ru->ru_nswap, .inblock = (int32_t)ru->ru_inblock,
		.oublock = (int32_t)ru->ru_oublock, .msgsnd = (int32_t)ru->ru_msgsnd,
		.msgrcv = (int32_t)ru->ru_msgrcv, .nsignals = (int32_t)ru->ru_nsignals,
		.nvcsw = (int32_t)ru->ru_nvcsw, .nivcsw = (int32_t)ru->ru_nivcsw,
	};
	return lx_put(t, addr, &g, sizeof g);
}

/* --- siginfo --- */

enum lx_silayout { SIL_KILL, SIL_TIMER, SIL_RT, SIL_CHLD, SIL_FAULT, SIL_POLL, SIL_SYS };

/* Which union member a siginfo uses (Linux siginfo_layout). */
static enum lx_silayout lx_layout(int sig, int code)
{
	if (code > SI_USER && code < SI_KERNEL) {
		switch (sig) {
		case SIGILL: case SIGFPE: case SIGSEGV: case SIGBUS: case SIGTRAP:
			return SIL_FAULT;
		case SIGCHLD:
			return SIL_CHLD;
		case SIGPOLL:
			return SIL_POLL;
		case SIGSYS:
			return SIL_SYS;
		default:
			return code <= 6 ? SIL_POLL : SIL_KILL;
		}
	}
	if (code == SI_TIMER)
		return SIL_TIMER;
	if (code == SI_SIGIO)
		return SIL_POLL;
	return code < 0 ? SIL_RT : SIL_KILL;
}

void lx_siginfo_to32(const siginfo_t *si, struct lx_siginfo32 *g)
{
	memset(g, 0, sizeof *g);
	g->signo = si->si_signo;
	g->errno_ = si->si_errno;
	g->code = si->si_code;
	switch (lx_layout(si->si_signo, si->si_code)) {
	case SIL_KILL:
		g->u.kill.pid = si->si_pid;
		g->u.kill.uid = si->si_uid;
		break;
	case SIL_TIMER:
		g->u.timer.tid = si->si_timerid;
		g->u.timer.overrun = si->si_overrun;
		g->u.timer.sigval = (uint32_t)(uintptr_t)si->si_value.sival_ptr;
		break;
	case SIL_RT:
		g->u.rt.pid = si->si_pid;
		g->u.rt.uid = si->si_uid;
		g->u.rt.sigval = (uint32_t)(uintptr_t)si->si_value.sival_ptr;
		break;
	case SIL_CHLD:
		g->u.chld.pid = si->si_pid;
		g->u.chld.uid = si->si_uid;
		g->u.chld.status = si->si_status;
		g->u.chld.utime = (int32_t)si->si_utime;
		g->u.chld.stime = (int32_t)si->si_stime;
		break;
	case SIL_FAULT:
		g->u.fault.addr = (uint32_t)(uintptr_t)si->si_addr;
		g->u.fault.addr_lsb = si->si_addr_lsb;
		break;
	case SIL_POLL:
		g->u.poll.band = (int32_t)si->si_band;
		g->u.poll.fd = si->si_fd;
		break;
	case SIL_SYS:
		g->u.sys.call_addr = (uint32_t)(uintptr_t)si->si_call_addr;
		g->u.sys.syscall = si->si_syscall;
		g->u.sys.arch = 0x40000003; /* AUDIT_ARCH_I386 */
		break;
	}
}

void lx_siginfo_from32(const struct lx_siginfo32 *g, siginfo_t *si)
{
	memset(si, 0, sizeof *si);
	si->si_signo = g->signo;
	si->si_errno = g->errno_;
	si->si_code = g->code;
	switch (lx_layout(g->signo, g->code)) {
	case SIL_TIMER:
		si->si_timerid = g->u.timer.tid;
		si->si_overrun = g->u.timer.overrun;
		si->si_value.sival_ptr = (void *)(uintptr_t)g->u.timer.sigval;
		break;
	case SIL_FAULT:
		si->si_addr = (void *)(uintptr_t)g->u.fault.addr;
		break;
	case SIL_POLL:
		si->si_band = g->u.poll.band;
		si->si_fd = g->u.poll.fd;
		break;
	case SIL_CHLD:
		si->si_pid = g->u.chld.pid;
		si->si_uid = g->u.chld.uid;
		si->si_status = g->u.chld.status;
		si->si_utime = g->u.chld.utime;
		si->si_stime = g->u.chld.stime;
		break;
	default: /* kill, rt, sys: pid, uid and the value */
		si->si_pid = g->u.rt.pid;
		si->si_uid = g->u.rt.uid;
		si->si_value.sival_ptr = (void *)(uintptr_t)g->u.rt.sigval;
		break;
	}
}

/* --- iovec --- */

int lx_get_iov(struct lx_thread *t, uint32_t addr, uint32_t cnt, int prot, struct iovec *iov)
{
	struct lx_iovec32 g[64];
	if (cnt > IOV_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < cnt; i += 64) {
		uint32_t n = cnt - i < 64 ? cnt - i : 64;
		if (lx_get(t, g, addr + i * 8, n * 8))
			return -EFAULT;
		for (uint32_t j = 0; j < n; j++) {
			void *p;
			if ((int32_t)g[j].len < 0)
				return -EINVAL;
			if (lx_ptr(t, g[j].base, g[j].len, prot, &p))
				return -EFAULT;
			iov[i + j].iov_base = p;
			iov[i + j].iov_len = g[j].len;
		}
	}
	return 0;
}
