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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "tests/diff/qemu.h"

#define DEFAULT_CASES 6000
#define BATCH	      200
#define MAX_DETAILED  12
#define MAX_BRIEF     200
#define RUN_TIMEOUT   20 /* seconds per program and runner */

enum { RV, QE, NA, NRUN }; /* ringvm, qemu-i386, native */
static const char *const run_name[NRUN] = {"ringvm", "qemu-i386", "native"};

/* ---- fields of a record ------------------------------------------------------ */

enum {
	D_SIGNAL = 1u << 0,
	D_REGS = 1u << 1,
	D_FLAGS = 1u << 2,
	D_FCW = 1u << 3,
	D_FSW = 1u << 4,
	D_FTW = 1u << 5,
	D_MXCSR = 1u << 6,
	D_ST = 1u << 7,
	D_XMM = 1u << 8,
	D_MEM = 1u << 9,
	D_MISSING = 1u << 10, /* no record: the program died */
	D_STEXP = 1u << 11,   /* only bits 79:64 of x87 registers */
	D_TRAP = 1u << 12,    /* sigcontext trapno, err */
	D_C1 = 1u << 13,      /* C1 of the x87 status word */
	D_DE = 1u << 14,      /* DE (denormal operand) of the x87 status word */
	D_MXDE = 1u << 15,    /* DE of MXCSR */
	D_SICODE = 1u << 16,  /* only the si_code of a fault */
	D_CRASH = 1u << 17,   /* ringvm has a record, the other runner died there */
};
static const char *const field_name[] = {"signal", "regs", "flags", "fcw",  "fsw",     "ftw",
					 "mxcsr",  "st",   "xmm",   "mem",  "missing", "stexp",
					 "trap",   "c1",   "de",    "mxde", "sicode",  "crash"};
#define NFIELD (sizeof(field_name) / sizeof(field_name[0]))

struct out {
	uint8_t *buf; /* the runner's whole stdout */
	size_t len;
	int status;    /* wait status */
	char err[512]; /* start of its stderr */
	const struct qrec *rec[QD_MAXCASES];
	const uint8_t *mem[QD_MAXCASES];
};

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The masks for comparing A and B of case C. */
static void masks(const struct qcase *c, const struct qrec *a, const struct qrec *b, uint32_t *fm,
		  uint16_t *sm)
{
	*fm = c->flag_mask;
	*sm = c->fsw_mask;
	const struct qrec *f = a->sig ? a : b->sig ? b : NULL;
	if (f) {
		uint32_t m2;
		uint16_t s2;
		qg_fault_masks(c, f->eip, &m2, &s2);
		*fm = m2;
		*sm = s2;
	}
}

static unsigned compare(const struct qcase *c, const struct qrec *a, const uint8_t *ma,
			const struct qrec *b, const uint8_t *mb)
{
	if (a && !b)
		return D_CRASH;
	if (!a || !b)
		return D_MISSING;
	unsigned d = 0;
	uint32_t fm;
	uint16_t sm;
	masks(c, a, b, &fm, &sm);
	if (a->sig != b->sig ||
	    (a->sig && (a->eip != b->eip ||
			((a->sig == SIGSEGV || a->sig == SIGBUS) && a->addr != b->addr)))) {
		d |= D_SIGNAL;
	} else if (a->sig) {
		if (a->code != b->code)
			d |= D_SICODE;
		if (a->trapno != b->trapno || a->err != b->err)
			d |= D_TRAP;
	}
	if (memcmp(a->r, b->r, sizeof(a->r)))
		d |= D_REGS;
	if ((a->flags ^ b->flags) & fm)
		d |= D_FLAGS;
	if (u16(a->fx) != u16(b->fx))
		d |= D_FCW;
	uint16_t fsw = (uint16_t)((u16(a->fx + 2) ^ u16(b->fx + 2)) & ~sm);
	if (fsw & 0x200)
		d |= D_C1;
	if (fsw & 0x002)
		d |= D_DE;
	if (fsw & ~0x202)
		d |= D_FSW;
	if (a->fx[4] != b->fx[4])
		d |= D_FTW;
	uint32_t mx = u32(a->fx + 24) ^ u32(b->fx + 24);
	if (mx & 2)
		d |= D_MXDE;
	if (mx & ~2u)
		d |= D_MXCSR;
	for (int i = 0; i < 8; i++)
		if (memcmp(a->fx + 32 + 16 * i, b->fx + 32 + 16 * i, 8))
			d |= D_ST;
		else if (memcmp(a->fx + 40 + 16 * i, b->fx + 40 + 16 * i, 2))
			d |= D_STEXP;
	if (memcmp(a->fx + 160, b->fx + 160, 128))
		d |= D_XMM;
	if (memcmp(ma, mb, DX_DATA_SIZE))
		d |= D_MEM;
	return d;
}

/* ---- known QEMU deviations and known ringvm bugs ------------------------------------ */

enum { L_QEMU, L_RINGVM };

/* One line of a list: TOKENS FIELDS REASON.  TOKENS (comma separated): Zydis
 * mnemonics, tags (@mmx: an MMX register operand, @x87: an x87
 * instruction, @fault: a side took a signal), =HEX (an instruction whose
 * bytes start so), or * (any case).  FIELDS: the record fields it excuses;
 * "signal" excuses the whole case. */
struct dev {
	char tok[512]; /* " a b @x " */
	uint8_t pfx[8][8];
	unsigned npfx, pfxlen[8];
	bool any;
	unsigned fields; /* D_* */
	char reason[400];
	const char *file;
	unsigned line, used, list;
};
static struct dev devs[256];
static unsigned ndevs, nlist[2];

static unsigned field_bits(char *s, const char *file, unsigned line)
{
	unsigned b = 0;
	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		size_t i;
		if (!strcmp(t, "values")) { /* every value of the state */
			b |= D_REGS | D_FLAGS | D_FCW | D_FSW | D_FTW | D_MXCSR | D_ST | D_XMM |
			     D_MEM | D_STEXP | D_C1 | D_DE | D_MXDE;
			continue;
		}
		for (i = 0; i < NFIELD; i++)
			if (!strcmp(t, field_name[i]))
				break;
		if (i == NFIELD) {
			fprintf(stderr, "%s:%u: unknown field \"%s\"\n", file, line, t);
			exit(2);
		}
		b |= 1u << i;
	}
	return b;
}

static void load_devs(const char *file, unsigned list)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "qemu_diff: %s: %s\n", file, strerror(errno));
		exit(2);
	}
	char line[2048];
	unsigned ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		char mn[512], fl[256];
		int used = 0;
		if (sscanf(p, "%511s %255s %n", mn, fl, &used) < 2 || ndevs == 256) {
			fprintf(stderr, "%s:%u: want \"TOKENS FIELDS REASON\"\n", file, ln);
			exit(2);
		}
		struct dev *d = &devs[ndevs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->tok, sizeof(d->tok), " ");
		for (char *t = strtok(mn, ","); t; t = strtok(NULL, ",")) {
			if (!strcmp(t, "*")) {
				d->any = true;
			} else if (t[0] == '=' && d->npfx < 8) {
				unsigned k = 0;
				for (const char *h = t + 1; h[0] && h[1] && k < 8; h += 2) {
					char two[3] = {h[0], h[1], 0};
					d->pfx[d->npfx][k++] = (uint8_t)strtoul(two, NULL, 16);
				}
				d->pfxlen[d->npfx++] = k;
			} else {
				snprintf(d->tok + strlen(d->tok), sizeof(d->tok) - strlen(d->tok),
					 "%s ", t);
			}
		}
		d->fields = field_bits(fl, file, ln);
		snprintf(d->reason, sizeof(d->reason), "%s", p + used);
		d->reason[strcspn(d->reason, "\n")] = 0;
		d->file = file;
		d->line = ln;
		d->list = list;
		nlist[list]++;
		if (!d->reason[0]) {
			fprintf(stderr, "%s:%u: an entry needs a reason\n", file, ln);
			exit(2);
		}
	}
	fclose(f);
}

static bool dev_matches(const struct dev *e, const struct qcase *c, const char *toks)
{
	if (e->any)
		return true;
	for (const char *t = e->tok + 1; *t;) {
		size_t n = strcspn(t, " ");
		bool all = true; /* A+B: both */
		for (size_t k = 0; k < n;) {
			size_t m = strcspn(t + k, "+ ");
			char w[80];
			snprintf(w, sizeof(w), " %.*s ", (int)m, t + k);
			all &= strstr(toks, w) != NULL;
			k += m + (t[k + m] == '+');
		}
		if (all)
			return true;
		t += n + (t[n] == ' ');
	}
	for (unsigned i = 0; i < e->npfx; i++)
		if (qg_has_bytes(c, e->pfx[i], e->pfxlen[i]))
			return true;
	return false;
}

/* Tags of what happened: @fault (a side took a signal), @x87sf (ringvm's
 * x87 status word got SF: a stack fault), @x87de (it got DE), @x87ie (it
 * got IE: an invalid operand, e.g. an SNaN), @mxde (its
 * MXCSR got DE); and of the initial state: @x87pending (an x87 exception
 * is pending: FSW.ES), @mxunmasked (MXCSR unmasks an SSE exception),
 * @mxdaz (MXCSR.DAZ); @crossfault: ringvm took a page fault at the start of
 * a page (an access that crosses into it, most likely); @gp128: ringvm took
 * a #GP (SIGSEGV, SI_KERNEL) at an instruction with a 128-bit memory operand
 * (its alignment); @bigfault: ringvm took a page fault at an instruction
 * with a memory operand of 80 or more than 128 bits; @wrfault: ringvm took
 * SEGV_ACCERR (a write to the read-only page); @x87pc24: the initial FCW
 * sets single precision. */
static void run_tags(const struct qcase *c, const struct qrec *rv, const struct qrec *other,
		     char *b, size_t n)
{
	uint16_t f0 = u16(c->in.fx + 2), f1 = rv ? u16(rv->fx + 2) : 0;
	uint32_t m0 = u32(c->in.fx + 24), m1 = rv ? u32(rv->fx + 24) : 0;
	bool cross =
	    rv && rv->sig == SIGSEGV && (rv->code == 1 || rv->code == 2) && !(rv->addr & 0xfff);
	bool gp128 =
	    rv && rv->sig == SIGSEGV && rv->code == 0x80 && qg_mem_bits_at(c, rv->eip) == 128;
	unsigned mb = rv && rv->sig == SIGSEGV ? qg_mem_bits_at(c, rv->eip) : 0;
	snprintf(b, n, "%s%s%s%s%s%s%s%s%s%s%s%s%s", gp128 ? "@gp128 " : "",
		 cross ? "@crossfault " : "", f1 & ~f0 & 0x01 ? "@x87ie " : "",
		 rv && rv->sig == SIGSEGV && rv->code == 2 ? "@wrfault " : "",
		 (u16(c->in.fx) & 0x300) == 0 ? "@x87pc24 " : "",
		 (rv && rv->code != 0x80) && (mb == 80 || mb > 128) ? "@bigfault " : "",
		 (rv && rv->sig) || (other && other->sig) ? "@fault " : "",
		 f1 & ~f0 & 0x40 ? "@x87sf " : "", f1 & ~f0 & 0x02 ? "@x87de " : "",
		 m1 & ~m0 & 0x02 ? "@mxde " : "", f0 & 0x80 ? "@x87pending " : "",
		 (m0 >> 7 & 0x3f) != 0x3f ? "@mxunmasked " : "", m0 & 0x40 ? "@mxdaz " : "");
}

/* The differences D of case C that the entries of LIST leave unexplained;
 * HIT[i] is set for the entries that apply.  TAGS: run_tags(). */
static unsigned explain(const struct qcase *c, unsigned d, const char *tags, unsigned list,
			bool *hit)
{
	char toks[1200], mns[1024];
	qg_mnemonics(c, mns, sizeof(mns));
	snprintf(toks, sizeof(toks), " %s %s", mns, tags);
	unsigned cover = 0;
	for (unsigned i = 0; i < ndevs; i++) {
		hit[i] = false;
		if (devs[i].list != list || !(devs[i].fields & d) ||
		    !dev_matches(&devs[i], c, toks))
			continue;
		hit[i] = true;
		cover |= devs[i].fields;
	}
	if ((d & D_MISSING) && !(list == L_RINGVM && (cover & D_MISSING)))
		return d; /* a ringvm crash: only a known ringvm bug explains it */
	if ((d & D_SIGNAL) && (cover & D_SIGNAL))
		return 0; /* the states after different signals are not comparable */
	return d & ~cover;
}

static void count_hits(const bool *hit)
{
	for (unsigned i = 0; i < ndevs; i++)
		devs[i].used += hit[i];
}

/* ---- running the programs ---------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap + 1);
	for (;;) {
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
		size_t r = fread(b + n, 1, cap - n, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

static pid_t spawn(char *const argv[], const char *out, const char *err)
{
	pid_t p = fork();
	if (p)
		return p;
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int z = open("/dev/null", O_RDONLY);
	if (o < 0 || e < 0 || z < 0)
		_exit(126);
	dup2(z, 0), dup2(o, 1), dup2(e, 2);
	alarm(RUN_TIMEOUT);
	execv(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void describe_status(int st, char *b, size_t n)
{
	if (WIFEXITED(st))
		snprintf(b, n, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, n, "killed by signal %d%s", WTERMSIG(st),
			 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
	else
		snprintf(b, n, "status %#x", st);
}

static void parse(struct out *o, unsigned n)
{
	memset(o->rec, 0, sizeof(o->rec));
	memset(o->mem, 0, sizeof(o->mem));
	size_t step = QD_RECLEN + DX_DATA_SIZE;
	for (size_t off = 0; off + step <= o->len; off += step) {
		const struct qrec *r = (const struct qrec *)(o->buf + off);
		if (r->magic != QD_MAGIC || r->index >= n || o->rec[r->index])
			break;
		o->rec[r->index] = r;
		o->mem[r->index] = o->buf + off + QD_RECLEN;
	}
}

/* Runs the program PATH under the runners in USE; fills OUT. */
static void run_all(const char *path, const char *dir, const char *qemu, const char *ringvm,
		    const bool *use, struct out *out, unsigned n)
{
	pid_t pid[NRUN] = {0};
	char of[NRUN][600], ef[NRUN][600];
	for (int k = 0; k < NRUN; k++) {
		if (!use[k])
			continue;
		snprintf(of[k], sizeof(of[k]), "%s/out.%d", dir, k);
		snprintf(ef[k], sizeof(ef[k]), "%s/err.%d", dir, k);
		char *argv[5] = {NULL};
		if (k == RV)
			argv[0] = (char *)ringvm, argv[1] = "user", argv[2] = "--",
			argv[3] = (char *)path;
		else if (k == QE)
			argv[0] = (char *)qemu, argv[1] = (char *)path;
		else
			argv[0] = (char *)path;
		pid[k] = spawn(argv, of[k], ef[k]);
	}
	for (int k = 0; k < NRUN; k++) {
		if (!use[k])
			continue;
		int st = 0;
		while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
			;
		free(out[k].buf);
		out[k].status = st;
		out[k].buf = (uint8_t *)read_file(of[k], &out[k].len);
		if (!out[k].buf)
			out[k].buf = calloc(1, 1), out[k].len = 0;
		size_t el;
		char *e = read_file(ef[k], &el);
		snprintf(out[k].err, sizeof(out[k].err), "%s", e ? e : "");
		free(e);
		for (char *p = out[k].err; *p; p++) /* one line of TAP comment */
			if (*p == '\n' || *p == '\r')
				*p = *(p + 1) ? '|' : 0;
		parse(&out[k], n);
	}
}

/* Can this host run i386 programs itself?  NULL, or why not. */
static const char *native_probe(const char *dir, const char *qemu, const char *ringvm)
{
	if (getenv("RINGVM_NO_IA32") && *getenv("RINGVM_NO_IA32"))
		return "RINGVM_NO_IA32 is set";
	/* binfmt_misc could hand i386 programs to an emulator */
	FILE *f = popen("grep -ls 'qemu-i386\\|7f454c460101010000000000000000000200030' "
			"/proc/sys/fs/binfmt_misc/* 2>/dev/null",
			"r");
	if (f) {
		char b[256];
		bool hit = fgets(b, sizeof(b), f) != NULL;
		pclose(f);
		if (hit)
			return "binfmt_misc hands i386 programs to an emulator here";
	}
	static struct qcase c;
	memset(&c, 0, sizeof(c));
	dx_state_default(&c.in);
	c.addr = QD_CASES + QD_PROLOGUE;
	c.len = 1;
	c.code[0] = 0x90;
	char path[600];
	snprintf(path, sizeof(path), "%s/probe.elf", dir);
	if (qp_write(path, &c, 1, 0) < 0)
		return "cannot write the probe program";
	static struct out o[NRUN];
	bool use[NRUN] = {false, false, true};
	run_all(path, dir, qemu, ringvm, use, o, 1);
	if (!WIFEXITED(o[NA].status) || WEXITSTATUS(o[NA].status) || !o[NA].rec[0])
		return "the host cannot run i386 code";
	return NULL;
}

/* ---- reports ------------------------------------------------------------------------ */

static void print_code(const struct qcase *c)
{
	static csh h;
	static bool ok;
	if (!ok)
		ok = cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK;
	printf("#   bytes:");
	for (unsigned i = 0; i < c->len; i++)
		printf(" %02x", c->code[i]);
	printf("\n");
	cs_insn *insn = NULL;
	size_t cnt = ok ? cs_disasm(h, c->code, c->len, c->addr, 0, &insn) : 0;
	size_t done = 0;
	for (size_t i = 0; i < cnt; i++) {
		char hex[64] = "";
		for (unsigned k = 0; k < insn[i].size && k < 15; k++)
			snprintf(hex + 3 * k, sizeof(hex) - 3 * k, "%02x ", insn[i].bytes[k]);
		printf("#   %08llx  %-30s %s %s\n", (unsigned long long)insn[i].address, hex,
		       insn[i].mnemonic, insn[i].op_str);
		done += insn[i].size;
	}
	if (done < c->len)
		printf("#   (capstone stops after %zu of %u bytes)\n", done, c->len);
	if (cnt)
		cs_free(insn, cnt);
}

static void flag_string(uint32_t f, char *b)
{
	static const struct {
		uint32_t bit;
		char c;
	} fl[] = {{0x800, 'O'}, {0x400, 'D'}, {0x80, 'S'}, {0x40, 'Z'},
		  {0x10, 'A'},	{0x4, 'P'},   {0x1, 'C'}};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		*b++ = f & fl[i].bit ? fl[i].c : '-';
	*b = 0;
}

static const char *const rn[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

static void print_state(const char *tag, const uint32_t *r, uint32_t flags, const uint8_t *x)
{
	char f[8];
	flag_string(flags, f);
	printf("# %-9s", tag);
	for (int i = 0; i < 8; i++)
		printf(" %s=%08x", rn[i], r[i]);
	printf(" fl=%s\n", f);
	printf("# %-9s fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x\n", "", u16(x), u16(x + 2), x[4],
	       u32(x + 24));
	for (int i = 0; i < 8; i++) {
		const uint8_t *st = x + 32 + 16 * i, *xm = x + 160 + 16 * i;
		printf("# %-9s st%d=%04x:%016llx xmm%d=%08x%08x%08x%08x\n", "", i, u16(st + 8),
		       (unsigned long long)(u32(st) | (uint64_t)u32(st + 4) << 32), i, u32(xm + 12),
		       u32(xm + 8), u32(xm + 4), u32(xm));
	}
}

static void print_rec(const char *tag, const struct qrec *r)
{
	if (!r) {
		printf("# %-9s no record\n", tag);
		return;
	}
	if (r->sig)
		printf("# %-9s signal %u si_code %d si_addr %#x eip %#x trapno %u err %#x\n", tag,
		       r->sig, (int)r->code, r->addr, r->eip, r->trapno, r->err);
	print_state(tag, r->r, r->flags, r->fx);
}

static void print_fields(unsigned d, char *b, size_t n)
{
	size_t o = 0;
	b[0] = 0;
	for (unsigned i = 0; i < NFIELD; i++)
		if (d & 1u << i)
			o += (size_t)snprintf(b + o, n - o, "%s%s", o ? "," : "", field_name[i]);
}

static void print_mem_diff(const char *an, const uint8_t *a, const char *bn, const uint8_t *b)
{
	for (unsigned i = 0, shown = 0; i < DX_DATA_SIZE && shown < 6; i++) {
		if (a[i] == b[i])
			continue;
		unsigned j = i;
		while (j < DX_DATA_SIZE && j < i + 16 && a[j] != b[j])
			j++;
		printf("#   mem %#x..%#x: %s=", DX_DATA + i, DX_DATA + j - 1, an);
		for (unsigned k = i; k < j; k++)
			printf("%02x", a[k]);
		printf(" %s=", bn);
		for (unsigned k = i; k < j; k++)
			printf("%02x", b[k]);
		printf("\n");
		i = j;
		shown++;
	}
}

static char here[1100]; /* "cd DIR && " */

static void report(uint64_t seed, const struct qcase *c, unsigned pos, const struct out *o,
		   const bool *use, int other, unsigned d, const char *prog)
{
	char fs[128], mns[512];
	print_fields(d, fs, sizeof(fs));
	qg_mnemonics(c, mns, sizeof(mns));
	printf("# MISMATCH ringvm vs %s, case %llu (%s), differs in: %s\n", run_name[other],
	       (unsigned long long)c->index, c->kind, fs);
	printf("#   replay: %sRINGVM_DIFF_SEED=%llu RINGVM_DIFF_ONLY=%llu %s\n", here,
	       (unsigned long long)seed, (unsigned long long)c->index, prog);
	printf("#   instructions: %s\n", mns);
	print_code(c);
	uint32_t fm;
	uint16_t sm;
	const struct qrec *a = o[RV].rec[pos], *b = o[other].rec[pos];
	if (a && b)
		masks(c, a, b, &fm, &sm);
	else
		fm = c->flag_mask, sm = c->fsw_mask;
	char f[8];
	flag_string(fm, f);
	printf("#   compared flags: %s, fsw bits not compared: %04x\n", f, sm);
	if (use[NA] && other == QE) {
		const struct qrec *n = o[NA].rec[pos];
		const uint8_t *nm = o[NA].mem[pos];
		unsigned dn = compare(c, a, o[RV].mem[pos], n, nm);
		unsigned dq = compare(c, b, o[QE].mem[pos], n, nm);
		printf("#   native i386 agrees with %s\n",
		       !dn && !dq ? "both (?)"
		       : !dn	  ? "ringvm: a QEMU deviation not listed "
				    "in qemu-deviations.txt"
		       : !dq	  ? "qemu-i386: a ringvm bug"
				  : "neither");
	}
	print_state("initial", c->in.r, c->in.flags, c->in.fx);
	print_rec(run_name[RV], a);
	print_rec(run_name[other], b);
	if (use[NA] && other == QE)
		print_rec("native", o[NA].rec[pos]);
	if (a && b)
		print_mem_diff(run_name[RV], o[RV].mem[pos], run_name[other], o[other].mem[pos]);
}

/* One line for a mismatch beyond the detailed ones. */
static void brief_line(const struct qcase *c, unsigned pos, const struct out *o, const bool *use,
		       int other, unsigned d, const char *what)
{
	char fs[128], mns[512];
	print_fields(d, fs, sizeof(fs));
	qg_mnemonics(c, mns, sizeof(mns));
	const char *v = "";
	if (use[NA] && other == QE) {
		const struct qrec *n = o[NA].rec[pos];
		const uint8_t *nm = o[NA].mem[pos];
		bool rn = !compare(c, o[RV].rec[pos], o[RV].mem[pos], n, nm);
		bool qn = !compare(c, o[QE].rec[pos], o[QE].mem[pos], n, nm);
		v = rn && !qn	? " [native = ringvm]"
		    : qn && !rn ? " [native = qemu]"
				: " [native: neither]";
	}
	char x[64] = "";
	const struct qrec *a = o[RV].rec[pos], *b = o[other].rec[pos];
	if (a && b && (d & (D_FSW | D_C1 | D_DE)))
		snprintf(x, sizeof(x), " (fsw %04x^%04x)", u16(a->fx + 2),
			 u16(a->fx + 2) ^ u16(b->fx + 2));
	printf("# %s vs %s, case %llu (%s): %s%s%s: %s\n", what, run_name[other],
	       (unsigned long long)c->index, c->kind, fs, x, v, mns);
}

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
		snprintf(here, sizeof(here), "cd %s && ", cwd);
	for (int i = 0; i < argc && i < 5 && po < sizeof(prog); i++)
		po += (size_t)snprintf(prog + po, sizeof(prog) - po, "%s%s", i ? " " : "", argv[i]);
	load_devs(devfile, L_QEMU);
	load_devs(bugfile, L_RINGVM);
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
	const char *why_native = native_probe(dir, qemu, ringvm);
	bool use[NRUN] = {true, true, why_native == NULL};
	unsigned nbatches = (unsigned)((ncases + BATCH - 1) / BATCH);
	printf("# qemu_diff: seed %llu, %llu cases in %u programs (replay: %sRINGVM_DIFF_SEED=%llu "
	       "RINGVM_DIFF_QEMU_CASES=%llu %s)\n",
	       (unsigned long long)seed, (unsigned long long)ncases, nbatches, here,
	       (unsigned long long)seed, (unsigned long long)ncases, prog);
	printf("# qemu: %s; ringvm: %s; %u known QEMU deviations (%s), %u known ringvm bugs "
	       "(%s)\n",
	       qemu, ringvm, nlist[L_QEMU], devfile, nlist[L_RINGVM], bugfile);
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
		run_all(path, dir, qemu, ringvm, use, out, n);
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
				describe_status(out[k].status, st, sizeof(st));
				printf(
				    "# batch %u: %s ended with %s at case %llu; stderr: %.300s\n",
				    b, run_name[k], st, (unsigned long long)cases[miss].index,
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
				run_all(p2, dir, qemu, ringvm, one, more, n);
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
				parse(&out[k], n);
				unlink(p2);
			}
		}
		unsigned bq = 0, bn = 0, be = 0, bk[2] = {0, 0};
		for (unsigned i = 0; i < n; i++) {
			const struct qcase *c = &cases[i];
			const struct qrec *rv = out[RV].rec[i];
			unsigned dq =
			    compare(c, rv, out[RV].mem[i], out[QE].rec[i], out[QE].mem[i]);
			unsigned dn =
			    use[NA] ? compare(c, rv, out[RV].mem[i], out[NA].rec[i], out[NA].mem[i])
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
			run_tags(c, rv, out[QE].rec[i], tq, sizeof(tq));
			run_tags(c, rv, use[NA] ? out[NA].rec[i] : NULL, tn, sizeof(tn));
			static bool hit[256], hit2[256];
			unsigned rq = dq, rn = dn;
			if (rq) {
				rq = explain(c, dq, tq, L_QEMU, hit);
				if (!rq)
					count_hits(hit), be++;
			}
			for (int k = 0; k < 2; k++) {
				unsigned *rest = k ? &rn : &rq;
				int other = k ? NA : QE;
				if (!*rest)
					continue;
				if (!explain(c, *rest, k ? tn : tq, L_RINGVM, hit2)) {
					count_hits(hit2);
					known++, bk[k]++;
					if (brief++ < MAX_BRIEF)
						brief_line(c, i, out, use, other, *rest,
							   "known ringvm bug");
					*rest = 0;
					continue;
				}
				if (k)
					bn++;
				else
					bq++;
				if (detailed++ < MAX_DETAILED || only || c->index == show)
					report(seed, c, i, out, use, other, *rest, prog);
				else if (brief++ < MAX_BRIEF)
					brief_line(c, i, out, use, other, *rest, "mismatch");
			}
			if (only && !rq && !rn) {
				printf("# case %llu (%s) agrees\n", (unsigned long long)c->index,
				       c->kind);
				print_code(c);
				print_state("initial", c->in.r, c->in.flags, c->in.fx);
				for (int k = 0; k < NRUN; k++)
					if (use[k])
						print_rec(run_name[k], out[k].rec[i]);
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
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].used || devs[i].list == L_RINGVM)
			printf("#   %s:%u: %u cases: %.90s\n", devs[i].file, devs[i].line,
			       devs[i].used, devs[i].reason);
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
