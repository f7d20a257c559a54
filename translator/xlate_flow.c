/*
 * xlate_flow.c — control flow and the stack.
 *
 * Owns: branches (direct ones through chainable exits, indirect ones
 * through an inline jump-table lookup), calls as host calls that push a
 * landing pad on the thread's return stack and returns as host returns
 * (the landing pad checks the guest address), PIC thunks translated in
 * place, loop/jecxz without touching flags, and push, pop, enter, leave on
 * the guest stack (guest esp is r12d; every store or load happens before
 * esp moves, so a fault leaves esp as it was; in a run of pushes and pops
 * r12d moves once, and the side table's XF_ESP says by how much it lags).
 */
#include "translator/xlate_int.h"

#include <stddef.h>
#include <string.h>

#define R12D ZYDIS_REGISTER_R12D
#define R13D ZYDIS_REGISTER_R13D
#define R11D ZYDIS_REGISTER_R11D

/* The target of a relative branch, from its raw displacement (a 16-bit
 * operand size truncates eip). */
static uint32_t rel_target(struct xctx *x)
{
	uint32_t t = x->next + (uint32_t)x->in.raw.imm[0].value.s;
	return x->in.operand_width == 16 ? t & 0xffff : t;
}

static void esp_add(struct xctx *x, int32_t n)
{
	emit_lea_disp(&x->e, H_R12, H_R12, n);
}

/* The esp_delta left by a run of pushes and pops, now owned by the caller
 * (which moves r12d); a fault before then sees esp at r12d + it. */
static int32_t take_esp_delta(struct xctx *x)
{
	int32_t d = x->esp_delta;

	x->esp_delta = 0;
	if (d)
		x->fix = (uint8_t)(XF_ESP | (((d / 4) & 15) << 4));
	return d;
}


/* ++tstate.FIELD without touching flags (only when the cache counts). */
static void count(struct xctx *x, int32_t off)
{
	if (!x->tc->counting)
		return;
	emit_load_ts_reg64(&x->e, H_R13, off);
	emit_bytes(&x->e, (const uint8_t[]){0x4d, 0x8d, 0x6d, 0x01}, 4); /* lea r13, [r13+1] */
	emit_store_ts_reg64(&x->e, off, H_R13);
}

/* Indirect branch to guest r11d, resolved here through the jump table so
 * that every site has its own host indirect jump (and its own prediction).
 * rcx (guest ecx) waits in r14 while jrcxz tests key + eip.  No test of
 * tstate.pending: tr_kick points tstate.jtbl at a table where every lookup
 * misses. */
void x_lookup(struct xctx *x)
{
	static const uint8_t code[] = {
		0x45, 0x0f, 0xb7, 0xd3,             /* movzx r10d, r11w */
		0x4f, 0x8d, 0x14, 0x12,             /* lea r10, [r10+r10] */
		0x4d, 0x8b, 0x8f, TS_JTBL & 0xff, TS_JTBL >> 8, 0, 0, /* mov r9, [r15+TS_JTBL] */
		0x49, 0x89, 0xce,                   /* mov r14, rcx */
		0x43, 0x8b, 0x0c, 0xd1,             /* mov ecx, [r9+r10*8] */
		0x42, 0x8d, 0x0c, 0x19,             /* lea ecx, [rcx+r11] */
		0xe3, 0x08,                         /* jrcxz hit */
		0x4c, 0x89, 0xf1,                   /* mov rcx, r14 */
	};
	static const uint8_t hit[] = {0x4c, 0x89, 0xf1,             /* mov rcx, r14 */
				      0x43, 0xff, 0x64, 0xd1, 0x08}; /* jmp [r9+r10*8+8] */
	struct emit *e = &x->e;

	_Static_assert(TS_JTBL < 0x10000, "TS_JTBL fits the two low bytes of the disp32");
	count(x, (int32_t)offsetof(struct tstate, n_indirect));
	if (x->single) { /* one instruction, then C */
		emit_jmp(e, tr_lookup_miss);
		return;
	}
	emit_bytes(e, code, sizeof(code));
	emit_jmp(e, tr_lookup_miss);
	emit_bytes(e, hit, sizeof(hit));
}

/* Are the guest's arithmetic flags dead at EIP, the instruction translated
 * next in this block, right after the landing pad?  They are if it always
 * writes all of them and cannot fault (a fault would show the flags in the
 * signal context), and nothing leaves the block in between. */
static bool flags_dead_at(struct xctx *x, uint32_t eip)
{
	ZydisDecoderContext ctx;
	ZydisDecodedInstruction in;
	uint32_t avail;
	const uint8_t *p;

	if ((eip >> 12) != (x->b->eip >> 12) || x->nmap + 1 >= XLATE_MAX_INSNS)
		return false; /* the block ends before it */
	p = x->tc->env.fetch(x->tc->env.ctx, eip, &avail);
	return p && ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&x->dec, &ctx, p, avail, &in)) &&
	       x_sets_all_flags(&in);
}

/* The landing pad after a guest call's host call: a host ret lands here
 * when the return stack predicts this call.  The guest address the guest
 * ret popped (r11d) must be this call's return address RET; if so, go on
 * (the caller emits what follows), else look r11d up.  Where the next
 * instruction overwrites the flags, a cmp does; else lea and jrcxz, which
 * leave them alone.  tblock.pads disarms either when the block dies, so
 * every ret here is looked up (flags untouched): it points at the rel8 of
 * the jrcxz (zeroed), or at the cmp (made a jmp to the lookup). */
static void landing_pad(struct xctx *x, uint32_t ret)
{
	static const uint8_t save_rcx[] = {0x49, 0x89, 0xcd};    /* mov r13, rcx */
	static const uint8_t diff[] = {0x41, 0x8d, 0x8b};        /* lea ecx, [r11+d32] */
	static const uint8_t restore_rcx[] = {0x4c, 0x89, 0xe9}; /* mov rcx, r13 */
	static const uint8_t cmp[] = {0x41, 0x81, 0xfb};         /* cmp r11d, imm32 */
	struct emit *e = &x->e;
	bool dead = !x->single && flags_dead_at(x, ret);

	if (dead) {
		if (((uintptr_t)e->p & 63) == 63) /* the disarming store, see below */
			emit_u8(e, 0x90);
		if (!e->overflow)
			x->pads[x->npads++] = e->p;
		emit_bytes(e, cmp, sizeof(cmp));
		emit_u32(e, ret);
		emit_bytes(e, (const uint8_t[]){0x74, 0x05}, 2); /* je: predicted */
	} else {
		emit_bytes(e, save_rcx, sizeof(save_rcx));
		emit_bytes(e, diff, sizeof(diff));
		emit_u32(e, (uint32_t)-ret);
		emit_bytes(e, (const uint8_t[]){0xe3, 0x08}, 2); /* jrcxz: predicted */
		if (!e->overflow)
			x->pads[x->npads++] = e->p - 1;
	}
	if (!dead)
		emit_bytes(e, restore_rcx, sizeof(restore_rcx));
	emit_jmp(e, tr_lookup);
	if (!dead)
		emit_bytes(e, restore_rcx, sizeof(restore_rcx));
	count(x, (int32_t)offsetof(struct tstate, n_ret_hit));
}

/* The register a PIC thunk at TARGET loads its return address into
 * ("mov (%esp), reg; ret"), or -1 if TARGET is something else. */
static int pc_thunk_reg(struct xctx *x, uint32_t target)
{
	uint32_t avail;
	const uint8_t *p = x->tc->env.fetch(x->tc->env.ctx, target, &avail);

	if (!p || avail < 4 || p[0] != 0x8b || (p[1] & 0xc7) != 0x04 || p[2] != 0x24 ||
	    p[3] != 0xc3)
		return -1;
	int reg = (p[1] >> 3) & 7;
	return reg == H_RSP ? -1 : reg;
}

/* call to a PIC thunk: the same stores and register result as running it
 * (the return address stays below esp, as after its ret), without leaving
 * the block.  The block now depends on the thunk's page too. */
static bool call_pc_thunk(struct xctx *x, uint32_t target)
{
	if (x->single || ((target + 3) ^ target) >> 12)
		return false;
	if (x->tc->nts > 1) /* protect before reading, see translate() */
		x->tc->env.code_page(x->tc->env.ctx, target);
	int reg = pc_thunk_reg(x, target);
	if (reg < 0 || !x_add_page(x, target))
		return false;
	x_gs_store_imm(x, R12D, x->esp_delta - 4, x->next, 4);
	emit_mov_imm(&x->e, (enum hreg)reg, x->next);
	x->tc->st.inlined_thunks++;
	x->end = false;
	return true;
}

/* A guest call is a host call, so that the guest ret's host ret is
 * predicted by the CPU: it pushes the landing pad that follows it. */
static bool call(struct xctx *x)
{
	bool direct = x->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && x->in.opcode == 0xe8;
	uint32_t target = direct ? rel_target(x) : 0;

	if (x->in.operand_width != 32)
		return false;
	if (direct && call_pc_thunk(x, target))
		return true;
	if (!direct && x_load_operand(x, 0, R11D) < 0)
		return false;
	int32_t d = take_esp_delta(x);
	x_gs_store_imm(x, R12D, d - 4, x->next, 4);
	if (direct && target == x->next) { /* call $+5; pop: a push, no return */
		x->esp_delta = d - 4;
		x->end = false;
		return true;
	}
	esp_add(x, d - 4);
	if (direct) /* a chainable call */
		x_exit_call(x, target);
	else /* a call to the jump-table lookup, placed with the exit stubs */
		x_add_exit(x, emit_call(&x->e, x->e.p), XE_LOOKUP, 0, 0);
	landing_pad(x, x->next); /* the block goes on after it */
	x->end = x->single;
	if (x->single)
		x_exit_jmp(x, XE_CHAIN, x->next, 0);
	return true;
}

/* The host ret goes to the landing pad of the call on top of the return
 * stack (or to tr_ret_empty), which checks r11d. */
static bool ret(struct xctx *x)
{
	uint32_t pop = x->in.raw.imm[0].size ? (uint32_t)x->in.raw.imm[0].value.u : 0;

	if (x->in.operand_width != 32)
		return false;
	int32_t d = take_esp_delta(x);
	x_gs_load(x, R11D, R12D, d, 4);
	esp_add(x, d + (int32_t)(4 + pop));
	count(x, (int32_t)offsetof(struct tstate, n_ret));
	if (x->single) /* one instruction, then C */
		emit_jmp(&x->e, tr_lookup_miss);
	else
		emit_u8(&x->e, 0xc3);
	return true;
}

static bool jmp(struct xctx *x)
{
	if (x->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	    (x->in.opcode == 0xe9 || x->in.opcode == 0xeb)) {
		x_exit_jmp(x, XE_CHAIN, rel_target(x), 0);
		return true;
	}
	if (x->in.operand_width != 32 || x_load_operand(x, 0, R11D) < 0)
		return false;
	x_lookup(x);
	return true;
}

/* A short jump (jrcxz or jmp rel8) to a label bound later by bind8(). */
static uint8_t *jump8(struct xctx *x, uint8_t opcode)
{
	emit_bytes(&x->e, (const uint8_t[]){opcode, 0}, 2);
	return x->e.overflow ? NULL : x->e.p - 1;
}

static void bind8(struct xctx *x, uint8_t *rel8)
{
	if (rel8 && !x->e.overflow)
		*rel8 = (uint8_t)(x->e.p - (rel8 + 1));
}

/* loop, loope, loopne, jecxz, jcxz: ecx tests without touching flags; with
 * 16-bit addressing (0x67) they count and test cx.  jrcxz only reaches
 * rel8, so it hops to the (chainable) exits. */
static bool loop(struct xctx *x)
{
	static const uint8_t dec_ecx[] = {0x8d, 0x49, 0xff};         /* lea ecx, [rcx-1] */
	static const uint8_t dec_cx[] = {0x44, 0x8d, 0x69, 0xff,     /* lea r13d, [rcx-1] */
					 0x66, 0x44, 0x89, 0xe9};    /* mov cx, r13w */
	static const uint8_t save_cx[] = {0x49, 0x89, 0xcd,          /* mov r13, rcx */
					  0x0f, 0xb7, 0xc9};         /* movzx ecx, cx */
	static const uint8_t restore_cx[] = {0x4c, 0x89, 0xe9};      /* mov rcx, r13 */
	ZydisMnemonic m = x->in.mnemonic;
	bool test = m == ZYDIS_MNEMONIC_JECXZ || m == ZYDIS_MNEMONIC_JCXZ;
	bool cx = x->in.address_width == 16 || m == ZYDIS_MNEMONIC_JCXZ;
	uint32_t t = rel_target(x);
	uint8_t *zero, *nonzero;

	if (!test)
		emit_bytes(&x->e, cx ? dec_cx : dec_ecx, cx ? sizeof(dec_cx) : sizeof(dec_ecx));
	if (cx)
		emit_bytes(&x->e, save_cx, sizeof(save_cx));
	zero = jump8(x, 0xe3);
	if (cx)
		emit_bytes(&x->e, restore_cx, sizeof(restore_cx));
	nonzero = jump8(x, 0xeb);
	bind8(x, zero);
	if (cx)
		emit_bytes(&x->e, restore_cx, sizeof(restore_cx));
	/* j(e)cxz: zero is the branch; loop*: reaching zero ends the loop */
	x_exit_jmp(x, XE_CHAIN, test ? t : x->next, 0);
	bind8(x, nonzero);
	if (m == ZYDIS_MNEMONIC_LOOPE)
		x_exit_jcc(x, 0x5, x->next); /* jne: stop */
	else if (m == ZYDIS_MNEMONIC_LOOPNE)
		x_exit_jcc(x, 0x4, x->next); /* je: stop */
	x_exit_jmp(x, XE_CHAIN, test ? x->next : t, 0);
	return true;
}

static bool push(struct xctx *x)
{
	const ZydisDecodedOperand *o = &x->ops[0];
	int size = x->in.operand_width / 8;

	if (size != 2 && size != 4)
		return false;
	if (o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
		x_gs_store_imm(x, R12D, -size, (uint32_t)o->imm.value.s, size);
	else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && size == 4)
		x_gs_store(x, R12D, -size, x_map_reg(o->reg.value), size);
	else if (x_load_operand(x, 0, R13D) == 0)
		x_gs_store(x, R12D, -size, R13D, size);
	else
		return false;
	esp_add(x, -size);
	return true;
}

/* pop to memory: the address is computed with esp already popped. */
static bool pop_mem(struct xctx *x, int size)
{
	x_gs_load(x, R13D, R12D, 0, size);
	emit_lea_disp(&x->e, H_R14, H_R12, size);
	if (x_store_operand(x, 0, ZYDIS_REGISTER_R14D, size == 4 ? R13D : ZYDIS_REGISTER_R13W,
			    size) < 0)
		return false;
	emit_mov_reg(&x->e, H_R12, H_R14);
	return true;
}

static bool pop(struct xctx *x)
{
	const ZydisDecodedOperand *o = &x->ops[0];
	int size = x->in.operand_width / 8;

	if (size != 4 && size != 2)
		return false;
	if (o->type == ZYDIS_OPERAND_TYPE_MEMORY)
		return pop_mem(x, size);
	if (o->reg.value == ZYDIS_REGISTER_ESP) {
		x_gs_load(x, R12D, R12D, 0, 4);
		return true;
	}
	if (o->reg.value == ZYDIS_REGISTER_SP) { /* sp = the word popped */
		static const uint8_t mov_r12w_r13w[] = {0x66, 0x45, 0x89, 0xec};
		x_gs_load(x, R13D, R12D, 0, 2);
		emit_bytes(&x->e, mov_r12w_r13w, sizeof(mov_r12w_r13w));
		return true;
	}
	if (size == 2) { /* pop r16: the upper half of the register stays */
		ZydisEncoderRequest r;
		x_gs_load(x, R13D, R12D, 0, 2);
		memset(&r, 0, sizeof(r));
		r.mnemonic = ZYDIS_MNEMONIC_MOV;
		r.operand_count = 2;
		r.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
		r.operands[0].reg.value = o->reg.value;
		r.operands[1].type = ZYDIS_OPERAND_TYPE_REGISTER;
		r.operands[1].reg.value = ZYDIS_REGISTER_R13W;
		if (emit_request(&x->e, &r) < 0)
			return false;
	} else {
		x_gs_load(x, o->reg.value, R12D, 0, 4);
	}
	esp_add(x, size);
	return true;
}

/* enter ALLOC, LEVEL (SDM): every store and load first, registers last.
 * r13d = the frame pointer after the push of ebp. */
static bool enter(struct xctx *x)
{
	int32_t alloc = (int32_t)x->ops[0].imm.value.u, level = (int32_t)(x->ops[1].imm.value.u & 31);

	static const uint8_t mov_bp_r13w[] = {0x66, 0x44, 0x89, 0xed};
	int size = x->in.operand_width / 8; /* 0x66: words, bp; the stack is 32-bit */

	if (size != 2 && size != 4)
		return false;
	emit_lea_disp(&x->e, H_R13, H_R12, -size);
	x_gs_store(x, R13D, 0, ZYDIS_REGISTER_EBP, size);
	for (int32_t i = 1; i < level; i++) {
		x_gs_load(x, ZYDIS_REGISTER_R14D, ZYDIS_REGISTER_EBP, -size * i, size);
		x_gs_store(x, R13D, -size * i, ZYDIS_REGISTER_R14D, size);
	}
	if (level)
		x_gs_store(x, R13D, -size * level, R13D, size);
	if (size == 4)
		emit_mov_reg(&x->e, H_RBP, H_R13);
	else
		emit_bytes(&x->e, mov_bp_r13w, sizeof(mov_bp_r13w));
	emit_lea_disp(&x->e, H_R12, H_R13, -size * level - alloc);
	return true;
}

static bool leave(struct xctx *x)
{
	static const uint8_t mov_bp_r13w[] = {0x66, 0x44, 0x89, 0xed};
	if (x->in.operand_width == 16) { /* esp = ebp, then pop bp */
		x_gs_load(x, R13D, ZYDIS_REGISTER_EBP, 0, 2);
		emit_lea_disp(&x->e, H_R12, H_RBP, 2);
		emit_bytes(&x->e, mov_bp_r13w, sizeof(mov_bp_r13w));
		return true;
	}
	x_gs_load(x, R13D, ZYDIS_REGISTER_EBP, 0, 4);
	emit_lea_disp(&x->e, H_R12, H_RBP, 4);
	emit_mov_reg(&x->e, H_RBP, H_R13);
	return true;
}

static bool dispatch(struct xctx *x)
{
	switch (x->in.meta.category) {
	case ZYDIS_CATEGORY_CALL:
		return call(x);
	case ZYDIS_CATEGORY_RET:
		return ret(x);
	case ZYDIS_CATEGORY_UNCOND_BR:
		return jmp(x);
	case ZYDIS_CATEGORY_COND_BR:
		if (x->in.mnemonic >= ZYDIS_MNEMONIC_JB && x->in.mnemonic <= ZYDIS_MNEMONIC_JZ &&
		    x->in.mnemonic != ZYDIS_MNEMONIC_JCXZ && x->in.mnemonic != ZYDIS_MNEMONIC_JECXZ &&
		    x->in.mnemonic != ZYDIS_MNEMONIC_JRCXZ && x->in.mnemonic != ZYDIS_MNEMONIC_JMP) {
			/* the block goes on with the fall-through path (past
			 * the first jcc only: fall-through paths that never run
			 * cost translation time, see XLATE_JCC_GO_ON) */
			x_exit_jcc(x, x->in.opcode & 15, rel_target(x));
			x->end = x->single || ++x->njcc > XLATE_JCC_GO_ON;
			if (x->end)
				x_exit_jmp(x, XE_CHAIN, x->next, 0);
			return true;
		}
		return loop(x);
	default:
		break;
	}
	switch (x->in.mnemonic) {
	case ZYDIS_MNEMONIC_PUSH:
		return push(x);
	case ZYDIS_MNEMONIC_POP:
		return pop(x);
	case ZYDIS_MNEMONIC_ENTER:
		return enter(x);
	case ZYDIS_MNEMONIC_LEAVE:
		return leave(x);
	default:
		return false;
	}
}

bool x_takes_esp_delta(const struct xctx *x)
{
	unsigned op = x->in.opcode;

	return !x->in.raw.prefix_count && x->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	       (op == 0xe8 || op == 0xc3 || op == 0xc2);
}

bool x_stack_run(const struct xctx *x)
{
	unsigned op = x->in.opcode;

	return !x->in.raw.prefix_count && x->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
	       ((op >= 0x50 && op <= 0x5f && op != 0x54 && op != 0x5c) || op == 0x6a ||
		op == 0x68) &&
	       x->esp_delta > -28 && x->esp_delta < 28;
}

void x_flush_esp(struct xctx *x)
{
	if (x->esp_delta)
		esp_add(x, x->esp_delta);
	x->esp_delta = 0;
}

/* The most common of them, known from their raw bytes (no prefix): push
 * and pop of a register, direct call and jmp, jcc, ret; false for anything
 * else, which needs its decoded operands. */
bool x_flow_raw(struct xctx *x)
{
	const ZydisDecodedInstruction *in = &x->in;
	unsigned op = in->opcode;

	if (in->raw.prefix_count)
		return false;
	if (in->opcode_map == ZYDIS_OPCODE_MAP_0F) {
		if (op < 0x80 || op > 0x8f)
			return false;
		x->end = true;
		return dispatch(x); /* jcc rel32 */
	}
	if (in->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return false;
	ZydisRegister r = (ZydisRegister)(ZYDIS_REGISTER_EAX + (op & 7));
	if (x_stack_run(x)) { /* r12d moves once, after the run */
		int32_t d = x->esp_delta;
		x->fix = (uint8_t)(XF_ESP | (((d / 4) & 15) << 4));
		if (op == 0x6a || op == 0x68)
			x_gs_store_imm(x, R12D, d - 4, (uint32_t)in->raw.imm[0].value.s, 4);
		else if (op <= 0x57)
			x_gs_store(x, R12D, d - 4, r, 4);
		else
			x_gs_load(x, r, R12D, d, 4);
		x->esp_delta += op >= 0x58 && op <= 0x5f ? 4 : -4;
		return true;
	}
	if (op == 0x54) { /* push esp: esp as it was */
		x_gs_store(x, R12D, -4, R12D, 4);
		esp_add(x, -4);
		return true;
	}
	if (op == 0x5c) { /* pop esp: esp = the value */
		x_gs_load(x, R12D, R12D, 0, 4);
		return true;
	}
	if ((op >= 0x70 && op <= 0x7f) || op == 0xe8 || op == 0xe9 || op == 0xeb || op == 0xc3 ||
	    op == 0xc2) {
		x->end = true;
		if (!dispatch(x))
			x_untranslatable(x);
		return true;
	}
	return false;
}

bool x_flow(struct xctx *x)
{
	ZydisInstructionCategory c = x->in.meta.category;
	bool branch = c == ZYDIS_CATEGORY_CALL || c == ZYDIS_CATEGORY_RET ||
		      c == ZYDIS_CATEGORY_UNCOND_BR || c == ZYDIS_CATEGORY_COND_BR;
	ZydisMnemonic m = x->in.mnemonic;
	bool stack = m == ZYDIS_MNEMONIC_PUSH || m == ZYDIS_MNEMONIC_POP ||
		     m == ZYDIS_MNEMONIC_ENTER || m == ZYDIS_MNEMONIC_LEAVE;

	if (!branch && !stack)
		return false;
	if (branch)
		x->end = true;
	if (!dispatch(x))
		x_untranslatable(x);
	return true;
}
