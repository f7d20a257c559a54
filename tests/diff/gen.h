/*
 * gen.h — random instruction cases for the host-CPU differential test.
 *
 * Owns: the description of an instruction form (opcode bytes, ModRM kind,
 * immediate, operand size, memory operand size and alignment, which flags
 * the SDM leaves undefined, which registers or memory need steering so the
 * case is interesting — a divisor, a bit offset, a shift count, string
 * pointers), the table of forms (forms.c), and gen_case(): a form plus a
 * PRNG to the guest bytes, the equivalent 64-bit bytes (address-size prefix
 * 0x67 when memory is touched, disp32-only addressing as SIB, 32-bit-only
 * opcodes replaced by their 64-bit twins), an initial state with the memory
 * operand inside the data region, and the masks for the comparison.
 */
#ifndef RINGVM_TESTS_DIFF_GEN_H
#define RINGVM_TESTS_DIFF_GEN_H

#include "tests/diff/diff.h"

/* ModRM kinds */
enum {
	K_NONE,	 /* no ModRM */
	K_E,	 /* ModRM, reg field is an operand, r/m register or memory */
	K_ED,	 /* ModRM, reg field is the /digit, r/m register or memory */
	K_M,	 /* as K_E, memory only */
	K_MD,	 /* as K_ED, memory only */
	K_R,	 /* as K_E, register only */
	K_RD,	 /* as K_ED, register only */
	K_OREG,	 /* register in the low 3 bits of the last opcode byte */
	K_MOFFS, /* no ModRM, a 32-bit absolute address follows the opcode (A0-A3) */
};

/* immediates */
enum {
	I_NONE,
	I_8,
	I_16,
	I_Z,   /* 16 or 32 bits by operand size */
	I_CNT, /* 8-bit shift/rotate count with the edge values */
	I_CMP, /* SSE compare predicate 0..7 */
	I_RND, /* roundsd/roundss mode 0..15 */
	I_XSH, /* SSE/MMX shift count */
};

/* operand size */
enum {
	Z_8 = 1,
	Z_V,  /* 32 bits, or 16 with a random 0x66 */
	Z_32, /* 32 bits only */
	Z_X,  /* fixed by the opcode (SSE, x87, ...): no 0x66 added */
};

/* flags the SDM leaves undefined (rules in gen.c) */
enum { U_NONE, U_AF, U_SHIFT, U_ROT, U_SHXD, U_MUL, U_DIV, U_BSF, U_BT, U_CNT };

/* steering of the initial state */
enum {
	X_NONE,
	X_DIV,	   /* unsigned divide: divisor and dividend chosen */
	X_IDIV,	   /* signed divide */
	X_CMPXCHG, /* accumulator equal to the destination half the time */
	X_CX8,	   /* edx:eax equal to m64 half the time */
	X_BTREG,   /* register bit offset kept small (memory forms) */
	X_CL,	   /* count in cl */
	X_STR,	   /* esi/edi in the data region, small ecx */
	X_XLAT,	   /* ebx in the data region */
	X_MXCSR,   /* m32 holds a valid MXCSR */
	X_FXRSTOR, /* m512 holds a valid MXCSR */
	X_MASKMOV, /* edi in the data region */
};

/* form flags */
#define FL_LOCK	   0x0001u /* lock prefix allowed with a memory destination */
#define FL_A16	   0x0002u /* memory operand must be 16-byte aligned (mostly is) */
#define FL_X87A	   0x0004u /* x87 arithmetic: C0 C2 C3 undefined */
#define FL_SUB82   0x0008u /* opcode 82: natively 80 */
#define FL_SHORT   0x0010u /* 40+r / 48+r: natively FF /0, FF /1 */
#define FL_REP	   0x0020u /* string op: rep (F3) sometimes */
#define FL_REPCC   0x0040u /* string op: repe/repne sometimes */
#define FL_ADDR	   0x0080u /* implicit memory through esi/edi/ebx: 0x67 natively */
#define FL_NOACC   0x0100u /* memory operand is not accessed (lea, nop) */
#define FL_SHXD16  0x0200u /* 16-bit shld/shrd: count kept <= 16 */
#define FL_BYTEDST 0x0400u /* setcc: reg field ignored */

struct form {
	const char *name;
	uint8_t op[5];
	uint8_t nop;
	uint8_t mand; /* op[0] is a mandatory prefix (66/F2/F3) */
	uint8_t kind, digit, imm, size;
	uint16_t msize; /* memory operand bytes; 0: the operand size */
	uint8_t undef, fix;
	uint16_t fl;
};

/* gen_state.c: a random initial state; values biased towards edges */
void gen_random_state(struct rng *r, struct dstate *s, uint8_t *mem);
uint32_t gen_rnd_val(struct rng *r);
extern const uint32_t gen_edges[];
extern const unsigned gen_nedges;

/* forms.c */
void forms_build(void);
unsigned forms_count(void);
const struct form *forms_get(unsigned i);

/* One generated case: one instruction, or a sequence of register-only ones. */
struct dcase {
	const struct form *f; /* the form, or NULL for a sequence */
	unsigned seq;	      /* number of instructions in a sequence, else 0 */
	uint8_t guest[96];
	unsigned glen;
	uint8_t native[96];
	unsigned nlen;
	unsigned off; /* code offset of the guest bytes in DX_CODE */
	struct dstate in;
	uint32_t flag_mask; /* flags to compare */
	uint16_t fsw_mask;  /* FSW bits not to compare */
	uint8_t mem[DX_DATA_SIZE];
};

/* Whether cases may use %fs:/%gs: with a segment base (the native side
 * then needs the FSGSBASE instructions). */
/* cs: overrides (a write through one raises #GP in 32-bit code, and means
 * nothing in 64-bit mode: not for the host-CPU oracle).  Default on. */
void gen_allow_cs(bool on);
void gen_allow_segments(bool on);

/* Fills C from form F and R.  0, or -1 if no valid case was found (a
 * generator bug: the message is in C->guest as text). */
int gen_case(const struct form *f, struct rng *r, struct dcase *c);

/* Fills C with 2..6 random register-only instructions (no memory operand,
 * so the native bytes are the guest bytes and fault offsets compare
 * directly); the flag masks are the union of the instructions'. */
void gen_seq(struct rng *r, struct dcase *c);

/* gen_check.c: Zydis cross-check of the two encodings: guest decodes in 32-bit mode to
 * GLEN bytes, native in 64-bit mode to NLEN bytes with the same mnemonic.
 * NULL, or what is wrong. */
const char *gen_check(const struct dcase *c);

/* The (single) guest instruction has a lock prefix. */
bool gen_locked(const struct dcase *c);

#endif
