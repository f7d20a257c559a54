/*
 * check_image_kallsyms.c — unit tests for monitor/kallsyms.c, and the tests
 * of monitor/image.c on the real Debian 686 kernel.
 *
 * Owns: synthetic kallsyms tables built in C at test time in each layout
 * Linux emits (base-relative offsets before kallsyms_num_syms as in 6.1, the
 * same with kallsyms_seqs_of_names as in Debian's 6.1.y, offsets after
 * kallsyms_token_index as in later kernels, absolute addresses), wrapped in
 * a stripped i386 ELF; corrupted and fuzzed variants that must yield no symbols rather
 * than garbage; and the real kernel named by RINGVM_KERNEL / RINGVM_SYSMAP
 * (set by scripts/test; the tests fail when they are missing).
 */
#include "monitor/image.h"
#include "monitor/kallsyms.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KTEXT_ADDR  0xc1000000u
#define KTEXT_SIZE  0x10000u
#define KRO_ADDR    0xc1010000u
#define KRO_MAX	    0x8000u
#define NSYMS	    700u
#define NKEPT	    (NSYMS - NSYMS / 5) /* every fifth symbol is a 'D' */
#define LONG_LEN    200u
#define KELF_NOSHDR 1u /* PT_LOAD segments only */

enum layout { L_REL, L_REL_SEQS, L_REL_AFTER, L_ABS, L_COUNT };
static const char *const layout_names[L_COUNT] = {"relative-before", "relative-before",
						  "relative-after", "absolute-before"};

/* A .rodata holding kallsyms tables, and where each table is. */
struct kro {
	uint8_t b[KRO_MAX];
	size_t len, num_syms, names, markers, token_table, token_index, addrs;
};

static char tmpdir[] = "/tmp/check_image_kallsyms.XXXXXX";
static char err[512];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* LONG_LEN 'y's: with one code per character, a name whose length needs
 * two ULEB128 bytes. */
static const char *long_tail(void)
{
	static char tail[LONG_LEN + 1];

	memset(tail, 'y', LONG_LEN);
	return tail;
}

/* Type letter and name of synthetic symbol I. */
static void sym_name(unsigned i, char *out)
{
	if (i == 0)
		strcpy(out, "Tstartup_32");
	else if (i == 1)
		strcpy(out, "tabcdefghijklmnopqrstuvwxyz_0123456789.ABCXYZ$");
	else if (i == 2)
		sprintf(out, "wlong_%s", long_tail());
	else
		sprintf(out, "%cks_fn_%03u", "TtWwD"[i % 5], i);
}

static uint32_t sym_addr(unsigned i)
{
	return KTEXT_ADDR + 0x40 * i;
}

/* Token I: printable characters stand for themselves, a few codes expand
 * to common substrings, 0x06 to a control character, 0xff to nothing. */
static void token(unsigned i, char *out)
{
	static const char *const multi[] = {"", "ks_", "fn_", "Tks_", "long_", "_0", "\t"};

	if (i >= 0x21 && i <= 0x7e)
		sprintf(out, "%c", i);
	else if (i >= 1 && i <= 6)
		strcpy(out, multi[i]);
	else if (i == 0xff)
		out[0] = '\0';
	else
		sprintf(out, "%c%c", 'a' + i % 26, 'a' + (i / 26) % 26);
}

/* Greedy compression of S with the tokens above. */
static size_t compress_name(const char *s, uint8_t *out)
{
	static const unsigned codes[] = {3, 1, 2, 4, 5};
	char tok[8];
	size_t n = 0, k, l;

	while (*s) {
		for (k = 0; k < 5; k++) {
			token(codes[k], tok);
			l = strlen(tok);
			if (!strncmp(s, tok, l))
				break;
		}
		out[n++] = (uint8_t)(k < 5 ? codes[k] : (unsigned char)*s);
		s += k < 5 ? l : 1;
	}
	return n;
}

static size_t align4(size_t off)
{
	return (off + 3) & ~(size_t)3;
}

/* Writes the offsets (or addresses) table at *OFF. */
static void put_addrs(struct kro *r, size_t *off, bool rel)
{
	unsigned i;

	r->addrs = *off;
	for (i = 0; i < NSYMS; i++, *off += 4)
		put32(r->b + *off, sym_addr(i) - (rel ? KTEXT_ADDR : 0));
	if (rel) {
		put32(r->b + *off, KTEXT_ADDR);
		*off += 4;
	}
}

static void build_kro(struct kro *r, enum layout l)
{
	uint32_t markers[(NSYMS + 255) / 256];
	uint16_t idx[256];
	char name[512], tok[8];
	uint8_t code[512];
	size_t off, n;
	unsigned i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 128; i++) /* decoy: a u16 table also holds "0\01\0..." */
		put16(r->b + 0x10 + 2 * i, (uint16_t)i);
	off = 0x200;
	if (l != L_REL_AFTER)
		put_addrs(r, &off, l != L_ABS);
	r->num_syms = off;
	put32(r->b + off, NSYMS);
	r->names = off += 4;
	for (i = 0; i < NSYMS; i++) {
		if (!(i & 255))
			markers[i >> 8] = (uint32_t)(off - r->names);
		sym_name(i, name);
		n = compress_name(name, code);
		if (n > 0x7f) /* ULEB128, as 6.1 writes "big" symbols */
			r->b[off++] = (uint8_t)(0x80 | (n & 0x7f));
		r->b[off++] = (uint8_t)(n > 0x7f ? n >> 7 : n);
		memcpy(r->b + off, code, n);
		off += n;
	}
	r->markers = off = align4(off);
	for (i = 0; i < (NSYMS + 255) / 256; i++, off += 4)
		put32(r->b + off, markers[i]);
	for (i = 0; l == L_REL_SEQS && i < NSYMS; i++, off += 3) {
		r->b[off + 1] = (uint8_t)((NSYMS - 1 - i) >> 8);
		r->b[off + 2] = (uint8_t)(NSYMS - 1 - i);
	}
	r->token_table = off = align4(off);
	for (i = 0; i < 256; i++) {
		token(i, tok);
		idx[i] = (uint16_t)(off - r->token_table);
		memcpy(r->b + off, tok, strlen(tok) + 1);
		off += strlen(tok) + 1;
	}
	r->token_index = off = align4(off);
	for (i = 0; i < 256; i++, off += 2)
		put16(r->b + off, idx[i]);
	if (l == L_REL_AFTER)
		put_addrs(r, &off, true);
	memset(r->b + off, 0xee, 64);
	r->len = off + 64;
	ck_assert_uint_lt(r->len, KRO_MAX);
}

/* A stripped i386 ELF: .text (nops) and .rodata R; returns malloc'd file. */
static uint8_t *build_kelf(const struct kro *r, unsigned flags, size_t *len)
{
	static const char shstr[] = "\0.text\0.rodata\0.shstrtab";
	size_t text = 0x1000, ro = text + KTEXT_SIZE, shs = ro + r->len, sh = align4(shs + 32);
	Elf32_Ehdr eh = {0};
	Elf32_Phdr ph[2];
	Elf32_Shdr s[4] = {
	    {0},
	    {1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, KTEXT_ADDR, text, KTEXT_SIZE, 0, 0, 16, 0},
	    {7, SHT_PROGBITS, SHF_ALLOC, KRO_ADDR, ro, r->len, 0, 0, 4096, 0},
	    {15, SHT_STRTAB, 0, 0, shs, sizeof(shstr), 0, 0, 1, 0}};
	uint8_t *d;

	*len = sh + sizeof(s);
	d = calloc(1, *len);
	ck_assert_ptr_nonnull(d);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = KTEXT_ADDR;
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_shentsize = sizeof(Elf32_Shdr);
	if (flags & KELF_NOSHDR) {
		eh.e_phoff = sizeof(eh);
		eh.e_phnum = 2;
		ph[0] =
		    (Elf32_Phdr){PT_LOAD, text, KTEXT_ADDR, KTEXT_ADDR, 0, 0, PF_R | PF_X, 4096};
		ph[0].p_filesz = ph[0].p_memsz = KTEXT_SIZE;
		ph[1] = (Elf32_Phdr){PT_LOAD, ro, KRO_ADDR, KRO_ADDR, r->len, r->len, PF_R, 4096};
		memcpy(d + sizeof(eh), ph, sizeof(ph));
	} else {
		eh.e_shoff = sh;
		eh.e_shnum = 4;
		eh.e_shstrndx = 3;
		memcpy(d + sh, s, sizeof(s));
	}
	memcpy(d, &eh, sizeof(eh));
	memset(d + text, 0x90, KTEXT_SIZE);
	memcpy(d + ro, r->b, r->len);
	memcpy(d + shs, shstr, sizeof(shstr));
	return d;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Runs kallsyms_find on an exactly sized copy of the first LEN bytes of R
 * (so that the sanitizers see any overread); returns its result. */
static int find_in(const struct kro *r, size_t len, struct image_symbol **syms, size_t *n,
		   struct kallsyms_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct kallsyms_area a = {copy, KRO_ADDR, (uint32_t)len};
	int ret;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, r->b, len);
	ret = kallsyms_find(&a, KTEXT_ADDR, KRO_ADDR + KRO_MAX, syms, n, info);
	free(copy);
	return ret;
}

static void free_syms(struct image_symbol *syms, size_t n)
{
	while (n)
		free(syms[--n].name);
	free(syms);
}

/* Loads the ELF around R and checks the symbols kallsyms gave it. */
static void check_loaded(const struct kro *r, unsigned flags)
{
	char want[LONG_LEN + 8];
	struct image img;
	uint8_t *d;
	size_t len, i;

	d = build_kelf(r, flags, &len);
	ck_assert_msg(!image_load(&img, write_file("k.elf", d, len), NULL, err, sizeof(err)), "%s",
		      err);
	ck_assert_uint_eq(img.nsyms, NKEPT);
	for (i = 1; i < img.nsyms; i++)
		ck_assert_uint_le(img.syms[i - 1].addr, img.syms[i].addr);
	ck_assert_str_eq(image_symbol_at(&img, KTEXT_ADDR + 7)->name, "startup_32");
	ck_assert_str_eq(image_symbol_at(&img, sym_addr(1))->name,
			 "abcdefghijklmnopqrstuvwxyz_0123456789.ABCXYZ$");
	sprintf(want, "long_%s", long_tail());
	ck_assert_str_eq(image_symbol_at(&img, sym_addr(2))->name, want);
	ck_assert_str_eq(image_symbol_at(&img, sym_addr(5) + 1)->name, "ks_fn_005");
	ck_assert_str_eq(image_symbol_at(&img, sym_addr(9))->name, "ks_fn_008"); /* 9: 'D' */
	ck_assert_str_eq(image_symbol_at(&img, sym_addr(NSYMS - 1))->name, "ks_fn_698"); /* 'D' */
	image_free(&img);
	free(d);
}

START_TEST(test_kallsyms_layouts)
{
	struct kallsyms_info info;
	struct image_symbol *syms;
	struct kro *r = malloc(sizeof(*r));
	size_t n;

	ck_assert_ptr_nonnull(r);
	build_kro(r, (enum layout)_i);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(find_in(r, r->len, &syms, &n, &info), 1);
	ck_assert_uint_eq(n, NKEPT);
	ck_assert_uint_eq(info.num_syms, NSYMS);
	ck_assert_uint_eq(info.nkept, NKEPT);
	ck_assert_uint_eq(info.token_table, KRO_ADDR + r->token_table);
	ck_assert_uint_eq(info.names, KRO_ADDR + r->names);
	ck_assert_uint_eq(info.markers, KRO_ADDR + r->markers);
	ck_assert_uint_eq(info.addresses, KRO_ADDR + r->addrs);
	ck_assert_uint_eq(info.relative_base, _i == L_ABS ? 0 : KTEXT_ADDR);
	ck_assert_int_eq(info.seqs_of_names, _i == L_REL_SEQS);
	ck_assert_str_eq(info.layout, layout_names[_i]);
	ck_assert_str_eq(syms[0].name, "startup_32");
	ck_assert_uint_eq(syms[0].addr, KTEXT_ADDR);
	free_syms(syms, n);
	check_loaded(r, 0);
	check_loaded(r, KELF_NOSHDR);
	free(r);
}
END_TEST

/* Each corruption of a good table must give no symbols at all. */
START_TEST(test_kallsyms_inconsistent)
{
	struct image_symbol *syms;
	struct kro *good = malloc(sizeof(*good)), *r = malloc(sizeof(*r));
	struct image img;
	uint8_t *d;
	size_t n, len, i;
	int k;

	ck_assert_ptr_nonnull(good);
	ck_assert_ptr_nonnull(r);
	build_kro(good, L_REL_SEQS);
	for (k = 0; k < 10; k++) {
		*r = *good;
		switch (k) {
		case 0: /* one symbol more than there are names */
			put32(r->b + r->num_syms, NSYMS + 1);
			break;
		case 1:
			put32(r->b + r->num_syms, NSYMS - 1);
			break;
		case 2: /* marker off by one */
			r->b[r->markers + 4]++;
			break;
		case 3: /* token index off by one */
			r->b[r->token_index + 2 * 'A']++;
			break;
		case 4: /* a name with a control character (token 6 is a tab) */
			r->b[r->names + 2] = 6;
			break;
		case 5: /* an address far outside the image */
			put32(r->b + r->addrs + 4 * 10, 0x00100000);
			break;
		case 6: /* addresses in reverse order */
			for (i = 0; i < NSYMS / 2; i++) {
				uint32_t j = NSYMS - 1 - i;

				put32(r->b + r->addrs + 4 * i, sym_addr(j) - KTEXT_ADDR);
				put32(r->b + r->addrs + 4 * j, sym_addr(i) - KTEXT_ADDR);
			}
			break;
		case 7: /* a seqs_of_names entry past the end */
			r->b[r->markers + 12 + 3 * 5] = 1;
			break;
		case 8: /* the digit tokens are no longer single characters */
			i = r->token_index + 2 * '5';
			r->b[r->token_table + (r->b[i] | r->b[i + 1] << 8)] = 'x';
			break;
		default: /* a name length running into the markers */
			r->b[r->names] = 0x7f;
		}
		ck_assert_msg(find_in(r, r->len, &syms, &n, NULL) == 0, "corruption %d accepted",
			      k);
		ck_assert_ptr_null(syms);
		ck_assert_uint_eq(n, 0);
	}
	/* A stripped ELF without kallsyms loads, without symbols. */
	*r = *good;
	memset(r->b + r->names, 0, 64);
	d = build_kelf(r, 0, &len);
	ck_assert_msg(!image_load(&img, write_file("nk.elf", d, len), NULL, err, sizeof(err)), "%s",
		      err);
	ck_assert_uint_eq(img.nsyms, 0);
	image_free(&img);
	free(d);
	/* Two neighbours swapped: still "mostly sorted". */
	*r = *good;
	put32(r->b + r->addrs + 4 * 20, sym_addr(21) - KTEXT_ADDR);
	put32(r->b + r->addrs + 4 * 21, sym_addr(20) - KTEXT_ADDR);
	ck_assert_int_eq(find_in(r, r->len, &syms, &n, NULL), 1);
	free_syms(syms, n);
	free(good);
	free(r);
}
END_TEST

/* Random damage and truncation: never a crash or an overread (run under
 * ASan), and whatever is accepted is sane. */
START_TEST(test_kallsyms_fuzz)
{
	struct kro *good = malloc(L_COUNT * sizeof(*good)), *r = malloc(sizeof(*r));
	struct image_symbol *syms;
	size_t n, len, i, j, span, bad;
	int it, k, found = 0;

	ck_assert_ptr_nonnull(good);
	ck_assert_ptr_nonnull(r);
	for (k = 0; k < L_COUNT; k++)
		build_kro(&good[k], (enum layout)k);
	srand(4321);
	for (it = 0; it < 4000; it++) {
		*r = good[it % L_COUNT];
		len = r->len;
		span = r->len - 0x1f8; /* the tables, from just before the first */
		if (it % 7 == 0)
			len = (size_t)rand() % (r->len + 1);
		for (k = 1 + rand() % 6; k > 0; k--)
			r->b[0x1f8 + (size_t)rand() % span] ^= (uint8_t)(1 + rand() % 255);
		if (find_in(r, len, &syms, &n, NULL) != 1)
			continue;
		found++;
		/* (ck_assert per character would be slow: each one writes a pipe) */
		for (i = 0, bad = 0; i < n; i++) {
			bad += syms[i].addr < KTEXT_ADDR || syms[i].addr > KRO_ADDR + KRO_MAX ||
			       !syms[i].name[0];
			for (j = 0; syms[i].name[j]; j++)
				bad += syms[i].name[j] <= ' ' || syms[i].name[j] >= 0x7f;
		}
		ck_assert_msg(!bad, "iteration %d: %zu bad symbols accepted", it, bad);
		free_syms(syms, n);
	}
	ck_assert_int_gt(found, 0); /* some damage (padding, seqs) is harmless */
	free(good);
	free(r);
}
END_TEST

START_TEST(test_real_kernel)
{
	const char *kernel = getenv("RINGVM_KERNEL");
	struct image img;
	size_t i;
	bool found = false;

	ck_assert_msg(kernel && *kernel,
		      "RINGVM_KERNEL must name the Debian 686 vmlinuz (scripts/test sets it)");
	ck_assert_msg(!image_load(&img, kernel, NULL, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(img.kind, IMAGE_BZIMAGE);
	ck_assert_str_eq(img.compression, "xz");
	ck_assert_msg(!strncmp(img.version, "6.", 2), "version \"%s\"", img.version);
	for (i = 0; i < img.nranges; i++) {
		if (strcmp(img.ranges[i].name, ".text"))
			continue;
		found = true;
		ck_assert_uint_ge(img.ranges[i].addr, 0xc0000000u);
		ck_assert_uint_gt(img.ranges[i].size, 1u << 20);
	}
	ck_assert_msg(found, "no .text range in %s", kernel);
	image_free(&img);
}
END_TEST

static const struct image_symbol *find_sym(const struct image *img, const char *name)
{
	size_t i;

	for (i = 0; i < img->nsyms; i++)
		if (!strcmp(img->syms[i].name, name))
			return &img->syms[i];
	return NULL;
}

/* Debian's System.map is a placeholder, so the symbols come from kallsyms. */
START_TEST(test_real_system_map)
{
	static const char *const funcs[] = {"native_write_cr0", "__do_fast_syscall_32",
					    "startup_32_smp", "_text"};
	const char *kernel = getenv("RINGVM_KERNEL"), *map = getenv("RINGVM_SYSMAP");
	const struct image_symbol *s;
	const struct image_range *text;
	struct image img;
	size_t i, nsyms;

	ck_assert_msg(kernel && *kernel && map && *map,
		      "RINGVM_KERNEL and RINGVM_SYSMAP must name the Debian 686 vmlinuz and its "
		      "System.map (scripts/test sets them)");
	ck_assert_msg(!image_load(&img, kernel, NULL, err, sizeof(err)), "%s", err);
	for (i = 0; i < img.nranges && strcmp(img.ranges[i].name, ".text"); i++)
		;
	ck_assert_uint_lt(i, img.nranges);
	text = &img.ranges[i];
	ck_assert_uint_eq(text->addr, 0xc1000000u);
	ck_assert_uint_gt(img.nsyms, 30000);
	for (i = 1; i < img.nsyms && img.syms[i - 1].addr <= img.syms[i].addr; i++)
		;
	ck_assert_msg(i == img.nsyms, "symbols unsorted at %zu", i);
	s = image_symbol_at(&img, text->addr);
	ck_assert_msg(s && s->addr == text->addr && !strcmp(s->name, "startup_32"),
		      "symbol at .text start: %s", s ? s->name : "(none)");
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		s = find_sym(&img, funcs[i]);
		ck_assert_msg(s, "no symbol %s", funcs[i]);
		ck_assert_msg(s->addr >= text->addr && s->addr < text->addr + text->size,
			      "%s at 0x%08x, outside .text", funcs[i], s->addr);
	}
	ck_assert_uint_eq(find_sym(&img, "_text")->addr, text->addr);
	nsyms = img.nsyms;
	ck_assert_int_eq(image_load_system_map(&img, map, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "placeholder"), "%s", err);
	ck_assert_uint_eq(img.nsyms, nsyms);
	image_free(&img);
}
END_TEST

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	Suite *s = suite_create("image_kallsyms");
	TCase *tc = tcase_create("synthetic"), *real = tcase_create("real");
	SRunner *sr;
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tcase_add_loop_test(tc, test_kallsyms_layouts, 0, L_COUNT);
	tcase_add_test(tc, test_kallsyms_inconsistent);
	tcase_add_test(tc, test_kallsyms_fuzz);
	tcase_set_timeout(tc, 120);
	tcase_add_test(real, test_real_kernel);
	tcase_add_test(real, test_real_system_map);
	tcase_set_timeout(real, 300);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, real);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed != 0;
}
