/*
 * gen_state.c — random initial states for the host-CPU differential test
 * (see gen.h): general registers biased towards flag edges (0, +-1, sign
 * and carry boundaries of 8/16/32 bits, powers of two, copies of other
 * registers), random arithmetic flags and DF, an x87 stack of normals,
 * zeros, infinities, NaNs, denormals, unnormals and small integers with a
 * random TOP, precision and rounding (now and then a pending unmasked
 * exception), an MXCSR with random rounding, FTZ/DAZ, sticky flags and now
 * and then unmasked exceptions, XMM registers and the data region filled
 * with a mix of floats, doubles, edge integers and random bits.
 */
#include "tests/diff/gen.h"

#include <string.h>

/* ---- values ------------------------------------------------------------- */

const uint32_t gen_edges[] = {0,	  1,	      2,	  0x7f,	      0x80,
			      0xff,	  0x100,      0x7fff,	  0x8000,     0xffff,
			      0x10000,	  0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
			      0xffffffff, 0x55555555, 0xaaaaaaaa};
const unsigned gen_nedges = sizeof(gen_edges) / sizeof(gen_edges[0]);

uint32_t gen_rnd_val(struct rng *r)
{
	switch (rng_below(r, 12)) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)((int32_t)rng_below(r, 33) - 16);
	case 2:
	case 3:
		return gen_edges[rng_below(r, gen_nedges)];
	case 4:
		return (rng_u32(r) & ~0xffu) | (gen_edges[rng_below(r, gen_nedges)] & 0xff);
	case 5:
		return (rng_u32(r) & ~0xffffu) | (gen_edges[rng_below(r, gen_nedges)] & 0xffff);
	case 6:
		return 1u << rng_below(r, 32);
	default:
		return rng_u32(r);
	}
}

static uint32_t rnd_f32(struct rng *r)
{
	static const uint32_t sp[] = {0,	  0x80000000, 0x3f800000, 0xbf800000, 0x7f800000,
				      0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x00000001,
				      0x007fffff, 0x00800000, 0x7f7fffff, 0x4f000000, 0xcf000000,
				      0x3f000000, 0x3fc00000, 0x40490fdb};
	uint32_t s = rng_u32(r) & 0x80000000u;
	switch (rng_below(r, 6)) {
	case 0:
		return sp[rng_below(r, sizeof(sp) / sizeof(sp[0]))];
	case 1: { /* a small integer */
		uint32_t n = rng_below(r, 1000) + 1, e = 31 - (uint32_t)__builtin_clz(n);
		return s | (127 + e) << 23 | ((n << (23 - e)) & 0x7fffff);
	}
	case 2:
	case 3:
		return s | (127 - 20 + rng_below(r, 40)) << 23 | (rng_u32(r) & 0x7fffff);
	default:
		return rng_u32(r);
	}
}

static uint64_t rnd_f64(struct rng *r)
{
	static const uint64_t sp[] = {0,
				      0x8000000000000000ull,
				      0x3ff0000000000000ull,
				      0xbff0000000000000ull,
				      0x7ff0000000000000ull,
				      0xfff0000000000000ull,
				      0x7ff8000000000000ull,
				      0x7ff4000000000000ull,
				      0x0000000000000001ull,
				      0x000fffffffffffffull,
				      0x7fefffffffffffffull,
				      0x41e0000000000000ull,
				      0xc1e0000000000000ull,
				      0x41dfffffffc00000ull,
				      0x3fe0000000000000ull};
	uint64_t s = rng_next(r) & 0x8000000000000000ull;
	switch (rng_below(r, 6)) {
	case 0:
		return sp[rng_below(r, sizeof(sp) / sizeof(sp[0]))];
	case 1: {
		uint64_t n = rng_below(r, 100000) + 1, e = 63 - (uint64_t)__builtin_clzll(n);
		return s | (1023 + e) << 52 | ((n << (52 - e)) & 0xfffffffffffffull);
	}
	case 2:
	case 3:
		return s | (uint64_t)(1023 - 40 + rng_below(r, 80)) << 52 |
		       (rng_next(r) & 0xfffffffffffffull);
	default:
		return rng_next(r);
	}
}

/* An 80-bit x87 value: normals, zeros, infinities, NaNs, denormals,
 * unnormals (invalid operands), small integers. */
static void rnd_ext(struct rng *r, uint8_t *p)
{
	uint64_t m = rng_next(r) | 1ull << 63;
	uint16_t se = (uint16_t)(rng_u32(r) & 0x8000u);
	switch (rng_below(r, 12)) {
	case 0:
		m = 0;
		break;
	case 1:
		m = 1ull << 63, se |= 0x7fff;
		break;
	case 2:
		m |= 1ull << 62, se |= 0x7fff;
		break;
	case 3:
		m &= ~(1ull << 62), m |= 1, se |= 0x7fff;
		break;
	case 4:
		m >>= 1 + rng_below(r, 62);
		break;
	case 5:
		m &= ~(1ull << 63), se |= (uint16_t)(1 + rng_below(r, 0x7ffe));
		break;
	case 6:
	case 7: {
		uint64_t n = rng_below(r, 1000) + 1, e = 63 - (uint64_t)__builtin_clzll(n);
		m = n << (63 - e), se |= (uint16_t)(0x3fff + e);
		break;
	}
	case 8:
		se |= (uint16_t)(1 + rng_below(r, 0x7ffe));
		break;
	default:
		se |= (uint16_t)(0x3fff - 40 + rng_below(r, 80));
		break;
	}
	memcpy(p, &m, 8);
	memcpy(p + 8, &se, 2);
}

void gen_random_state(struct rng *r, struct dstate *s, uint8_t *mem)
{
	dx_state_default(s);
	for (int i = 0; i < 8; i++)
		s->r[i] = gen_rnd_val(r);
	if (rng_one_in(r, 4))
		s->r[rng_below(r, 8)] = s->r[rng_below(r, 8)];
	s->flags = rng_u32(r) & DX_FLAGS;

	uint8_t *fx = s->fx;
	uint16_t fcw = (uint16_t)(0x037f | (rng_below(r, 16) << 8));
	if (rng_one_in(r, 4))
		fcw = 0x037f;
	unsigned top = rng_below(r, 8), n = rng_below(r, 9);
	uint16_t fsw = (uint16_t)(top << 11 | (rng_u32(r) & 0x4700));
	if (rng_one_in(r, 40)) { /* a pending unmasked exception: #MF at the next x87 insn */
		fcw = (uint16_t)(fcw & ~0x3fu);
		fsw |= 0x8081;
	}
	memcpy(fx, &fcw, 2);
	memcpy(fx + 2, &fsw, 2);
	fx[4] = 0;
	for (unsigned i = 0; i < 8; i++) {
		rnd_ext(r, fx + 32 + 16 * i);
		if (i < n)
			fx[4] |= (uint8_t)(1u << ((top + i) & 7));
	}
	uint32_t mxcsr = 0x1f80 | rng_below(r, 4) << 13;
	if (rng_one_in(r, 8))
		mxcsr |= 0x8000; /* FTZ */
	if (rng_one_in(r, 8))
		mxcsr |= 0x40; /* DAZ */
	if (rng_one_in(r, 4))
		mxcsr |= rng_u32(r) & 0x3f;
	if (rng_one_in(r, 16))
		mxcsr &= ~((rng_u32(r) & 0x3f) << 7); /* unmasked: #XM -> SIGFPE */
	memcpy(fx + 24, &mxcsr, 4);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t *x = fx + 160 + 16 * i;
		for (unsigned k = 0; k < 16; k += 8) {
			uint64_t v;
			uint32_t a, b;
			switch (rng_below(r, 4)) {
			case 0:
				v = rnd_f64(r);
				break;
			case 1:
				a = rnd_f32(r), b = rnd_f32(r);
				v = a | (uint64_t)b << 32;
				break;
			case 2:
				v = gen_rnd_val(r) | (uint64_t)gen_rnd_val(r) << 32;
				break;
			default:
				v = rng_next(r);
				break;
			}
			memcpy(x + k, &v, 8);
		}
	}
	for (unsigned k = 0; k < DX_DATA_SIZE; k += 8) {
		uint64_t v;
		switch (rng_below(r, 6)) {
		case 0:
			v = rnd_f64(r);
			break;
		case 1:
			v = rnd_f32(r) | (uint64_t)rnd_f32(r) << 32;
			break;
		case 2:
			v = gen_rnd_val(r) | (uint64_t)gen_rnd_val(r) << 32;
			break;
		default:
			v = rng_next(r);
			break;
		}
		memcpy(mem + k, &v, 8);
	}
}
