/*
 * tstate_asm.h — byte offsets into struct tstate, shared by C and by the
 * assembly in runtime.S and the code the emitter generates.  tstate.h checks
 * every one with _Static_assert.
 */
#ifndef RINGVM_TRANSLATOR_TSTATE_ASM_H
#define RINGVM_TRANSLATOR_TSTATE_ASM_H

#define TS_REGS        0
#define TS_ESP         16
#define TS_EIP         32
#define TS_EFLAGS      36
#define TS_SEG_BASE    40
#define TS_SEG         64
#define TS_FX_STATE    76
#define TS_FX          80
#define TS_HOST_RSP    592
#define TS_WINDOW      600
#define TS_EXIT_REASON 608
#define TS_EXIT_EIP    612
#define TS_EXIT_LINK   616
#define TS_SPILL       624
#define TS_PENDING     656
#define TS_JTBL        664
#define TS_XSP         672
#define TS_XSP_EMPTY   680
#define TS_TF_POPPED   688

/* why translated code returned to C (tstate.exit_reason) */
#define EXIT_CHAIN   1 /* direct branch to exit_eip, not chained yet; exit_link = patch site */
#define EXIT_LOOKUP  2 /* indirect branch to exit_eip missed the jump table */
#define EXIT_SYSCALL 3 /* int $0x80; exit_eip = next instruction */
#define EXIT_CALLOUT 4 /* sensitive instruction at exit_eip for the monitor; exit_arg = row */
#define EXIT_PENDING 5 /* an asynchronous event is pending; continue at exit_eip */
#define EXIT_STEP    6 /* end of a one-instruction block; continue at exit_eip */
#define EXIT_GP      7 /* the instruction at exit_eip raises #GP(0) (a write through cs:) */
#define EXIT_TRACE   8 /* popf set EFLAGS.TF; continue at exit_eip, single-stepping */

#endif
