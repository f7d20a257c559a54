/*
 * sdm_util.c — the SDM oracle's checking (see sdm.h): run a snippet through
 * the translator, compare with the expected state, count failures by label
 * and show the first of each label in full (bytes, disassembly, expected and
 * translated state), and little-endian access to the data region.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/diff/sdm.h"

unsigned sdm_checks, sdm_fails;

uint32_t sdm_rd(const uint8_t *mem, uint32_t a, int size)
{
	uint32_t v = 0;
	memcpy(&v, mem + (a - DX_DATA), (size_t)size);
	return v;
}

void sdm_wr(uint8_t *mem, uint32_t a, uint32_t v, int size)
{
	memcpy(mem + (a - DX_DATA), &v, (size_t)size);
}

uint32_t sdm_szp(uint32_t v, int size)
{
	uint32_t m = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1, f = 0;
	v &= m;
	if (!__builtin_parity(v & 0xff))
		f |= S_PF;
	if (!v)
		f |= S_ZF;
	if (v >> (8 * size - 1))
		f |= S_SF;
	return f;
}

/* Failures by label: the first of each is shown in full, the rest counted. */
#define MAXLABELS 256
static struct {
	char what[48];
	unsigned fails;
} labels[MAXLABELS];
static unsigned nlabels;
static bool show; /* the failure being reported is the first of its label */

static void count_label(const char *what)
{
	unsigned i;
	for (i = 0; i < nlabels; i++)
		if (!strcmp(labels[i].what, what))
			break;
	if (i == nlabels && nlabels < MAXLABELS)
		snprintf(labels[nlabels++].what, sizeof(labels[0].what), "%s", what);
	show = i < nlabels && labels[i].fails == 0;
	if (i < nlabels)
		labels[i].fails++;
}

bool sdm_check(bool ok, const char *what, const uint8_t *code, unsigned len, const char *fmt, ...)
{
	sdm_checks++;
	if (ok)
		return true;
	char buf[256];
	va_list ap;
	sdm_fails++;
	count_label(what);
	if (!show)
		return false;
	dx_disasm(code, len, 32, buf, sizeof(buf));
	printf("FAIL %s: %s\n  ", what, buf);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static struct dout out, want;

bool sdm_expect(const char *what, const uint8_t *code, unsigned len, const struct dstate *in,
		const uint8_t *mem, const struct dstate *exp, const uint8_t *expmem, uint32_t fmask)
{
	uint32_t eip;
	struct tr_exit ex = dx_guest_exec(code, len, 0, in, mem, &out, &eip);
	bool hlt = ex.stop == TR_CALLOUT && !strcmp(dx_row_name(ex.row), "hlt") &&
		   eip == DX_CODE + len - 1;
	bool ok = hlt && !memcmp(out.s.r, exp->r, sizeof(exp->r)) &&
		  !((out.s.flags ^ exp->flags) & fmask) && !memcmp(out.mem, expmem, DX_DATA_SIZE);
	if (sdm_check(ok, what, code, len - 1, "%s",
		      hlt		      ? "state differs (expected | translated):"
		      : ex.stop == TR_CALLOUT ? "did not reach the hlt: callout"
					      : "did not reach the hlt: fault")) {
		return true;
	}
	if (!show)
		return false;
	if (!hlt)
		printf("  stopped at +%d: %s (row %d, len %u), signal %d code %d addr %#x\n",
		       (int)(eip - DX_CODE), ex.stop == TR_CALLOUT ? dx_row_name(ex.row) : "fault",
		       ex.row, ex.len, out.sig, out.code, out.addr);
	want.s = *exp;
	memcpy(want.mem, expmem, DX_DATA_SIZE);
	dx_print_diff(&want, "sdm", &out, "xlate", fmask, 0);
	dx_print_regs("initial", in);
	return false;
}

bool sdm_expect_callout(const char *what, const uint8_t *code, unsigned len,
			const struct dstate *in, const uint8_t *mem, const char *row, unsigned ilen,
			struct dout *o)
{
	uint32_t eip;
	struct tr_exit ex = dx_guest_exec(code, len, 0, in, mem, o ? o : &out, &eip);
	struct dout *r = o ? o : &out;
	return sdm_check(
	    ex.stop == TR_CALLOUT && !strcmp(dx_row_name(ex.row), row) && ex.len == ilen &&
		eip == DX_CODE && !memcmp(r->s.r, in->r, sizeof(in->r)),
	    what, code, len,
	    "expected a callout \"%s\" (len %u) at +0, got %s \"%s\" (len %u) at +%d", row, ilen,
	    ex.stop == TR_CALLOUT ? "callout" : "stop/fault",
	    ex.stop == TR_CALLOUT ? dx_row_name(ex.row) : "-", ex.len, (int)(eip - DX_CODE));
}

void sdm_print_failures(void)
{
	for (unsigned i = 0; i < nlabels; i++)
		printf("%s  %-28s failed %u times\n", i ? "" : "diff_sdm: failing checks:\n",
		       labels[i].what, labels[i].fails);
}
