/*
 * forms.c — the instruction forms the host-CPU differential test covers:
 * every form whose encoding and meaning are the same in 32-bit and 64-bit
 * mode (ALU, shifts and rotates, mul/div, bit operations, setcc/cmovcc,
 * cmpxchg/xadd/xchg, moves and extensions, strings through esi/edi, x87,
 * MMX, SSE/SSE2 and a few later extensions), plus the 32-bit-only opcodes
 * that have an exact 64-bit twin (82 = 80, 40+r = FF /0, 48+r = FF /1).
 *
 * Undefined flags (gen.h U_*), per the Intel SDM "Flags Affected":
 *   and or xor test         AF
 *   shl shr sar             AF if count != 0; OF if count > 1; CF (shl, shr)
 *                           if count >= operand size
 *   rol ror rcl rcr         OF if masked count > 1
 *   shld shrd               AF if count != 0; OF if count > 1
 *   mul imul (all forms)    SF ZF AF PF
 *   div idiv                CF PF AF ZF SF OF
 *   bsf bsr                 CF OF SF AF PF
 *   bt bts btr btc          OF SF AF PF
 *   lzcnt tzcnt             OF SF AF PF
 *   x87 arithmetic (FL_X87A) C0 C2 C3
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/diff/gen.h"

#define MAXFORMS 768

static struct form tab[MAXFORMS];
static unsigned ntab;
static char names[MAXFORMS * 32];
static size_t names_used;

static struct form *add_b(const char *mn, const uint8_t *op, unsigned nop, uint8_t kind,
			  uint8_t digit, uint8_t imm, uint8_t size, uint16_t msize, uint8_t undef,
			  uint8_t fix, uint16_t fl)
{
	if (ntab == MAXFORMS || nop > sizeof(tab[0].op)) {
		fprintf(stderr, "forms.c: table full\n");
		abort();
	}
	struct form *f = &tab[ntab++];
	char *name = names + names_used;
	int n = snprintf(name, 32, "%s", mn);
	for (unsigned i = 0; i < nop && n < 28; i++)
		n += snprintf(name + n, (size_t)(32 - n), " %02x", op[i]);
	if (kind == K_ED || kind == K_MD || kind == K_RD)
		n += snprintf(name + n, (size_t)(32 - n), "/%u", digit);
	if (kind == K_OREG)
		n += snprintf(name + n, (size_t)(32 - n), "+r");
	names_used += (size_t)n + 1;
	*f = (struct form){.name = name,
			   .nop = (uint8_t)nop,
			   .kind = kind,
			   .digit = digit,
			   .imm = imm,
			   .size = size,
			   .msize = msize,
			   .undef = undef,
			   .fix = fix,
			   .fl = fl};
	memcpy(f->op, op, nop);
	f->mand = nop > 1 && (op[0] == 0x66 || op[0] == 0xf2 || op[0] == 0xf3);
	return f;
}

/* OPS: hex bytes separated by spaces */
static struct form *add(const char *mn, const char *ops, uint8_t kind, uint8_t digit, uint8_t imm,
			uint8_t size, uint16_t msize, uint8_t undef, uint8_t fix, uint16_t fl)
{
	uint8_t op[8];
	unsigned n = 0;
	for (const char *p = ops; *p && n < 8;) {
		char *end;
		op[n++] = (uint8_t)strtoul(p, &end, 16);
		p = end;
	}
	return add_b(mn, op, n, kind, digit, imm, size, msize, undef, fix, fl);
}

static void one(const char *mn, uint8_t op, uint8_t kind, uint8_t digit, uint8_t imm, uint8_t size,
		uint8_t undef, uint8_t fix, uint16_t fl)
{
	add_b(mn, &op, 1, kind, digit, imm, size, 0, undef, fix, fl);
}

static void integer_forms(void)
{
	static const char *const alu[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
	for (uint8_t n = 0; n < 8; n++) {
		uint8_t u = (n == 1 || n == 4 || n == 6) ? U_AF : U_NONE;
		uint16_t lk = n != 7 ? FL_LOCK : 0;
		uint8_t b = (uint8_t)(n * 8);
		one(alu[n], b + 0, K_E, 0, I_NONE, Z_8, u, X_NONE, lk);
		one(alu[n], b + 1, K_E, 0, I_NONE, Z_V, u, X_NONE, lk);
		one(alu[n], b + 2, K_E, 0, I_NONE, Z_8, u, X_NONE, 0);
		one(alu[n], b + 3, K_E, 0, I_NONE, Z_V, u, X_NONE, 0);
		one(alu[n], b + 4, K_NONE, 0, I_8, Z_8, u, X_NONE, 0);
		one(alu[n], b + 5, K_NONE, 0, I_Z, Z_V, u, X_NONE, 0);
		one(alu[n], 0x80, K_ED, n, I_8, Z_8, u, X_NONE, lk);
		one(alu[n], 0x81, K_ED, n, I_Z, Z_V, u, X_NONE, lk);
		one(alu[n], 0x83, K_ED, n, I_8, Z_V, u, X_NONE, lk);
		one(alu[n], 0x82, K_ED, n, I_8, Z_8, u, X_NONE, lk | FL_SUB82);
	}
	static const char *const sh[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", NULL, "sar"};
	for (uint8_t d = 0; d < 8; d++) {
		if (!sh[d])
			continue;
		uint8_t u = d < 4 ? U_ROT : U_SHIFT;
		one(sh[d], 0xc0, K_ED, d, I_CNT, Z_8, u, X_NONE, 0);
		one(sh[d], 0xc1, K_ED, d, I_CNT, Z_V, u, X_NONE, 0);
		one(sh[d], 0xd0, K_ED, d, I_NONE, Z_8, u, X_NONE, 0);
		one(sh[d], 0xd1, K_ED, d, I_NONE, Z_V, u, X_NONE, 0);
		one(sh[d], 0xd2, K_ED, d, I_NONE, Z_8, u, X_CL, 0);
		one(sh[d], 0xd3, K_ED, d, I_NONE, Z_V, u, X_CL, 0);
	}
	static const struct {
		const char *mn;
		uint8_t undef, fix;
		uint16_t fl;
	} grp3[8] = {{"test", U_AF, X_NONE, 0},	       {NULL, 0, 0, 0},
		     {"not", U_NONE, X_NONE, FL_LOCK}, {"neg", U_NONE, X_NONE, FL_LOCK},
		     {"mul", U_MUL, X_NONE, 0},	       {"imul", U_MUL, X_NONE, 0},
		     {"div", U_DIV, X_DIV, 0},	       {"idiv", U_DIV, X_IDIV, 0}};
	for (uint8_t d = 0; d < 8; d++) {
		if (!grp3[d].mn)
			continue;
		one(grp3[d].mn, 0xf6, K_ED, d, d ? I_NONE : I_8, Z_8, grp3[d].undef, grp3[d].fix,
		    grp3[d].fl);
		one(grp3[d].mn, 0xf7, K_ED, d, d ? I_NONE : I_Z, Z_V, grp3[d].undef, grp3[d].fix,
		    grp3[d].fl);
	}
	one("test", 0x84, K_E, 0, I_NONE, Z_8, U_AF, X_NONE, 0);
	one("test", 0x85, K_E, 0, I_NONE, Z_V, U_AF, X_NONE, 0);
	one("test", 0xa8, K_NONE, 0, I_8, Z_8, U_AF, X_NONE, 0);
	one("test", 0xa9, K_NONE, 0, I_Z, Z_V, U_AF, X_NONE, 0);
	one("inc", 0xfe, K_ED, 0, I_NONE, Z_8, U_NONE, X_NONE, FL_LOCK);
	one("dec", 0xfe, K_ED, 1, I_NONE, Z_8, U_NONE, X_NONE, FL_LOCK);
	one("inc", 0xff, K_ED, 0, I_NONE, Z_V, U_NONE, X_NONE, FL_LOCK);
	one("dec", 0xff, K_ED, 1, I_NONE, Z_V, U_NONE, X_NONE, FL_LOCK);
	one("inc", 0x40, K_OREG, 0, I_NONE, Z_V, U_NONE, X_NONE, FL_SHORT);
	one("dec", 0x48, K_OREG, 0, I_NONE, Z_V, U_NONE, X_NONE, FL_SHORT);
	add("imul", "0f af", K_E, 0, I_NONE, Z_V, 0, U_MUL, X_NONE, 0);
	one("imul", 0x69, K_E, 0, I_Z, Z_V, U_MUL, X_NONE, 0);
	one("imul", 0x6b, K_E, 0, I_8, Z_V, U_MUL, X_NONE, 0);

	add("bt", "0f a3", K_E, 0, I_NONE, Z_V, 0, U_BT, X_BTREG, 0);
	add("bts", "0f ab", K_E, 0, I_NONE, Z_V, 0, U_BT, X_BTREG, FL_LOCK);
	add("btr", "0f b3", K_E, 0, I_NONE, Z_V, 0, U_BT, X_BTREG, FL_LOCK);
	add("btc", "0f bb", K_E, 0, I_NONE, Z_V, 0, U_BT, X_BTREG, FL_LOCK);
	add("bt", "0f ba", K_ED, 4, I_8, Z_V, 0, U_BT, X_NONE, 0);
	add("bts", "0f ba", K_ED, 5, I_8, Z_V, 0, U_BT, X_NONE, FL_LOCK);
	add("btr", "0f ba", K_ED, 6, I_8, Z_V, 0, U_BT, X_NONE, FL_LOCK);
	add("btc", "0f ba", K_ED, 7, I_8, Z_V, 0, U_BT, X_NONE, FL_LOCK);
	add("bsf", "0f bc", K_E, 0, I_NONE, Z_V, 0, U_BSF, X_NONE, 0);
	add("bsr", "0f bd", K_E, 0, I_NONE, Z_V, 0, U_BSF, X_NONE, 0);
	add("bswap", "0f c8", K_OREG, 0, I_NONE, Z_32, 0, U_NONE, X_NONE, 0);
	add("popcnt", "f3 0f b8", K_E, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, 0);
	add("tzcnt", "f3 0f bc", K_E, 0, I_NONE, Z_V, 0, U_CNT, X_NONE, 0);
	add("lzcnt", "f3 0f bd", K_E, 0, I_NONE, Z_V, 0, U_CNT, X_NONE, 0);
	add("movbe", "0f 38 f0", K_M, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, 0);
	add("movbe", "0f 38 f1", K_M, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, 0);
	add("crc32", "f2 0f 38 f0", K_E, 0, I_NONE, Z_X, 1, U_NONE, X_NONE, 0);
	add("crc32", "f2 0f 38 f1", K_E, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, 0);
	for (uint8_t cc = 0; cc < 16; cc++) {
		add_b("setcc", (const uint8_t[]){0x0f, (uint8_t)(0x90 + cc)}, 2, K_ED, 0, I_NONE,
		      Z_8, 1, U_NONE, X_NONE, FL_BYTEDST);
		add_b("cmovcc", (const uint8_t[]){0x0f, (uint8_t)(0x40 + cc)}, 2, K_E, 0, I_NONE,
		      Z_V, 0, U_NONE, X_NONE, 0);
	}
	add("cmpxchg", "0f b0", K_E, 0, I_NONE, Z_8, 0, U_NONE, X_CMPXCHG, FL_LOCK);
	add("cmpxchg", "0f b1", K_E, 0, I_NONE, Z_V, 0, U_NONE, X_CMPXCHG, FL_LOCK);
	add("cmpxchg8b", "0f c7", K_MD, 1, I_NONE, Z_X, 8, U_NONE, X_CX8, FL_LOCK);
	add("xadd", "0f c0", K_E, 0, I_NONE, Z_8, 0, U_NONE, X_NONE, FL_LOCK);
	add("xadd", "0f c1", K_E, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, FL_LOCK);
	one("xchg", 0x86, K_E, 0, I_NONE, Z_8, U_NONE, X_NONE, FL_LOCK);
	one("xchg", 0x87, K_E, 0, I_NONE, Z_V, U_NONE, X_NONE, FL_LOCK);
	one("xchg", 0x90, K_OREG, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	add("movzx", "0f b6", K_E, 0, I_NONE, Z_V, 1, U_NONE, X_NONE, 0);
	add("movzx", "0f b7", K_E, 0, I_NONE, Z_V, 2, U_NONE, X_NONE, 0);
	add("movsx", "0f be", K_E, 0, I_NONE, Z_V, 1, U_NONE, X_NONE, 0);
	add("movsx", "0f bf", K_E, 0, I_NONE, Z_V, 2, U_NONE, X_NONE, 0);
	one("lea", 0x8d, K_M, 0, I_NONE, Z_V, U_NONE, X_NONE, FL_NOACC);
	add("nop", "0f 1f", K_ED, 0, I_NONE, Z_V, 0, U_NONE, X_NONE, FL_NOACC);
	one("cwde", 0x98, K_NONE, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	one("cdq", 0x99, K_NONE, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	static const uint8_t flagops[] = {0x9e, 0x9f, 0xf5, 0xf8, 0xf9, 0xfc, 0xfd};
	static const char *const flagnames[] = {"sahf", "lahf", "cmc", "clc", "stc", "cld", "std"};
	for (unsigned i = 0; i < sizeof(flagops); i++)
		one(flagnames[i], flagops[i], K_NONE, 0, I_NONE, Z_X, U_NONE, X_NONE, 0);
	one("mov", 0x88, K_E, 0, I_NONE, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0x89, K_E, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	one("mov", 0x8a, K_E, 0, I_NONE, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0x8b, K_E, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	one("mov", 0xc6, K_ED, 0, I_8, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0xc7, K_ED, 0, I_Z, Z_V, U_NONE, X_NONE, 0);
	one("mov", 0xa0, K_MOFFS, 0, I_NONE, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0xa1, K_MOFFS, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	one("mov", 0xa2, K_MOFFS, 0, I_NONE, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0xa3, K_MOFFS, 0, I_NONE, Z_V, U_NONE, X_NONE, 0);
	one("mov", 0xb0, K_OREG, 0, I_8, Z_8, U_NONE, X_NONE, 0);
	one("mov", 0xb8, K_OREG, 0, I_Z, Z_V, U_NONE, X_NONE, 0);
	add("shld", "0f a4", K_E, 0, I_CNT, Z_V, 0, U_SHXD, X_NONE, FL_SHXD16);
	add("shld", "0f a5", K_E, 0, I_NONE, Z_V, 0, U_SHXD, X_CL, FL_SHXD16);
	add("shrd", "0f ac", K_E, 0, I_CNT, Z_V, 0, U_SHXD, X_NONE, FL_SHXD16);
	add("shrd", "0f ad", K_E, 0, I_NONE, Z_V, 0, U_SHXD, X_CL, FL_SHXD16);
	static const char *const str[] = {"movs", "cmps", NULL, "stos", "lods", "scas"};
	for (uint8_t i = 0; i < 6; i++) {
		if (!str[i])
			continue;
		uint16_t fl = FL_ADDR | (i == 1 || i == 5 ? FL_REPCC : FL_REP);
		one(str[i], (uint8_t)(0xa4 + 2 * i), K_NONE, 0, I_NONE, Z_8, U_NONE, X_STR, fl);
		one(str[i], (uint8_t)(0xa5 + 2 * i), K_NONE, 0, I_NONE, Z_V, U_NONE, X_STR, fl);
	}
	one("xlat", 0xd7, K_NONE, 0, I_NONE, Z_X, U_NONE, X_XLAT, FL_ADDR);
	add("pause", "f3 90", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
	add("ud2", "0f 0b", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
}

static void x87_forms(void)
{
	static const char *const ar[8] = {"fadd", "fmul",  "fcom", "fcomp",
					  "fsub", "fsubr", "fdiv", "fdivr"};
	static const char *const iar[8] = {"fiadd", "fimul",  "ficom", "ficomp",
					   "fisub", "fisubr", "fidiv", "fidivr"};
	static const char *const arp[8] = {"faddp",  "fmulp", NULL,	NULL,
					   "fsubrp", "fsubp", "fdivrp", "fdivp"};
	for (uint8_t d = 0; d < 8; d++) {
		uint16_t a = d == 2 || d == 3 ? 0 : FL_X87A;
		add(ar[d], "d8", K_MD, d, I_NONE, Z_X, 4, U_NONE, X_NONE, a);
		add(ar[d], "d8", K_RD, d, I_NONE, Z_X, 0, U_NONE, X_NONE, a);
		add(ar[d], "dc", K_MD, d, I_NONE, Z_X, 8, U_NONE, X_NONE, a);
		add(iar[d], "da", K_MD, d, I_NONE, Z_X, 4, U_NONE, X_NONE, a);
		add(iar[d], "de", K_MD, d, I_NONE, Z_X, 2, U_NONE, X_NONE, a);
		if (arp[d]) {
			add(ar[d], "dc", K_RD, d, I_NONE, Z_X, 0, U_NONE, X_NONE, a);
			add(arp[d], "de", K_RD, d, I_NONE, Z_X, 0, U_NONE, X_NONE, a);
		}
	}
	static const struct {
		const char *mn, *op;
		uint8_t kind, digit;
		uint16_t msize, fl;
	} t[] = {
	    {"fld", "d9", K_MD, 0, 4, FL_X87A},	     {"fst", "d9", K_MD, 2, 4, FL_X87A},
	    {"fstp", "d9", K_MD, 3, 4, FL_X87A},     {"fldenv", "d9", K_MD, 4, 28, 0},
	    {"fldcw", "d9", K_MD, 5, 2, FL_X87A},    {"fnstcw", "d9", K_MD, 7, 2, FL_X87A},
	    {"fld", "d9", K_RD, 0, 0, FL_X87A},	     {"fxch", "d9", K_RD, 1, 0, FL_X87A},
	    {"fcmovb", "da", K_RD, 0, 0, FL_X87A},   {"fcmove", "da", K_RD, 1, 0, FL_X87A},
	    {"fcmovbe", "da", K_RD, 2, 0, FL_X87A},  {"fcmovu", "da", K_RD, 3, 0, FL_X87A},
	    {"fild", "db", K_MD, 0, 4, FL_X87A},     {"fisttp", "db", K_MD, 1, 4, FL_X87A},
	    {"fist", "db", K_MD, 2, 4, FL_X87A},     {"fistp", "db", K_MD, 3, 4, FL_X87A},
	    {"fld", "db", K_MD, 5, 10, FL_X87A},     {"fstp", "db", K_MD, 7, 10, FL_X87A},
	    {"fcmovnb", "db", K_RD, 0, 0, FL_X87A},  {"fcmovne", "db", K_RD, 1, 0, FL_X87A},
	    {"fcmovnbe", "db", K_RD, 2, 0, FL_X87A}, {"fcmovnu", "db", K_RD, 3, 0, FL_X87A},
	    {"fucomi", "db", K_RD, 5, 0, 0},	     {"fcomi", "db", K_RD, 6, 0, 0},
	    {"fld", "dd", K_MD, 0, 8, FL_X87A},	     {"fisttp", "dd", K_MD, 1, 8, FL_X87A},
	    {"fst", "dd", K_MD, 2, 8, FL_X87A},	     {"fstp", "dd", K_MD, 3, 8, FL_X87A},
	    {"frstor", "dd", K_MD, 4, 108, 0},	     {"fnstsw", "dd", K_MD, 7, 2, FL_X87A},
	    {"ffree", "dd", K_RD, 0, 0, FL_X87A},    {"fst", "dd", K_RD, 2, 0, FL_X87A},
	    {"fstp", "dd", K_RD, 3, 0, FL_X87A},     {"fucom", "dd", K_RD, 4, 0, 0},
	    {"fucomp", "dd", K_RD, 5, 0, 0},	     {"fild", "df", K_MD, 0, 2, FL_X87A},
	    {"fisttp", "df", K_MD, 1, 2, FL_X87A},   {"fist", "df", K_MD, 2, 2, FL_X87A},
	    {"fistp", "df", K_MD, 3, 2, FL_X87A},    {"fbld", "df", K_MD, 4, 10, FL_X87A},
	    {"fild", "df", K_MD, 5, 8, FL_X87A},     {"fbstp", "df", K_MD, 6, 10, FL_X87A},
	    {"fistp", "df", K_MD, 7, 8, FL_X87A},    {"fucomip", "df", K_RD, 5, 0, 0},
	    {"fcomip", "df", K_RD, 6, 0, 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		add(t[i].mn, t[i].op, t[i].kind, t[i].digit, I_NONE, Z_X, t[i].msize, U_NONE,
		    X_NONE, t[i].fl);
	static const struct {
		const char *mn;
		uint8_t b;
		uint16_t fl;
	} d9[] = {{"fnop", 0xd0, FL_X87A},    {"fchs", 0xe0, FL_X87A},	  {"fabs", 0xe1, FL_X87A},
		  {"ftst", 0xe4, 0},	      {"fxam", 0xe5, 0},	  {"fld1", 0xe8, FL_X87A},
		  {"fldl2t", 0xe9, FL_X87A},  {"fldl2e", 0xea, FL_X87A},  {"fldpi", 0xeb, FL_X87A},
		  {"fldlg2", 0xec, FL_X87A},  {"fldln2", 0xed, FL_X87A},  {"fldz", 0xee, FL_X87A},
		  {"f2xm1", 0xf0, FL_X87A},   {"fyl2x", 0xf1, FL_X87A},	  {"fptan", 0xf2, 0},
		  {"fpatan", 0xf3, FL_X87A},  {"fxtract", 0xf4, FL_X87A}, {"fprem1", 0xf5, 0},
		  {"fdecstp", 0xf6, FL_X87A}, {"fincstp", 0xf7, FL_X87A}, {"fprem", 0xf8, 0},
		  {"fyl2xp1", 0xf9, FL_X87A}, {"fsqrt", 0xfa, FL_X87A},	  {"fsincos", 0xfb, 0},
		  {"frndint", 0xfc, FL_X87A}, {"fscale", 0xfd, FL_X87A},  {"fsin", 0xfe, 0},
		  {"fcos", 0xff, 0}};
	for (size_t i = 0; i < sizeof(d9) / sizeof(d9[0]); i++)
		add_b(d9[i].mn, (const uint8_t[]){0xd9, d9[i].b}, 2, K_NONE, 0, I_NONE, Z_X, 0,
		      U_NONE, X_NONE, d9[i].fl);
	add("fucompp", "da e9", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
	add("fcompp", "de d9", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
	add("fnclex", "db e2", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
	add("fninit", "db e3", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
	add("fnstsw", "df e0", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, FL_X87A);
	add("fwait", "9b", K_NONE, 0, I_NONE, Z_X, 0, U_NONE, X_NONE, 0);
}

/* SSE/SSE2 arithmetic in four flavours: ps (0f), pd (66), ss (f3), sd (f2). */
static void sse4(const char *mn, uint8_t op, unsigned which, uint8_t imm)
{
	static const uint8_t pfx[4] = {0, 0x66, 0xf3, 0xf2};
	static const uint16_t ms[4] = {16, 16, 4, 8};
	for (unsigned i = 0; i < 4; i++) {
		if (!(which & 1u << i))
			continue;
		uint8_t b[3] = {pfx[i], 0x0f, op};
		add_b(mn, i ? b : b + 1, i ? 3 : 2, K_E, 0, imm, Z_X, ms[i], U_NONE, X_NONE,
		      i < 2 ? FL_A16 : 0);
	}
}

static void sse_forms(void)
{
	static const struct {
		const char *mn;
		uint8_t op;
		unsigned which;
	} ar[] = {{"add", 0x58, 15}, {"mul", 0x59, 15},	  {"sub", 0x5c, 15},  {"min", 0x5d, 15},
		  {"div", 0x5e, 15}, {"max", 0x5f, 15},	  {"sqrt", 0x51, 15}, {"rsqrt", 0x52, 5},
		  {"rcp", 0x53, 5},  {"and", 0x54, 3},	  {"andn", 0x55, 3},  {"or", 0x56, 3},
		  {"xor", 0x57, 3},  {"unpckl", 0x14, 3}, {"unpckh", 0x15, 3}};
	for (size_t i = 0; i < sizeof(ar) / sizeof(ar[0]); i++)
		sse4(ar[i].mn, ar[i].op, ar[i].which, I_NONE);
	sse4("cmp", 0xc2, 15, I_CMP);
	sse4("shuf", 0xc6, 3, I_8);
	static const struct {
		const char *mn, *op;
		uint8_t kind, imm;
		uint16_t msize, fl;
		uint8_t fix;
	} t[] = {
	    {"movups", "0f 10", K_E, 0, 16, 0, 0},
	    {"movupd", "66 0f 10", K_E, 0, 16, 0, 0},
	    {"movss", "f3 0f 10", K_E, 0, 4, 0, 0},
	    {"movsd", "f2 0f 10", K_E, 0, 8, 0, 0},
	    {"movups", "0f 11", K_E, 0, 16, 0, 0},
	    {"movupd", "66 0f 11", K_E, 0, 16, 0, 0},
	    {"movss", "f3 0f 11", K_E, 0, 4, 0, 0},
	    {"movsd", "f2 0f 11", K_E, 0, 8, 0, 0},
	    {"movaps", "0f 28", K_E, 0, 16, FL_A16, 0},
	    {"movapd", "66 0f 28", K_E, 0, 16, FL_A16, 0},
	    {"movaps", "0f 29", K_E, 0, 16, FL_A16, 0},
	    {"movapd", "66 0f 29", K_E, 0, 16, FL_A16, 0},
	    {"cvtpi2ps", "0f 2a", K_E, 0, 8, 0, 0},
	    {"cvtsi2ss", "f3 0f 2a", K_E, 0, 4, 0, 0},
	    {"cvtpi2pd", "66 0f 2a", K_E, 0, 8, 0, 0},
	    {"cvtsi2sd", "f2 0f 2a", K_E, 0, 4, 0, 0},
	    {"cvttps2pi", "0f 2c", K_E, 0, 8, 0, 0},
	    {"cvttss2si", "f3 0f 2c", K_E, 0, 4, 0, 0},
	    {"cvttpd2pi", "66 0f 2c", K_E, 0, 16, FL_A16, 0},
	    {"cvttsd2si", "f2 0f 2c", K_E, 0, 8, 0, 0},
	    {"cvtps2pi", "0f 2d", K_E, 0, 8, 0, 0},
	    {"cvtss2si", "f3 0f 2d", K_E, 0, 4, 0, 0},
	    {"cvtpd2pi", "66 0f 2d", K_E, 0, 16, FL_A16, 0},
	    {"cvtsd2si", "f2 0f 2d", K_E, 0, 8, 0, 0},
	    {"ucomiss", "0f 2e", K_E, 0, 4, 0, 0},
	    {"ucomisd", "66 0f 2e", K_E, 0, 8, 0, 0},
	    {"comiss", "0f 2f", K_E, 0, 4, 0, 0},
	    {"comisd", "66 0f 2f", K_E, 0, 8, 0, 0},
	    {"cvtps2pd", "0f 5a", K_E, 0, 8, 0, 0},
	    {"cvtpd2ps", "66 0f 5a", K_E, 0, 16, FL_A16, 0},
	    {"cvtss2sd", "f3 0f 5a", K_E, 0, 4, 0, 0},
	    {"cvtsd2ss", "f2 0f 5a", K_E, 0, 8, 0, 0},
	    {"cvtdq2ps", "0f 5b", K_E, 0, 16, FL_A16, 0},
	    {"cvtps2dq", "66 0f 5b", K_E, 0, 16, FL_A16, 0},
	    {"cvttps2dq", "f3 0f 5b", K_E, 0, 16, FL_A16, 0},
	    {"cvttpd2dq", "66 0f e6", K_E, 0, 16, FL_A16, 0},
	    {"cvtpd2dq", "f2 0f e6", K_E, 0, 16, FL_A16, 0},
	    {"cvtdq2pd", "f3 0f e6", K_E, 0, 8, 0, 0},
	    {"movlps", "0f 12", K_M, 0, 8, 0, 0},
	    {"movhlps", "0f 12", K_R, 0, 0, 0, 0},
	    {"movlpd", "66 0f 12", K_M, 0, 8, 0, 0},
	    {"movlps", "0f 13", K_M, 0, 8, 0, 0},
	    {"movlpd", "66 0f 13", K_M, 0, 8, 0, 0},
	    {"movhps", "0f 16", K_M, 0, 8, 0, 0},
	    {"movlhps", "0f 16", K_R, 0, 0, 0, 0},
	    {"movhpd", "66 0f 16", K_M, 0, 8, 0, 0},
	    {"movhps", "0f 17", K_M, 0, 8, 0, 0},
	    {"movhpd", "66 0f 17", K_M, 0, 8, 0, 0},
	    {"movmskps", "0f 50", K_R, 0, 0, 0, 0},
	    {"movmskpd", "66 0f 50", K_R, 0, 0, 0, 0},
	    {"movntps", "0f 2b", K_M, 0, 16, FL_A16, 0},
	    {"movntpd", "66 0f 2b", K_M, 0, 16, FL_A16, 0},
	    {"movntdq", "66 0f e7", K_M, 0, 16, FL_A16, 0},
	    {"movntq", "0f e7", K_M, 0, 8, 0, 0},
	    {"movnti", "0f c3", K_M, 0, 4, 0, 0},
	    {"pmovmskb", "66 0f d7", K_R, 0, 0, 0, 0},
	    {"pmovmskb", "0f d7", K_R, 0, 0, 0, 0},
	    {"pshufd", "66 0f 70", K_E, I_8, 16, FL_A16, 0},
	    {"pshufhw", "f3 0f 70", K_E, I_8, 16, FL_A16, 0},
	    {"pshuflw", "f2 0f 70", K_E, I_8, 16, FL_A16, 0},
	    {"pshufw", "0f 70", K_E, I_8, 8, 0, 0},
	    {"movd", "66 0f 6e", K_E, 0, 4, 0, 0},
	    {"movd", "0f 6e", K_E, 0, 4, 0, 0},
	    {"movd", "66 0f 7e", K_E, 0, 4, 0, 0},
	    {"movd", "0f 7e", K_E, 0, 4, 0, 0},
	    {"movq", "f3 0f 7e", K_E, 0, 8, 0, 0},
	    {"movq", "66 0f d6", K_E, 0, 8, 0, 0},
	    {"movdqa", "66 0f 6f", K_E, 0, 16, FL_A16, 0},
	    {"movdqu", "f3 0f 6f", K_E, 0, 16, 0, 0},
	    {"movq", "0f 6f", K_E, 0, 8, 0, 0},
	    {"movdqa", "66 0f 7f", K_E, 0, 16, FL_A16, 0},
	    {"movdqu", "f3 0f 7f", K_E, 0, 16, 0, 0},
	    {"movq", "0f 7f", K_E, 0, 8, 0, 0},
	    {"pinsrw", "66 0f c4", K_E, I_8, 2, 0, 0},
	    {"pinsrw", "0f c4", K_E, I_8, 2, 0, 0},
	    {"pextrw", "66 0f c5", K_R, I_8, 0, 0, 0},
	    {"pextrw", "0f c5", K_R, I_8, 0, 0, 0},
	    {"maskmovdqu", "66 0f f7", K_R, 0, 16, FL_ADDR, X_MASKMOV},
	    {"maskmovq", "0f f7", K_R, 0, 8, FL_ADDR, X_MASKMOV},
	    {"emms", "0f 77", K_NONE, 0, 0, 0, 0},
	    {"pshufb", "66 0f 38 00", K_E, 0, 16, FL_A16, 0},
	    {"pshufb", "0f 38 00", K_E, 0, 8, 0, 0},
	    {"ptest", "66 0f 38 17", K_E, 0, 16, FL_A16, 0},
	    {"pminsd", "66 0f 38 39", K_E, 0, 16, FL_A16, 0},
	    {"pmulld", "66 0f 38 40", K_E, 0, 16, FL_A16, 0},
	    {"packusdw", "66 0f 38 2b", K_E, 0, 16, FL_A16, 0},
	    {"palignr", "66 0f 3a 0f", K_E, I_8, 16, FL_A16, 0},
	    {"pextrd", "66 0f 3a 16", K_E, I_8, 4, 0, 0},
	    {"pinsrd", "66 0f 3a 22", K_E, I_8, 4, 0, 0},
	    {"roundss", "66 0f 3a 0a", K_E, I_RND, 4, 0, 0},
	    {"roundsd", "66 0f 3a 0b", K_E, I_RND, 8, 0, 0},
	    {"haddps", "f2 0f 7c", K_E, 0, 16, FL_A16, 0},
	    {"haddpd", "66 0f 7c", K_E, 0, 16, FL_A16, 0},
	    {"addsubps", "f2 0f d0", K_E, 0, 16, FL_A16, 0},
	    {"movsldup", "f3 0f 12", K_E, 0, 16, FL_A16, 0},
	    {"movddup", "f2 0f 12", K_E, 0, 8, 0, 0},
	    {"lddqu", "f2 0f f0", K_M, 0, 16, 0, 0},
	    {"lfence", "0f ae e8", K_NONE, 0, 0, 0, 0},
	    {"mfence", "0f ae f0", K_NONE, 0, 0, 0, 0},
	    {"sfence", "0f ae f8", K_NONE, 0, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		add(t[i].mn, t[i].op, t[i].kind, 0, t[i].imm, Z_X, t[i].msize, U_NONE, t[i].fix,
		    t[i].fl);
	add("ldmxcsr", "0f ae", K_MD, 2, I_NONE, Z_X, 4, U_NONE, X_MXCSR, 0);
	add("stmxcsr", "0f ae", K_MD, 3, I_NONE, Z_X, 4, U_NONE, X_NONE, 0);
	add("fxrstor", "0f ae", K_MD, 1, I_NONE, Z_X, 512, U_NONE, X_FXRSTOR, FL_A16);
	add("clflush", "0f ae", K_MD, 7, I_NONE, Z_X, 1, U_NONE, X_NONE, 0);
	for (uint8_t d = 0; d < 4; d++)
		add("prefetch", "0f 18", K_MD, d, I_NONE, Z_X, 1, U_NONE, X_NONE, 0);

	/* packed integer: MMX (0f, m64) and SSE2 (66 0f, m128) */
	static const uint8_t pint[] = {
	    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75,
	    0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	    0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe};
	for (size_t i = 0; i < sizeof(pint); i++) {
		add_b("mmx", (const uint8_t[]){0x0f, pint[i]}, 2, K_E, 0, I_NONE, Z_X, 8, U_NONE,
		      X_NONE, 0);
		add_b("sse2", (const uint8_t[]){0x66, 0x0f, pint[i]}, 3, K_E, 0, I_NONE, Z_X, 16,
		      U_NONE, X_NONE, FL_A16);
	}
	add("punpcklqdq", "66 0f 6c", K_E, 0, I_NONE, Z_X, 16, U_NONE, X_NONE, FL_A16);
	add("punpckhqdq", "66 0f 6d", K_E, 0, I_NONE, Z_X, 16, U_NONE, X_NONE, FL_A16);
	static const struct {
		uint8_t op, digit, xmm_only;
	} shi[] = {{0x71, 2, 0}, {0x71, 4, 0}, {0x71, 6, 0}, {0x72, 2, 0}, {0x72, 4, 0},
		   {0x72, 6, 0}, {0x73, 2, 0}, {0x73, 3, 1}, {0x73, 6, 0}, {0x73, 7, 1}};
	for (size_t i = 0; i < sizeof(shi) / sizeof(shi[0]); i++) {
		if (!shi[i].xmm_only)
			add_b("pshift", (const uint8_t[]){0x0f, shi[i].op}, 2, K_RD, shi[i].digit,
			      I_XSH, Z_X, 0, U_NONE, X_NONE, 0);
		add_b("pshift", (const uint8_t[]){0x66, 0x0f, shi[i].op}, 3, K_RD, shi[i].digit,
		      I_XSH, Z_X, 0, U_NONE, X_NONE, 0);
	}
}

void forms_build(void)
{
	if (ntab)
		return;
	integer_forms();
	x87_forms();
	sse_forms();
}

unsigned forms_count(void)
{
	return ntab;
}

const struct form *forms_get(unsigned i)
{
	return i < ntab ? &tab[i] : NULL;
}
