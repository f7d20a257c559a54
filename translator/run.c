/*
 * run.c — the inner run loop and the fault handlers (see run.h).
 */
#include "translator/run.h"

#include <asm/prctl.h>
#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "translator/fault.h"
#include "translator/tcache_int.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

/* What the fault handler needs, per thread. */
static __thread struct {
	struct tcache *tc;
	struct tstate *ts;
	sigjmp_buf jb;
	volatile sig_atomic_t active; /* translated code is running */
	volatile sig_atomic_t smc;    /* the fault was a write to a code page */
	struct tr_fault fault;
} cur;

int tr_set_window(struct tstate *ts, void *window)
{
	ts->window = (uint64_t)(uintptr_t)window;
	if (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) {
		__asm__ volatile("wrgsbase %0" ::"r"(ts->window));
		return 0;
	}
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, ts->window) < 0)
		return -errno;
	return 0;
}

static void (*async_fn)(void *ctx, int sig, const siginfo_t *si);
static void *async_ctx;

void tr_set_async_handler(void (*fn)(void *ctx, int sig, const siginfo_t *si), void *ctx)
{
	async_ctx = ctx;
	async_fn = fn;
}

static void not_ours(int sig)
{
	static const char msg[] = "ringvm: internal fault outside translated code\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
	}
	signal(sig, SIG_DFL); /* returning re-raises it with the default action */
}

static void window_fault(struct tcache *tc, struct tstate *ts, int sig, uint64_t a,
			 const ucontext_t *uc, const siginfo_t *si)
{
	uint32_t ga = (uint32_t)(a - ts->window);
	bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;

	if (sig == SIGSEGV && write && tc->env.write_fault &&
	    tc->env.write_fault(tc->env.ctx, ga)) {
		cur.smc = 1;
		return;
	}
	cur.fault.sig = sig;
	cur.fault.addr = ga;
	cur.fault.err = (uint32_t)uc->uc_mcontext.gregs[REG_ERR];
	if (sig == SIGSEGV)
		cur.fault.code = tc->env.mapped && tc->env.mapped(tc->env.ctx, ga) ? SEGV_ACCERR
										: SEGV_MAPERR;
	else
		cur.fault.code = si->si_code;
}

/* A push on the return stack hit its guard page (calls that never
 * returned): empty the stack and retry.  Nothing is lost but predictions. */
static bool xstack_overflow(int sig, const siginfo_t *si, ucontext_t *uc)
{
	struct tstate *ts = cur.ts;
	uintptr_t guard = (uintptr_t)ts->xstack + TC_GUARD + TC_SIGSTACK;

	if (sig != SIGSEGV || !cur.active || (uintptr_t)si->si_addr - guard >= TC_GUARD)
		return false;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)ts->xsp_empty;
	ts->n_xstack_resets++;
	return true;
}

/* The return stack as translated code left it at a fault, if it is sane. */
static void keep_xsp(struct tstate *ts, const ucontext_t *uc)
{
	uint64_t sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	uint64_t lo = (uint64_t)(uintptr_t)ts->xstack + 2 * TC_GUARD + TC_SIGSTACK;

	ts->xsp = sp >= lo && sp <= ts->xsp_empty && !(sp & 7) ? sp : ts->xsp_empty;
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	tr_handler_flags();
	ucontext_t *uc = ucv;
	struct tcache *tc = cur.tc;
	struct tstate *ts = cur.ts;

	if (xstack_overflow(sig, si, uc))
		return;

	if (si->si_code <= 0 && async_fn) { /* sent, not raised by an instruction */
		async_fn(async_ctx, sig, si);
		return;
	}
	if (!cur.active) {
		not_ours(sig);
		return;
	}
	/* From here this thread may take the cache lock (tr_fault_state, the
	 * SMC path): an asynchronous signal must no longer make tr_kick take
	 * it too, in the middle of our own locking. */
	cur.active = 0;
	if (!tr_fault_state(tc, ts, uc)) {
		not_ours(sig);
		return;
	}
	keep_xsp(ts, uc);
	uint64_t a = (uint64_t)(uintptr_t)si->si_addr;
	/* the host CPU's vector and error code are the guest's */
	int trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
	uint32_t err = (uint32_t)uc->uc_mcontext.gregs[REG_ERR];
	cur.fault = (struct tr_fault){sig, si->si_code, ts->g.eip, err, trapno};
	if (sig == SIGSEGV && a - ts->window - (1ull << 32) < 0x10000) /* the guard past */
		cur.fault = (struct tr_fault){SIGSEGV, SI_KERNEL, 0, 0, 13}; /* 4 GiB: cs: x87 */
	else if ((sig == SIGSEGV || sig == SIGBUS) && a - ts->window < (1ull << 32) + 0x10000)
		window_fault(tc, ts, sig, a, uc, si);
	else if (sig == SIGSEGV) /* #GP: i386 Linux reports si_addr 0 */
		cur.fault = (struct tr_fault){SIGSEGV, SI_KERNEL, 0, err, trapno};
	else if (sig == SIGBUS) /* #AC: si_addr 0 too */
		cur.fault.addr = 0;
	siglongjmp(cur.jb, 1);
}

int tr_signals_install(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return 0;
}

void tr_set_syscall_hook(struct tstate *ts, bool (*fn)(void *ctx), void *ctx)
{
	ts->sys_hook = fn;
	ts->sys_ctx = ctx;
}

/* Only unchains when this thread was interrupted in translated code: then
 * it holds no lock and may wait for the cache lock (no lock holder waits
 * for another thread).  The empty jump table makes indirect branches leave
 * too, at no cost to them when nothing is pending. */
void tr_kick(struct tstate *ts)
{
	ts->pending = 1;
	ts->jtbl = (struct tentry *)(uintptr_t)ts->jtbl_empty; /* read-only */
	if (cur.active && cur.ts == ts)
		tcache_unchain_all(cur.tc);
}

/* EIP could not be translated: SIGSEGV, a page fault on instruction fetch
 * (error code: user, fetch, present if mapped) at EIP or, for an
 * instruction cut by the end of executable memory, at the first byte past
 * it; or SIGILL (#UD). */
static void stop_fault(struct tcache *tc, struct tr_exit *out, int sig, uint32_t eip)
{
	uint32_t avail = 0, addr = eip;

	out->stop = TR_FAULT;
	if (sig != SIGSEGV) {
		out->fault = (struct tr_fault){sig, ILL_ILLOPN, eip, 0, 6};
		return;
	}
	if (tc->env.fetch(tc->env.ctx, eip, &avail))
		addr = eip + avail;
	bool mapped = tc->env.mapped && tc->env.mapped(tc->env.ctx, addr);
	out->fault = (struct tr_fault){SIGSEGV, mapped ? SEGV_ACCERR : SEGV_MAPERR, addr,
				       mapped ? 0x15u : 0x14u, 14};
}

/* Translated code runs on the return stack, which ends in a guard page:
 * host signals must be taken on a stack of their own. */
static void use_sigstack(struct tstate *ts)
{
	stack_t ss = {.ss_sp = ts->xstack + TC_GUARD, .ss_size = TC_SIGSTACK, .ss_flags = 0};

	if (sigaltstack(&ss, NULL) == 0)
		ts->sigstack_on = 1;
}

/* This thread's jump table first (no lock, as translated code does), then
 * the cache. */
static const void *lookup(struct tcache *tc, struct tstate *ts, uint32_t eip, int *sig)
{
	const struct tentry *e = &ts->jtbl[eip & (JTBL_SIZE - 1)];
	uint64_t host = __atomic_load_n(&e->host, __ATOMIC_ACQUIRE);

	if (e->key == tentry_key(eip) && host != (uint64_t)(uintptr_t)tr_lookup_miss)
		return (const void *)(uintptr_t)host;
	return tcache_get(tc, ts, eip, sig);
}

/* After a single-stepped instruction: tr_exit stored the host's EFLAGS, whose
 * TF is clear; put the guest's back (KEEP: as it was, the instruction did
 * not complete; else as a popf in it left it) and owe no trap. */
static void end_trace(struct tstate *ts, bool keep)
{
	if (!ts->trace_pending)
		return;
	ts->trace_pending = 0;
	if (keep || ts->tf_popped)
		ts->g.eflags |= GF_TF;
	else
		ts->g.eflags &= ~GF_TF;
}

void tr_run(struct tcache *tc, struct tstate *ts, struct tr_exit *out)
{
	const void *pc;
	int sig;

	if (!ts->sigstack_on)
		use_sigstack(ts);
	if (!ts->pending) /* a kick from here on sees active or is seen below */
		ts->jtbl = ts->jtbl_own;

	cur.tc = tc;
	cur.ts = ts;
	cur.smc = 0;
	ts->g.fx[26] = ts->g.fx[27] = 0; /* MXCSR reserved bits: fxrstor would #GP */
	/* no mask saved: SA_NODEFER and an empty sa_mask leave the mask as it
	 * was, and saving it would cost a system call per run */
	if (sigsetjmp(cur.jb, 0)) {
		if (!cur.smc) {
			end_trace(ts, true);
			out->stop = TR_FAULT;
			out->fault = cur.fault;
			return;
		}
		cur.smc = 0; /* run the writing instruction alone, then go on */
		pc = tcache_single(tc, ts->g.eip, false, &sig);
		goto enter;
	}
	out->trace = false;
	for (;;) {
		if (ts->pending) {
			out->stop = TR_PENDING;
			return;
		}
		if (ts->trace_pending) { /* the last instruction ran with TF set */
			ts->trace_pending = 0;
			out->stop = TR_FAULT;
			out->fault = tr_trace_fault(ts->g.eip);
			return;
		}
		if (ts->g.eflags & GF_TF) { /* one instruction, then the trap */
			ts->tf_popped = 2;
			pc = tcache_single(tc, ts->g.eip, true, &sig);
			ts->trace_pending = pc != NULL;
		} else {
			pc = lookup(tc, ts, ts->g.eip, &sig);
		}
enter:
		if (!pc) {
			end_trace(ts, true);
			stop_fault(tc, out, sig, ts->g.eip);
			return;
		}
		cur.active = 1;
		if (ts->pending) { /* a kick that came before active: not unchained */
			cur.active = 0;
			end_trace(ts, true);
			out->stop = TR_PENDING;
			return;
		}
		uint32_t why = tr_enter(ts, pc);
		cur.active = 0;
		ts->g.eip = ts->exit_eip;
		if (ts->trace_pending && why != EXIT_CALLOUT && why != EXIT_GP && why != EXIT_SYSCALL) {
			end_trace(ts, false); /* done: TF as popf left it */
			ts->trace_pending = 1;
			continue;
		}
		if (why == EXIT_TRACE) { /* popf set TF: trap after the next one */
			ts->g.eflags |= GF_TF;
			continue;
		}
		if (why == EXIT_CHAIN) {
			uint64_t flushes = tc->st.flushes;
			pc = tcache_get(tc, NULL, ts->g.eip, &sig);
			/* a flush made while translating freed the exit's link */
			if (pc && !ts->pending && flushes == tc->st.flushes) {
				tcache_chain(tc, ts, pc);
				goto enter;
			}
			if (!pc)
				goto enter;
		} else if (why == EXIT_LOOKUP) {
			__atomic_fetch_add(&tc->st.jtbl_misses, 1, __ATOMIC_RELAXED);
		} else if (why == EXIT_GP) {
			end_trace(ts, true);
			out->stop = TR_FAULT;
			out->fault = (struct tr_fault){SIGSEGV, SI_KERNEL, 0, 0, 13};
			return;
		} else if (why == EXIT_SYSCALL) {
			/* int clears TF for the kernel, iret sets it again: the
			 * trap comes after the instruction that follows */
			end_trace(ts, true);
			if (ts->sys_hook && ts->sys_hook(ts->sys_ctx))
				continue;
			out->stop = ts->sys_hook ? TR_SYSCALL_DONE : TR_SYSCALL;
			return;
		} else if (why == EXIT_CALLOUT) {
			uint32_t row = ts->exit_arg & 0xff;
			out->trace = ts->trace_pending;
			end_trace(ts, true);
			out->stop = TR_CALLOUT;
			out->row = row == 0xff ? -1 : (int)row;
			out->len = (ts->exit_arg >> 8) & 0xff;
			return;
		}
	}
}
