/*
 * callout.c — what a sensitive instruction does in an i386 Linux process
 * (CPL 3), when the translator hands it to the monitor.
 *
 * Owns: int $0x80 in the forms the translator does not turn into a system
 * call exit (with a prefix), the other software interrupts,
 * privileged instructions (#GP or #UD, as the guest CPU would raise them,
 * turned into the signal Linux sends), CPUID/XGETBV, segment register loads
 * (the guest's TLS), the BCD instructions, bound, arpl and the descriptor-
 * table reads that Linux's UMIP emulation answers.  Dispatch is one table
 * indexed by sensitive.def row.
 */
#include "monitor/user/user.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor/emulate.h"

typedef enum lx_result (*callout_fn)(struct user *u, const ZydisDecodedInstruction *in,
				     const ZydisDecodedOperand *ops);

static enum lx_result advance(struct user *u, const ZydisDecodedInstruction *in)
{
	u->ts->g.eip += in->length;
	return LX_CONTINUE;
}

/* #GP in ring 3: SIGSEGV, si_code SI_KERNEL, address 0. */
static enum lx_result gp(struct user *u, const ZydisDecodedInstruction *in,
			 const ZydisDecodedOperand *ops)
{
	(void)in, (void)ops;
	lx_fault_trap(&u->t, SIGSEGV, SI_KERNEL, 0, 13, 0);
	return LX_CONTINUE;
}

/* #GP for a selector the CPU refuses: its error code is the selector's
 * index and table bit (0 for a null selector). */
static enum lx_result gp_selector(struct user *u, uint16_t sel)
{
	lx_fault_trap(&u->t, SIGSEGV, SI_KERNEL, 0, 13, sel & 0xfffcu);
	return LX_CONTINUE;
}

/* #UD: SIGILL at the instruction. */
static enum lx_result ud(struct user *u, const ZydisDecodedInstruction *in,
			 const ZydisDecodedOperand *ops)
{
	(void)in, (void)ops;
	lx_fault_trap(&u->t, SIGILL, ILL_ILLOPN, u->ts->g.eip, 6, 0);
	return LX_CONTINUE;
}

static enum lx_result int_n(struct user *u, const ZydisDecodedInstruction *in,
			    const ZydisDecodedOperand *ops)
{
	if (ops[0].imm.value.u != 0x80) /* no other user-callable gate */
		return gp(u, in, ops);
	advance(u, in);
	u->syscalls++;
	return lx_syscall(&u->t);
}

static enum lx_result int3(struct user *u, const ZydisDecodedInstruction *in,
			   const ZydisDecodedOperand *ops)
{
	(void)ops;
	advance(u, in); /* a trap: eip after the instruction */
	lx_fault_trap(&u->t, SIGTRAP, SI_KERNEL, 0, 3, 0);
	return LX_CONTINUE;
}

static enum lx_result into(struct user *u, const ZydisDecodedInstruction *in,
			   const ZydisDecodedOperand *ops)
{
	(void)ops;
	advance(u, in);
	if (u->ts->g.eflags & GF_OF)
		lx_fault_trap(&u->t, SIGSEGV, SI_KERNEL, 0, 4, 0);
	return LX_CONTINUE;
}

static enum lx_result cpuid(struct user *u, const ZydisDecodedInstruction *in,
			    const ZydisDecodedOperand *ops)
{
	uint32_t *r = u->ts->g.regs, out[4];
	(void)ops;
	emu_cpuid(r[GR_EAX], r[GR_ECX], out);
	r[GR_EAX] = out[0];
	r[GR_EBX] = out[1];
	r[GR_ECX] = out[2];
	r[GR_EDX] = out[3];
	return advance(u, in);
}

static enum lx_result xgetbv(struct user *u, const ZydisDecodedInstruction *in,
			     const ZydisDecodedOperand *ops)
{
	uint32_t *r = u->ts->g.regs;
	if (r[GR_ECX] != 0)
		return gp(u, in, ops);
	r[GR_EAX] = EMU_XCR0;
	r[GR_EDX] = 0;
	return advance(u, in);
}

static int seg_of(ZydisRegister r)
{
	return r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS ? (int)(r - ZYDIS_REGISTER_ES) : -1;
}

/* Loads segment S with SEL as a CPL-3 mov/pop would; false -> #GP. */
static bool load_seg(struct user *u, int s, uint16_t sel)
{
	struct gcpu *g = &u->ts->g;
	uint32_t base = 0;

	if ((sel & ~3u) == 0) { /* null selector: fine for ds es fs gs */
		if (s == GS_SS || s == GS_CS)
			return false;
	} else if (lx_segment_base(&u->t, sel, &base) < 0 && sel != LX_USER_DS &&
		   sel != LX_USER_CS) {
		return false;
	}
	if ((s == GS_SS || s == GS_DS || s == GS_ES) && base != 0)
		return false; /* ringvm keeps ds/es/ss flat (a quirk) */
	g->seg[s] = sel;
	g->seg_base[s] = base;
	return true;
}

static enum lx_result mov_to_seg(struct user *u, const ZydisDecodedInstruction *in,
				 const ZydisDecodedOperand *ops)
{
	uint16_t sel;
	int s = seg_of(ops[0].reg.value);

	if (ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		sel = (uint16_t)user_reg(u, ops[1].reg.value);
	} else {
		uint32_t a;
		if (user_mem_addr(u, &ops[1], &a) < 0 || uspace_read(u->mem, &sel, a, 2) < 0)
			return user_segv(u, a);
	}
	if (s < 0 || s == GS_CS)
		return gp(u, in, ops);
	if (!load_seg(u, s, sel))
		return gp_selector(u, sel);
	return advance(u, in);
}

static enum lx_result pop_seg(struct user *u, const ZydisDecodedInstruction *in,
			      const ZydisDecodedOperand *ops)
{
	uint32_t *esp = &u->ts->g.regs[GR_ESP], v;
	int s = seg_of(ops[0].reg.value), size = in->operand_width / 8;

	if (uspace_read(u->mem, &v, *esp, 2) < 0)
		return user_segv(u, *esp);
	if (s < 0 || s == GS_CS)
		return gp(u, in, ops);
	if (!load_seg(u, s, (uint16_t)v))
		return gp_selector(u, (uint16_t)v);
	*esp += (uint32_t)size;
	return advance(u, in);
}

/* lds les lfs lgs lss r32, m16:32 */
static enum lx_result load_far(struct user *u, const ZydisDecodedInstruction *in,
			       const ZydisDecodedOperand *ops)
{
	static const struct { ZydisMnemonic m; int seg; } segs[] = {
		{ZYDIS_MNEMONIC_LDS, GS_DS}, {ZYDIS_MNEMONIC_LES, GS_ES}, {ZYDIS_MNEMONIC_LFS, GS_FS},
		{ZYDIS_MNEMONIC_LGS, GS_GS}, {ZYDIS_MNEMONIC_LSS, GS_SS},
	};
	uint8_t ptr[6];
	uint32_t a, off;
	uint16_t sel;
	int s = -1;

	for (unsigned i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (segs[i].m == in->mnemonic)
			s = segs[i].seg;
	if (s < 0 || in->operand_width != 32)
		return ud(u, in, ops);
	if (user_mem_addr(u, &ops[1], &a) < 0 || uspace_read(u->mem, ptr, a, 6) < 0)
		return user_segv(u, a);
	memcpy(&off, ptr, 4);
	memcpy(&sel, ptr + 4, 2);
	if (!load_seg(u, s, sel))
		return gp_selector(u, sel);
	user_set_reg(u, ops[0].reg.value, off);
	return advance(u, in);
}

/* Reads the 16-bit selector operand OP (register or memory). */
static bool selector_operand(struct user *u, const ZydisDecodedOperand *op, uint16_t *sel)
{
	uint32_t a;
	if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
		*sel = (uint16_t)user_reg(u, op->reg.value);
		return true;
	}
	return user_mem_addr(u, op, &a) == 0 && uspace_read(u->mem, sel, a, 2) == 0;
}

static void set_zf(struct user *u, bool on)
{
	u->ts->g.eflags = on ? u->ts->g.eflags | GF_ZF : u->ts->g.eflags & ~GF_ZF;
}

/* arpl r/m16, r16: raise the destination's RPL to the source's. */
static enum lx_result arpl(struct user *u, const ZydisDecodedInstruction *in,
			   const ZydisDecodedOperand *ops)
{
	uint16_t dst, src = (uint16_t)user_reg(u, ops[1].reg.value);
	uint32_t a = 0;

	if (!selector_operand(u, &ops[0], &dst))
		return user_mem_addr(u, &ops[0], &a), user_segv(u, a);
	bool adjust = (dst & 3) < (src & 3);
	set_zf(u, adjust);
	if (adjust) {
		dst = (uint16_t)((dst & ~3) | (src & 3));
		if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER)
			user_set_reg(u, ops[0].reg.value, dst);
		else if (user_mem_addr(u, &ops[0], &a) < 0 || uspace_write(u->mem, a, &dst, 2) < 0)
			return user_segv(u, a);
	}
	return advance(u, in);
}

/* lar, lsl, verr, verw on the selectors a Linux i386 process has: the flat
 * user code and data segments (DPL 3, 4 GiB); anything else is "not
 * accessible" (ZF = 0), as for a null or foreign selector. */
static enum lx_result descriptor_query(struct user *u, const ZydisDecodedInstruction *in,
				       const ZydisDecodedOperand *ops)
{
	int src = in->mnemonic == ZYDIS_MNEMONIC_VERR || in->mnemonic == ZYDIS_MNEMONIC_VERW ? 0 : 1;
	uint16_t sel;
	uint32_t a = 0;

	if (!selector_operand(u, &ops[src], &sel))
		return user_mem_addr(u, &ops[src], &a), user_segv(u, a);
	bool code = (sel | 3) == LX_USER_CS, data = (sel | 3) == LX_USER_DS;
	bool ok = (code || data) && (sel & 3) == 3;
	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_LAR:
		if (ok)
			user_set_reg(u, ops[0].reg.value, code ? 0x00cffb00 : 0x00cff300);
		break;
	case ZYDIS_MNEMONIC_LSL:
		if (ok)
			user_set_reg(u, ops[0].reg.value, 0xffffffff);
		break;
	case ZYDIS_MNEMONIC_VERW:
		ok = ok && data;
		break;
	default: /* verr: code segments are readable too */
		break;
	}
	set_zf(u, ok);
	return advance(u, in);
}

static enum lx_result bcd(struct user *u, const ZydisDecodedInstruction *in,
			  const ZydisDecodedOperand *ops)
{
	struct gcpu *g = &u->ts->g;
	uint8_t imm = in->operand_count_visible ? (uint8_t)ops[0].imm.value.u : 10;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_DAA: emu_daa(g); break;
	case ZYDIS_MNEMONIC_DAS: emu_das(g); break;
	case ZYDIS_MNEMONIC_AAA: emu_aaa(g); break;
	case ZYDIS_MNEMONIC_AAS: emu_aas(g); break;
	case ZYDIS_MNEMONIC_AAD: emu_aad(g, imm); break;
	case ZYDIS_MNEMONIC_AAM:
		if (!emu_aam(g, imm)) {
			lx_fault_trap(&u->t, SIGFPE, FPE_INTDIV, g->eip, 0, 0);
			return LX_CONTINUE;
		}
		break;
	default: return ud(u, in, ops);
	}
	return advance(u, in);
}

/* bound r32, m32&32 (r16, m16&16 with 0x66): #BR (SIGSEGV on Linux) when
 * out of range; the bounds are signed. */
static enum lx_result bound(struct user *u, const ZydisDecodedInstruction *in,
			    const ZydisDecodedOperand *ops)
{
	uint32_t a, r = user_reg(u, ops[0].reg.value);
	int32_t lim[2], v = (int32_t)r;

	if (user_mem_addr(u, &ops[1], &a) < 0)
		return user_segv(u, a);
	if (in->operand_width == 16) {
		int16_t w[2];
		if (uspace_read(u->mem, w, a, 4) < 0)
			return user_segv(u, a);
		lim[0] = w[0], lim[1] = w[1], v = (int16_t)r;
	} else if (uspace_read(u->mem, lim, a, 8) < 0) {
		return user_segv(u, a);
	}
	if (v < lim[0] || v > lim[1]) {
		lx_fault_trap(&u->t, SIGSEGV, SI_KERNEL, 0, 5, 0);
		return LX_CONTINUE;
	}
	return advance(u, in);
}

/* sgdt, sidt, smsw, sldt, str: the dummy values Linux's UMIP emulation
 * gives user space. */
static enum lx_result umip(struct user *u, const ZydisDecodedInstruction *in,
			   const ZydisDecodedOperand *ops)
{
	uint8_t buf[6] = {0};
	uint32_t val = 0, len = 2;

	switch (in->mnemonic) {
	case ZYDIS_MNEMONIC_SGDT: val = 0xfffe0000; len = 6; break;
	case ZYDIS_MNEMONIC_SIDT: val = 0xffff0000; len = 6; break;
	case ZYDIS_MNEMONIC_SMSW: val = 0x80050033; len = 2; break;
	default: break;
	}
	if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
		user_set_reg(u, ops[0].reg.value, val);
		return advance(u, in);
	}
	if (len == 6)
		memcpy(buf + 2, &val, 4);
	else
		memcpy(buf, &val, 2);
	uint32_t a;
	if (user_mem_addr(u, &ops[0], &a) < 0 || uspace_write(u->mem, a, buf, len) < 0)
		return user_segv(u, a);
	return advance(u, in);
}

static const callout_fn callouts[SENS_NROWS] = {
	[SENS_int_n] = int_n,        [SENS_int3] = int3,          [SENS_into] = into,
	[SENS_int1] = int3,          [SENS_cpuid] = cpuid,        [SENS_xgetbv] = xgetbv,
	[SENS_mov_to_seg] = mov_to_seg, [SENS_pop_seg] = pop_seg,
	[SENS_daa] = bcd, [SENS_das] = bcd, [SENS_aaa] = bcd, [SENS_aas] = bcd,
	[SENS_aam] = bcd, [SENS_aad] = bcd, [SENS_bound] = bound,
	[SENS_sgdt] = umip, [SENS_sidt] = umip, [SENS_smsw] = umip, [SENS_sldt] = umip,
	[SENS_str] = umip,
	[SENS_lds] = load_far, [SENS_les] = load_far, [SENS_lfs] = load_far, [SENS_lgs] = load_far,
	[SENS_lss] = load_far, [SENS_arpl] = arpl,
	[SENS_lar] = descriptor_query, [SENS_lsl] = descriptor_query,
	[SENS_verr] = descriptor_query, [SENS_verw] = descriptor_query,
	/* #UD at CPL 3 or in 32-bit mode on Intel */
	[SENS_clac] = ud, [SENS_stac] = ud, [SENS_monitor] = ud, [SENS_mwait] = ud,
	[SENS_syscall] = ud, [SENS_sysret] = ud, [SENS_sysexit] = ud,
	[SENS_jmp_far] = user_far_transfer, [SENS_jmp_far_ptr] = user_far_transfer,
	[SENS_call_far] = user_far_transfer, [SENS_call_far_ptr] = user_far_transfer,
	[SENS_ret_far] = user_far_transfer, [SENS_iret] = user_far_transfer,
	[SENS_iretd] = user_far_transfer,
};

enum lx_result user_callout(struct user *u, int row, unsigned len)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const uint8_t *p = uspace_ptr(u->mem, u->ts->g.eip, len, PROT_READ);

	if (row < 0 || !p ||
	    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&u->dec, p, len, &in, ops))) {
		u->untranslatable++;
		return ud(u, NULL, NULL);
	}
	callout_fn fn = callouts[row];
	/* everything else is privileged at CPL 3 (#GP) */
	return fn ? fn(u, &in, ops) : gp(u, &in, ops);
}
