/*
 * scan.c — the linear sweep behind `ringvm scan` (see scan.h).
 *
 * Owns: walking every executable range of an image with Zydis, classifying
 * each instruction through the sensitive table, counting, and the optional
 * cross-check against Capstone with its allowlist.  How findings are printed
 * lives in scan_report.c; the command line in scan_cli.c.
 */
#include "monitor/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cs_classify.h"
#include "monitor/scan_report.h"

static const char *const xc_names[XC_COUNT] = {
	[XC_LENGTH] = "length",
	[XC_SENSITIVITY] = "sensitivity",
	[XC_ZYDIS_INVALID] = "zydis-invalid",
	[XC_CAPSTONE_INVALID] = "capstone-invalid",
};

const char *scan_xc_name(enum xc_kind k)
{
	return k < XC_COUNT ? xc_names[k] : "?";
}

/* One allowlist entry: "KIND ZYDIS CAPSTONE REASON...", "-" for no decode,
 * "*" for any. */
struct allow {
	enum xc_kind kind;
	char zy[32], cs[32];
	char reason[160];
};

struct allowlist {
	struct allow *v;
	size_t n;
};

static int parse_kind(const char *s, enum xc_kind *k)
{
	for (int i = 0; i < XC_COUNT; i++)
		if (!strcmp(s, xc_names[i])) {
			*k = (enum xc_kind)i;
			return 0;
		}
	return -EINVAL;
}

static int allow_load(struct allowlist *al, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int lineno = 0, rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		char kind[32], *p = line + strspn(line, " \t");
		struct allow a = {0};
		int used = 0;

		lineno++;
		if (*p == '#' || *p == '\n' || *p == 0)
			continue;
		if (sscanf(p, "%31s %31s %31s %n", kind, a.zy, a.cs, &used) < 3 ||
		    parse_kind(kind, &a.kind) < 0) {
			snprintf(err, errlen, "%s:%d: expected KIND ZYDIS CAPSTONE REASON", path,
				 lineno);
			rc = -EINVAL;
			goto out;
		}
		snprintf(a.reason, sizeof(a.reason), "%s", p + used);
		a.reason[strcspn(a.reason, "\n")] = 0;
		struct allow *v = realloc(al->v, (al->n + 1) * sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		al->v = v;
		al->v[al->n++] = a;
	}
out:
	fclose(f);
	return rc;
}

static bool name_ok(const char *pat, const char *name)
{
	return !strcmp(pat, "*") || !strcmp(pat, name);
}

static const struct allow *allow_find(const struct allowlist *al, enum xc_kind k, const char *zy,
				      const char *cs)
{
	for (size_t i = 0; i < al->n; i++)
		if (al->v[i].kind == k && name_ok(al->v[i].zy, zy) && name_ok(al->v[i].cs, cs))
			return &al->v[i];
	return NULL;
}

/* State of one sweep. */
struct sweep {
	const struct image *img;
	const struct scan_opts *o;
	struct scan_result *r;
	ZydisDecoder dec;
	csh cs;
	cs_insn *csi;
	struct allowlist allow;
	struct scan_report *rep;
};

/* Compares Capstone's view of the instruction at ADDR with Zydis' (ZLEN 0
 * when Zydis could not decode it). */
static void cross_check(struct sweep *s, const uint8_t *p, size_t left, uint32_t addr,
			const ZydisDecodedInstruction *zi, int zrow)
{
	const uint8_t *code = p;
	size_t size = left;
	uint64_t a = addr;
	bool cs_ok = cs_disasm_iter(s->cs, &code, &size, &a, s->csi);
	int crow = cs_ok ? cs_classify(s->csi) : -1;
	const char *zy = zi ? ZydisMnemonicGetString(zi->mnemonic) : "-";
	const char *cs = cs_ok ? s->csi->mnemonic : "-";
	enum xc_kind k;

	if (!zi && !cs_ok)
		return;
	if (!zi)
		k = XC_ZYDIS_INVALID;
	else if (!cs_ok)
		k = XC_CAPSTONE_INVALID;
	else if (zi->length != s->csi->size)
		k = XC_LENGTH;
	else if (zrow != crow)
		k = XC_SENSITIVITY;
	else
		return;

	bool sensitive = zrow >= 0 || crow >= 0;
	const struct allow *al = allow_find(&s->allow, k, zy, cs);
	if (sensitive)
		s->r->xc_on_sensitive++;
	if (al && !sensitive) {
		s->r->xc_allowed++;
		return;
	}
	s->r->xc_kind[k]++;
	s->r->xc_unexplained++;
	scan_report_disagreement(s->rep, k, addr, p, zi ? zi->length : 1,
				 zi ? zi->length : 0, cs_ok ? s->csi->size : 0, zy, cs, zrow, crow);
}

static void sweep_range(struct sweep *s, const struct image_range *rg)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint32_t off = 0;
	bool after_jump = false; /* previous instruction never falls through */

	s->r->bytes += rg->size;
	while (off < rg->size) {
		const uint8_t *p = rg->bytes + off;
		size_t left = rg->size - off;
		uint32_t addr = rg->addr + off;

		if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&s->dec, p, left, &zi, ops))) {
			s->r->undecodable++;
			if (s->o->cross_check)
				cross_check(s, p, left, addr, NULL, -1);
			off++;
			continue;
		}
		s->r->insns++;
		int row = sens_classify(&zi, ops);
		if (s->o->cross_check)
			cross_check(s, p, left, addr, &zi, row);
		/* int3 after an instruction that never falls through (ret,
		 * jmp, ud2, int3) is padding: alignment and straight-line
		 * speculation guards, never executed.  Counted apart. */
		if (row == SENS_int3 && after_jump) {
			s->r->padding++;
			row = -1;
		}
		after_jump = zi.meta.category == ZYDIS_CATEGORY_RET ||
			     zi.meta.category == ZYDIS_CATEGORY_UNCOND_BR ||
			     zi.mnemonic == ZYDIS_MNEMONIC_UD2 || zi.mnemonic == ZYDIS_MNEMONIC_INT3;
		if (row >= 0) {
			s->r->rows[row]++;
			s->r->classes[sens_rows[row].cls]++;
		}
		if (row >= 0 || s->o->all)
			scan_report_insn(s->rep, addr, p, zi.length, row);
		off += zi.length;
	}
}

int scan_image(const struct image *img, const struct scan_opts *o, struct scan_result *r,
	       char *err, size_t errlen)
{
	struct sweep s = {.img = img, .o = o, .r = r};
	int rc = 0;

	memset(r, 0, sizeof(*r));
	sens_decoder_init(&s.dec);
	if (o->allow_path && (rc = allow_load(&s.allow, o->allow_path, err, errlen)) < 0)
		return rc;
	if ((rc = cs_classify_open(&s.cs)) < 0) {
		snprintf(err, errlen, "capstone: cannot open a 32-bit x86 handle");
		goto out_allow;
	}
	s.csi = cs_malloc(s.cs);
	s.rep = scan_report_open(img, o, s.cs);
	if (!s.csi || !s.rep) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_cs;
	}
	scan_report_begin(s.rep);
	for (size_t i = 0; i < img->nranges; i++)
		sweep_range(&s, &img->ranges[i]);
	scan_report_end(s.rep, r);
out_cs:
	scan_report_close(s.rep);
	if (s.csi)
		cs_free(s.csi, 1);
	cs_close(&s.cs);
out_allow:
	free(s.allow.v);
	return rc;
}
