/*
 * fault.h — precise guest state at a host fault in translated code.
 *
 * Owns: turning a host signal context (ucontext_t) taken inside the
 * translation cache into the guest state as it was before the guest
 * instruction that faulted: general registers from their host homes,
 * EFLAGS, the x87/SSE image, eip from the block's side table, and the
 * instruction's fixup applied.
 */
#ifndef RINGVM_TRANSLATOR_FAULT_H
#define RINGVM_TRANSLATOR_FAULT_H

#include <stdbool.h>
#include <ucontext.h>

#include "translator/tcache.h"

/* Makes G->fx the whole x87/SSE state (see GCPU_FX_CACHED): call before C
 * code reads or writes it.  The next entry to translated code then loads
 * all of it. */
void tr_fx_sync(struct gcpu *g);

/* If the host pc in UC is inside translated code, stores the guest state in
 * TS->g (eip included) and returns true. */
bool tr_fault_state(struct tcache *tc, struct tstate *ts, const ucontext_t *uc);

#endif
