/*
 * qemu_tmpl32.c — the templates of the qemu-i386 differential test for
 * instructions that only 32-bit code has or that touch 32-bit-only state
 * (see qemu.h, qemu_gen.c): hand-written shapes with random parts.
 *
 * Owns the kinds
 *   bcd      daa das aaa aas aam aad between adds, subs and carries on al;
 *   string   movs cmps stos lods scas with rep/repe/repne, segment
 *            overrides and DF;
 *   misc     32-bit-only odds: salc, xlat, arpl, bound, into, int3, lds/les,
 *            lea with 16-bit addressing, segment register moves, lar/lsl,
 *            cmpxchg8b, one-byte inc/dec, TF and AC through popfd.
 */
#define QG_INTERNAL
#include <stdio.h>
#include <string.h>

#include "tests/diff/qemu.h"

static void set_mem32(struct qcase *c, uint32_t a, uint32_t v)
{
	if (a - DX_DATA <= DX_DATA_SIZE - 4)
		memcpy(c->mem + (a - DX_DATA), &v, 4);
}

void qg_k_bcd(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "bcd");
	static const uint8_t al[] = {0x00, 0x09, 0x0a, 0x0f, 0x10, 0x19, 0x1a, 0x50,
				     0x90, 0x99, 0x9a, 0x9f, 0xa0, 0xf9, 0xfa, 0xff};
	for (int i = 0; i < 2; i++) {
		uint32_t v = rng_one_in(r, 2) ? al[rng_below(r, sizeof(al))] : rng_u32(r) & 0xff;
		c->in.r[EAX] = (c->in.r[EAX] & ~(0xffu << (8 * i))) | v << (8 * i);
	}
	unsigned n = 2 + rng_below(r, 6);
	for (unsigned i = 0, tries = 0; i < n && tries < 60 && !a->bad; tries++) {
		uint8_t b[3];
		unsigned len = 1;
		uint8_t imm = rng_one_in(r, 2) ? al[rng_below(r, sizeof(al))] : (uint8_t)rng_u32(r);
		switch (rng_below(r, 14)) {
		case 0:
			b[0] = 0x27;
			break; /* daa */
		case 1:
			b[0] = 0x2f;
			break; /* das */
		case 2:
			b[0] = 0x37;
			break; /* aaa */
		case 3:
			b[0] = 0x3f;
			break; /* aas */
		case 4:	       /* aam imm8 (0: #DE, now and then) */
			b[0] = 0xd4,
			b[1] = rng_one_in(r, 2)	   ? 10
			       : rng_one_in(r, 30) ? 0
						   : imm | 1,
			len = 2;
			break;
		case 5:
			b[0] = 0xd5, b[1] = rng_one_in(r, 2) ? 10 : imm, len = 2; /* aad */
			break;
		case 6:
			b[0] = 0x04, b[1] = imm, len = 2;
			break; /* add al, imm */
		case 7:
			b[0] = 0x2c, b[1] = imm, len = 2;
			break; /* sub al, imm */
		case 8:
			b[0] = 0x14, b[1] = imm, len = 2;
			break; /* adc al, imm */
		case 9:
			b[0] = 0x1c, b[1] = imm, len = 2;
			break; /* sbb al, imm */
		case 10:
			b[0] = 0xb4, b[1] = imm, len = 2;
			break; /* mov ah, imm */
		case 11:
			b[0] = (uint8_t)(0xf5 + 3 * rng_below(r, 2));
			break; /* cmc clc */
		case 12:
			b[0] = 0xf9;
			break; /* stc */
		default:
			b[0] = 0x00, b[1] = 0xe0, len = 2;
			break; /* add al, ah */
		}
		if (!qg_would_taint_ok(a, b, len))
			continue;
		qg_ins(a, b, len);
		i++;
	}
}

void qg_k_string(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "string");
	qg_stack_regs(a);
	c->in.r[ESI] = DX_DATA + 0x1000 + rng_below(r, 0x1000);
	c->in.r[EDI] = rng_one_in(r, 4) ? c->in.r[ESI] + rng_below(r, 16) - 8
					: DX_DATA + 0x1000 + rng_below(r, 0x1000);
	c->in.r[ECX] = rng_below(r, 20);
	if (rng_one_in(r, 3)) { /* equal runs for repe */
		memmove(c->mem + (c->in.r[EDI] - DX_DATA), c->mem + (c->in.r[ESI] - DX_DATA), 64);
		if (rng_one_in(r, 2))
			c->mem[c->in.r[EDI] - DX_DATA + rng_below(r, 64)] ^= 1;
	}
	unsigned n = 2 + rng_below(r, 4);
	for (unsigned i = 0; i < n && !a->bad; i++) {
		uint8_t b[6];
		unsigned len = 0;
		switch (rng_below(r, 6)) {
		case 0:
			INS(a, 0xb9, (uint8_t)rng_below(r, 25), 0, 0, 0); /* mov ecx, n */
			continue;
		case 1:
			INS(a, rng_one_in(r, 2) ? 0xfc : 0xfd); /* cld, std */
			continue;
		default:
			break;
		}
		unsigned op = rng_below(r, 5); /* movs cmps stos lods scas */
		static const uint8_t base[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
		unsigned size = rng_below(r, 3);
		if (rng_one_in(r, 8) && op != 2 && op != 4)
			b[len++] = (uint8_t)(0x26 + 8 * rng_below(r, 4)); /* source segment */
		if (size == 1)
			b[len++] = 0x66;
		if (rng_one_in(r, 3) || op == 0 || op == 2)
			if (!rng_one_in(r, 4))
				b[len++] = (op == 1 || op == 4) && rng_one_in(r, 2) ? 0xf2 : 0xf3;
		b[len++] = (uint8_t)(base[op] + (size ? 1 : 0));
		if (qg_would_taint_ok(a, b, len))
			qg_ins(a, b, len);
	}
}

/* ModRM for lea with 16-bit addressing: any of the eight forms, mod 0..2 */
static unsigned lea16(struct rng *r, uint8_t reg, uint8_t *b)
{
	unsigned mod = rng_below(r, 3), rm = rng_below(r, 8), n = 0;
	b[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
	unsigned disp = mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;
	if (mod == 0 && rm == 6)
		disp = 2;
	for (unsigned i = 0; i < disp; i++)
		b[n++] = (uint8_t)rng_u32(r);
	return n;
}

void qg_k_misc(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "misc");
	qg_stack_regs(a);
	unsigned n = 2 + rng_below(r, 4);
	for (unsigned i = 0, tries = 0; i < n && tries < 60 && !a->bad; tries++) {
		uint8_t b[12];
		unsigned len = 0;
		uint8_t fr = qg_free_reg(r), d = qg_d8(r);
		uint32_t ea = c->in.r[EBX] + (uint32_t)(int32_t)(int8_t)d;
		switch (rng_below(r, 19)) {
		case 0:
			b[len++] = 0xd6;
			break; /* salc */
		case 1:
			b[len++] = 0xd7;
			break; /* xlat */
		case 2:	       /* arpl r/m16, r16 */
			b[len++] = 0x63;
			if (rng_one_in(r, 2))
				b[len++] = 0x43, b[len++] = d;
			else
				b[len++] = (uint8_t)(0xc0 | rng_below(r, 8) << 3 | fr);
			break;
		case 3: { /* bound r, m32&32: in bounds but now and then */
			if (rng_one_in(r, 2))
				b[len++] = 0x66;
			b[len++] = 0x62, b[len++] = (uint8_t)(0x43 | rng_below(r, 8) << 3),
			b[len++] = d;
			if (!rng_one_in(r, 4) && b[0] == 0x66) {
				set_mem32(c, ea, 0x7fff8000u); /* -32768, 32767 */
			} else if (!rng_one_in(r, 4)) {
				set_mem32(c, ea, 0x80000000u);
				set_mem32(c, ea + 4, 0x7fffffffu);
			}
			break;
		}
		case 4:
			if (rng_one_in(r, 8))
				b[len++] = 0xcc; /* int3 */
			else
				b[len++] = 0xce; /* into */
			break;
		case 5: /* cbw cwde cwd cdq */
			if (rng_one_in(r, 2))
				b[len++] = 0x66;
			b[len++] = (uint8_t)(0x98 + rng_below(r, 2));
			break;
		case 6:
			b[len++] = (uint8_t)(0x9e + rng_below(r, 2));
			break; /* sahf lahf */
		case 7:	       /* cmpxchg8b [ebx+d8] */
			if (rng_one_in(r, 3))
				b[len++] = 0xf0;
			b[len++] = 0x0f, b[len++] = 0xc7, b[len++] = 0x4b, b[len++] = d;
			if (rng_one_in(r, 2)) { /* equal to edx:eax as they start */
				set_mem32(c, ea, c->in.r[EAX]);
				set_mem32(c, ea + 4, c->in.r[EDX]);
			}
			break;
		case 8: /* lea with 16-bit addressing */
			if (rng_one_in(r, 3))
				b[len++] = 0x66;
			b[len++] = 0x67, b[len++] = 0x8d;
			len += lea16(r, fr, b + len);
			break;
		case 9: { /* mov r32/r16, sreg (the upper half of r32: zeros) */
			bool o16 = rng_one_in(r, 3);
			INSP(a, o16, 0x8c, (uint8_t)(0xc0 | rng_below(r, 6) << 3 | fr));
			qg_neutral_reg(a, fr, true);
			i++;
			continue;
		}
		case 10: /* mov [ebx+d8], sreg */
			INS(a, 0x8c, (uint8_t)(0x43 | rng_below(r, 6) << 3), d);
			INS(a, 0x66, 0xc7, 0x43, d, 0x2b, 0x00);
			i++;
			continue;
		case 11: /* mov es/ds, r via mov r, ds */
			INS(a, 0x8c, (uint8_t)(0xc0 | 3 << 3 | fr));
			INS(a, 0x8e, (uint8_t)(0xc0 | (rng_one_in(r, 2) ? 0 : 3) << 3 | fr));
			qg_neutral_reg(a, fr, true);
			i++;
			continue;
		case 12: /* les/lds r, [ebx+d8] with the far pointer of ds */
			INS(a, 0x8c, (uint8_t)(0x43 | 3 << 3),
			    (uint8_t)(d + 4)); /* mov [ebx+d8+4], ds */
			INS(a, rng_one_in(r, 2) ? 0xc4 : 0xc5, (uint8_t)(0x43 | fr << 3), d);
			INS(a, 0x66, 0xc7, 0x43, (uint8_t)(d + 4), 0x2b, 0x00);
			i++;
			continue;
		case 13: /* aam/aad */
			b[len++] = (uint8_t)(0xd4 + rng_below(r, 2)),
			b[len++] = (uint8_t)(rng_below(r, 15) + 1);
			break;
		case 14: /* xchg r, r; bswap */
			if (rng_one_in(r, 2))
				b[len++] = 0x87,
				b[len++] = (uint8_t)(0xc0 | fr << 3 | qg_free_reg(r));
			else
				b[len++] = 0x0f, b[len++] = (uint8_t)(0xc8 + fr);
			break;
		case 15: /* one-byte inc/dec */
			if (rng_one_in(r, 3))
				b[len++] = 0x66;
			b[len++] = (uint8_t)(0x40 + 8 * rng_below(r, 2) + fr);
			break;
		case 17: /* TF (a single-step trap after the next instruction) or AC
			  * (alignment check: a misaligned load faults) through popfd */
			INS(a, 0x9c);
			if (rng_one_in(r, 2)) {
				INS(a, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00,
				    0x00); /* or [esp], 0x100 */
				INS(a, 0x9d);
				qg_filler(a, 2, 0);
			} else {
				INS(a, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x04,
				    0x00); /* or [esp], 0x40000 */
				INS(a, 0x9d);
				INS(a, 0x8b, (uint8_t)(0x43 | fr << 3), (uint8_t)(d | 1));
			}
			i++;
			continue;
		case 16: { /* lar/lsl of es/cs/ss/ds (selector in a register) */
			uint8_t dst = qg_free_reg(r);
			INS(a, 0x8c, (uint8_t)(0xc0 | rng_below(r, 4) << 3 | fr));
			INS(a, 0x0f, (uint8_t)(2 + rng_below(r, 2)),
			    (uint8_t)(0xc0 | dst << 3 | fr));
			if (dst != fr)
				qg_neutral_reg(a, fr, true);
			i++;
			continue;
		}
		default:
			qg_filler(a, 1, 0);
			i++;
			continue;
		}
		if (!qg_would_taint_ok(a, b, len))
			continue;
		qg_ins(a, b, len);
		i++;
	}
}
