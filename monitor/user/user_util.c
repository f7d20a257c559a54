/*
 * user_util.c — guest registers and operands for the user-mode callouts.
 */
#include "monitor/user/user.h"

#include <errno.h>
#include <signal.h>

/* Register R as (index into gcpu.regs, bit shift, width in bits). */
static bool reg_slot(ZydisRegister r, int *idx, int *shift, int *bits)
{
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI) {
		*idx = r - ZYDIS_REGISTER_EAX, *shift = 0, *bits = 32;
	} else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) {
		*idx = r - ZYDIS_REGISTER_AX, *shift = 0, *bits = 16;
	} else if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL) {
		*idx = r - ZYDIS_REGISTER_AL, *shift = 0, *bits = 8;
	} else if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
		*idx = r - ZYDIS_REGISTER_AH, *shift = 8, *bits = 8;
	} else {
		return false;
	}
	return true;
}

uint32_t user_reg(const struct user *u, ZydisRegister r)
{
	int i, sh, bits;
	if (!reg_slot(r, &i, &sh, &bits))
		return 0;
	uint32_t v = u->ts->g.regs[i] >> sh;
	return bits == 32 ? v : v & ((1u << bits) - 1);
}

void user_set_reg(struct user *u, ZydisRegister r, uint32_t v)
{
	int i, sh, bits;
	if (!reg_slot(r, &i, &sh, &bits))
		return;
	if (bits == 32) {
		u->ts->g.regs[i] = v;
		return;
	}
	uint32_t mask = ((1u << bits) - 1) << sh;
	u->ts->g.regs[i] = (u->ts->g.regs[i] & ~mask) | ((v << sh) & mask);
}

int user_mem_addr(const struct user *u, const ZydisDecodedOperand *op, uint32_t *addr)
{
	uint32_t a = (uint32_t)op->mem.disp.value;

	if (op->type != ZYDIS_OPERAND_TYPE_MEMORY)
		return -EINVAL;
	if (op->mem.base != ZYDIS_REGISTER_NONE)
		a += user_reg(u, op->mem.base);
	if (op->mem.index != ZYDIS_REGISTER_NONE)
		a += user_reg(u, op->mem.index) * op->mem.scale;
	if (op->mem.segment == ZYDIS_REGISTER_FS)
		a += u->ts->g.seg_base[GS_FS];
	else if (op->mem.segment == ZYDIS_REGISTER_GS)
		a += u->ts->g.seg_base[GS_GS];
	*addr = a;
	return 0;
}

enum lx_result user_segv(struct user *u, uint32_t addr)
{
	int code = uspace_prot(u->mem, addr) < 0 ? SEGV_MAPERR : SEGV_ACCERR;
	lx_fault_trap(&u->t, SIGSEGV, code, addr, 14, 4);
	return LX_CONTINUE;
}
