/*
 * check_xlate.c — the translator on small guest programs
 * (tests/guest/xlate_cases.S, assembled at build time, RINGVM_XLATE_CASES):
 * results, precise faults, self-modifying code, segment bases.  Values
 * expected here are worked out from the Intel SDM by hand.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memory/uspace.h"
#include "translator/run.h"
#include "translator/sensitive.h"

#define CODE 0x10000u
#define DATA 0x80000u
#define STACK_TOP 0x90000u

static struct uspace *us;
static struct tcache *tc;
static struct tstate *ts;
static uint32_t ncases, offsets[64];

static const uint8_t *fetch(void *ctx, uint32_t eip, uint32_t *avail)
{
	(void)ctx;
	if (uspace_prot(us, eip) < 0 || !(uspace_prot(us, eip) & PROT_EXEC))
		return NULL;
	uint32_t end = (eip & ~0xfffu) + 0x1000;
	while (end && uspace_prot(us, end) > 0 && (uspace_prot(us, end) & PROT_EXEC) &&
	       end - eip < 32)
		end += 0x1000;
	*avail = end - eip;
	return uspace_base(us) + eip;
}

static void code_page(void *ctx, uint32_t addr)
{
	(void)ctx;
	uspace_code_page(us, addr);
}

static bool write_fault(void *ctx, uint32_t addr)
{
	(void)ctx;
	return uspace_code_write_fault(us, addr);
}

static bool mapped(void *ctx, uint32_t addr)
{
	(void)ctx;
	return uspace_prot(us, addr) >= 0;
}

static void drop(void *ctx, uint32_t addr, uint32_t len)
{
	(void)ctx;
	tcache_invalidate(tc, addr, len);
}

static void setup(void)
{
	char err[256];
	const char *path = getenv("RINGVM_XLATE_CASES");
	ck_assert_msg(path, "RINGVM_XLATE_CASES not set (meson test sets it)");
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s", path);
	static uint8_t bin[65536];
	size_t n = fread(bin, 1, sizeof(bin), f);
	fclose(f);

	us = uspace_create();
	ck_assert_ptr_nonnull(us);
	ck_assert_int_eq(uspace_mmap(us, CODE, 0x10000, PROT_READ | PROT_WRITE | PROT_EXEC,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), CODE);
	ck_assert_int_eq(uspace_mmap(us, DATA, 0x10000, PROT_READ | PROT_WRITE | PROT_EXEC,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), DATA);
	ck_assert_int_eq(uspace_write(us, CODE, bin, (uint32_t)n), 0);
	for (ncases = 0; ncases < 64; ncases++) {
		memcpy(&offsets[ncases], bin + 4 * ncases, 4);
		if (!offsets[ncases])
			break;
	}
	struct tcache_env env = {fetch, code_page, write_fault, mapped, NULL, NULL, 0};
	tc = tcache_create(16 << 20, &env, err, sizeof(err));
	ck_assert_msg(tc, "%s", err);
	uspace_set_code_hook(us, drop, NULL);
	ts = aligned_alloc(64, (sizeof(*ts) + 63) & ~(size_t)63);
	memset(ts, 0, sizeof(*ts));
	ts->g.fx[24] = 0x80; /* MXCSR 0x1f80 at offset 24 */
	ts->g.fx[25] = 0x1f;
	ts->g.fx[0] = 0x7f; /* FCW 0x037f */
	ts->g.fx[1] = 0x03;
	ts->g.eflags = 0x202;
	ck_assert_int_eq(tcache_attach(tc, ts), 0);
	ck_assert_int_eq(tr_set_window(ts, uspace_base(us)), 0);
	ck_assert_int_eq(tr_signals_install(), 0);
}

static void teardown(void)
{
	tcache_detach(tc, ts);
	tcache_destroy(tc);
	uspace_destroy(us);
	free(ts);
}

/* Runs case I to its hlt; returns how it stopped. */
static struct tr_exit run_case(unsigned i)
{
	struct tr_exit out;
	ck_assert_uint_lt(i, ncases);
	memset(ts->g.regs, 0, sizeof(ts->g.regs));
	ts->g.regs[GR_ESP] = STACK_TOP - 0x100;
	ts->g.eip = CODE + offsets[i];
	tr_run(tc, ts, &out);
	return out;
}

static uint32_t R(int r)
{
	return ts->g.regs[r];
}

static uint32_t M(uint32_t a)
{
	uint32_t v;
	ck_assert_int_eq(uspace_read(us, &v, a, 4), 0);
	return v;
}

static void expect_hlt(struct tr_exit *o)
{
	ck_assert_int_eq(o->stop, TR_CALLOUT);
	ck_assert_str_eq(sens_rows[o->row].name, "hlt");
}

START_TEST(alu)
{
	struct tr_exit o = run_case(0);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 42);
	ck_assert_uint_eq(R(GR_EBX), 168);
	ck_assert(ts->g.eflags & GF_ZF);
}
END_TEST

START_TEST(call_ret)
{
	struct tr_exit o = run_case(1);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 20);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
}
END_TEST

START_TEST(loop)
{
	struct tr_exit o = run_case(2);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 55);
	ck_assert_uint_eq(R(GR_ECX), 0);
}
END_TEST

START_TEST(mem)
{
	struct tr_exit o = run_case(3);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0x12345678);
	ck_assert_uint_eq(M(0x80014), 0x12345678);
	ck_assert_uint_eq(M(0x8000c), 1);
}
END_TEST

START_TEST(stos)
{
	struct tr_exit o = run_case(4);
	expect_hlt(&o);
	for (uint32_t a = 0x80100; a < 0x80140; a += 4)
		ck_assert_uint_eq(M(a), 0x41414141);
	ck_assert_uint_eq(M(0x80140), 0);
	ck_assert_uint_eq(R(GR_EDI), 0x80140);
	ck_assert_uint_eq(R(GR_ECX), 0);
}
END_TEST

START_TEST(indirect)
{
	struct tr_exit o = run_case(5);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EBX), 77);
}
END_TEST

START_TEST(precise_segv)
{
	struct tr_exit o = run_case(6);
	ck_assert_int_eq(o.stop, TR_FAULT);
	ck_assert_int_eq(o.fault.sig, SIGSEGV);
	ck_assert_int_eq(o.fault.code, SEGV_MAPERR);
	ck_assert_uint_eq(o.fault.addr, 0x12345678);
	ck_assert_uint_eq(R(GR_EAX), 11);
	ck_assert_uint_eq(ts->g.eip, CODE + offsets[6] + 5); /* the faulting mov */
}
END_TEST

START_TEST(precise_fpe)
{
	struct tr_exit o = run_case(7);
	ck_assert_int_eq(o.stop, TR_FAULT);
	ck_assert_int_eq(o.fault.sig, SIGFPE);
	ck_assert_int_eq(o.fault.code, FPE_INTDIV);
	ck_assert_uint_eq(ts->g.eip, CODE + offsets[7] + 9);
	ck_assert_uint_eq(R(GR_EAX), 100);
}
END_TEST

START_TEST(smc_next_instruction)
{
	struct tr_exit o = run_case(8);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 42);
	/* the guest sees its own write when it reads the code back */
	uint8_t b[5];
	ck_assert_int_eq(uspace_read(us, b, CODE + offsets[8] + 10 + 1, 4), 0);
	ck_assert_uint_eq(b[0], 42);
	ck_assert_uint_ge(tcache_stats(tc)->invalidated_blocks, 1);
}
END_TEST

START_TEST(flags_across_blocks)
{
	struct tr_exit o = run_case(9);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EBX), 1);
	ck_assert_uint_eq(R(GR_EDX) & 0xffff, 0x0001); /* dl = OF = 1, dh = CF = 0 (inc) */
}
END_TEST

START_TEST(pushf_popf)
{
	struct tr_exit o = run_case(10);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX) & GF_CF, 0);
	ck_assert_uint_eq(R(GR_EBX) & 0xff, 0);
	ck_assert(R(GR_ECX) & GF_DF);
	ck_assert(R(GR_ECX) & GF_IF);
	ck_assert_uint_eq(ts->g.eflags & GF_DF, 0);
}
END_TEST

START_TEST(gs_segment_base)
{
	ts->g.seg_base[GS_GS] = DATA;
	struct tr_exit o = run_case(11);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0xabcdef);
	ck_assert_uint_eq(R(GR_EBX), 0xabcdef);
}
END_TEST

START_TEST(movs_both_directions)
{
	uint8_t src[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, b[10];
	ck_assert_int_eq(uspace_write(us, 0x80400, src, 10), 0);
	struct tr_exit o = run_case(12);
	expect_hlt(&o);
	ck_assert_int_eq(uspace_read(us, b, 0x80500, 10), 0);
	ck_assert_mem_eq(b, src, 10);
	ck_assert_int_eq(uspace_read(us, b, 0x80600, 10), 0);
	ck_assert_mem_eq(b, src, 10);
	ck_assert_uint_eq(R(GR_ESI), 0x803ff);
}
END_TEST

START_TEST(esp_operands)
{
	struct tr_exit o = run_case(13);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 5);
	ck_assert_uint_eq(R(GR_EBX), STACK_TOP - 0x100 - 16 + 8);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
}
END_TEST

START_TEST(pusha_popa)
{
	struct tr_exit o = run_case(14);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 1);
	ck_assert_uint_eq(R(GR_ECX), 2);
	ck_assert_uint_eq(R(GR_EDX), 3); /* popa reloads edx */
	ck_assert_uint_eq(R(GR_EDI), 8);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
	ck_assert_uint_eq(M(STACK_TOP - 0x100 - 20), STACK_TOP - 0x100); /* esp slot */
}
END_TEST

START_TEST(enter_leave)
{
	struct tr_exit o = run_case(15);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 3);
	ck_assert_uint_eq(R(GR_EBP), 0x1111);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
}
END_TEST

START_TEST(x87)
{
	struct tr_exit o = run_case(16);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 6);
}
END_TEST

START_TEST(sse)
{
	struct tr_exit o = run_case(17);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 5);
}
END_TEST

START_TEST(absolute_address)
{
	struct tr_exit o = run_case(18);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0x55);
}
END_TEST

START_TEST(xlat)
{
	struct tr_exit o = run_case(19);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0x16);
}
END_TEST

START_TEST(short_inc_dec)
{
	struct tr_exit o = run_case(20);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 12);
	ck_assert_uint_eq(R(GR_EBX), 0xffffffff);
}
END_TEST

START_TEST(pop_to_memory)
{
	struct tr_exit o = run_case(21);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0x77);
	ck_assert_uint_eq(M(STACK_TOP - 0x100), 0x66);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
}
END_TEST

START_TEST(jecxz)
{
	struct tr_exit o = run_case(22);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 1);
}
END_TEST

START_TEST(jit_rewrites_code)
{
	struct tr_exit o = run_case(23);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EBX), 1);
	ck_assert_uint_eq(R(GR_EAX), 2);
}
END_TEST

/* Returns that are not the usual call/ret pairing: ret as a jump, a
 * callee that changes its return address, a PIC thunk, call $+5, and a
 * longjmp past 40 frames (each is checked by the landing pad). */
START_TEST(odd_returns)
{
	for (int round = 0; round < 2; round++) { /* translating, then translated */
		struct tr_exit o = run_case(24);
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 101);
		ck_assert_uint_eq(R(GR_EBX), R(GR_ECX));
		ck_assert_uint_eq(R(GR_EDX), R(GR_EBP));
		ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
	}
	ck_assert_uint_gt(tcache_stats(tc)->inlined_thunks, 0);
}
END_TEST

/* 300000 calls that never return overflow the host return stack (128K
 * entries): it is emptied and the guest does not notice. */
START_TEST(calls_without_returns)
{
	struct tr_exit o = run_case(25);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_ECX), 0);
	ck_assert_uint_eq(R(GR_EAX), 6);
	ck_assert_uint_eq(R(GR_ESP), STACK_TOP - 0x100);
	ck_assert_uint_ge(ts->n_xstack_resets, 2);
}
END_TEST

/* A callee that rewrites the instruction after its call site: the ret
 * lands in a block that died meanwhile and must not run its old code. */
START_TEST(smc_after_call)
{
	for (uint32_t round = 0; round < 3; round++) {
		struct tr_exit o = run_case(26);
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 2 + round);
	}
}
END_TEST

/* The same where the instruction after the call overwrites the flags (the
 * landing pad compares with cmp), and a callee whose flags its caller
 * reads (the landing pad must keep them). */
START_TEST(smc_after_call_flags)
{
	for (uint32_t round = 0; round < 3; round++) {
		struct tr_exit o = run_case(27);
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 2 + round);
	}
	struct tr_exit o = run_case(28);
	expect_hlt(&o);
	ck_assert_uint_eq(R(GR_EAX), 0); /* neither jnc nor jz taken */
	ck_assert(ts->g.eflags & GF_CF);
	ck_assert(!(ts->g.eflags & GF_ZF));
}
END_TEST

/* Runs of pushes and pops move esp once, after the run: a fault in the
 * middle still sees esp as the CPU leaves it. */
START_TEST(stack_runs_fault_precisely)
{
	struct tr_exit o = run_case(29);
	ck_assert_int_eq(o.stop, TR_FAULT);
	ck_assert_int_eq(o.fault.sig, SIGSEGV);
	ck_assert_uint_eq(o.fault.addr, 0x90000);
	ck_assert_uint_eq(R(GR_ESP), 0x90000);
	ck_assert_uint_eq(R(GR_EAX), 0x11);
	ck_assert_uint_eq(R(GR_EBX), 0x22);
	o = run_case(30);
	ck_assert_int_eq(o.stop, TR_FAULT);
	ck_assert_uint_eq(o.fault.addr, 0x7fffc);
	ck_assert_uint_eq(R(GR_ESP), 0x80000);
	ck_assert_uint_eq(M(0x80004), 1);
	ck_assert_uint_eq(M(0x80000), 2);
}
END_TEST

/* A cache too small for every case at once: it flushes, and each case
 * still computes what it computed with room to spare. */
START_TEST(flush_when_full)
{
	char err[256];
	struct tcache_env env = {fetch, code_page, write_fault, mapped, NULL, NULL, 0};
	tcache_detach(tc, ts);
	tcache_destroy(tc);
	tc = tcache_create(768, &env, err, sizeof(err));
	ck_assert_msg(tc, "%s", err);
	ck_assert_int_eq(tcache_attach(tc, ts), 0);
	for (int round = 0; round < 3; round++) {
		struct tr_exit o = run_case(1); /* call_ret */
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 20);
		o = run_case(2); /* loop */
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 55);
		o = run_case(12); /* movs */
		expect_hlt(&o);
		o = run_case(16); /* x87 */
		expect_hlt(&o);
		ck_assert_uint_eq(R(GR_EAX), 6);
	}
	ck_assert_uint_gt(tcache_stats(tc)->flushes, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xlate");
	TCase *t = tcase_create("cases");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, alu);
	tcase_add_test(t, call_ret);
	tcase_add_test(t, loop);
	tcase_add_test(t, mem);
	tcase_add_test(t, stos);
	tcase_add_test(t, indirect);
	tcase_add_test(t, precise_segv);
	tcase_add_test(t, precise_fpe);
	tcase_add_test(t, smc_next_instruction);
	tcase_add_test(t, flags_across_blocks);
	tcase_add_test(t, pushf_popf);
	tcase_add_test(t, gs_segment_base);
	tcase_add_test(t, movs_both_directions);
	tcase_add_test(t, esp_operands);
	tcase_add_test(t, pusha_popa);
	tcase_add_test(t, enter_leave);
	tcase_add_test(t, x87);
	tcase_add_test(t, sse);
	tcase_add_test(t, absolute_address);
	tcase_add_test(t, xlat);
	tcase_add_test(t, short_inc_dec);
	tcase_add_test(t, pop_to_memory);
	tcase_add_test(t, jecxz);
	tcase_add_test(t, jit_rewrites_code);
	tcase_add_test(t, odd_returns);
	tcase_add_test(t, calls_without_returns);
	tcase_add_test(t, smc_after_call);
	tcase_add_test(t, smc_after_call_flags);
	tcase_add_test(t, stack_runs_fault_precisely);
	tcase_add_test(t, flush_when_full);
	suite_add_tcase(s, t);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
