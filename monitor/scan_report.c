/*
 * scan_report.c — text and JSON reports for `ringvm scan` (see scan_report.h).
 *
 * Owns: every byte `ringvm scan` prints.  The two formats are two const ops
 * tables; the sweep calls through scan_report_*() and never formats itself.
 */
#include "monitor/scan_report.h"

#include <stdlib.h>
#include <string.h>

struct report_ops {
	void (*begin)(struct scan_report *rep);
	void (*insn)(struct scan_report *rep, uint32_t addr, const char *sym, const char *bytes,
		     const char *dis, int row);
	void (*disagreement)(struct scan_report *rep, enum xc_kind k, uint32_t addr,
			     const char *bytes, unsigned zlen, unsigned clen, const char *zy,
			     const char *cs, int zrow, int crow);
	void (*end)(struct scan_report *rep, const struct scan_result *r);
};

struct scan_report {
	const struct report_ops *ops;
	const struct image *img;
	const struct scan_opts *o;
	FILE *out;
	csh cs;
	cs_insn *csi;
	unsigned nfindings; /* JSON: entries written, for commas */
};

static const char *kind_name(enum image_kind k)
{
	return k == IMAGE_BZIMAGE ? "bzImage" : k == IMAGE_ELF ? "ELF" : "raw";
}

static void fmt_bytes(char *buf, size_t n, const uint8_t *p, unsigned len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < len && o + 4 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, i ? " %02x" : "%02x", p[i]);
}

static void fmt_symbol(char *buf, size_t n, const struct image *img, uint32_t addr)
{
	const struct image_symbol *s = image_symbol_at(img, addr);
	if (!s)
		snprintf(buf, n, "-");
	else if (addr == s->addr)
		snprintf(buf, n, "%s", s->name);
	else
		snprintf(buf, n, "%s+0x%x", s->name, addr - s->addr);
}

static void fmt_disasm(struct scan_report *rep, char *buf, size_t n, uint32_t addr,
		       const uint8_t *p, unsigned len)
{
	const uint8_t *code = p;
	size_t size = len;
	uint64_t a = addr;

	if (rep->csi && cs_disasm_iter(rep->cs, &code, &size, &a, rep->csi))
		snprintf(buf, n, "%s%s%s", rep->csi->mnemonic, rep->csi->op_str[0] ? " " : "",
			 rep->csi->op_str);
	else
		snprintf(buf, n, "(capstone: no decode)");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- text ----------------------------------------------------------------- */

static void text_begin(struct scan_report *rep)
{
	const struct image *img = rep->img;
	FILE *f = rep->out;

	fprintf(f, "ringvm scan of %s\n", rep->o->path);
	if (img->kind == IMAGE_BZIMAGE)
		fprintf(f, "  image: bzImage, boot protocol %u.%02u, %s payload (%zu -> %zu bytes)\n",
			img->boot_protocol >> 8, img->boot_protocol & 0xff, img->compression,
			img->file_len, img->payload_len);
	else if (img->kind == IMAGE_ELF)
		fprintf(f, "  image: i386 ELF, entry 0x%08x\n", img->entry);
	else
		fprintf(f, "  image: raw binary at 0x%08x\n", img->ranges[0].addr);
	if (img->version[0])
		fprintf(f, "  kernel: %s\n", img->version);
	fprintf(f, "  symbols: %zu\n  method: linear sweep of %zu executable range%s:", img->nsyms,
		img->nranges, img->nranges == 1 ? "" : "s");
	for (size_t i = 0; i < img->nranges; i++)
		fprintf(f, " %s", img->ranges[i].name);
	fprintf(f, "\n          (no control-flow analysis: data inside code sections is decoded"
		   " as instructions too)\n");
	if (!rep->o->summary)
		fprintf(f, "\n%-8s  %-36s  %-23s  %-34s %-7s %-8s %s\n", "address",
			"symbol+offset", "bytes", "disassembly (capstone)", "class", "how",
			"row");
}

static void text_insn(struct scan_report *rep, uint32_t addr, const char *sym, const char *bytes,
		      const char *dis, int row)
{
	const struct sens_row *r = row >= 0 ? &sens_rows[row] : NULL;
	fprintf(rep->out, "%08x  %-36.36s  %-23s  %-34s %-7s %-8s %s\n", addr, sym, bytes, dis,
		r ? sens_class_name(r->cls) : "-", r ? sens_how_name(r->how) : "copy",
		r ? r->name : "-");
}

static void text_disagreement(struct scan_report *rep, enum xc_kind k, uint32_t addr,
			      const char *bytes, unsigned zlen, unsigned clen, const char *zy,
			      const char *cs, int zrow, int crow)
{
	fprintf(rep->out, "xcheck %08x  %-23s  %-16s zydis %s/%u (%s)  capstone %s/%u (%s)\n",
		addr, bytes, scan_xc_name(k), zy, zlen, zrow >= 0 ? sens_rows[zrow].name : "-", cs,
		clen, crow >= 0 ? sens_rows[crow].name : "-");
}

static int cmp_row_count(const void *a, const void *b, void *arg)
{
	const uint64_t *n = arg;
	int x = *(const int *)a, y = *(const int *)b;
	if (n[x] != n[y])
		return n[x] < n[y] ? 1 : -1;
	return x - y;
}

/* Row indices with a nonzero count, most frequent first. */
static int sorted_rows(const struct scan_result *r, int *idx)
{
	int n = 0;
	for (int i = 0; i < SENS_NROWS; i++)
		if (r->rows[i])
			idx[n++] = i;
	qsort_r(idx, (size_t)n, sizeof(*idx), cmp_row_count, (void *)r->rows);
	return n;
}

static void text_end(struct scan_report *rep, const struct scan_result *r)
{
	FILE *f = rep->out;
	int idx[SENS_NROWS], n = sorted_rows(r, idx);

	fprintf(f, "\nsummary: %llu instructions in %llu bytes, %llu undecodable bytes skipped\n"
		   "         %llu int3 after ret/jmp/ud2/int3 counted as padding, not as int3\n",
		(unsigned long long)r->insns, (unsigned long long)r->bytes,
		(unsigned long long)r->undecodable, (unsigned long long)r->padding);
	fprintf(f, "by class:\n");
	for (int c = 0; c < SC_COUNT; c++)
		fprintf(f, "  %-7s %9llu  %s\n", sens_class_name(c),
			(unsigned long long)r->classes[c], sens_class_help(c));
	fprintf(f, "by instruction:\n");
	for (int i = 0; i < n; i++) {
		const struct sens_row *s = &sens_rows[idx[i]];
		fprintf(f, "  %-13s %9llu  %-7s %s\n", s->name, (unsigned long long)r->rows[idx[i]],
			sens_class_name(s->cls), sens_how_name(s->how));
	}
	if (!rep->o->cross_check)
		return;
	fprintf(f, "cross-check (Zydis vs Capstone at every Zydis instruction boundary):\n"
		   "  %llu explained by the allowlist, %llu unexplained (length %llu, "
		   "sensitivity %llu, zydis-invalid %llu, capstone-invalid %llu), "
		   "%llu on sensitive instructions\n",
		(unsigned long long)r->xc_allowed, (unsigned long long)r->xc_unexplained,
		(unsigned long long)r->xc_kind[XC_LENGTH],
		(unsigned long long)r->xc_kind[XC_SENSITIVITY],
		(unsigned long long)r->xc_kind[XC_ZYDIS_INVALID],
		(unsigned long long)r->xc_kind[XC_CAPSTONE_INVALID],
		(unsigned long long)r->xc_on_sensitive);
}

static const struct report_ops text_ops = {
	.begin = text_begin,
	.insn = text_insn,
	.disagreement = text_disagreement,
	.end = text_end,
};

/* ---- JSON ----------------------------------------------------------------- */

static void json_begin(struct scan_report *rep)
{
	const struct image *img = rep->img;
	FILE *f = rep->out;

	fprintf(f, "{\"file\":");
	json_str(f, rep->o->path);
	fprintf(f, ",\"image\":{\"kind\":\"%s\"", kind_name(img->kind));
	if (img->kind == IMAGE_BZIMAGE) {
		fprintf(f, ",\"boot_protocol\":\"%u.%02u\",\"compression\":",
			img->boot_protocol >> 8, img->boot_protocol & 0xff);
		json_str(f, img->compression);
		fprintf(f, ",\"version\":");
		json_str(f, img->version);
	}
	fprintf(f, ",\"symbols\":%zu,\"ranges\":[", img->nsyms);
	for (size_t i = 0; i < img->nranges; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, img->ranges[i].name);
		fprintf(f, ",\"addr\":%u,\"size\":%u}", img->ranges[i].addr, img->ranges[i].size);
	}
	fprintf(f, "]},\"method\":\"linear-sweep\",\"findings\":[");
}

static void json_sep(struct scan_report *rep)
{
	fputs(rep->nfindings++ ? ",\n" : "\n", rep->out);
}

static void json_insn(struct scan_report *rep, uint32_t addr, const char *sym, const char *bytes,
		      const char *dis, int row)
{
	const struct sens_row *r = row >= 0 ? &sens_rows[row] : NULL;
	FILE *f = rep->out;

	json_sep(rep);
	fprintf(f, "{\"type\":\"insn\",\"addr\":%u,\"symbol\":", addr);
	json_str(f, sym);
	fprintf(f, ",\"bytes\":\"%s\",\"disasm\":", bytes);
	json_str(f, dis);
	fprintf(f, ",\"row\":\"%s\",\"class\":\"%s\",\"translation\":\"%s\"}",
		r ? r->name : "", r ? sens_class_name(r->cls) : "", r ? sens_how_name(r->how) : "copy");
}

static void json_disagreement(struct scan_report *rep, enum xc_kind k, uint32_t addr,
			      const char *bytes, unsigned zlen, unsigned clen, const char *zy,
			      const char *cs, int zrow, int crow)
{
	FILE *f = rep->out;
	json_sep(rep);
	fprintf(f,
		"{\"type\":\"disagreement\",\"kind\":\"%s\",\"addr\":%u,\"bytes\":\"%s\","
		"\"zydis\":{\"mnemonic\":\"%s\",\"length\":%u,\"row\":\"%s\"},"
		"\"capstone\":{\"mnemonic\":\"%s\",\"length\":%u,\"row\":\"%s\"}}",
		scan_xc_name(k), addr, bytes, zy, zlen, zrow >= 0 ? sens_rows[zrow].name : "", cs,
		clen, crow >= 0 ? sens_rows[crow].name : "");
}

static void json_end(struct scan_report *rep, const struct scan_result *r)
{
	FILE *f = rep->out;

	fprintf(f, "\n],\"summary\":{\"instructions\":%llu,\"bytes\":%llu,\"undecodable\":%llu,"
		   "\"int3_padding\":%llu,\"classes\":{",
		(unsigned long long)r->insns, (unsigned long long)r->bytes,
		(unsigned long long)r->undecodable, (unsigned long long)r->padding);
	for (int c = 0; c < SC_COUNT; c++)
		fprintf(f, "%s\"%s\":%llu", c ? "," : "", sens_class_name(c),
			(unsigned long long)r->classes[c]);
	fprintf(f, "},\"rows\":{");
	for (int i = 0, n = 0; i < SENS_NROWS; i++)
		if (r->rows[i])
			fprintf(f, "%s\"%s\":%llu", n++ ? "," : "", sens_rows[i].name,
				(unsigned long long)r->rows[i]);
	fprintf(f, "}");
	if (rep->o->cross_check) {
		fprintf(f, ",\"cross_check\":{\"allowed\":%llu,\"unexplained\":%llu",
			(unsigned long long)r->xc_allowed, (unsigned long long)r->xc_unexplained);
		for (int k = 0; k < XC_COUNT; k++)
			fprintf(f, ",\"%s\":%llu", scan_xc_name(k),
				(unsigned long long)r->xc_kind[k]);
		fprintf(f, ",\"on_sensitive\":%llu}", (unsigned long long)r->xc_on_sensitive);
	}
	fprintf(f, "}}\n");
}

static const struct report_ops json_ops = {
	.begin = json_begin,
	.insn = json_insn,
	.disagreement = json_disagreement,
	.end = json_end,
};

/* ---- entry points ----------------------------------------------------------- */

struct scan_report *scan_report_open(const struct image *img, const struct scan_opts *o, csh cs)
{
	struct scan_report *rep = calloc(1, sizeof(*rep));
	if (!rep)
		return NULL;
	rep->ops = o->json ? &json_ops : &text_ops;
	rep->img = img;
	rep->o = o;
	rep->out = o->out;
	rep->cs = cs;
	rep->csi = cs_malloc(cs);
	return rep;
}

void scan_report_begin(struct scan_report *rep)
{
	rep->ops->begin(rep);
}

void scan_report_insn(struct scan_report *rep, uint32_t addr, const uint8_t *p, unsigned len,
		      int row)
{
	char sym[128], bytes[64], dis[200];

	if (rep->o->summary)
		return;
	fmt_symbol(sym, sizeof(sym), rep->img, addr);
	fmt_bytes(bytes, sizeof(bytes), p, len);
	fmt_disasm(rep, dis, sizeof(dis), addr, p, len);
	rep->ops->insn(rep, addr, sym, bytes, dis, row);
}

void scan_report_disagreement(struct scan_report *rep, enum xc_kind k, uint32_t addr,
			      const uint8_t *p, unsigned nbytes, unsigned zlen, unsigned clen,
			      const char *zy, const char *cs, int zrow, int crow)
{
	char bytes[64];
	unsigned n = zlen > clen ? zlen : clen;

	fmt_bytes(bytes, sizeof(bytes), p, n ? n : nbytes);
	rep->ops->disagreement(rep, k, addr, bytes, zlen, clen, zy, cs, zrow, crow);
}

void scan_report_end(struct scan_report *rep, const struct scan_result *r)
{
	rep->ops->end(rep, r);
}

void scan_report_close(struct scan_report *rep)
{
	if (!rep)
		return;
	if (rep->csi)
		cs_free(rep->csi, 1);
	free(rep);
}
