/*
 * check_uspace.c — unit tests of memory/uspace: the user-mode guest address
 * space.
 *
 * The window is 4 GiB aligned with a faulting guard after it; mmap, munmap,
 * mprotect, mremap and brk follow Linux (addresses chosen, errors returned);
 * host accesses fault exactly where the guest's would; code pages are
 * write-protected and a write to one reaches the code hook and then
 * succeeds.  Faults are caught with a SIGSEGV handler and siglongjmp.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory/uspace.h"

#define PG	 USPACE_PAGE
#define ANON	 (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW	 (PROT_READ | PROT_WRITE)
#define MMAP_TOP 0xf7000000u

static sigjmp_buf fault_jmp;
static uint8_t *volatile fault_addr;
static struct uspace *volatile fault_us; /* if set, the handler tries code faults */
static volatile int handler_fixed;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	if (fault_us) {
		uint8_t *b = uspace_base(fault_us);
		uint8_t *a = si->si_addr;
		if (a >= b && a < b + USPACE_SIZE &&
		    uspace_code_write_fault(fault_us, (uint32_t)(a - b))) {
			handler_fixed++;
			return; /* retry the write */
		}
	}
	siglongjmp(fault_jmp, 1);
}

/* Does a host read (or write of V) at P fault?  The write is retried if the
 * handler fixes the fault (when fault_us is set). */
static bool faults(volatile uint8_t *p, bool write, uint8_t v)
{
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER}, old;
	bool hit = false;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	fault_addr = NULL;
	if (sigsetjmp(fault_jmp, 1)) {
		hit = true;
	} else if (write) {
		*p = v;
	} else {
		(void)*p;
	}
	sigaction(SIGSEGV, &old, NULL);
	return hit;
}

struct hook_log {
	int n;
	uint32_t addr[16], len[16];
};

static void hook(void *ctx, uint32_t addr, uint32_t len)
{
	struct hook_log *h = ctx;
	if (h->n < 16) {
		h->addr[h->n] = addr;
		h->len[h->n] = len;
	}
	h->n++;
}

static struct uspace *mk(void)
{
	struct uspace *us = uspace_create();
	ck_assert_ptr_nonnull(us);
	return us;
}

static uint8_t *hp(struct uspace *us, uint32_t a)
{
	return uspace_base(us) + a;
}

START_TEST(base_aligned_and_empty)
{
	struct uspace *us = mk();
	ck_assert_uint_eq((uintptr_t)uspace_base(us) & (USPACE_SIZE - 1), 0);
	ck_assert_int_eq(uspace_prot(us, 0), -1);
	ck_assert_int_eq(uspace_prot(us, 0x08048000), -1);
	ck_assert_int_eq(uspace_prot(us, 0xfffff000), -1);
	ck_assert_ptr_null(uspace_ptr(us, 0x08048000, 1, PROT_READ));
	ck_assert_ptr_eq(uspace_ptr(us, 0x1234, 0, PROT_READ), hp(us, 0x1234));
	uspace_destroy(us);
	uspace_destroy(NULL);
}
END_TEST

START_TEST(guard_and_holes_fault)
{
	struct uspace *us = mk();
	uint8_t *b = uspace_base(us);
	ck_assert(faults(b + USPACE_SIZE, false, 0));
	ck_assert_ptr_eq(fault_addr, b + USPACE_SIZE);
	ck_assert(faults(b + USPACE_SIZE + 0xffff, true, 1));
	ck_assert(faults(b + USPACE_SIZE - 1, false, 0));
	ck_assert(faults(b, false, 0));
	ck_assert(faults(b + 0x10000000, true, 1));
	uspace_destroy(us);
}
END_TEST

START_TEST(mmap_fixed)
{
	struct uspace *us = mk();
	ck_assert_int_eq(uspace_mmap(us, 0x10000000, 0x3000, RW, ANON | MAP_FIXED, -1, 0),
			 0x10000000);
	for (uint32_t a = 0x10000000; a < 0x10003000; a += PG)
		ck_assert_int_eq(uspace_prot(us, a), RW);
	ck_assert_int_eq(uspace_prot(us, 0x10003000), -1);
	ck_assert_int_eq(uspace_prot(us, 0x0ffff000), -1);
	ck_assert(!faults(hp(us, 0x10002fff), true, 0x5a));
	uint8_t v = 0;
	ck_assert_int_eq(uspace_read(us, &v, 0x10002fff, 1), 0);
	ck_assert_uint_eq(v, 0x5a);
	/* MAP_FIXED over a mapping replaces it: fresh zero page, new prot */
	ck_assert_int_eq(uspace_mmap(us, 0x10002000, 100, PROT_READ, ANON | MAP_FIXED, -1, 0),
			 0x10002000);
	ck_assert_uint_eq(*hp(us, 0x10002fff), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10002000), PROT_READ);
	ck_assert(faults(hp(us, 0x10002000), true, 1));
	/* errors as Linux returns them */
	ck_assert_int_eq(uspace_mmap(us, 0x10000100, PG, RW, ANON | MAP_FIXED, -1, 0), -EINVAL);
	ck_assert_int_eq(uspace_mmap(us, 0x20000000, 0, RW, ANON | MAP_FIXED, -1, 0), -EINVAL);
	ck_assert_int_eq(uspace_mmap(us, 0x20000000, PG, RW, MAP_ANONYMOUS | MAP_FIXED, -1, 0),
			 -EINVAL);
	ck_assert_int_eq(uspace_mmap(us, 0x20000000, PG, RW, MAP_PRIVATE | MAP_FIXED, -1, 0x10),
			 -EINVAL);
	ck_assert_int_eq(uspace_mmap(us, 0xfffff000, PG, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	ck_assert_int_eq(uspace_mmap(us, 0xffff0000, 0x20000, RW, ANON | MAP_FIXED, -1, 0),
			 -ENOMEM);
	ck_assert_int_eq(uspace_mmap(us, 0x1000, PG, RW, ANON | MAP_FIXED, -1, 0), -EPERM);
	ck_assert_int_eq(uspace_mmap(us, 0xffffd000, PG, RW, ANON | MAP_FIXED, -1, 0), 0xffffd000);
	uspace_destroy(us);
}
END_TEST

START_TEST(mmap_nonfixed_and_hint)
{
	struct uspace *us = mk();
	int64_t a = uspace_mmap(us, 0, 0x2000, RW, ANON, -1, 0);
	ck_assert_int_eq(a, MMAP_TOP - 0x2000);
	ck_assert_int_eq(uspace_mmap(us, 0, 100, RW, ANON, -1, 0), MMAP_TOP - 0x3000);
	ck_assert_int_eq(uspace_prot(us, MMAP_TOP - 0x3000), RW);
	/* a hole left by munmap is reused top-down */
	ck_assert_int_eq(uspace_munmap(us, (uint32_t)a, 0x2000), 0);
	ck_assert_int_eq(uspace_mmap(us, 0, PG, RW, ANON, -1, 0), MMAP_TOP - PG);
	/* a free hint is honoured (rounded down), a taken one is not */
	ck_assert_int_eq(uspace_mmap(us, 0x20000000, PG, RW, ANON, -1, 0), 0x20000000);
	int64_t b = uspace_mmap(us, 0x20000000, PG, RW, ANON, -1, 0);
	ck_assert_int_ne(b, 0x20000000);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)b), RW);
	ck_assert_int_eq(uspace_mmap(us, 0x30000123, PG, RW, ANON, -1, 0), 0x30000000);
	/* no room */
	ck_assert_int_eq(uspace_mmap(us, 0, 0xfffff000, RW, ANON, -1, 0), -ENOMEM);
	ck_assert_int_eq(uspace_mmap(us, 0, 0xf0000000, RW, ANON | MAP_NORESERVE, -1, 0), -ENOMEM);
	uspace_destroy(us);
}
END_TEST

START_TEST(mmap_fixed_noreplace)
{
	struct uspace *us = mk();
	ck_assert_int_eq(uspace_mmap(us, 0x10001000, PG, RW, ANON | MAP_FIXED, -1, 0), 0x10001000);
	*hp(us, 0x10001000) = 7;
	ck_assert_int_eq(uspace_mmap(us, 0x10000000, 0x3000, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 -EEXIST);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), -1);
	ck_assert_uint_eq(*hp(us, 0x10001000), 7);
	ck_assert_int_eq(uspace_mmap(us, 0x10002000, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 0x10002000);
	ck_assert_int_eq(uspace_mmap(us, 0x10002800, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0),
			 -EINVAL);
	uspace_destroy(us);
}
END_TEST

START_TEST(munmap_unmaps)
{
	struct uspace *us = mk();
	ck_assert_int_eq(uspace_mmap(us, 0x10000000, 0x3000, RW, ANON | MAP_FIXED, -1, 0),
			 0x10000000);
	ck_assert_ptr_nonnull(uspace_ptr(us, 0x10000000, 0x3000, RW));
	ck_assert_int_eq(uspace_munmap(us, 0x10001000, 1), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10001000), -1);
	ck_assert_ptr_null(uspace_ptr(us, 0x10001000, 1, PROT_READ));
	ck_assert_ptr_null(uspace_ptr(us, 0x10000000, 0x3000, PROT_READ));
	ck_assert_ptr_nonnull(uspace_ptr(us, 0x10002000, PG, RW));
	ck_assert(faults(hp(us, 0x10001800), false, 0));
	ck_assert(!faults(hp(us, 0x10000800), true, 1));
	ck_assert_int_eq(uspace_munmap(us, 0x10000800, PG), -EINVAL);
	ck_assert_int_eq(uspace_munmap(us, 0x10000000, 0), -EINVAL);
	ck_assert_int_eq(uspace_munmap(us, 0xfff00000, 0x200000), -EINVAL);
	ck_assert_int_eq(uspace_munmap(us, 0x50000000, 0x10000), 0); /* nothing there */
	ck_assert_int_eq(uspace_munmap(us, 0x10000000, 0x3000), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), -1);
	ck_assert(faults(hp(us, 0x10000000), false, 0));
	uspace_destroy(us);
}
END_TEST

START_TEST(mprotect_changes_access)
{
	struct uspace *us = mk();
	ck_assert_int_eq(uspace_mmap(us, 0x10000000, 0x2000, RW, ANON | MAP_FIXED, -1, 0),
			 0x10000000);
	*hp(us, 0x10000000) = 9;
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, PG, PROT_READ), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), PROT_READ);
	ck_assert_int_eq(uspace_prot(us, 0x10001000), RW);
	ck_assert_ptr_null(uspace_ptr(us, 0x10000000, 1, PROT_WRITE));
	ck_assert_ptr_nonnull(uspace_ptr(us, 0x10000000, 1, PROT_READ));
	ck_assert_int_eq(uspace_write(us, 0x10000fff, "ab", 2), -EFAULT);
	ck_assert(faults(hp(us, 0x10000000), true, 1));
	ck_assert(!faults(hp(us, 0x10000000), false, 0));
	ck_assert_uint_eq(*hp(us, 0x10000000), 9);
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, PG, PROT_NONE), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), 0);
	ck_assert_ptr_null(uspace_ptr(us, 0x10000000, 1, PROT_READ));
	ck_assert(faults(hp(us, 0x10000000), false, 0));
	/* exec-only reads on x86; the host mapping never gets PROT_EXEC */
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, PG, PROT_EXEC), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), PROT_EXEC);
	ck_assert_ptr_nonnull(uspace_ptr(us, 0x10000000, 1, PROT_READ | PROT_EXEC));
	ck_assert(!faults(hp(us, 0x10000000), false, 0));
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, 0x2000, RW | PROT_EXEC), 0);
	ck_assert(!faults(hp(us, 0x10000000), true, 3));
	/* errors */
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, 0x3000, RW), -ENOMEM);
	ck_assert_int_eq(uspace_mprotect(us, 0x10000001, PG, RW), -EINVAL);
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, PG, 0x100), -EINVAL);
	ck_assert_int_eq(uspace_mprotect(us, 0x10000000, 0, PROT_NONE), 0);
	ck_assert_int_eq(uspace_prot(us, 0x10000000), RW | PROT_EXEC);
	uspace_destroy(us);
}
END_TEST

START_TEST(brk_grows_shrinks_collides)
{
	struct uspace *us = mk();
	uspace_brk_init(us, 0x08050123);
	ck_assert_uint_eq(uspace_brk(us, 0), 0x08051000);
	ck_assert_int_eq(uspace_prot(us, 0x08051000), -1);
	ck_assert_uint_eq(uspace_brk(us, 0x08053010), 0x08053010);
	for (uint32_t a = 0x08051000; a < 0x08054000; a += PG)
		ck_assert_int_eq(uspace_prot(us, a), RW);
	ck_assert_int_eq(uspace_prot(us, 0x08054000), -1);
	ck_assert_uint_eq(*hp(us, 0x08053fff), 0);
	*hp(us, 0x08051000) = 1;
	ck_assert_uint_eq(uspace_brk(us, 0x08052000), 0x08052000);
	ck_assert_int_eq(uspace_prot(us, 0x08052000), -1);
	ck_assert_int_eq(uspace_prot(us, 0x08051000), RW);
	ck_assert_uint_eq(*hp(us, 0x08051000), 1);
	ck_assert_uint_eq(uspace_brk(us, 0x08040000), 0x08052000); /* below the start */
	ck_assert_uint_eq(uspace_brk(us, 0), 0x08052000);
	/* a mapping in the way stops the break */
	ck_assert_int_eq(uspace_mmap(us, 0x08060000, PG, RW, ANON | MAP_FIXED, -1, 0), 0x08060000);
	ck_assert_uint_eq(uspace_brk(us, 0x08060001), 0x08052000);
	ck_assert_int_eq(uspace_prot(us, 0x08052000), -1);
	ck_assert_uint_eq(uspace_brk(us, 0x08060000), 0x08060000);
	ck_assert_uint_eq(uspace_brk(us, 0xfffff000), 0x08060000);
	ck_assert_uint_eq(uspace_brk(us, 0x08051000), 0x08051000);
	ck_assert_int_eq(uspace_prot(us, 0x08051000), -1);
	ck_assert_int_eq(uspace_prot(us, 0x08060000), RW);
	uspace_destroy(us);
}
END_TEST

static void fill(struct uspace *us, uint32_t a, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		hp(us, a)[i] = (uint8_t)(seed + i * 7);
}

static bool same(struct uspace *us, uint32_t a, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (hp(us, a)[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

START_TEST(mremap_shrink_grow_move)
{
	struct uspace *us = mk();
	const uint32_t A = 0x40000000;
	ck_assert_int_eq(uspace_mmap(us, A, 0x2000, RW, ANON | MAP_FIXED, -1, 0), A);
	fill(us, A, 0x2000, 3);
	ck_assert_int_eq(uspace_mremap(us, A, 0x2000, 0x1000, 0, 0), A);
	ck_assert_int_eq(uspace_prot(us, A + PG), -1);
	ck_assert(faults(hp(us, A + PG), false, 0));
	ck_assert_int_eq(uspace_mremap(us, A, 0x1000, 0x3000, 0, 0), A); /* in place */
	ck_assert(same(us, A, PG, 3));
	ck_assert_uint_eq(*hp(us, A + 0x2fff), 0);
	ck_assert_int_eq(uspace_prot(us, A + 0x2000), RW);
	fill(us, A, 0x3000, 5);
	ck_assert_int_eq(uspace_mmap(us, A + 0x3000, PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
			 A + 0x3000);
	ck_assert_int_eq(uspace_mremap(us, A, 0x3000, 0x5000, 0, 0), -ENOMEM);
	int64_t b = uspace_mremap(us, A, 0x3000, 0x5000, MREMAP_MAYMOVE, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_ne(b, A);
	ck_assert(same(us, (uint32_t)b, 0x3000, 5));
	ck_assert_int_eq(uspace_prot(us, (uint32_t)b + 0x4000), RW);
	ck_assert_int_eq(uspace_prot(us, A), -1);
	ck_assert_int_eq(uspace_prot(us, A + 0x3000), PROT_READ);
	ck_assert(faults(hp(us, A), false, 0));
	ck_assert(faults(hp(us, A + 0x2000), false, 0));
	/* MREMAP_FIXED onto a chosen address, over what was there */
	ck_assert_int_eq(uspace_mmap(us, 0x50001000, PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
			 0x50001000);
	ck_assert_int_eq(uspace_mremap(us, (uint32_t)b, 0x5000, 0x2000,
				       MREMAP_MAYMOVE | MREMAP_FIXED, 0x50000000),
			 0x50000000);
	ck_assert(same(us, 0x50000000, 0x2000, 5));
	ck_assert_int_eq(uspace_prot(us, 0x50001000), RW);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)b), -1);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)b + 0x4000), -1);
	/* errors */
	ck_assert_int_eq(uspace_mremap(us, 0x50000000, 0x2000, 0x4000,
				       MREMAP_MAYMOVE | MREMAP_FIXED, 0x50001000),
			 -EINVAL);
	ck_assert_int_eq(uspace_mremap(us, 0x50000000, 0x2000, 0x4000, MREMAP_FIXED, 0x60000000),
			 -EINVAL);
	ck_assert_int_eq(uspace_mremap(us, 0x60000000, 0x1000, 0x2000, MREMAP_MAYMOVE, 0), -EFAULT);
	ck_assert_int_eq(uspace_mremap(us, 0x50000000, 0x2000, 0, MREMAP_MAYMOVE, 0), -EINVAL);
	ck_assert_int_eq(uspace_mremap(us, 0x50000100, 0x1000, 0x2000, MREMAP_MAYMOVE, 0), -EINVAL);
	uspace_destroy(us);
}
END_TEST

START_TEST(ptr_and_copies_check_ranges)
{
	struct uspace *us = mk();
	char buf[16];
	ck_assert_int_eq(uspace_mmap(us, 0xffffd000, PG, RW, ANON | MAP_FIXED, -1, 0), 0xffffd000);
	ck_assert_ptr_nonnull(uspace_ptr(us, 0xffffd000, PG, RW));
	ck_assert_ptr_null(uspace_ptr(us, 0xffffd000, PG + 1, PROT_READ));
	ck_assert_ptr_null(uspace_ptr(us, 0xfffff000, 0x2000, PROT_READ)); /* wraps */
	ck_assert_ptr_null(uspace_ptr(us, 0xffffffff, 2, PROT_READ));
	ck_assert_ptr_null(uspace_ptr(us, 0xffffd001, 0xffffffff, PROT_READ));
	ck_assert_ptr_nonnull(uspace_ptr(us, 0xffffffff, 0, PROT_READ));
	ck_assert_int_eq(uspace_write(us, 0xffffdffc, "hello", 5), -EFAULT);
	ck_assert_int_eq(uspace_write(us, 0xffffdff0, "hello", 6), 0);
	ck_assert_int_eq(uspace_read(us, buf, 0xffffdff0, 6), 0);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(uspace_read(us, buf, 0xffffdffc, 8), -EFAULT);
	ck_assert_int_eq(uspace_strnlen(us, 0xffffdff0, 100), 5);
	ck_assert_int_eq(uspace_strnlen(us, 0xffffdff0, 3), 3);
	ck_assert_int_eq(uspace_strnlen(us, 0xffffdff0, 0), 0);
	memset(hp(us, 0xffffdff0), 'x', 16);
	ck_assert_int_eq(uspace_strnlen(us, 0xffffdff0, 16), 16);
	ck_assert_int_eq(uspace_strnlen(us, 0xffffdff0, 17), -EFAULT);
	ck_assert_int_eq(uspace_strnlen(us, 0xfffffff0, 100), -EFAULT);
	/* a string across two pages */
	ck_assert_int_eq(uspace_mmap(us, 0x10000000, 0x2000, RW, ANON | MAP_FIXED, -1, 0),
			 0x10000000);
	memset(hp(us, 0x10000ff0), 'y', 0x20);
	ck_assert_int_eq(uspace_strnlen(us, 0x10000ff0, 0x1000), 0x20);
	uspace_destroy(us);
}
END_TEST

static struct uspace *code_setup(struct hook_log *log)
{
	struct uspace *us = mk();
	memset(log, 0, sizeof(*log));
	uspace_set_code_hook(us, hook, log);
	ck_assert_int_eq(
	    uspace_mmap(us, 0x08048000, 0x3000, RW | PROT_EXEC, ANON | MAP_FIXED, -1, 0),
	    0x08048000);
	memset(hp(us, 0x08048000), 0x90, 0x3000);
	return us;
}

START_TEST(code_page_write_faults_then_retries)
{
	struct hook_log log;
	struct uspace *us = code_setup(&log);
	uspace_code_page(us, 0x08049123);
	ck_assert_int_eq(uspace_prot(us, 0x08049000), RW | PROT_EXEC);
	ck_assert(!faults(hp(us, 0x08049010), false, 0)); /* reads see the bytes */
	ck_assert_uint_eq(*hp(us, 0x08049010), 0x90);
	ck_assert(!faults(hp(us, 0x08048010), true, 1)); /* neighbours are not code */
	ck_assert(faults(hp(us, 0x08049010), true, 0xcc));
	ck_assert_ptr_eq(fault_addr, hp(us, 0x08049010));
	ck_assert_int_eq(log.n, 0);
	uint32_t guest = (uint32_t)(fault_addr - uspace_base(us));
	ck_assert(uspace_code_write_fault(us, guest));
	ck_assert_int_eq(log.n, 1);
	ck_assert_uint_eq(log.addr[0], 0x08049000);
	ck_assert_uint_eq(log.len[0], PG);
	ck_assert(!faults(hp(us, 0x08049010), true, 0xcc));
	ck_assert_uint_eq(*hp(us, 0x08049010), 0xcc);
	ck_assert(!uspace_code_write_fault(us, guest)); /* no longer code */
	/* the same from inside the signal handler, the write retried */
	uspace_code_page(us, 0x0804a000);
	fault_us = us;
	handler_fixed = 0;
	ck_assert(!faults(hp(us, 0x0804a004), true, 0xc3));
	fault_us = NULL;
	ck_assert_int_eq(handler_fixed, 1);
	ck_assert_uint_eq(*hp(us, 0x0804a004), 0xc3);
	ck_assert_int_eq(log.n, 2);
	ck_assert_uint_eq(log.addr[1], 0x0804a000);
	uspace_destroy(us);
}
END_TEST

START_TEST(code_page_read_only_is_a_true_fault)
{
	struct hook_log log;
	struct uspace *us = code_setup(&log);
	ck_assert_int_eq(uspace_mprotect(us, 0x08048000, PG, PROT_READ | PROT_EXEC), 0);
	uspace_code_page(us, 0x08048000);
	ck_assert(faults(hp(us, 0x08048000), true, 1));
	ck_assert(!uspace_code_write_fault(us, 0x08048000));
	ck_assert(!uspace_code_write_fault(us, 0x08049000)); /* writable, not code */
	ck_assert(!uspace_code_write_fault(us, 0x20000000)); /* unmapped */
	uspace_code_page(us, 0x20000000);		     /* ignored */
	ck_assert_int_eq(uspace_prot(us, 0x20000000), -1);
	/* made writable while still code: stays write-protected, hook on write */
	ck_assert_int_eq(uspace_mprotect(us, 0x08048000, PG, RW | PROT_EXEC), 0);
	ck_assert_int_eq(log.n, 0);
	ck_assert(faults(hp(us, 0x08048000), true, 1));
	ck_assert(uspace_code_write_fault(us, 0x08048000));
	ck_assert_int_eq(log.n, 1);
	ck_assert(!faults(hp(us, 0x08048000), true, 1));
	uspace_destroy(us);
}
END_TEST

START_TEST(code_hook_on_map_changes)
{
	struct hook_log log;
	struct uspace *us = code_setup(&log);
	uspace_code_page(us, 0x08048000);
	uspace_code_page(us, 0x08049000);
	ck_assert_int_eq(uspace_munmap(us, 0x08049000, PG), 0);
	ck_assert_int_eq(log.n, 1);
	ck_assert_uint_eq(log.addr[0], 0x08049000);
	ck_assert_uint_eq(log.len[0], PG);
	ck_assert_int_eq(uspace_mprotect(us, 0x08048000, PG, PROT_READ), 0); /* loses X */
	ck_assert_int_eq(log.n, 2);
	ck_assert_uint_eq(log.addr[1], 0x08048000);
	ck_assert_int_eq(uspace_mprotect(us, 0x08048000, PG, RW | PROT_EXEC), 0);
	ck_assert(!faults(hp(us, 0x08048000), true, 1)); /* no longer code */
	/* a system call writing into code */
	uspace_code_page(us, 0x0804a000);
	ck_assert_int_eq(uspace_write(us, 0x0804a010, "\xcc", 1), 0);
	ck_assert_int_eq(log.n, 3);
	ck_assert_uint_eq(log.addr[2], 0x0804a000);
	ck_assert_uint_eq(*hp(us, 0x0804a010), 0xcc);
	ck_assert(!faults(hp(us, 0x0804a010), true, 1));
	/* moved by mremap */
	uspace_code_page(us, 0x0804a000);
	int64_t b = uspace_mremap(us, 0x08048000, PG, 0x10000, MREMAP_MAYMOVE, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(log.n, 3); /* 0x08048000 holds no code now */
	b = uspace_mremap(us, 0x0804a000, PG, 0x10000, MREMAP_MAYMOVE, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_eq(log.n, 4);
	ck_assert_uint_eq(log.addr[3], 0x0804a000);
	ck_assert(!faults(hp(us, (uint32_t)b), true, 1));
	/* replaced by MAP_FIXED */
	uspace_code_page(us, (uint32_t)b + PG);
	ck_assert_int_eq(uspace_mmap(us, (uint32_t)b, 0x2000, RW, ANON | MAP_FIXED, -1, 0), b);
	ck_assert_int_eq(log.n, 5);
	ck_assert_uint_eq(log.addr[4], (uint32_t)b + PG);
	uspace_destroy(us);
}
END_TEST

START_TEST(file_mappings)
{
	char path[] = "/tmp/check_uspace.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	uint8_t data[3 * PG];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i / PG + 1 + i * 13);
	ck_assert_int_eq(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));

	struct uspace *us = mk();
	int64_t a = uspace_mmap(us, 0, 2 * PG, PROT_READ, MAP_PRIVATE, fd, PG);
	ck_assert_int_gt(a, 0);
	ck_assert_mem_eq(hp(us, (uint32_t)a), data + PG, 2 * PG);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)a), PROT_READ);
	ck_assert(faults(hp(us, (uint32_t)a), true, 1));
	/* shared and writable: the file sees guest writes */
	int64_t s = uspace_mmap(us, 0x30000000, PG, RW, MAP_SHARED | MAP_FIXED, fd, 2 * PG);
	ck_assert_int_eq(s, 0x30000000);
	ck_assert_uint_eq(*hp(us, 0x30000000), data[2 * PG]);
	ck_assert_int_eq(uspace_write(us, 0x30000000, "ringvm", 6), 0);
	char back[7] = {0};
	ck_assert_int_eq(pread(fd, back, 6, 2 * PG), 6);
	ck_assert_str_eq(back, "ringvm");
	ck_assert_int_eq(uspace_mmap(us, 0, PG, PROT_READ, MAP_PRIVATE, 987654, 0), -EBADF);
	/* a failed MAP_FIXED leaves what was there usable, code page or not */
	int ro = open("/proc/self/exe", O_RDONLY);
	ck_assert_int_ge(ro, 0);
	uspace_code_page(us, 0x30000000);
	ck_assert_int_eq(uspace_mmap(us, 0x30000000, PG, RW, MAP_SHARED | MAP_FIXED, ro, 0),
			 -EACCES);
	close(ro);
	ck_assert_int_eq(uspace_prot(us, 0x30000000), RW);
	ck_assert_mem_eq(hp(us, 0x30000000), "ringvm", 6);
	fault_us = us;
	ck_assert(!faults(hp(us, 0x30000000), true, 'R'));
	fault_us = NULL;
	ck_assert_uint_eq(*hp(us, 0x30000000), 'R');
	ck_assert_int_eq(uspace_prot(us, MMAP_TOP - 3 * PG), -1); /* nothing left */
	close(fd);
	ck_assert_mem_eq(hp(us, (uint32_t)a), data + PG, PG); /* outlives the fd */
	ck_assert_mem_eq(hp(us, (uint32_t)a + PG), "Ringvm",
			 6); /* private, unwritten: sees the file */
	uspace_destroy(us);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("uspace");
	TCase *m = tcase_create("mappings");
	tcase_add_test(m, base_aligned_and_empty);
	tcase_add_test(m, guard_and_holes_fault);
	tcase_add_test(m, mmap_fixed);
	tcase_add_test(m, mmap_nonfixed_and_hint);
	tcase_add_test(m, mmap_fixed_noreplace);
	tcase_add_test(m, munmap_unmaps);
	tcase_add_test(m, mprotect_changes_access);
	tcase_add_test(m, brk_grows_shrinks_collides);
	tcase_add_test(m, mremap_shrink_grow_move);
	tcase_add_test(m, ptr_and_copies_check_ranges);
	tcase_add_test(m, file_mappings);
	suite_add_tcase(s, m);
	TCase *c = tcase_create("code");
	tcase_add_test(c, code_page_write_faults_then_retries);
	tcase_add_test(c, code_page_read_only_is_a_true_fault);
	tcase_add_test(c, code_hook_on_map_changes);
	suite_add_tcase(s, c);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
