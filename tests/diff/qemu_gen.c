/*
 * qemu_gen.c — the cases of the qemu-i386 differential test (see qemu.h).
 *
 * Three kinds, by case index:
 *   single   one instruction of forms.c from gen_case (every ModRM/SIB
 *            shape, steered divisors, counts, string pointers, now and then
 *            a fault), with gen_case's exact masks of undefined flags;
 *   seq      2..8 random instructions of forms.c, register operands or
 *            memory through one base register that none of them writes;
 *   template hand-written 32-bit shapes with random parts: stack (push/pop
 *            of registers, immediates, memory, esp, segment registers,
 *            pusha/popa, enter/leave, pushf/popf, call/ret imm16), BCD,
 *            loops (loop/loope/loopne/jecxz, dec/jnz, 16-bit loop),
 *            calls and indirect jumps, conditional branches with setcc and
 *            cmovcc, string sequences with rep and DF, and 32-bit-only odds
 *            (salc, xlat, arpl, bound, into, int3, lds/les, lea with 16-bit
 *            addressing, segment register moves, cmpxchg8b).
 *
 * Undefined flags: every executed instruction goes through a taint analysis
 * (Zydis' tested/modified/undefined flags, with the count rules of the
 * shifts and rotates, rep cmps/scas that may not run, and fnstsw/fxsave as
 * readers of the x87 condition codes).  An instruction that would read a
 * flag the SDM leaves undefined at that point is not generated; what is
 * undefined at the end (or before a faulting instruction) is masked.
 */
#include <Zydis/Zydis.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tests/diff/qemu.h"

#define CF    0x001u
#define PF    0x004u
#define AF    0x010u
#define ZF    0x040u
#define SF    0x080u
#define DF    0x400u
#define OF    0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
#define R(x) (1u << (x))

static ZydisDecoder dec;

void qg_init(void)
{
	forms_build();
	gen_allow_segments(false); /* %fs/%gs bases are not set up in the programs */
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

/* ---- taint: flags the SDM leaves undefined -------------------------------- */

struct taint {
	uint32_t fl;  /* EFLAGS bits */
	uint16_t fsw; /* x87 condition codes */
	/* Status bits that are defined but that qemu-i386 does not compute
	 * (qemu-deviations.txt: C1, DE of FSW, DE of MXCSR): set once an x87
	 * or SSE instruction ran; what stores FSW or MXCSR is then not
	 * generated, so that those bits stay in the status words, which
	 * qemu_diff compares field by field. */
	bool qfsw, qmx;
};

static uint16_t cbits(uint32_t m)
{
	return (uint16_t)((m & 1 ? 0x100 : 0) | (m & 2 ? 0x200 : 0) | (m & 4 ? 0x400 : 0) |
			  (m & 8 ? 0x4000 : 0));
}

static bool decode(const uint8_t *p, unsigned len, ZydisDecodedInstruction *in,
		   ZydisDecodedOperand *ops)
{
	return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, p, len, in, ops));
}

/* Shifts and rotates: what the count says, when it is known. */
static void shift_rule(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *ops,
		       uint32_t *written, uint32_t *undef)
{
	ZydisMnemonic m = in->mnemonic;
	bool sh = m == ZYDIS_MNEMONIC_SHL || m == ZYDIS_MNEMONIC_SHR || m == ZYDIS_MNEMONIC_SAR;
	bool rot = m == ZYDIS_MNEMONIC_ROL || m == ZYDIS_MNEMONIC_ROR;
	bool rc = m == ZYDIS_MNEMONIC_RCL || m == ZYDIS_MNEMONIC_RCR;
	bool dbl = m == ZYDIS_MNEMONIC_SHLD || m == ZYDIS_MNEMONIC_SHRD;
	if (!sh && !rot && !rc && !dbl)
		return;
	unsigned bits = in->operand_width, cnt = 1;
	bool known = true;
	for (unsigned i = 1; i < in->operand_count_visible; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			cnt = (unsigned)ops[i].imm.value.u & 0xff;
		else if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			 ops[i].reg.value == ZYDIS_REGISTER_CL)
			known = false;
	}
	cnt &= 0x1f;
	if (!known) { /* the count may be 0 (no flag changes) or anything */
		*written = 0;
		*undef = sh    ? AF | OF | (m == ZYDIS_MNEMONIC_SAR ? 0 : CF)
			 : dbl ? AF | OF | (bits == 16 ? CF : 0)
			       : OF;
		return;
	}
	if (!cnt) {
		*written = *undef = 0;
		return;
	}
	if (sh) {
		*written = ARITH;
		*undef =
		    AF | (cnt != 1 ? OF : 0) | (m != ZYDIS_MNEMONIC_SAR && cnt >= bits ? CF : 0);
	} else if (dbl) {
		*written = ARITH;
		*undef = AF | (cnt != 1 ? OF : 0) | (cnt > bits ? CF : 0);
	} else {
		*written = OF | CF;
		if (rc && cnt % (bits + 1) == 0)
			*written = OF; /* rotated by a multiple of size + 1: CF stays */
		*undef = cnt > 1 ? OF : 0;
	}
}

static bool fsw_reader(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_FNSTSW || m == ZYDIS_MNEMONIC_FNSTENV ||
	       m == ZYDIS_MNEMONIC_FNSAVE || m == ZYDIS_MNEMONIC_FXSAVE;
}

static bool mxcsr_reader(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_STMXCSR || m == ZYDIS_MNEMONIC_FXSAVE;
}

static bool is_sse(const ZydisDecodedInstruction *in)
{
	ZydisISAExt e = in->meta.isa_ext;
	return e == ZYDIS_ISA_EXT_SSE || e == ZYDIS_ISA_EXT_SSE2 || e == ZYDIS_ISA_EXT_SSE3 ||
	       e == ZYDIS_ISA_EXT_SSE4 || e == ZYDIS_ISA_EXT_SSSE3;
}

/* Applies the instruction at P (LEN bytes there) to T.  False if it reads a
 * flag that T has undefined (T is then unchanged).  *ILEN: its length, 0 if
 * it does not decode (a #UD: no change). */
static bool taint_step(const uint8_t *p, unsigned len, struct taint *t, unsigned *ilen)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	*ilen = 0;
	if (!decode(p, len, &in, ops))
		return true;
	*ilen = in.length;
	uint32_t tested = 0, written = 0, undef = 0;
	if (in.cpu_flags) {
		tested = in.cpu_flags->tested & (ARITH | DF);
		written = (in.cpu_flags->modified | in.cpu_flags->set_0 | in.cpu_flags->set_1) &
			  (ARITH | DF);
		undef = in.cpu_flags->undefined & ARITH;
	}
	shift_rule(&in, ops, &written, &undef);
	ZydisMnemonic m = in.mnemonic;
	if ((in.attributes &
	     (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)) &&
	    (m == ZYDIS_MNEMONIC_CMPSB || m == ZYDIS_MNEMONIC_CMPSW || m == ZYDIS_MNEMONIC_CMPSD ||
	     m == ZYDIS_MNEMONIC_SCASB || m == ZYDIS_MNEMONIC_SCASW || m == ZYDIS_MNEMONIC_SCASD))
		written = undef = 0; /* ecx may be 0 */
	if ((tested & t->fl) || (fsw_reader(m) && (t->fsw || t->qfsw)) ||
	    (mxcsr_reader(m) && t->qmx))
		return false;
	if (in.meta.isa_ext == ZYDIS_ISA_EXT_X87 || m == ZYDIS_MNEMONIC_FISTTP)
		t->qfsw = true;
	if (is_sse(&in))
		t->qmx = true;
	if (!fsw_reader(m) && in.fpu_flags) { /* a reader leaves the condition codes */
		uint16_t fw = cbits(in.fpu_flags->modified | in.fpu_flags->set_0 |
				    in.fpu_flags->set_1 | in.fpu_flags->undefined);
		t->fsw = (uint16_t)((t->fsw & ~fw) | cbits(in.fpu_flags->undefined));
	}
	t->fl = (t->fl & ~written) | undef;
	return true;
}

/* ---- building a case's code ------------------------------------------------- */

struct asmb {
	struct qcase *c;
	struct rng *r;
	struct taint t;
	bool bad; /* overflow, or an undefined flag read: the case is regenerated */
};

static unsigned put(struct asmb *a, const uint8_t *b, unsigned n)
{
	unsigned off = a->c->len;
	if (off + n > QD_MAXCODE - 16) {
		a->bad = true;
		return off;
	}
	memcpy(a->c->code + off, b, n);
	a->c->len += n;
	return off;
}

/* The instruction at OFF runs now (in the order of execution). */
static void run_at(struct asmb *a, unsigned off)
{
	struct qcase *c = a->c;
	unsigned ilen;
	if (c->ntrace < QD_MAXTRACE) {
		c->toff[c->ntrace] = (uint16_t)off;
		c->tflags[c->ntrace] = a->t.fl;
		c->tfsw[c->ntrace] = a->t.fsw;
		c->ntrace++;
	} else {
		a->bad = true;
	}
	if (!taint_step(c->code + off, c->len - off, &a->t, &ilen))
		a->bad = true;
}

static unsigned ins(struct asmb *a, const uint8_t *b, unsigned n)
{
	unsigned off = put(a, b, n);
	if (!a->bad)
		run_at(a, off);
	return off;
}

/* the same with 0x66 first if O16 */
static unsigned ins_p(struct asmb *a, bool o16, const uint8_t *b, unsigned n)
{
	uint8_t t[16];
	t[0] = 0x66;
	memcpy(t + 1, b, n);
	return o16 ? ins(a, t, n + 1) : ins(a, b, n);
}

static unsigned insn_len(const uint8_t *p, unsigned n)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	return decode(p, n, &in, ops) ? in.length : n;
}

/* Every instruction in [FROM, TO) of the code runs now. */
static void run_range(struct asmb *a, unsigned from, unsigned to)
{
	for (unsigned o = from; o < to && !a->bad; o += insn_len(a->c->code + o, to - o))
		run_at(a, o);
}

#define INSP(a, o16, ...)                                                                          \
	ins_p(a, o16, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define INS(a, ...) ins(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define PUT(a, ...) put(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static bool would_taint_ok(const struct asmb *a, const uint8_t *b, unsigned n)
{
	struct taint t = a->t;
	unsigned ilen;
	return taint_step(b, n, &t, &ilen);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void set_mem32(struct qcase *c, uint32_t a, uint32_t v)
{
	if (a - DX_DATA <= DX_DATA_SIZE - 4)
		memcpy(c->mem + (a - DX_DATA), &v, 4);
}

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
		put32(e->b + e->n, (uint32_t)d), e->n += 4;
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
		put32(e->b + e->n, DX_DATA + 0x400 + rng_below(r, DX_DATA_SIZE - 0x800));
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
	if (!decode(p, n, &in, ops))
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
		    !would_taint_ok(a, e.b, e.n))
			continue;
		ins(a, e.b, e.n);
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
static void filler(struct asmb *a, unsigned n, uint32_t avoid)
{
	for (unsigned i = 0; i < n; i++)
		random_insn(a, EBX, a->c->in.r[EBX], avoid | R(EBX) | R(ESP) | R(EBP));
}

/* ---- the kinds ------------------------------------------------------------- */

static void k_single(uint64_t index, struct asmb *a)
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

static void k_seq(struct asmb *a)
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

/* esp, ebp and ebx point into the data region (the stack there shows in the
 * dump); ebx is the base of memory operands and is never written. */
static void stack_regs(struct asmb *a)
{
	struct qcase *c = a->c;
	c->in.r[ESP] =
	    DX_DATA + 0x1800 + 4 * rng_below(a->r, 0x100) + (rng_one_in(a->r, 8) ? 2 : 0);
	c->in.r[EBP] = DX_DATA + 0x1400 + 4 * rng_below(a->r, 0x100);
	c->in.r[EBX] = DX_DATA + 0x1000 + 16 * rng_below(a->r, 0x40);
}

static uint8_t free_reg(struct rng *r) /* eax ecx edx esi edi */
{
	static const uint8_t f[] = {EAX, ECX, EDX, ESI, EDI};
	return f[rng_below(r, 5)];
}

static uint8_t d8(struct rng *r)
{
	return (uint8_t)(int8_t)((int)rng_below(r, 64) - 32);
}

/* Selector values are the kernel's (0x2b/0x7b, ...), and what a 32-bit push
 * of a segment register leaves in the upper half of its slot is the CPU's:
 * after they are used, registers and memory that got them get constants. */
static void neutral_reg(struct asmb *a, uint8_t r, bool o16)
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

static void k_stack(struct asmb *a)
{
	struct rng *r = a->r;
	snprintf(a->c->kind, sizeof(a->c->kind), "stack");
	stack_regs(a);
	unsigned n = 3 + rng_below(r, 6);
	for (unsigned i = 0; i < n && !a->bad; i++) {
		bool o = rng_one_in(r, 5); /* 16-bit operand size */
		uint8_t fr = free_reg(r);
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
				INSP(a, o, 0xff, 0x73, d8(r)); /* push [ebx+d8] */
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
				INSP(a, o, 0x8f, 0x43, d8(r)); /* pop [ebx+d8] */
				break;
			default: /* pop [esp+d8]: the address is taken after the pop */
				INSP(a, o, 0x8f, 0x44, 0x24, (uint8_t)(4 * rng_below(r, 12)));
				break;
			}
			break;
		case 2: /* pusha; ...; popa */
			INSP(a, o, 0x60);
			filler(a, rng_below(r, 3), R(EBP));
			INSP(a, o, 0x61);
			break;
		case 3: { /* enter; ...; leave */
			unsigned lvl = rng_one_in(r, 2)	  ? 0
				       : rng_one_in(r, 4) ? rng_below(r, 32)
							  : 1 + rng_below(r, 3);
			unsigned sz = rng_one_in(r, 2) ? 4 * rng_below(r, 16) : rng_below(r, 64);
			INSP(a, o, 0xc8, (uint8_t)sz, (uint8_t)(sz >> 8), (uint8_t)lvl);
			filler(a, rng_below(r, 3), R(EBP));
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
			run_at(a, call);
			filler(a, rng_below(r, 3), 0);
			if (rng_one_in(r, 2))
				INS(a, 0xc3);
			else
				INS(a, 0xc2, (uint8_t)(2 * rng_below(r, 8)), 0);
			unsigned end = a->c->len;
			if (a->bad || end - (jmp + 2) > 127) {
				a->bad = true;
				break;
			}
			put32(a->c->code + call + 1, sub - (call + 5));
			a->c->code[jmp + 1] = (uint8_t)(end - (jmp + 2));
			run_at(a, jmp);
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
				INS(a, 0x8d, (uint8_t)(0x44 | fr << 3), 0x24, d8(r)); /* lea */
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
				neutral_reg(a, fr, o);
			}
			neutral_slot(a, o);
			break;
		}
		default:
			filler(a, 1 + rng_below(r, 2), 0);
			break;
		}
	}
	if (rng_one_in(r, 10))
		INS(a, 0x5c); /* pop esp, last */
}

static void k_bcd(struct asmb *a)
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
		if (!would_taint_ok(a, b, len))
			continue;
		ins(a, b, len);
		i++;
	}
}

static void k_loop(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "loop");
	stack_regs(a);
	unsigned kind = rng_below(r, 6), iters = 1 + rng_below(r, 6);
	c->in.r[ECX] = kind == 5 ? (rng_u32(r) & 0xffff0000u) | iters : iters;
	bool guard = kind == 0 && rng_one_in(r, 3);
	if (guard && rng_one_in(r, 2))
		c->in.r[ECX] = 0;
	unsigned jz = 0;
	if (guard) {
		jz = PUT(a, 0xe3, 0); /* jecxz end */
		run_at(a, jz);
	}
	unsigned top = c->len, n0 = c->ntrace;
	filler(a, 1 + rng_below(r, 3), R(ECX));
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
		put32(c->code + end - 4, top - end);
	else
		c->code[end - 1] = (uint8_t)(top - end);
	run_range(a, lp, end);
	/* a second time round: the body sees the flags the first round left */
	unsigned n1 = c->ntrace;
	for (unsigned k = n0; k < n1 && !a->bad; k++)
		run_at(a, c->toff[k]);
	if (guard)
		c->code[jz + 1] = (uint8_t)(end - (jz + 2));
}

static void k_call(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "call");
	stack_regs(a);
	unsigned v = rng_below(r, 8);
	uint8_t reg = free_reg(r);
	uint8_t d = d8(r);
	uint32_t slot = c->in.r[EBX] + (uint32_t)(int32_t)(int8_t)d;
	unsigned fix = 0; /* offset of a 32-bit absolute target to patch */
	unsigned xfer;
	bool is_call = v < 4;
	filler(a, rng_below(r, 2), 0);
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
			put32(c->code + fix - 4, slot);
		xfer = PUT(a, 0xff, 0x15, 0, 0, 0, 0);
		if (!a->bad)
			put32(c->code + xfer + 2, slot);
		break;
	default: /* push target; ret */
		fix = INS(a, 0x68, 0, 0, 0, 0) + 1;
		xfer = PUT(a, 0xc3);
		break;
	}
	if (a->bad)
		return;
	run_at(a, xfer);
	unsigned after = c->len, jmp = 0;
	if (is_call) { /* laid out here, runs after the subroutine returns */
		struct taint t = a->t;
		unsigned n0 = c->ntrace;
		filler(a, rng_below(r, 3), 0);
		c->ntrace = n0;
		a->t = t;
		jmp = PUT(a, 0xe9, 0, 0, 0, 0);
	} else {
		PUT(a, 0x0f, 0x0b); /* ud2: not reached */
	}
	unsigned target = c->len;
	filler(a, rng_below(r, 3), 0);
	if (is_call) {
		if (rng_one_in(r, 3))
			INS(a, 0xc2, (uint8_t)(4 * rng_below(r, 4)), 0); /* ret imm16 */
		else
			INS(a, 0xc3);
		run_range(a, after, jmp + 5);
	}
	if (a->bad)
		return;
	unsigned end = c->len;
	uint32_t tabs = c->addr + target;
	if (v == 0 || v == 4)
		put32(c->code + xfer + 1, target - (xfer + 5));
	if (fix)
		put32(c->code + fix, tabs);
	if (is_call)
		put32(c->code + jmp + 1, end - (jmp + 5));
}

static void k_jcc(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "jcc");
	stack_regs(a);
	unsigned n = 1 + rng_below(r, 4);
	for (unsigned i = 0; i < n && !a->bad; i++) {
		filler(a, 1 + rng_below(r, 2), 0);
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
			if (!would_taint_ok(a, b, len))
				continue;
			unsigned j = ins(a, b, len);
			struct taint before = a->t;
			filler(a, 1 + rng_below(r, 2), 0);
			if (a->bad)
				return;
			a->t.fl |= before.fl; /* either way */
			a->t.fsw |= before.fsw;
			unsigned rel = c->len - (j + len);
			if (near)
				put32(c->code + j + 2, rel);
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
			if (would_taint_ok(a, b, len))
				ins(a, b, len);
			break;
		default: /* cmovcc */
			b[0] = 0x0f, b[1] = (uint8_t)(0x40 + cc),
			b[2] = (uint8_t)(0xc0 | free_reg(r) << 3 | rng_below(r, 8)), len = 3;
			if (would_taint_ok(a, b, len))
				ins(a, b, len);
			break;
		}
	}
}

static void k_string(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "string");
	stack_regs(a);
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
		if (would_taint_ok(a, b, len))
			ins(a, b, len);
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

static void k_misc(struct asmb *a)
{
	struct rng *r = a->r;
	struct qcase *c = a->c;
	snprintf(c->kind, sizeof(c->kind), "misc");
	stack_regs(a);
	unsigned n = 2 + rng_below(r, 4);
	for (unsigned i = 0, tries = 0; i < n && tries < 60 && !a->bad; tries++) {
		uint8_t b[12];
		unsigned len = 0;
		uint8_t fr = free_reg(r), d = d8(r);
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
			neutral_reg(a, fr, true);
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
			neutral_reg(a, fr, true);
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
				b[len++] = 0x87, b[len++] = (uint8_t)(0xc0 | fr << 3 | free_reg(r));
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
				filler(a, 2, 0);
			} else {
				INS(a, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x04,
				    0x00); /* or [esp], 0x40000 */
				INS(a, 0x9d);
				INS(a, 0x8b, (uint8_t)(0x43 | fr << 3), (uint8_t)(d | 1));
			}
			i++;
			continue;
		case 16: { /* lar/lsl of es/cs/ss/ds (selector in a register) */
			uint8_t dst = free_reg(r);
			INS(a, 0x8c, (uint8_t)(0xc0 | rng_below(r, 4) << 3 | fr));
			INS(a, 0x0f, (uint8_t)(2 + rng_below(r, 2)),
			    (uint8_t)(0xc0 | dst << 3 | fr));
			if (dst != fr)
				neutral_reg(a, fr, true);
			i++;
			continue;
		}
		default:
			filler(a, 1, 0);
			i++;
			continue;
		}
		if (!would_taint_ok(a, b, len))
			continue;
		ins(a, b, len);
		i++;
	}
}

/* ---- cases -------------------------------------------------------------------- */

static void finish(struct asmb *a)
{
	struct qcase *c = a->c;
	c->flag_mask = DX_FLAGS & ~a->t.fl;
	c->fsw_mask = a->t.fsw;
}

void qg_case(uint64_t seed, uint64_t index, uint32_t addr, struct qcase *c)
{
	struct rng r = rng_for_case(seed, index);
	struct asmb a;
	for (unsigned attempt = 0;; attempt++) {
		memset(&a, 0, sizeof(a));
		c->index = index;
		c->addr = addr;
		c->len = 0;
		c->ntrace = 0;
		a.c = c;
		a.r = &r;
		unsigned k = (unsigned)(index % 10);
		if (k >= 4 || attempt)
			gen_random_state(&r, &c->in, c->mem);
		if (k < 4 && !attempt) {
			k_single(index, &a);
		} else if (k < 7) {
			k_seq(&a);
		} else {
			switch (rng_below(&r, 7)) {
			case 0:
				k_stack(&a);
				break;
			case 1:
				k_bcd(&a);
				break;
			case 2:
				k_loop(&a);
				break;
			case 3:
				k_call(&a);
				break;
			case 4:
				k_jcc(&a);
				break;
			case 5:
				k_string(&a);
				break;
			default:
				k_misc(&a);
				break;
			}
		}
		if (!a.bad && c->len)
			break;
		if (attempt > 50) { /* give up: one nop */
			c->len = 1, c->code[0] = 0x90, c->ntrace = 0;
			snprintf(c->kind, sizeof(c->kind), "nop");
			memset(&a.t, 0, sizeof(a.t));
			break;
		}
	}
	finish(&a);
}

void qg_bytes(uint64_t seed, uint64_t index, uint32_t addr, const uint8_t *code, unsigned len,
	      struct qcase *c)
{
	struct rng r = rng_for_case(seed, index);
	struct asmb a;
	memset(&a, 0, sizeof(a));
	memset(c, 0, sizeof(*c));
	c->index = index;
	c->addr = addr;
	a.c = c;
	a.r = &r;
	gen_random_state(&r, &c->in, c->mem);
	stack_regs(&a);
	snprintf(c->kind, sizeof(c->kind), "bytes");
	put(&a, code, len < QD_MAXCODE - 16 ? len : QD_MAXCODE - 16);
	run_range(&a, 0, c->len);
	finish(&a);
}

void qg_fault_masks(const struct qcase *c, uint32_t eip, uint32_t *flag_mask, uint16_t *fsw_mask)
{
	uint32_t off = eip - c->addr, fl = 0;
	uint16_t fsw = 0;
	bool found = false;
	for (unsigned i = 0; i < c->ntrace; i++)
		if (c->toff[i] == off) {
			fl |= c->tflags[i], fsw |= c->tfsw[i];
			found = true;
		}
	if (!found) { /* not at an instruction we know: everything seen */
		for (unsigned i = 0; i < c->ntrace; i++)
			fl |= c->tflags[i], fsw |= c->tfsw[i];
		fl |= DX_FLAGS & ~c->flag_mask;
		fsw |= c->fsw_mask;
	}
	*flag_mask = DX_FLAGS & ~fl;
	*fsw_mask = fsw;
}

unsigned qg_mem_bits_at(const struct qcase *c, uint32_t eip)
{
	uint32_t off = eip - c->addr;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (off >= c->len || !decode(c->code + off, c->len - off, &in, ops))
		return 0;
	for (unsigned i = 0; i < in.operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return ops[i].size;
	return 0;
}

bool qg_has_bytes(const struct qcase *c, const uint8_t *pfx, unsigned n)
{
	for (unsigned off = 0; off < c->len;) {
		unsigned len = insn_len(c->code + off, c->len - off);
		if (len >= n && !memcmp(c->code + off, pfx, n))
			return true;
		off += len ? len : 1;
	}
	return false;
}

void qg_mnemonics(const struct qcase *c, char *buf, size_t n)
{
	char all[1024] = " ";
	size_t o = 1;
	for (unsigned off = 0; off < c->len;) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		if (!decode(c->code + off, c->len - off, &in, ops)) {
			/* a lock prefix where it is not allowed (#UD): the
			 * instruction without it gives the mnemonic */
			uint8_t t[16];
			unsigned n = 0, k = off;
			bool lock = false;
			for (; k < c->len && n < 15; k++) {
				uint8_t b = c->code[k];
				if (b == 0xf0 && !lock) {
					lock = true;
					continue;
				}
				t[n++] = b;
			}
			char m[48];
			if (lock && decode(t, n, &in, ops) && o + 40 < sizeof(all)) {
				snprintf(m, sizeof(m), "@badlock @badlock:%s ",
					 ZydisMnemonicGetString(in.mnemonic));
				for (char *p = m; *p; p++)
					*p = (char)tolower((unsigned char)*p);
				if (!strstr(all, m))
					o += (size_t)snprintf(all + o, sizeof(all) - o, "%s", m);
				off += in.length + 1;
			} else {
				off++;
			}
			continue;
		}
		off += in.length;
		bool mmx = false;
		for (unsigned i = 0; i < in.operand_count; i++)
			mmx |= ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			       ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_MMX;
		for (int k = 0; k < 5; k++) {
			char m[40];
			if (k == 0)
				snprintf(m, sizeof(m), " %s ", ZydisMnemonicGetString(in.mnemonic));
			else if (k == 3 && (in.attributes & ZYDIS_ATTRIB_HAS_LOCK))
				snprintf(m, sizeof(m), " @lock:%s ",
					 ZydisMnemonicGetString(in.mnemonic));
			else if (k == 4 && (in.attributes & ZYDIS_ATTRIB_HAS_LOCK))
				snprintf(m, sizeof(m), " @lock ");
			else if (k == 1 && mmx)
				snprintf(m, sizeof(m), " @mmx ");
			else if (k == 2 && (in.meta.isa_ext == ZYDIS_ISA_EXT_X87 ||
					    in.mnemonic == ZYDIS_MNEMONIC_FISTTP))
				snprintf(m, sizeof(m), " @x87 ");
			else
				continue;
			for (char *p = m; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (strstr(all, m) || o + strlen(m) >= sizeof(all))
				continue;
			o += (size_t)snprintf(all + o, sizeof(all) - o, "%s", m + 1);
		}
	}
	/* @mmx>x87: an x87 instruction runs after one with an MMX register */
	bool mmx = false, after = false;
	unsigned nt = c->ntrace ? c->ntrace : 0;
	for (unsigned i = 0; i < nt && !after; i++) {
		ZydisDecodedInstruction in;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		unsigned off = c->toff[i];
		if (off >= c->len || !decode(c->code + off, c->len - off, &in, ops))
			continue;
		if (mmx &&
		    (in.meta.isa_ext == ZYDIS_ISA_EXT_X87 || in.mnemonic == ZYDIS_MNEMONIC_FISTTP))
			after = true;
		for (unsigned k = 0; k < in.operand_count; k++)
			mmx |= ops[k].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			       ZydisRegisterGetClass(ops[k].reg.value) == ZYDIS_REGCLASS_MMX;
	}
	if (after && o + 10 < sizeof(all))
		o += (size_t)snprintf(all + o, sizeof(all) - o, "@mmx>x87 ");
	size_t len = strlen(all);
	while (len && all[len - 1] == ' ')
		all[--len] = 0;
	snprintf(buf, n, "%s", all + 1);
}
