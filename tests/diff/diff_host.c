/*
 * diff_host.c — differential test, oracle (a): the host CPU.
 *
 * For instruction forms that mean the same in 32-bit and 64-bit mode
 * (forms.c), runs the same instruction from the same random state natively
 * (64-bit JIT) and as guest code through the translator, and requires the
 * same registers, flags (those the SDM defines), x87/SSE state, memory and
 * faults (same signal and si_code, reported at the instruction).
 *
 * Environment:
 *   RINGVM_DIFF_SEED=N     seed (default: from the clock; always printed)
 *   RINGVM_DIFF_CASES=N    number of cases (default DEFAULT_CASES)
 *   RINGVM_DIFF_ONLY=I     run only case I of the seed, verbosely
 *   RINGVM_DIFF_FILTER=S   only forms whose name contains S ("bt", "0f af"), or
 *                          "sequence" for only the register-only sequences
 *   RINGVM_DIFF_VERBOSE=1  print every case
 * A quarter of the cases are sequences of 2..6 register-only instructions
 * (one translated block: flags and esp across instructions, precise faults
 * inside a block); the rest cycle through the forms, so every form gets
 * about 3/4 * cases / forms of them.  Memory operands sometimes go through
 * %fs:/%gs: with a segment base (natively the %gs base is set with
 * wrgsbase), when the host has FSGSBASE.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/diff/gen.h"

#define DEFAULT_CASES 20000
#define MAX_DETAILED  40
#define PER_FORM      2

struct stat {
	unsigned cases, faults, bad;
};

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : def;
}

static bool agree(const struct dcase *c, const struct dout *n, const struct dout *g)
{
	if (g->stop[0] || n->sig != g->sig)
		return false;
	if (n->sig) {
		/* same place: the instruction itself, or the same one of a sequence */
		if (n->code != g->code || n->fault_off != g->fault_off ||
		    (!c->seq && n->fault_off != 0))
			return false;
		if ((n->sig == SIGSEGV || n->sig == SIGBUS) && n->code != SI_KERNEL &&
		    n->addr != g->addr)
			return false;
	}
	return memcmp(n->s.r, g->s.r, sizeof(n->s.r)) == 0 &&
	       ((n->s.flags ^ g->s.flags) & c->flag_mask) == 0 &&
	       dx_fx_equal(n->s.fx, g->s.fx, c->fsw_mask) &&
	       memcmp(n->mem, g->mem, DX_DATA_SIZE) == 0;
}

static void show_case(uint64_t seed, uint64_t i, const struct dcase *c, const struct dout *n,
		      const struct dout *g, bool ok)
{
	char buf[512], name[32];
	if (c->f)
		snprintf(name, sizeof(name), "%s", c->f->name);
	else
		snprintf(name, sizeof(name), "sequence of %u", c->seq);
	printf("%s case %llu (%s, replay: RINGVM_DIFF_SEED=%llu RINGVM_DIFF_ONLY=%llu)\n",
	       ok ? "ok" : "MISMATCH", (unsigned long long)i, name, (unsigned long long)seed,
	       (unsigned long long)i);
	dx_disasm(c->guest, c->glen, 32, buf, sizeof(buf));
	printf("  guest  %s  at %#x\n", buf, DX_CODE + c->off);
	dx_disasm(c->native, c->nlen, 64, buf, sizeof(buf));
	printf("  native %s\n", buf);
	dx_print_state("initial", &c->in);
	if (ok) {
		if (n->sig)
			printf("  both: signal %d code %d at +%d\n", n->sig, n->code, n->fault_off);
		return;
	}
	printf("  differences (native | translated):\n");
	dx_print_diff(n, "native", g, "xlate", c->flag_mask, c->fsw_mask);
	dx_print_state("native", &n->s);
	dx_print_state("xlate", &g->s);
}

int main(void)
{
	char err[256];
	uint64_t seed = env_u64("RINGVM_DIFF_SEED", (uint64_t)time(NULL) ^ (uint64_t)clock());
	uint64_t ncases = env_u64("RINGVM_DIFF_CASES", DEFAULT_CASES);
	const char *only_s = getenv("RINGVM_DIFF_ONLY");
	const char *filter = getenv("RINGVM_DIFF_FILTER");
	bool verbose = env_u64("RINGVM_DIFF_VERBOSE", 0) != 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	forms_build();
	static unsigned list[1024];
	static struct stat st[1024], seqst;
	unsigned nlist = 0;
	bool seq_only = filter && !strcmp(filter, "sequence");
	for (unsigned i = 0; i < forms_count() && nlist < 1024; i++)
		if (!filter || seq_only || strstr(forms_get(i)->name, filter))
			list[nlist++] = i;
	if (!nlist) {
		fprintf(stderr, "no form matches RINGVM_DIFF_FILTER=%s\n", filter);
		return 1;
	}
	if (dx_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "diff_host: set-up failed: %s\n", err);
		return 1;
	}
	gen_allow_segments(dx_have_gsbase());
	gen_allow_cs(false);
	if (!dx_have_gsbase())
		printf("diff_host: no FSGSBASE on this host: %%fs:/%%gs: bases not tested\n");
	printf("diff_host: seed %llu, %llu cases over %u forms (RINGVM_DIFF_SEED=%llu to "
	       "replay)\n",
	       (unsigned long long)seed, (unsigned long long)ncases, nlist,
	       (unsigned long long)seed);

	static struct dcase c;
	static struct dout nat, gst;
	uint64_t first = 0, last = ncases, bad = 0, generr = 0, faults = 0, detailed = 0;
	uint64_t by_sig[3] = {0, 0, 0}; /* SIGFPE, SIGSEGV, SIGILL */
	if (only_s) {
		first = strtoull(only_s, NULL, 0);
		last = first + 1;
		verbose = true;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = first; i < last; i++) {
		unsigned fi = (unsigned)(i % nlist);
		struct rng r = rng_for_case(seed, i);
		const struct form *f = forms_get(list[fi]);
		struct stat *sp = &st[fi];
		if (seq_only || (!filter && rng_one_in(&r, 4))) {
			gen_seq(&r, &c);
			sp = &seqst;
		} else if (gen_case(f, &r, &c) < 0) {
			printf("GENERATOR case %llu form \"%s\": %s\n", (unsigned long long)i,
			       f->name, (const char *)c.guest);
			generr++;
			continue;
		}
		const char *why = gen_check(&c);
		if (why) {
			char buf[256];
			dx_disasm(c.guest, c.glen, 32, buf, sizeof(buf));
			printf("GENERATOR case %llu form \"%s\": %s: %s\n", (unsigned long long)i,
			       c.seq ? "sequence" : f->name, why, buf);
			generr++;
			continue;
		}
		dx_run_native(c.native, c.nlen, &c.in, c.mem, &nat);
		dx_run_guest(c.guest, c.glen, c.off, &c.in, c.mem, &gst);
		bool ok = agree(&c, &nat, &gst);
		if (ok && !gst.sig && gen_locked(&c) && !dx_guest_locked(c.off)) {
			ok = false;
			snprintf(gst.stop, sizeof(gst.stop), "the translation has no lock prefix");
		}
		sp->cases++;
		if (nat.sig) {
			sp->faults++;
			faults++;
			by_sig[0] += nat.sig == SIGFPE;
			by_sig[1] += nat.sig == SIGSEGV;
			by_sig[2] += nat.sig == SIGILL;
		}
		if (!ok) {
			bad++;
			if (sp->bad++ < (sp == &seqst ? 8 : PER_FORM) && detailed < MAX_DETAILED) {
				detailed++;
				show_case(seed, i, &c, &nat, &gst, false);
			}
		} else if (verbose) {
			show_case(seed, i, &c, &nat, &gst, true);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("diff_host: %u sequences (%u faulting natively, %u mismatches)\n", seqst.cases,
	       seqst.faults, seqst.bad);
	unsigned badforms = 0;
	for (unsigned fi = 0; fi < nlist; fi++)
		if (st[fi].bad) {
			if (!badforms++)
				printf("forms that disagree (mismatches/cases):\n");
			printf("  %-28s %u/%u\n", forms_get(list[fi])->name, st[fi].bad,
			       st[fi].cases);
		}
	printf("diff_host: seed %llu: %llu cases, %u forms, %llu faulting natively (SIGFPE %llu, "
	       "SIGSEGV %llu, SIGILL %llu), %llu mismatches in %u forms, %llu generator errors, "
	       "%.2f s\n",
	       (unsigned long long)seed, (unsigned long long)(last - first), nlist,
	       (unsigned long long)faults, (unsigned long long)by_sig[0],
	       (unsigned long long)by_sig[1], (unsigned long long)by_sig[2],
	       (unsigned long long)bad, badforms, (unsigned long long)generr, secs);
	dx_fini();
	return bad || generr ? 1 : 0;
}
