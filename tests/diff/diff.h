/*
 * diff.h — the differential test harness shared by the tests in tests/diff.
 *
 * Owns: the guest/host state the differential tests compare (general
 * registers, arithmetic flags and DF, the FXSAVE image, one data region at
 * the same numeric address on both sides), the two ways of running
 * instruction bytes from such a state — as guest code through the
 * translator (a user-mode address space from memory/uspace, a translation
 * cache, tr_run until the `hlt` after the bytes) and natively, in 64-bit
 * mode, from a tiny JIT page — the signal plumbing that lets both catch
 * faults, the seeded PRNG, and printing (Capstone disassembly, state dumps).
 *
 * Layout, identical on both sides: guest code at DX_CODE (two pages), data at
 * DX_DATA (DX_DATA_SIZE bytes, read-write) between an unmapped page and a
 * read-only one, mapped in the uspace and, natively, at the same host
 * address with MAP_FIXED_NOREPLACE.
 */
#ifndef RINGVM_TESTS_DIFF_H
#define RINGVM_TESTS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "translator/run.h"

#define DX_CODE	     0x00100000u
#define DX_CODE_HI   0xc0000000u /* two more code pages, at a kernel address */
#define DX_DATA	     0x20000000u
#define DX_DATA_SIZE 0x3000u
/* Around the data region, on both sides: the page below is unmapped, the
 * page above (DX_RO) is mapped read-only and holds zeros.  Accesses that
 * reach them fault (SEGV_MAPERR, SEGV_ACCERR) at the same address. */
#define DX_RO (DX_DATA + DX_DATA_SIZE)

/* EFLAGS bits the tests set and compare */
#define DX_FLAGS 0x0cd5u /* CF PF AF ZF SF OF DF */

enum { DX_EAX, DX_ECX, DX_EDX, DX_EBX, DX_ESP, DX_EBP, DX_ESI, DX_EDI };

struct dstate {
	uint32_t r[8];
	uint32_t flags;
	uint32_t seg_base; /* guest %fs and %gs base; natively the %gs base */
	uint8_t fx[512] __attribute__((aligned(16)));
};

/* How a run ended and what it left. */
struct dout {
	struct dstate s;
	int sig;       /* 0: reached the end; else the host signal */
	int code;      /* si_code */
	uint32_t addr; /* SIGSEGV/SIGBUS: fault address */
	int fault_off; /* where the fault was reported, from the first code byte */
	char stop[80]; /* translator: why it stopped, if not at the final hlt */
	uint8_t mem[DX_DATA_SIZE];
};

/* ---- PRNG (splitmix64: any case can be replayed from seed and index) ---- */
struct rng {
	uint64_t s;
};
uint64_t rng_next(struct rng *r);
static inline uint32_t rng_u32(struct rng *r)
{
	return (uint32_t)(rng_next(r) >> 32);
}
/* uniform in [0, n) */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
/* true with probability 1/n */
static inline bool rng_one_in(struct rng *r, uint32_t n)
{
	return rng_below(r, n) == 0;
}
struct rng rng_for_case(uint64_t seed, uint64_t index);

/* ---- both sides ---------------------------------------------------------- */

/* Sets up the translator side (uspace, tcache, signals) and the native side
 * (data mapping, JIT page, signal dispatch on an alternate stack).  0, or
 * -1 with a message in ERR. */
int dx_init(char *err, size_t errlen);
void dx_fini(void);
/* The host lets user code set the %gs base (FSGSBASE). */
bool dx_have_gsbase(void);

/* Guest: runs CODE (LEN bytes, followed here by hlt) at DX_CODE + OFF
 * (OFF < 4096: the bytes may cross into the second page) from IN with the
 * data region set to MEM; OUT gets the result.  Expects to stop at the
 * hlt. */
void dx_run_guest(const uint8_t *code, unsigned len, unsigned off, const struct dstate *in,
		  const uint8_t *mem, struct dout *out);
/* Native: the same for 64-bit code bytes CODE (no hlt).  A non-zero
 * IN->seg_base needs dx_have_gsbase(). */
void dx_run_native(const uint8_t *code, unsigned len, const struct dstate *in, const uint8_t *mem,
		   struct dout *out);

/* Lower level, for the SDM tests: put CODE at DX_CODE + OFF (no hlt added),
 * run from eip DX_CODE + OFF with state IN and data MEM until tr_run
 * returns.  *EIP_OUT gets the guest eip at the stop. */
struct tr_exit dx_guest_exec(const uint8_t *code, unsigned len, unsigned off,
			     const struct dstate *in, const uint8_t *mem, struct dout *out,
			     uint32_t *eip_out);
/* The same with the code at DX_CODE_HI (a kernel-like address) + OFF. */
struct tr_exit dx_guest_exec_hi(const uint8_t *code, unsigned len, unsigned off,
				const struct dstate *in, const uint8_t *mem, struct dout *out,
				uint32_t *eip_out);
const char *dx_row_name(int row);

/* After dx_run_guest at OFF: does the translated host code of that block
 * carry a lock prefix before its exit?  (Atomicity is invisible to a
 * single-threaded comparison, so a lost lock is looked for in the code.) */
bool dx_guest_locked(unsigned off);

/* A default initial state: zero registers, flags 0, FCW 0x37f, MXCSR 0x1f80. */
void dx_state_default(struct dstate *s);

/* ---- printing ------------------------------------------------------------ */

/* Little-endian 16 and 32 bits at P; FLAGS as "ODSZAPC" with a '-' for
 * each clear flag (B: 8 bytes). */
uint16_t dx_u16(const uint8_t *p);
uint32_t dx_u32(const uint8_t *p);
void dx_flag_string(uint32_t flags, char *b);

/* "bytes: 0f af c1  imul eax, ecx" (BITS 32 or 64) into BUF. */
void dx_disasm(const uint8_t *code, unsigned len, int bits, char *buf, size_t n);
void dx_print_state(const char *tag, const struct dstate *s);
/* Only the general registers and flags. */
void dx_print_regs(const char *tag, const struct dstate *s);
/* Prints a line per differing register/flag/fx field/memory byte run. */
void dx_print_diff(const struct dout *a, const char *an, const struct dout *b, const char *bn,
		   uint32_t flag_mask, uint16_t fsw_mask);

/* Fields of the FXSAVE image that must agree (not FOP/FIP/FDP/CS/DS, not the
 * reserved bytes, not MXCSR_MASK), FSW bits in FSW_MASK excepted.  True if
 * equal. */
bool dx_fx_equal(const uint8_t *a, const uint8_t *b, uint16_t fsw_mask);

#endif
