/*
 * kallsyms.c — symbols of a stripped Linux kernel, recovered from kallsyms.
 *
 * Owns: the heuristic search for the kallsyms tables in a kernel image, their
 * consistency checks, and the decoding of symbol names and addresses.
 *
 * Tables, as scripts/kallsyms.c emits them (each label 4-byte aligned on i386):
 *   kallsyms_offsets        u32[N], address - relative_base (BASE_RELATIVE;
 *                           without it kallsyms_addresses, absolute)
 *   kallsyms_relative_base  u32
 *   kallsyms_num_syms       u32 N
 *   kallsyms_names          N entries: a length (ULEB128, 1 or 2 bytes) and
 *                           that many token codes; the first character of the
 *                           expansion is the nm type letter ('T', 't', ...)
 *   kallsyms_markers        u32[(N + 255) / 256]: offset in kallsyms_names of
 *                           entry 256 * i
 *   kallsyms_seqs_of_names  u24[N] big-endian (added after 6.1; Debian's
 *                           6.1.y has it); absent in plain 6.1
 *   kallsyms_token_table    256 NUL-terminated strings: what each code means
 *   kallsyms_token_index    u16[256]: offset of each string in the token table
 * Later kernels put the offsets and relative_base (then seqs_of_names) after
 * kallsyms_token_index instead, and the newest make the offsets PC-relative.
 *
 * Search: every character used in symbol names is its own token, so the
 * token table holds "0\0" "1\0" ... "9\0" at codes '0'..'9'.  From such a hit
 * the tokens up to code 255 lead to kallsyms_token_index, which must describe
 * the table exactly.  Then kallsyms_num_syms is sought backwards: a u32 N such
 * that markers (and optionally seqs_of_names) end at the token table, the N
 * names decode to printable strings that agree with every marker and end
 * where the markers begin.  The addresses are tried in each known place and
 * encoding and accepted only if all lie inside the image and nearly all are
 * in ascending order.
 */
#include "monitor/kallsyms.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KS_NAME_MAX  512		/* KSYM_NAME_LEN: type letter and name, no NUL */
#define KS_TOKEN_MAX 128		/* longest token we believe in (6.1 x86: 7) */
#define KS_MAX_HITS  64			/* token table candidates examined per area */
#define KS_BUDGET    ((size_t)64 << 20) /* work units (~bytes) per area */

enum ks_mode {
	KS_REL_BEFORE,	/* kallsyms_offsets, relative_base before num_syms */
	KS_ABS_BEFORE,	/* kallsyms_addresses before num_syms */
	KS_REL_AFTER,	/* offsets, relative_base after token_index */
	KS_ABS_AFTER,	/* absolute u32 addresses after token_index */
	KS_PCREL_AFTER, /* PC-relative offsets after token_index */
	KS_NMODES
};

static const char *const mode_names[KS_NMODES] = {
    "relative-before", "absolute-before", "relative-after", "absolute-after", "pcrel-after"};

/* One searched area; offsets below are relative to b. */
struct ks_view {
	const uint8_t *b;
	size_t size;
	uint32_t addr;
	uint32_t lo, hi; /* symbol addresses must lie in [lo, hi] */
	size_t budget;	 /* work left: crafted input must not make us slow */
};

struct ks_tables {
	size_t token_table, token_index, names, markers, seqs, addrs;
	uint32_t n; /* kallsyms_num_syms */
	bool have_seqs;
	enum ks_mode mode;
	uint32_t base;
	uint16_t idx[256];
	uint8_t toklen[256];
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Charges UNITS of work; false (and nothing left) once the budget is spent. */
static bool spend(struct ks_view *v, size_t units)
{
	if (v->budget < units) {
		v->budget = 0;
		return false;
	}
	v->budget -= units;
	return true;
}

/* Bytes from OFF to the next 4-byte aligned guest-virtual address. */
static size_t pad4(const struct ks_view *v, size_t off)
{
	return (size_t)(-(v->addr + (uint32_t)off) & 3u);
}

/* Length of the NUL-terminated token at OFF, or -1 if it is too long or runs
 * off the end of the area. */
static int token_len(const struct ks_view *v, size_t off)
{
	size_t room = v->size - off;
	const uint8_t *z;

	z = memchr(v->b + off, 0, room < KS_TOKEN_MAX + 1 ? room : KS_TOKEN_MAX + 1);
	return z ? (int)(z - (v->b + off)) : -1;
}

/* H is the offset of a "0\01\0...9\0" hit: checks that it is the token
 * table's entry for '0' and fills the token fields of T. */
static bool parse_tokens(const struct ks_view *v, size_t h, struct ks_tables *t)
{
	size_t p = h, ti;
	int i, l;

	for (i = '0'; i < 256; i++) {
		l = token_len(v, p);
		if (l < 0)
			return false;
		p += (size_t)l + 1;
	}
	ti = p + pad4(v, p);
	if (ti > v->size || v->size - ti < 512)
		return false;
	for (i = 0; i < 256; i++)
		t->idx[i] = get16(v->b + ti + 2 * i);
	if (t->idx[0] != 0 || t->idx['0'] > h)
		return false;
	t->token_table = h - t->idx['0'];
	t->token_index = ti;
	if (pad4(v, t->token_table))
		return false;
	/* The index must list the tokens back to back, exactly. */
	p = t->token_table;
	for (i = 0; i < 256; i++) {
		if (p != t->token_table + t->idx[i])
			return false;
		l = token_len(v, p);
		if (l < 0)
			return false;
		t->toklen[i] = (uint8_t)l;
		p += (size_t)l + 1;
	}
	if (p + pad4(v, p) != ti)
		return false;
	/* Characters that occur in names stand for themselves. */
	for (i = 0; i < 256; i++) {
		bool self = (i >= '0' && i <= '9') || (i >= 'a' && i <= 'z') || i == '_';

		if (self && (t->toklen[i] != 1 || v->b[t->token_table + t->idx[i]] != i))
			return false;
	}
	return true;
}

/* Decodes the name entry at *OFF (which must end by END) into NAME
 * (KS_NAME_MAX + 1 bytes): type letter, then a printable name. */
static bool decode_one(const struct ks_view *v, const struct ks_tables *t, size_t *off, size_t end,
		       char *name)
{
	size_t p = *off, len, n = 0, k;
	unsigned c;

	if (p >= end)
		return false;
	len = v->b[p++];
	if (len & 0x80) {
		if (p >= end || (v->b[p] & 0x80))
			return false;
		len = (len & 0x7f) | (size_t)v->b[p++] << 7;
	}
	if (len == 0 || len > end - p)
		return false;
	for (k = 0; k < len; k++) {
		c = v->b[p + k];
		if (n + t->toklen[c] > KS_NAME_MAX)
			return false;
		memcpy(name + n, v->b + t->token_table + t->idx[c], t->toklen[c]);
		n += t->toklen[c];
	}
	name[n] = '\0';
	*off = p + len;
	c = (unsigned char)name[0] | 0x20;
	if (n < 2 || c < 'a' || c > 'z')
		return false;
	for (k = 1; k < n; k++)
		if ((unsigned char)name[k] <= ' ' || (unsigned char)name[k] >= 0x7f)
			return false;
	return true;
}

/* All N names decode, every marker points at its entry, and the names end
 * (up to alignment) where the markers begin. */
static bool names_ok(struct ks_view *v, const struct ks_tables *t)
{
	char name[KS_NAME_MAX + 1];
	size_t off = t->names;
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		if (!(i & 255) && get32(v->b + t->markers + 4 * (size_t)(i >> 8)) != off - t->names)
			return false;
		if (!decode_one(v, t, &off, t->markers, name) || !spend(v, strlen(name)))
			return false;
	}
	return off + pad4(v, off) == t->markers;
}

/* kallsyms_seqs_of_names holds indices below N. */
static bool seqs_ok(struct ks_view *v, const struct ks_tables *t)
{
	const uint8_t *s = v->b + t->seqs;
	uint32_t i;

	if (!spend(v, t->n))
		return false;
	for (i = 0; i < t->n; i++, s += 3)
		if (((uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2]) >= t->n)
			return false;
	return true;
}

/* Address of symbol I under T's mode; false if outside [lo, hi]. */
static bool addr_of(const struct ks_view *v, const struct ks_tables *t, uint32_t i, uint32_t *out)
{
	size_t at = t->addrs + 4 * (size_t)i;
	uint32_t x = get32(v->b + at);
	int64_t a;

	switch (t->mode) {
	case KS_REL_BEFORE:
	case KS_REL_AFTER:
		a = (int64_t)t->base + x;
		break;
	case KS_PCREL_AFTER:
		a = (int64_t)v->addr + (int64_t)at + (int32_t)x;
		break;
	default:
		a = x;
	}
	if (a < v->lo || a > v->hi)
		return false;
	*out = (uint32_t)a;
	return true;
}

/* Every address inside the image, and sorted (a few exceptions allowed). */
static bool addresses_ok(struct ks_view *v, const struct ks_tables *t)
{
	uint32_t i, a, prev = 0, down = 0;

	if (!spend(v, t->n))
		return false;
	for (i = 0; i < t->n; i++) {
		if (!addr_of(v, t, i, &a))
			return false;
		if (i && a < prev)
			down++;
		prev = a;
	}
	return down <= t->n / 64;
}

/* Tries each place and encoding of the addresses; sets T's mode. */
static bool choose_mode(struct ks_view *v, struct ks_tables *t)
{
	size_t num = t->names - 4, after = t->token_index + 512;
	uint64_t bytes = (uint64_t)4 * t->n, need;
	int m;

	for (m = 0; m < KS_NMODES; m++) {
		bool before = m == KS_REL_BEFORE || m == KS_ABS_BEFORE;
		bool rel = m == KS_REL_BEFORE || m == KS_REL_AFTER;

		need = bytes + (rel ? 4 : 0);
		if (before) {
			if (need > num)
				continue;
			t->addrs = num - (size_t)need;
		} else {
			/* After the index come the seqs, not before the tokens. */
			if (t->have_seqs || need > v->size - after)
				continue;
			t->addrs = after;
		}
		t->mode = (enum ks_mode)m;
		t->base = rel ? get32(v->b + t->addrs + (size_t)bytes) : 0;
		if (addresses_ok(v, t))
			return true;
	}
	return false;
}

/* Looks backwards from the token table for kallsyms_num_syms. */
static bool find_names(struct ks_view *v, struct ks_tables *t)
{
	size_t tt = t->token_table, p = tt, end, m, k;
	uint32_t n;
	int s;

	while (p >= 4 && spend(v, 1)) {
		p -= 4;
		n = get32(v->b + p);
		if (n == 0 || n > (tt - p) / 2)
			continue;
		k = ((size_t)n + 255) / 256;
		for (s = 0; s < 2; s++) {
			end = tt;
			if (s) {
				if ((uint64_t)3 * n + 4 > tt)
					continue;
				end = tt - 3 * (size_t)n;
				end -= (v->addr + (uint32_t)end) & 3u;
			}
			if (4 * k > end)
				continue;
			m = end - 4 * k;
			if (m < p + 4 || m - (p + 4) < 2 * (size_t)n)
				continue;
			if (get32(v->b + m) != 0 || get32(v->b + m + 4 * (k - 1)) >= m - (p + 4))
				continue;
			t->n = n;
			t->names = p + 4;
			t->markers = m;
			t->seqs = end;
			t->have_seqs = s;
			if (s && !seqs_ok(v, t))
				continue;
			if (names_ok(v, t) && choose_mode(v, t))
				return true;
		}
	}
	return false;
}

/* Decodes the tables again into a symbol array of the text symbols.
 * Returns 1, 0 if something no longer checks out, or -ENOMEM. */
static int build(const struct ks_view *v, const struct ks_tables *t, struct image_symbol **out,
		 size_t *nout)
{
	struct image_symbol *syms = NULL, *ns;
	size_t n = 0, cap = 0, off = t->names;
	char name[KS_NAME_MAX + 1];
	uint32_t i, a;
	int ret = 1;

	for (i = 0; i < t->n; i++) {
		if (!decode_one(v, t, &off, t->markers, name) || !addr_of(v, t, i, &a)) {
			ret = 0;
			goto fail;
		}
		if (name[0] != 'T' && name[0] != 't' && name[0] != 'W' && name[0] != 'w')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			ns = realloc(syms, cap * sizeof(*ns));
			if (!ns)
				goto nomem;
			syms = ns;
		}
		syms[n].name = strdup(name + 1);
		if (!syms[n].name)
			goto nomem;
		syms[n].addr = a;
		syms[n].size = 0;
		n++;
	}
	*out = syms;
	*nout = n;
	return 1;
nomem:
	ret = -ENOMEM;
fail:
	while (n)
		free(syms[--n].name);
	free(syms);
	return ret;
}

int kallsyms_find(const struct kallsyms_area *area, uint32_t lo, uint32_t hi,
		  struct image_symbol **syms, size_t *nsyms, struct kallsyms_info *info)
{
	static const uint8_t digits[] = {'0', 0, '1', 0, '2', 0, '3', 0, '4', 0,
					 '5', 0, '6', 0, '7', 0, '8', 0, '9', 0};
	struct ks_view v = {area->bytes, area->size, area->addr, lo, hi, KS_BUDGET};
	struct ks_tables t;
	const uint8_t *hit;
	size_t from = 0;
	bool found = false;
	int hits, ret;

	*syms = NULL;
	*nsyms = 0;
	if (!v.b)
		return 0;
	for (hits = 0; hits < KS_MAX_HITS && !found && from < v.size && v.budget; hits++) {
		hit = memmem(v.b + from, v.size - from, digits, sizeof(digits));
		if (!hit)
			break;
		from = (size_t)(hit - v.b) + 1;
		memset(&t, 0, sizeof(t));
		found = parse_tokens(&v, from - 1, &t) && find_names(&v, &t);
	}
	if (!found)
		return 0;
	ret = build(&v, &t, syms, nsyms);
	if (ret <= 0 || !info)
		return ret;
	info->num_syms = t.n;
	info->nkept = (uint32_t)*nsyms;
	info->token_table = v.addr + (uint32_t)t.token_table;
	info->names = v.addr + (uint32_t)t.names;
	info->markers = v.addr + (uint32_t)t.markers;
	info->addresses = v.addr + (uint32_t)t.addrs;
	info->relative_base = t.base;
	info->seqs_of_names = t.have_seqs;
	info->layout = mode_names[t.mode];
	return 1;
}

/* The areas to search: allocated data sections (.rodata first) or, without
 * section headers, PT_LOAD segments; and the image's address span. */
static int collect_areas(Elf *e, const uint8_t *d, size_t len, struct kallsyms_area **out,
			 size_t *nout, uint64_t *lo, uint64_t *hi)
{
	struct kallsyms_area *a = NULL, tmp;
	size_t n = 0, shnum, phnum, shstrndx, i;
	Elf_Scn *scn = NULL;
	Elf32_Shdr *sh;
	Elf32_Phdr *ph;
	const char *name;

	*lo = UINT64_MAX;
	*hi = 0;
	if (elf_getshdrnum(e, &shnum) || elf_getphdrnum(e, &phnum) ||
	    elf_getshdrstrndx(e, &shstrndx))
		shnum = phnum = 0;
	a = calloc(shnum + phnum + 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	while (shnum && (scn = elf_nextscn(e, scn)) != NULL) {
		sh = elf32_getshdr(scn);
		if (!sh || !(sh->sh_flags & SHF_ALLOC) || sh->sh_size == 0)
			continue;
		*lo = *lo < sh->sh_addr ? *lo : sh->sh_addr;
		*hi = *hi > (uint64_t)sh->sh_addr + sh->sh_size
			  ? *hi
			  : (uint64_t)sh->sh_addr + sh->sh_size;
		if (sh->sh_type != SHT_PROGBITS || (sh->sh_flags & SHF_EXECINSTR) ||
		    sh->sh_offset > len || sh->sh_size > len - sh->sh_offset ||
		    (uint64_t)sh->sh_addr + sh->sh_size > ((uint64_t)1 << 32))
			continue;
		a[n] = (struct kallsyms_area){d + sh->sh_offset, sh->sh_addr, sh->sh_size};
		name = elf_strptr(e, shstrndx, sh->sh_name);
		if (name && !strcmp(name, ".rodata")) {
			tmp = a[0];
			a[0] = a[n];
			a[n] = tmp;
		}
		n++;
	}
	ph = shnum == 0 && phnum ? elf32_getphdr(e) : NULL;
	for (i = 0; ph && i < phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		*lo = *lo < ph[i].p_vaddr ? *lo : ph[i].p_vaddr;
		*hi = *hi > (uint64_t)ph[i].p_vaddr + ph[i].p_memsz
			  ? *hi
			  : (uint64_t)ph[i].p_vaddr + ph[i].p_memsz;
		if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset ||
		    (uint64_t)ph[i].p_vaddr + ph[i].p_filesz > ((uint64_t)1 << 32))
			continue;
		a[n++] = (struct kallsyms_area){d + ph[i].p_offset, ph[i].p_vaddr, ph[i].p_filesz};
	}
	*out = a;
	*nout = n;
	return 0;
}

int kallsyms_load_elf(struct image *img, Elf *e, const uint8_t *d, size_t len,
		      struct kallsyms_info *info)
{
	struct kallsyms_area *areas;
	struct image_symbol *syms = NULL;
	size_t n, i, nsyms = 0;
	uint64_t lo, hi;
	int ret;

	ret = collect_areas(e, d, len, &areas, &n, &lo, &hi);
	if (ret)
		return ret;
	if (hi > 0xffffffffu)
		hi = 0xffffffffu;
	for (i = 0, ret = 0; i < n && lo <= hi && ret == 0; i++)
		ret = kallsyms_find(&areas[i], (uint32_t)lo, (uint32_t)hi, &syms, &nsyms, info);
	free(areas);
	if (ret <= 0)
		return ret;
	ret = image_add_symbols(img, syms, nsyms);
	if (ret) {
		for (i = 0; i < nsyms; i++)
			free(syms[i].name);
	}
	free(syms);
	return ret ? ret : (int)nsyms;
}
