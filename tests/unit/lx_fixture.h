/*
 * lx_fixture.h — the shared fixture of the Linux i386 personality's unit
 * tests (check_lx.c, check_lx_net.c, check_lx_signal.c).  Test-only: every
 * definition is static, one copy per test program.
 *
 * It provides:
 *   - the guest process: a real address space (us), its lx_proc (P), one
 *     lx_thread (T) and its guest CPU (C), with a read-write scratch area
 *     of SCRATCH_LEN bytes at SCRATCH (STR for strings, BUF and BUF2 for
 *     buffers);
 *   - the Check fixtures lx_setup()/lx_teardown() for that alone, and
 *     lx_setup_files()/lx_teardown_files() that also set the brk at
 *     0x08100000 and make a fresh host directory (tmpdir), removed after;
 *   - sys6(), sys() and sys0(): one i386 int $0x80 through lx_syscall();
 *   - G(), gstr(), u32at(), u64at(): guest memory by guest address.
 */
#ifndef LX_FIXTURE_H
#define LX_FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory/uspace.h"
#include "monitor/user/lx.h"

#define SCRATCH	    0x10000000u
#define SCRATCH_LEN (1u << 20)
#define STR	    SCRATCH		/* strings */
#define BUF	    (SCRATCH + 0x10000) /* buffers */
#define BUF2	    (SCRATCH + 0x20000)
#define ANON	    (MAP_PRIVATE | MAP_ANONYMOUS)

static struct uspace *us;
static struct lx_proc P;
static struct lx_thread T;
static struct gcpu C;
static char tmpdir[64];

/* A fresh uspace with the scratch area mapped, and a process and thread on it. */
static inline void lx_setup(void)
{
	us = uspace_create();
	ck_assert_ptr_nonnull(us);
	ck_assert_int_eq(lx_proc_init(&P, us, NULL, NULL, "/bin/guest"), 0);
	memset(&C, 0, sizeof C);
	lx_thread_init(&T, &P, &C);
	ck_assert_int_eq(
	    uspace_mmap(us, SCRATCH, SCRATCH_LEN, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0),
	    SCRATCH);
}

static inline void lx_teardown(void)
{
	lx_proc_fini(&P);
	uspace_destroy(us);
}

/* lx_setup(), the brk at 0x08100000 and a new host directory in tmpdir. */
static inline void lx_setup_files(void)
{
	lx_setup();
	uspace_brk_init(us, 0x08100000);
	strcpy(tmpdir, "/tmp/check_lx.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void lx_teardown_files(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	lx_teardown();
}

/* i386 int $0x80 with eax = NR and ebx.. = args; returns eax (signed). */
static inline int32_t sys6(uint32_t nr, uint32_t b, uint32_t c, uint32_t d, uint32_t s, uint32_t di,
			   uint32_t bp)
{
	C.regs[GR_EAX] = nr;
	C.regs[GR_EBX] = b;
	C.regs[GR_ECX] = c;
	C.regs[GR_EDX] = d;
	C.regs[GR_ESI] = s;
	C.regs[GR_EDI] = di;
	C.regs[GR_EBP] = bp;
	C.eip = 0x08048002;
	ck_assert_int_eq(lx_syscall(&T), LX_CONTINUE);
	return (int32_t)C.regs[GR_EAX];
}

/* sys(nr, args...): missing arguments are 0; sys0(nr): no arguments. */
#define sys(nr, ...)			   sys6_(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define sys6_(nr, b, c, d, s, di, bp, ...) sys6(nr, b, c, d, s, di, bp)
#define sys0(nr)			   sys6(nr, 0, 0, 0, 0, 0, 0)

/* The host address of guest address A. */
static inline uint8_t *G(uint32_t a)
{
	return uspace_base(us) + a;
}

/* Copy S to guest address AT; returns AT. */
static inline uint32_t gstr(uint32_t at, const char *s)
{
	strcpy((char *)G(at), s);
	return at;
}

static inline uint32_t u32at(uint32_t a)
{
	uint32_t v;
	memcpy(&v, G(a), 4);
	return v;
}

static inline uint64_t u64at(uint32_t a)
{
	uint64_t v;
	memcpy(&v, G(a), 8);
	return v;
}

#endif
