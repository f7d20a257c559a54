/*
 * user.h — `ringvm user`: one i386 Linux program run through the
 * translation cache, its system calls carried out by the host.
 *
 * Owns: the process-wide pieces and how they are wired together (guest
 * address space, translation cache, translated-code state, the Linux
 * personality), guest threads (one host thread each, with its own struct
 * user sharing mem, tc and p), the run loop, the command line, --stats, and the
 * callouts of sensitive instructions at CPL 3 (callout.c).
 */
#ifndef RINGVM_MONITOR_USER_USER_H
#define RINGVM_MONITOR_USER_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "memory/uspace.h"
#include "monitor/user/lx.h"
#include "translator/run.h"
#include "translator/sensitive.h"
#include "translator/tcache.h"

/* One per guest thread; mem, tc and p are shared by all of them. */
struct user {
	struct uspace *mem;
	struct tcache *tc;
	struct tstate *ts; /* this thread's, 64-byte aligned */
	struct lx_proc *p;
	struct lx_thread t;
	ZydisDecoder dec;
	uint64_t syscalls, untranslatable, faults, signals;
	enum lx_result sys_result; /* of the last system call (syscall_hook) */
	uint64_t t_start_ns;
	bool stats;
	int stats_fd;      /* --stats goes here: a copy of stderr made at start */
	bool trace_faults; /* RINGVM_TRACE_FAULTS: print each guest fault */
};

/* callout.c: carries out the sensitive instruction of ROW (-1:
 * untranslatable) at g.eip, LEN bytes long. */
enum lx_result user_callout(struct user *u, int row, unsigned len);

/* callout_far.c: far jmp/call/ret and iret (rows jmp_far*, call_far*,
 * ret_far, iret*). */
enum lx_result user_far_transfer(struct user *u, const ZydisDecodedInstruction *in,
				 const ZydisDecodedOperand *ops);

/* user_util.c: guest registers named by Zydis (8, 16, 32-bit) and memory
 * operands of instructions the monitor emulates. */
uint32_t user_reg(const struct user *u, ZydisRegister r);
void user_set_reg(struct user *u, ZydisRegister r, uint32_t v);
int user_mem_addr(const struct user *u, const ZydisDecodedOperand *op, uint32_t *addr);
/* Queues SIGSEGV for a bad access to ADDR by the current instruction. */
enum lx_result user_segv(struct user *u, uint32_t addr);

/* `ringvm user` */
int user_main(int argc, char **argv);

#endif
