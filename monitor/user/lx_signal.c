/*
 * lx_signal.c — guest signal state and delivery of the Linux i386
 * personality.
 *
 * Owns: the guest signal mask and its mirror in the host mask (so a signal
 * the guest blocks stays pending in the host kernel and does not interrupt
 * host calls); the host disposition of every signal the run loop does not
 * own (guest handler -> our host handler, SIG_IGN -> SIG_IGN, SIG_DFL ->
 * SIG_DFL, so default actions and exec inheritance are the host kernel's);
 * recording host signals (lx_host_signal) and faults (lx_fault);
 * lx_take_signal: choosing the next signal (synchronous ones first, then the
 * lowest number), default actions, masks on handler entry, SA_RESETHAND.
 */
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"
#include "translator/run.h"

#define LX_SYNC_MASK                                                                          \
	(LX_BIT(SIGSEGV) | LX_BIT(SIGBUS) | LX_BIT(SIGILL) | LX_BIT(SIGTRAP) | LX_BIT(SIGFPE) | \
	 LX_BIT(SIGSYS))
#define LX_UNBLOCKABLE (LX_BIT(SIGKILL) | LX_BIT(SIGSTOP))

static __thread struct lx_thread *lx_current;

void lx_host_sigset(const struct lx_thread *t, uint64_t m, sigset_t *set)
{
	memset(set, 0, sizeof *set);
	m &= ~(t->proc->host_owned | LX_UNBLOCKABLE);
	memcpy(set, &m, sizeof m); /* the kernel's 64-bit set is the first word */
}

void lx_update_ready(struct lx_thread *t)
{
	uint64_t p = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST);
	t->sig_ready = (p & ~t->sigmask) != 0;
}

void lx_set_sigmask(struct lx_thread *t, uint64_t mask)
{
	sigset_t set;
	t->sigmask = mask & ~LX_UNBLOCKABLE;
	lx_host_sigset(t, t->sigmask, &set);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8);
	lx_update_ready(t);
}

void lx_temp_sigmask(struct lx_thread *t, uint64_t temp)
{
	t->saved_mask = t->sigmask;
	t->restore_mask = true;
	t->sigmask = temp & ~LX_UNBLOCKABLE;
	lx_update_ready(t);
}

long lx_end_temp_sigmask(struct lx_thread *t, long r)
{
	if (r == -EINTR || r == -LX_ERESTART || r == -LX_ERESTARTSYS) {
		t->sig_ready = 1; /* lx_take_signal delivers, or restores the mask */
		return -EINTR;
	}
	t->sigmask = t->saved_mask;
	t->restore_mask = false;
	lx_update_ready(t);
	return r;
}

int lx_next_signal(const struct lx_thread *t)
{
	uint64_t ready = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask;
	if (!ready)
		return 0;
	if (ready & LX_SYNC_MASK)
		ready &= LX_SYNC_MASK;
	return __builtin_ctzll(ready) + 1;
}

/* --- host side --- */

/* Records SIG for the guest and kicks the run loop out of translated code
 * (interrupted at host PC) if it is deliverable. */
static void lx_record(struct lx_thread *t, int sig, const siginfo_t *info, uintptr_t pc)
{
	if (sig < 1 || sig > LX_NSIG)
		return;
	if (info) {
		t->info[sig] = *info;
	} else {
		memset(&t->info[sig], 0, sizeof t->info[sig]);
		t->info[sig].si_signo = sig;
		t->info[sig].si_code = SI_KERNEL;
	}
	memset(&t->trap[sig], 0, sizeof t->trap[sig]);
	__atomic_fetch_or(&t->pending, LX_BIT(sig), __ATOMIC_SEQ_CST);
	if (!(t->sigmask & LX_BIT(sig))) {
		t->sig_ready = 1;
		if (t->proc->kick_pc)
			t->proc->kick_pc(t->proc->kick_ctx, pc);
		else if (t->proc->kick)
			t->proc->kick(t->proc->kick_ctx);
	}
}

void lx_host_signal(struct lx_thread *t, int sig, const siginfo_t *info)
{
	lx_record(t, sig, info, 0);
}

static void lx_host_handler(int sig, siginfo_t *si, void *uc)
{
	tr_handler_flags(); /* AC may be the guest's */
	int saved = errno;
	struct lx_thread *t = lx_current;
	if (t) {
		ucontext_t *u = uc;
		lx_record(t, sig, si, (uintptr_t)u->uc_mcontext.gregs[REG_RIP]);
		lx_safe_rewind(uc);
	}
	errno = saved;
}

static bool lx_host_may_touch(const struct lx_proc *p, int sig)
{
	return sig != SIGKILL && sig != SIGSTOP && !(p->host_owned & LX_BIT(sig));
}

void lx_sync_host_action(struct lx_thread *t, int sig)
{
	const struct lx_sigaction *act = &t->proc->sigact[sig];
	struct sigaction sa;
	if (!lx_host_may_touch(t->proc, sig))
		return;
	memset(&sa, 0, sizeof sa);
	sigfillset(&sa.sa_mask);
	if (act->handler == (uint32_t)(uintptr_t)SIG_DFL) {
		sa.sa_handler = SIG_DFL;
	} else if (act->handler == (uint32_t)(uintptr_t)SIG_IGN) {
		sa.sa_handler = SIG_IGN;
	} else {
		sa.sa_sigaction = lx_host_handler;
		/* on the signal stack: translated code runs on the return stack */
		sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK; /* see lx_safe.c */
	}
	sa.sa_flags |= (int)(act->flags & (SA_NOCLDSTOP | SA_NOCLDWAIT));
	sigaction(sig, &sa, NULL); /* fails for glibc's internal 32 and 33 */
}

void lx_signal_proc_init(struct lx_proc *p)
{
	p->host_owned |= LX_BIT(SIGSEGV) | LX_BIT(SIGBUS) | LX_BIT(SIGFPE) | LX_BIT(SIGILL) |
			 LX_BIT(SIGTRAP);
	for (int sig = 1; sig <= LX_NSIG; sig++) {
		struct sigaction old;
		if (!lx_host_may_touch(p, sig) || sigaction(sig, NULL, &old) < 0)
			continue;
		if (old.sa_handler == SIG_IGN) /* inherited across execve */
			p->sigact[sig].handler = (uint32_t)(uintptr_t)SIG_IGN;
	}
}

void lx_signal_thread_start(struct lx_thread *t)
{
	lx_current = t;
}

void lx_signal_thread_init(struct lx_thread *t)
{
	uint64_t m = 0;
	sigset_t cur;
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, 8) == 0)
		memcpy(&m, &cur, sizeof m);
	lx_current = t;
	t->sigmask = m & ~(t->proc->host_owned | LX_UNBLOCKABLE);
	lx_update_ready(t);
}

/* --- faults --- */

static void lx_guess_trap(int sig, int code, uint32_t addr, uint32_t *trapno, uint32_t *err)
{
	*err = 0;
	switch (sig) {
	case SIGSEGV:
		*trapno = code == SI_KERNEL ? 13 : 14;
		*err = code == SEGV_ACCERR ? 5 : 4;
		break;
	case SIGBUS:
		*trapno = code == BUS_ADRALN ? 17 : 14;
		break;
	case SIGILL:
		*trapno = 6;
		break;
	case SIGFPE:
		*trapno = code == FPE_INTDIV ? 0 : code == FPE_INTOVF ? 4 : 16;
		break;
	case SIGTRAP:
		*trapno = code == TRAP_BRKPT ? 3 : 1;
		break;
	default:
		*trapno = 0;
	}
	(void)addr;
}

void lx_fault(struct lx_thread *t, int sig, int code, uint32_t addr)
{
	uint32_t trapno, err;
	lx_guess_trap(sig, code, addr, &trapno, &err);
	lx_fault_trap(t, sig, code, addr, trapno, err);
}

void lx_fault_trap(struct lx_thread *t, int sig, int code, uint32_t addr, uint32_t trapno,
		   uint32_t err)
{
	if (sig < 1 || sig > LX_NSIG)
		return;
	struct lx_sigaction *act = &t->proc->sigact[sig];
	siginfo_t *si = &t->info[sig];
	memset(si, 0, sizeof *si);
	si->si_signo = sig;
	si->si_code = code;
	si->si_addr = (void *)(uintptr_t)addr;
	t->trap[sig] = (struct lx_trap){trapno, err, trapno == 14 ? addr : 0};
	__atomic_fetch_or(&t->pending, LX_BIT(sig), __ATOMIC_SEQ_CST);
	/* Linux force_sig: a blocked or ignored synchronous signal gets its
	 * default action. */
	if ((t->sigmask & LX_BIT(sig)) || act->handler == (uint32_t)(uintptr_t)SIG_IGN) {
		act->handler = (uint32_t)(uintptr_t)SIG_DFL;
		lx_sync_host_action(t, sig);
		lx_set_sigmask(t, t->sigmask & ~LX_BIT(sig));
	}
	lx_update_ready(t);
}

/* --- delivery --- */

enum lx_dfl { DFL_TERM, DFL_IGN, DFL_STOP };

static enum lx_dfl lx_default_action(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
		return DFL_IGN;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return DFL_STOP;
	default:
		return DFL_TERM;
	}
}

bool lx_ignored(const struct lx_proc *p, int sig)
{
	uint32_t h = p->sigact[sig].handler;
	return h == (uint32_t)(uintptr_t)SIG_IGN ||
	       (h == (uint32_t)(uintptr_t)SIG_DFL && lx_default_action(sig) == DFL_IGN);
}

/* Runs the handler of SIG: frame, mask, SA_RESETHAND.  False if the frame
 * did not fit (a SIGSEGV is queued instead). */
static bool lx_deliver(struct lx_thread *t, int sig, const siginfo_t *info,
		       const struct lx_trap *trap)
{
	struct lx_sigaction *act = &t->proc->sigact[sig];
	uint64_t old = t->restore_mask ? t->saved_mask : t->sigmask;
	uint64_t blocked = t->sigmask | act->mask;
	struct lx_sigaction copy = *act;

	t->restore_mask = false;
	if (!(act->flags & SA_NODEFER))
		blocked |= LX_BIT(sig);
	if (lx_setup_frame(t, sig, &copy, info, trap, old) < 0) {
		/* Linux force_sigsegv: no room for the frame */
		lx_set_sigmask(t, old);
		if (sig == SIGSEGV)
			act->handler = (uint32_t)(uintptr_t)SIG_DFL;
		lx_fault_trap(t, SIGSEGV, SI_KERNEL, 0, 13, 0);
		return false;
	}
	if (act->flags & SA_RESETHAND) {
		act->handler = (uint32_t)(uintptr_t)SIG_DFL;
		lx_sync_host_action(t, sig);
	}
	lx_set_sigmask(t, blocked);
	return true;
}

/* Default action of SIG; true if the process ends. */
static bool lx_default(struct lx_thread *t, int sig)
{
	switch (lx_default_action(sig)) {
	case DFL_IGN:
		return false;
	case DFL_STOP:
		kill(getpid(), SIGSTOP);
		return false;
	default:
		t->exit_status = 256 + sig;
		return true;
	}
}

enum lx_result lx_take_signal(struct lx_thread *t)
{
	t->sig_ready = 0;
	for (;;) {
		int sig = lx_next_signal(t);
		if (!sig)
			break;
		siginfo_t info = t->info[sig];
		struct lx_trap trap = t->trap[sig];
		__atomic_fetch_and(&t->pending, ~LX_BIT(sig), __ATOMIC_SEQ_CST);
		uint32_t h = t->proc->sigact[sig].handler;
		if (h == (uint32_t)(uintptr_t)SIG_IGN)
			continue;
		if (h == (uint32_t)(uintptr_t)SIG_DFL) {
			if (lx_default(t, sig))
				return LX_EXIT;
			continue;
		}
		if (!lx_deliver(t, sig, &info, &trap))
			continue;
		lx_update_ready(t);
		return LX_CONTINUE;
	}
	if (t->restore_mask) { /* the wait ended with nothing to run */
		t->restore_mask = false;
		lx_set_sigmask(t, t->saved_mask);
	}
	lx_update_ready(t);
	return LX_CONTINUE;
}
