/*
 * harness.c — running instruction bytes on both sides of a differential
 * test (see diff.h).
 *
 * Owns: the translator side (a uspace with the code and data regions, a
 * translation cache whose code pages are never write-protected — the test
 * rewrites them and invalidates explicitly —, a tstate), the native side (the
 * data region mapped at the same numeric host address, a one-page JIT that
 * loads a state, runs the bytes in 64-bit mode and stores the state back),
 * and one signal dispatcher on an alternate stack: a fault while the JIT
 * runs is recorded from its ucontext and unwound with siglongjmp; any other
 * fault goes to the translator's handler installed before it.
 */
#include "tests/diff/diff.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "translator/fault.h"

#include <Zydis/Zydis.h>

#include "memory/uspace.h"
#include "translator/sensitive.h"
#include "translator/tcache.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct rng rng_for_case(uint64_t seed, uint64_t index)
{
	struct rng r = {seed ^ (index * 0xd1342543de82ef95ull)};
	rng_next(&r);
	return r;
}

void dx_state_default(struct dstate *s)
{
	memset(s, 0, sizeof(*s));
	s->fx[0] = 0x7f; /* FCW 0x037f */
	s->fx[1] = 0x03;
	s->fx[24] = 0x80; /* MXCSR 0x1f80 */
	s->fx[25] = 0x1f;
}

/* ---- translator side ----------------------------------------------------- */

static struct uspace *us;
static struct tcache *tc;
static struct tstate *ts;

static const uint8_t *fetch(void *ctx, uint32_t eip, uint32_t *avail)
{
	(void)ctx;
	int p = uspace_prot(us, eip);
	if (p < 0 || !(p & PROT_EXEC))
		return NULL;
	uint32_t end = (eip & ~0xfffu) + 0x1000;
	while (end && uspace_prot(us, end) > 0 && (uspace_prot(us, end) & PROT_EXEC) &&
	       end - eip < 32)
		end += 0x1000;
	*avail = end - eip;
	return uspace_base(us) + eip;
}

/* The test rewrites code pages itself and calls tcache_invalidate. */
static void code_page(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
}

static bool write_fault(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
	return false;
}

static bool mapped(void *ctx, uint32_t addr)
{
	(void)ctx;
	return uspace_prot(us, addr) >= 0;
}

const char *dx_row_name(int row)
{
	return row >= 0 && row < SENS_NROWS ? sens_rows[row].name : "(untranslatable)";
}

static struct tr_exit exec_at(uint32_t at, const uint8_t *code, unsigned len, unsigned off,
			      const struct dstate *in, const uint8_t *mem, struct dout *out,
			      uint32_t *eip_out)
{
	struct tr_exit ex;
	uint8_t *base = uspace_base(us);

	tcache_invalidate(tc, at, 0x2000);
	memset(base + at, 0xf4, 0x2000);
	memcpy(base + at + off, code, len);
	memcpy(base + DX_DATA, mem, DX_DATA_SIZE);
	memset(&ts->g, 0, offsetof(struct gcpu, fx));
	memcpy(ts->g.regs, in->r, sizeof(in->r));
	ts->g.eflags = (in->flags & DX_FLAGS) | 0x202;
	ts->g.seg_base[GS_FS] = ts->g.seg_base[GS_GS] = in->seg_base;
	memcpy(ts->g.fx, in->fx, sizeof(ts->g.fx));
	ts->g.eip = at + off;
	ts->pending = 0;
	memset(&ex, 0, sizeof(ex));
	tr_run(tc, ts, &ex);

	memset(out, 0, offsetof(struct dout, mem));
	memcpy(out->s.r, ts->g.regs, sizeof(out->s.r));
	out->s.flags = ts->g.eflags;
	out->s.seg_base = in->seg_base;
	tr_fx_sync(&ts->g);
	memcpy(out->s.fx, ts->g.fx, sizeof(out->s.fx));
	memcpy(out->mem, base + DX_DATA, DX_DATA_SIZE);
	if (ex.stop == TR_FAULT) {
		out->sig = ex.fault.sig;
		out->code = ex.fault.code;
		out->addr = ex.fault.addr;
		out->fault_off = (int)(ts->g.eip - (at + off));
	}
	*eip_out = ts->g.eip;
	return ex;
}

struct tr_exit dx_guest_exec(const uint8_t *code, unsigned len, unsigned off,
			     const struct dstate *in, const uint8_t *mem, struct dout *out,
			     uint32_t *eip_out)
{
	return exec_at(DX_CODE, code, len, off, in, mem, out, eip_out);
}

struct tr_exit dx_guest_exec_hi(const uint8_t *code, unsigned len, unsigned off,
				const struct dstate *in, const uint8_t *mem, struct dout *out,
				uint32_t *eip_out)
{
	return exec_at(DX_CODE_HI, code, len, off, in, mem, out, eip_out);
}

void dx_run_guest(const uint8_t *code, unsigned len, unsigned off, const struct dstate *in,
		  const uint8_t *mem, struct dout *out)
{
	uint8_t buf[128];
	uint32_t eip;

	memcpy(buf, code, len);
	buf[len] = 0xf4; /* hlt: a callout, tr_run returns */
	struct tr_exit ex = dx_guest_exec(buf, len + 1, off, in, mem, out, &eip);
	if (ex.stop == TR_CALLOUT) {
		if (ex.row < 0 || strcmp(dx_row_name(ex.row), "hlt") != 0 ||
		    eip != DX_CODE + off + len)
			snprintf(out->stop, sizeof(out->stop), "callout %s at +%d (len %u)",
				 dx_row_name(ex.row), (int)(eip - DX_CODE - off), ex.len);
	} else if (ex.stop == TR_PENDING) {
		snprintf(out->stop, sizeof(out->stop), "pending at +%d",
			 (int)(eip - DX_CODE - off));
	}
}

bool dx_guest_locked(unsigned off)
{
	ZydisDecoder d;
	int sig;
	const uint8_t *p = tcache_get(tc, ts, DX_CODE + off, &sig);

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (int i = 0; p && i < 16; i++) {
		ZydisDecodedInstruction in;
		if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, p, 15, &in)))
			return false;
		if (in.attributes & ZYDIS_ATTRIB_HAS_LOCK)
			return true;
		if (in.meta.category == ZYDIS_CATEGORY_UNCOND_BR)
			return false; /* the block's exit */
		p += in.length;
	}
	return false;
}

/* ---- native side ------------------------------------------------------------ */

/* What the JIT reads and writes; offsets below are baked into its code. */
struct nstate {
	uint32_t r[8];	   /* 0x00 */
	uint64_t flags;	   /* 0x20 */
	uint64_t host_rsp; /* 0x28 */
	uint32_t mxcsr;	   /* 0x30: restored after the run */
	uint32_t pad[3];
	uint8_t fx[512] __attribute__((aligned(16))); /* 0x40 */
};
_Static_assert(offsetof(struct nstate, flags) == 0x20, "flags");
_Static_assert(offsetof(struct nstate, host_rsp) == 0x28, "host_rsp");
_Static_assert(offsetof(struct nstate, mxcsr) == 0x30, "mxcsr");
_Static_assert(offsetof(struct nstate, fx) == 0x40, "fx");

static struct nstate nst __attribute__((aligned(64)));
static uint8_t *jit;
static uintptr_t jit_insn; /* host address of the instruction under test */
static uint8_t *data;	   /* DX_DATA, natively */
static void *altstack;

static sigjmp_buf nat_jb;
static volatile sig_atomic_t nat_active;
static struct {
	int sig, code;
	uint64_t addr, rip;
	struct dstate s;
} nat_fault;

static struct sigaction old_sa[NSIG];
static const int fault_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	if (nat_active) {
		static const int map[8] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX,
					   REG_RSP, REG_RBP, REG_RSI, REG_RDI};
		nat_active = 0;
		nat_fault.sig = sig;
		nat_fault.code = si->si_code;
		nat_fault.addr = (uint64_t)(uintptr_t)si->si_addr;
		nat_fault.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
		for (int i = 0; i < 8; i++)
			nat_fault.s.r[i] = (uint32_t)uc->uc_mcontext.gregs[map[i]];
		nat_fault.s.flags = (uint32_t)uc->uc_mcontext.gregs[REG_EFL];
		if (uc->uc_mcontext.fpregs)
			memcpy(nat_fault.s.fx, uc->uc_mcontext.fpregs, sizeof(nat_fault.s.fx));
		siglongjmp(nat_jb, 1);
	}
	struct sigaction *o = &old_sa[sig];
	if (o->sa_flags & SA_SIGINFO) {
		o->sa_sigaction(sig, si, ucv);
	} else if (o->sa_handler == SIG_DFL || o->sa_handler == SIG_IGN) {
		signal(sig, SIG_DFL); /* returning re-raises it */
	} else {
		o->sa_handler(sig);
	}
}

static uint8_t *put(uint8_t *p, const void *b, size_t n)
{
	memcpy(p, b, n);
	return p + n;
}

/* mov r32, [r15 + d8] (LOAD) or mov [r15 + d8], r32 */
static uint8_t *mov_r15(uint8_t *p, bool load, int reg, uint8_t d8)
{
	uint8_t b[4] = {0x41, load ? 0x8b : 0x89, (uint8_t)(0x47 | reg << 3), d8};
	return put(p, b, 4);
}

void dx_run_native(const uint8_t *code, unsigned len, const struct dstate *in, const uint8_t *mem,
		   struct dout *out)
{
	static const uint8_t prologue[] = {
	    0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, /* push rbx..r15 */
	    0x49, 0x89, 0xff,						/* mov r15, rdi */
	    0x49, 0x89, 0x67, 0x28,					/* mov [r15+0x28], rsp */
	    0x41, 0x0f, 0xae, 0x4f, 0x40,				/* fxrstor [r15+0x40] */
	    0x41, 0xff, 0x77, 0x20,					/* push [r15+0x20] */
	    0x9d,							/* popfq */
	};
	static const uint8_t restore_rsp[] = {
	    0x49, 0x8b, 0x67, 0x28, /* mov rsp, [r15+0x28] */
	    0x9c,		    /* pushfq */
	    0x41, 0x8f, 0x47, 0x20, /* pop [r15+0x20] */
	};
	static const uint8_t epilogue[] = {
	    0x41, 0x0f, 0xae, 0x47, 0x40,				/* fxsave [r15+0x40] */
	    0xdb, 0xe3,							/* fninit */
	    0xfc,							/* cld */
	    0x41, 0x0f, 0xae, 0x57, 0x30,				/* ldmxcsr [r15+0x30] */
	    0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, /* pop r15..rbx */
	    0xc3,
	};
	uint8_t *p = jit;

	p = put(p, prologue, sizeof(prologue));
	for (int i = 0; i < 8; i++)
		if (i != DX_ESP)
			p = mov_r15(p, true, i, (uint8_t)(4 * i));
	p = mov_r15(p, true, DX_ESP, 4 * DX_ESP); /* last: rsp is the guest's now */
	jit_insn = (uintptr_t)p;
	p = put(p, code, len);
	p = mov_r15(p, false, DX_ESP, 4 * DX_ESP); /* mov does not touch flags */
	p = put(p, restore_rsp, sizeof(restore_rsp));
	for (int i = 0; i < 8; i++)
		if (i != DX_ESP)
			p = mov_r15(p, false, i, (uint8_t)(4 * i));
	put(p, epilogue, sizeof(epilogue));

	memcpy(nst.r, in->r, sizeof(nst.r));
	nst.flags = (in->flags & DX_FLAGS) | 0x202;
	nst.mxcsr = 0x1f80;
	memcpy(nst.fx, in->fx, sizeof(nst.fx));
	memcpy(data, mem, DX_DATA_SIZE);
	memset(out, 0, offsetof(struct dout, mem));

	/* the translator's window is in the GS base: borrow it for the run */
	static uint64_t window; /* static: survives the siglongjmp */
	if (in->seg_base) {
		__asm__ volatile("rdgsbase %0" : "=r"(window));
		__asm__ volatile("wrgsbase %0" ::"r"((uint64_t)in->seg_base));
	}
	void (*volatile fn)(struct nstate *) = (void (*)(struct nstate *))(uintptr_t)jit;
	if (sigsetjmp(nat_jb, 1) == 0) {
		nat_active = 1;
		fn(&nst);
		nat_active = 0;
		memcpy(out->s.r, nst.r, sizeof(nst.r));
		out->s.flags = (uint32_t)nst.flags;
		memcpy(out->s.fx, nst.fx, sizeof(nst.fx));
	} else {
		out->s = nat_fault.s;
		out->sig = nat_fault.sig;
		out->code = nat_fault.code;
		out->addr = (uint32_t)nat_fault.addr;
		out->fault_off = (int)(nat_fault.rip - jit_insn);
	}
	if (in->seg_base)
		__asm__ volatile("wrgsbase %0" ::"r"(window));
	out->s.seg_base = in->seg_base;
	memcpy(out->mem, data, DX_DATA_SIZE);
}

/* ---- set-up ------------------------------------------------------------------ */

bool dx_have_gsbase(void)
{
	return getauxval(AT_HWCAP2) & 2; /* HWCAP2_FSGSBASE */
}

int dx_init(char *err, size_t errlen)
{
	us = uspace_create();
	if (!us) {
		snprintf(err, errlen, "uspace_create failed");
		return -1;
	}
	if (uspace_mmap(us, DX_CODE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != DX_CODE ||
	    uspace_mmap(us, DX_CODE_HI, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != DX_CODE_HI ||
	    uspace_mmap(us, DX_DATA, DX_DATA_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != DX_DATA ||
	    uspace_mmap(us, DX_RO, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			0) != DX_RO) {
		snprintf(err, errlen, "uspace_mmap failed");
		return -1;
	}
	struct tcache_env env = {fetch, code_page, write_fault, mapped, NULL, NULL, 0};
	tc = tcache_create(16 << 20, &env, err, errlen);
	if (!tc)
		return -1;
	ts = aligned_alloc(64, (sizeof(*ts) + 63) & ~(size_t)63);
	if (!ts) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(ts, 0, sizeof(*ts));
	if (tcache_attach(tc, ts) < 0 || tr_set_window(ts, uspace_base(us)) < 0 ||
	    tr_signals_install() < 0) {
		snprintf(err, errlen, "translator set-up failed");
		return -1;
	}

	/* reserve the page below too, then unmap it: nothing else lands there */
	uint8_t *below =
	    mmap((void *)(uintptr_t)(DX_DATA - 0x1000), DX_DATA_SIZE + 0x2000,
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (below != (void *)(uintptr_t)(DX_DATA - 0x1000)) {
		snprintf(err, errlen, "cannot map the native data region at %#x: %s", DX_DATA,
			 strerror(errno));
		return -1;
	}
	data = below + 0x1000;
	if (munmap(below, 0x1000) < 0 || mprotect(data + DX_DATA_SIZE, 0x1000, PROT_READ) < 0) {
		snprintf(err, errlen, "munmap/mprotect: %s", strerror(errno));
		return -1;
	}
	jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (jit == MAP_FAILED) {
		snprintf(err, errlen, "cannot map an RWX page: %s", strerror(errno));
		return -1;
	}
	size_t alt_size = 1 << 16;
	altstack = malloc(alt_size);
	stack_t ss = {.ss_sp = altstack, .ss_size = alt_size, .ss_flags = 0};
	if (!altstack || sigaltstack(&ss, NULL) < 0) {
		snprintf(err, errlen, "sigaltstack: %s", strerror(errno));
		return -1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fault_sigs) / sizeof(fault_sigs[0]); i++)
		if (sigaction(fault_sigs[i], &sa, &old_sa[fault_sigs[i]]) < 0) {
			snprintf(err, errlen, "sigaction: %s", strerror(errno));
			return -1;
		}
	return 0;
}

void dx_fini(void)
{
	for (size_t i = 0; i < sizeof(fault_sigs) / sizeof(fault_sigs[0]); i++)
		sigaction(fault_sigs[i], &old_sa[fault_sigs[i]], NULL);
	stack_t ss = {.ss_flags = SS_DISABLE};
	sigaltstack(&ss, NULL);
	free(altstack);
	munmap(jit, 4096);
	munmap(data, DX_DATA_SIZE + 0x1000);
	tcache_detach(tc, ts);
	tcache_destroy(tc);
	uspace_destroy(us);
	free(ts);
}
