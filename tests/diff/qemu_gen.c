/*
 * qemu_gen.c — the cases of the qemu-i386 differential test (see qemu.h):
 * case assembly and what the cases say about themselves.
 *
 * Owns: the taint analysis of undefined flags, the builder the kinds write
 * their code with (struct asmb: put, ins, run_at, run_range), qg_case (the
 * kind by case index, the retries, the final masks), qg_bytes (replaying
 * given bytes), and the questions qemu_diff asks of a case: its masks at a
 * fault, its memory operand sizes, its bytes, its mnemonics and tags.
 * The kinds themselves are elsewhere:
 *   single   one instruction of forms.c from gen_case (every ModRM/SIB
 *            shape, steered divisors, counts, string pointers, now and then
 *            a fault), with gen_case's exact masks of undefined flags, and
 *   seq      2..8 random instructions of forms.c, register operands or
 *            memory through one base register that none of them writes:
 *            qemu_rand.c;
 *   template hand-written 32-bit shapes with random parts: stack (push/pop
 *            of registers, immediates, memory, esp, segment registers,
 *            pusha/popa, enter/leave, pushf/popf, call/ret imm16), loops
 *            (loop/loope/loopne/jecxz, dec/jnz, 16-bit loop), calls and
 *            indirect jumps, conditional branches with setcc and cmovcc:
 *            qemu_tmpl.c; BCD, string sequences with rep and DF, and
 *            32-bit-only odds (salc, xlat, arpl, bound, into, int3, lds/les,
 *            lea with 16-bit addressing, segment register moves, cmpxchg8b):
 *            qemu_tmpl32.c.
 *
 * Undefined flags: every executed instruction goes through a taint analysis
 * (Zydis' tested/modified/undefined flags, with the count rules of the
 * shifts and rotates, rep cmps/scas that may not run, and fnstsw/fxsave as
 * readers of the x87 condition codes).  An instruction that would read a
 * flag the SDM leaves undefined at that point is not generated; what is
 * undefined at the end (or before a faulting instruction) is masked.
 */
#define QG_INTERNAL
#include <Zydis/Zydis.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tests/diff/qemu.h"

static ZydisDecoder dec;

void qg_init(void)
{
	forms_build();
	gen_allow_segments(false); /* %fs/%gs bases are not set up in the programs */
	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
}

/* ---- taint: flags the SDM leaves undefined -------------------------------- */

static uint16_t cbits(uint32_t m)
{
	return (uint16_t)((m & 1 ? 0x100 : 0) | (m & 2 ? 0x200 : 0) | (m & 4 ? 0x400 : 0) |
			  (m & 8 ? 0x4000 : 0));
}

bool qg_decode(const uint8_t *p, unsigned len, ZydisDecodedInstruction *in,
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
	if (!qg_decode(p, len, &in, ops))
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

unsigned qg_put(struct asmb *a, const uint8_t *b, unsigned n)
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
void qg_run_at(struct asmb *a, unsigned off)
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

unsigned qg_ins(struct asmb *a, const uint8_t *b, unsigned n)
{
	unsigned off = qg_put(a, b, n);
	if (!a->bad)
		qg_run_at(a, off);
	return off;
}

/* the same with 0x66 first if O16 */
unsigned qg_ins_p(struct asmb *a, bool o16, const uint8_t *b, unsigned n)
{
	uint8_t t[16];
	t[0] = 0x66;
	memcpy(t + 1, b, n);
	return o16 ? qg_ins(a, t, n + 1) : qg_ins(a, b, n);
}

static unsigned insn_len(const uint8_t *p, unsigned n)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	return qg_decode(p, n, &in, ops) ? in.length : n;
}

/* Every instruction in [FROM, TO) of the code runs now. */
void qg_run_range(struct asmb *a, unsigned from, unsigned to)
{
	for (unsigned o = from; o < to && !a->bad; o += insn_len(a->c->code + o, to - o))
		qg_run_at(a, o);
}

bool qg_would_taint_ok(const struct asmb *a, const uint8_t *b, unsigned n)
{
	struct taint t = a->t;
	unsigned ilen;
	return taint_step(b, n, &t, &ilen);
}

void qg_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
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
			qg_k_single(index, &a);
		} else if (k < 7) {
			qg_k_seq(&a);
		} else {
			switch (rng_below(&r, 7)) {
			case 0:
				qg_k_stack(&a);
				break;
			case 1:
				qg_k_bcd(&a);
				break;
			case 2:
				qg_k_loop(&a);
				break;
			case 3:
				qg_k_call(&a);
				break;
			case 4:
				qg_k_jcc(&a);
				break;
			case 5:
				qg_k_string(&a);
				break;
			default:
				qg_k_misc(&a);
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
	qg_stack_regs(&a);
	snprintf(c->kind, sizeof(c->kind), "bytes");
	qg_put(&a, code, len < QD_MAXCODE - 16 ? len : QD_MAXCODE - 16);
	qg_run_range(&a, 0, c->len);
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
	if (off >= c->len || !qg_decode(c->code + off, c->len - off, &in, ops))
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
		if (!qg_decode(c->code + off, c->len - off, &in, ops)) {
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
			if (lock && qg_decode(t, n, &in, ops) && o + 40 < sizeof(all)) {
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
		bool mmx = false, cswrite = false;
		for (unsigned i = 0; i < in.operand_count; i++) {
			mmx |= ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			       ZydisRegisterGetClass(ops[i].reg.value) == ZYDIS_REGCLASS_MMX;
			cswrite |= ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
				   ops[i].mem.segment == ZYDIS_REGISTER_CS &&
				   (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE);
		}
		for (int k = 0; k < 6; k++) {
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
			else if (k == 5 && cswrite)
				snprintf(m, sizeof(m), " @cswrite ");
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
		if (off >= c->len || !qg_decode(c->code + off, c->len - off, &in, ops))
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
