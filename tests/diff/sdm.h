/*
 * sdm.h — helpers of the SDM oracle test (diff_sdm.c, sdm_bcd.c, defined in
 * sdm_util.c): running a guest snippet through the translator and comparing
 * it with a state the test worked out from the Intel SDM's pseudo-code,
 * counting and printing failures, and little-endian access to the data
 * region.
 */
#ifndef RINGVM_TESTS_DIFF_SDM_H
#define RINGVM_TESTS_DIFF_SDM_H

#include "tests/diff/diff.h"

#define S_CF 0x001u
#define S_PF 0x004u
#define S_AF 0x010u
#define S_ZF 0x040u
#define S_SF 0x080u
#define S_OF 0x800u
#define S_DF 0x400u

extern unsigned sdm_checks, sdm_fails;

/* Runs CODE (LEN bytes, the last one a hlt) from IN and MEM; passes if it
 * stops at that hlt with the registers of EXP, its flags under FMASK, and
 * memory EXPMEM.  Prints the case when not. */
bool sdm_expect(const char *what, const uint8_t *code, unsigned len, const struct dstate *in,
		const uint8_t *mem, const struct dstate *exp, const uint8_t *expmem,
		uint32_t fmask);

/* Runs CODE; passes if the translator stops at its first instruction with a
 * callout for sensitive.def row ROW and instruction length ILEN, guest state
 * untouched.  OUT (may be NULL) gets the state at the stop. */
bool sdm_expect_callout(const char *what, const uint8_t *code, unsigned len,
			const struct dstate *in, const uint8_t *mem, const char *row, unsigned ilen,
			struct dout *out);

/* Counts a check; on failure prints WHAT, the bytes and the message. */
bool sdm_check(bool ok, const char *what, const uint8_t *code, unsigned len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* One line per label that failed, with its count. */
void sdm_print_failures(void);

static inline uint8_t *sdm_at(uint8_t *mem, uint32_t a)
{
	return mem + (a - DX_DATA);
}
uint32_t sdm_rd(const uint8_t *mem, uint32_t a, int size);
void sdm_wr(uint8_t *mem, uint32_t a, uint32_t v, int size);
/* parity flag of the low byte, SF/ZF of a SIZE-byte result */
uint32_t sdm_szp(uint32_t v, int size);

/* sdm_bcd.c */
void sdm_bcd(void);
void sdm_short_forms(void);

#endif
