/*
 * qemu_rand.c — the random kinds of the qemu-i386 differential test (see
 * qemu.h, qemu_gen.c).
 *
 * Owns: instructions of forms.c with random operands (enc_form: prefixes,
 * operand size, ModRM with a memory operand through [base + disp] inside
 * the data region, immediates), the filler that templates put between
 * their fixed parts, and the kinds
 *   single   one instruction of forms.c from gen_case (every ModRM/SIB
 *            shape, steered divisors, counts, string pointers, now and then
 *            a fault), with gen_case's exact masks of undefined flags;
 *   seq      2..8 random instructions of forms.c, register operands or
 *            memory through one base register that none of them writes.
 */
#define QG_INTERNAL
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <string.h>

#include "tests/diff/qemu.h"

/* ---- random instructions of forms.c ----------------------------------------- */

struct ienc {
	uint8_t b[32];
	unsigned n;
	uint32_t ea; /* memory operand address, 0 if none */
};

static uint8_t count_pick(struct rng *r, unsigned opsize, bool shxd16)
{
	static const uint8_t counts[] = {0,  1,	 2,  3,	 7,  8,	 9,  15, 16,
					 17, 24, 31, 32, 33, 63, 64, 255};
	for (;;) {
		uint8_t k =
		    rng_one_in(r, 5) ? (uint8_t)rng_u32(r) : counts[rng_below(r, sizeof(counts))];
		if (!shxd16 || opsize != 2 || (k & 0x1f) <= 16)
			return k;
	}
}

static void emit_imm(struct rng *r, const struct form *f, unsigned opsize, struct ienc *e)
{
	uint32_t v = 0;
	unsigned n = 0;
	switch (f->imm) {
	case I_8:
		n = 1, v = rng_one_in(r, 2) ? gen_edges[rng_below(r, gen_nedges)] : rng_u32(r);
		break;
	case I_16:
		n = 2, v = gen_rnd_val(r);
		break;
	case I_Z:
		n = opsize == 2 ? 2 : 4, v = gen_rnd_val(r);
		break;
	case I_CNT:
		n = 1, v = count_pick(r, opsize, (f->fl & FL_SHXD16) != 0);
		break;
	case I_CMP:
		n = 1, v = rng_below(r, 8);
		break;
	case I_RND:
		n = 1, v = rng_below(r, 16);
		break;
	case I_XSH:
		n = 1, v = rng_one_in(r, 4) ? rng_u32(r) & 0xff : rng_below(r, 70);
		break;
	default:
		break;
	}
	for (unsigned i = 0; i < n; i++)
		e->b[e->n++] = (uint8_t)(v >> (8 * i));
}

/* A memory operand of MS bytes through [BASE + disp] (BASEV its value),
 * inside the data region; ModRM reg field REG. */
static void emit_mem(struct rng *r, int base, uint32_t basev, unsigned reg, unsigned ms, bool a16,
		     struct ienc *e)
{
	uint32_t t;
	if (rng_one_in(r, 10) && ms > 1 && ms <= 16)
		t = DX_DATA + 0x2000 - 1 - rng_below(r, ms - 1); /* across a page */
	else if (rng_one_in(r, 2))
		t = basev + (uint32_t)(int32_t)(int8_t)rng_u32(r);
	else
		t = DX_DATA + 0x400 + rng_below(r, DX_DATA_SIZE - 0x800);
	if (a16 && !rng_one_in(r, 20))
		t &= ~15u;
	if (t - DX_DATA > DX_DATA_SIZE - ms)
		t = DX_DATA + 0x1000;
	int32_t d = (int32_t)(t - basev);
	unsigned mod = d == (int8_t)d ? (rng_one_in(r, 4) ? 2 : 1) : 2;
	if (d == 0 && base != EBP && rng_one_in(r, 2))
		mod = 0;
	if (rng_one_in(r, 4)) { /* SIB without an index */
		e->b[e->n++] = (uint8_t)(mod << 6 | reg << 3 | 4);
		e->b[e->n++] = (uint8_t)(rng_below(r, 4) << 6 | 4 << 3 | (unsigned)base);
	} else {
		e->b[e->n++] = (uint8_t)(mod << 6 | reg << 3 | (unsigned)base);
	}
	e->ea = t;
	if (mod == 1)
		e->b[e->n++] = (uint8_t)d;
	if (mod == 2)
		qg_put32(e->b + e->n, (uint32_t)d), e->n += 4;
}

/* Form F with random operands; memory operands (when BASE >= 0) go through
 * [BASE + disp].  False if F does not fit. */
static bool enc_form(struct rng *r, const struct form *f, int base, uint32_t basev, struct ienc *e)
{
	unsigned opsize = f->size == Z_8 ? 1 : 4;
	if (f->size == Z_V && rng_one_in(r, 3))
		opsize = 2;
	bool modrm = f->kind != K_NONE && f->kind != K_OREG && f->kind != K_MOFFS;
	bool mem = f->kind == K_M || f->kind == K_MD ||
		   ((f->kind == K_E || f->kind == K_ED) && base >= 0 && rng_one_in(r, 2));
	if (mem && base < 0)
		return false;
	if (f->fix == X_BTREG)
		mem = false; /* a register bit offset reaches far */
	if (f->fix == X_CL && (f->fl & FL_SHXD16))
		opsize = 4; /* 16-bit shld/shrd by more than 16: undefined result */
	unsigned ms = f->msize ? f->msize : opsize;

	e->n = 0;
	e->ea = 0;
	if ((mem || f->kind == K_MOFFS) && rng_one_in(r, 10)) {
		static const uint8_t segs[] = {0x26, 0x2e, 0x36, 0x3e};
		e->b[e->n++] = segs[rng_below(r, 4)];
	}
	if ((f->fl & FL_LOCK) && mem && rng_one_in(r, 4))
		e->b[e->n++] = 0xf0;
	if (opsize == 2)
		e->b[e->n++] = 0x66;
	memcpy(e->b + e->n, f->op, f->nop);
	e->n += f->nop;
	if (f->kind == K_OREG)
		e->b[e->n - 1] = (uint8_t)(e->b[e->n - 1] + rng_below(r, 8));
	if (f->kind == K_MOFFS) {
		qg_put32(e->b + e->n, DX_DATA + 0x400 + rng_below(r, DX_DATA_SIZE - 0x800));
		e->n += 4;
	}
	if (modrm) {
		unsigned reg = (f->kind == K_ED || f->kind == K_MD || f->kind == K_RD)
				   ? f->digit
				   : rng_below(r, 8);
		if (f->fl & FL_BYTEDST)
			reg = 0;
		if (mem)
			emit_mem(r, base, basev, reg, ms, (f->fl & FL_A16) != 0, e);
		else
			e->b[e->n++] = (uint8_t)(0xc0 | reg << 3 | rng_below(r, 8));
	}
	emit_imm(r, f, opsize, e);
	return true;
}

/* Does the instruction write one of the registers in MASK (any part)? */
static bool writes_regs(const uint8_t *p, unsigned n, uint32_t mask, unsigned *len)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (!qg_decode(p, n, &in, ops))
		return true;
	*len = in.length;
	for (unsigned i = 0; i < in.operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		ZydisRegister g = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32,
								   ops[i].reg.value);
		if (g >= ZYDIS_REGISTER_EAX && g <= ZYDIS_REGISTER_EDI &&
		    (mask & R(g - ZYDIS_REGISTER_EAX)))
			return true;
	}
	return false;
}

static bool seq_form_ok(const struct form *f)
{
	if (f->fix == X_DIV || f->fix == X_IDIV || f->fix == X_MXCSR || f->fix == X_FXRSTOR ||
	    f->fix == X_MASKMOV || f->fix == X_STR || f->fix == X_XLAT || (f->fl & FL_ADDR))
		return false;
	return strcmp(f->name, "ud2 0f 0b") && strncmp(f->name, "fldenv", 6) &&
	       strncmp(f->name, "frstor", 6);
}

/* Appends one random instruction of forms.c that writes none of the
 * registers in AVOID and reads no undefined flag; memory through [BASE+d]
 * (BASE < 0: registers only).  False if none was found. */
static bool random_insn(struct asmb *a, int base, uint32_t basev, uint32_t avoid)
{
	struct ienc e;
	for (int tries = 0; tries < 40; tries++) {
		const struct form *f = forms_get(rng_below(a->r, forms_count()));
		if (!seq_form_ok(f) || !enc_form(a->r, f, base, basev, &e))
			continue;
		unsigned len;
		if (writes_regs(e.b, e.n, avoid, &len) || len != e.n ||
		    !qg_would_taint_ok(a, e.b, e.n))
			continue;
		qg_ins(a, e.b, e.n);
		if (e.ea && !strncmp(f->name, "fldcw", 5) && !rng_one_in(a->r, 4)) {
			/* mostly a control word that masks all exceptions: random
			 * unmasked ones run into qemu-i386's x87 exception model
			 * (qemu-deviations.txt), which would hide the rest */
			uint16_t cw =
			    (uint16_t)(0x037f & ~0x0f00u) | (uint16_t)(rng_below(a->r, 16) << 8);
			memcpy(a->c->mem + (e.ea - DX_DATA), &cw, 2);
		}
		return true;
	}
	return false;
}

/* N random instructions for a template: memory through ebx; esp, ebp (frame
 * pointer of enter/leave) and ebx keep pointing into the data region. */
void qg_filler(struct asmb *a, unsigned n, uint32_t avoid)
{
	for (unsigned i = 0; i < n; i++)
		random_insn(a, EBX, a->c->in.r[EBX], avoid | R(EBX) | R(ESP) | R(EBP));
}

/* ---- the kinds ------------------------------------------------------------- */

void qg_k_single(uint64_t index, struct asmb *a)
{
	static struct dcase dc;
	struct qcase *c = a->c;
	unsigned k = (unsigned)((index / 10) * 4 + index % 10);
	for (unsigned t = 0; t < 8; t++) {
		const struct form *f = forms_get((k + t) % forms_count());
		if (gen_case(f, a->r, &dc) < 0)
			continue;
		snprintf(c->kind, sizeof(c->kind), "single %s", f->name);
		memcpy(c->code, dc.guest, dc.glen);
		c->len = dc.glen;
		c->in = dc.in;
		memcpy(c->mem, dc.mem, DX_DATA_SIZE);
		c->ntrace = 1;
		c->toff[0] = 0;
		c->tflags[0] = 0;
		c->tfsw[0] = 0;
		a->t.fl = ARITH & ~dc.flag_mask;
		a->t.fsw = dc.fsw_mask;
		return;
	}
	a->bad = true;
}

void qg_k_seq(struct asmb *a)
{
	struct qcase *c = a->c;
	int base = (int)rng_below(a->r, 7);
	if (base >= ESP)
		base++;
	c->in.r[base] = DX_DATA + 0x1000 + 16 * rng_below(a->r, 0x100);
	snprintf(c->kind, sizeof(c->kind), "seq");
	unsigned n = 2 + rng_below(a->r, 7);
	bool regs_only = rng_one_in(a->r, 4);
	for (unsigned i = 0; i < n; i++)
		random_insn(a, regs_only ? -1 : base, c->in.r[base], R(base));
}
