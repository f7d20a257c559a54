/*
 * sdm_bcd.c — oracle (c) for the BCD adjustments and the one-byte forms
 * that exist only in 32-bit mode, with expected values from the Intel SDM.
 *
 * BCD (daa das aaa aas aam aad): the translator must stop at the
 * instruction with a callout for its sensitive.def row; the monitor then
 * carries it out (monitor/emulate.c), and the result must match the table
 * below.  The table was worked out from the SDM pseudo-code (Vol. 2A:
 * DAA/DAS "old_AL, old_CF ... AL := AL + 6; CF := old_CF or (Carry from
 * AL := AL + 6)", AAA "AX := AX + 106H", AAS "AX := AX - 6; AH := AH - 1",
 * AAM "AH := tempAL / imm8; AL := tempAL MOD imm8", AAD "AL := (tempAL +
 * (tempAH * imm8)) AND FFH; AH := 0") and cross-checked on a host CPU
 * running i386 code.  Only flags the SDM defines are compared: DAA/DAS CF
 * AF SF ZF PF; AAA/AAS CF AF; AAM/AAD SF ZF PF.
 *
 * One-byte inc/dec (40-4F), opcode 82, salc: inline translations, checked
 * against hand-computed results.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/emulate.h"
#include "tests/diff/sdm.h"

#define CF S_CF
#define PF S_PF
#define AF S_AF
#define ZF S_ZF
#define SF S_SF
#define OF S_OF

enum { B_DAA, B_DAS, B_AAA, B_AAS, B_AAM, B_AAD };

static const struct {
	const char *name;
	uint8_t op;
	bool imm;
	uint32_t defined;
} bcd_ops[] = {
    [B_DAA] = {"daa", 0x27, false, CF | AF | SF | ZF | PF},
    [B_DAS] = {"das", 0x2f, false, CF | AF | SF | ZF | PF},
    [B_AAA] = {"aaa", 0x37, false, CF | AF},
    [B_AAS] = {"aas", 0x3f, false, CF | AF},
    [B_AAM] = {"aam", 0xd4, true, SF | ZF | PF},
    [B_AAD] = {"aad", 0xd5, true, SF | ZF | PF},
};

/* op, imm8 (aam/aad), AL, AH, CF/AF in -> AL, AH, flags out */
static const struct {
	uint8_t op, imm, al, ah;
	uint16_t fin;
	uint8_t al_out, ah_out;
	uint16_t fout;
} bcd_table[] = {
    {B_DAA, 0x0a, 0x00, 0x5a, 0, 0x00, 0x5a, ZF | PF},
    {B_DAS, 0x0a, 0x00, 0x5a, 0, 0x00, 0x5a, ZF | PF},
    {B_DAA, 0x0a, 0x00, 0x5a, CF, 0x60, 0x5a, CF | PF},
    {B_DAS, 0x0a, 0x00, 0x5a, CF, 0xa0, 0x5a, CF | SF | PF},
    {B_DAA, 0x0a, 0x00, 0x5a, AF, 0x06, 0x5a, AF | PF},
    {B_DAS, 0x0a, 0x00, 0x5a, AF, 0xfa, 0x5a, CF | AF | SF | PF},
    {B_DAA, 0x0a, 0x00, 0x5a, CF | AF, 0x66, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0x00, 0x5a, CF | AF, 0x9a, 0x5a, CF | AF | SF | PF},
    {B_DAA, 0x0a, 0x09, 0x5a, 0, 0x09, 0x5a, PF},
    {B_DAS, 0x0a, 0x09, 0x5a, 0, 0x09, 0x5a, PF},
    {B_DAA, 0x0a, 0x09, 0x5a, CF, 0x69, 0x5a, CF | PF},
    {B_DAS, 0x0a, 0x09, 0x5a, CF, 0xa9, 0x5a, CF | SF | PF},
    {B_DAA, 0x0a, 0x09, 0x5a, AF, 0x0f, 0x5a, AF | PF},
    {B_DAS, 0x0a, 0x09, 0x5a, AF, 0x03, 0x5a, AF | PF},
    {B_DAA, 0x0a, 0x09, 0x5a, CF | AF, 0x6f, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0x09, 0x5a, CF | AF, 0xa3, 0x5a, CF | AF | SF | PF},
    {B_DAA, 0x0a, 0x0a, 0x5a, 0, 0x10, 0x5a, AF},
    {B_DAS, 0x0a, 0x0a, 0x5a, 0, 0x04, 0x5a, AF},
    {B_DAA, 0x0a, 0x0a, 0x5a, CF, 0x70, 0x5a, CF | AF},
    {B_DAS, 0x0a, 0x0a, 0x5a, CF, 0xa4, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0x0a, 0x5a, AF, 0x10, 0x5a, AF},
    {B_DAS, 0x0a, 0x0a, 0x5a, AF, 0x04, 0x5a, AF},
    {B_DAA, 0x0a, 0x0a, 0x5a, CF | AF, 0x70, 0x5a, CF | AF},
    {B_DAS, 0x0a, 0x0a, 0x5a, CF | AF, 0xa4, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0x99, 0x5a, 0, 0x99, 0x5a, SF | PF},
    {B_DAS, 0x0a, 0x99, 0x5a, 0, 0x99, 0x5a, SF | PF},
    {B_DAA, 0x0a, 0x99, 0x5a, CF, 0xf9, 0x5a, CF | SF | PF},
    {B_DAS, 0x0a, 0x99, 0x5a, CF, 0x39, 0x5a, CF | PF},
    {B_DAA, 0x0a, 0x99, 0x5a, AF, 0x9f, 0x5a, AF | SF | PF},
    {B_DAS, 0x0a, 0x99, 0x5a, AF, 0x93, 0x5a, AF | SF | PF},
    {B_DAA, 0x0a, 0x99, 0x5a, CF | AF, 0xff, 0x5a, CF | AF | SF | PF},
    {B_DAS, 0x0a, 0x99, 0x5a, CF | AF, 0x33, 0x5a, CF | AF | PF},
    {B_DAA, 0x0a, 0x9a, 0x5a, 0, 0x00, 0x5a, CF | AF | ZF | PF},
    {B_DAS, 0x0a, 0x9a, 0x5a, 0, 0x34, 0x5a, CF | AF},
    {B_DAA, 0x0a, 0x9a, 0x5a, CF, 0x00, 0x5a, CF | AF | ZF | PF},
    {B_DAS, 0x0a, 0x9a, 0x5a, CF, 0x34, 0x5a, CF | AF},
    {B_DAA, 0x0a, 0x9a, 0x5a, AF, 0x00, 0x5a, CF | AF | ZF | PF},
    {B_DAS, 0x0a, 0x9a, 0x5a, AF, 0x34, 0x5a, CF | AF},
    {B_DAA, 0x0a, 0x9a, 0x5a, CF | AF, 0x00, 0x5a, CF | AF | ZF | PF},
    {B_DAS, 0x0a, 0x9a, 0x5a, CF | AF, 0x34, 0x5a, CF | AF},
    {B_DAA, 0x0a, 0xfa, 0x5a, 0, 0x60, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0xfa, 0x5a, 0, 0x94, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0xfa, 0x5a, CF, 0x60, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0xfa, 0x5a, CF, 0x94, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0xfa, 0x5a, AF, 0x60, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0xfa, 0x5a, AF, 0x94, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0xfa, 0x5a, CF | AF, 0x60, 0x5a, CF | AF | PF},
    {B_DAS, 0x0a, 0xfa, 0x5a, CF | AF, 0x94, 0x5a, CF | AF | SF},
    {B_DAA, 0x0a, 0x05, 0x00, AF, 0x0b, 0x00, AF},
    {B_DAS, 0x0a, 0x05, 0x00, AF, 0xff, 0x00, CF | AF | SF | PF},
    {B_DAA, 0x0a, 0x45, 0x00, 0, 0x45, 0x00, 0},
    {B_DAS, 0x0a, 0x45, 0x00, 0, 0x45, 0x00, 0},
    {B_DAA, 0x0a, 0x79, 0x00, 0, 0x79, 0x00, 0},
    {B_DAS, 0x0a, 0x79, 0x00, 0, 0x79, 0x00, 0},
    {B_DAA, 0x0a, 0xf9, 0x00, AF, 0x5f, 0x00, CF | AF | PF},
    {B_DAS, 0x0a, 0xf9, 0x00, AF, 0x93, 0x00, CF | AF | SF | PF},
    {B_DAA, 0x0a, 0xa0, 0x00, 0, 0x00, 0x00, CF | ZF | PF},
    {B_DAS, 0x0a, 0xa0, 0x00, 0, 0x40, 0x00, CF},
    {B_DAA, 0x0a, 0x5f, 0x00, 0, 0x65, 0x00, AF | PF},
    {B_DAS, 0x0a, 0x5f, 0x00, 0, 0x59, 0x00, AF | PF},
    {B_DAA, 0x0a, 0x03, 0x00, AF, 0x09, 0x00, AF | PF},
    {B_DAS, 0x0a, 0x03, 0x00, AF, 0xfd, 0x00, CF | AF | SF},
    {B_DAA, 0x0a, 0x66, 0x00, CF, 0xc6, 0x00, CF | SF | PF},
    {B_DAS, 0x0a, 0x66, 0x00, CF, 0x06, 0x00, CF | PF},
    {B_AAA, 0x0a, 0x00, 0x00, 0, 0x00, 0x00, 0},
    {B_AAS, 0x0a, 0x00, 0x00, 0, 0x00, 0x00, 0},
    {B_AAA, 0x0a, 0x05, 0x12, 0, 0x05, 0x12, 0},
    {B_AAS, 0x0a, 0x05, 0x12, 0, 0x05, 0x12, 0},
    {B_AAA, 0x0a, 0x09, 0x12, 0, 0x09, 0x12, 0},
    {B_AAS, 0x0a, 0x09, 0x12, 0, 0x09, 0x12, 0},
    {B_AAA, 0x0a, 0x0a, 0x12, 0, 0x00, 0x13, CF | AF},
    {B_AAS, 0x0a, 0x0a, 0x12, 0, 0x04, 0x11, CF | AF},
    {B_AAA, 0x0a, 0x0f, 0x00, 0, 0x05, 0x01, CF | AF},
    {B_AAS, 0x0a, 0x0f, 0x00, 0, 0x09, 0xff, CF | AF},
    {B_AAA, 0x0a, 0x3b, 0x07, 0, 0x01, 0x08, CF | AF},
    {B_AAS, 0x0a, 0x3b, 0x07, 0, 0x05, 0x06, CF | AF},
    {B_AAA, 0x0a, 0x05, 0x12, AF, 0x0b, 0x13, CF | AF},
    {B_AAS, 0x0a, 0x05, 0x12, AF, 0x0f, 0x10, CF | AF},
    {B_AAA, 0x0a, 0x02, 0x12, AF, 0x08, 0x13, CF | AF},
    {B_AAS, 0x0a, 0x02, 0x12, AF, 0x0c, 0x10, CF | AF},
    {B_AAA, 0x0a, 0xf5, 0x12, AF, 0x0b, 0x13, CF | AF},
    {B_AAS, 0x0a, 0xf5, 0x12, AF, 0x0f, 0x11, CF | AF},
    {B_AAA, 0x0a, 0xfa, 0x12, 0, 0x00, 0x14, CF | AF},
    {B_AAS, 0x0a, 0xfa, 0x12, 0, 0x04, 0x11, CF | AF},
    {B_AAA, 0x0a, 0xff, 0xff, 0, 0x05, 0x01, CF | AF},
    {B_AAS, 0x0a, 0xff, 0xff, 0, 0x09, 0xfe, CF | AF},
    {B_AAA, 0x0a, 0x00, 0x00, AF, 0x06, 0x01, CF | AF},
    {B_AAS, 0x0a, 0x00, 0x00, AF, 0x0a, 0xfe, CF | AF},
    {B_AAA, 0x0a, 0x09, 0x05, CF, 0x09, 0x05, 0},
    {B_AAS, 0x0a, 0x09, 0x05, CF, 0x09, 0x05, 0},
    {B_AAA, 0x0a, 0x1a, 0xfe, CF | AF, 0x00, 0xff, CF | AF},
    {B_AAS, 0x0a, 0x1a, 0xfe, CF | AF, 0x04, 0xfd, CF | AF},
    {B_AAA, 0x0a, 0x06, 0x00, AF, 0x0c, 0x01, CF | AF},
    {B_AAS, 0x0a, 0x06, 0x00, AF, 0x00, 0xff, CF | AF},
    {B_AAA, 0x0a, 0x80, 0x01, 0, 0x00, 0x01, 0},
    {B_AAS, 0x0a, 0x80, 0x01, 0, 0x00, 0x01, 0},
    {B_AAM, 0x0a, 0x00, 0x33, 0, 0x00, 0x00, ZF | PF},
    {B_AAM, 0x0a, 0x09, 0x33, 0, 0x09, 0x00, PF},
    {B_AAM, 0x0a, 0x0a, 0x33, 0, 0x00, 0x01, ZF | PF},
    {B_AAM, 0x0a, 0x63, 0x33, 0, 0x09, 0x09, PF},
    {B_AAM, 0x0a, 0x64, 0x33, 0, 0x00, 0x0a, ZF | PF},
    {B_AAM, 0x0a, 0x80, 0x33, 0, 0x08, 0x0c, 0},
    {B_AAM, 0x0a, 0xff, 0x33, 0, 0x05, 0x19, PF},
    {B_AAM, 0x10, 0xff, 0x33, 0, 0x0f, 0x0f, PF},
    {B_AAM, 0x07, 0x7f, 0x33, 0, 0x01, 0x12, 0},
    {B_AAM, 0x01, 0x55, 0x33, 0, 0x00, 0x55, ZF | PF},
    {B_AAM, 0xff, 0xfe, 0x33, 0, 0xfe, 0x00, SF},
    {B_AAD, 0x0a, 0x00, 0x00, 0, 0x00, 0x00, ZF | PF},
    {B_AAD, 0x0a, 0x09, 0x09, 0, 0x63, 0x00, PF},
    {B_AAD, 0x0a, 0x05, 0x01, 0, 0x0f, 0x00, PF},
    {B_AAD, 0x0a, 0x09, 0xff, 0, 0xff, 0x00, SF | PF},
    {B_AAD, 0x0a, 0x0a, 0x0a, 0, 0x6e, 0x00, 0},
    {B_AAD, 0x0a, 0xff, 0xff, 0, 0xf5, 0x00, SF | PF},
    {B_AAD, 0x10, 0x0f, 0x0f, 0, 0xff, 0x00, SF | PF},
    {B_AAD, 0x07, 0x06, 0x24, 0, 0x02, 0x00, 0},
    {B_AAD, 0x01, 0x80, 0x00, 0, 0x80, 0x00, SF},
    {B_AAD, 0x02, 0x00, 0x80, 0, 0x00, 0x00, ZF | PF},
    {B_AAD, 0x00, 0xfe, 0x01, 0, 0xfe, 0x00, SF},
};

static void run_emu(int op, uint8_t imm, struct gcpu *g, bool *de)
{
	*de = false;
	switch (op) {
	case B_DAA:
		emu_daa(g);
		break;
	case B_DAS:
		emu_das(g);
		break;
	case B_AAA:
		emu_aaa(g);
		break;
	case B_AAS:
		emu_aas(g);
		break;
	case B_AAM:
		*de = !emu_aam(g, imm);
		break;
	default:
		emu_aad(g, imm);
		break;
	}
}

void sdm_bcd(void)
{
	static uint8_t mem[DX_DATA_SIZE];
	struct dstate in;
	struct dout out;
	unsigned callout_fail = 0;

	for (size_t i = 0; i < sizeof(bcd_table) / sizeof(bcd_table[0]); i++) {
		const typeof(bcd_table[0]) *t = &bcd_table[i];
		const typeof(bcd_ops[0]) *o = &bcd_ops[t->op];
		uint8_t code[3] = {o->op, t->imm, 0xf4};
		unsigned ilen = o->imm ? 2 : 1;
		char what[64];

		snprintf(what, sizeof(what), "%s al=%02x ah=%02x", o->name, t->al, t->ah);
		dx_state_default(&in);
		in.r[DX_EAX] = 0xabcd0000u | (uint32_t)t->ah << 8 | t->al;
		in.flags = t->fin | (uint32_t)(i * 0x45 & (SF | ZF | PF | OF)); /* noise */
		if (o->imm)
			code[2] = 0xf4;
		else
			code[1] = 0xf4;
		if (!sdm_expect_callout(what, code, ilen + 1, &in, mem, o->name, ilen, &out)) {
			callout_fail++;
			continue;
		}
		struct gcpu g;
		bool de;
		memset(&g, 0, sizeof(g));
		memcpy(g.regs, out.s.r, sizeof(g.regs));
		g.eflags = out.s.flags;
		run_emu(t->op, t->imm, &g, &de);
		uint32_t ax = g.regs[GR_EAX];
		sdm_check(
		    !de && (ax >> 16) == 0xabcd && (uint8_t)ax == t->al_out &&
			(uint8_t)(ax >> 8) == t->ah_out && ((g.eflags ^ t->fout) & o->defined) == 0,
		    what, code, ilen,
		    "monitor/emulate.c gives al=%02x ah=%02x flags=%03x (upper %04x)%s; the SDM "
		    "says al=%02x ah=%02x flags=%03x (compared %03x)",
		    (uint8_t)ax, (uint8_t)(ax >> 8), g.eflags & o->defined, ax >> 16,
		    de ? " #DE" : "", t->al_out, t->ah_out, t->fout & o->defined, o->defined);
	}
	/* aam 0: #DE (SDM: "IF imm8 = 0 THEN #DE") */
	{
		uint8_t code[3] = {0xd4, 0x00, 0xf4};
		dx_state_default(&in);
		in.r[DX_EAX] = 0x1234;
		if (sdm_expect_callout("aam 0", code, 3, &in, mem, "aam", 2, &out)) {
			struct gcpu g;
			bool de;
			memset(&g, 0, sizeof(g));
			memcpy(g.regs, out.s.r, sizeof(g.regs));
			run_emu(B_AAM, 0, &g, &de);
			sdm_check(de && g.regs[GR_EAX] == 0x1234, "aam 0", code, 2,
				  "expected #DE with eax unchanged, got de=%d eax=%08x", de,
				  g.regs[GR_EAX]);
		}
	}
	if (callout_fail)
		printf("  (%u BCD rows did not reach their callout)\n", callout_fail);
}

/* ---- one-byte inc/dec, opcode 82, salc ---------------------------------------- */

static void one(const char *what, const uint8_t *code, unsigned len, int reg, uint32_t before,
		uint32_t fin, uint32_t after, uint32_t fout, uint32_t fmask)
{
	static uint8_t mem[DX_DATA_SIZE];
	struct dstate in, exp;
	uint8_t buf[8];

	memcpy(buf, code, len);
	buf[len] = 0xf4;
	dx_state_default(&in);
	for (int i = 0; i < 8; i++)
		in.r[i] = 0x01010101u * (uint32_t)(i + 1);
	in.r[reg] = before;
	in.flags = fin;
	exp = in;
	exp.r[reg] = after;
	exp.flags = fout;
	sdm_expect(what, buf, len + 1, &in, mem, &exp, mem, fmask);
}

#define ALL (CF | PF | AF | ZF | SF | OF | S_DF)

void sdm_short_forms(void)
{
	/* inc/dec r32 (40+r, 48+r) and r16 (66 40+r): CF is kept, the rest as add/sub 1 */
	one("inc eax", (const uint8_t[]){0x40}, 1, DX_EAX, 0x7fffffff, CF, 0x80000000,
	    CF | OF | SF | AF | PF, ALL);
	one("inc eax", (const uint8_t[]){0x40}, 1, DX_EAX, 0x7fffffff, 0, 0x80000000,
	    OF | SF | AF | PF, ALL);
	one("inc eax", (const uint8_t[]){0x40}, 1, DX_EAX, 0xffffffff, 0, 0, ZF | AF | PF, ALL);
	one("inc ecx", (const uint8_t[]){0x41}, 1, DX_ECX, 0x0000000e, CF | ZF, 0x0000000f, CF | PF,
	    ALL);
	one("dec edx", (const uint8_t[]){0x4a}, 1, DX_EDX, 0x80000000, S_DF, 0x7fffffff,
	    S_DF | OF | AF | PF, ALL);
	one("dec ebx", (const uint8_t[]){0x4b}, 1, DX_EBX, 1, CF | SF, 0, CF | ZF | PF, ALL);
	one("dec esp", (const uint8_t[]){0x4c}, 1, DX_ESP, 0, 0, 0xffffffff, SF | AF | PF, ALL);
	one("inc esp", (const uint8_t[]){0x44}, 1, DX_ESP, 0x20001fff, CF, 0x20002000, CF | AF | PF,
	    ALL);
	one("inc ebp", (const uint8_t[]){0x45}, 1, DX_EBP, 0x12345678, CF | OF, 0x12345679, CF,
	    ALL);
	one("inc edi", (const uint8_t[]){0x47}, 1, DX_EDI, 0x0000007f, 0, 0x00000080, AF, ALL);
	one("dec esi", (const uint8_t[]){0x4e}, 1, DX_ESI, 0x00000100, CF, 0x000000ff, CF | AF | PF,
	    ALL);
	one("dec edi", (const uint8_t[]){0x4f}, 1, DX_EDI, 0x00000000, CF | ZF, 0xffffffff,
	    CF | SF | AF | PF, ALL);
	one("inc ax", (const uint8_t[]){0x66, 0x40}, 2, DX_EAX, 0x1234ffff, CF, 0x12340000,
	    CF | ZF | AF | PF, ALL);
	one("inc sp", (const uint8_t[]){0x66, 0x44}, 2, DX_ESP, 0x20007fff, 0, 0x20008000,
	    OF | SF | AF | PF, ALL);
	one("dec si", (const uint8_t[]){0x66, 0x4e}, 2, DX_ESI, 0xabcd8000, 0, 0xabcd7fff,
	    OF | AF | PF, ALL);
	one("dec bx", (const uint8_t[]){0x66, 0x4b}, 2, DX_EBX, 0xffff0001, CF, 0xffff0000,
	    CF | ZF | PF, ALL);

	/* opcode 82: the 8-bit ALU group with imm8, an alias of 80 (invalid in 64-bit mode) */
	one("82 add al,1", (const uint8_t[]){0x82, 0xc0, 0x01}, 3, DX_EAX, 0x000000ff, 0, 0,
	    CF | ZF | AF | PF, ALL);
	one("82 sub cl,1", (const uint8_t[]){0x82, 0xe9, 0x01}, 3, DX_ECX, 0x00000080, 0, 0x7f,
	    OF | AF, ALL);
	one("82 cmp al,80", (const uint8_t[]){0x82, 0xf8, 0x80}, 3, DX_EAX, 0x00000000, 0, 0,
	    CF | OF | SF, ALL);
	one("82 and al,0f", (const uint8_t[]){0x82, 0xe0, 0x0f}, 3, DX_EAX, 0x000000f0, CF | OF, 0,
	    ZF | PF, ALL & ~AF);
	one("82 adc bl,0", (const uint8_t[]){0x82, 0xd3, 0x00}, 3, DX_EBX, 0x000000ff, CF, 0,
	    CF | ZF | AF | PF, ALL);
	one("82 sbb dh,1", (const uint8_t[]){0x82, 0xde, 0x01}, 3, DX_EDX, 0x00000100, CF, 0xff00,
	    CF | SF | AF | PF, ALL);
	one("82 or ah,0", (const uint8_t[]){0x82, 0xcc, 0x00}, 3, DX_EAX, 0x00008100, CF | OF,
	    0x8100, SF | PF, ALL & ~AF);
	one("82 xor ch,ff", (const uint8_t[]){0x82, 0xf5, 0xff}, 3, DX_ECX, 0x0000ff00, SF, 0,
	    ZF | PF, ALL & ~AF);

	/* salc: AL := CF ? FF : 00, flags unchanged (undocumented, D6) */
	one("salc cf=1", (const uint8_t[]){0xd6}, 1, DX_EAX, 0x12345678, CF | ZF, 0x123456ff,
	    CF | ZF, ALL);
	one("salc cf=0", (const uint8_t[]){0xd6}, 1, DX_EAX, 0x123456ff, SF | OF | S_DF, 0x12345600,
	    SF | OF | S_DF, ALL);
}
