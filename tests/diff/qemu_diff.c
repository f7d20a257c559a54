/*
 * qemu_diff.c — differential test, oracle (b): qemu-i386.
 *
 * Writes i386 programs (qemu_prog.c) that each carry up to BATCH cases
 * (qemu_gen.c), runs every program under qemu-i386, under `ringvm user`
 * and, where the host can run i386 code, natively, and compares the
 * records the cases leave: registers, flags (those the SDM defines at that
 * point), the FXSAVE image (FOP/FIP/FDP aside), the data region, and for a
 * case that faults the signal, si_code, si_addr, eip, trapno and err.
 *
 * ringvm must agree with qemu-i386, except where qemu-deviations.txt names
 * a known QEMU deviation that applies to the case (by its instructions, its
 * bytes, or tags of its initial state and outcome) and covers the fields
 * that differ (a differing signal excuses the whole case); ringvm must agree
 * with the CPU wherever the CPU runs.  Output is TAP: per batch one line for
 * qemu-i386 and one for native i386 (a skip where the host cannot run it).
 * A runner that dies in a case (qemu-i386 aborts now and then) is run again
 * from the next case; the case counts as a mismatch of field "crash".
 *
 * This file owns the command line, the environment, the batches and the
 * TAP output; running the programs is qemu_run.c, comparing the records and
 * matching the deviation lists qemu_cmp.c, the reports of mismatches
 * qemu_report.c.
 *
 * Usage: qemu_diff QEMU RINGVM QEMU-DEVIATIONS RINGVM-BUGS
 *   (RINGVM empty: $RINGVM_BIN).  RINGVM-BUGS lists known ringvm bugs in the
 *   same format: a batch whose only mismatches they explain is reported as
 *   "not ok ... # TODO" (an expected failure), and every entry is listed.
 * Environment:
 *   RINGVM_DIFF_SEED=N        seed (default from the clock; always printed)
 *   RINGVM_DIFF_QEMU_CASES=N  number of cases (default DEFAULT_CASES)
 *   RINGVM_DIFF_ONLY=I        only case I of the seed, every state printed
 *   RINGVM_DIFF_FIRST=I       start at case I (replaying a batch from its start)
 *   RINGVM_DIFF_FILTER=S      only cases whose kind contains S ("seq",
 *                             "stack", "bcd", "single fadd", ...)
 *   RINGVM_DIFF_KEEP=DIR      keep the programs in DIR (batch-N.elf)
 *   RINGVM_DIFF_SHOW=I        the full report for case I if it mismatches
 *   RINGVM_DIFF_BYTES="HEX"   run these bytes instead, from the initial state
 *                             of case RINGVM_DIFF_ONLY (default 0) of the seed
 *                             with esp, ebp and ebx in the data region
 *   RINGVM_NO_IA32=1          no native run (reported as skipped)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QD_INTERNAL
#include "tests/diff/qemu.h"

#define DEFAULT_CASES 6000
#define BATCH	      200
#define MAX_DETAILED  12
#define MAX_BRIEF     200

/* ---- main ------------------------------------------------------------------------------ */

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void rm_rf(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "qemu_diff: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *qemu = argc > 1 ? argv[1] : "qemu-i386";
	const char *ringvm = argc > 2 && *argv[2] ? argv[2] : getenv("RINGVM_BIN");
	const char *devfile = argc > 3 ? argv[3] : NULL;
	const char *bugfile = argc > 4 ? argv[4] : NULL;
	if (!ringvm || !devfile || !bugfile) {
		fprintf(stderr, "usage: qemu_diff QEMU RINGVM QEMU-DEVIATIONS RINGVM-BUGS\n");
		return 2;
	}
	if (!*qemu || access(qemu, X_OK)) {
		printf("1..0 # SKIP qemu-i386 not found\n");
		return 0;
	}
	/* how to run this again by hand: the same arguments, from here */
	static char prog[4096];
	char cwd[1024];
	size_t po = 0;
	if (getcwd(cwd, sizeof(cwd)))
		snprintf(qd_here, sizeof(qd_here), "cd %s && ", cwd);
	for (int i = 0; i < argc && i < 5 && po < sizeof(prog); i++)
		po += (size_t)snprintf(prog + po, sizeof(prog) - po, "%s%s", i ? " " : "", argv[i]);
	qd_load_devs(devfile, L_QEMU);
	qd_load_devs(bugfile, L_RINGVM);
	uint64_t seed = env_u64("RINGVM_DIFF_SEED", (uint64_t)time(NULL) ^ (uint64_t)clock());
	uint64_t ncases = env_u64("RINGVM_DIFF_QEMU_CASES", DEFAULT_CASES);
	const char *only_s = getenv("RINGVM_DIFF_ONLY");
	const char *filter = getenv("RINGVM_DIFF_FILTER");
	const char *keep = getenv("RINGVM_DIFF_KEEP");
	uint64_t show = env_u64("RINGVM_DIFF_SHOW", ~0ull);
	uint64_t first = 0;
	bool only = only_s && *only_s;
	static uint8_t bytes[QD_MAXCODE];
	unsigned nbytes = 0;
	const char *bs = getenv("RINGVM_DIFF_BYTES");
	for (char *e; bs && *bs && nbytes < QD_MAXCODE - 16; bs = e) {
		unsigned long v = strtoul(bs, &e, 16);
		if (e == bs)
			break;
		bytes[nbytes++] = (uint8_t)v;
	}
	if (nbytes)
		only = true, ncases = 1;
	if (only)
		first = strtoull(only_s, NULL, 0), ncases = 1;
	else
		first = env_u64("RINGVM_DIFF_FIRST", 0);

	char tmpl[] = "/tmp/ringvm-qemu-diff.XXXXXX";
	const char *tdir = getenv("TMPDIR");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/ringvm-qemu-diff.XXXXXX", tdir && *tdir ? tdir : "/tmp");
	if (!mkdtemp(dir)) {
		if (!mkdtemp(tmpl)) {
			perror("qemu_diff: mkdtemp");
			return 2;
		}
		snprintf(dir, sizeof(dir), "%s", tmpl);
	}
	if (keep && *keep)
		mkdir(keep, 0755);

	qg_init();
	const char *why_native = qd_native_probe(dir, qemu, ringvm);
	bool use[NRUN] = {true, true, why_native == NULL};
	unsigned nbatches = (unsigned)((ncases + BATCH - 1) / BATCH);
	printf("# qemu_diff: seed %llu, %llu cases in %u programs (replay: %sRINGVM_DIFF_SEED=%llu "
	       "RINGVM_DIFF_QEMU_CASES=%llu %s)\n",
	       (unsigned long long)seed, (unsigned long long)ncases, nbatches, qd_here,
	       (unsigned long long)seed, (unsigned long long)ncases, prog);
	printf("# qemu: %s; ringvm: %s; %u known QEMU deviations (%s), %u known ringvm bugs "
	       "(%s)\n",
	       qemu, ringvm, qd_nlist[L_QEMU], devfile, qd_nlist[L_RINGVM], bugfile);
	if (why_native)
		printf("# skipped: native i386 comparison (%s)\n", why_native);
	printf("1..%u\n", 2 * nbatches);

	static struct qcase cases[BATCH];
	static struct out out[NRUN];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t next = first, total = 0, bad_q = 0, bad_n = 0, exc = 0, faults = 0, detailed = 0,
		 brief = 0, known = 0, scanned = 0;
	unsigned tapno = 0, kinds[8] = {0}, reruns = 0;
	static char seen_mn[16384] = " ";
	for (unsigned b = 0; b < nbatches; b++) {
		unsigned n = 0;
		uint32_t addr = QD_CASES;
		while (n < BATCH && total + n < ncases && scanned < ncases * 200 + 1000) {
			struct qcase *c = &cases[n];
			if (nbytes)
				qg_bytes(seed, next++, addr + QD_PROLOGUE, bytes, nbytes, c);
			else
				qg_case(seed, next++, addr + QD_PROLOGUE, c);
			scanned++;
			if (filter && *filter && !strstr(c->kind, filter))
				continue;
			if (addr + QD_PROLOGUE + c->len + 5 - QD_TEXT > QD_TEXT_MAX - 0x1000)
				break;
			addr += QD_PROLOGUE + c->len + 5;
			n++;
		}
		if (!n)
			break;
		/* qemu-i386's cmpxchg8b can leave garbage in EFLAGS bits that no
		 * popfd resets (qemu-deviations.txt), seen by pushfd in every later
		 * case: cases with a cmpxchg8b go last, laid out again. */
		static uint64_t order[BATCH];
		unsigned no = 0, moved = 0;
		for (int pass = 0; pass < 2; pass++)
			for (unsigned i = 0; i < n; i++) {
				char mns[1024];
				qg_mnemonics(&cases[i], mns, sizeof(mns));
				bool late = strstr(mns, "cmpxchg8b") != NULL;
				if (late == (pass == 1))
					order[no++] = cases[i].index;
				moved += late && pass == 0 && i + 1 < n;
			}
		if (moved && !nbytes) {
			addr = QD_CASES;
			for (unsigned i = 0; i < n; i++) {
				qg_case(seed, order[i], addr + QD_PROLOGUE, &cases[i]);
				addr += QD_PROLOGUE + cases[i].len + 5;
			}
		}
		char path[700];
		if (keep && *keep)
			snprintf(path, sizeof(path), "%s/batch-%u.elf", keep, b);
		else
			snprintf(path, sizeof(path), "%s/batch.elf", dir);
		if (qp_write(path, cases, n, 0) < 0) {
			printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
			return 1;
		}
		qd_run_all(path, dir, qemu, ringvm, use, out, n);
		/* A runner that died in the middle (qemu-i386 aborts, a ringvm
		 * crash): the case it died in has no record; run the program
		 * again from the next case. */
		for (int k = 0; k < NRUN; k++) {
			unsigned from = 0;
			for (int again = 0; use[k] && again < 64 && reruns < 500;
			     again++, reruns++) {
				unsigned miss = from;
				while (miss < n && out[k].rec[miss])
					miss++;
				if (miss == n ||
				    (WIFEXITED(out[k].status) && !WEXITSTATUS(out[k].status)))
					break;
				char st[64];
				qd_describe_status(out[k].status, st, sizeof(st));
				printf(
				    "# batch %u: %s ended with %s at case %llu; stderr: %.300s\n",
				    b, qd_run_name[k], st, (unsigned long long)cases[miss].index,
				    out[k].err);
				from = miss + 1;
				if (from >= n)
					break;
				char p2[760];
				snprintf(p2, sizeof(p2), "%s.from%u", path, from);
				if (qp_write(p2, cases, n, from) < 0)
					break;
				bool one[NRUN] = {false};
				one[k] = true;
				static struct out more[NRUN];
				qd_run_all(p2, dir, qemu, ringvm, one, more, n);
				size_t step = QD_RECLEN + DX_DATA_SIZE,
				       whole = out[k].len / step * step;
				uint8_t *nb = realloc(out[k].buf, whole + more[k].len + 1);
				if (!nb)
					break;
				memcpy(nb + whole, more[k].buf, more[k].len);
				out[k].buf = nb;
				out[k].len = whole + more[k].len;
				out[k].status = more[k].status;
				memcpy(out[k].err, more[k].err, sizeof(out[k].err));
				qd_parse(&out[k], n);
				unlink(p2);
			}
		}
		unsigned bq = 0, bn = 0, be = 0, bk[2] = {0, 0};
		for (unsigned i = 0; i < n; i++) {
			const struct qcase *c = &cases[i];
			const struct qrec *rv = out[RV].rec[i];
			unsigned dq =
			    qd_compare(c, rv, out[RV].mem[i], out[QE].rec[i], out[QE].mem[i]);
			unsigned dn = use[NA] ? qd_compare(c, rv, out[RV].mem[i], out[NA].rec[i],
							   out[NA].mem[i])
					      : 0;
			faults += rv && rv->sig;
			if (!strncmp(c->kind, "single", 6))
				kinds[0]++;
			else if (!strcmp(c->kind, "seq"))
				kinds[1]++;
			else
				kinds[2]++;
			char mns[1024];
			qg_mnemonics(c, mns, sizeof(mns));
			for (char *t = mns; *t;) {
				size_t k = strcspn(t, " ");
				char w[64];
				snprintf(w, sizeof(w), " %.*s ", (int)k, t);
				size_t sl = strlen(seen_mn);
				if (!strstr(seen_mn, w) && sl + strlen(w) < sizeof(seen_mn))
					snprintf(seen_mn + sl, sizeof(seen_mn) - sl, "%s", w + 1);
				t += k + (t[k] == ' ');
			}
			char tq[160], tn[160];
			qd_run_tags(c, rv, out[QE].rec[i], tq, sizeof(tq));
			qd_run_tags(c, rv, use[NA] ? out[NA].rec[i] : NULL, tn, sizeof(tn));
			static bool hit[256], hit2[256];
			unsigned rq = dq, rn = dn;
			if (rq) {
				rq = qd_explain(c, dq, tq, L_QEMU, hit);
				if (!rq)
					qd_count_hits(hit), be++;
			}
			for (int k = 0; k < 2; k++) {
				unsigned *rest = k ? &rn : &rq;
				int other = k ? NA : QE;
				if (!*rest)
					continue;
				if (!qd_explain(c, *rest, k ? tn : tq, L_RINGVM, hit2)) {
					qd_count_hits(hit2);
					known++, bk[k]++;
					if (brief++ < MAX_BRIEF)
						qd_brief_line(c, i, out, use, other, *rest,
							      "known ringvm bug");
					*rest = 0;
					continue;
				}
				if (k)
					bn++;
				else
					bq++;
				if (detailed++ < MAX_DETAILED || only || c->index == show)
					qd_report(seed, c, i, out, use, other, *rest, prog);
				else if (brief++ < MAX_BRIEF)
					qd_brief_line(c, i, out, use, other, *rest, "mismatch");
			}
			if (only && !rq && !rn) {
				printf("# case %llu (%s) agrees\n", (unsigned long long)c->index,
				       c->kind);
				qd_print_code(c);
				qd_print_state("initial", c->in.r, c->in.flags, c->in.fx);
				for (int k = 0; k < NRUN; k++)
					if (use[k])
						qd_print_rec(qd_run_name[k], out[k].rec[i]);
			}
		}
		total += n;
		bad_q += bq, bad_n += bn, exc += be;
		unsigned lo = ~0u, hi = 0;
		for (unsigned i = 0; i < n; i++) {
			lo = cases[i].index < lo ? (unsigned)cases[i].index : lo;
			hi = cases[i].index > hi ? (unsigned)cases[i].index : hi;
		}
		char todo[2][80] = {"", ""};
		for (int k = 0; k < 2; k++)
			if (bk[k])
				snprintf(todo[k], sizeof(todo[k]),
					 " # TODO %u cases hit known ringvm bugs", bk[k]);
		printf("%s %u - batch %u (cases %u..%u): ringvm = qemu-i386 (%u cases, %u known "
		       "QEMU deviations)%s\n",
		       bq || bk[0] ? "not ok" : "ok", ++tapno, b, lo, hi, n, be, bq ? "" : todo[0]);
		if (use[NA])
			printf("%s %u - batch %u (cases %u..%u): ringvm = native i386%s\n",
			       bn || bk[1] ? "not ok" : "ok", ++tapno, b, lo, hi,
			       bn ? "" : todo[1]);
		else
			printf("ok %u - batch %u: ringvm = native i386 # SKIP %s\n", ++tapno, b,
			       why_native);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	unsigned nmn = 0;
	for (char *p = seen_mn; *p; p++)
		nmn += *p == ' ';
	printf("# qemu_diff: seed %llu: %llu cases (%u single, %u sequences, %u templates), %u "
	       "mnemonics, %llu faulting; %llu known QEMU deviations; %llu known ringvm bugs; "
	       "%llu unexplained mismatches with qemu-i386, %llu with native%s; %.1f s\n",
	       (unsigned long long)seed, (unsigned long long)total, kinds[0], kinds[1], kinds[2],
	       nmn ? nmn - 1 : 0, (unsigned long long)faults, (unsigned long long)exc,
	       (unsigned long long)known, (unsigned long long)bad_q, (unsigned long long)bad_n,
	       use[NA] ? "" : " (not run)", secs);
	for (unsigned i = 0; i < qd_ndevs; i++)
		if (qd_devs[i].used || qd_devs[i].list == L_RINGVM)
			printf("#   %s:%u: %u cases: %.90s\n", qd_devs[i].file, qd_devs[i].line,
			       qd_devs[i].used, qd_devs[i].reason);
	if (getenv("RINGVM_DIFF_VERBOSE") && *getenv("RINGVM_DIFF_VERBOSE"))
		printf("# mnemonics:%s\n", seen_mn);
	if (tapno < 2 * nbatches) /* a filter ran out of cases */
		for (; tapno < 2 * nbatches;)
			printf("ok %u # SKIP no more cases match the filter\n", ++tapno);
	rm_rf(dir);
	if (keep && *keep)
		printf("# programs kept in %s\n", keep);
	return bad_q || bad_n ? 1 : 0;
}
