/*
 * gen.c — building one random case from an instruction form (see gen.h):
 * operand size, prefixes (segment overrides, %fs/%gs with a base, lock —
 * also where it is #UD —, rep) and ModRM/SIB shape; steering of the random
 * initial state (gen_state.c): divisors, counts, bit offsets, string
 * pointers; placing the memory operand in the data region — or across its
 * edge into the unmapped or read-only page — by solving for a base or index
 * register or the displacement; the guest and native encodings; sequences
 * of register-only instructions; and the masks of flags the SDM leaves
 * undefined.  The Zydis cross-check of both encodings is in gen_check.c.
 */
#include "tests/diff/gen.h"

#include <stdio.h>
#include <string.h>

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u

struct inst {
	int opsize;
	uint8_t pfx[6];
	unsigned npfx;
	bool mem, sib, has_base, has_index;
	uint8_t mod, reg, rm, scale, index, base;
	int dispsz;
	int32_t disp;
	int immsz;
	uint32_t imm;
	uint8_t oreg;
	uint32_t ea;
	unsigned msize;
	uint32_t pinned;
	uint32_t divisor;
	uint32_t sbase; /* %fs/%gs base the address goes through, or 0 */
	bool set_divisor, rep, seg;
};

static bool allow_segments, allow_cs = true;

void gen_allow_segments(bool on)
{
	allow_segments = on;
}

void gen_allow_cs(bool on)
{
	allow_cs = on;
}

/* ---- register helpers ----------------------------------------------------- */

static uint32_t mask_of(int size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* sets register operand N (ModRM numbering) of SIZE bytes */
static void set_reg(struct dstate *s, int n, int size, uint32_t v)
{
	if (size == 1 && n >= 4)
		s->r[n - 4] = (s->r[n - 4] & ~0xff00u) | (v & 0xff) << 8;
	else
		s->r[n] = (s->r[n] & ~mask_of(size)) | (v & mask_of(size));
}

/* the full register holding operand register N of SIZE */
static int home(int n, int size)
{
	return size == 1 && n >= 4 ? n - 4 : n;
}

static uint8_t count_pick(struct rng *r, const struct form *f, int opsize)
{
	static const uint8_t counts[] = {0,  1,	 2,  3,	 7,  8,	 9,  15, 16,
					 17, 24, 31, 32, 33, 63, 64, 255};
	for (;;) {
		uint8_t c =
		    rng_one_in(r, 5) ? (uint8_t)rng_u32(r) : counts[rng_below(r, sizeof(counts))];
		if (!(f->fl & FL_SHXD16) || opsize != 2 || (c & 0x1f) <= 16)
			return c;
	}
}

/* ---- shape ------------------------------------------------------------------ */

static void shape(const struct form *f, struct rng *r, struct inst *in, bool regs_only)
{
	memset(in, 0, sizeof(*in));
	in->opsize = f->size == Z_8 ? 1 : 4;
	if (f->size == Z_V && rng_one_in(r, 3))
		in->opsize = 2;
	bool modrm = f->kind != K_NONE && f->kind != K_OREG && f->kind != K_MOFFS;
	if (modrm) {
		in->mem = f->kind == K_M || f->kind == K_MD ||
			  ((f->kind == K_E || f->kind == K_ED) && !regs_only && rng_one_in(r, 2));
		in->reg = (f->kind == K_ED || f->kind == K_MD || f->kind == K_RD)
			      ? f->digit
			      : (uint8_t)rng_below(r, 8);
		if (f->fl & FL_BYTEDST)
			in->reg = (uint8_t)(rng_one_in(r, 4) ? rng_below(r, 8) : 0);
	}
	if (f->kind == K_OREG)
		in->oreg = (uint8_t)rng_below(r, 8);
	if (in->mem) {
		static const uint8_t mods[] = {0, 0, 1, 1, 2};
		in->mod = mods[rng_below(r, 5)];
		in->rm = (uint8_t)rng_below(r, 8);
		in->has_base = true;
		if (in->rm == 4) {
			in->sib = true;
			in->scale = (uint8_t)rng_below(r, 4);
			in->index = (uint8_t)rng_below(r, 8);
			in->base = (uint8_t)rng_below(r, 8);
			in->has_index = in->index != 4;
			if (in->mod == 0 && in->base == 5)
				in->has_base = false;
		} else {
			in->base = in->rm;
			if (in->mod == 0 && in->rm == 5)
				in->has_base = false;
		}
		in->dispsz = in->mod == 1 ? 1 : in->mod == 2 || !in->has_base ? 4 : 0;
		in->disp = in->dispsz == 1   ? (int8_t)rng_u32(r)
			   : in->dispsz == 4 ? (int32_t)gen_rnd_val(r)
					     : 0;
	} else if (modrm) {
		in->mod = 3;
		in->rm = (uint8_t)rng_below(r, 8);
	} else if (f->kind == K_MOFFS) {
		in->mem = true;
		in->dispsz = 4;
	}
	in->msize = f->msize ? f->msize : (unsigned)in->opsize;

	/* prefixes: segment override, lock, operand size, rep */
	if (in->mem && allow_segments && !(f->fl & FL_ADDR) && rng_one_in(r, 6)) {
		in->seg = true; /* %fs or %gs with a base; natively %gs */
		in->pfx[in->npfx++] = rng_one_in(r, 2) ? 0x64 : 0x65;
	} else if ((in->mem || (f->fl & FL_ADDR)) && rng_one_in(r, 8)) {
		static const uint8_t segs[] = {0x26, 0x36, 0x3e, 0x2e};
		in->pfx[in->npfx++] = segs[rng_below(r, allow_cs ? 4 : 3)];
	}
	if ((f->fl & FL_LOCK) && in->mem) {
		if (rng_one_in(r, 3))
			in->pfx[in->npfx++] = 0xf0;
	} else if (f->size != Z_X && !(f->fl & (FL_SHORT | FL_ADDR)) && rng_one_in(r, 100)) {
		in->pfx[in->npfx++] = 0xf0; /* not lockable here: #UD on both sides */
	}
	if (in->opsize == 2)
		in->pfx[in->npfx++] = 0x66;
	if ((f->fl & (FL_REP | FL_REPCC)) && rng_one_in(r, 2)) {
		in->rep = true;
		in->pfx[in->npfx++] = (f->fl & FL_REPCC) && rng_one_in(r, 2) ? 0xf2 : 0xf3;
	}

	switch (f->imm) {
	case I_8:
		in->immsz = 1, in->imm = rng_one_in(r, 2)
					     ? gen_edges[rng_below(r, gen_nedges)] & 0xff
					     : rng_u32(r) & 0xff;
		break;
	case I_16:
		in->immsz = 2, in->imm = gen_rnd_val(r) & 0xffff;
		break;
	case I_Z:
		in->immsz = in->opsize == 2 ? 2 : 4;
		in->imm = gen_rnd_val(r) & mask_of(in->immsz);
		break;
	case I_CNT:
		in->immsz = 1, in->imm = count_pick(r, f, in->opsize);
		break;
	case I_CMP:
		in->immsz = 1, in->imm = rng_below(r, 8);
		break;
	case I_RND:
		in->immsz = 1, in->imm = rng_below(r, 16);
		break;
	case I_XSH:
		in->immsz = 1, in->imm = rng_one_in(r, 4) ? rng_u32(r) & 0xff : rng_below(r, 70);
		break;
	default:
		break;
	}
}

/* ---- steering and placement ------------------------------------------------- */

static void pin(struct inst *in, int reg)
{
	in->pinned |= 1u << reg;
}

static void steer_div(const struct form *f, struct rng *r, struct inst *in, struct dstate *s)
{
	int n = in->opsize * 8;
	bool sign = f->fix == X_IDIV;
	uint64_t m = mask_of(in->opsize);

	pin(in, DX_EAX);
	pin(in, DX_EDX);
	if (!in->mem) {
		int h = home(in->rm, in->opsize);
		if (h == DX_EAX || (in->opsize > 1 && h == DX_EDX))
			return; /* the divisor is part of the dividend: leave it random */
		pin(in, h);
	}
	uint64_t d = rng_one_in(r, 10) ? 0 : gen_rnd_val(r) & m;
	if (rng_one_in(r, 3))
		d = (rng_below(r, 2) ? m : 0) ^ (rng_below(r, 10) + 1); /* small, +/- */
	d &= m;
	uint64_t lo, hi;
	if (rng_one_in(r, 8)) { /* quotient too large (or INT_MIN / -1) */
		if (sign && rng_one_in(r, 2)) {
			d = m; /* INT_MIN / -1 */
			lo = (uint64_t)1 << (n - 1), hi = m;
		} else {
			lo = gen_rnd_val(r) & m;
			hi = (d + rng_below(r, 4)) & m;
		}
	} else if (!sign) {
		uint64_t q = gen_rnd_val(r) & m, rem = d ? rng_next(r) % d : 0;
		unsigned __int128 v = (unsigned __int128)q * (d ? d : 1) + rem;
		lo = (uint64_t)v & m, hi = (uint64_t)(v >> n) & m;
	} else {
		int64_t sd = (int64_t)(d << (64 - n)) >> (64 - n);
		int64_t q = (int64_t)((uint64_t)gen_rnd_val(r) << (64 - n)) >> (64 - n);
		if (rng_one_in(r, 2))
			q >>= rng_below(r, (unsigned)n);
		int64_t ad = sd < 0 ? -sd : sd,
			rem = ad ? (int64_t)(rng_next(r) % (uint64_t)ad) : 0;
		__int128 v = (__int128)q * (sd ? sd : 1);
		if (v < 0 || (v == 0 && rng_one_in(r, 2)))
			rem = -rem;
		v += rem;
		lo = (uint64_t)v & m, hi = (uint64_t)(v >> n) & m;
	}
	if (in->opsize == 1) {
		set_reg(s, DX_EAX, 2, (uint32_t)(hi << 8 | lo));
	} else {
		set_reg(s, DX_EAX, in->opsize, (uint32_t)lo);
		set_reg(s, DX_EDX, in->opsize, (uint32_t)hi);
	}
	if (in->mem) {
		in->divisor = (uint32_t)d, in->set_divisor = true;
	} else {
		set_reg(s, in->rm, in->opsize, (uint32_t)d);
	}
}

static uint32_t region(struct rng *r, uint32_t span)
{
	return DX_DATA + 0x1000 + rng_below(r, 0x1000 - span);
}

static void steer_pre(const struct form *f, struct rng *r, struct inst *in, struct dstate *s)
{
	switch (f->fix) {
	case X_DIV:
	case X_IDIV:
		steer_div(f, r, in, s);
		break;
	case X_CL:
		set_reg(s, DX_ECX, 1, count_pick(r, f, in->opsize));
		pin(in, DX_ECX);
		break;
	case X_BTREG:
		if (in->mem) {
			uint32_t off = (uint32_t)((int32_t)rng_below(r, 2048) - 1024);
			set_reg(s, in->reg, in->opsize, off);
			pin(in, in->reg);
		}
		break;
	case X_STR:
		s->r[DX_ESI] = region(r, 0);
		s->r[DX_EDI] = region(r, 0);
		if (rng_one_in(r, 8)) /* run into the read-only page going up */
			s->r[DX_EDI] = DX_RO - rng_below(r, 48);
		else if (rng_one_in(r, 8)) /* or into the unmapped one going down */
			s->r[DX_ESI] = DX_DATA + rng_below(r, 48);
		if (in->rep)
			s->r[DX_ECX] = rng_one_in(r, 5) ? 0 : rng_below(r, 24);
		pin(in, DX_ESI), pin(in, DX_EDI), pin(in, DX_ECX);
		break;
	case X_XLAT:
		s->r[DX_EBX] = region(r, 256);
		pin(in, DX_EBX);
		break;
	case X_MASKMOV:
		s->r[DX_EDI] = region(r, 16);
		pin(in, DX_EDI);
		break;
	default:
		break;
	}
}

static uint32_t ea_of(const struct inst *in, const struct dstate *s)
{
	uint32_t a = (uint32_t)in->disp;
	if (in->has_base)
		a += s->r[in->base];
	if (in->has_index)
		a += s->r[in->index] << in->scale;
	return a;
}

/* Makes the memory operand address T (or close to it); false if the shape
 * leaves no free register or displacement to do it with. */
static bool place(struct inst *in, struct dstate *s, uint32_t t)
{
	t -= in->sbase;
	uint32_t idx = in->has_index ? s->r[in->index] << in->scale : 0;
	if (in->has_base && !(in->pinned & 1u << in->base)) {
		if (in->has_index && in->index == in->base) {
			uint32_t k = 1 + (1u << in->scale);
			s->r[in->base] = (t - (uint32_t)in->disp) / k;
		} else {
			s->r[in->base] = t - idx - (uint32_t)in->disp;
		}
	} else if (in->has_index && !(in->pinned & 1u << in->index) &&
		   !(in->has_base && in->base == in->index)) {
		uint32_t rest = t - (in->has_base ? s->r[in->base] : 0) - (uint32_t)in->disp;
		if (rest & ((1u << in->scale) - 1)) {
			if (in->dispsz != 4)
				return false;
			in->disp = (int32_t)((uint32_t)in->disp + (rest & ((1u << in->scale) - 1)));
			rest &= ~((1u << in->scale) - 1);
		}
		s->r[in->index] = rest >> in->scale;
	} else if (in->dispsz == 4) {
		in->disp = (int32_t)(t - (in->has_base ? s->r[in->base] : 0) - idx);
	} else {
		return false;
	}
	in->ea = ea_of(in, s) + in->sbase;
	/* in the data region, or reaching into the pages around it */
	return in->ea - (DX_DATA - 0x1000) <= DX_DATA_SIZE + 0x2000 - in->msize;
}

static uint32_t target(const struct form *f, struct rng *r, const struct inst *in)
{
	unsigned ms = in->msize;
	if (f->fix == X_BTREG)
		return DX_DATA + 0x1100 + rng_below(r, 0xe00);
	if (rng_one_in(r, 40) && ms <= 0x1000) { /* fault: unmapped below, read-only above */
		if (rng_one_in(r, 2))
			return DX_DATA - 1 - rng_below(r, ms + 8);
		return DX_RO - rng_below(r, ms) + (rng_one_in(r, 4) ? rng_below(r, 64) : 0);
	}
	if (rng_one_in(r, 10) && ms > 1 && ms <= 16)
		return DX_DATA + 0x2000 - 1 - rng_below(r, ms - 1); /* crosses a page */
	uint32_t t = region(r, ms < 0x1000 ? ms : 0);
	unsigned al = ms >= 16 ? 16 : ms >= 8 ? 8 : ms >= 4 ? 4 : ms >= 2 ? 2 : 1;
	if ((f->fl & FL_A16) && !rng_one_in(r, 10))
		t &= ~15u;
	else if (rng_one_in(r, 2))
		t &= ~(al - 1);
	return t;
}

static void put_mem(uint8_t *mem, uint32_t a, const void *v, unsigned n)
{
	if (a - DX_DATA <= DX_DATA_SIZE - n)
		memcpy(mem + (a - DX_DATA), v, n);
}

static void steer_post(const struct form *f, struct rng *r, struct inst *in, struct dstate *s,
		       uint8_t *mem)
{
	switch (f->fix) {
	case X_DIV:
	case X_IDIV:
		if (in->set_divisor)
			put_mem(mem, in->ea, &in->divisor, (unsigned)in->opsize);
		break;
	case X_CMPXCHG:
		if (rng_one_in(r, 2)) {
			uint32_t a = s->r[DX_EAX];
			if (in->mem)
				put_mem(mem, in->ea, &a, (unsigned)in->opsize);
			else
				set_reg(s, in->rm, in->opsize, a);
		}
		break;
	case X_CX8:
		if (rng_one_in(r, 2)) {
			uint32_t v[2] = {s->r[DX_EAX], s->r[DX_EDX]};
			put_mem(mem, in->ea, v, 8);
		}
		break;
	case X_MXCSR:
	case X_FXRSTOR: {
		uint32_t m = 0x1f80 | rng_below(r, 4) << 13 | (rng_u32(r) & 0x3f);
		if (rng_one_in(r, 8))
			m |= 0x8040;
		put_mem(mem, in->ea + (f->fix == X_FXRSTOR ? 24 : 0), &m, 4);
		break;
	}
	case X_STR: {
		bool cmps = f->op[0] == 0xa6 || f->op[0] == 0xa7;
		bool scas = f->op[0] == 0xae || f->op[0] == 0xaf;
		if (!in->rep || !(cmps || scas) || rng_one_in(r, 2))
			break;
		int size = in->opsize, dir = (s->flags & 0x400) ? -size : size;
		uint32_t n = s->r[DX_ECX];
		for (uint32_t k = 0; k < n; k++) {
			uint32_t d = s->r[DX_EDI] + (uint32_t)(dir * (int)k);
			uint32_t v = s->r[DX_EAX];
			uint32_t src = s->r[DX_ESI] + (uint32_t)(dir * (int)k);
			if (cmps && src - DX_DATA <= DX_DATA_SIZE - 4)
				memcpy(&v, mem + (src - DX_DATA), (unsigned)size);
			put_mem(mem, d, &v, (unsigned)size);
		}
		if (n && rng_one_in(r, 2)) /* one difference somewhere */
			put_mem(mem, s->r[DX_EDI] + (uint32_t)(dir * (int)rng_below(r, n)),
				&(uint8_t){(uint8_t)rng_u32(r)}, 1);
		break;
	}
	default:
		break;
	}
}

/* ---- encoding and masks ----------------------------------------------------- */

static unsigned encode(const struct form *f, const struct inst *in, uint8_t *p, bool native)
{
	unsigned n = 0;
	bool disp_only = in->mem && !in->sib && !in->has_base;

	if (native && (in->mem || (f->fl & FL_ADDR)))
		p[n++] = 0x67;
	memcpy(p + n, in->pfx, in->npfx);
	for (unsigned i = 0; native && i < in->npfx; i++)
		if (p[n + i] == 0x64)
			p[n + i] = 0x65; /* the guest's %fs base is the host's %gs base */
	n += in->npfx;
	if (native && (f->fl & FL_SHORT)) {
		p[n++] = 0xff;
		p[n++] = (uint8_t)(0xc0 | (f->op[0] & 8) | in->oreg);
		return n;
	}
	memcpy(p + n, f->op, f->nop);
	if (native && (f->fl & FL_SUB82))
		p[n] = 0x80;
	n += f->nop;
	if (f->kind == K_OREG)
		p[n - 1] = (uint8_t)(p[n - 1] + in->oreg);
	if (f->kind == K_MOFFS) {
		memcpy(p + n, &in->disp, 4);
		n += 4;
	} else if (f->kind != K_NONE && f->kind != K_OREG) {
		if (native && disp_only) { /* [disp32] is rip-relative in 64-bit mode */
			p[n++] = (uint8_t)(in->reg << 3 | 4);
			p[n++] = 0x25;
		} else {
			p[n++] = (uint8_t)(in->mod << 6 | in->reg << 3 | in->rm);
			if (in->sib)
				p[n++] = (uint8_t)(in->scale << 6 | in->index << 3 | in->base);
		}
		memcpy(p + n, &in->disp, (size_t)in->dispsz);
		n += (unsigned)in->dispsz;
	}
	memcpy(p + n, &in->imm, (size_t)in->immsz);
	return n + (unsigned)in->immsz;
}

/* WORST: the count is not known (sequences): every flag the count may
 * leave undefined. */
static uint32_t undefined_flags(const struct form *f, const struct inst *in, const struct dstate *s,
				bool worst)
{
	unsigned cnt = f->imm == I_CNT ? in->imm : f->fix == X_CL ? s->r[DX_ECX] & 0xff : 1;
	cnt &= 0x1f;
	if (worst && f->fix == X_CL)
		cnt = 31;
	switch (f->undef) {
	case U_AF:
		return AF;
	case U_SHIFT: /* shl shr sar */
		if (!cnt)
			return 0;
		return AF | (cnt != 1 ? OF : 0) |
		       ((f->digit == 4 || f->digit == 5) && cnt >= 8u * (unsigned)in->opsize ? CF
											     : 0) |
		       (worst && (f->digit == 4 || f->digit == 5) ? CF : 0);
	case U_ROT: /* rol ror rcl rcr */
		return cnt > 1 ? OF : 0;
	case U_SHXD:
		return cnt ? AF | (cnt != 1 ? OF : 0) : 0;
	case U_MUL:
		return SF | ZF | AF | PF;
	case U_DIV:
		return CF | PF | AF | ZF | SF | OF;
	case U_BSF:
		return CF | OF | SF | AF | PF;
	case U_BT:
	case U_CNT:
		return OF | SF | AF | PF;
	default:
		return 0;
	}
}

int gen_case(const struct form *f, struct rng *r, struct dcase *c)
{
	struct inst in;

	for (int tries = 0; tries < 64; tries++) {
		shape(f, r, &in, false);
		gen_random_state(r, &c->in, c->mem);
		if (in.seg) {
			static const uint32_t bases[] = {0x1000, 0x10000000, 0x1ffff000,
							 0x12345678};
			in.sbase = rng_one_in(r, 2) ? bases[rng_below(r, 4)]
						    : 1 + rng_below(r, DX_DATA - 1);
			c->in.seg_base = in.sbase;
		}
		steer_pre(f, r, &in, &c->in);
		if (in.mem && !(f->fl & FL_NOACC) && !place(&in, &c->in, target(f, r, &in)))
			continue;
		steer_post(f, r, &in, &c->in, c->mem);
		c->f = f;
		c->seq = 0;
		c->glen = encode(f, &in, c->guest, false);
		c->nlen = encode(f, &in, c->native, true);
		c->off =
		    rng_one_in(r, 4) ? 4096 - rng_below(r, c->glen + 1) : rng_below(r, 4096 - 32);
		c->flag_mask = DX_FLAGS & ~undefined_flags(f, &in, &c->in, false);
		c->fsw_mask = (f->fl & FL_X87A) ? 0x4500 : 0;
		return 0;
	}
	snprintf((char *)c->guest, sizeof(c->guest), "no placement");
	return -1;
}

static bool seq_ok(const struct form *f)
{
	return f->kind != K_M && f->kind != K_MD && f->kind != K_MOFFS &&
	       !(f->fl & (FL_ADDR | FL_SHORT));
}

void gen_seq(struct rng *r, struct dcase *c)
{
	unsigned k = 2 + rng_below(r, 5);
	struct inst in;

	gen_random_state(r, &c->in, c->mem);
	c->f = NULL;
	c->seq = k;
	c->glen = c->nlen = 0;
	c->flag_mask = DX_FLAGS;
	c->fsw_mask = 0;
	for (unsigned i = 0; i < k; i++) {
		const struct form *f;
		do
			f = forms_get(rng_below(r, forms_count()));
		while (!seq_ok(f));
		shape(f, r, &in, true);
		steer_pre(f, r, &in, &c->in);
		c->glen += encode(f, &in, c->guest + c->glen, false);
		c->nlen += encode(f, &in, c->native + c->nlen, true); /* same length */
		c->flag_mask &= ~undefined_flags(f, &in, &c->in, true);
		c->fsw_mask |= (f->fl & FL_X87A) ? 0x4500 : 0;
	}
	c->off = rng_one_in(r, 4) ? 4096 - rng_below(r, c->glen + 1) : rng_below(r, 4096 - 96);
}
