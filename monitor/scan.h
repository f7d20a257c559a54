/*
 * scan.h — `ringvm scan`: list every sensitive instruction in a guest image.
 *
 * Owns: the linear sweep over an image's executable ranges with Zydis, the
 * per-row and per-class counts, the Zydis/Capstone cross-check with its
 * allowlist, and the text and JSON reports.  Reads the table through
 * translator/sensitive.h and images through monitor/image.h.
 */
#ifndef RINGVM_MONITOR_SCAN_H
#define RINGVM_MONITOR_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "monitor/image.h"
#include "translator/sensitive.h"

struct scan_opts {
	bool json;        /* JSON report instead of text */
	bool all;         /* list every instruction, sensitive or not */
	bool summary;     /* counts only, no per-instruction listing */
	bool cross_check; /* decode every instruction with Capstone too */
	const char *allow_path; /* cross-check allowlist, or NULL */
	const char *path;       /* file name, for the report */
	FILE *out;
};

/* Kinds of Zydis/Capstone disagreement. */
enum xc_kind { XC_LENGTH, XC_SENSITIVITY, XC_ZYDIS_INVALID, XC_CAPSTONE_INVALID, XC_COUNT };

struct scan_result {
	uint64_t rows[SENS_NROWS];
	uint64_t classes[SC_COUNT];
	uint64_t insns;       /* instructions decoded by Zydis */
	uint64_t bytes;       /* executable bytes swept */
	uint64_t undecodable; /* bytes Zydis could not decode (skipped one by one) */
	uint64_t padding;     /* int3 after ret/jmp/ud2/int3: padding, not int3 */
	uint64_t xc_kind[XC_COUNT]; /* unexplained disagreements per kind */
	uint64_t xc_allowed;        /* disagreements explained by the allowlist */
	uint64_t xc_unexplained;    /* sum of xc_kind[] */
	uint64_t xc_on_sensitive;   /* disagreements where either side is sensitive */
};

/* Sweeps IMG and writes the report to O->out.  0 or -errno (ERR filled). */
int scan_image(const struct image *img, const struct scan_opts *o, struct scan_result *r,
	       char *err, size_t errlen);

/* `ringvm scan` command line; returns the process exit status. */
int scan_main(int argc, char **argv);

#endif
