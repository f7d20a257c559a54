/*
 * cs_classify.c — classification of Capstone-decoded instructions against
 * translator/sensitive.def (see cs_classify.h).
 */
#include "monitor/cs_classify.h"

#include <errno.h>
#include <stdbool.h>

#include "translator/sensitive.h"

struct cs_row {
	unsigned id; /* X86_INS_* */
	enum sens_match match;
};

static const struct cs_row cs_rows[SENS_NROWS] = {
#define SENS(id, zy, cs, m, c, h, t) [SENS_##id] = {X86_INS_##cs, SM_##m},
#include "translator/sensitive.def"
#undef SENS
};

int cs_classify_open(csh *handle)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_32, handle) != CS_ERR_OK)
		return -ENOMEM;
	if (cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(handle);
		return -EINVAL;
	}
	return 0;
}

static bool is_seg(x86_reg r)
{
	return r == X86_REG_ES || r == X86_REG_CS || r == X86_REG_SS || r == X86_REG_DS ||
	       r == X86_REG_FS || r == X86_REG_GS;
}

static bool is_cr(x86_reg r)
{
	return r >= X86_REG_CR0 && r <= X86_REG_CR15;
}

static bool is_dr(x86_reg r)
{
	return r >= X86_REG_DR0 && r <= X86_REG_DR15;
}

/* Register of operand I, or X86_REG_INVALID. */
static x86_reg op_reg(const cs_x86 *x, int i)
{
	if (i >= x->op_count || x->operands[i].type != X86_OP_REG)
		return X86_REG_INVALID;
	return x->operands[i].reg;
}

static bool matches(enum sens_match m, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	switch (m) {
	case SM_ANY:
	case SM_FAR: /* Capstone names far branches apart: lcall, ljmp, retf */
		return true;
	case SM_DST_CR:
		return is_cr(op_reg(x, 0));
	case SM_SRC_CR:
		return is_cr(op_reg(x, 1));
	case SM_DST_DR:
		return is_dr(op_reg(x, 0));
	case SM_SRC_DR:
		return is_dr(op_reg(x, 1));
	case SM_DST_SEG:
	case SM_OP_SEG:
		return is_seg(op_reg(x, 0));
	case SM_SRC_SEG:
		return is_seg(op_reg(x, 1));
	case SM_FAR_PTR:
		return x->op_count == 2 && x->operands[0].type == X86_OP_IMM &&
		       x->operands[1].type == X86_OP_IMM;
	case SM_SHORT:
		return x->opcode[0] >= 0x40 && x->opcode[0] <= 0x4f;
	case SM_OPC82:
		return x->opcode[0] == 0x82;
	case SM_COUNT:
		break;
	}
	return false;
}

int cs_classify(const cs_insn *insn)
{
	if (!insn->detail)
		return -1;
	for (int i = 0; i < SENS_NROWS; i++)
		if (cs_rows[i].id == insn->id && matches(cs_rows[i].match, insn))
			return i;
	return -1;
}
