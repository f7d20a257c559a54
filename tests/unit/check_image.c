/*
 * check_image.c — unit tests for monitor/image.c, bzimage.c and unpack.c.
 *
 * Owns: synthetic guest images built in C at test time (an i386 ELF with
 * .text and a symbol table, a bzImage around its xz/gzip-compressed copy,
 * broken variants of both, raw binaries, System.map files) and round trips
 * of xz, lzma and gzip streams through unpack().  The kallsyms tests and the
 * tests on the real Debian 686 kernel are in check_image_kallsyms.c.
 */
#include "monitor/image.h"
#include "monitor/unpack.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TEXT_ADDR  0xc1000000u
#define INIT_ADDR  0xc0f00000u
#define DATA_ADDR  0xc1100000u
#define ELF_NOSHDR 1u /* no section headers: ranges come from PT_LOAD */
#define ELF_BADSEC 2u /* .text extends past the end of the file */

static char tmpdir[] = "/tmp/check_image.XXXXXX";
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

static void shdr(uint8_t *p, uint32_t name, uint32_t type, uint32_t flags, uint32_t addr,
		 uint32_t off, uint32_t size, uint32_t link, uint32_t entsize)
{
	Elf32_Shdr s = {name, type, flags, addr, off, size, link, 0, 4, entsize};

	memcpy(p, &s, sizeof(s));
}

static void sym(uint8_t *p, uint32_t name, uint32_t value, uint32_t size, int bind, int type,
		uint16_t shndx)
{
	Elf32_Sym s = {name, value, size, (unsigned char)ELF32_ST_INFO(bind, type), 0, shndx};

	memcpy(p, &s, sizeof(s));
}

/* Builds a small i386 ELF executable into BUF (4 KiB); returns its length.
 * Sections: .text (64 bytes at TEXT_ADDR), .data, .init.text (16 bytes at
 * INIT_ADDR, listed after .text), .symtab, .strtab, .shstrtab. */
static size_t build_elf(uint8_t *buf, unsigned flags)
{
	static const char shstr[] = "\0.text\0.data\0.init.text\0.symtab\0.strtab\0.shstrtab";
	static const char str[] = "\0start\0middle\0$d\0table\0early\0undef";
	Elf32_Ehdr eh = {0};
	Elf32_Phdr ph[2] = {{0}};
	size_t i, symoff = 0xd0, stroff = symoff + 8 * 16, shsoff = stroff + sizeof(str);
	size_t shoff = (shsoff + sizeof(shstr) + 3) & ~(size_t)3;
	uint8_t *s = buf + symoff;

	memset(buf, 0, 4096);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = TEXT_ADDR;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = 2;
	eh.e_shentsize = sizeof(Elf32_Shdr);
	if (!(flags & ELF_NOSHDR)) {
		eh.e_shoff = shoff;
		eh.e_shnum = 7;
		eh.e_shstrndx = 6;
	}
	ph[0] = (Elf32_Phdr){PT_LOAD, 0x80, TEXT_ADDR, TEXT_ADDR, 64, 64, PF_R | PF_X, 16};
	ph[1] = (Elf32_Phdr){PT_LOAD, 0xc0, DATA_ADDR, DATA_ADDR, 16, 16, PF_R | PF_W, 16};
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), ph, sizeof(ph));
	for (i = 0; i < 16; i++)
		buf[0x60 + i] = 0xf4; /* .init.text: hlt */
	for (i = 0; i < 64; i++)
		buf[0x80 + i] = (uint8_t)(0x90 + (i & 3));
	memset(buf + 0xc0, 0xaa, 16);
	/* Symbols: null, start, middle, $d, section, undef, table, early. */
	sym(s + 16, 1, TEXT_ADDR, 16, STB_GLOBAL, STT_FUNC, 1);
	sym(s + 32, 7, TEXT_ADDR + 0x20, 32, STB_GLOBAL, STT_FUNC, 1);
	sym(s + 48, 14, TEXT_ADDR + 0x10, 0, STB_LOCAL, STT_NOTYPE, 1);
	sym(s + 64, 0, TEXT_ADDR, 0, STB_LOCAL, STT_SECTION, 1);
	sym(s + 80, 29, 0, 0, STB_GLOBAL, STT_FUNC, SHN_UNDEF);
	sym(s + 96, 17, DATA_ADDR, 16, STB_GLOBAL, STT_OBJECT, 2);
	sym(s + 112, 23, INIT_ADDR, 16, STB_GLOBAL, STT_FUNC, 3);
	memcpy(buf + stroff, str, sizeof(str));
	memcpy(buf + shsoff, shstr, sizeof(shstr));
	if (flags & ELF_NOSHDR)
		return shoff;
	s = buf + shoff + sizeof(Elf32_Shdr);
	shdr(s, 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT_ADDR, 0x80,
	     flags & ELF_BADSEC ? 0x10000 : 64, 0, 0);
	shdr(s + 40, 7, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA_ADDR, 0xc0, 16, 0, 0);
	shdr(s + 80, 13, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, INIT_ADDR, 0x60, 16, 0, 0);
	shdr(s + 120, 24, SHT_SYMTAB, 0, 0, symoff, 8 * 16, 5, 16);
	shdr(s + 160, 32, SHT_STRTAB, 0, 0, stroff, sizeof(str), 0, 0);
	shdr(s + 200, 40, SHT_STRTAB, 0, 0, shsoff, sizeof(shstr), 0, 0);
	return shoff + 7 * sizeof(Elf32_Shdr);
}

/* Writes DATA to a file in the temporary directory; returns its path. */
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

/* Loads PATH expecting failure; checks the message starts with the path and
 * contains WANT, and that nothing is left allocated. */
static void expect_fail(const char *path, const struct image_opts *opts, const char *want)
{
	struct image img;
	char prefix[PATH_MAX + 2];
	int ret;

	memset(&img, 0x5a, sizeof(img));
	ret = image_load(&img, path, opts, err, sizeof(err));
	ck_assert_int_lt(ret, 0);
	snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "no path prefix: %s", err);
	ck_assert_msg(strstr(err, want), "expected \"%s\" in: %s", want, err);
	ck_assert_msg(!strchr(err, '\n'), "multi-line error: %s", err);
	ck_assert_ptr_null(img.file);
	ck_assert_ptr_null(img.ranges);
	ck_assert_ptr_null(img.syms);
	ck_assert_ptr_null(img.payload);
	image_free(&img);
}

/* A compressible test buffer: text with some seeded noise. */
static uint8_t *make_payload(size_t len)
{
	static const char text[] = "ringvm unpack round trip; ";
	uint8_t *p = malloc(len);
	size_t i;

	ck_assert_ptr_nonnull(p);
	srand(1234);
	for (i = 0; i < len; i++)
		p[i] = i % 61 == 0 ? (uint8_t)rand() : (uint8_t)text[i % (sizeof(text) - 1)];
	return p;
}

/* Compresses IN into a malloc'd buffer with 4 spare bytes after it. */
static uint8_t *compress_as(const char *fmt, const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = len + len / 2 + 4096;
	uint8_t *out = malloc(cap + 4);

	ck_assert_ptr_nonnull(out);
	*out_len = 0;
	if (!strcmp(fmt, "xz")) {
		ck_assert_int_eq(
		    lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out, out_len, cap),
		    LZMA_OK);
	} else if (!strcmp(fmt, "lzma")) {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;

		ck_assert(!lzma_lzma_preset(&opt, 6));
		ck_assert_int_eq(lzma_alone_encoder(&s, &opt), LZMA_OK);
		s.next_in = in;
		s.avail_in = len;
		s.next_out = out;
		s.avail_out = cap;
		ck_assert_int_eq(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		*out_len = s.total_out;
		lzma_end(&s);
	} else {
		z_stream z;

		memset(&z, 0, sizeof(z));
		ck_assert_int_eq(
		    deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		*out_len = z.total_out;
		deflateEnd(&z);
	}
	put32(out + *out_len, (uint32_t)len); /* what Linux appends */
	return out;
}

static void round_trip(const char *fmt)
{
	size_t len = 300000, clen, olen, extra;
	uint8_t *in = make_payload(len), *c = compress_as(fmt, in, len, &clen), *out;
	char why[128];

	ck_assert_str_eq(unpack_format(c, clen), fmt);
	for (extra = 0; extra <= 4; extra += 4) {
		why[0] = '\0';
		ck_assert_msg(!unpack(c, clen + extra, &out, &olen, why, sizeof(why)), "%s: %s",
			      fmt, why);
		ck_assert_uint_eq(olen, len);
		ck_assert(!memcmp(out, in, len));
		free(out);
	}
	free(c);
	free(in);
}

START_TEST(test_elf_basic)
{
	uint8_t buf[4096];
	size_t len = build_elf(buf, 0);
	struct image img;
	size_t i;

	ck_assert_msg(!image_load(&img, write_file("a.elf", buf, len), NULL, err, sizeof(err)),
		      "%s", err);
	ck_assert_int_eq(img.kind, IMAGE_ELF);
	ck_assert_uint_eq(img.entry, TEXT_ADDR);
	ck_assert_uint_eq(img.nranges, 2);
	ck_assert_str_eq(img.ranges[0].name, ".init.text");
	ck_assert_uint_eq(img.ranges[0].addr, INIT_ADDR);
	ck_assert_uint_eq(img.ranges[0].size, 16);
	ck_assert_uint_eq(img.ranges[0].bytes[0], 0xf4);
	ck_assert_str_eq(img.ranges[1].name, ".text");
	ck_assert_uint_eq(img.ranges[1].addr, TEXT_ADDR);
	ck_assert_uint_eq(img.ranges[1].size, 64);
	ck_assert(!memcmp(img.ranges[1].bytes, buf + 0x80, 64));
	ck_assert_uint_eq(img.nsyms, 5);
	for (i = 1; i < img.nsyms; i++)
		ck_assert_uint_le(img.syms[i - 1].addr, img.syms[i].addr);
	ck_assert_str_eq(img.syms[0].name, "early");
	ck_assert_str_eq(img.syms[4].name, "table");
	ck_assert_uint_eq(img.syms[4].size, 16);
	image_free(&img);
	ck_assert_ptr_null(img.file);
	ck_assert_uint_eq(img.nranges, 0);
	image_free(&img); /* twice is fine */
}
END_TEST

START_TEST(test_symbol_at)
{
	uint8_t buf[4096];
	size_t len = build_elf(buf, 0);
	struct image img;

	ck_assert(!image_load(&img, write_file("b.elf", buf, len), NULL, err, sizeof(err)));
	ck_assert_ptr_null(image_symbol_at(&img, INIT_ADDR - 1));
	ck_assert_str_eq(image_symbol_at(&img, INIT_ADDR)->name, "early");
	ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR - 1)->name, "early");
	ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR)->name, "start");
	ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR + 5)->name, "start");
	ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR + 0x10)->name, "start"); /* $d skipped */
	ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR + 0x25)->name, "middle");
	ck_assert_str_eq(image_symbol_at(&img, 0xffffffffu)->name, "table");
	image_free(&img);
	ck_assert_ptr_null(image_symbol_at(&img, TEXT_ADDR));
}
END_TEST

START_TEST(test_elf_no_shdrs)
{
	uint8_t buf[4096];
	size_t len = build_elf(buf, ELF_NOSHDR);
	struct image img;

	ck_assert_msg(!image_load(&img, write_file("c.elf", buf, len), NULL, err, sizeof(err)),
		      "%s", err);
	ck_assert_uint_eq(img.nranges, 1);
	ck_assert_uint_eq(img.ranges[0].addr, TEXT_ADDR);
	ck_assert_uint_eq(img.ranges[0].size, 64);
	ck_assert(!memcmp(img.ranges[0].bytes, buf + 0x80, 64));
	ck_assert_uint_eq(img.nsyms, 0);
	image_free(&img);
}
END_TEST

START_TEST(test_elf_bad)
{
	uint8_t buf[4096];
	size_t len = build_elf(buf, ELF_BADSEC);

	expect_fail(write_file("d.elf", buf, len), NULL, "section .text extends past end of file");
	len = build_elf(buf, 0);
	buf[EI_CLASS] = ELFCLASS64;
	put16(buf + 18, EM_X86_64);
	expect_fail(write_file("e.elf", buf, 64), NULL, "64-bit ELF");
	buf[EI_CLASS] = ELFCLASS32;
	put16(buf + 18, EM_ARM);
	expect_fail(write_file("f.elf", buf, len), NULL, "not i386");
	put16(buf + 18, EM_386);
	buf[EI_DATA] = ELFDATA2MSB;
	expect_fail(write_file("g.elf", buf, len), NULL, "big-endian");
	buf[EI_DATA] = ELFDATA2LSB;
	expect_fail(write_file("h.elf", buf, 20), NULL, "truncated ELF header");
}
END_TEST

START_TEST(test_not_an_image)
{
	uint8_t buf[8192];
	char path[PATH_MAX + 2];
	size_t i;

	expect_fail(write_file("empty", "", 0), NULL, "empty file");
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	expect_fail(path, NULL, "No such file or directory");
	ck_assert_int_eq(image_load(&(struct image){0}, path, NULL, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(strchr(err, ':'), ": No such file or directory");
	srand(42);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	expect_fail(write_file("random", buf, sizeof(buf)), NULL,
		    "not an ELF, bzImage or (with --base) raw binary");
}
END_TEST

START_TEST(test_raw)
{
	uint8_t buf[1000];
	struct image_opts opts = {.raw = true, .raw_base = 0x7c00};
	struct image img;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	ck_assert(!image_load(&img, write_file("raw", buf, sizeof(buf)), &opts, err, sizeof(err)));
	ck_assert_int_eq(img.kind, IMAGE_RAW);
	ck_assert_uint_eq(img.nranges, 1);
	ck_assert_str_eq(img.ranges[0].name, "raw");
	ck_assert_uint_eq(img.ranges[0].addr, 0x7c00);
	ck_assert_uint_eq(img.ranges[0].size, sizeof(buf));
	ck_assert(!memcmp(img.ranges[0].bytes, buf, sizeof(buf)));
	image_free(&img);
	opts.raw_base = 0xffffff00u;
	expect_fail(write_file("raw2", buf, sizeof(buf)), &opts, "past 4 GiB");
}
END_TEST

START_TEST(test_system_map)
{
	static const char map[] = "c1000000 T _text\n"
				  "garbage line\n"
				  "ffffffffc1000000 T too_wide\n"
				  "c1000100 t local_fn\n"
				  "c1000080 W weak_fn\n"
				  "c1100000 D some_data\n";
	static const char placeholder[] = "ffffffffffffffff B The real System.map is in the "
					  "linux-image-<version>-dbg package\n";
	uint8_t buf[4096];
	size_t len = build_elf(buf, 0), i;
	struct image img;

	ck_assert(!image_load(&img, write_file("m.elf", buf, len), NULL, err, sizeof(err)));
	ck_assert_msg(!image_load_system_map(&img, write_file("System.map", map, strlen(map)), err,
					     sizeof(err)),
		      "%s", err);
	ck_assert_uint_eq(img.nsyms, 9);
	for (i = 1; i < img.nsyms; i++)
		ck_assert_uint_le(img.syms[i - 1].addr, img.syms[i].addr);
	ck_assert_str_eq(image_symbol_at(&img, 0xc1000090)->name, "weak_fn");
	ck_assert_str_eq(image_symbol_at(&img, 0xc1000200)->name, "local_fn");
	ck_assert_ptr_nonnull(image_symbol_at(&img, TEXT_ADDR));
	ck_assert_int_lt(
	    image_load_system_map(&img, write_file("ph.map", placeholder, strlen(placeholder)), err,
				  sizeof(err)),
	    0);
	ck_assert_msg(strstr(err, "placeholder"), "%s", err);
	ck_assert_uint_eq(img.nsyms, 9);
	ck_assert_int_eq(image_load_system_map(&img, "/nonexistent/map", err, sizeof(err)),
			 -ENOENT);
	image_free(&img);
}
END_TEST

START_TEST(test_unpack_round_trips)
{
	round_trip("xz");
	round_trip("lzma");
	round_trip("gzip");
}
END_TEST

START_TEST(test_unpack_broken)
{
	static const char *const fmts[] = {"xz", "lzma", "gzip"};
	size_t len = 100000, clen, olen, i, k;
	uint8_t *in = make_payload(len), *c, *out = (uint8_t *)1;
	char why[128];

	for (i = 0; i < 3; i++) {
		c = compress_as(fmts[i], in, len, &clen);
		ck_assert_int_eq(unpack(c, clen / 2, &out, &olen, why, sizeof(why)), -EINVAL);
		ck_assert_msg(strstr(why, "truncated"), "%s: %s", fmts[i], why);
		ck_assert_ptr_null(out);
		for (k = 0; k < 8; k++)
			c[clen / 2 + k] ^= 0x5a;
		ck_assert_int_eq(unpack(c, clen, &out, &olen, why, sizeof(why)), -EINVAL);
		ck_assert_msg(strstr(why, "corrupt") || strstr(why, "truncated"), "%s: %s", fmts[i],
			      why);
		ck_assert_ptr_null(out);
		free(c);
	}
	ck_assert_int_eq(unpack(in, len, &out, &olen, why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "unrecognised compression format");
	free(in);
}
END_TEST

START_TEST(test_unpack_unsupported)
{
	static const struct {
		const char *name;
		const char *magic;
	} t[] = {{"zstd", "\x28\xb5\x2f\xfd"},
		 {"bzip2", "BZh9"},
		 {"lz4", "\x02\x21\x4c\x18"},
		 {"lzo", "\x89\x4c\x5a\x4f"}};
	uint8_t buf[64] = {0}, *out;
	char why[128], want[64];
	size_t i, olen;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(buf, t[i].magic, 4);
		ck_assert_str_eq(unpack_format(buf, sizeof(buf)), t[i].name);
		ck_assert_int_eq(unpack(buf, sizeof(buf), &out, &olen, why, sizeof(why)), -ENOTSUP);
		snprintf(want, sizeof(want), "%s payloads are not supported", t[i].name);
		ck_assert_str_eq(why, want);
	}
	ck_assert_str_eq(unpack_format((const uint8_t *)"\x5d\x00\x00\x80", 4), "lzma");
	ck_assert_ptr_null(unpack_format((const uint8_t *)"\xfd\x37\x7a", 3));
	ck_assert_ptr_null(unpack_format(NULL, 0));
}
END_TEST

/* A bzImage with 2 setup sectors around FMT-compressed synthetic ELF;
 * returns a malloc'd file and its length in *LEN. */
static uint8_t *build_bzimage(const char *fmt, size_t *len)
{
	static const char version[] = "6.1.0-ringvm-test (test@example) #1 SMP";
	uint8_t elf[4096], *c, *bz;
	size_t elen = build_elf(elf, 0), clen, pm = 3 * 512, off = 0x40;

	c = compress_as(fmt, elf, elen, &clen);
	*len = pm + off + clen + 4;
	bz = calloc(1, *len);
	ck_assert_ptr_nonnull(bz);
	bz[0x1f1] = 2;
	bz[0x1fe] = 0x55;
	bz[0x1ff] = 0xaa;
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz + 0x206, 0x020f);
	put16(bz + 0x20e, 0x100);
	memcpy(bz + 0x300, version, sizeof(version));
	put32(bz + 0x248, (uint32_t)off);
	put32(bz + 0x24c, (uint32_t)clen);
	memcpy(bz + pm + off, c, clen + 4);
	free(c);
	return bz;
}

START_TEST(test_bzimage)
{
	static const char *const fmts[] = {"xz", "gzip", "lzma"};
	struct image img;
	uint8_t *bz;
	size_t len, i;

	for (i = 0; i < 3; i++) {
		bz = build_bzimage(fmts[i], &len);
		ck_assert_msg(
		    !image_load(&img, write_file("bzImage", bz, len), NULL, err, sizeof(err)), "%s",
		    err);
		ck_assert_int_eq(img.kind, IMAGE_BZIMAGE);
		ck_assert_str_eq(img.compression, fmts[i]);
		ck_assert_str_eq(img.version, "6.1.0-ringvm-test (test@example) #1 SMP");
		ck_assert_uint_eq(img.boot_protocol, 0x020f);
		ck_assert_uint_eq(img.entry, TEXT_ADDR);
		ck_assert_uint_eq(img.nranges, 2);
		ck_assert_str_eq(img.ranges[1].name, ".text");
		ck_assert_uint_eq(img.ranges[1].addr, TEXT_ADDR);
		ck_assert(img.ranges[1].bytes >= img.payload &&
			  img.ranges[1].bytes + 64 <= img.payload + img.payload_len);
		ck_assert_str_eq(image_symbol_at(&img, TEXT_ADDR + 0x30)->name, "middle");
		image_free(&img);
		free(bz);
	}
}
END_TEST

START_TEST(test_bzimage_broken)
{
	uint8_t *bz;
	size_t len, poff = 3 * 512 + 0x40;

	bz = build_bzimage("xz", &len);
	expect_fail(write_file("bz.trunc", bz, poff + 20), NULL,
		    "truncated bzImage: payload extends past end of file");
	expect_fail(write_file("bz.short", bz, 0x240), NULL, "truncated bzImage");
	bz[poff + (len - poff) / 2] ^= 0xff;
	bz[poff + (len - poff) / 2 + 1] ^= 0xff;
	expect_fail(write_file("bz.corrupt", bz, len), NULL, "bzImage payload (xz): ");
	bz[poff] = 0x28;
	bz[poff + 1] = 0xb5;
	bz[poff + 2] = 0x2f;
	bz[poff + 3] = 0xfd;
	expect_fail(write_file("bz.zstd", bz, len), NULL, "zstd payloads are not supported");
	put16(bz + 0x206, 0x0204);
	expect_fail(write_file("bz.old", bz, len), NULL, "too old");
	free(bz);
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
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("synthetic");
	SRunner *sr;
	int failed;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	tcase_add_test(tc, test_elf_basic);
	tcase_add_test(tc, test_symbol_at);
	tcase_add_test(tc, test_elf_no_shdrs);
	tcase_add_test(tc, test_elf_bad);
	tcase_add_test(tc, test_not_an_image);
	tcase_add_test(tc, test_raw);
	tcase_add_test(tc, test_system_map);
	tcase_add_test(tc, test_unpack_round_trips);
	tcase_add_test(tc, test_unpack_broken);
	tcase_add_test(tc, test_unpack_unsupported);
	tcase_add_test(tc, test_bzimage);
	tcase_add_test(tc, test_bzimage_broken);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed != 0;
}
