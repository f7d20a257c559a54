/*
 * image.c — guest image loading for inspection (scan) and, later, boot.
 *
 * Owns: reading a guest image file into memory and turning it into a list of
 * executable byte ranges (sorted by guest-virtual address) and a sorted
 * symbol table.  Formats: i386 ELF (sections via libelf, PT_LOAD PF_X
 * segments when there are no section headers; symbols from .symtab/.dynsym,
 * else from kallsyms.c), Linux bzImage (bzimage.c inflates the payload, the
 * inner vmlinux ELF is loaded from the decompressed copy) and raw binaries.
 * Also merges System.map files into the symbol table and answers "which
 * symbol is at or below this address".
 *
 * Every error is one line "PATH: problem"; a failed load leaves nothing
 * allocated and the struct zeroed.
 */
#include "monitor/image.h"
#include "monitor/kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The "HdrS" magic of a bzImage setup header. */
#define BZ_HEADER 0x202

void image_errf(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return;
	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int read_whole_file(const char *path, uint8_t **out, size_t *out_len, char *err,
			   size_t errlen)
{
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		image_errf(err, errlen, path, "%s", strerror(-ret));
		goto out;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > ((uint64_t)1 << 32)) {
		ret = st.st_size <= 0 ? -EINVAL : -EFBIG;
		image_errf(err, errlen, path, "%s",
			   st.st_size <= 0 ? "empty file" : "file larger than 4 GiB");
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = -ENOMEM;
		image_errf(err, errlen, path, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (n < 0) {
		ret = -errno;
		image_errf(err, errlen, path, "read: %s", strerror(-ret));
		free(buf);
		goto out;
	}
	*out = buf;
	*out_len = got;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int add_range(struct image *img, const char *name, uint32_t addr, uint32_t size,
		     const uint8_t *bytes)
{
	struct image_range *r;

	r = realloc(img->ranges, (img->nranges + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	img->ranges = r;
	r += img->nranges++;
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	r->size = size;
	r->bytes = bytes;
	snprintf(r->name, sizeof(r->name), "%s", name);
	return 0;
}

static int add_symbol(struct image_symbol **syms, size_t *nsyms, size_t *cap, uint32_t addr,
		      uint32_t size, const char *name)
{
	struct image_symbol *s;

	if (*nsyms == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;

		s = realloc(*syms, ncap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		*syms = s;
		*cap = ncap;
	}
	s = &(*syms)[*nsyms];
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->addr = addr;
	s->size = size;
	(*nsyms)++;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct image_range *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct image_symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Checks the ELF identification and header before libelf sees the file, so
 * that the common mistakes (64-bit, big-endian, other machine) get a clear
 * message.  WHAT is "" for a plain ELF, "bzImage payload: " for an inner one. */
static int check_elf_ident(const uint8_t *d, size_t len, const char *path, const char *what,
			   char *err, size_t errlen)
{
	const char *bad = NULL;
	uint16_t machine;

	if (len < EI_NIDENT)
		bad = "truncated ELF header";
	else if (d[EI_CLASS] == ELFCLASS64)
		bad = "64-bit ELF (ELFCLASS64); ringvm runs 32-bit x86 guests";
	else if (d[EI_CLASS] != ELFCLASS32)
		bad = "ELF with an invalid class";
	else if (d[EI_DATA] != ELFDATA2LSB)
		bad = "big-endian ELF; ringvm runs little-endian 32-bit x86 guests";
	else if (len < sizeof(Elf32_Ehdr))
		bad = "truncated ELF header";
	if (bad) {
		image_errf(err, errlen, path, "%s%s", what, bad);
		return -EINVAL;
	}
	machine = get16(d + offsetof(Elf32_Ehdr, e_machine));
	if (machine != EM_386) {
		image_errf(err, errlen, path,
			   "%sELF for machine %u, not i386 (EM_386); ringvm runs 32-bit x86 guests",
			   what, machine);
		return -EINVAL;
	}
	return 0;
}

/* File data of [off, off+size) must lie inside the LEN-byte file. */
static bool within(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int elf_fail(const char *path, const char *what, const char *doing, char *err, size_t errlen)
{
	image_errf(err, errlen, path, "%sbad ELF (%s: %s)", what, doing, elf_errmsg(-1));
	return -EINVAL;
}

/* Adds the SIZE bytes at file offset OFF of D (LEN bytes) as range NAME;
 * KIND ("section " or "") only labels errors. */
static int add_file_range(struct image *img, const char *kind, const char *name, uint32_t addr,
			  uint64_t off, uint64_t size, const uint8_t *d, size_t len,
			  const char *path, const char *what, char *err, size_t errlen)
{
	if (!within(off, size, len)) {
		image_errf(err, errlen, path, "%s%s%s extends past end of file", what, kind, name);
		return -EINVAL;
	}
	if (addr + size > ((uint64_t)1 << 32)) {
		image_errf(err, errlen, path, "%s%s%s extends past 4 GiB", what, kind, name);
		return -EINVAL;
	}
	if (add_range(img, name, addr, (uint32_t)size, d + off)) {
		image_errf(err, errlen, path, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Executable sections become ranges; *SYMS is set to .symtab, or .dynsym
 * when there is no .symtab, or NULL. */
static int load_elf_sections(struct image *img, Elf *e, const uint8_t *d, size_t len,
			     Elf_Scn **syms, const char *path, const char *what, char *err,
			     size_t errlen)
{
	Elf_Scn *scn = NULL, *dynsym = NULL;
	Elf32_Shdr *sh;
	size_t shstrndx;
	const char *name;
	int ret;

	*syms = NULL;
	if (elf_getshdrstrndx(e, &shstrndx) != 0)
		return elf_fail(path, what, "section name table", err, errlen);
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		sh = elf32_getshdr(scn);
		if (!sh)
			return elf_fail(path, what, "section header", err, errlen);
		if (sh->sh_type == SHT_SYMTAB && !*syms)
			*syms = scn;
		if (sh->sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
		if (sh->sh_type != SHT_PROGBITS || !(sh->sh_flags & SHF_EXECINSTR) ||
		    sh->sh_size == 0)
			continue;
		name = elf_strptr(e, shstrndx, sh->sh_name);
		ret = add_file_range(img, "section ", name ? name : "?", sh->sh_addr, sh->sh_offset,
				     sh->sh_size, d, len, path, what, err, errlen);
		if (ret)
			return ret;
	}
	if (!*syms)
		*syms = dynsym;
	return 0;
}

static int load_elf_segments(struct image *img, Elf *e, const uint8_t *d, size_t len,
			     const char *path, const char *what, char *err, size_t errlen)
{
	Elf32_Phdr *ph;
	size_t i, n;
	char name[32];
	int ret;

	if (elf_getphdrnum(e, &n) != 0)
		return elf_fail(path, what, "program headers", err, errlen);
	ph = n ? elf32_getphdr(e) : NULL;
	if (n && !ph)
		return elf_fail(path, what, "program headers", err, errlen);
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X) || ph[i].p_filesz == 0)
			continue;
		snprintf(name, sizeof(name), "segment%zu", i);
		ret = add_file_range(img, "", name, ph[i].p_vaddr, ph[i].p_offset, ph[i].p_filesz,
				     d, len, path, what, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Function, object and untyped symbols of one SHT_SYMTAB/SHT_DYNSYM section. */
static int load_elf_symbols(struct image *img, Elf *e, Elf_Scn *scn, size_t len, const char *path,
			    const char *what, char *err, size_t errlen)
{
	Elf32_Shdr *sh = elf32_getshdr(scn);
	size_t i, n, cap = 0;
	Elf_Data *data;
	Elf32_Sym *sym;
	const char *name;
	unsigned type;

	if (!within(sh->sh_offset, sh->sh_size, len)) {
		image_errf(err, errlen, path, "%ssymbol table extends past end of file", what);
		return -EINVAL;
	}
	data = elf_getdata(scn, NULL);
	if (!data)
		return elf_fail(path, what, "symbol table", err, errlen);
	sym = data->d_buf;
	n = data->d_size / sizeof(Elf32_Sym);
	for (i = 1; i < n; i++) {
		type = ELF32_ST_TYPE(sym[i].st_info);
		if (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT)
			continue;
		if (sym[i].st_value == 0 || sym[i].st_shndx == SHN_UNDEF)
			continue;
		name = elf_strptr(e, sh->sh_link, sym[i].st_name);
		if (!name || !*name)
			continue;
		if (add_symbol(&img->syms, &img->nsyms, &cap, sym[i].st_value, sym[i].st_size,
			       name)) {
			image_errf(err, errlen, path, "out of memory");
			return -ENOMEM;
		}
	}
	qsort(img->syms, img->nsyms, sizeof(*img->syms), sym_cmp);
	return 0;
}

/* Loads the i386 ELF in D (LEN bytes, owned by IMG) into IMG's ranges and
 * symbols. */
static int load_elf(struct image *img, const uint8_t *d, size_t len, const char *path,
		    const char *what, char *err, size_t errlen)
{
	Elf_Scn *syms = NULL;
	Elf32_Ehdr *eh;
	size_t shnum;
	Elf *e;
	int ret;

	ret = check_elf_ident(d, len, path, what, err, errlen);
	if (ret)
		return ret;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(path, what, "libelf init", err, errlen);
	e = elf_memory((char *)d, len);
	if (!e)
		return elf_fail(path, what, "elf_memory", err, errlen);
	eh = elf32_getehdr(e);
	if (!eh) {
		ret = elf_fail(path, what, "ELF header", err, errlen);
		goto out_end;
	}
	img->entry = eh->e_entry;
	if (elf_getshdrnum(e, &shnum) != 0) {
		ret = elf_fail(path, what, "section headers", err, errlen);
		goto out_end;
	}
	if (shnum == 0)
		ret = load_elf_segments(img, e, d, len, path, what, err, errlen);
	else
		ret = load_elf_sections(img, e, d, len, &syms, path, what, err, errlen);
	if (!ret && syms)
		ret = load_elf_symbols(img, e, syms, len, path, what, err, errlen);
	else if (!ret && kallsyms_load_elf(img, e, d, len, NULL) < 0) {
		image_errf(err, errlen, path, "out of memory");
		ret = -ENOMEM;
	}
out_end:
	elf_end(e);
	return ret;
}

static int load_bzimage(struct image *img, const char *path, char *err, size_t errlen)
{
	int ret = bzimage_unpack(img, path, err, errlen);

	if (ret)
		return ret;
	return load_elf(img, img->payload, img->payload_len, path, "bzImage payload: ", err,
			errlen);
}

int image_load(struct image *img, const char *path, const struct image_opts *opts, char *err,
	       size_t errlen)
{
	const uint8_t *d;
	size_t len;
	int ret;

	memset(img, 0, sizeof(*img));
	if (err && errlen)
		err[0] = '\0';
	ret = read_whole_file(path, &img->file, &img->file_len, err, errlen);
	if (ret)
		return ret;
	d = img->file;
	len = img->file_len;
	if (opts && opts->raw) {
		img->kind = IMAGE_RAW;
		img->entry = opts->raw_base;
		if ((uint64_t)opts->raw_base + len > ((uint64_t)1 << 32)) {
			image_errf(err, errlen, path,
				   "raw binary of %zu bytes at 0x%08x extends past 4 GiB", len,
				   opts->raw_base);
			ret = -EINVAL;
			goto fail;
		}
		ret = add_range(img, "raw", opts->raw_base, (uint32_t)len, d);
		if (ret) {
			image_errf(err, errlen, path, "out of memory");
			goto fail;
		}
		return 0;
	}
	if (len >= SELFMAG && !memcmp(d, ELFMAG, SELFMAG)) {
		img->kind = IMAGE_ELF;
		ret = load_elf(img, d, len, path, "", err, errlen);
	} else if (len >= BZ_HEADER + 4 && !memcmp(d + BZ_HEADER, "HdrS", 4)) {
		ret = load_bzimage(img, path, err, errlen);
	} else {
		image_errf(err, errlen, path, "not an ELF, bzImage or (with --base) raw binary");
		ret = -EINVAL;
	}
	if (ret)
		goto fail;
	qsort(img->ranges, img->nranges, sizeof(*img->ranges), range_cmp);
	return 0;
fail:
	image_free(img);
	return ret;
}

int image_add_symbols(struct image *img, const struct image_symbol *syms, size_t n)
{
	struct image_symbol *all;

	if (n == 0)
		return 0;
	all = realloc(img->syms, (img->nsyms + n) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all + img->nsyms, syms, n * sizeof(*all));
	img->syms = all;
	img->nsyms += n;
	qsort(img->syms, img->nsyms, sizeof(*img->syms), sym_cmp);
	return 0;
}

/* Parses one "c1000000 T _text" line into ADDR and NAME (512 bytes).
 * Returns false for anything else, including addresses wider than 32 bits. */
static bool parse_map_line(const char *line, uint32_t *addr, char *name)
{
	unsigned long long a;
	char type;

	if (sscanf(line, "%llx %c %511s", &a, &type, name) != 3 || a == 0 || a > 0xffffffffULL)
		return false;
	*addr = (uint32_t)a;
	return true;
}

int image_load_system_map(struct image *img, const char *path, char *err, size_t errlen)
{
	struct image_symbol *syms = NULL;
	size_t n = 0, cap = 0, i;
	bool placeholder = false;
	char name[512];
	char *line = NULL;
	size_t linecap = 0;
	uint32_t addr;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		image_errf(err, errlen, path, "%s", strerror(errno));
		return ret;
	}
	while (getline(&line, &linecap, f) > 0) {
		if (strstr(line, "The real System.map is in"))
			placeholder = true;
		if (!parse_map_line(line, &addr, name))
			continue;
		if (add_symbol(&syms, &n, &cap, addr, 0, name)) {
			image_errf(err, errlen, path, "out of memory");
			ret = -ENOMEM;
			goto out;
		}
	}
	if (ferror(f)) {
		image_errf(err, errlen, path, "read error");
		ret = -EIO;
		goto out;
	}
	if (n == 0) {
		if (placeholder)
			image_errf(err, errlen, path,
				   "Debian placeholder System.map with no symbols (the real one is "
				   "in the linux-image-*-dbg package)");
		else
			image_errf(err, errlen, path, "no 32-bit System.map symbols found");
		ret = -EINVAL;
		goto out;
	}
	ret = image_add_symbols(img, syms, n);
	if (ret) {
		image_errf(err, errlen, path, "out of memory");
		goto out;
	}
	n = 0; /* names now owned by img */
out:
	for (i = 0; i < n; i++)
		free(syms[i].name);
	free(syms);
	free(line);
	fclose(f);
	return ret;
}

const struct image_symbol *image_symbol_at(const struct image *img, uint32_t addr)
{
	size_t lo = 0, hi = img->nsyms, mid;

	/* Find the first symbol above ADDR; everything before it is <= ADDR. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (img->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct image_symbol *s = &img->syms[--lo];

		if (s->name && s->name[0] && s->name[0] != '$')
			return s;
	}
	return NULL;
}

void image_free(struct image *img)
{
	size_t i;

	for (i = 0; i < img->nsyms; i++)
		free(img->syms[i].name);
	free(img->syms);
	free(img->ranges);
	free(img->payload);
	free(img->file);
	memset(img, 0, sizeof(*img));
}
