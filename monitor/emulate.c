/*
 * emulate.c — CPUID and the BCD instructions (see emulate.h).  The BCD
 * rules follow the Intel SDM's pseudo-code for DAA, DAS, AAA, AAS, AAM,
 * AAD; flags the SDM leaves undefined are left as they were.
 */
#include "monitor/emulate.h"

#include <cpuid.h>

/* CPUID exits to the hypervisor on a cloud VM (tens of microseconds) and
 * guests ask the same leaves again and again: remember the answers. */
struct cpuid_memo {
	uint32_t leaf, sub, valid, r[4];
};
static __thread struct cpuid_memo memo[64];

/* Leaves that ignore ECX (guests call them with whatever it holds); not
 * the others, nor leaves above the maximum, which return the highest
 * basic leaf's data, maybe a subleaf of it. */
static bool ignores_ecx(uint32_t leaf)
{
	return leaf <= 3 || leaf == 5 || leaf == 6 || leaf == 0x15 || leaf == 0x16 ||
	       leaf == 0x19 || (leaf >= 0x80000000u && leaf <= 0x80000008u);
}

static void host_cpuid(uint32_t leaf, uint32_t sub, unsigned *a, unsigned *b, unsigned *c,
		       unsigned *d)
{
	if (ignores_ecx(leaf))
		sub = 0;
	struct cpuid_memo *m = &memo[(leaf * 7 + sub + (leaf >> 28)) & 63];
	if (!m->valid || m->leaf != leaf || m->sub != sub) {
		unsigned r[4];
		__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
		*m = (struct cpuid_memo){leaf, sub, 1, {r[0], r[1], r[2], r[3]}};
	}
	*a = m->r[0], *b = m->r[1], *c = m->r[2], *d = m->r[3];
}

void emu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	unsigned a, b, c, d;
	host_cpuid(leaf, sub, &a, &b, &c, &d);
	if (leaf == 1) {
		/* no OSXSAVE, AVX, FMA, F16C: guest AVX state is not saved */
		c &= ~((1u << 27) | (1u << 28) | (1u << 12) | (1u << 29));
	} else if (leaf == 7 && sub == 0) {
		/* no AVX2, no AVX-512 family */
		b &= ~((1u << 5) | (1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) |
		       (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31));
		c &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14));
		d &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23));
	} else if (leaf == 0xd) {
		a = b = c = d = 0;
	} else if (leaf == 0x80000001) {
		d &= ~((1u << 29) | (1u << 11)); /* no long mode, no SYSCALL */
	}
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
}

static uint8_t al(const struct gcpu *g)
{
	return (uint8_t)g->regs[GR_EAX];
}

static void set_al(struct gcpu *g, uint8_t v)
{
	g->regs[GR_EAX] = (g->regs[GR_EAX] & ~0xffu) | v;
}

static void set_ax(struct gcpu *g, uint16_t v)
{
	g->regs[GR_EAX] = (g->regs[GR_EAX] & ~0xffffu) | v;
}

static void flag(struct gcpu *g, uint32_t f, bool on)
{
	g->eflags = on ? g->eflags | f : g->eflags & ~f;
}

/* SF, ZF, PF from an 8-bit result. */
static void szp(struct gcpu *g, uint8_t v)
{
	flag(g, GF_SF, v & 0x80);
	flag(g, GF_ZF, v == 0);
	flag(g, GF_PF, !__builtin_parity(v));
}

void emu_daa(struct gcpu *g)
{
	uint8_t old = al(g), v = old;
	bool old_cf = g->eflags & GF_CF, cf = false;

	if ((v & 0xf) > 9 || (g->eflags & GF_AF)) {
		cf = old_cf || v > 0xf9;
		v = (uint8_t)(v + 6);
		flag(g, GF_AF, true);
	} else {
		flag(g, GF_AF, false);
	}
	if (old > 0x99 || old_cf) {
		v = (uint8_t)(v + 0x60);
		cf = true;
	} else {
		cf = false;
	}
	flag(g, GF_CF, cf);
	set_al(g, v);
	szp(g, v);
}

void emu_das(struct gcpu *g)
{
	uint8_t old = al(g), v = old;
	bool old_cf = g->eflags & GF_CF, cf = false;

	if ((v & 0xf) > 9 || (g->eflags & GF_AF)) {
		cf = old_cf || v < 6;
		v = (uint8_t)(v - 6);
		flag(g, GF_AF, true);
	} else {
		flag(g, GF_AF, false);
	}
	if (old > 0x99 || old_cf) {
		v = (uint8_t)(v - 0x60);
		cf = true;
	}
	flag(g, GF_CF, cf);
	set_al(g, v);
	szp(g, v);
}

void emu_aaa(struct gcpu *g)
{
	uint16_t ax = (uint16_t)g->regs[GR_EAX];
	bool adj = (ax & 0xf) > 9 || (g->eflags & GF_AF);

	if (adj)
		ax = (uint16_t)(ax + 0x106);
	flag(g, GF_AF, adj);
	flag(g, GF_CF, adj);
	set_ax(g, (uint16_t)(ax & 0xff0f));
}

void emu_aas(struct gcpu *g)
{
	uint16_t ax = (uint16_t)g->regs[GR_EAX];
	bool adj = (ax & 0xf) > 9 || (g->eflags & GF_AF);

	if (adj) {
		uint8_t lo = (uint8_t)((ax & 0xff) - 6);
		uint8_t hi = (uint8_t)((ax >> 8) - 1 - ((ax & 0xff) < 6)); /* AL borrows */
		ax = (uint16_t)(hi << 8 | lo);
	}
	flag(g, GF_AF, adj);
	flag(g, GF_CF, adj);
	set_ax(g, (uint16_t)(ax & 0xff0f));
}

bool emu_aam(struct gcpu *g, uint8_t imm)
{
	if (!imm)
		return false;
	uint8_t v = al(g);
	set_ax(g, (uint16_t)((v / imm) << 8 | (v % imm)));
	szp(g, (uint8_t)(v % imm));
	return true;
}

void emu_aad(struct gcpu *g, uint8_t imm)
{
	uint16_t ax = (uint16_t)g->regs[GR_EAX];
	uint8_t v = (uint8_t)((ax & 0xff) + (ax >> 8) * imm);
	set_ax(g, v);
	szp(g, v);
}
