/*
 * qemu_cmp.c — comparing what the runners of the qemu-i386 differential
 * test leave (see qemu_diff.c): the fields of a record and their masks, and
 * the lists of known QEMU deviations and known ringvm bugs: loading them,
 * the tags of a case's state and outcome, and which entries explain which
 * differences.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QD_INTERNAL
#include "tests/diff/qemu.h"

const char *const qd_field_name[] = {"signal", "regs", "flags", "fcw",	"fsw",	   "ftw",
				     "mxcsr",  "st",   "xmm",	"mem",	"missing", "stexp",
				     "trap",   "c1",   "de",	"mxde", "sicode",  "crash"};
_Static_assert(sizeof(qd_field_name) / sizeof(qd_field_name[0]) == NFIELD, "one name a field");

/* The masks for comparing A and B of case C. */
void qd_masks(const struct qcase *c, const struct qrec *a, const struct qrec *b, uint32_t *fm,
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

unsigned qd_compare(const struct qcase *c, const struct qrec *a, const uint8_t *ma,
		    const struct qrec *b, const uint8_t *mb)
{
	if (a && !b)
		return D_CRASH;
	if (!a || !b)
		return D_MISSING;
	unsigned d = 0;
	uint32_t fm;
	uint16_t sm;
	qd_masks(c, a, b, &fm, &sm);
	if (a->sig != b->sig ||
	    (a->sig && (a->eip != b->eip ||
			((a->sig == SIGSEGV || a->sig == SIGBUS) && a->addr != b->addr)))) {
		d |= D_SIGNAL;
	} else if (a->sig) {
		/* A single-step trap: Linux says TRAP_TRACE when DR6.BS is set;
		 * this machine's hypervisor sometimes loses it, and the same
		 * native run then says TRAP_BRKPT.  ringvm (A) must say TRAP_TRACE. */
		bool step_flake = a->sig == SIGTRAP && a->trapno == 1 && b->trapno == 1 &&
				  a->code == TRAP_TRACE && b->code == TRAP_BRKPT;
		if (a->code != b->code && !step_flake)
			d |= D_SICODE;
		if (a->trapno != b->trapno || a->err != b->err)
			d |= D_TRAP;
	}
	if (memcmp(a->r, b->r, sizeof(a->r)))
		d |= D_REGS;
	if ((a->flags ^ b->flags) & fm)
		d |= D_FLAGS;
	if (dx_u16(a->fx) != dx_u16(b->fx))
		d |= D_FCW;
	uint16_t fsw = (uint16_t)((dx_u16(a->fx + 2) ^ dx_u16(b->fx + 2)) & ~sm);
	if (fsw & 0x200)
		d |= D_C1;
	if (fsw & 0x002)
		d |= D_DE;
	if (fsw & ~0x202)
		d |= D_FSW;
	if (a->fx[4] != b->fx[4])
		d |= D_FTW;
	uint32_t mx = dx_u32(a->fx + 24) ^ dx_u32(b->fx + 24);
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

struct dev qd_devs[256];
unsigned qd_ndevs, qd_nlist[2];

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
			if (!strcmp(t, qd_field_name[i]))
				break;
		if (i == NFIELD) {
			fprintf(stderr, "%s:%u: unknown field \"%s\"\n", file, line, t);
			exit(2);
		}
		b |= 1u << i;
	}
	return b;
}

void qd_load_devs(const char *file, unsigned list)
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
		if (sscanf(p, "%511s %255s %n", mn, fl, &used) < 2 || qd_ndevs == 256) {
			fprintf(stderr, "%s:%u: want \"TOKENS FIELDS REASON\"\n", file, ln);
			exit(2);
		}
		struct dev *d = &qd_devs[qd_ndevs++];
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
		qd_nlist[list]++;
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
void qd_run_tags(const struct qcase *c, const struct qrec *rv, const struct qrec *other, char *b,
		 size_t n)
{
	uint16_t f0 = dx_u16(c->in.fx + 2), f1 = rv ? dx_u16(rv->fx + 2) : 0;
	uint32_t m0 = dx_u32(c->in.fx + 24), m1 = rv ? dx_u32(rv->fx + 24) : 0;
	bool cross =
	    rv && rv->sig == SIGSEGV && (rv->code == 1 || rv->code == 2) && !(rv->addr & 0xfff);
	bool gp128 =
	    rv && rv->sig == SIGSEGV && rv->code == 0x80 && qg_mem_bits_at(c, rv->eip) == 128;
	unsigned mb = rv && rv->sig == SIGSEGV ? qg_mem_bits_at(c, rv->eip) : 0;
	snprintf(b, n, "%s%s%s%s%s%s%s%s%s%s%s%s%s", gp128 ? "@gp128 " : "",
		 cross ? "@crossfault " : "", f1 & ~f0 & 0x01 ? "@x87ie " : "",
		 rv && rv->sig == SIGSEGV && rv->code == 2 ? "@wrfault " : "",
		 (dx_u16(c->in.fx) & 0x300) == 0 ? "@x87pc24 " : "",
		 (rv && rv->code != 0x80) && (mb == 80 || mb > 128) ? "@bigfault " : "",
		 (rv && rv->sig) || (other && other->sig) ? "@fault " : "",
		 f1 & ~f0 & 0x40 ? "@x87sf " : "", f1 & ~f0 & 0x02 ? "@x87de " : "",
		 m1 & ~m0 & 0x02 ? "@mxde " : "", f0 & 0x80 ? "@x87pending " : "",
		 (m0 >> 7 & 0x3f) != 0x3f ? "@mxunmasked " : "", m0 & 0x40 ? "@mxdaz " : "");
}

/* The differences D of case C that the entries of LIST leave unexplained;
 * HIT[i] is set for the entries that apply.  TAGS: qd_run_tags(). */
unsigned qd_explain(const struct qcase *c, unsigned d, const char *tags, unsigned list, bool *hit)
{
	char toks[1200], mns[1024];
	qg_mnemonics(c, mns, sizeof(mns));
	snprintf(toks, sizeof(toks), " %s %s", mns, tags);
	unsigned cover = 0;
	for (unsigned i = 0; i < qd_ndevs; i++) {
		hit[i] = false;
		if (qd_devs[i].list != list || !(qd_devs[i].fields & d) ||
		    !dev_matches(&qd_devs[i], c, toks))
			continue;
		hit[i] = true;
		cover |= qd_devs[i].fields;
	}
	if ((d & D_MISSING) && !(list == L_RINGVM && (cover & D_MISSING)))
		return d; /* a ringvm crash: only a known ringvm bug explains it */
	if ((d & D_SIGNAL) && (cover & D_SIGNAL))
		return 0; /* the states after different signals are not comparable */
	return d & ~cover;
}

void qd_count_hits(const bool *hit)
{
	for (unsigned i = 0; i < qd_ndevs; i++)
		qd_devs[i].used += hit[i];
}
