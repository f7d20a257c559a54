/*
 * fault.c — guest state from a host signal context (see fault.h).
 */
#include "translator/fault.h"

#include <string.h>

void tr_fx_sync(struct gcpu *g)
{
	uint8_t hw[512] __attribute__((aligned(16)));

	if (!(g->fx_state & GCPU_FX_CACHED))
		return;
	__asm__ volatile("fxsave %0" : "=m"(hw));
	memcpy(g->fx, hw, 24);                /* FCW FSW FTW FOP FIP FDP */
	memcpy(g->fx + 32, hw + 32, 160 - 32); /* st0-st7 */
	g->fx_state = 0;
}

bool tr_fault_state(struct tcache *tc, struct tstate *ts, const ucontext_t *uc)
{
	const greg_t *r = uc->uc_mcontext.gregs;
	uint32_t eip;
	enum xfix fix;

	if (!tcache_pc_to_guest(tc, (uintptr_t)r[REG_RIP], &eip, &fix))
		return false;
	struct gcpu *g = &ts->g;
	g->regs[GR_EAX] = (uint32_t)r[REG_RAX];
	g->regs[GR_ECX] = (uint32_t)r[REG_RCX];
	g->regs[GR_EDX] = (uint32_t)r[REG_RDX];
	g->regs[GR_EBX] = (uint32_t)r[REG_RBX];
	g->regs[GR_ESP] = (uint32_t)r[REG_R12];
	g->regs[GR_EBP] = (uint32_t)r[REG_RBP];
	g->regs[GR_ESI] = (uint32_t)r[REG_RSI]; /* XF_TRUNC_SI_DI: low 32 bits */
	g->regs[GR_EDI] = (uint32_t)r[REG_RDI];
	g->eflags = (uint32_t)r[REG_EFL] & ~0x10000u; /* RF is the host's */
	g->eip = eip;
	if (uc->uc_mcontext.fpregs)
		memcpy(g->fx, uc->uc_mcontext.fpregs, sizeof(g->fx));
	g->fx_state = 0; /* the whole image, from the signal context */
	if ((fix & 15) == XF_ESP)
		g->regs[GR_ESP] += (uint32_t)(4 * ((int8_t)(fix & 0xf0) >> 4));
	if ((fix & 15) == XF_BORROW)
		g->regs[fix >> 4] = (uint32_t)ts->spill[1];
	return true;
}
