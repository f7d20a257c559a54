/*
 * image.h — guest image loading for inspection (scan) and, later, boot.
 *
 * Owns: reading a guest kernel image file from disk and presenting its
 * executable byte ranges and symbols.  Understands i386 ELF files (vmlinux,
 * any i386 ELF; executable sections and symbols via libelf), Linux bzImage
 * (setup header parsed, payload located and decompressed by unpack.h, then the
 * inner vmlinux ELF loaded) and raw binaries placed at a given base address.
 * An ELF without a symbol table (Debian's stripped vmlinuz) gets its text
 * symbols from the kernel's kallsyms tables (kallsyms.h), if it has them.
 *
 * Errors: functions return 0 or a negative errno and write a one-line,
 * human-readable message "PATH: problem" into the caller's buffer.
 */
#ifndef RINGVM_MONITOR_IMAGE_H
#define RINGVM_MONITOR_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum image_kind { IMAGE_ELF, IMAGE_BZIMAGE, IMAGE_RAW };

/* One executable byte range in guest-virtual addresses. */
struct image_range {
	uint32_t addr;
	uint32_t size;
	const uint8_t *bytes; /* points into image-owned memory */
	char name[32];        /* section name, or "raw" */
};

struct image_symbol {
	uint32_t addr;
	uint32_t size; /* 0 if unknown */
	char *name;    /* owned */
};

struct image {
	enum image_kind kind;
	uint8_t *file;       /* whole file contents (owned) */
	size_t file_len;
	uint8_t *payload;    /* decompressed inner vmlinux for bzImage (owned) */
	size_t payload_len;
	const char *compression; /* bzImage payload format: "xz", "gzip", ... */
	char version[160];       /* bzImage kernel version string, or "" */
	uint16_t boot_protocol;  /* bzImage boot protocol version, e.g. 0x020f */
	uint32_t entry;          /* ELF entry point (inner ELF for bzImage) */
	struct image_range *ranges; /* executable ranges, ascending address */
	size_t nranges;
	struct image_symbol *syms;  /* sorted by address, function/object symbols */
	size_t nsyms;
};

struct image_opts {
	bool raw;          /* treat the file as a raw binary */
	uint32_t raw_base; /* load address of a raw binary */
};

/* Loads PATH. On error returns -errno and fills ERR (one line, no newline). */
int image_load(struct image *img, const char *path, const struct image_opts *opts, char *err,
	       size_t errlen);

/* Adds symbols from a System.map-format file (addr type name). */
int image_load_system_map(struct image *img, const char *path, char *err, size_t errlen);

/* The symbol containing or preceding ADDR (nearest below), or NULL. */
const struct image_symbol *image_symbol_at(const struct image *img, uint32_t addr);

void image_free(struct image *img);

/* Adds the N symbols in SYMS to IMG and keeps IMG's table sorted.  On
 * success IMG owns the names (the array itself stays the caller's); on
 * failure (-ENOMEM) nothing is taken. */
int image_add_symbols(struct image *img, const struct image_symbol *syms, size_t n);

/* Internal to monitor/ (image.c, bzimage.c, kallsyms.c). */

/* Writes "PATH: " and the formatted text into ERR. */
void image_errf(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Validates IMG's file as a bzImage (setup header, version string, payload
 * bounds) and inflates its payload into img->payload, which must then be an
 * ELF file.  Fills kind, boot_protocol, version and compression. */
int bzimage_unpack(struct image *img, const char *path, char *err, size_t errlen);

#endif
