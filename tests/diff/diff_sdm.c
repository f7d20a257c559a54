/*
 * diff_sdm.c — differential test, oracle (c): 32-bit-only instructions and
 * stack forms, run through the translator and compared with results worked
 * out in this test from the Intel SDM's pseudo-code (Vol. 2): pusha/popa
 * (32 and 16 bit), push/pop of registers, immediates and memory (push esp,
 * pop esp, esp-based addresses), enter (nesting levels 0..31) and leave,
 * string instructions with rep/repe/repne and DF=1, cmpxchg8b, lea with
 * 16-bit addressing, a call from a kernel address (its return address has
 * bit 31 set), and that bound and arpl reach the monitor as callouts of
 * their row.  The BCD
 * instructions, one-byte inc/dec, opcode 82 and salc are in sdm_bcd.c.
 *
 * Random states come from RINGVM_DIFF_SEED (printed); RINGVM_DIFF_CASES
 * scales the number of random states per check (N / 500; default 40, as
 * for diff_host's 20000 cases).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/diff/sdm.h"

static struct rng rng;
static unsigned reps = 40;

static uint8_t mem0[DX_DATA_SIZE], mem1[DX_DATA_SIZE];
static struct dout out;

/* Random registers; esp (and ebp, ebx) point into the middle of the data
 * region; random flags; random memory.  MEM1 = MEM0. */
static void random_setup(struct dstate *s)
{
	dx_state_default(s);
	for (int i = 0; i < 8; i++)
		s->r[i] = rng_one_in(&rng, 4) ? rng_below(&rng, 256) : rng_u32(&rng);
	s->r[DX_ESP] =
	    DX_DATA + 0x1400 + 4 * rng_below(&rng, 0x200) + (rng_one_in(&rng, 8) ? 2 : 0);
	s->r[DX_EBP] = DX_DATA + 0x1400 + 4 * rng_below(&rng, 0x200);
	s->r[DX_EBX] = DX_DATA + 0x1400 + rng_below(&rng, 0x800);
	s->flags = rng_u32(&rng) & DX_FLAGS;
	for (unsigned i = 0; i < DX_DATA_SIZE; i += 4) {
		uint32_t v = rng_u32(&rng);
		memcpy(mem0 + i, &v, 4);
	}
	memcpy(mem1, mem0, DX_DATA_SIZE);
}

static void push(struct dstate *s, uint32_t v, int size)
{
	s->r[DX_ESP] -= (uint32_t)size;
	sdm_wr(mem1, s->r[DX_ESP], v, size);
}

static uint32_t pop(struct dstate *s, int size)
{
	uint32_t v = sdm_rd(mem1, s->r[DX_ESP], size);
	s->r[DX_ESP] += (uint32_t)size;
	return v;
}

static void set16(struct dstate *s, int r, uint32_t v)
{
	s->r[r] = (s->r[r] & 0xffff0000u) | (v & 0xffff);
}

#define ALLF (DX_FLAGS)

/* ---- pusha/popa, push/pop, enter/leave ---------------------------------------- */

static void stack_tests(void)
{
	struct dstate in, e;
	char what[64];

	for (unsigned k = 0; k < reps; k++) {
		/* PUSHA: Temp := (ESP); Push(EAX); Push(ECX); Push(EDX); Push(EBX);
		 * Push(Temp); Push(EBP); Push(ESI); Push(EDI) */
		for (int o16 = 0; o16 < 2; o16++) {
			int sz = o16 ? 2 : 4;
			uint8_t code[] = {0x66, 0x60, 0xf4};
			random_setup(&in);
			e = in;
			uint32_t temp = in.r[DX_ESP];
			for (int r = 0; r < 8; r++)
				push(&e, r == DX_ESP ? temp : in.r[r], sz);
			sdm_expect(o16 ? "pushaw" : "pushad", code + !o16, 3 - !o16, &in, mem0, &e,
				   mem1, ALLF);
			/* POPA: EDI := Pop(); ESI := Pop(); EBP := Pop(); ESP += 4 (2);
			 * EBX := Pop(); EDX := Pop(); ECX := Pop(); EAX := Pop() */
			code[1] = 0x61;
			random_setup(&in);
			e = in;
			for (int r = 7; r >= 0; r--) {
				uint32_t v = pop(&e, sz);
				if (r == DX_ESP)
					continue;
				if (o16)
					set16(&e, r, v);
				else
					e.r[r] = v;
			}
			sdm_expect(o16 ? "popaw" : "popad", code + !o16, 3 - !o16, &in, mem0, &e,
				   mem1, ALLF);
		}
		for (int r = 0; r < 8; r++) {
			/* PUSH r32 / r16: "PUSH ESP pushes the value of ESP as it
			 * existed before the instruction" */
			uint8_t c32[] = {(uint8_t)(0x50 + r), 0xf4},
				c16[] = {0x66, (uint8_t)(0x50 + r), 0xf4};
			random_setup(&in);
			e = in;
			push(&e, in.r[r], 4);
			snprintf(what, sizeof(what), "push r32 #%d", r);
			sdm_expect(what, c32, 2, &in, mem0, &e, mem1, ALLF);
			random_setup(&in);
			e = in;
			push(&e, in.r[r] & 0xffff, 2);
			snprintf(what, sizeof(what), "push r16 #%d", r);
			sdm_expect(what, c16, 3, &in, mem0, &e, mem1, ALLF);
			/* POP r32: "POP ESP increments the stack pointer before data
			 * at the old top of stack is written into the destination" */
			c32[0] = (uint8_t)(0x58 + r), c16[1] = (uint8_t)(0x58 + r);
			random_setup(&in);
			e = in;
			uint32_t v = pop(&e, 4);
			e.r[r] = v;
			snprintf(what, sizeof(what), "pop r32 #%d", r);
			sdm_expect(what, c32, 2, &in, mem0, &e, mem1, ALLF);
			random_setup(&in);
			e = in;
			v = pop(&e, 2);
			set16(&e, r, v);
			snprintf(what, sizeof(what), "pop r16 #%d", r);
			sdm_expect(what, c16, 3, &in, mem0, &e, mem1, ALLF);
		}
		/* PUSH imm8 (sign-extended), imm32, imm16 */
		{
			uint8_t i8 = (uint8_t)rng_u32(&rng);
			uint32_t i32 = rng_u32(&rng);
			uint8_t a[] = {0x6a, i8, 0xf4}, b[] = {0x68, 0, 0, 0, 0, 0xf4};
			uint8_t c[] = {0x66, 0x68, (uint8_t)i32, (uint8_t)(i32 >> 8), 0xf4};
			uint8_t d[] = {0x66, 0x6a, i8, 0xf4};
			memcpy(b + 1, &i32, 4);
			random_setup(&in);
			e = in;
			push(&e, (uint32_t)(int32_t)(int8_t)i8, 4);
			sdm_expect("push imm8", a, 3, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			push(&e, i32, 4);
			sdm_expect("push imm32", b, 6, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			push(&e, i32 & 0xffff, 2);
			sdm_expect("push imm16", c, 5, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			push(&e, (uint32_t)(int32_t)(int8_t)i8 & 0xffff, 2);
			sdm_expect("push imm8 (o16)", d, 4, &in, mem0, &e, mem1, ALLF);
		}
		/* PUSH m32 [esp+d8]: the address is computed before esp is
		 * decremented; POP m32 [esp+d8]: after it is incremented */
		{
			int8_t d8 = (int8_t)(4 * ((int)rng_below(&rng, 16) - 8));
			uint8_t p[] = {0xff, 0x74, 0x24, (uint8_t)d8, 0xf4};
			uint8_t q[] = {0x8f, 0x44, 0x24, (uint8_t)d8, 0xf4};
			uint8_t p16[] = {0x66, 0xff, 0x74, 0x24, (uint8_t)d8, 0xf4};
			uint8_t q16[] = {0x66, 0x8f, 0x44, 0x24, (uint8_t)d8, 0xf4};
			uint8_t pb[] = {0xff, 0x33, 0xf4}, qb[] = {0x8f, 0x03, 0xf4},
				qs[] = {0x8f, 0x04, 0x24, 0xf4};
			random_setup(&in);
			e = in;
			push(&e, sdm_rd(mem1, in.r[DX_ESP] + (uint32_t)d8, 4), 4);
			sdm_expect("push [esp+d8]", p, 5, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			push(&e, sdm_rd(mem1, in.r[DX_ESP] + (uint32_t)d8, 2), 2);
			sdm_expect("push word [esp+d8]", p16, 6, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			push(&e, sdm_rd(mem1, in.r[DX_EBX], 4), 4);
			sdm_expect("push [ebx]", pb, 3, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			uint32_t v = pop(&e, 4);
			sdm_wr(mem1, e.r[DX_ESP] + (uint32_t)d8, v, 4);
			sdm_expect("pop [esp+d8]", q, 5, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			v = pop(&e, 2);
			sdm_wr(mem1, e.r[DX_ESP] + (uint32_t)d8, v, 2);
			sdm_expect("pop word [esp+d8]", q16, 6, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			v = pop(&e, 4);
			sdm_wr(mem1, e.r[DX_ESP], v, 4);
			sdm_expect("pop [esp]", qs, 4, &in, mem0, &e, mem1, ALLF);
			e = in, memcpy(mem1, mem0, DX_DATA_SIZE);
			v = pop(&e, 4);
			sdm_wr(mem1, in.r[DX_EBX], v, 4);
			sdm_expect("pop [ebx]", qb, 3, &in, mem0, &e, mem1, ALLF);
		}
		/* ENTER imm16, imm8 (32-bit operands and stack):
		 *   Push(EBP); FrameTemp := ESP;
		 *   FOR i := 1 to Level - 1: EBP := EBP - 4; Push([EBP]);
		 *   IF Level > 0: Push(FrameTemp);
		 *   EBP := FrameTemp; ESP := ESP - AllocSize */
		{
			static const uint8_t levels[] = {0, 1, 2, 3, 5, 31, 32, 33};
			uint8_t lv = levels[k % sizeof(levels)];
			uint16_t alloc =
			    (uint16_t)(rng_one_in(&rng, 4) ? 0 : rng_below(&rng, 0x200));
			uint8_t c[] = {0xc8, (uint8_t)alloc, (uint8_t)(alloc >> 8), lv, 0xf4};
			random_setup(&in);
			e = in;
			push(&e, in.r[DX_EBP], 4);
			uint32_t frame = e.r[DX_ESP], ebp = in.r[DX_EBP];
			unsigned level = lv % 32;
			for (unsigned i = 1; i < level; i++) {
				ebp -= 4;
				push(&e, sdm_rd(mem1, ebp, 4), 4);
			}
			if (level)
				push(&e, frame, 4);
			e.r[DX_EBP] = frame;
			e.r[DX_ESP] -= alloc;
			snprintf(what, sizeof(what), "enter level %u", lv);
			sdm_expect(what, c, 5, &in, mem0, &e, mem1, ALLF);
		}
		/* LEAVE: ESP := EBP; EBP := Pop().  66 C9 on a 32-bit stack:
		 * ESP := EBP; BP := Pop() (16 bits) */
		{
			uint8_t c[] = {0x66, 0xc9, 0xf4};
			random_setup(&in);
			e = in;
			e.r[DX_ESP] = in.r[DX_EBP];
			e.r[DX_EBP] = pop(&e, 4);
			sdm_expect("leave", c + 1, 2, &in, mem0, &e, mem1, ALLF);
			e = in;
			e.r[DX_ESP] = in.r[DX_EBP];
			set16(&e, DX_EBP, pop(&e, 2));
			sdm_expect("leave (o16)", c, 3, &in, mem0, &e, mem1, ALLF);
		}
	}
}

/* ---- string instructions -------------------------------------------------------- */

/* flags of CMP a, b (SUB without the store) */
static uint32_t cmp_flags(uint32_t a, uint32_t b, int size)
{
	uint32_t m = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1, sb = 1u << (8 * size - 1);
	a &= m, b &= m;
	uint32_t r = (a - b) & m, f = sdm_szp(r, size);
	if (a < b)
		f |= S_CF;
	if ((a ^ b ^ r) & 0x10)
		f |= S_AF;
	if ((a ^ b) & (a ^ r) & sb)
		f |= S_OF;
	return f;
}

enum { MOVS, CMPS, STOS, LODS, SCAS };

static void string_tests(void)
{
	static const uint8_t ops[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
	static const char *const names[] = {"movs", "cmps", "stos", "lods", "scas"};
	struct dstate in, e;
	char what[64];

	for (unsigned k = 0; k < 8 * reps; k++) {
		int op = (int)rng_below(&rng, 5), size = 1 << rng_below(&rng, 3);
		int pfx = (int)rng_below(&rng, 3); /* none, F3, F2 (F2 only for cmps/scas) */
		if (pfx == 2 && op != CMPS && op != SCAS)
			pfx = 1;
		uint8_t code[4];
		unsigned n = 0;
		if (pfx)
			code[n++] = pfx == 1 ? 0xf3 : 0xf2;
		if (size == 2)
			code[n++] = 0x66;
		code[n++] = (uint8_t)(ops[op] + (size > 1));
		code[n++] = 0xf4;

		random_setup(&in);
		if (!rng_one_in(&rng, 4))
			in.flags |= S_DF;
		in.r[DX_ESI] = DX_DATA + 0x1200 + rng_below(&rng, 0xc00);
		in.r[DX_EDI] = DX_DATA + 0x1200 + rng_below(&rng, 0xc00);
		in.r[DX_ECX] = rng_one_in(&rng, 6) ? 0 : rng_below(&rng, 40);
		int d = (in.flags & S_DF) ? -size : size;
		if ((op == CMPS || op == SCAS) && rng_one_in(&rng, 2)) { /* long equal runs */
			for (uint32_t i = 0; i < in.r[DX_ECX]; i++) {
				uint32_t di = in.r[DX_EDI] + (uint32_t)(d * (int)i);
				uint32_t v =
				    op == CMPS
					? sdm_rd(mem0, in.r[DX_ESI] + (uint32_t)(d * (int)i), size)
					: in.r[DX_EAX];
				sdm_wr(mem0, di, v, size);
			}
			if (in.r[DX_ECX] && rng_one_in(&rng, 2))
				mem0[in.r[DX_EDI] +
				     (uint32_t)(d * (int)rng_below(&rng, in.r[DX_ECX])) -
				     DX_DATA] ^= 0x10;
			memcpy(mem1, mem0, DX_DATA_SIZE);
		}
		/* the SDM's loop: IF count = 0 exit; do the operation, advance by
		 * +-size per DF; count--; repe stops when ZF = 0, repne when ZF = 1 */
		e = in;
		for (;;) {
			if (pfx && e.r[DX_ECX] == 0)
				break;
			uint32_t f;
			switch (op) {
			case MOVS:
				sdm_wr(mem1, e.r[DX_EDI], sdm_rd(mem1, e.r[DX_ESI], size), size);
				e.r[DX_ESI] += (uint32_t)d, e.r[DX_EDI] += (uint32_t)d;
				break;
			case CMPS:
				f = cmp_flags(sdm_rd(mem1, e.r[DX_ESI], size),
					      sdm_rd(mem1, e.r[DX_EDI], size), size);
				e.flags = (e.flags &
					   ~(uint32_t)(S_CF | S_PF | S_AF | S_ZF | S_SF | S_OF)) |
					  f;
				e.r[DX_ESI] += (uint32_t)d, e.r[DX_EDI] += (uint32_t)d;
				break;
			case STOS:
				sdm_wr(mem1, e.r[DX_EDI], e.r[DX_EAX], size);
				e.r[DX_EDI] += (uint32_t)d;
				break;
			case LODS: {
				uint32_t m = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
				e.r[DX_EAX] = (e.r[DX_EAX] & ~m) | sdm_rd(mem1, e.r[DX_ESI], size);
				e.r[DX_ESI] += (uint32_t)d;
				break;
			}
			default:
				f = cmp_flags(e.r[DX_EAX], sdm_rd(mem1, e.r[DX_EDI], size), size);
				e.flags = (e.flags &
					   ~(uint32_t)(S_CF | S_PF | S_AF | S_ZF | S_SF | S_OF)) |
					  f;
				e.r[DX_EDI] += (uint32_t)d;
				break;
			}
			if (!pfx)
				break;
			e.r[DX_ECX]--;
			if ((op == CMPS || op == SCAS) &&
			    ((pfx == 1 && !(e.flags & S_ZF)) || (pfx == 2 && (e.flags & S_ZF))))
				break;
		}
		snprintf(what, sizeof(what), "%s%s%d df=%d",
			 pfx == 1 ? "rep "
			 : pfx	  ? "repne "
				  : "",
			 names[op], 8 * size, !!(in.flags & S_DF));
		sdm_expect(what, code, n, &in, mem0, &e, mem1, ALLF);
	}
}

/* ---- cmpxchg8b, bound, arpl ------------------------------------------------------ */

static void misc_tests(void)
{
	struct dstate in, e;

	/* CMPXCHG8B m64: IF EDX:EAX = DEST THEN ZF := 1; DEST := ECX:EBX
	 * ELSE ZF := 0; EDX:EAX := DEST (DEST written back unchanged);
	 * CF PF AF SF OF unaffected */
	for (unsigned k = 0; k < reps; k++) {
		for (int lock = 0; lock < 2; lock++) {
			uint8_t c[] = {0xf0, 0x0f, 0xc7, 0x0e, 0xf4}; /* [esi] */
			random_setup(&in);
			in.r[DX_ESI] = DX_DATA + 0x1000 + 8 * rng_below(&rng, 0x100) +
				       (rng_one_in(&rng, 4) ? rng_below(&rng, 8) : 0);
			if (rng_one_in(&rng, 2)) {
				sdm_wr(mem0, in.r[DX_ESI], in.r[DX_EAX], 4);
				sdm_wr(mem0, in.r[DX_ESI] + 4, in.r[DX_EDX], 4);
				memcpy(mem1, mem0, DX_DATA_SIZE);
			}
			e = in;
			uint32_t lo = sdm_rd(mem1, in.r[DX_ESI], 4),
				 hi = sdm_rd(mem1, in.r[DX_ESI] + 4, 4);
			if (lo == in.r[DX_EAX] && hi == in.r[DX_EDX]) {
				e.flags |= S_ZF;
				sdm_wr(mem1, in.r[DX_ESI], in.r[DX_EBX], 4);
				sdm_wr(mem1, in.r[DX_ESI] + 4, in.r[DX_ECX], 4);
			} else {
				e.flags &= ~S_ZF;
				e.r[DX_EAX] = lo, e.r[DX_EDX] = hi;
			}
			sdm_expect(lock ? "lock cmpxchg8b" : "cmpxchg8b", c + !lock,
				   5 - (unsigned)!lock, &in, mem0, &e, mem1, ALLF);
		}
	}
	/* BOUND r32, m32&32 (62 /r): in range or not, the monitor decides:
	 * the translator stops with a callout for row "bound" */
	for (int out_of_range = 0; out_of_range < 2; out_of_range++) {
		uint8_t c[] = {0x62, 0x03, 0xf4}; /* bound eax, [ebx] */
		random_setup(&in);
		sdm_wr(mem0, in.r[DX_EBX], 100, 4);
		sdm_wr(mem0, in.r[DX_EBX] + 4, 200, 4);
		in.r[DX_EAX] = out_of_range ? 300 : 150;
		sdm_expect_callout(out_of_range ? "bound (out of range)" : "bound (in range)", c, 3,
				   &in, mem0, "bound", 2, NULL);
		uint8_t c2[] = {0x66, 0x62, 0x44, 0x24, 0x08, 0xf4}; /* bound ax, [esp+8] */
		sdm_expect_callout("bound r16", c2, 6, &in, mem0, "bound", 5, NULL);
	}
	/* 16-bit addressing (67 prefix, 32-bit-only): LEA stores the 16-bit
	 * effective address, zero-extended for a 32-bit destination; r/m:
	 * [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp]/disp16 [bx] */
	for (unsigned k = 0; k < reps; k++) {
		static const int8_t b16[8] = {DX_EBX, DX_EBX, DX_EBP, DX_EBP,
					      -1,     -1,     DX_EBP, DX_EBX};
		static const int8_t i16[8] = {DX_ESI, DX_EDI, DX_ESI, DX_EDI,
					      DX_ESI, DX_EDI, -1,     -1};
		unsigned mod = rng_below(&rng, 3), rm = rng_below(&rng, 8),
			 reg = rng_below(&rng, 8);
		bool o16 = rng_one_in(&rng, 3);
		uint16_t disp = (uint16_t)rng_u32(&rng);
		uint8_t c[8];
		unsigned n = 0;
		c[n++] = 0x67;
		if (o16)
			c[n++] = 0x66;
		c[n++] = 0x8d;
		c[n++] = (uint8_t)(mod << 6 | reg << 3 | rm);
		bool d16 = mod == 2 || (mod == 0 && rm == 6);
		if (mod == 1)
			c[n++] = (uint8_t)disp, disp = (uint16_t)(int16_t)(int8_t)disp;
		else if (d16)
			c[n++] = (uint8_t)disp, c[n++] = (uint8_t)(disp >> 8);
		else
			disp = 0;
		c[n++] = 0xf4;
		random_setup(&in);
		uint32_t ea = disp;
		if (!(mod == 0 && rm == 6)) {
			ea += b16[rm] >= 0 ? in.r[b16[rm]] : 0;
			ea += i16[rm] >= 0 ? in.r[i16[rm]] : 0;
		}
		e = in;
		if (o16)
			set16(&e, (int)reg, ea);
		else
			e.r[reg] = ea & 0xffff;
		sdm_expect(o16 ? "lea r16, [16-bit address]" : "lea r32, [16-bit address]", c, n,
			   &in, mem0, &e, mem1, ALLF);
	}
	/* CALL rel32 from a kernel address: Push(EIP) stores 0xc0000005 */
	{
		uint8_t c[] = {0xe8, 0x00, 0x00, 0x00, 0x00, 0xf4};
		uint32_t eip;
		random_setup(&in);
		e = in;
		push(&e, DX_CODE_HI + 5, 4);
		struct tr_exit ex = dx_guest_exec_hi(c, 6, 0, &in, mem0, &out, &eip);
		sdm_check(ex.stop == TR_CALLOUT && !strcmp(dx_row_name(ex.row), "hlt") &&
			      eip == DX_CODE_HI + 5 && !memcmp(out.s.r, e.r, sizeof(e.r)) &&
			      !memcmp(out.mem, mem1, DX_DATA_SIZE),
			  "call at 0xc0000000", c, 5,
			  "expected hlt at +5, esp %08x, [esp] = %08x; got stop %d at %08x, esp "
			  "%08x",
			  e.r[DX_ESP], DX_CODE_HI + 5, ex.stop, eip, out.s.r[DX_ESP]);
	}
	/* ARPL r/m16, r16 (63 /r): a callout for row "arpl" */
	{
		uint8_t c[] = {0x63, 0xc8, 0xf4};
		random_setup(&in);
		sdm_expect_callout("arpl ax, cx", c, 3, &in, mem0, "arpl", 2, NULL);
	}
}

int main(void)
{
	char err[256];
	const char *s = getenv("RINGVM_DIFF_SEED"), *n = getenv("RINGVM_DIFF_CASES");
	uint64_t seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n && *n)
		reps = (unsigned)(strtoull(n, NULL, 0) / 500);
	if (!reps)
		reps = 1;
	rng = rng_for_case(seed, 0);
	if (dx_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "diff_sdm: set-up failed: %s\n", err);
		return 1;
	}
	printf("diff_sdm: seed %llu (RINGVM_DIFF_SEED=%llu to replay), %u random states per "
	       "check\n",
	       (unsigned long long)seed, (unsigned long long)seed, reps);
	static const struct {
		const char *name;
		void (*fn)(void);
	} groups[] = {{"stack (pusha popa push pop enter leave)", stack_tests},
		      {"strings (rep, DF=1)", string_tests},
		      {"cmpxchg8b bound arpl lea16 call-high", misc_tests},
		      {"BCD (daa das aaa aas aam aad)", sdm_bcd},
		      {"one-byte inc/dec, opcode 82, salc", sdm_short_forms}};
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		unsigned c0 = sdm_checks, f0 = sdm_fails;
		groups[i].fn();
		printf("diff_sdm: %-42s %5u checks, %u failed\n", groups[i].name, sdm_checks - c0,
		       sdm_fails - f0);
	}
	sdm_print_failures();
	printf("diff_sdm: seed %llu: %u checks, %u failed\n", (unsigned long long)seed, sdm_checks,
	       sdm_fails);
	dx_fini();
	return sdm_fails ? 1 : 0;
}
