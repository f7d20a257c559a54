/*
 * lx_res.c — resource limits and process attributes of the Linux i386
 * personality.
 *
 * Owns: getrlimit (old: RLIM_INFINITY read as 0x7fffffff), ugetrlimit
 * (0xffffffff), setrlimit, prlimit64 (struct rlimit64, same layout) — limits
 * on the address space, data and stack are not applied to the host, which
 * needs its own address space (as qemu does); getrusage; prctl (the common
 * options; seccomp and PR_SET_MM refused); personality; capget/capset;
 * nice.
 */
#include <linux/capability.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "monitor/user/lx_int.h"

/* Limits kept away from the host: the monitor's 4 GiB window and its own
 * stack and heap would break. */
static bool lx_rlim_private(uint32_t res)
{
	return res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_STACK;
}

static long lx_getrlimit_clip(struct lx_thread *t, const uint32_t *a, uint64_t inf)
{
	struct rlimit rl;
	long r = lx_sys(SYS_getrlimit, a[0], (long)&rl, 0, 0, 0, 0);
	if (r < 0)
		return r;
	uint32_t g[2] = {(uint32_t)(rl.rlim_cur > inf ? inf : rl.rlim_cur),
			 (uint32_t)(rl.rlim_max > inf ? inf : rl.rlim_max)};
	return lx_put(t, a[1], g, sizeof g) ? -EFAULT : 0;
}

long lx_sys_getrlimit(struct lx_thread *t, const uint32_t *a)
{
	return lx_getrlimit_clip(t, a, 0x7fffffff);
}

long lx_sys_ugetrlimit(struct lx_thread *t, const uint32_t *a)
{
	return lx_getrlimit_clip(t, a, 0xffffffff);
}

long lx_sys_setrlimit(struct lx_thread *t, const uint32_t *a)
{
	uint32_t g[2];
	if (lx_get(t, g, a[1], sizeof g))
		return -EFAULT;
	struct rlimit rl = {g[0] == 0xffffffff ? RLIM_INFINITY : g[0],
			    g[1] == 0xffffffff ? RLIM_INFINITY : g[1]};
	if (rl.rlim_cur > rl.rlim_max)
		return -EINVAL;
	if (lx_rlim_private(a[0]))
		return 0;
	return lx_sys(SYS_setrlimit, a[0], (long)&rl, 0, 0, 0, 0);
}

long lx_sys_prlimit64(struct lx_thread *t, const uint32_t *a)
{
	struct rlimit nl, *pn = NULL;
	void *old;
	long r = lx_ptr(t, a[3], sizeof(struct rlimit), PROT_WRITE, &old);
	if (r < 0)
		return r;
	if (a[2]) {
		if (lx_get(t, &nl, a[2], sizeof nl))
			return -EFAULT;
		bool self = a[0] == 0 || (long)a[0] == lx_sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
		if (!(self && lx_rlim_private(a[1])))
			pn = &nl;
		else if (nl.rlim_cur > nl.rlim_max)
			return -EINVAL;
	}
	return lx_sys(SYS_prlimit64, (int32_t)a[0], a[1], (long)pn, (long)old, 0, 0);
}

long lx_sys_getrusage(struct lx_thread *t, const uint32_t *a)
{
	struct rusage ru;
	long r = lx_sys(SYS_getrusage, (int32_t)a[0], (long)&ru, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return lx_put_rusage(t, a[1], &ru) ? -EFAULT : 0;
}

/* prctl options with a pointer to a guest int the host writes */
static long lx_prctl_int_out(struct lx_thread *t, int opt, uint32_t addr)
{
	int v;
	long r = lx_sys(SYS_prctl, opt, (long)&v, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return lx_put32(t, addr, (uint32_t)v) ? -EFAULT : r;
}

long lx_sys_prctl(struct lx_thread *t, const uint32_t *a)
{
	int opt = (int)a[0];
	char name[16];
	switch (opt) {
	case PR_SET_NAME: {
		int64_t n = uspace_strnlen(t->proc->mem, a[1], 15);
		memset(name, 0, sizeof name);
		if (n < 0 || lx_get(t, name, a[1], (uint32_t)n))
			return -EFAULT;
		return lx_sys(SYS_prctl, opt, (long)name, 0, 0, 0, 0);
	}
	case PR_GET_NAME: {
		long r = lx_sys(SYS_prctl, opt, (long)name, 0, 0, 0, 0);
		if (r < 0)
			return r;
		return lx_put(t, a[1], name, 16) ? -EFAULT : 0;
	}
	case PR_GET_PDEATHSIG: case PR_GET_CHILD_SUBREAPER:
		return lx_prctl_int_out(t, opt, a[1]);
	case PR_GET_TID_ADDRESS:
		return lx_put32(t, a[1], t->clear_child_tid) ? -EFAULT : 0;
	case PR_GET_SECCOMP:
		return 0;
	case PR_SET_PDEATHSIG: case PR_GET_DUMPABLE: case PR_SET_DUMPABLE:
	case PR_GET_KEEPCAPS: case PR_SET_KEEPCAPS: case PR_CAPBSET_READ: case PR_CAPBSET_DROP:
	case PR_GET_TIMERSLACK: case PR_SET_TIMERSLACK: case PR_SET_CHILD_SUBREAPER:
	case PR_SET_NO_NEW_PRIVS: case PR_GET_NO_NEW_PRIVS: case PR_SET_THP_DISABLE:
	case PR_GET_THP_DISABLE: case PR_CAP_AMBIENT: case PR_SET_PTRACER:
		return lx_sys(SYS_prctl, opt, a[1], a[2], a[3], a[4], 0);
	default: /* PR_SET_SECCOMP, PR_SET_MM, ... would act on the monitor */
		return -EINVAL;
	}
}

long lx_sys_personality(struct lx_thread *t, const uint32_t *a)
{
	struct lx_proc *p = t->proc;
	uint32_t old = p->personality;
	if (a[0] == 0xffffffff)
		return old;
	p->personality = a[0];
	/* only ADDR_NO_RANDOMIZE matters to the host (for exec) */
	long host = lx_sys(SYS_personality, 0xffffffff, 0, 0, 0, 0, 0);
	if (host >= 0)
		lx_sys(SYS_personality, (host & ~ADDR_NO_RANDOMIZE) | (a[0] & ADDR_NO_RANDOMIZE), 0,
		       0, 0, 0, 0);
	return old;
}

/* capget/capset: header {version, pid}; 1 or 2 data structs by version */
static long lx_cap(struct lx_thread *t, const uint32_t *a, long nr, int prot)
{
	uint32_t hdr[2];
	void *data;
	long r;
	if (lx_get(t, hdr, a[0], sizeof hdr))
		return -EFAULT;
	unsigned n = hdr[0] == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
	if ((r = lx_ptr(t, a[1], n * 12, prot, &data)) < 0)
		return r;
	r = lx_sys(nr, (long)hdr, (long)data, 0, 0, 0, 0);
	if (lx_put(t, a[0], hdr, sizeof hdr)) /* the kernel may write its version */
		return -EFAULT;
	return r;
}

long lx_sys_capget(struct lx_thread *t, const uint32_t *a)
{
	return lx_cap(t, a, SYS_capget, PROT_WRITE);
}

long lx_sys_capset(struct lx_thread *t, const uint32_t *a)
{
	return lx_cap(t, a, SYS_capset, PROT_READ);
}

long lx_sys_nice(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	long cur = lx_sys(SYS_getpriority, PRIO_PROCESS, 0, 0, 0, 0, 0); /* 20 - nice */
	if (cur < 0)
		return cur;
	long n = 20 - cur + (int32_t)a[0];
	n = n < -20 ? -20 : n > 19 ? 19 : n;
	return lx_sys(SYS_setpriority, PRIO_PROCESS, 0, n, 0, 0, 0);
}
