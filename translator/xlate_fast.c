/*
 * xlate_fast.c — the common integer forms, translated from their raw
 * encoding without decoding operands.
 *
 * Owns: the table of one-byte and 0x0f opcodes whose ModRM operands mean
 * the same in 64-bit mode (ALU, mov, test, xchg, shifts, mul/div, cmov,
 * movzx/movsx, bit tests, setcc...), none of them in sensitive.def, none
 * with a hidden memory operand; and the rule that copies one: register
 * forms unchanged, memory forms behind %gs and the address-size override.
 * Guest esp in them becomes r12d by a REX prefix.  Anything else (prefixes
 * other than 0x66 and lock, the disp32-only ModRM form, ah..bh next to
 * esp) goes the decoded way (xlate.c).  Decoding
 * operands is about 40 % of Zydis' time, and start-up is mostly
 * translation.
 */
#include "translator/xlate_int.h"

/* What the ModRM reg field of an opcode is. */
enum fast_form {
	F_NO = 0,
	F_REG,    /* a register operand */
	F_EXT,    /* an opcode extension, all eight valid */
	F_EXT0,   /* /0 only (c6, c7: mov r/m, imm) */
	F_EXT01,  /* /0 and /1 only (fe, ff: inc, dec) */
	F_EXT4,   /* /4 to /7 only (0f ba: bt, bts, btr, btc r/m, imm8) */
	F_IGNORE, /* ignored (setcc) */
	F_LEA,    /* a register operand; the memory operand is not accessed */
};

#define R4(a) [a] = F_REG, [a + 1] = F_REG, [a + 2] = F_REG, [a + 3] = F_REG

static const uint8_t one_byte[256] = {
	R4(0x00), R4(0x08), R4(0x10), R4(0x18), R4(0x20), R4(0x28), R4(0x30), R4(0x38),
	R4(0x84), R4(0x88),
	[0x69] = F_REG, [0x6b] = F_REG, [0x8d] = F_LEA,
	[0x80] = F_EXT, [0x81] = F_EXT, [0x83] = F_EXT, /* not 0x82 (sensitive.def) */
	[0xc0] = F_EXT, [0xc1] = F_EXT, [0xd0] = F_EXT, [0xd1] = F_EXT, [0xd2] = F_EXT,
	[0xd3] = F_EXT, [0xf6] = F_EXT, [0xf7] = F_EXT,
	[0xc6] = F_EXT0, [0xc7] = F_EXT0,
	[0xfe] = F_EXT01, [0xff] = F_EXT01,
};

static const uint8_t two_byte[256] = {
	R4(0x40), R4(0x44), R4(0x48), R4(0x4c), /* cmovcc */
	R4(0x90), R4(0x94), R4(0x98), R4(0x9c), /* setcc: F_IGNORE below */
	[0xa3] = F_REG, [0xa4] = F_REG, [0xa5] = F_REG, [0xab] = F_REG, [0xac] = F_REG,
	[0xad] = F_REG, [0xaf] = F_REG, [0xb0] = F_REG, [0xb1] = F_REG, [0xb3] = F_REG,
	[0xb6] = F_REG, [0xb7] = F_REG, [0xbb] = F_REG, [0xbc] = F_REG, [0xbd] = F_REG,
	[0xbe] = F_REG, [0xbf] = F_REG, [0xc0] = F_REG, [0xc1] = F_REG,
	[0xba] = F_EXT4,
};

static enum fast_form form_of(const ZydisDecodedInstruction *in)
{
	if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT)
		return (enum fast_form)one_byte[in->opcode];
	if (in->opcode_map != ZYDIS_OPCODE_MAP_0F)
		return F_NO;
	if (in->opcode >= 0x90 && in->opcode <= 0x9f)
		return F_IGNORE;
	return (enum fast_form)two_byte[in->opcode];
}

static bool reg_field_ok(enum fast_form f, unsigned reg)
{
	switch (f) {
	case F_REG:
	case F_LEA:
	case F_EXT:
	case F_IGNORE:
		return true;
	case F_EXT0:
		return reg == 0;
	case F_EXT01:
		return reg <= 1;
	case F_EXT4:
		return reg >= 4;
	default:
		return false;
	}
}

bool x_sets_all_flags(const ZydisDecodedInstruction *in)
{ /* and reads none */
	bool rm_reg = in->raw.modrm.offset && in->raw.modrm.mod == 3;
	unsigned op = in->opcode, ext = in->raw.modrm.reg;

	if (in->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return false;
	if (in->opcode_map == ZYDIS_OPCODE_MAP_0F) /* cmpxchg, xadd */
		return rm_reg && (op == 0xb0 || op == 0xb1 || op == 0xc0 || op == 0xc1);
	if (in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return false;
	bool reads_cf = (op < 0x40 && ((op >> 3) & 7) - 2u < 2) || /* adc, sbb */
			(op >= 0x80 && op <= 0x83 && ext - 2u < 2);
	if (reads_cf)
		return false;
	if (op < 0x40 && (op & 7) < 6) /* add or and sub xor cmp */
		return (op & 7) >= 4 || rm_reg;
	switch (op) {
	case 0xa8: case 0xa9: /* test al/eax, imm */
		return true;
	case 0x84: case 0x85: case 0x80: case 0x81: case 0x83:
		return rm_reg;
	case 0xf6: case 0xf7: /* test, neg */
		return rm_reg && (ext <= 1 || ext == 3);
	default:
		return false;
	}
}

/* Does a ModRM register field of 4 (or rm of 4 in a register form) name a
 * byte register here, ah, which a REX prefix would turn into spl? */
static bool byte_regs(const ZydisDecodedInstruction *in)
{
	return in->operand_width == 8 ||
	       (in->opcode_map == ZYDIS_OPCODE_MAP_0F &&
		(in->opcode == 0xb6 || in->opcode == 0xbe || (in->opcode & 0xf0) == 0x90));
}

/* Guest esp is r12d: a REX prefix with R (the reg field names esp) and B
 * (the rm field or the SIB base does); 0x40 if neither. */
static uint8_t esp_rex(const ZydisDecodedInstruction *in, enum fast_form f)
{
	uint8_t rex = 0x40;

	if ((f == F_REG || f == F_LEA) && in->raw.modrm.reg == 4)
		rex |= 4;
	if (in->raw.modrm.rm == 4 && (in->raw.modrm.mod == 3 || in->raw.sib.base == 4))
		rex |= 1;
	return rex;
}

bool x_fast(struct xctx *x)
{
	const ZydisDecodedInstruction *in = &x->in;
	unsigned np = in->raw.prefix_count;
	enum fast_form f;

	if (in->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return false;
	if (!np && in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && in->opcode >= 0xb0 &&
	    in->opcode <= 0xbf) { /* mov r, imm; esp is r12d */
		if (in->opcode == 0xbc)
			emit_u8(&x->e, 0x41);
		x_copy(x);
		return true;
	}
	if (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && !in->raw.modrm.offset &&
	    ((in->opcode < 0x40 && (in->opcode & 7) - 4u < 2) || in->opcode == 0xa8 ||
	     in->opcode == 0xa9) && (!np || (np == 1 && x->code[0] == 0x66))) {
		x_copy(x); /* ALU al/ax/eax, imm; test al/ax/eax, imm */
		return true;
	}
	if (!in->raw.modrm.offset || (f = form_of(in)) == F_NO ||
	    !reg_field_ok(f, in->raw.modrm.reg))
		return false;
	for (unsigned i = 0; i < np; i++)
		if (x->code[i] != 0x66 && x->code[i] != 0xf0)
			return false;
	bool mem = in->raw.modrm.mod != 3;
	if (mem && in->raw.modrm.mod == 0 && in->raw.modrm.rm == 5)
		return false; /* disp32 only: rip-relative in 64-bit mode */
	uint8_t rex = esp_rex(in, f);
	if (rex != 0x40 && byte_regs(in))
		return false;
	if (f == F_LEA)
		emit_u8(&x->e, 0x67); /* a 32-bit address, no %gs: no access */
	else if (mem)
		emit_bytes(&x->e, (const uint8_t[]){0x65, 0x67}, 2);
	if (rex == 0x40) {
		x_copy(x);
		return true;
	}
	emit_bytes(&x->e, x->code, np);
	emit_u8(&x->e, rex);
	emit_bytes(&x->e, x->code + np, in->length - np);
	return true;
}
