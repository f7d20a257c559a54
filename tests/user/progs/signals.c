/* signals.c — synchronous and asynchronous signals in an i386 process:
 * handlers see the faulting address and code, can recover, masks work. */
#define _GNU_SOURCE /* REG_EIP, TRAP_TRACE */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "tap.h"

static sigjmp_buf jb;
static volatile siginfo_t seen;
static volatile int usr1, alarms;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	seen = *si;
	siglongjmp(jb, sig);
}

static void on_usr1(int sig)
{
	usr1 = sig;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int catch_fault(int sig, void (*fn)(void))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
	int got = sigsetjmp(jb, 1);
	if (!got)
		fn();
	return got;
}

static void null_load(void)
{
	volatile int *p = (int *)0x1234;
	(void)*p;
}

static volatile int zero;
static void divide(void)
{
	volatile int x = 10 / zero;
	(void)x;
}

static void illegal(void)
{
	__asm__ volatile("ud2");
}

static void breakpoint(void)
{
	__asm__ volatile("int3");
}

/* Single-stepping: popfd sets EFLAGS.TF; the CPU traps after each
 * instruction from the next one on, with eip after it; pushfd sees TF; no
 * trap follows int $0x80 itself (the kernel returns with iret); the
 * handler clears TF in the context it returns to after the fifth trap. */
extern const char step_1[], step_2[], step_3[], step_4[], step_5[], step_6[], step_7[];
static volatile uint32_t trap_eip[8], pushed_flags;
static volatile int ntraps, trap_code;

static void on_step(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	trap_code = si->si_code;
	if (ntraps < 8)
		trap_eip[ntraps] = (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
	if (++ntraps == 5)
		uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

static void single_step(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_step;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	__asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n"
			 "step_1: nop\n"
			 "step_2: pushfl\n"
			 "step_3: popl %0\n"
			 "step_4: movl $20, %%eax\n" /* getpid */
			 "step_5: int $0x80\n"
			 "step_6: nop\n"
			 "step_7: nop\n"
			 : "=m"(pushed_flags)
			 :
			 : "eax", "memory");
	CHECK(ntraps == 5, "TF set by popfd: a trap after each of 5 instructions (%d)", ntraps);
	CHECK(trap_eip[0] == (uint32_t)step_2 && trap_eip[1] == (uint32_t)step_3 &&
		      trap_eip[2] == (uint32_t)step_4 && trap_eip[3] == (uint32_t)step_5 &&
		      trap_eip[4] == (uint32_t)step_7,
	      "each trap reports eip after the instruction, none after int $0x80");
	CHECK(trap_code == TRAP_TRACE, "si_code TRAP_TRACE (%d)", trap_code);
	CHECK(pushed_flags & 0x100, "pushfd while single-stepping shows TF");
}

/* An instruction cut by the end of executable memory: SIGSEGV for the
 * first byte it could not fetch, eip at the instruction. */
static uint8_t *cut_page;
static void cut_insn(void)
{
	((void (*)(void))(cut_page + 4096 - 3))();
}

static void fetch_fault(void)
{
	cut_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	memset(cut_page + 4096 - 3, 0xb8, 3); /* mov $imm32, %eax: 5 bytes */
	mprotect(cut_page + 4096, 4096, PROT_NONE);
	CHECK(catch_fault(SIGSEGV, cut_insn) == SIGSEGV, "an instruction cut by a PROT_NONE page");
	CHECK(seen.si_addr == cut_page + 4096, "si_addr is the first byte not fetched (%p, %p)",
	      seen.si_addr, (void *)(cut_page + 4096));
	CHECK(seen.si_code == SEGV_ACCERR, "si_code SEGV_ACCERR (%d)", seen.si_code);
}

/* Far transfers within the process's own code segment: lret, iret (which
 * also loads the flags), ljmp and lcall through a far pointer; a far jump
 * to the null selector raises SIGSEGV. */
static volatile uint32_t far_ptr[2];
static void far_null(void)
{
	far_ptr[0] = 0, far_ptr[1] = 0;
	__asm__ volatile("ljmp *%0" ::"m"(far_ptr));
}

static void far_transfers(void)
{
	uint32_t cs, hits = 0, flags;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("pushl %1\n\tpushl $1f\n\tlret\n\t"
			 "movl $0, %0\n"
			 "1: addl $1, %0"
			 : "+r"(hits) : "r"(cs));
	__asm__ volatile("pushfl\n\torl $0x801, (%%esp)\n\t" /* CF, OF */
			 "pushl %2\n\tpushl $1f\n\tiretl\n\t"
			 "movl $0, %0\n"
			 "1: pushfl\n\tpopl %1\n\taddl $1, %0"
			 : "+r"(hits), "=r"(flags) : "r"(cs));
	CHECK(flags & 0x800, "iret loaded the flags it popped (OF)");
	far_ptr[1] = cs;
	__asm__ volatile("movl $1f, %1\n\tljmp *%1\n\t"
			 "movl $0, %0\n"
			 "1: addl $1, %0"
			 : "+r"(hits), "+m"(far_ptr[0]));
	__asm__ volatile("movl $2f, %1\n\tlcall *%1\n\tjmp 3f\n"
			 "2: addl $1, %0\n\tlret\n"
			 "3:"
			 : "+r"(hits), "+m"(far_ptr[0]));
	CHECK(hits == 4, "lret, iret, ljmp and lcall stay in the code segment (%u of 4)", hits);
	CHECK(catch_fault(SIGSEGV, far_null) == SIGSEGV, "a far jump to the null selector");
}

/* A store through cs: raises #GP (SIGSEGV) -- unless an unmasked x87
 * exception stops the store: then nothing happens at all. */
static double cs_target;
static void cs_store_suppressed(void)
{
	unsigned short cw = 0x1470; /* invalid operation unmasked */
	__asm__ volatile("fninit\n\tfldcw %0\n\tfstpl %%cs:%1\n\tfninit" /* empty: underflow */
			 : : "m"(cw), "m"(cs_target) : "memory");
}

static void cs_store(void)
{
	__asm__ volatile("fninit\n\tfld1\n\tfstpl %%cs:%0" : : "m"(cs_target) : "memory");
}

static void cs_stores(void)
{
	CHECK(catch_fault(SIGSEGV, cs_store) == SIGSEGV && seen.si_code == SI_KERNEL,
	      "an x87 store through cs: raises SIGSEGV (si_code %d)", seen.si_code);
	CHECK(catch_fault(SIGSEGV, cs_store_suppressed) == 0,
	      "one that an unmasked exception stops raises nothing");
	__asm__ volatile("fninit");
}

int main(void)
{
	CHECK(catch_fault(SIGSEGV, null_load) == SIGSEGV, "SIGSEGV caught");
	CHECK(seen.si_addr == (void *)0x1234, "si_addr is the faulting address (%p)", seen.si_addr);
	CHECK(seen.si_code == SEGV_MAPERR, "si_code SEGV_MAPERR (%d)", seen.si_code);
	CHECK(catch_fault(SIGFPE, divide) == SIGFPE, "SIGFPE caught");
	CHECK(seen.si_code == FPE_INTDIV, "si_code FPE_INTDIV (%d)", seen.si_code);
	CHECK(catch_fault(SIGILL, illegal) == SIGILL, "SIGILL from ud2");
	CHECK(catch_fault(SIGTRAP, breakpoint) == SIGTRAP, "SIGTRAP from int3");
	single_step();
	fetch_fault();
	far_transfers();
	cs_stores();

	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	CHECK(usr1 == SIGUSR1, "raise(SIGUSR1) runs the handler");

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	usr1 = 0;
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	CHECK(usr1 == 0 && sigismember(&pend, SIGUSR1), "a blocked signal stays pending");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(usr1 == SIGUSR1, "unblocking delivers it");

	signal(SIGALRM, on_alarm);
	alarm(1);
	volatile unsigned long spin = 0;
	while (!alarms)
		spin++;
	CHECK(alarms == 1, "SIGALRM interrupts a busy loop");
	return tap_done();
}
