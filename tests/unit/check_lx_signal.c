/*
 * check_lx_signal.c — unit tests of signals, processes and exec in the
 * Linux i386 personality (monitor/user/lx*).
 *
 * Frames are checked against the i386 kernel's layout (rt_sigframe:
 * pretcode, sig, pinfo, puc, siginfo, ucontext; sigframe: pretcode, sig,
 * sigcontext, fpstate, extramask, retcode), the handler's entry state
 * (esp + 4 16-byte aligned, eax = sig, edx = &info, ecx = &uc), and a
 * return through the restorer's (rt_)sigreturn must give back every
 * register, eflags, the FPU image and the mask exactly.  Interrupted
 * calls restart (SA_RESTART) or fail with EINTR; fork, wait4 and execve
 * (host binaries directly, i386 ones through the ringvm command line) work.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lx_fixture.h"

#define STACK_TOP    (SCRATCH + SCRATCH_LEN)
#define HANDLER	     0x08049000u
#define RESTORER     0x0804a000u
#define SA_RESTORER_ 0x04000000u

/* rt_sigaction(SIG, {handler, flags, restorer, mask}) */
static void set_handler(int sig, uint32_t handler, uint32_t flags, uint64_t mask)
{
	uint32_t act[5] = {handler, flags, RESTORER, (uint32_t)mask, (uint32_t)(mask >> 32)};
	memcpy(G(BUF + 0x800), act, sizeof act);
	ck_assert_int_eq(sys(174, (uint32_t)sig, BUF + 0x800, 0, 8), 0);
}

/* A distinctive guest state: registers, flags, segments, FPU image. */
static void guest_state(struct gcpu *c)
{
	for (int i = 0; i < GR_COUNT; i++)
		c->regs[i] = 0x11111111u * (uint32_t)(i + 1);
	c->regs[GR_ESP] = STACK_TOP - 0x1000 - 7; /* unaligned on purpose */
	c->eip = 0x08048123;
	c->eflags = 0x202 | GF_DF | GF_CF | GF_ZF;
	c->seg[GS_CS] = 0x73;
	c->seg[GS_SS] = c->seg[GS_DS] = c->seg[GS_ES] = 0x7b;
	c->seg[GS_FS] = 0;
	c->seg[GS_GS] = 0;
	memset(c->fx, 0, sizeof c->fx);
	uint16_t fcw = 0x027f, fsw = 0x3800; /* top = 7: st0 is physical 7 */
	uint32_t mxcsr = 0x1fa0;
	memcpy(c->fx, &fcw, 2);
	memcpy(c->fx + 2, &fsw, 2);
	c->fx[4] = 0x80;					   /* physical register 7 in use */
	uint8_t one[10] = {0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f}; /* 1.0 */
	memcpy(c->fx + 32, one, 10);
	memcpy(c->fx + 24, &mxcsr, 4);
	for (int i = 0; i < 16; i++)
		c->fx[160 + i] = (uint8_t)(0xa0 + i); /* xmm0 */
}

static void host_signal(int sig, int code)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = 4242;
	si.si_uid = 7;
	lx_host_signal(&T, sig, &si);
}

START_TEST(rt_frame_and_rt_sigreturn)
{
	struct gcpu before;
	set_handler(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER_, 1ull << (SIGUSR2 - 1));
	guest_state(&C);
	before = C;
	host_signal(SIGUSR1, SI_USER);
	ck_assert(T.sig_ready);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);

	uint32_t sp = C.regs[GR_ESP];
	ck_assert_uint_eq(C.eip, HANDLER);
	ck_assert_uint_eq((sp + 4) % 16, 0);
	ck_assert_uint_lt(sp, before.regs[GR_ESP] - 268 - 624);
	ck_assert_uint_eq(C.regs[GR_EAX], SIGUSR1);
	ck_assert_uint_eq(u32at(sp), RESTORER);	     /* pretcode */
	ck_assert_uint_eq(u32at(sp + 4), SIGUSR1);   /* sig */
	ck_assert_uint_eq(u32at(sp + 8), sp + 16);   /* pinfo */
	ck_assert_uint_eq(u32at(sp + 12), sp + 144); /* puc */
	ck_assert_uint_eq(C.regs[GR_EDX], sp + 16);
	ck_assert_uint_eq(C.regs[GR_ECX], sp + 144);
	/* siginfo: signo, errno, code, pid, uid */
	ck_assert_uint_eq(u32at(sp + 16), SIGUSR1);
	ck_assert_uint_eq(u32at(sp + 24), SI_USER);
	ck_assert_uint_eq(u32at(sp + 28), 4242);
	ck_assert_uint_eq(u32at(sp + 32), 7);
	/* ucontext: flags, link, stack (3), then sigcontext */
	uint32_t sc = sp + 144 + 20;
	ck_assert_uint_eq(u32at(sp + 144 + 8 + 4), SS_DISABLE);
	ck_assert_uint_eq(u32at(sc + 16), before.regs[GR_EDI]);
	ck_assert_uint_eq(u32at(sc + 28), before.regs[GR_ESP]);
	ck_assert_uint_eq(u32at(sc + 44), before.regs[GR_EAX]);
	ck_assert_uint_eq(u32at(sc + 56), before.eip);
	ck_assert_uint_eq(u32at(sc + 60) & 0xffff, 0x73);
	ck_assert_uint_eq(u32at(sc + 64), before.eflags);
	ck_assert_uint_eq(u32at(sc + 68), before.regs[GR_ESP]); /* esp_at_signal */
	uint32_t fp = u32at(sc + 76);
	ck_assert_uint_eq((fp + 112) % 64, 0);
	ck_assert_uint_gt(fp, sp + 268 - 1);
	ck_assert_uint_eq(u32at(fp), 0xffff027f);	   /* cw */
	ck_assert_uint_eq(*(uint16_t *)G(fp + 110), 0);	   /* X86_FXSR_MAGIC */
	ck_assert_uint_eq(u32at(fp + 8) & 0xffff, 0x3fff); /* tag: st0 valid */
	ck_assert_mem_eq(G(fp + 112), before.fx, 464);	   /* the fxsave image */
	ck_assert_uint_eq(u32at(sp + 144 + 108), 0);	   /* uc_sigmask */
	/* handler state: DF clear, FPU reset, mask += SIGUSR1 | sa_mask */
	ck_assert_uint_eq(C.eflags & GF_DF, 0);
	ck_assert_uint_eq(*(uint16_t *)C.fx, 0x37f);
	ck_assert_uint_eq(T.sigmask, (1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1)));
	ck_assert(!T.sig_ready);

	/* the handler returns: ret pops pretcode; the restorer does
	 * movl $173, %eax; int $0x80 */
	memset(C.regs, 0x5a, sizeof C.regs);
	C.regs[GR_ESP] = sp + 4;
	C.regs[GR_EAX] = 173;
	C.eip = RESTORER + 7;
	C.eflags = 0x202;
	memset(C.fx, 0x33, sizeof C.fx);
	ck_assert_int_eq(lx_syscall(&T), LX_CONTINUE);
	ck_assert_mem_eq(C.regs, before.regs, sizeof C.regs);
	ck_assert_uint_eq(C.eip, before.eip);
	ck_assert_uint_eq(C.eflags, before.eflags);
	ck_assert_mem_eq(C.seg, before.seg, sizeof C.seg);
	ck_assert_mem_eq(C.fx, before.fx, 464);
	ck_assert_uint_eq(T.sigmask, 0);
}
END_TEST

START_TEST(plain_frame_trampoline_and_sigreturn)
{
	struct gcpu before;
	set_handler(SIGUSR2, HANDLER, 0, 0);
	guest_state(&C);
	before = C;
	host_signal(SIGUSR2, SI_USER);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	uint32_t sp = C.regs[GR_ESP];
	static const uint8_t retcode[8] = {0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80};
	ck_assert_uint_eq((sp + 4) % 16, 0);
	ck_assert_uint_eq(u32at(sp), sp + 724); /* pretcode -> retcode */
	ck_assert_mem_eq(G(sp + 724), retcode, 8);
	ck_assert_uint_eq(u32at(sp + 4), SIGUSR2);
	ck_assert_uint_eq(C.regs[GR_EAX], SIGUSR2);
	ck_assert_uint_eq(C.regs[GR_EDX], 0);
	ck_assert_uint_eq(C.regs[GR_ECX], 0);
	ck_assert_uint_eq(u32at(sp + 8 + 56), before.eip); /* sc.eip */
	/* ret, then popl %eax; movl $119, %eax; int $0x80 */
	C.regs[GR_ESP] = sp + 8;
	C.regs[GR_EAX] = 119;
	C.eip = sp + 724 + 8;
	ck_assert_int_eq(lx_syscall(&T), LX_CONTINUE);
	ck_assert_mem_eq(C.regs, before.regs, sizeof C.regs);
	ck_assert_uint_eq(C.eip, before.eip);
	ck_assert_uint_eq(C.eflags, before.eflags);
	ck_assert_uint_eq(T.sigmask, 0);
}
END_TEST

START_TEST(rt_frame_default_trampoline)
{
	set_handler(SIGUSR1, HANDLER, SA_SIGINFO, 0); /* no SA_RESTORER */
	guest_state(&C);
	host_signal(SIGUSR1, SI_USER);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	uint32_t sp = C.regs[GR_ESP];
	static const uint8_t rt_retcode[7] = {0xb8, 173, 0, 0, 0, 0xcd, 0x80};
	ck_assert_uint_eq(u32at(sp), sp + 260);
	ck_assert_mem_eq(G(sp + 260), rt_retcode, 7);
}
END_TEST

START_TEST(altstack_resethand_nodefer)
{
	uint32_t ss[3] = {SCRATCH + 0x40000, 0, 0x8000};
	memcpy(G(BUF), ss, 12);
	ck_assert_int_eq(sys(186, BUF, BUF + 16), 0);
	ck_assert_uint_eq(u32at(BUF + 16 + 4), SS_DISABLE);
	ss[2] = 100; /* too small */
	memcpy(G(BUF), ss, 12);
	ck_assert_int_eq(sys(186, BUF, 0), -ENOMEM);
	set_handler(SIGUSR1, HANDLER,
		    SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER | SA_RESTORER_, 0);
	guest_state(&C);
	host_signal(SIGUSR1, SI_USER);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	uint32_t sp = C.regs[GR_ESP];
	ck_assert(sp >= SCRATCH + 0x40000 && sp < SCRATCH + 0x48000);
	ck_assert_uint_eq(T.sigmask, 0);			   /* SA_NODEFER */
	ck_assert_uint_eq(P.sigact[SIGUSR1].handler, 0);	   /* SA_RESETHAND */
	ck_assert_uint_eq(u32at(sp + 144 + 8), SCRATCH + 0x40000); /* uc_stack.ss_sp */
	ck_assert_uint_eq(u32at(sp + 144 + 12), 0);		   /* ss_flags then */
	/* on the alternate stack, sigaltstack reports SS_ONSTACK and refuses changes */
	ck_assert_int_eq(sys(186, 0, BUF + 16), 0);
	ck_assert_uint_eq(u32at(BUF + 16 + 4), SS_ONSTACK);
	ck_assert_int_eq(sys(186, BUF, 0), -EPERM);
}
END_TEST

START_TEST(masks_and_pending)
{
	uint64_t set = 1ull << (SIGUSR1 - 1);
	set_handler(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER_, 0);
	memcpy(G(BUF), &set, 8);
	ck_assert_int_eq(sys(175, SIG_BLOCK, BUF, BUF + 8, 8), 0);
	ck_assert_uint_eq(*(uint64_t *)G(BUF + 8), 0);
	ck_assert_int_eq(sys(175, SIG_BLOCK, BUF, 0, 4), -EINVAL);
	/* the host mask follows the guest's: a raised SIGUSR1 stays pending */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert(!T.sig_ready);
	ck_assert_int_eq(sys(176, BUF + 16, 8), 0);
	ck_assert_uint_eq(*(uint64_t *)G(BUF + 16), set);
	ck_assert_int_eq(sys(73, BUF + 16), 0); /* old sigpending: 32 bits */
	ck_assert_uint_eq(u32at(BUF + 16), (uint32_t)set);
	/* unblocking delivers it through the host handler */
	guest_state(&C);
	ck_assert_int_eq(sys(175, SIG_UNBLOCK, BUF, 0, 8), 0);
	ck_assert(T.sig_ready);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	ck_assert_uint_eq(C.eip, HANDLER);
	/* old sigprocmask and sgetmask see the low word */
	ck_assert_uint_eq((uint32_t)sys(68, 0), (uint32_t)set);
	ck_assert_int_eq(sys(126, SIG_SETMASK, 0, BUF + 32), 0);
	ck_assert_uint_eq(u32at(BUF + 32), (uint32_t)set);
	/* SIGKILL/SIGSTOP cannot be caught or blocked */
	ck_assert_int_eq(sys(174, SIGKILL, BUF + 0x800, 0, 8), -EINVAL);
	set = ~0ull;
	memcpy(G(BUF), &set, 8);
	ck_assert_int_eq(sys(175, SIG_SETMASK, BUF, 0, 8), 0);
	ck_assert_uint_eq(T.sigmask & (1ull << (SIGKILL - 1)), 0);
	/* old sigaction layout: {handler, mask, flags, restorer} */
	uint32_t old[4];
	ck_assert_int_eq(sys(67, SIGUSR1, 0, BUF + 64), 0);
	memcpy(old, G(BUF + 64), 16);
	ck_assert_uint_eq(old[0], HANDLER);
	ck_assert_uint_eq(old[2], SA_SIGINFO | SA_RESTORER_);
	ck_assert_uint_eq(old[3], RESTORER);
	/* signal(2) returns the old handler */
	ck_assert_uint_eq((uint32_t)sys(48, SIGUSR1, 1 /* SIG_IGN */), HANDLER);
	ck_assert_uint_eq(P.sigact[SIGUSR1].handler, 1);
}
END_TEST

START_TEST(fault_with_handler)
{
	set_handler(SIGSEGV, HANDLER, SA_SIGINFO | SA_RESTORER_, 0);
	guest_state(&C);
	lx_fault(&T, SIGSEGV, SEGV_MAPERR, 0xdead0000);
	ck_assert(T.sig_ready);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	uint32_t sp = C.regs[GR_ESP], sc = sp + 164;
	ck_assert_uint_eq(u32at(sp + 16), SIGSEGV);
	ck_assert_uint_eq(u32at(sp + 24), SEGV_MAPERR);
	ck_assert_uint_eq(u32at(sp + 28), 0xdead0000); /* si_addr */
	ck_assert_uint_eq(u32at(sc + 48), 14);	       /* trapno */
	ck_assert_uint_eq(u32at(sc + 84), 0xdead0000); /* cr2 */
}
END_TEST

START_TEST(fault_blocked_or_ignored_kills)
{
	uint64_t set = 1ull << (SIGSEGV - 1);
	set_handler(SIGSEGV, HANDLER, SA_SIGINFO | SA_RESTORER_, 0);
	memcpy(G(BUF), &set, 8);
	ck_assert_int_eq(sys(175, SIG_BLOCK, BUF, 0, 8), 0);
	guest_state(&C);
	lx_fault(&T, SIGSEGV, SEGV_ACCERR, 0x1000);
	ck_assert_int_eq(lx_take_signal(&T), LX_EXIT);
	ck_assert_int_eq(T.exit_status, 256 + SIGSEGV);
	/* SIGFPE ignored: the default action too */
	set_handler(SIGFPE, 1, 0, 0);
	lx_fault(&T, SIGFPE, FPE_INTDIV, 0x08048000);
	ck_assert_int_eq(lx_take_signal(&T), LX_EXIT);
	ck_assert_int_eq(T.exit_status, 256 + SIGFPE);
	/* a frame that cannot be written: SIGSEGV */
	set_handler(SIGILL, HANDLER, 0, 0);
	C.regs[GR_ESP] = 0x70000000;
	lx_fault(&T, SIGILL, ILL_ILLOPN, 0x08048000);
	ck_assert_int_eq(lx_take_signal(&T), LX_EXIT);
	ck_assert_int_eq(T.exit_status, 256 + SIGSEGV);
}
END_TEST

START_TEST(default_actions)
{
	host_signal(SIGCHLD, CLD_EXITED); /* ignored by default */
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	ck_assert_uint_eq(T.pending, 0);
	host_signal(SIGTERM, SI_USER);
	ck_assert_int_eq(lx_take_signal(&T), LX_EXIT);
	ck_assert_int_eq(T.exit_status, 256 + SIGTERM);
}
END_TEST

static void on_alarm_timer(void)
{
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

START_TEST(interrupted_read_restarts_or_eintr)
{
	guest_state(&C);
	ck_assert_int_eq(sys(42, BUF), 0);
	uint32_t r = u32at(BUF);
	/* SA_RESTART: the read is restarted: eip back on int $0x80, eax = 3 */
	set_handler(SIGALRM, HANDLER, SA_RESTART | SA_RESTORER_, 0);
	on_alarm_timer();
	C.regs[GR_EAX] = 3;
	C.regs[GR_EBX] = r;
	C.regs[GR_ECX] = BUF + 64;
	C.regs[GR_EDX] = 10;
	C.eip = 0x08048102;
	ck_assert_int_eq(lx_syscall(&T), LX_CONTINUE);
	ck_assert_uint_eq(C.eip, 0x08048100);
	ck_assert_uint_eq(C.regs[GR_EAX], 3);
	ck_assert(T.sig_ready);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	ck_assert_uint_eq(C.eip, HANDLER);
	/* without SA_RESTART: -EINTR */
	uint64_t none = 0;
	memcpy(G(BUF + 256), &none, 8);
	ck_assert_int_eq(sys(175, SIG_SETMASK, BUF + 256, 0, 8), 0);
	set_handler(SIGALRM, HANDLER, SA_RESTORER_, 0);
	on_alarm_timer();
	ck_assert_int_eq(sys(3, r, BUF + 64, 10), -EINTR);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	/* a pending signal before the call: abandoned and restarted, not run */
	memcpy(G(BUF + 256), &none, 8);
	ck_assert_int_eq(sys(175, SIG_SETMASK, BUF + 256, 0, 8), 0);
	host_signal(SIGALRM, SI_USER);
	C.regs[GR_EAX] = 3;
	C.regs[GR_EBX] = r;
	C.eip = 0x08048102;
	ck_assert_int_eq(lx_syscall(&T), LX_CONTINUE);
	ck_assert_uint_eq(C.eip, 0x08048100);
	/* nanosleep is never restarted */
	set_handler(SIGALRM, HANDLER, SA_RESTART | SA_RESTORER_, 0);
	lx_take_signal(&T);
	memcpy(G(BUF + 256), &none, 8);
	ck_assert_int_eq(sys(175, SIG_SETMASK, BUF + 256, 0, 8), 0);
	uint32_t ts[2] = {5, 0};
	memcpy(G(BUF + 300), ts, 8);
	on_alarm_timer();
	ck_assert_int_eq(sys(162, BUF + 300, BUF + 308), -EINTR);
	ck_assert_int_le((int32_t)u32at(BUF + 308), 5);
}
END_TEST

START_TEST(sigsuspend_restores_mask_in_frame)
{
	uint64_t blk = 1ull << (SIGUSR1 - 1), none = 0;
	set_handler(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER_, 0);
	memcpy(G(BUF), &blk, 8);
	ck_assert_int_eq(sys(175, SIG_BLOCK, BUF, 0, 8), 0);
	ck_assert_int_eq(raise(SIGUSR1), 0); /* pending, blocked */
	memcpy(G(BUF + 8), &none, 8);
	guest_state(&C);
	ck_assert_int_eq(sys(179, BUF + 8, 8), -EINTR);
	ck_assert_int_eq(lx_take_signal(&T), LX_CONTINUE);
	ck_assert_uint_eq(C.eip, HANDLER);
	uint32_t sp = C.regs[GR_ESP];
	ck_assert_uint_eq(u32at(sp + 144 + 108), (uint32_t)blk); /* the mask before */
	ck_assert_uint_eq(T.sigmask, blk);			 /* none | SIGUSR1 while it runs */
}
END_TEST

START_TEST(sigtimedwait_and_queue)
{
	uint64_t set = 1ull << (SIGUSR2 - 1);
	memcpy(G(BUF), &set, 8);
	ck_assert_int_eq(sys(175, SIG_BLOCK, BUF, 0, 8), 0);
	/* rt_sigqueueinfo to ourselves with an i386 siginfo */
	uint32_t si[32] = {SIGUSR2, 0, (uint32_t)SI_QUEUE, (uint32_t)getpid(), getuid(), 0xbeef};
	memcpy(G(BUF + 64), si, 128);
	ck_assert_int_eq(sys(178, (uint32_t)getpid(), SIGUSR2, BUF + 64), 0);
	uint32_t ts[2] = {1, 0};
	memcpy(G(BUF + 16), ts, 8);
	ck_assert_int_eq(sys(177, BUF, BUF + 256, BUF + 16, 8), SIGUSR2);
	ck_assert_uint_eq(u32at(BUF + 256), SIGUSR2);
	ck_assert_int_eq((int32_t)u32at(BUF + 256 + 8), SI_QUEUE);
	ck_assert_uint_eq(u32at(BUF + 256 + 12), (uint32_t)getpid());
	ck_assert_uint_eq(u32at(BUF + 256 + 20), 0xbeef); /* sigval */
	ts[0] = 0;
	memcpy(G(BUF + 16), ts, 8);
	ck_assert_int_eq(sys(177, BUF, BUF + 256, BUF + 16, 8), -EAGAIN);
}
END_TEST

START_TEST(fork_wait4_exit)
{
	int32_t pid = sys(2, 0);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* child: exit_group(5) through the personality */
		C.regs[GR_EAX] = 252;
		C.regs[GR_EBX] = 5;
		if (lx_syscall(&T) == LX_EXIT)
			_exit(T.exit_status);
		_exit(99);
	}
	ck_assert_int_eq(sys(114, (uint32_t)pid, BUF, 0, BUF + 16), pid);
	ck_assert(WIFEXITED(u32at(BUF)));
	ck_assert_int_eq(WEXITSTATUS(u32at(BUF)), 5);
	ck_assert_int_eq(sys(7, (uint32_t)-1, BUF, WNOHANG), -ECHILD);
	/* vfork and a fork-like clone with CLONE_CHILD_SETTID */
	pid = sys(120, CLONE_VM | CLONE_VFORK | SIGCHLD, STACK_TOP - 64, 0, 0, 0);
	if (pid == 0) {
		_exit(C.regs[GR_ESP] == STACK_TOP - 64 ? 7 : 8);
	}
	ck_assert_int_eq(sys(7, (uint32_t)pid, BUF, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(u32at(BUF)), 7);
	ck_assert_int_eq(sys(120, CLONE_VM | CLONE_THREAD | CLONE_SIGHAND, 0, 0, 0, 0), -ENOSYS);
}
END_TEST

static char **read_args(const char *path, int *n)
{
	static char buf[4096], *v[64];
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	*n = 0;
	for (char *s = strtok(buf, "\n"); s && *n < 63; s = strtok(NULL, "\n"))
		v[(*n)++] = s;
	return v;
}

/* execve of an i386 ELF from the guest: the monitor re-executes itself
 * (here: a script standing in for ringvm that records its arguments). */
START_TEST(execve_i386_runs_ringvm)
{
	char dir[] = "/tmp/check_lx_exec.XXXXXX", self[128], prog[128], out[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(self, sizeof self, "%s/fake-ringvm", dir);
	snprintf(prog, sizeof prog, "%s/prog", dir);
	snprintf(out, sizeof out, "%s/args", dir);
	FILE *f = fopen(self, "w");
	fprintf(f, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > %s\n", out);
	fclose(f);
	chmod(self, 0755);
	/* a minimal i386 ELF header is all execve looks at */
	unsigned char eh[52] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
	eh[16] = 2;
	eh[18] = 3; /* EM_386 */
	f = fopen(prog, "w");
	fwrite(eh, 1, sizeof eh, f);
	fclose(f);
	chmod(prog, 0755);
	P.self_exe = self;
	strcpy((char *)G(STR), prog);
	strcpy((char *)G(STR + 256), "myname");
	strcpy((char *)G(STR + 300), "arg one");
	strcpy((char *)G(STR + 400), "X=1");
	uint32_t argv[3] = {STR + 256, STR + 300, 0}, envp[2] = {STR + 400, 0};
	memcpy(G(BUF), argv, sizeof argv);
	memcpy(G(BUF + 64), envp, sizeof envp);
	pid_t pid = fork();
	if (pid == 0) {
		sys(11, STR, BUF, BUF + 64);
		_exit(1);
	}
	int st, n;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char **v = read_args(out, &n);
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(v[0], "user");
	ck_assert_str_eq(v[1], "-0");
	ck_assert_str_eq(v[2], "myname");
	ck_assert_str_eq(v[3], "--");
	ck_assert_str_eq(v[4], prog);
	ck_assert_str_eq(v[5], "arg one");

	/* a #! script whose interpreter is the i386 program */
	char script[128];
	snprintf(script, sizeof script, "%s/script", dir);
	f = fopen(script, "w");
	fprintf(f, "#!%s -x\n", prog);
	fclose(f);
	chmod(script, 0755);
	strcpy((char *)G(STR), script);
	pid = fork();
	if (pid == 0) {
		sys(11, STR, BUF, BUF + 64);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	v = read_args(out, &n);
	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(v[2], prog); /* argv0 = the interpreter */
	ck_assert_str_eq(v[4], prog); /* runs the interpreter */
	ck_assert_str_eq(v[5], "-x");
	ck_assert_str_eq(v[6], script);
	ck_assert_str_eq(v[7], "arg one");

	/* a host program runs directly; a missing one is ENOENT */
	strcpy((char *)G(STR), "/bin/true");
	pid = fork();
	if (pid == 0) {
		sys(11, STR, BUF, BUF + 64);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	strcpy((char *)G(STR), "/nonexistent/x");
	ck_assert_int_eq(sys(11, STR, BUF, BUF + 64), -ENOENT);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lx_signal");
	TCase *f = tcase_create("frames");
	tcase_add_checked_fixture(f, lx_setup, lx_teardown);
	tcase_add_test(f, rt_frame_and_rt_sigreturn);
	tcase_add_test(f, plain_frame_trampoline_and_sigreturn);
	tcase_add_test(f, rt_frame_default_trampoline);
	tcase_add_test(f, altstack_resethand_nodefer);
	tcase_add_test(f, fault_with_handler);
	tcase_add_test(f, fault_blocked_or_ignored_kills);
	tcase_add_test(f, default_actions);
	suite_add_tcase(s, f);
	TCase *m = tcase_create("masks");
	tcase_add_checked_fixture(m, lx_setup, lx_teardown);
	tcase_add_test(m, masks_and_pending);
	tcase_add_test(m, interrupted_read_restarts_or_eintr);
	tcase_add_test(m, sigsuspend_restores_mask_in_frame);
	tcase_add_test(m, sigtimedwait_and_queue);
	suite_add_tcase(s, m);
	TCase *p = tcase_create("processes");
	tcase_add_checked_fixture(p, lx_setup, lx_teardown);
	tcase_add_test(p, fork_wait4_exit);
	tcase_add_test(p, execve_i386_runs_ringvm);
	suite_add_tcase(s, p);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
