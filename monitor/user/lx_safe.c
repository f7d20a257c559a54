/*
 * lx_safe.c — host system calls that a guest signal can interrupt without
 * a race.
 *
 * Owns: lx_hostv() and its assembly core.  A guest signal is recorded by a
 * host signal handler (t->sig_ready); a blocking host call must not start
 * after that, or the guest would wait with its signal undelivered.  The core
 * tests the flag immediately before the syscall instruction.  The host
 * handlers have SA_RESTART (so the monitor's own calls never see EINTR); a
 * handler that finds the thread between the test and the instruction moves
 * it to an exit returning -LX_ERESTART (the call did not happen: restart it
 * after the guest handler, as if the signal had come just before int
 * $0x80), and one that finds it on the instruction (about to enter it, or
 * restarting it after the kernel's -ERESTARTSYS) to one returning
 * -LX_ERESTARTSYS (restart only if the guest handler has SA_RESTART, as
 * Linux does).  Calls Linux never restarts come back from the host kernel
 * as -EINTR.  (The same idea as qemu's safe_syscall.)
 */
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

long lx_safe_syscall(volatile sig_atomic_t *ready, long nr, const long *h);
extern const char lx_safe_start[], lx_safe_insn[], lx_safe_end[], lx_safe_abort[],
	lx_safe_abort_sys[];

__asm__(".text\n"
	".globl lx_safe_syscall\n"
	".hidden lx_safe_syscall\n"
	".type lx_safe_syscall, @function\n"
	"lx_safe_syscall:\n"
	"	push %rbx\n"
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %rax\n"
	"	mov %rdx, %r11\n"
	"	mov 0(%r11), %rdi\n"
	"	mov 8(%r11), %rsi\n"
	"	mov 16(%r11), %rdx\n"
	"	mov 24(%r11), %r10\n"
	"	mov 32(%r11), %r8\n"
	"	mov 40(%r11), %r9\n"
	".globl lx_safe_start\n"
	".hidden lx_safe_start\n"
	"lx_safe_start:\n"
	"	cmpl $0, (%rbx)\n"
	"	jne lx_safe_abort\n"
	".globl lx_safe_insn\n"
	".hidden lx_safe_insn\n"
	"lx_safe_insn:\n"
	"	syscall\n"
	".globl lx_safe_end\n"
	".hidden lx_safe_end\n"
	"lx_safe_end:\n"
	"	pop %rbx\n"
	"	ret\n"
	".globl lx_safe_abort\n"
	".hidden lx_safe_abort\n"
	"lx_safe_abort:\n"
	"	mov $-512, %rax\n"
	"	pop %rbx\n"
	"	ret\n"
	".globl lx_safe_abort_sys\n"
	".hidden lx_safe_abort_sys\n"
	"lx_safe_abort_sys:\n"
	"	mov $-514, %rax\n"
	"	pop %rbx\n"
	"	ret\n"
	".size lx_safe_syscall, .-lx_safe_syscall\n");

_Static_assert(LX_ERESTART == 512, "lx_safe_abort returns -512");
_Static_assert(LX_ERESTARTSYS == 514, "lx_safe_abort_sys returns -514");

long lx_hostv(struct lx_thread *t, long nr, const long h[6])
{
	return lx_safe_syscall(&t->sig_ready, nr, h);
}

long lx_sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long r = syscall(nr, a1, a2, a3, a4, a5, a6);
	return r < 0 ? -errno : r;
}

void lx_safe_rewind(void *ucontext)
{
	ucontext_t *uc = ucontext;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t ip = (uintptr_t)*rip;
	if (ip >= (uintptr_t)lx_safe_start && ip < (uintptr_t)lx_safe_insn)
		*rip = (greg_t)(uintptr_t)lx_safe_abort; /* the kernel was not entered */
	else if (ip == (uintptr_t)lx_safe_insn)
		*rip = (greg_t)(uintptr_t)lx_safe_abort_sys; /* about to enter, or restarting */
}
