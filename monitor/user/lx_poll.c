/*
 * lx_poll.c — waiting for file descriptors in the Linux i386 personality.
 *
 * Owns: select (the old one with its argument block), _newselect,
 * pselect6 (and time64), poll, ppoll (and time64), epoll_wait, epoll_pwait,
 * epoll_pwait2.  fd_set bitmaps have the same bit order on both sides but
 * i386 rounds them to 32-bit words and x86-64 to 64-bit ones, so they are
 * copied; struct pollfd and struct epoll_event (12 bytes, packed on x86-64,
 * naturally so on i386) are passed as they are.  A temporary signal mask
 * follows the sigsuspend rules of lx_signal.c.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "monitor/user/lx_int.h"

#define LX_SELECT_MAX (1 << 20)

struct lx_fdsets {
	uint32_t g[3];    /* guest addresses (0 = none) */
	uint64_t *h[3];   /* host bitmaps, or NULL */
	uint32_t gbytes;  /* guest bytes per set: 32-bit words */
	uint64_t *mem;
};

static int lx_fdsets_get(struct lx_thread *t, int32_t n, const uint32_t *g, struct lx_fdsets *s)
{
	memset(s, 0, sizeof *s);
	if (n < 0 || n > LX_SELECT_MAX)
		return -EINVAL;
	size_t words = ((size_t)n + 63) / 64;
	s->gbytes = (uint32_t)(((size_t)n + 31) / 32 * 4);
	s->mem = calloc(3 * (words ? words : 1), 8);
	if (!s->mem)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		s->g[i] = g[i];
		if (!g[i])
			continue;
		s->h[i] = s->mem + i * (words ? words : 1);
		if (lx_get(t, s->h[i], g[i], s->gbytes))
			return -EFAULT;
	}
	return 0;
}

static int lx_fdsets_put(struct lx_thread *t, const struct lx_fdsets *s)
{
	for (int i = 0; i < 3; i++)
		if (s->g[i] && lx_put(t, s->g[i], s->h[i], s->gbytes))
			return -EFAULT;
	return 0;
}

/* select with a struct timeval32 at TVP, remaining time written back. */
static long lx_do_select(struct lx_thread *t, int32_t n, const uint32_t *sets, uint32_t tvp)
{
	struct lx_fdsets s;
	struct timeval tv, *ptv;
	long r = lx_fdsets_get(t, n, sets, &s);
	if (r < 0)
		goto out;
	if (lx_get_tv32(t, tvp, &tv, &ptv)) {
		r = -EFAULT;
		goto out;
	}
	r = lx_host(t, SYS_select, n, (long)s.h[0], (long)s.h[1], (long)s.h[2], (long)ptv);
	if (r >= 0 && lx_fdsets_put(t, &s))
		r = -EFAULT;
	if ((r >= 0 || r == -EINTR) && ptv && lx_put_tv32(t, tvp, &tv))
		r = -EFAULT;
out:
	free(s.mem);
	return r;
}

long lx_sys__newselect(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_select(t, (int32_t)a[0], &a[1], a[4]);
}

long lx_sys_select(struct lx_thread *t, const uint32_t *a)
{
	uint32_t b[5]; /* struct sel_arg_struct: n, inp, outp, exp, tvp */
	if (lx_get(t, b, a[0], sizeof b))
		return -EFAULT;
	return lx_do_select(t, (int32_t)b[0], &b[1], b[4]);
}

/* A guest sigset of SIZE bytes at ADDR (0: none, *HAS = false). */
static int lx_get_sigmask_arg(struct lx_thread *t, uint32_t addr, uint32_t size, uint64_t *m,
			      bool *has)
{
	*has = false;
	if (!addr)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (lx_get(t, m, addr, 8))
		return -EFAULT;
	*has = true;
	return 0;
}

/* Runs host call NR whose argument SIGPOS is a host sigset built from the
 * guest's temporary mask (if HAS): the mask rules of sigsuspend. */
static long lx_masked_call(struct lx_thread *t, long nr, long *h, int sigpos, bool has, uint64_t m)
{
	sigset_t set;
	if (!has)
		return lx_hostv(t, nr, h);
	lx_host_sigset(t, m, &set);
	h[sigpos] = (long)&set;
	lx_temp_sigmask(t, m);
	return lx_end_temp_sigmask(t, lx_hostv(t, nr, h));
}

static long lx_do_pselect(struct lx_thread *t, const uint32_t *a, bool wide)
{
	struct lx_fdsets s;
	struct timespec ts, *pts;
	uint32_t sig[2] = {0, 0}; /* {sigset pointer, size} */
	uint64_t m = 0;
	bool has = false;
	long r = lx_fdsets_get(t, (int32_t)a[0], &a[1], &s);
	if (r < 0)
		goto out;
	r = -EFAULT;
	if ((wide ? lx_get_ts64 : lx_get_ts32)(t, a[4], &ts, &pts))
		goto out;
	if (a[5] && lx_get(t, sig, a[5], sizeof sig))
		goto out;
	if ((r = lx_get_sigmask_arg(t, sig[0], sig[1], &m, &has)) < 0)
		goto out;
	struct { long set, size; } hs = {0, 8};
	long h[6] = {(int32_t)a[0], (long)s.h[0], (long)s.h[1], (long)s.h[2], (long)pts,
		     (long)&hs};
	sigset_t set;
	if (has) {
		lx_host_sigset(t, m, &set);
		hs.set = (long)&set;
		lx_temp_sigmask(t, m);
	}
	r = lx_hostv(t, SYS_pselect6, h);
	if (has)
		r = lx_end_temp_sigmask(t, r);
	if (r >= 0 && lx_fdsets_put(t, &s))
		r = -EFAULT;
	if ((r >= 0 || r == -EINTR) && pts) {
		struct lx_timespec64 g = {ts.tv_sec, ts.tv_nsec};
		if (wide ? lx_put(t, a[4], &g, sizeof g) : lx_put_ts32(t, a[4], &ts))
			r = -EFAULT;
	}
out:
	free(s.mem);
	return r;
}

long lx_sys_pselect6(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_pselect(t, a, false);
}

long lx_sys_pselect6_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_pselect(t, a, true);
}

static int lx_pollfds(struct lx_thread *t, uint32_t addr, uint32_t n, void **p)
{
	if (n > (1u << 20))
		return -EINVAL;
	return lx_ptr(t, addr, n * 8, PROT_READ | PROT_WRITE, p);
}

long lx_sys_poll(struct lx_thread *t, const uint32_t *a)
{
	void *fds;
	long r = lx_pollfds(t, a[0], a[1], &fds);
	return r < 0 ? r : lx_host(t, SYS_poll, (long)fds, a[1], (int32_t)a[2]);
}

static long lx_do_ppoll(struct lx_thread *t, const uint32_t *a, bool wide)
{
	void *fds;
	struct timespec ts, *pts;
	uint64_t m;
	bool has;
	long r = lx_pollfds(t, a[0], a[1], &fds);
	if (r < 0)
		return r;
	if ((wide ? lx_get_ts64 : lx_get_ts32)(t, a[2], &ts, &pts))
		return -EFAULT;
	if ((r = lx_get_sigmask_arg(t, a[3], a[4], &m, &has)) < 0)
		return r;
	long h[6] = {(long)fds, a[1], (long)pts, 0, 8};
	r = lx_masked_call(t, SYS_ppoll, h, 3, has, m);
	if ((r >= 0 || r == -EINTR) && pts) {
		struct lx_timespec64 g = {ts.tv_sec, ts.tv_nsec};
		if (wide ? lx_put(t, a[2], &g, sizeof g) : lx_put_ts32(t, a[2], &ts))
			return -EFAULT;
	}
	return r;
}

long lx_sys_ppoll(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_ppoll(t, a, false);
}

long lx_sys_ppoll_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_ppoll(t, a, true);
}

/* --- epoll: struct epoll_event is 12 bytes on both --- */

static int lx_epoll_events(struct lx_thread *t, uint32_t addr, uint32_t max, void **p)
{
	if ((int32_t)max <= 0 || max > INT32_MAX / 12)
		return -EINVAL;
	return lx_ptr(t, addr, max * 12, PROT_WRITE, p);
}

long lx_sys_epoll_wait(struct lx_thread *t, const uint32_t *a)
{
	void *ev;
	long r = lx_epoll_events(t, a[1], a[2], &ev);
	return r < 0 ? r : lx_host(t, SYS_epoll_wait, (int32_t)a[0], (long)ev, a[2], (int32_t)a[3]);
}

long lx_sys_epoll_pwait(struct lx_thread *t, const uint32_t *a)
{
	void *ev;
	uint64_t m;
	bool has;
	long r = lx_epoll_events(t, a[1], a[2], &ev);
	if (r < 0 || (r = lx_get_sigmask_arg(t, a[4], a[5], &m, &has)) < 0)
		return r;
	long h[6] = {(int32_t)a[0], (long)ev, a[2], (int32_t)a[3], 0, 8};
	return lx_masked_call(t, SYS_epoll_pwait, h, 4, has, m);
}

long lx_sys_epoll_pwait2(struct lx_thread *t, const uint32_t *a)
{
	void *ev;
	uint64_t m;
	bool has;
	struct timespec ts, *pts;
	long r = lx_epoll_events(t, a[1], a[2], &ev);
	if (r < 0 || (r = lx_get_sigmask_arg(t, a[4], a[5], &m, &has)) < 0)
		return r;
	if (lx_get_ts64(t, a[3], &ts, &pts))
		return -EFAULT;
	long h[6] = {(int32_t)a[0], (long)ev, a[2], (long)pts, 0, 8};
	return lx_masked_call(t, SYS_epoll_pwait2, h, 4, has, m);
}
