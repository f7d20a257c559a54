/*
 * xlate_int.h — the block translator's working state, shared by xlate.c
 * (block loop, exits, side table), xlate_mem.c (memory operands, string
 * operations), xlate_flow.c (branches, calls, stack operations) and
 * xlate_sens.c (rows of sensitive.def).
 */
#ifndef RINGVM_TRANSLATOR_XLATE_INT_H
#define RINGVM_TRANSLATOR_XLATE_INT_H

#include "translator/sensitive.h"
#include "translator/tcache_int.h"

#define XLATE_MAX_INSNS 64
/* A block goes on past this many conditional branches.  Measured on busybox
 * (bench/user): 1 keeps gzip's gain from longer blocks (2.5 %) and
 * translates 35 % fewer instructions at start-up than no limit. */
#define XLATE_JCC_GO_ON 1
#define XLATE_BLOCK_ALIGN 64
#define XLATE_MAX_EXITS (2 * XLATE_MAX_INSNS + 4)

/* XE_LOOKUP: not an exit to C but the jump-table lookup of guest r11d
 * (x_lookup), out of the block's way among the stubs. */
enum xexit_kind { XE_CHAIN, XE_CALLOUT, XE_STEP, XE_SYSCALL, XE_GP, XE_TRACE, XE_LOOKUP };

struct xexit {
	uint8_t *rel; /* rel32 to point at the stub */
	enum xexit_kind kind;
	uint32_t eip, arg;
};

struct xctx {
	struct tcache *tc;
	struct tblock *b;
	struct emit e;
	ZydisDecoder dec;
	ZydisDecoderContext dctx; /* for decoding x->ops after x->in */
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const uint8_t *code; /* guest bytes of the current instruction */
	uint32_t eip, next;  /* current instruction, the one after it */
	bool end;            /* the block ends after this instruction */
	bool single;
	unsigned njcc;        /* conditional branches the block went on past */
	bool trace;          /* single, for a guest with EFLAGS.TF */
	uint8_t fix;         /* enum xfix for the current instruction */
	int32_t esp_delta;   /* guest esp = r12d + this, in a run of push/pop */
	struct xexit exits[XLATE_MAX_EXITS];
	unsigned nexits;
	struct pcmap map[XLATE_MAX_INSNS];
	unsigned nmap;
	uint8_t *pads[XLATE_MAX_INSNS]; /* see tblock.pads */
	unsigned npads;
};

/* xlate.c */
void x_exit_jmp(struct xctx *x, enum xexit_kind k, uint32_t eip, uint32_t arg);
void x_exit_jcc(struct xctx *x, unsigned cc, uint32_t eip);
void x_exit_call(struct xctx *x, uint32_t eip);
void x_add_exit(struct xctx *x, uint8_t *rel, enum xexit_kind k, uint32_t eip, uint32_t arg);
void x_callout(struct xctx *x, int row);
void x_untranslatable(struct xctx *x);
void x_copy(struct xctx *x);
/* The block's code also comes from the page of ADDR; false if it already
 * depends on TB_MAX_PAGES pages. */
bool x_add_page(struct xctx *x, uint32_t addr);

/* xlate_fast.c: the common integer forms from raw bytes, no operands
 * decoded; false: not one of them */
bool x_fast(struct xctx *x);
/* IN writes all six arithmetic flags whatever its operands (no shift that
 * may count 0, no undefined flags), reads none (no adc, sbb) and cannot
 * fault (register operands or an immediate only): add, or, and, sub, xor,
 * cmp, test, neg, xadd, cmpxchg. */
bool x_sets_all_flags(const ZydisDecodedInstruction *in);

/* xlate_mem.c */
ZydisRegister x_map_reg(ZydisRegister r);
int x_reencode(struct xctx *x);
bool x_has_hidden_mem(const struct xctx *x);
bool x_mem_special(struct xctx *x);
/* mov DST32, [gs: BASE + DISP] (SIZE 2 or 4; 2 zero-extends) */
void x_gs_load(struct xctx *x, ZydisRegister dst, ZydisRegister base, int32_t disp, int size);
/* mov [gs: BASE + DISP], SRC (register of width SIZE*8) */
void x_gs_store(struct xctx *x, ZydisRegister base, int32_t disp, ZydisRegister src, int size);
void x_gs_store_imm(struct xctx *x, ZydisRegister base, int32_t disp, uint32_t imm, int size);
/* mov [memory operand OP], SRC (SIZE bytes; guest esp in the address is
 * ESP_AS).  No %fs/%gs override or 16-bit addressing: -EINVAL. */
int x_store_operand(struct xctx *x, int op, ZydisRegister esp_as, ZydisRegister src, int size);
/* DST32 = the value of the decoded memory operand OP (size 2/4), a load */
int x_load_operand(struct xctx *x, int op, ZydisRegister dst);

/* xlate_flow.c */
bool x_flow(struct xctx *x);
/* Moves r12d by the pending esp_delta of a run of pushes and pops; is
 * the current instruction one that can join such a run? */
void x_flush_esp(struct xctx *x);
bool x_stack_run(const struct xctx *x);
/* direct call and ret take a pending esp_delta over themselves */
bool x_takes_esp_delta(const struct xctx *x);
/* x_flow for push/pop r32, direct call/jmp/jcc and ret without prefixes,
 * which need no decoded operands; false for anything else. */
bool x_flow_raw(struct xctx *x);
/* Indirect branch to guest r11d through this thread's jump table. */
void x_lookup(struct xctx *x);

/* xlate_sens.c */
void x_sensitive(struct xctx *x, int row);

#endif
