/*
 * qemu_tmpl.c — the templates of the qemu-i386 differential test that
 * exercise the stack and control flow (see qemu.h, qemu_gen.c):
 * hand-written 32-bit shapes with random parts.
 *
 * Owns: the registers templates point into the data region (esp, ebp, ebx)
 * and the helpers that neutralise selector values, and the kinds
 *   stack    push/pop of registers, immediates, memory, esp, segment
 *            registers, pusha/popa, enter/leave, pushf/popf, call/ret imm16;
 *   loop     loop/loope/loopne/jecxz, dec/jnz, sub/jnz, 16-bit loop;
 *   call     calls and jumps, direct and indirect, push/ret;
 *   jcc      conditional branches both ways, setcc and cmovcc.
 */
#define QG_INTERNAL
#include <stdio.h>
#include <string.h>

#include "tests/diff/qemu.h"

/* esp, ebp and ebx point into the data region (the stack there shows in the
 * dump); ebx is the base of memory operands and is never written. */
void qg_stack_regs(struct asmb *a)
{
	struct qcase *c = a->c;
	c->in.r[ESP] =
	    DX_DATA + 0x1800 + 4 * rng_below(a->r, 0x100) + (rng_one_in(a->r, 8) ? 2 : 0);
	c->in.r[EBP] = DX_DATA + 0x1400 + 4 * rng_below(a->r, 0x100);
	c->in.r[EBX] = DX_DATA + 0x1000 + 16 * rng_below(a->r, 0x40);
}

uint8_t qg_free_reg(struct rng *r) /* eax ecx edx esi edi */
{
	static const uint8_t f[] = {EAX, ECX, EDX, ESI, EDI};
	return f[rng_below(r, 5)];
}

uint8_t qg_d8(struct rng *r)
{
	return (uint8_t)(int8_t)((int)rng_below(r, 64) - 32);
}

/* Selector values are the kernel's (0x2b/0x7b, ...), and what a 32-bit push
 * of a segment register leaves in the upper half of its slot is the CPU's:
 * after they are used, registers and memory that got them get constants. */
void qg_neutral_reg(struct asmb *a, uint8_t r, bool o16)
{
	if (o16)
		INS(a, 0x66, (uint8_t)(0xb8 + r), 0x2b, 0x00);
	else
		INS(a, (uint8_t)(0xb8 + r), 0x2b, 0x00, 0x00, 0x00);
}

static void neutral_slot(struct asmb *a, bool o16) /* the slot just popped */
{
	if (o16)
		INS(a, 0x66, 0xc7, 0x44, 0x24, 0xfe, 0x2b, 0x00);
	else
		INS(a, 0xc7, 0x44, 0x24, 0xfc, 0x2b, 0x00, 0x00, 0x00);
}

void qg_k_stack(struct asmb *a)
{
	struct rng *r = a->r;
	snprintf(a->c->kind, sizeof(a->c->kind), "stack");
	qg_stack_regs(a);
	unsigned n = 3 + rng_below(r, 6);
	for (unsigned i = 0; i < n && !a->bad; i++) {
		bool o = rng_one_in(r, 5); /* 16-bit operand size */
		uint8_t fr = qg_free_reg(r);
		switch (rng_below(r, 12)) {
		case 0: /* push */
			switch (rng_below(r, 6)) {
			case 0:
				INSP(a, o, (uint8_t)(0x50 + rng_below(r, 8)));
				break;
			case 1:
				INSP(a, o, 0x6a, (uint8_t)rng_u32(r));
				break;
			case 2: {
				uint32_t v = gen_rnd_val(r);
				if (o)
					INS(a, 0x66, 0x68, (uint8_t)v, (uint8_t)(v >> 8));
				else
					INS(a, 0x68, (uint8_t)v, (uint8_t)(v >> 8),
					    (uint8_t)(v >> 16), (uint8_t)(v >> 24));
				break;
			}
			case 3:
				INSP(a, o, 0xff, 0x73, qg_d8(r)); /* push [ebx+d8] */
				break;
			case 4:
				INSP(a, o, 0xff, 0x74, 0x24,
				     (uint8_t)(4 * rng_below(r, 12))); /* [esp+d] */
				break;
			default:
				INSP(a, o, 0x54); /* push esp */
				break;
			}
			break;
		case 1: /* pop */
			switch (rng_below(r, 3)) {
			case 0:
				INSP(a, o, (uint8_t)(0x58 + fr));
				break;
			case 1:
				INSP(a, o, 0x8f, 0x43, qg_d8(r)); /* pop [ebx+d8] */
				break;
			default: /* pop [esp+d8]: the address is taken after the pop */
				INSP(a, o, 0x8f, 0x44, 0x24, (uint8_t)(4 * rng_below(r, 12)));
				break;
			}
			break;
		case 2: /* pusha; ...; popa */
			INSP(a, o, 0x60);
			qg_filler(a, rng_below(r, 3), R(EBP));
			INSP(a, o, 0x61);
			break;
		case 3: { /* enter; ...; leave */
			unsigned lvl = rng_one_in(r, 2)	  ? 0
				       : rng_one_in(r, 4) ? rng_below(r, 32)
							  : 1 + rng_below(r, 3);
			unsigned sz = rng_one_in(r, 2) ? 4 * rng_below(r, 16) : rng_below(r, 64);
			INSP(a, o, 0xc8, (uint8_t)sz, (uint8_t)(sz >> 8), (uint8_t)lvl);
			qg_filler(a, rng_below(r, 3), R(EBP));
			INSP(a, o, 0xc9);
			break;
		}
		case 4: /* flags */
			if (rng_one_in(r, 2)) {
				INSP(a, o, 0x9c);
				INSP(a, o, (uint8_t)(0x58 + fr));
			} else {
				uint32_t v = (rng_u32(r) & (ARITH | DF)) | 2 |
					     (rng_one_in(r, 2) ? 0x200 : 0);
				if (o)
					INS(a, 0x66, 0x68, (uint8_t)v, (uint8_t)(v >> 8));
				else
					INS(a, 0x68, (uint8_t)v, (uint8_t)(v >> 8), 0, 0);
				INSP(a, o, 0x9d);
			}
			break;
		case 5: { /* call rel32 to a subroutine; ret or ret imm16 */
			unsigned call = PUT(a, 0xe8, 0, 0, 0, 0);
			unsigned jmp = PUT(a, 0xeb, 0);
			unsigned sub = a->c->len;
			qg_run_at(a, call);
			qg_filler(a, rng_below(r, 3), 0);
			if (rng_one_in(r, 2))
				INS(a, 0xc3);
			else
				INS(a, 0xc2, (uint8_t)(2 * rng_below(r, 8)), 0);
			unsigned end = a->c->len;
			if (a->bad || end - (jmp + 2) > 127) {
				a->bad = true;
				break;
			}
			qg_put32(a->c->code + call + 1, sub - (call + 5));
			a->c->code[jmp + 1] = (uint8_t)(end - (jmp + 2));
			qg_run_at(a, jmp);
			break;
		}
		case 6:
			INS(a, 0x54);
			INS(a, (uint8_t)(0x58 + fr)); /* push esp; pop r */
			break;
		case 7: /* esp-relative memory */
			switch (rng_below(r, 5)) {
			case 0:
				INS(a, 0x8b, (uint8_t)(0x44 | fr << 3), 0x24,
				    (uint8_t)(4 * rng_below(r, 8)));
				break;
			case 1:
				INS(a, 0x89, (uint8_t)(0x44 | rng_below(r, 8) << 3), 0x24,
				    (uint8_t)(4 * rng_below(r, 8)));
				break;
			case 2:
				INS(a, 0x83, 0x44, 0x24, (uint8_t)(4 * rng_below(r, 8)),
				    (uint8_t)rng_u32(r));
				break;
			case 3:
				INS(a, 0x87, (uint8_t)(0x04 | fr << 3), 0x24); /* xchg [esp], r */
				break;
			default:
				INS(a, 0x8d, (uint8_t)(0x44 | fr << 3), 0x24, qg_d8(r)); /* lea */
				break;
			}
			break;
		case 8: { /* segment registers through the stack */
			static const uint8_t push[] = {0x06, 0x0e, 0x16, 0x1e}; /* es cs ss ds */
			static const uint8_t pop[] = {0x07, 0x1f};		/* es ds */
			unsigned pu = rng_below(r, 4);
			INSP(a, o, push[pu]);
			if (pu != 1 && rng_one_in(r, 2)) {
				INSP(a, o, pop[rng_below(r, 2)]);
			} else {
				INSP(a, o, (uint8_t)(0x58 + fr));
				qg_neutral_reg(a, fr, o);
			}
			neutral_slot(a, o);
			break;
		}
		default:
			qg_filler(a, 1 + rng_below(r, 2), 0);
			break;
		}
	}
	if (rng_one_in(r, 10))
		INS(a, 0x5c); /* pop esp, last */
}

void qg_k_loop(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "loop");
	qg_stack_regs(a);
	unsigned kind = rng_below(r, 6), iters = 1 + rng_below(r, 6);
	c->in.r[ECX] = kind == 5 ? (rng_u32(r) & 0xffff0000u) | iters : iters;
	bool guard = kind == 0 && rng_one_in(r, 3);
	if (guard && rng_one_in(r, 2))
		c->in.r[ECX] = 0;
	unsigned jz = 0;
	if (guard) {
		jz = PUT(a, 0xe3, 0); /* jecxz end */
		qg_run_at(a, jz);
	}
	unsigned top = c->len, n0 = c->ntrace;
	qg_filler(a, 1 + rng_below(r, 3), R(ECX));
	unsigned lp;
	switch (kind) {
	case 0:
		lp = PUT(a, 0xe2, 0);
		break; /* loop */
	case 1:
		lp = PUT(a, 0xe1, 0);
		break; /* loope */
	case 2:
		lp = PUT(a, 0xe0, 0);
		break; /* loopne */
	case 3:
		lp = PUT(a, 0x49, 0x75, 0);
		break; /* dec ecx; jnz */
	case 4:
		lp = PUT(a, 0x83, 0xe9, 0x01, 0x0f, 0x85, 0, 0, 0, 0);
		break; /* sub; jnz */
	default:
		lp = PUT(a, 0x67, 0xe2, 0);
		break; /* loopw (cx) */
	}
	unsigned end = c->len;
	if (a->bad || end - top > 120) {
		a->bad = true;
		return;
	}
	if (kind == 4)
		qg_put32(c->code + end - 4, top - end);
	else
		c->code[end - 1] = (uint8_t)(top - end);
	qg_run_range(a, lp, end);
	/* a second time round: the body sees the flags the first round left */
	unsigned n1 = c->ntrace;
	for (unsigned k = n0; k < n1 && !a->bad; k++)
		qg_run_at(a, c->toff[k]);
	if (guard)
		c->code[jz + 1] = (uint8_t)(end - (jz + 2));
}

void qg_k_call(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "call");
	qg_stack_regs(a);
	unsigned v = rng_below(r, 8);
	uint8_t reg = qg_free_reg(r);
	uint8_t d = qg_d8(r);
	uint32_t slot = c->in.r[EBX] + (uint32_t)(int32_t)(int8_t)d;
	unsigned fix = 0; /* offset of a 32-bit absolute target to patch */
	unsigned xfer;
	bool is_call = v < 4;
	qg_filler(a, rng_below(r, 2), 0);
	switch (v) {
	case 0:
	case 4:
		xfer = PUT(a, v ? 0xe9 : 0xe8, 0, 0, 0, 0); /* call/jmp rel32 */
		break;
	case 1:
	case 5: /* mov reg, target; call/jmp reg */
		fix = INS(a, (uint8_t)(0xb8 + reg), 0, 0, 0, 0) + 1;
		xfer = PUT(a, 0xff, (uint8_t)((v == 1 ? 0xd0 : 0xe0) + reg));
		break;
	case 2:
	case 6: /* mov dword [ebx+d8], target; call/jmp [ebx+d8] */
		fix = INS(a, 0xc7, 0x43, d, 0, 0, 0, 0) + 3;
		xfer = PUT(a, 0xff, v == 2 ? 0x53 : 0x63, d);
		break;
	case 3: /* mov dword [abs], target; call [abs] */
		fix = INS(a, 0xc7, 0x05, 0, 0, 0, 0, 0, 0, 0, 0) + 6;
		if (!a->bad)
			qg_put32(c->code + fix - 4, slot);
		xfer = PUT(a, 0xff, 0x15, 0, 0, 0, 0);
		if (!a->bad)
			qg_put32(c->code + xfer + 2, slot);
		break;
	default: /* push target; ret */
		fix = INS(a, 0x68, 0, 0, 0, 0) + 1;
		xfer = PUT(a, 0xc3);
		break;
	}
	if (a->bad)
		return;
	qg_run_at(a, xfer);
	unsigned after = c->len, jmp = 0;
	if (is_call) { /* laid out here, runs after the subroutine returns */
		struct taint t = a->t;
		unsigned n0 = c->ntrace;
		qg_filler(a, rng_below(r, 3), 0);
		c->ntrace = n0;
		a->t = t;
		jmp = PUT(a, 0xe9, 0, 0, 0, 0);
	} else {
		PUT(a, 0x0f, 0x0b); /* ud2: not reached */
	}
	unsigned target = c->len;
	qg_filler(a, rng_below(r, 3), 0);
	if (is_call) {
		if (rng_one_in(r, 3))
			INS(a, 0xc2, (uint8_t)(4 * rng_below(r, 4)), 0); /* ret imm16 */
		else
			INS(a, 0xc3);
		qg_run_range(a, after, jmp + 5);
	}
	if (a->bad)
		return;
	unsigned end = c->len;
	uint32_t tabs = c->addr + target;
	if (v == 0 || v == 4)
		qg_put32(c->code + xfer + 1, target - (xfer + 5));
	if (fix)
		qg_put32(c->code + fix, tabs);
	if (is_call)
		qg_put32(c->code + jmp + 1, end - (jmp + 5));
}

void qg_k_jcc(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "jcc");
	qg_stack_regs(a);
	unsigned n = 1 + rng_below(r, 4);
	for (unsigned i = 0; i < n && !a->bad; i++) {
		qg_filler(a, 1 + rng_below(r, 2), 0);
		uint8_t cc = (uint8_t)rng_below(r, 16);
		uint8_t b[8];
		unsigned len;
		switch (rng_below(r, 4)) {
		case 0:
		case 1: { /* jcc over 1..2 instructions: both ways */
			bool near = rng_one_in(r, 3);
			if (near)
				b[0] = 0x0f, b[1] = (uint8_t)(0x80 + cc), len = 6;
			else
				b[0] = (uint8_t)(0x70 + cc), len = 2;
			memset(b + (near ? 2 : 1), 0, 4);
			if (!qg_would_taint_ok(a, b, len))
				continue;
			unsigned j = qg_ins(a, b, len);
			struct taint before = a->t;
			qg_filler(a, 1 + rng_below(r, 2), 0);
			if (a->bad)
				return;
			a->t.fl |= before.fl; /* either way */
			a->t.fsw |= before.fsw;
			unsigned rel = c->len - (j + len);
			if (near)
				qg_put32(c->code + j + 2, rel);
			else if (rel < 128)
				c->code[j + 1] = (uint8_t)rel;
			else
				a->bad = true;
			break;
		}
		case 2: /* setcc */
			b[0] = 0x0f, b[1] = (uint8_t)(0x90 + cc), len = 3;
			b[2] = (uint8_t)(0xc0 | (rng_below(r, 6) + 1) % 7); /* not bl, bh */
			if ((b[2] & 7) == 3)
				b[2] = 0xc4;
			if (qg_would_taint_ok(a, b, len))
				qg_ins(a, b, len);
			break;
		default: /* cmovcc */
			b[0] = 0x0f, b[1] = (uint8_t)(0x40 + cc),
			b[2] = (uint8_t)(0xc0 | qg_free_reg(r) << 3 | rng_below(r, 8)), len = 3;
			if (qg_would_taint_ok(a, b, len))
				qg_ins(a, b, len);
			break;
		}
	}
}
