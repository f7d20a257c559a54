/*
 * scan_report.h — how `ringvm scan` prints what the sweep finds.
 *
 * Owns: the text and JSON report formats, behind one ops table.  Each listed
 * instruction is shown with Capstone's disassembly (the independent decoder),
 * its symbol+offset, bytes, class and planned translation.
 */
#ifndef RINGVM_MONITOR_SCAN_REPORT_H
#define RINGVM_MONITOR_SCAN_REPORT_H

#include <capstone/capstone.h>

#include "monitor/scan.h"

struct scan_report;

struct scan_report *scan_report_open(const struct image *img, const struct scan_opts *o, csh cs);
void scan_report_begin(struct scan_report *rep);
void scan_report_insn(struct scan_report *rep, uint32_t addr, const uint8_t *p, unsigned len,
		      int row);
void scan_report_disagreement(struct scan_report *rep, enum xc_kind k, uint32_t addr,
			      const uint8_t *p, unsigned nbytes, unsigned zlen, unsigned clen,
			      const char *zy, const char *cs, int zrow, int crow);
void scan_report_end(struct scan_report *rep, const struct scan_result *r);
void scan_report_close(struct scan_report *rep);

const char *scan_xc_name(enum xc_kind k);

#endif
