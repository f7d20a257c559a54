/*
 * qemu_report.c — the reports of the qemu-i386 differential test (see
 * qemu_diff.c): a mismatch in full (the replay command, the code as
 * Capstone reads it, the masks, what native i386 says, every state, the
 * memory that differs), a mismatch or a known ringvm bug in one line, and
 * a case's state and records.
 */
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>

#define QD_INTERNAL
#include "tests/diff/qemu.h"

void qd_print_code(const struct qcase *c)
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

static const char *const rn[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

void qd_print_state(const char *tag, const uint32_t *r, uint32_t flags, const uint8_t *x)
{
	char f[8];
	dx_flag_string(flags, f);
	printf("# %-9s", tag);
	for (int i = 0; i < 8; i++)
		printf(" %s=%08x", rn[i], r[i]);
	printf(" fl=%s\n", f);
	printf("# %-9s fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x\n", "", dx_u16(x), dx_u16(x + 2), x[4],
	       dx_u32(x + 24));
	for (int i = 0; i < 8; i++) {
		const uint8_t *st = x + 32 + 16 * i, *xm = x + 160 + 16 * i;
		printf("# %-9s st%d=%04x:%016llx xmm%d=%08x%08x%08x%08x\n", "", i, dx_u16(st + 8),
		       (unsigned long long)(dx_u32(st) | (uint64_t)dx_u32(st + 4) << 32), i,
		       dx_u32(xm + 12), dx_u32(xm + 8), dx_u32(xm + 4), dx_u32(xm));
	}
}

void qd_print_rec(const char *tag, const struct qrec *r)
{
	if (!r) {
		printf("# %-9s no record\n", tag);
		return;
	}
	if (r->sig)
		printf("# %-9s signal %u si_code %d si_addr %#x eip %#x trapno %u err %#x\n", tag,
		       r->sig, (int)r->code, r->addr, r->eip, r->trapno, r->err);
	qd_print_state(tag, r->r, r->flags, r->fx);
}

static void print_fields(unsigned d, char *b, size_t n)
{
	size_t o = 0;
	b[0] = 0;
	for (unsigned i = 0; i < NFIELD; i++)
		if (d & 1u << i)
			o += (size_t)snprintf(b + o, n - o, "%s%s", o ? "," : "", qd_field_name[i]);
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

char qd_here[1100]; /* "cd DIR && " */

void qd_report(uint64_t seed, const struct qcase *c, unsigned pos, const struct out *o,
	       const bool *use, int other, unsigned d, const char *prog)
{
	char fs[128], mns[512];
	print_fields(d, fs, sizeof(fs));
	qg_mnemonics(c, mns, sizeof(mns));
	printf("# MISMATCH ringvm vs %s, case %llu (%s), differs in: %s\n", qd_run_name[other],
	       (unsigned long long)c->index, c->kind, fs);
	printf("#   replay: %sRINGVM_DIFF_SEED=%llu RINGVM_DIFF_ONLY=%llu %s\n", qd_here,
	       (unsigned long long)seed, (unsigned long long)c->index, prog);
	printf("#   instructions: %s\n", mns);
	qd_print_code(c);
	uint32_t fm;
	uint16_t sm;
	const struct qrec *a = o[RV].rec[pos], *b = o[other].rec[pos];
	if (a && b)
		qd_masks(c, a, b, &fm, &sm);
	else
		fm = c->flag_mask, sm = c->fsw_mask;
	char f[8];
	dx_flag_string(fm, f);
	printf("#   compared flags: %s, fsw bits not compared: %04x\n", f, sm);
	if (use[NA] && other == QE) {
		const struct qrec *n = o[NA].rec[pos];
		const uint8_t *nm = o[NA].mem[pos];
		unsigned dn = qd_compare(c, a, o[RV].mem[pos], n, nm);
		unsigned dq = qd_compare(c, b, o[QE].mem[pos], n, nm);
		printf("#   native i386 agrees with %s\n",
		       !dn && !dq ? "both (?)"
		       : !dn	  ? "ringvm: a QEMU deviation not listed "
				    "in qemu-deviations.txt"
		       : !dq	  ? "qemu-i386: a ringvm bug"
				  : "neither");
	}
	qd_print_state("initial", c->in.r, c->in.flags, c->in.fx);
	qd_print_rec(qd_run_name[RV], a);
	qd_print_rec(qd_run_name[other], b);
	if (use[NA] && other == QE)
		qd_print_rec("native", o[NA].rec[pos]);
	if (a && b)
		print_mem_diff(qd_run_name[RV], o[RV].mem[pos], qd_run_name[other],
			       o[other].mem[pos]);
}

/* One line for a mismatch beyond the detailed ones. */
void qd_brief_line(const struct qcase *c, unsigned pos, const struct out *o, const bool *use,
		   int other, unsigned d, const char *what)
{
	char fs[128], mns[512];
	print_fields(d, fs, sizeof(fs));
	qg_mnemonics(c, mns, sizeof(mns));
	const char *v = "";
	if (use[NA] && other == QE) {
		const struct qrec *n = o[NA].rec[pos];
		const uint8_t *nm = o[NA].mem[pos];
		bool rn = !qd_compare(c, o[RV].rec[pos], o[RV].mem[pos], n, nm);
		bool qn = !qd_compare(c, o[QE].rec[pos], o[QE].mem[pos], n, nm);
		v = rn && !qn	? " [native = ringvm]"
		    : qn && !rn ? " [native = qemu]"
				: " [native: neither]";
	}
	char x[64] = "";
	const struct qrec *a = o[RV].rec[pos], *b = o[other].rec[pos];
	if (a && b && (d & (D_FSW | D_C1 | D_DE)))
		snprintf(x, sizeof(x), " (fsw %04x^%04x)", dx_u16(a->fx + 2),
			 dx_u16(a->fx + 2) ^ dx_u16(b->fx + 2));
	printf("# %s vs %s, case %llu (%s): %s%s%s: %s\n", what, qd_run_name[other],
	       (unsigned long long)c->index, c->kind, fs, x, v, mns);
}
