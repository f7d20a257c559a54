/*
 * run.h — running guest code from the translation cache.
 *
 * Owns: the inner loop (look up or translate the block at eip, enter it,
 * chain direct branches, resolve jump-table misses) and the host signal
 * handlers that turn a fault inside translated code into a precise guest
 * fault, or, for a write to a write-protected code page, into the
 * self-modifying-code path: drop the page's translations, run the writing
 * instruction alone, carry on.  It returns to the monitor for everything
 * the guest's world must decide: callouts, faults, pending events.
 */
#ifndef RINGVM_TRANSLATOR_RUN_H
#define RINGVM_TRANSLATOR_RUN_H

#include <signal.h>

#include "translator/tcache.h"

/* Why tr_run returned. */
enum tr_stop {
	TR_CALLOUT, /* sensitive instruction at g.eip: row in *row, length in *len */
	TR_FAULT,   /* guest fault before the instruction at g.eip: see fault */
	TR_PENDING, /* ts->pending was set; g.eip is where to continue */
	TR_SYSCALL, /* int with tcache_env.syscall_vector; g.eip is after it */
	TR_SYSCALL_DONE, /* the system-call hook did one and said stop */
};

struct tr_fault {
	int sig;       /* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP */
	int code;      /* si_code for the guest */
	uint32_t addr; /* guest fault address (SIGSEGV/SIGBUS) or eip */
	uint32_t err;  /* the CPU's error code (trapno >= 0) */
	int trapno;    /* the CPU's exception vector, -1 if no CPU raised it */
};

struct tr_exit {
	enum tr_stop stop;
	int row;      /* TR_CALLOUT: sensitive.def row, or -1 untranslatable */
	unsigned len; /* TR_CALLOUT: instruction length */
	/* TR_CALLOUT with EFLAGS.TF set: if the monitor completes the
	 * instruction, a single-step trap follows it (tr_trace_fault) */
	bool trace;
	struct tr_fault fault;
};

/* The single-step trap after an instruction that ends at EIP (SIGTRAP,
 * TRAP_TRACE, vector 1). */
static inline struct tr_fault tr_trace_fault(uint32_t eip)
{
	return (struct tr_fault){SIGTRAP, TRAP_TRACE, eip, 0, 1};
}

/* Host signal handlers call this first: a signal that interrupts
 * translated code leaves the guest's EFLAGS.AC set, and C code with AC set
 * dies of SIGBUS at its first unaligned access. */
static inline void tr_handler_flags(void)
{
	__asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
}

/* Installs the fault handlers (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP)
 * for this process.  0 or -errno. */
int tr_signals_install(void);

/* Where those signals go when they are not faults (si_code <= 0: kill,
 * tgkill, sigqueue, e.g. a guest raise(SIGSEGV)).  Called in the signal
 * handler. */
void tr_set_async_handler(void (*fn)(void *ctx, int sig, const siginfo_t *si), void *ctx);

/* Runs the guest in TS->g from g.eip until something the monitor must
 * handle.  The calling thread's GS base must be TS->window. */
void tr_run(struct tcache *tc, struct tstate *ts, struct tr_exit *out);

/* An asynchronous event wants the monitor: sets ts->pending and, if this
 * thread is inside translated code (we are in a signal handler that
 * interrupted it), unchains blocks so even a loop of direct jumps leaves.
 * Async-signal-safe in that it only takes the cache lock when the
 * interrupted code was translated code (never inside the lock).  Call it
 * for the calling thread's own tstate: other threads are reached by a
 * host signal (tgkill) whose handler calls tr_kick. */
void tr_kick(struct tstate *ts);

/* System calls without leaving tr_run: at each one, FN(CTX) carries it out
 * and returns true to go on running the guest, false to make tr_run return
 * TR_SYSCALL_DONE (the guest exits, a signal is to be delivered...).  Not
 * set: tr_run returns TR_SYSCALL.  Per thread, in TS. */
void tr_set_syscall_hook(struct tstate *ts, bool (*fn)(void *ctx), void *ctx);

/* Points this thread's GS base at the window (wrgsbase or arch_prctl). */
int tr_set_window(struct tstate *ts, void *window);

#endif
