/*
 * sensitive.h — the sensitive-instruction table (sensitive.def) as data, and
 * classification of a Zydis-decoded 32-bit instruction against it.
 *
 * Owns: the row array, the class/translation enums and their names, and
 * sens_classify().  The same .def file is expanded by monitor/cs_classify.c
 * to classify with Capstone, independently.
 */
#ifndef RINGVM_TRANSLATOR_SENSITIVE_H
#define RINGVM_TRANSLATOR_SENSITIVE_H

#include <stdbool.h>
#include <Zydis/Zydis.h>

enum sens_class {
	SC_TRAP,   /* privileged: traps in host ring 3 */
	SC_SILENT, /* sensitive, does not trap: silently wrong in ring 3 */
	SC_MODE64, /* means something else (or is invalid) in 64-bit mode */
	SC_HOST,   /* reveals the host */
	SC_FLOW,   /* transfers control into the guest kernel */
	SC_COUNT
};

enum sens_how {
	SH_INLINE,  /* translated in place */
	SH_CALLOUT, /* call into the monitor, then continue */
	SH_EXIT,    /* ends the block; the monitor decides where to go */
	SH_COUNT
};

enum sens_match {
	SM_ANY,     /* the mnemonic alone decides */
	SM_DST_CR,  /* first operand is a control register */
	SM_SRC_CR,  /* second operand is a control register */
	SM_DST_DR,  /* first operand is a debug register */
	SM_SRC_DR,  /* second operand is a debug register */
	SM_DST_SEG, /* first operand is a segment register */
	SM_SRC_SEG, /* second operand is a segment register */
	SM_OP_SEG,  /* push/pop whose operand is a segment register */
	SM_FAR,     /* far branch (memory or immediate pointer) */
	SM_FAR_PTR, /* far branch with an immediate ptr16:32 (9A / EA) */
	SM_SHORT,   /* one-byte inc/dec r32 (40-4F: REX prefixes in 64-bit) */
	SM_OPC82,   /* opcode 82 (ALU r/m8, imm8 alias, invalid in 64-bit) */
	SM_COUNT
};

enum sens_row_id {
#define SENS(id, zy, cs, match, cls, how, test) SENS_##id,
#include "translator/sensitive.def"
#undef SENS
	SENS_NROWS
};

struct sens_row {
	const char *name;
	ZydisMnemonic mnemonic;
	enum sens_match match;
	enum sens_class cls;
	enum sens_how how;
	const char *test;
};

extern const struct sens_row sens_rows[SENS_NROWS];

/* The first row matching INSN (decoded in 32-bit mode with its operands),
 * or -1 when the instruction may run unchanged apart from memory-operand
 * rewriting. */
int sens_classify(const ZydisDecodedInstruction *insn, const ZydisDecodedOperand *ops);

const char *sens_class_name(enum sens_class c);
const char *sens_class_help(enum sens_class c);
const char *sens_how_name(enum sens_how h);
const char *sens_match_name(enum sens_match m);

/* Shared 32-bit decoder set-up: legacy 32-bit mode, 32-bit stack. */
void sens_decoder_init(ZydisDecoder *dec);

#endif
