/*
 * xlate_sens.c — translation of the rows of sensitive.def.
 *
 * Owns: the inline translations (how = INLINE rows that can be done without
 * the monitor: flags images, segment selector reads, short inc/dec, pusha,
 * popa, salc, opcode 82, rdtsc) and the rule for every other row: a callout
 * exit, after which the monitor carries the instruction out.  The table
 * below is indexed by row, so adding a row to sensitive.def without a
 * decision here means a callout, never silence.
 */
#include "translator/xlate_int.h"

#define R12D ZYDIS_REGISTER_R12D
#define R13D ZYDIS_REGISTER_R13D

typedef bool (*xsens_fn)(struct xctx *x);

static bool copy(struct xctx *x)
{
	x_copy(x);
	return true;
}

static bool reencode(struct xctx *x)
{
	return x_reencode(x) == 0;
}

/* pushf(d): the host RFLAGS low 32 bits are the guest EFLAGS a ring-3 i386
 * program sees (IF=1, IOPL=0, arithmetic flags, DF, AC, ID); a 16-bit
 * operand size pushes the low half. */
static bool pushf(struct xctx *x)
{
	static const uint8_t pushfq_pop_r13[] = {0x9c, 0x41, 0x5d};
	int size = x->in.operand_width / 8;

	emit_bytes(&x->e, pushfq_pop_r13, sizeof(pushfq_pop_r13));
	if (x->trace) /* the host's TF is clear; the guest's is set */
		emit_bytes(&x->e, (const uint8_t[]){0x45, 0x8d, 0xad, 0, 1, 0, 0}, 7);
	x_gs_store(x, R12D, -size, size == 4 ? R13D : ZYDIS_REGISTER_R13W, size);
	emit_lea_disp(&x->e, H_R12, H_R12, -size);
	return true;
}

/* popf(d) at CPL 3: IF and IOPL are ignored by the host as by the guest CPU;
 * a 16-bit operand size keeps the upper half of EFLAGS.  TF never reaches
 * the host (it would trap on host instructions): tstate.tf_popped gets it,
 * and when it is set the block leaves (XE_TRACE) so that C single-steps
 * the guest from the next instruction on.  Flags may be clobbered before
 * the popfq. */
static bool popf(struct xctx *x)
{
	static const uint8_t keep_upper[] = {
		0x9c, 0x41, 0x5e,                         /* pushfq; pop r14 */
		0x41, 0x81, 0xe6, 0x00, 0x00, 0xff, 0xff, /* and r14d, 0xffff0000 */
		0x45, 0x09, 0xf5,                         /* or r13d, r14d */
	};
	static const uint8_t take_tf[] = {
		0x41, 0x0f, 0xba, 0xe5, 0x08,                   /* bt r13d, 8 */
		0x41, 0x0f, 0x92, 0x87, TS_TF_POPPED & 0xff, TS_TF_POPPED >> 8, 0, 0, /* setc */
		0x41, 0x0f, 0xba, 0xf5, 0x08,                   /* btr r13d, 8 */
	};
	static const uint8_t push_popfq[] = {0x41, 0x55, 0x9d}; /* push r13; popfq */
	int size = x->in.operand_width / 8;

	x_gs_load(x, R13D, R12D, 0, size);
	if (size == 2)
		emit_bytes(&x->e, keep_upper, sizeof(keep_upper));
	emit_bytes(&x->e, take_tf, sizeof(take_tf));
	emit_lea_disp(&x->e, H_R12, H_R12, size);
	if (x->single) {
		emit_bytes(&x->e, push_popfq, sizeof(push_popfq));
		return true;
	}
	emit_bytes(&x->e, (const uint8_t[]){0x72, 0x05}, 2); /* jc: TF was set */
	emit_bytes(&x->e, push_popfq, sizeof(push_popfq));
	emit_bytes(&x->e, (const uint8_t[]){0xeb, 0x00}, 2); /* jmp over the exit */
	uint8_t *over = x->e.p - 1;
	emit_bytes(&x->e, push_popfq, sizeof(push_popfq));
	x_exit_jmp(x, XE_TRACE, x->next, 0);
	if (!x->e.overflow)
		*over = (uint8_t)(x->e.p - (over + 1));
	return true;
}

static int seg_of(ZydisRegister r)
{
	return r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS ? (int)(r - ZYDIS_REGISTER_ES) : -1;
}

/* mov r/m, sreg: the selector from the monitor's segment state. */
static bool mov_from_seg(struct xctx *x)
{
	int s = seg_of(x->ops[1].reg.value);
	const ZydisDecodedOperand *d = &x->ops[0];

	if (s < 0)
		return false;
	emit_load_ts_u16(&x->e, H_R13, TS_SEG + 2 * s);
	if (d->type == ZYDIS_OPERAND_TYPE_REGISTER) {
		ZydisEncoderRequest r = {0};
		r.mnemonic = ZYDIS_MNEMONIC_MOV;
		r.operand_count = 2;
		r.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
		r.operands[0].reg.value = x_map_reg(d->reg.value);
		r.operands[1].type = ZYDIS_OPERAND_TYPE_REGISTER;
		r.operands[1].reg.value = d->size == 16 ? ZYDIS_REGISTER_R13W : R13D;
		return emit_request(&x->e, &r) == 0;
	}
	return x_store_operand(x, 0, R12D, ZYDIS_REGISTER_R13W, 2) == 0;
}

static bool push_seg(struct xctx *x)
{
	int s = seg_of(x->ops[0].reg.value);
	int size = x->in.operand_width / 8;

	if (s < 0 || (size != 2 && size != 4))
		return false;
	emit_load_ts_u16(&x->e, H_R13, TS_SEG + 2 * s);
	x_gs_store(x, R12D, -size, size == 4 ? R13D : ZYDIS_REGISTER_R13W, size);
	emit_lea_disp(&x->e, H_R12, H_R12, -size);
	return true;
}

static const ZydisRegister gprs[8] = {
	ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_ECX, ZYDIS_REGISTER_EDX, ZYDIS_REGISTER_EBX,
	R12D,               ZYDIS_REGISTER_EBP, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_EDI,
};

static bool pushad(struct xctx *x)
{
	for (int i = 0; i < 8; i++)
		x_gs_store(x, R12D, -4 * (i + 1), gprs[i], 4);
	emit_lea_disp(&x->e, H_R12, H_R12, -32);
	return true;
}

/* popad: touch both ends first so a fault changes no register. */
static bool popad(struct xctx *x)
{
	x_gs_load(x, R13D, R12D, 28, 4);
	x_gs_load(x, R13D, R12D, 0, 4);
	for (int i = 7; i >= 0; i--)
		if (i != 4)
			x_gs_load(x, gprs[i], R12D, 4 * (7 - i), 4);
	emit_lea_disp(&x->e, H_R12, H_R12, 32);
	return true;
}

static const ZydisRegister gprs16[8] = {
	ZYDIS_REGISTER_AX,  ZYDIS_REGISTER_CX, ZYDIS_REGISTER_DX, ZYDIS_REGISTER_BX,
	ZYDIS_REGISTER_R12W, ZYDIS_REGISTER_BP, ZYDIS_REGISTER_SI, ZYDIS_REGISTER_DI,
};

/* pusha/popa with a 16-bit operand size: the same with words. */
static bool pusha16(struct xctx *x)
{
	for (int i = 0; i < 8; i++)
		x_gs_store(x, R12D, -2 * (i + 1), gprs16[i], 2);
	emit_lea_disp(&x->e, H_R12, H_R12, -16);
	return true;
}

static bool popa16(struct xctx *x)
{
	static const uint8_t mov_r16[8][4] = {
		/* mov reg16, r13w */
		{0x66, 0x44, 0x89, 0xe8}, {0x66, 0x44, 0x89, 0xe9}, {0x66, 0x44, 0x89, 0xea},
		{0x66, 0x44, 0x89, 0xeb}, {0}, {0x66, 0x44, 0x89, 0xed},
		{0x66, 0x44, 0x89, 0xee}, {0x66, 0x44, 0x89, 0xef},
	};
	x_gs_load(x, R13D, R12D, 14, 2);
	for (int i = 7; i >= 0; i--) {
		if (i == 4)
			continue;
		x_gs_load(x, R13D, R12D, 2 * (7 - i), 2);
		emit_bytes(&x->e, mov_r16[i], 4);
	}
	emit_lea_disp(&x->e, H_R12, H_R12, 16);
	return true;
}

/* salc: al = CF ? 0xff : 0, flags untouched (cmov). */
static bool salc(struct xctx *x)
{
	static const uint8_t seq[] = {
		0x41, 0x89, 0xc5,       /* mov r13d, eax */
		0x41, 0x89, 0xc6,       /* mov r14d, eax */
		0x41, 0xb5, 0xff,       /* mov r13b, 0xff */
		0x41, 0xb6, 0x00,       /* mov r14b, 0 */
		0x41, 0x0f, 0x42, 0xc5, /* cmovc eax, r13d */
		0x41, 0x0f, 0x43, 0xc6, /* cmovnc eax, r14d */
	};
	emit_bytes(&x->e, seq, sizeof(seq));
	return true;
}

/* Rows translated in place; every other row is a callout. */
/* The monitor's system-call gate: an exit straight to it, no decoding. */
static bool int_n(struct xctx *x)
{
	uint8_t v = x->tc->env.syscall_vector;

	if (!v || x->in.length != 2 || x->code[0] != 0xcd || x->code[1] != v)
		return false;
	x_exit_jmp(x, XE_SYSCALL, x->next, 0);
	x->end = true;
	return true;
}

static const xsens_fn inline_rows[SENS_NROWS] = {
	[SENS_pushfd] = pushf,
	[SENS_popfd] = popf,
	[SENS_pushf] = pushf,
	[SENS_popf] = popf,
	[SENS_mov_from_seg] = mov_from_seg,
	[SENS_push_seg] = push_seg,
	[SENS_rdtsc] = copy,
	[SENS_rdtscp] = copy,
	[SENS_inc_short] = reencode,
	[SENS_dec_short] = reencode,
	[SENS_pushad] = pushad,
	[SENS_popad] = popad,
	[SENS_pusha] = pusha16,
	[SENS_popa] = popa16,
	[SENS_salc] = salc,
	[SENS_int_n] = int_n,
	[SENS_add_82] = reencode,
	[SENS_or_82] = reencode,
	[SENS_adc_82] = reencode,
	[SENS_sbb_82] = reencode,
	[SENS_and_82] = reencode,
	[SENS_sub_82] = reencode,
	[SENS_xor_82] = reencode,
	[SENS_cmp_82] = reencode,
};

void x_sensitive(struct xctx *x, int row)
{
	xsens_fn fn = inline_rows[row];
	uint8_t *mark = x->e.p;

	if (fn && fn(x))
		return;
	x->e.p = mark; /* drop a half-emitted inline attempt */
	x_callout(x, row);
}
