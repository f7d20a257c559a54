/*
 * tstate.h — per-thread state of translated code.
 *
 * Owns: the layout translated code addresses through %r15: the guest CPU
 * (struct gcpu, first), how the last run ended (exit reason, guest eip,
 * patch site), the return stack translated code runs on (landing pads of
 * guest calls; and the thread's signal stack), the jump table that
 * resolves indirect branches inline (swapped for an empty one when an
 * asynchronous event is pending), spill slots, single-step state and the
 * monitor's system-call hook.  Offsets are fixed in tstate_asm.h.
 */
#ifndef RINGVM_TRANSLATOR_TSTATE_H
#define RINGVM_TRANSLATOR_TSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translator/gcpu.h"
#include "translator/tstate_asm.h"

/* A jump-table entry: KEY is minus the guest eip (so translated code tests
 * a hit with one lea: key + eip == 0, flags untouched); HOST its code. */
struct tentry {
	uint32_t key;
	uint32_t pad;
	uint64_t host;
};

static inline uint32_t tentry_key(uint32_t eip)
{
	return 0u - eip;
}

#define JTBL_SIZE 65536u

struct tstate {
	struct gcpu g;
	uint64_t host_rsp;
	uint64_t window; /* host address of guest address 0 (the GS base) */
	uint32_t exit_reason;
	uint32_t exit_eip;
	uint64_t exit_link;
	uint64_t spill[4];
	volatile uint32_t pending;
	uint32_t pad0;
	/* JTBL_SIZE entries, indexed by guest eip & 0xffff: the thread's own
	 * (jtbl_own), or while an asynchronous event is pending an empty one,
	 * so that indirect branches leave translated code (tr_kick). */
	struct tentry *jtbl;
	/* The return stack: translated code runs on it (rsp), a guest call is a
	 * host call that pushes its landing pad, a guest ret a host ret that
	 * the CPU predicts; the landing pad checks the guest return address.
	 * xsp: its rsp while C runs; xsp_empty: the empty stack (a sentinel
	 * whose "landing pad" is tr_ret_empty); xstack: the mapping (a guard
	 * page, the stack, then the host signal stack), xstack_len bytes. */
	uint64_t xsp, xsp_empty;
	/* EFLAGS.TF: what the last popf popped (0/1; the single-step loop
	 * presets 2), and a single-step trap owed for the last instruction */
	uint8_t tf_popped, trace_pending;
	uint8_t *xstack;
	uint64_t xstack_len;
	uint32_t sigstack_on; /* the owning thread uses xstack's signal stack */
	struct tentry *jtbl_own;
	const struct tentry *jtbl_empty;
	/* the monitor's system-call handler, see tr_set_syscall_hook (run.h) */
	bool (*sys_hook)(void *ctx);
	void *sys_ctx;
	uint32_t exit_arg; /* EXIT_CALLOUT: sensitive.def row */
	/* counted by translated code when the cache counts (--stats) */
	uint64_t n_indirect, n_ret, n_ret_hit;
	uint64_t n_xstack_resets; /* return stack overflows (always counted) */
};

#define TS_CHECK(field, off) _Static_assert(offsetof(struct tstate, field) == (off), #field)
TS_CHECK(g.regs, TS_REGS);
TS_CHECK(g.regs[GR_ESP], TS_ESP);
TS_CHECK(g.eip, TS_EIP);
TS_CHECK(g.eflags, TS_EFLAGS);
TS_CHECK(g.seg_base, TS_SEG_BASE);
TS_CHECK(g.seg, TS_SEG);
TS_CHECK(g.fx_state, TS_FX_STATE);
TS_CHECK(g.fx, TS_FX);
TS_CHECK(host_rsp, TS_HOST_RSP);
TS_CHECK(window, TS_WINDOW);
TS_CHECK(exit_reason, TS_EXIT_REASON);
TS_CHECK(exit_eip, TS_EXIT_EIP);
TS_CHECK(exit_link, TS_EXIT_LINK);
TS_CHECK(spill, TS_SPILL);
TS_CHECK(pending, TS_PENDING);
TS_CHECK(jtbl, TS_JTBL);
TS_CHECK(xsp, TS_XSP);
TS_CHECK(xsp_empty, TS_XSP_EMPTY);
TS_CHECK(tf_popped, TS_TF_POPPED);
#undef TS_CHECK

/* Runs translated code at host address PC with the guest state in TS until
 * it exits; returns TS->exit_reason.  (runtime.S) */
uint32_t tr_enter(struct tstate *ts, const void *pc);

/* Shared routines translated code jumps to (runtime.S). */
extern const char tr_exit[], tr_lookup[], tr_lookup_miss[], tr_ret_empty[];

#endif
