/*
 * callout_far.c — far jmp, far call, far ret and iret in a 32-bit Linux
 * process: transfers within the user code segment, as the CPU does them at
 * CPL 3 (a selector of that segment with any RPL for jmp and call, RPL 3
 * for ret and iret; the CPU loads CS with RPL 3, so it stays as it was).
 * Any other selector raises #GP with the selector as error code (a far
 * transfer to the host's 64-bit code segment is not supported).
 */
#include "monitor/user/user.h"

#include <signal.h>
#include <string.h>

#include "monitor/user/lx.h"

static bool user_code(uint16_t sel)
{
	return (sel & ~3u) == (LX_USER_CS & ~3u);
}

static enum lx_result gp_sel(struct user *u, uint16_t sel)
{
	lx_fault_trap(&u->t, SIGSEGV, SI_KERNEL, 0, 13, sel & 0xfffcu);
	return LX_CONTINUE;
}

/* Reads N stack slots of SIZE bytes at ESP into V (zero-extended). */
static int pop_slots(struct user *u, uint32_t esp, unsigned n, unsigned size, uint32_t *v)
{
	for (unsigned i = 0; i < n; i++) {
		v[i] = 0;
		if (uspace_read(u->mem, &v[i], esp + i * size, size) < 0)
			return -1;
	}
	return 0;
}

/* lret [imm16], iret: eip, cs (and eflags) from the stack. */
static enum lx_result far_return(struct user *u, const ZydisDecodedInstruction *in)
{
	struct gcpu *g = &u->ts->g;
	bool iret = in->mnemonic != ZYDIS_MNEMONIC_RET;
	unsigned size = in->operand_width / 8, n = iret ? 3 : 2;
	uint32_t esp = g->regs[GR_ESP], v[3];

	if (pop_slots(u, esp, n, size, v) < 0)
		return user_segv(u, esp);
	if ((v[1] & 3) != 3 || !user_code((uint16_t)v[1]))
		return gp_sel(u, (uint16_t)v[1]);
	if (iret) { /* CPL 3, IOPL 0: IF and IOPL stay */
		uint32_t m = GF_ARITH | GF_TF | GF_DF | GF_AC | GF_ID;
		if (size == 2)
			m &= 0xffff;
		g->eflags = (g->eflags & ~m) | (v[2] & m);
	}
	g->regs[GR_ESP] = esp + n * size + (iret ? 0 : (uint32_t)in->raw.imm[0].value.u);
	g->eip = v[0];
	return LX_CONTINUE;
}

/* ljmp/lcall ptr16:32 or m16:32 (16:16 with 0x66). */
static enum lx_result far_jump(struct user *u, const ZydisDecodedInstruction *in,
			       const ZydisDecodedOperand *ops)
{
	struct gcpu *g = &u->ts->g;
	unsigned size = in->operand_width / 8;
	uint32_t off = 0, a = 0, esp = g->regs[GR_ESP];
	uint16_t sel;

	if (ops[0].type == ZYDIS_OPERAND_TYPE_POINTER) {
		sel = ops[0].ptr.segment;
		off = ops[0].ptr.offset;
	} else if (user_mem_addr(u, &ops[0], &a) < 0 || uspace_read(u->mem, &off, a, size) < 0 ||
		   uspace_read(u->mem, &sel, a + size, 2) < 0) {
		return user_segv(u, a);
	}
	if (!user_code(sel))
		return gp_sel(u, sel);
	if (in->mnemonic == ZYDIS_MNEMONIC_CALL) {
		/* cs: a 16-bit store, the rest of its slot untouched (as recent
		 * Intel CPUs do); then the return address */
		uint32_t next = g->eip + in->length;
		uint16_t cs = g->seg[GS_CS];
		if (uspace_write(u->mem, esp - size, &cs, 2) < 0 ||
		    uspace_write(u->mem, esp - 2 * size, &next, size) < 0)
			return user_segv(u, esp - size);
		g->regs[GR_ESP] = esp - 2 * size;
	}
	g->eip = size == 2 ? off & 0xffff : off;
	return LX_CONTINUE;
}

enum lx_result user_far_transfer(struct user *u, const ZydisDecodedInstruction *in,
				 const ZydisDecodedOperand *ops)
{
	if (in->operand_width != 16 && in->operand_width != 32)
		return gp_sel(u, 0);
	if (in->mnemonic == ZYDIS_MNEMONIC_RET || in->mnemonic == ZYDIS_MNEMONIC_IRET ||
	    in->mnemonic == ZYDIS_MNEMONIC_IRETD)
		return far_return(u, in);
	return far_jump(u, in, ops);
}
