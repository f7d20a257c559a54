/*
 * kallsyms.h — symbols of a stripped Linux kernel, recovered from kallsyms.
 *
 * Owns: finding the compressed symbol tables that CONFIG_KALLSYMS builds into
 * a kernel's read-only data (kallsyms_token_table and its neighbours), checking
 * them for consistency and decoding the text symbols (nm types T, t, W, w).
 * Used by image.c when an ELF (a plain vmlinux or a bzImage payload, such as
 * Debian's) has no symbol table.  The input is untrusted: every read is
 * bounds-checked and anything inconsistent means "no kallsyms", not an error.
 */
#ifndef RINGVM_MONITOR_KALLSYMS_H
#define RINGVM_MONITOR_KALLSYMS_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/image.h"

/* One contiguous piece of the kernel image to search (a section's contents). */
struct kallsyms_area {
	const uint8_t *bytes;
	uint32_t addr; /* guest-virtual address of bytes[0] */
	uint32_t size;
};

/* Where the tables were found, for diagnostics and tests. */
struct kallsyms_info {
	uint32_t num_syms;    /* kallsyms_num_syms: entries in the tables */
	uint32_t nkept;	      /* text symbols returned */
	uint32_t token_table; /* guest-virtual addresses of the tables */
	uint32_t names;
	uint32_t markers;
	uint32_t addresses;	/* kallsyms_offsets (or kallsyms_addresses) */
	uint32_t relative_base; /* value of kallsyms_relative_base, 0 if none */
	bool seqs_of_names;	/* a kallsyms_seqs_of_names table sits before the tokens */
	const char *layout;	/* how the addresses are stored, e.g. "relative-before" */
};

/* Searches AREA for kallsyms tables whose symbols all lie in [LO, HI].  When
 * found, stores the text symbols in table order (ascending address) in
 * *SYMS (malloc'd, names owned, sizes 0), their number in *NSYMS, fills INFO
 * (may be NULL) and returns 1.  Returns 0 when no consistent tables are found
 * (nothing allocated) and -ENOMEM. */
int kallsyms_find(const struct kallsyms_area *area, uint32_t lo, uint32_t hi,
		  struct image_symbol **syms, size_t *nsyms, struct kallsyms_info *info);

/* Searches the ELF E (file image D, LEN bytes) — its .rodata first, then its
 * other allocated data sections, or its PT_LOAD segments when it has no
 * section headers — and adds the symbols found to IMG.  Returns the number
 * of symbols added (0 when there are no kallsyms) or -ENOMEM. */
int kallsyms_load_elf(struct image *img, Elf *e, const uint8_t *d, size_t len,
		      struct kallsyms_info *info);

#endif
