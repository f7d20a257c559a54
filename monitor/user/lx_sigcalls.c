/*
 * lx_sigcalls.c — the signal system calls of the Linux i386 personality.
 *
 * Owns: rt_sigaction (struct {handler, flags, restorer, mask[2]}), the old
 * sigaction (struct {handler, 32-bit mask, flags, restorer}) and signal;
 * rt_sigprocmask, sigprocmask, sgetmask, ssetmask; rt_sigpending,
 * sigpending; rt_sigsuspend, sigsuspend; sigaltstack (i386 stack_t);
 * rt_sigtimedwait (and time64); rt_sigqueueinfo, rt_tgsigqueueinfo,
 * pidfd_send_signal (i386 siginfo in); signalfd, signalfd4.
 */
#include <signal.h>
#include <string.h>

#include "monitor/user/lx_int.h"

struct lx_rt_sigaction32 {
	uint32_t handler, flags, restorer, mask[2];
};

struct lx_old_sigaction32 {
	uint32_t handler, mask, flags, restorer;
};

static bool lx_valid_sig(uint32_t sig)
{
	return sig >= 1 && sig <= LX_NSIG;
}

/* Installs ACT for SIG (the guest's and the host's side). */
static void lx_set_action(struct lx_thread *t, int sig, const struct lx_sigaction *act)
{
	t->proc->sigact[sig] = *act;
	t->proc->sigact[sig].mask &= ~(LX_BIT(SIGKILL) | LX_BIT(SIGSTOP));
	lx_sync_host_action(t, sig);
	if (lx_ignored(t->proc, sig)) /* POSIX: a pending one is discarded */
		__atomic_fetch_and(&t->pending, ~LX_BIT(sig), __ATOMIC_SEQ_CST);
	lx_update_ready(t);
}

long lx_sys_rt_sigaction(struct lx_thread *t, const uint32_t *a)
{
	struct lx_rt_sigaction32 g;
	struct lx_sigaction old;
	int sig = (int)a[0];
	if (a[3] != 8 || !lx_valid_sig(a[0]))
		return -EINVAL;
	old = t->proc->sigact[sig];
	if (a[1]) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (lx_get(t, &g, a[1], sizeof g))
			return -EFAULT;
		struct lx_sigaction n = {g.handler, g.flags, g.restorer,
					 g.mask[0] | (uint64_t)g.mask[1] << 32};
		lx_set_action(t, sig, &n);
	}
	if (a[2]) {
		g = (struct lx_rt_sigaction32){old.handler, old.flags, old.restorer,
					       {(uint32_t)old.mask, (uint32_t)(old.mask >> 32)}};
		if (lx_put(t, a[2], &g, sizeof g))
			return -EFAULT;
	}
	return 0;
}

long lx_sys_sigaction(struct lx_thread *t, const uint32_t *a)
{
	struct lx_old_sigaction32 g;
	struct lx_sigaction old;
	int sig = (int)a[0];
	if (!lx_valid_sig(a[0]))
		return -EINVAL;
	old = t->proc->sigact[sig];
	if (a[1]) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (lx_get(t, &g, a[1], sizeof g))
			return -EFAULT;
		struct lx_sigaction n = {g.handler, g.flags, g.restorer, g.mask};
		lx_set_action(t, sig, &n);
	}
	if (a[2]) {
		g = (struct lx_old_sigaction32){old.handler, (uint32_t)old.mask, old.flags,
						old.restorer};
		if (lx_put(t, a[2], &g, sizeof g))
			return -EFAULT;
	}
	return 0;
}

/* signal(2): SA_ONESHOT | SA_NOMASK, returns the old handler. */
long lx_sys_signal(struct lx_thread *t, const uint32_t *a)
{
	int sig = (int)a[0];
	if (!lx_valid_sig(a[0]) || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	uint32_t old = t->proc->sigact[sig].handler;
	struct lx_sigaction n = {a[1], SA_RESETHAND | SA_NODEFER, 0, 0};
	lx_set_action(t, sig, &n);
	return old;
}

static int lx_change_mask(struct lx_thread *t, uint32_t how, uint64_t set)
{
	switch (how) {
	case SIG_BLOCK:
		lx_set_sigmask(t, t->sigmask | set);
		return 0;
	case SIG_UNBLOCK:
		lx_set_sigmask(t, t->sigmask & ~set);
		return 0;
	case SIG_SETMASK:
		lx_set_sigmask(t, set);
		return 0;
	default:
		return -EINVAL;
	}
}

long lx_sys_rt_sigprocmask(struct lx_thread *t, const uint32_t *a)
{
	uint64_t set, old = t->sigmask;
	if (a[3] != 8)
		return -EINVAL;
	if (a[1]) {
		if (lx_get(t, &set, a[1], 8))
			return -EFAULT;
		if (a[0] > SIG_SETMASK)
			return -EINVAL;
	}
	if (a[2] && lx_put(t, a[2], &old, 8))
		return -EFAULT;
	return a[1] ? lx_change_mask(t, a[0], set) : 0;
}

long lx_sys_sigprocmask(struct lx_thread *t, const uint32_t *a)
{
	uint32_t set, old = (uint32_t)t->sigmask;
	if (a[1]) {
		if (lx_get(t, &set, a[1], 4))
			return -EFAULT;
		if (a[0] > SIG_SETMASK)
			return -EINVAL;
	}
	if (a[2] && lx_put32(t, a[2], old))
		return -EFAULT;
	if (!a[1])
		return 0;
	if (a[0] == SIG_SETMASK)
		return lx_change_mask(t, SIG_SETMASK, (t->sigmask & ~0xffffffffull) | set);
	return lx_change_mask(t, a[0], set);
}

long lx_sys_sgetmask(struct lx_thread *t, const uint32_t *a)
{
	(void)a;
	return (uint32_t)t->sigmask;
}

long lx_sys_ssetmask(struct lx_thread *t, const uint32_t *a)
{
	uint32_t old = (uint32_t)t->sigmask;
	lx_set_sigmask(t, a[0]);
	return old;
}

/* Blocked signals pending for the guest or in the host kernel. */
static uint64_t lx_pending_set(struct lx_thread *t)
{
	uint64_t host = 0;
	sigset_t set;
	if (syscall(SYS_rt_sigpending, &set, 8) == 0)
		memcpy(&host, &set, 8);
	return (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) | host) & t->sigmask;
}

long lx_sys_rt_sigpending(struct lx_thread *t, const uint32_t *a)
{
	uint64_t p = lx_pending_set(t);
	if (a[1] > 8)
		return -EINVAL;
	return lx_put(t, a[0], &p, a[1]) ? -EFAULT : 0;
}

long lx_sys_sigpending(struct lx_thread *t, const uint32_t *a)
{
	return lx_put32(t, a[0], (uint32_t)lx_pending_set(t)) ? -EFAULT : 0;
}

static long lx_suspend(struct lx_thread *t, uint64_t m)
{
	sigset_t set;
	lx_host_sigset(t, m, &set);
	lx_temp_sigmask(t, m);
	return lx_end_temp_sigmask(t, lx_host(t, SYS_rt_sigsuspend, (long)&set, 8));
}

long lx_sys_rt_sigsuspend(struct lx_thread *t, const uint32_t *a)
{
	uint64_t m;
	if (a[1] != 8)
		return -EINVAL;
	if (lx_get(t, &m, a[0], 8))
		return -EFAULT;
	return lx_suspend(t, m);
}

long lx_sys_sigsuspend(struct lx_thread *t, const uint32_t *a)
{
	return lx_suspend(t, a[2]); /* i386: (history0, history1, old_sigset_t mask) */
}

long lx_sys_sigaltstack(struct lx_thread *t, const uint32_t *a)
{
	uint32_t ss[3], esp = t->cpu->regs[GR_ESP]; /* i386 stack_t: sp, flags, size */
	uint32_t old[3] = {t->ss_sp, lx_altstack_flags(t, esp), t->ss_size};
	if (a[0] && lx_get(t, ss, a[0], sizeof ss))
		return -EFAULT;
	if (a[0]) {
		int r = lx_set_altstack(t, ss[0], ss[1], ss[2], esp);
		if (r < 0)
			return r;
	}
	if (a[1] && lx_put(t, a[1], old, sizeof old))
		return -EFAULT;
	return 0;
}

/* --- synchronous waits and queued signals --- */

static long lx_sigtimedwait(struct lx_thread *t, const uint32_t *a, bool wide)
{
	uint64_t m;
	siginfo_t si;
	struct timespec ts, *pts;
	struct lx_siginfo32 g;
	sigset_t set;
	long r;

	if (a[3] != 8)
		return -EINVAL;
	if (lx_get(t, &m, a[0], 8))
		return -EFAULT;
	m &= ~(LX_BIT(SIGKILL) | LX_BIT(SIGSTOP));
	uint64_t mine = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & m;
	if (mine) { /* already recorded for the guest (a fault, or a host signal) */
		r = __builtin_ctzll(mine) + 1;
		si = t->info[r];
		__atomic_fetch_and(&t->pending, ~LX_BIT(r), __ATOMIC_SEQ_CST);
		lx_update_ready(t);
	} else {
		if ((wide ? lx_get_ts64 : lx_get_ts32)(t, a[2], &ts, &pts))
			return -EFAULT;
		lx_host_sigset(t, m, &set);
		r = lx_host(t, SYS_rt_sigtimedwait, (long)&set, (long)&si, (long)pts, 8);
		if (r == -LX_ERESTART || r == -LX_ERESTARTSYS)
			r = -EINTR;
		if (r <= 0)
			return r;
	}
	lx_siginfo_to32(&si, &g);
	if (a[1] && lx_put(t, a[1], &g, sizeof g))
		return -EFAULT;
	return r;
}

long lx_sys_rt_sigtimedwait(struct lx_thread *t, const uint32_t *a)
{
	return lx_sigtimedwait(t, a, false);
}

long lx_sys_rt_sigtimedwait_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_sigtimedwait(t, a, true);
}

static int lx_get_siginfo(struct lx_thread *t, uint32_t addr, siginfo_t *si)
{
	struct lx_siginfo32 g;
	if (lx_get(t, &g, addr, sizeof g))
		return -EFAULT;
	lx_siginfo_from32(&g, si);
	return 0;
}

long lx_sys_rt_sigqueueinfo(struct lx_thread *t, const uint32_t *a)
{
	siginfo_t si;
	if (lx_get_siginfo(t, a[2], &si))
		return -EFAULT;
	return lx_sys(SYS_rt_sigqueueinfo, (int32_t)a[0], (int)a[1], (long)&si, 0, 0, 0);
}

long lx_sys_rt_tgsigqueueinfo(struct lx_thread *t, const uint32_t *a)
{
	siginfo_t si;
	if (lx_get_siginfo(t, a[3], &si))
		return -EFAULT;
	return lx_sys(SYS_rt_tgsigqueueinfo, (int32_t)a[0], (int32_t)a[1], (int)a[2], (long)&si, 0,
		      0);
}

long lx_sys_pidfd_send_signal(struct lx_thread *t, const uint32_t *a)
{
	siginfo_t si;
	if (a[2] && lx_get_siginfo(t, a[2], &si))
		return -EFAULT;
	return lx_sys(SYS_pidfd_send_signal, (int32_t)a[0], (int)a[1], a[2] ? (long)&si : 0, a[3],
		      0, 0);
}

static long lx_signalfd(struct lx_thread *t, int32_t fd, uint32_t mask, uint32_t size, int flags)
{
	uint64_t m;
	sigset_t set;
	if (size != 8)
		return -EINVAL;
	if (lx_get(t, &m, mask, 8))
		return -EFAULT;
	lx_host_sigset(t, m, &set);
	return lx_sys(SYS_signalfd4, fd, (long)&set, 8, flags, 0, 0);
}

long lx_sys_signalfd(struct lx_thread *t, const uint32_t *a)
{
	return lx_signalfd(t, (int32_t)a[0], a[1], a[2], 0);
}

long lx_sys_signalfd4(struct lx_thread *t, const uint32_t *a)
{
	return lx_signalfd(t, (int32_t)a[0], a[1], a[2], (int)a[3]);
}
