/*
 * sensitive.c — the sensitive-instruction table expanded into data, and
 * classification of Zydis-decoded instructions against it.
 *
 * Owns: sens_rows[] and a per-mnemonic index (built once, lazily) so that
 * classifying an instruction costs one array load for the common case of a
 * mnemonic no row mentions.
 */
#include "translator/sensitive.h"

#include <pthread.h>

const struct sens_row sens_rows[SENS_NROWS] = {
#define SENS(id, zy, cs, m, c, h, t)                                                            \
	[SENS_##id] = {#id, ZYDIS_MNEMONIC_##zy, SM_##m, SC_##c, SH_##h, t},
#include "translator/sensitive.def"
#undef SENS
};

/* first_row[mnemonic]: index+1 of the first row for that mnemonic, 0 if none.
 * Rows of one mnemonic are found by scanning forward from there. */
static unsigned char first_row[ZYDIS_MNEMONIC_MAX_VALUE + 1];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

_Static_assert(SENS_NROWS < 255, "first_row stores row+1 in a byte");

static void build_index(void)
{
	for (int i = SENS_NROWS - 1; i >= 0; i--)
		first_row[sens_rows[i].mnemonic] = (unsigned char)(i + 1);
}

static bool reg_in(ZydisRegister r, ZydisRegister lo, ZydisRegister hi)
{
	return r >= lo && r <= hi;
}

static bool op_is(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops, int i,
		  ZydisRegister lo, ZydisRegister hi)
{
	return i < in->operand_count && ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       reg_in(ops[i].reg.value, lo, hi);
}

static bool matches(enum sens_match m, const ZydisDecodedInstruction *in,
		    const ZydisDecodedOperand *ops)
{
	switch (m) {
	case SM_ANY:
		return true;
	case SM_DST_CR:
		return op_is(in, ops, 0, ZYDIS_REGISTER_CR0, ZYDIS_REGISTER_CR15);
	case SM_SRC_CR:
		return op_is(in, ops, 1, ZYDIS_REGISTER_CR0, ZYDIS_REGISTER_CR15);
	case SM_DST_DR:
		return op_is(in, ops, 0, ZYDIS_REGISTER_DR0, ZYDIS_REGISTER_DR15);
	case SM_SRC_DR:
		return op_is(in, ops, 1, ZYDIS_REGISTER_DR0, ZYDIS_REGISTER_DR15);
	case SM_DST_SEG:
		return op_is(in, ops, 0, ZYDIS_REGISTER_ES, ZYDIS_REGISTER_GS);
	case SM_SRC_SEG:
		return op_is(in, ops, 1, ZYDIS_REGISTER_ES, ZYDIS_REGISTER_GS);
	case SM_OP_SEG:
		return op_is(in, ops, 0, ZYDIS_REGISTER_ES, ZYDIS_REGISTER_GS);
	case SM_FAR:
		return in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
	case SM_FAR_PTR:
		return in->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR &&
		       in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
		       (in->opcode == 0x9a || in->opcode == 0xea);
	case SM_SHORT:
		return in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && in->opcode >= 0x40 &&
		       in->opcode <= 0x4f;
	case SM_OPC82:
		return in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && in->opcode == 0x82;
	case SM_COUNT:
		break;
	}
	return false;
}

int sens_classify(const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops)
{
	pthread_once(&index_once, build_index);
	int i = first_row[insn->mnemonic];
	if (!i)
		return -1;
	for (i--; i < SENS_NROWS; i++) {
		const struct sens_row *r = &sens_rows[i];
		if (r->mnemonic == insn->mnemonic && matches(r->match, insn, ops))
			return i;
	}
	return -1;
}

static const char *const class_names[SC_COUNT] = {
	[SC_TRAP] = "trap", [SC_SILENT] = "silent", [SC_MODE64] = "mode64",
	[SC_HOST] = "host", [SC_FLOW] = "flow",
};

static const char *const class_help[SC_COUNT] = {
	[SC_TRAP] = "privileged, traps in ring 3",
	[SC_SILENT] = "sensitive, silently wrong in ring 3",
	[SC_MODE64] = "means something else in 64-bit mode",
	[SC_HOST] = "reveals the host",
	[SC_FLOW] = "control transfer into the guest kernel",
};

static const char *const how_names[SH_COUNT] = {
	[SH_INLINE] = "inline", [SH_CALLOUT] = "callout", [SH_EXIT] = "exit",
};

static const char *const match_names[SM_COUNT] = {
	[SM_ANY] = "any",         [SM_DST_CR] = "dst-cr",   [SM_SRC_CR] = "src-cr",
	[SM_DST_DR] = "dst-dr",   [SM_SRC_DR] = "src-dr",   [SM_DST_SEG] = "dst-seg",
	[SM_SRC_SEG] = "src-seg", [SM_OP_SEG] = "op-seg",   [SM_FAR] = "far",
	[SM_FAR_PTR] = "far-ptr", [SM_SHORT] = "short-form", [SM_OPC82] = "opcode-82",
};

const char *sens_class_name(enum sens_class c)
{
	return c < SC_COUNT ? class_names[c] : "?";
}

const char *sens_class_help(enum sens_class c)
{
	return c < SC_COUNT ? class_help[c] : "?";
}

const char *sens_how_name(enum sens_how h)
{
	return h < SH_COUNT ? how_names[h] : "?";
}

const char *sens_match_name(enum sens_match m)
{
	return m < SM_COUNT ? match_names[m] : "?";
}

void sens_decoder_init(ZydisDecoder *dec)
{
	ZydisDecoderInit(dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}
