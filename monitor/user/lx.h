/*
 * lx.h — the Linux i386 personality of `ringvm user`: a 32-bit Linux process
 * whose system calls are carried out by the 64-bit host kernel.
 *
 * Owns: conversion of i386 system calls (numbers, argument and structure
 * layouts) to x86-64 ones; the effects the translator must own (brk, mmap &
 * co. through memory/uspace.h, exit, execve under ringvm, clone, signals with
 * i386 frames and sigreturn, TLS descriptors for %gs); the guest's signal
 * handlers, masks and pending signals; the host signal handlers of signals
 * the guest catches; guest path lookup through the sysroot (-L).
 *
 * The run loop (monitor/user/run.c) calls lx_syscall() when translated code
 * executes int $0x80 (eip already past it), lx_take_signal() at block
 * boundaries (cheaply: only when t->sig_ready is set), and lx_fault() when
 * guest code faults.
 *
 * Life cycle: lx_proc_init(), lx_thread_init() (after the loader set up
 * cpu), then run; lx_proc_fini() at the end.  Each guest thread is a host
 * thread with its own struct lx_thread: clone with CLONE_VM|CLONE_THREAD
 * asks the monitor (lx_proc.spawn) for a new thread, which calls
 * lx_thread_clone() and, on the new host thread, lx_thread_start().  Guest
 * thread ids are host thread ids, so tgkill/tkill and process-directed
 * signals reach the right thread through the host kernel (each thread's
 * host mask mirrors its guest mask).  Fork-like clone, fork and vfork fork
 * the whole monitor.
 *
 * execve of an i386 ELF (or a #! script whose interpreter is one) re-executes
 * ringvm as
 *   PROC->self_exe user [-L SYSROOT] -0 ARGV0 -- PROG [ARGS...]
 * so the command line of `ringvm user` must accept: --stats, -L SYSROOT,
 * -0 ARGV0 (the guest's argv[0]), -E VAR=VAL (repeatable), and "--" ending
 * the options; PROG is a guest path, looked up with lx_resolve_path().
 * Other targets are executed directly by the host (a documented quirk).
 */
#ifndef RINGVM_MONITOR_USER_LX_H
#define RINGVM_MONITOR_USER_LX_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory/uspace.h"
#include "translator/gcpu.h"

#define LX_NSIG 64

/* Selectors of a Linux i386 process (GDT_ENTRY_DEFAULT_USER_CS/DS). */
#define LX_USER_CS 0x73
#define LX_USER_DS 0x7b
/* GDT entries set_thread_area manages: 6, 7, 8 (selectors 0x33, 0x3b, 0x43) */
#define LX_TLS_FIRST 6
#define LX_TLS_COUNT 3
#define LX_LDT_COUNT 16

/* i386 struct sigaction as the kernel keeps it (rt_sigaction layout). */
struct lx_sigaction {
	uint32_t handler; /* guest address, or 0 = SIG_DFL, 1 = SIG_IGN */
	uint32_t flags;   /* SA_* (i386 values equal x86-64 ones) */
	uint32_t restorer;
	uint64_t mask;
};

/* One 32-bit TLS/LDT descriptor as set_thread_area/modify_ldt describe it
 * (struct user_desc). */
struct lx_desc {
	uint32_t base, limit;
	bool present; /* !seg_not_present and not the "empty" descriptor */
	bool seg32, limit_in_pages, read_exec_only, useable;
	uint8_t contents; /* 0 data, 1 stack, 2 code (bit 1 = code) */
};

/* The arguments of a thread-creating clone (i386 order). */
struct lx_clone {
	uint32_t flags, newsp, ptid, tls, ctid;
};

struct lx_thread;

struct lx_proc {
	struct uspace *mem;
	struct lx_sigaction sigact[LX_NSIG + 1];
	struct lx_desc ldt[LX_LDT_COUNT]; /* modify_ldt entries (small LDT) */
	const char *sysroot;       /* -L, or NULL */
	const char *self_exe;      /* ringvm binary, for execve under ringvm */
	const char *exe;           /* guest path of the program (/proc/self/exe):
				      lx_proc_init makes it absolute and resolves
				      symbolic links, inside the sysroot */
	uint32_t vdso;             /* guest address of __kernel_vsyscall, or 0
				      (frames use their own retcode) */
	uint32_t personality;      /* as personality(2) set it; PER_LINUX = 0 */
	uint64_t host_owned;       /* signals (bit sig-1) whose host handlers
				      belong to the run loop: never touched
				      (lx_proc_init: SEGV BUS FPE ILL TRAP) */
	uint64_t unknown_syscalls; /* counted for --stats */
	uint64_t syscalls;
	uint64_t unknown_seen[8];  /* bit N: i386 number N (< 512) was unknown */
	/* Called (async-signal-safe) when a guest signal became deliverable,
	 * so the run loop can leave translated code soon; may be NULL.
	 * kick_pc, if set, is called instead, with the host pc the signal
	 * interrupted (0 if unknown), e.g. for tr_kick(). */
	void (*kick)(void *ctx);
	void (*kick_pc)(void *ctx, uintptr_t host_pc);
	void *kick_ctx;
	/* Starts a guest thread (clone with CLONE_VM|CLONE_THREAD): allocates
	 * its state, lx_thread_clone() it from PARENT, runs it on a new host
	 * thread that calls lx_thread_start() first.  Returns the new thread's
	 * id or -errno.  NULL: threads are refused (-ENOSYS). */
	long (*spawn)(void *ctx, struct lx_thread *parent, const struct lx_clone *c);
	void *spawn_ctx;
	int nthreads;              /* live guest threads (atomic) */
	bool threaded;             /* a second thread was ever started */
	int sysroot_fd;            /* O_PATH of sysroot, or -1 */
	char exe_abs[PATH_MAX];    /* storage for exe */
	bool trace;                /* print every call to stderr (lx_proc_init:
				      set if RINGVM_STRACE is in the environment) */
};

/* Synchronous fault details for the signal frame's sigcontext. */
struct lx_trap {
	uint32_t trapno, err, cr2;
};

struct lx_thread {
	struct lx_proc *proc;
	struct gcpu *cpu;
	uint64_t sigmask;          /* guest blocked signals, bit (sig-1) */
	uint64_t pending;          /* signals to deliver to the guest, bit (sig-1) */
	siginfo_t info[LX_NSIG + 1]; /* host siginfo of each pending signal */
	uint32_t ss_sp, ss_size, ss_flags; /* sigaltstack */
	uint32_t clear_child_tid;
	struct lx_desc tls[LX_TLS_COUNT]; /* GDT entries 6, 7, 8 (set_thread_area) */
	int exit_status;           /* valid after LX_EXIT */
	/* Nonzero when lx_take_signal() has something to do: a pending signal
	 * that is not blocked, or a temporary mask to restore.  Set from host
	 * signal handlers. */
	volatile sig_atomic_t sig_ready;
	struct lx_trap trap[LX_NSIG + 1]; /* per pending synchronous signal */
	uint64_t saved_mask;       /* mask to restore after the handler of a */
	bool restore_mask;         /* sigsuspend/pselect/ppoll/epoll_pwait */
	bool exiting;              /* internal: exit/exit_group was called */
	bool exit_thread;          /* ... and it was exit: only this thread ends
				      (unless it is the last one) */
	uint32_t set_child_tid;    /* CLONE_CHILD_SETTID address, for start */
	uint32_t set_parent_tid;   /* CLONE_PARENT_SETTID address, for start */
	uint32_t robust_list, robust_len; /* set_robust_list, stored only */
};

enum lx_result {
	LX_CONTINUE, /* resume at cpu->eip */
	LX_EXIT,     /* the process is done: exit with t->exit_status (or the
			signal in it if >= 256: 256 + signo) */
};

/* Sets up PROC for a guest program: zeroes it, imports host SIG_IGN
 * dispositions (inherited across execve), opens SYSROOT.  SELF_EXE is the
 * ringvm binary (e.g. "/proc/self/exe" resolved at startup), EXE the guest
 * path of the program.  The strings must outlive PROC.  0 or -errno. */
int lx_proc_init(struct lx_proc *p, struct uspace *mem, const char *sysroot,
		 const char *self_exe, const char *exe);
void lx_proc_fini(struct lx_proc *p);

/* Sets up T for PROC running on CPU: imports the host signal mask as the
 * guest's, resets the alternate stack, and makes T the thread the host
 * signal handlers report to.  Sets cs/ss/ds/es to the Linux user selectors
 * if they are 0. */
void lx_thread_init(struct lx_thread *t, struct lx_proc *p, struct gcpu *cpu);

/* Sets up T, a new thread of PARENT's process running on CPU, as clone
 * does: CPU is a copy of the parent's with eax 0 (and esp C->newsp if
 * set); signal mask and TLS descriptors inherited, CLONE_SETTLS applied;
 * no alternate stack, nothing pending; the tid addresses remembered.
 * 0 or -errno. */
int lx_thread_clone(struct lx_thread *t, struct lx_thread *parent, struct gcpu *cpu,
		    const struct lx_clone *c);
/* First thing on the new host thread (its host signals all blocked): makes
 * T the thread this host thread's signal handlers report to, writes the
 * CLONE_PARENT_SETTID/CHILD_SETTID words, sets the host mask.  Returns the
 * thread id. */
long lx_thread_start(struct lx_thread *t);

/* Performs the i386 system call described by cpu->regs (eax = number; ebx,
 * ecx, edx, esi, edi, ebp = arguments); the result goes to eax.  sigreturn
 * and rt_sigreturn replace the whole guest state from the signal frame.  A
 * call interrupted by a guest signal that must be restarted leaves eip on
 * the int $0x80 again (eip - 2) with eax = the number. */
enum lx_result lx_syscall(struct lx_thread *t);

/* Delivers one pending, unblocked signal if any: builds the i386 signal
 * frame on the guest stack and points cpu->eip at the handler, or performs
 * the default action.  Returns LX_EXIT if the default action ends the
 * process. */
enum lx_result lx_take_signal(struct lx_thread *t);

/* Guest code faulted at cpu->eip with guest state as before the faulting
 * instruction: queue SIG (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) with
 * si_code CODE and fault address ADDR for delivery.  If SIG is blocked or
 * ignored the default action applies (like Linux force_sig). */
void lx_fault(struct lx_thread *t, int sig, int code, uint32_t addr);
/* The same with the x86 trap number and error code for the sigcontext
 * (lx_fault guesses them: 14 for SIGSEGV with an address, 13, 6, 0, 1/3). */
void lx_fault_trap(struct lx_thread *t, int sig, int code, uint32_t addr, uint32_t trapno,
		   uint32_t err);

/* Host signal arrived for the guest (asynchronous: SIGINT, SIGCHLD,
 * SIGALRM, ...): record it as pending.  Async-signal-safe. */
void lx_host_signal(struct lx_thread *t, int sig, const siginfo_t *info);

/* Base of the segment a guest selector names (TLS in the GDT, or the LDT),
 * for mov/pop to %fs/%gs.  0 or -EINVAL (the guest gets SIGSEGV). */
int lx_segment_base(struct lx_thread *t, uint16_t selector, uint32_t *base);

/* Host path of guest path GUEST: an absolute path is looked up in the
 * sysroot first (symbolic links resolved inside it; FOLLOW: also the last
 * component), and used as is when absent there; "/proc/self/exe" names the
 * guest program.  0 or -errno (-ENAMETOOLONG). */
int lx_resolve_path(const struct lx_proc *p, const char *guest, bool follow, char *out,
		    size_t n);

/* Name of i386 system call NR ("read"), or NULL. */
const char *lx_syscall_name(uint32_t nr);

#endif
