/*
 * lx_proc.c — processes in the Linux i386 personality.
 *
 * Owns: exit and exit_group (clear_child_tid), fork, vfork and fork-like
 * clone (the whole monitor forks), clone of threads (CLONE_VM|CLONE_THREAD:
 * handed to the monitor's spawn; CLONE_VM without CLONE_THREAD or
 * CLONE_VFORK is refused with -ENOSYS), wait4, waitpid, waitid, futex
 * (and time64: the futex word is in guest memory, the host waits on it),
 * uname (machine "i686"), sysinfo (i386 layout, mem_unit scaled like
 * Linux's compat code), sched_getaffinity/setaffinity (32-bit masks).
 */
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

static void lx_clear_child_tid(struct lx_thread *t)
{
	void *p;
	if (!t->clear_child_tid || lx_ptr(t, t->clear_child_tid, 4, PROT_WRITE, &p))
		return;
	memset(p, 0, 4);
	lx_sys(SYS_futex, (long)p, FUTEX_WAKE, 1, 0, 0, 0);
}

long lx_sys_exit(struct lx_thread *t, const uint32_t *a)
{
	lx_clear_child_tid(t);
	t->exit_status = (int)(a[0] & 0xff);
	t->exiting = true;
	t->exit_thread = true;
	return 0;
}

long lx_sys_exit_group(struct lx_thread *t, const uint32_t *a)
{
	t->exit_status = (int)(a[0] & 0xff);
	t->exiting = true;
	t->exit_thread = false;
	return 0;
}

/* Host flags a fork-like clone may pass on: exit signal, namespaces. */
#define LX_CLONE_HOST                                                                          \
	(CSIGNAL | CLONE_VFORK | CLONE_PARENT | CLONE_UNTRACED | CLONE_NEWNS | CLONE_NEWUTS |   \
	 CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP |          \
	 CLONE_PIDFD)

/* Fork the monitor.  The child gets the guest's new stack and tid
 * bookkeeping; CLONE_VFORK keeps the parent waiting until the child execs
 * or exits (its memory is a copy, not shared). */
static long lx_fork(struct lx_thread *t, uint32_t flags, uint32_t newsp, uint32_t ptid,
		    uint32_t tls, uint32_t ctid)
{
	void *pidfd = NULL;
	long r;
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && (r = lx_ptr(t, ptid, 4, PROT_WRITE, &pidfd)) < 0)
		return r;
	if ((flags & LX_CLONE_HOST) == SIGCHLD) {
		r = fork(); /* glibc's: keeps the monitor's own thread id right */
		r = r < 0 ? -errno : r;
	} else {
		r = lx_sys(SYS_clone, flags & LX_CLONE_HOST, 0, (long)pidfd, 0, 0, 0);
	}
	if (r < 0)
		return r;
	if (r > 0) {
		if ((flags & CLONE_PARENT_SETTID) && lx_put32(t, ptid, (uint32_t)r))
			return r; /* Linux ignores the fault too */
		return r;
	}
	/* child */
	__atomic_store_n(&t->pending, 0, __ATOMIC_SEQ_CST);
	lx_update_ready(t);
	if (newsp)
		t->cpu->regs[GR_ESP] = newsp;
	if (flags & CLONE_CHILD_SETTID)
		lx_put32(t, ctid, (uint32_t)lx_sys(SYS_gettid, 0, 0, 0, 0, 0, 0));
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	if (flags & CLONE_SETTLS) {
		uint32_t arg[6] = {tls};
		lx_sys_set_thread_area(t, arg);
	}
	return 0;
}

long lx_sys_fork(struct lx_thread *t, const uint32_t *a)
{
	(void)a;
	return lx_fork(t, SIGCHLD, 0, 0, 0, 0);
}

long lx_sys_vfork(struct lx_thread *t, const uint32_t *a)
{
	(void)a;
	return lx_fork(t, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

long lx_sys_clone(struct lx_thread *t, const uint32_t *a)
{
	uint32_t flags = a[0]; /* i386: flags, newsp, parent_tid, tls, child_tid */
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_VM) && (flags & CLONE_THREAD) && !(flags & CLONE_VFORK)) {
		struct lx_clone c = {flags, a[1], a[2], a[3], a[4]};
		if (!t->proc->spawn)
			return -ENOSYS;
		return t->proc->spawn(t->proc->spawn_ctx, t, &c);
	}
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return -ENOSYS; /* shared memory without a shared thread group */
	if (flags & (CLONE_THREAD | CLONE_SIGHAND))
		return -ENOSYS;
	return lx_fork(t, flags, a[1], a[2], a[3], a[4]);
}

/* --- waiting --- */

static long lx_wait4(struct lx_thread *t, int32_t pid, uint32_t status, int opt, uint32_t ru)
{
	int st;
	struct rusage r_usage;
	void *ps;
	long r = lx_ptr(t, status, 4, PROT_WRITE, &ps);
	if (r < 0)
		return r;
	r = lx_host(t, SYS_wait4, pid, ps ? (long)&st : 0, opt, ru ? (long)&r_usage : 0);
	if (r > 0 && ps)
		memcpy(ps, &st, 4);
	if (r > 0 && ru && lx_put_rusage(t, ru, &r_usage))
		return -EFAULT;
	return r;
}

long lx_sys_wait4(struct lx_thread *t, const uint32_t *a)
{
	return lx_wait4(t, (int32_t)a[0], a[1], (int)a[2], a[3]);
}

long lx_sys_waitpid(struct lx_thread *t, const uint32_t *a)
{
	return lx_wait4(t, (int32_t)a[0], a[1], (int)a[2], 0);
}

long lx_sys_waitid(struct lx_thread *t, const uint32_t *a)
{
	siginfo_t si;
	struct rusage ru;
	struct lx_siginfo32 g;
	memset(&si, 0, sizeof si);
	long r = lx_host(t, SYS_waitid, (int)a[0], (int32_t)a[1], (long)&si, (int)a[3],
			 a[4] ? (long)&ru : 0);
	if (r < 0)
		return r;
	lx_siginfo_to32(&si, &g);
	if (a[2] && lx_put(t, a[2], &g, sizeof g))
		return -EFAULT;
	if (a[4] && lx_put_rusage(t, a[4], &ru))
		return -EFAULT;
	return r;
}

/* --- futex --- */

static bool lx_futex_has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_LOCK_PI || cmd == FUTEX_WAIT_BITSET ||
	       cmd == FUTEX_WAIT_REQUEUE_PI || cmd == 13 /* FUTEX_LOCK_PI2 */;
}

static bool lx_futex_has_uaddr2(int cmd)
{
	return cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP ||
	       cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_CMP_REQUEUE_PI;
}

static long lx_futex(struct lx_thread *t, const uint32_t *a, bool wide)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	void *u1, *u2 = NULL;
	struct timespec ts, *pts = NULL;
	long arg4 = a[3], r;

	if ((r = lx_ptr(t, a[0], 4, PROT_READ, &u1)) < 0 || !u1)
		return r < 0 ? r : -EFAULT;
	if (lx_futex_has_uaddr2(cmd) && (r = lx_ptr(t, a[4], 4, PROT_READ, &u2)) < 0)
		return r;
	if (lx_futex_has_timeout(cmd)) {
		if ((wide ? lx_get_ts64 : lx_get_ts32)(t, a[3], &ts, &pts))
			return -EFAULT;
		arg4 = (long)pts;
	}
	r = lx_host(t, SYS_futex, (long)u1, op, a[2], arg4, (long)u2, a[5]);
	if (r == -EINTR && pts)
		return -LX_EINTR_FINAL; /* a timed wait is not restarted */
	return r;
}

long lx_sys_futex(struct lx_thread *t, const uint32_t *a)
{
	return lx_futex(t, a, false);
}

long lx_sys_futex_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_futex(t, a, true);
}

/* --- system information --- */

static long lx_uname_common(struct lx_thread *t, uint32_t addr, uint32_t size)
{
	struct utsname u;
	if (uname(&u) < 0)
		return -errno;
	memset(u.machine, 0, sizeof u.machine);
	strcpy(u.machine, "i686");
	return lx_put(t, addr, &u, size) ? -EFAULT : 0;
}

long lx_sys_uname(struct lx_thread *t, const uint32_t *a)
{
	_Static_assert(sizeof(struct utsname) == 6 * 65, "new_utsname");
	return lx_uname_common(t, a[0], 6 * 65);
}

long lx_sys_olduname(struct lx_thread *t, const uint32_t *a)
{
	return lx_uname_common(t, a[0], 5 * 65); /* struct old_utsname */
}

struct lx_sysinfo32 {
	int32_t uptime;
	uint32_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t totalhigh, freehigh, mem_unit;
	char f[8];
};

_Static_assert(sizeof(struct lx_sysinfo32) == 64, "i386 sysinfo");

long lx_sys_sysinfo(struct lx_thread *t, const uint32_t *a)
{
	struct sysinfo s;
	struct lx_sysinfo32 g;
	unsigned shift = 0;
	if (sysinfo(&s) < 0)
		return -errno;
	/* Linux compat_sysinfo: grow mem_unit until the sizes fit 32 bits */
	while (((s.totalram | s.totalswap | s.totalhigh) >> shift) > UINT32_MAX &&
	       (s.mem_unit << shift) < 4096)
		shift++;
	memset(&g, 0, sizeof g);
	g.uptime = (int32_t)s.uptime;
	for (int i = 0; i < 3; i++)
		g.loads[i] = (uint32_t)s.loads[i];
	g.totalram = (uint32_t)(s.totalram >> shift);
	g.freeram = (uint32_t)(s.freeram >> shift);
	g.sharedram = (uint32_t)(s.sharedram >> shift);
	g.bufferram = (uint32_t)(s.bufferram >> shift);
	g.totalswap = (uint32_t)(s.totalswap >> shift);
	g.freeswap = (uint32_t)(s.freeswap >> shift);
	g.procs = s.procs;
	g.totalhigh = (uint32_t)(s.totalhigh >> shift);
	g.freehigh = (uint32_t)(s.freehigh >> shift);
	g.mem_unit = s.mem_unit << shift;
	return lx_put(t, a[0], &g, sizeof g) ? -EFAULT : 0;
}

/* --- CPU affinity: i386 masks are arrays of 32-bit words --- */

#define LX_CPUMASK_BYTES 1024

long lx_sys_sched_getaffinity(struct lx_thread *t, const uint32_t *a)
{
	uint8_t mask[LX_CPUMASK_BYTES];
	long n = sysconf(_SC_NPROCESSORS_CONF);
	if ((a[1] & 3) || (long)a[1] * 8 < n)
		return -EINVAL;
	long r = lx_sys(SYS_sched_getaffinity, (int32_t)a[0], sizeof mask, (long)mask, 0, 0, 0);
	if (r < 0)
		return r;
	uint32_t len = a[1] < (uint32_t)r ? a[1] : (uint32_t)r;
	return lx_put(t, a[2], mask, len) ? -EFAULT : (long)len;
}

long lx_sys_sched_setaffinity(struct lx_thread *t, const uint32_t *a)
{
	uint8_t mask[LX_CPUMASK_BYTES];
	uint32_t len = a[1] < sizeof mask ? a[1] : sizeof mask;
	memset(mask, 0, sizeof mask);
	if (lx_get(t, mask, a[2], len))
		return -EFAULT;
	return lx_sys(SYS_sched_setaffinity, (int32_t)a[0], sizeof mask, (long)mask, 0, 0, 0);
}
