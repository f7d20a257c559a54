/*
 * uspace.c — the address space of a user-mode guest (see uspace.h).
 *
 * Owns: the 4 GiB window (+ 64 KiB PROT_NONE guard) reserved in host address
 * space, the byte of state kept for each of its 1M guest pages, the brk, and
 * the write-protection of pages that hold translated code.
 *
 * The window is never given back to the host while the uspace lives: an
 * unmapped guest page is a PROT_NONE, MAP_NORESERVE host page, so no host
 * allocation can land inside the window.  Guest mappings replace parts of
 * that reservation with MAP_FIXED host mappings, and unmapping puts the
 * reservation back.  Host mremap is the one call that leaves a hole for a
 * moment (the moved-from range), refilled at once.
 *
 * All changes to mappings happen under one recursive mutex; the code hook is
 * called with it held (the hook may call back into the uspace).
 */
#include "memory/uspace.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NPAGES (uint32_t)(USPACE_SIZE / USPACE_PAGE)
#define PMASK  (USPACE_PAGE - 1)
#define GUARD  (64u << 10)
/* Mappings end at or below 0xffffe000, as for ia32 tasks on x86-64. */
#define LIMIT 0xffffe000u
/* Lowest guest mapping (vm.mmap_min_addr as Debian sets it). */
#define MIN_ADDR 0x10000u
/* Top of the area searched first for mappings without MAP_FIXED. */
#define MMAP_TOP 0xf7000000u

/* Page state: the low three bits are the guest's PROT_READ/WRITE/EXEC. */
#define PS_PROT	  0x07u
#define PS_MAPPED 0x08u
#define PS_CODE	  0x10u

_Static_assert(PROT_READ == 1 && PROT_WRITE == 2 && PROT_EXEC == 4, "PROT_* values");

struct uspace {
	uint8_t *base;
	uint8_t *page; /* NPAGES state bytes */
	uint32_t brk_start, brk;
	uspace_code_hook hook;
	void *hook_ctx;
	pthread_mutex_t lock;
};

static uint64_t page_up(uint64_t x)
{
	return (x + PMASK) & ~(uint64_t)PMASK;
}

static uint8_t *st(const struct uspace *us, uint64_t addr)
{
	return &us->page[addr / USPACE_PAGE];
}

static void lock(const struct uspace *us)
{
	pthread_mutex_lock(&((struct uspace *)us)->lock);
}

static void unlock(const struct uspace *us)
{
	pthread_mutex_unlock(&((struct uspace *)us)->lock);
}

/* Host protection for a page in state S: never EXEC; no WRITE on code. */
static int host_prot(uint8_t s)
{
	int p = (s & (PROT_READ | PROT_EXEC)) ? PROT_READ : 0;
	if ((s & PROT_WRITE) && !(s & PS_CODE))
		p |= PROT_WRITE;
	return p;
}

/* End of the run of pages from ADDR (below END) whose state agrees with
 * ADDR's in the bits of MASK. */
static uint64_t run_end(const struct uspace *us, uint64_t addr, uint64_t end, uint8_t mask)
{
	uint8_t want = *st(us, addr) & mask;
	uint64_t a = addr + USPACE_PAGE;
	while (a < end && (*st(us, a) & mask) == want)
		a += USPACE_PAGE;
	return a;
}

static bool range_has(const struct uspace *us, uint64_t addr, uint64_t len, bool mapped)
{
	for (uint64_t a = addr; a < addr + len; a += USPACE_PAGE)
		if (!!(*st(us, a) & PS_MAPPED) != mapped)
			return false;
	return true;
}

static int reserve(struct uspace *us, uint64_t addr, uint64_t len, int extra)
{
	void *p = mmap(us->base + addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}

/* Forget that pages of [addr, addr+len) hold code: tell the hook about each
 * run of code pages and, if REPROTECT, give them back their host protection
 * (not needed when the pages were just replaced). */
static void drop_code(struct uspace *us, uint64_t addr, uint64_t len, bool reprotect)
{
	uint64_t end = addr + len;
	for (uint64_t a = addr, b; a < end; a = b) {
		b = run_end(us, a, end, PS_CODE | PS_PROT);
		if (!(*st(us, a) & PS_CODE))
			continue;
		for (uint64_t p = a; p < b; p += USPACE_PAGE)
			*st(us, p) &= ~PS_CODE;
		if (reprotect)
			mprotect(us->base + a, b - a, host_prot(*st(us, a)));
		if (us->hook)
			us->hook(us->hook_ctx, (uint32_t)a, (uint32_t)(b - a));
	}
}

/* After a failed host call that may have unmapped part of [addr, addr+len):
 * put the reservation back in every hole, and forget those guest pages. */
static void repair(struct uspace *us, uint64_t addr, uint64_t len)
{
	drop_code(us, addr, len, true);
	for (uint64_t a = addr; a < addr + len; a += USPACE_PAGE)
		if (reserve(us, a, USPACE_PAGE, MAP_FIXED_NOREPLACE) == 0)
			*st(us, a) = 0;
}

static void set_state(struct uspace *us, uint64_t addr, uint64_t len, uint8_t s)
{
	memset(st(us, addr), s, len / USPACE_PAGE);
}

static int unmap_range(struct uspace *us, uint64_t addr, uint64_t len)
{
	if (!len)
		return 0;
	int rc = reserve(us, addr, len, MAP_FIXED);
	if (rc < 0) {
		repair(us, addr, len);
		return rc;
	}
	drop_code(us, addr, len, false);
	set_state(us, addr, len, 0);
	return 0;
}

struct uspace *uspace_create(void)
{
	const uint64_t span = 2 * USPACE_SIZE + GUARD, keep = USPACE_SIZE + GUARD;
	struct uspace *us = calloc(1, sizeof(*us));
	if (!us)
		return NULL;
	us->page = calloc(NPAGES, 1);
	if (!us->page)
		goto fail_us;
	uint8_t *r =
	    mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		goto fail_page;
	uintptr_t lo = (uintptr_t)r, a = (lo + USPACE_SIZE - 1) & ~(uintptr_t)(USPACE_SIZE - 1);
	if (a > lo)
		munmap(r, a - lo);
	if (lo + span > a + keep)
		munmap((void *)(a + keep), lo + span - (a + keep));
	us->base = (uint8_t *)a;

	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&us->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return us;

fail_page:
	free(us->page);
fail_us:
	free(us);
	return NULL;
}

void uspace_destroy(struct uspace *us)
{
	if (!us)
		return;
	munmap(us->base, USPACE_SIZE + GUARD);
	pthread_mutex_destroy(&us->lock);
	free(us->page);
	free(us);
}

uint8_t *uspace_base(const struct uspace *us)
{
	return us->base;
}

pthread_mutex_t *uspace_mutex(struct uspace *us)
{
	return &us->lock;
}

void uspace_set_code_hook(struct uspace *us, uspace_code_hook hook, void *ctx)
{
	lock(us);
	us->hook = hook;
	us->hook_ctx = ctx;
	unlock(us);
}

/* Highest N-page free run ending at or below HI and starting at or above
 * LO, or 0. */
static uint32_t gap_in(const struct uspace *us, uint32_t lo, uint32_t hi, uint64_t len)
{
	uint64_t free_len = 0;
	for (uint64_t a = hi; a > lo;) {
		a -= USPACE_PAGE;
		free_len = (*st(us, a) & PS_MAPPED) ? 0 : free_len + USPACE_PAGE;
		if (free_len == len)
			return (uint32_t)a;
	}
	return 0;
}

/* Where a mapping of LEN bytes goes without MAP_FIXED: the hint (rounded
 * down, as on x86) if that range is free, else top-down below MMAP_TOP, else
 * top-down above it. */
static uint32_t find_gap(const struct uspace *us, uint32_t hint, uint64_t len)
{
	uint64_t h = hint & ~(uint64_t)PMASK;
	if (h >= MIN_ADDR && h + len <= LIMIT && range_has(us, h, len, false))
		return (uint32_t)h;
	uint32_t a = gap_in(us, MIN_ADDR, MMAP_TOP, len);
	return a ? a : gap_in(us, MMAP_TOP, LIMIT, len);
}

static int64_t map_at(struct uspace *us, uint64_t addr, uint64_t len, int prot, int flags, int fd,
		      uint64_t offset)
{
	int hflags = (flags & ~(MAP_FIXED_NOREPLACE | MAP_GROWSDOWN | MAP_32BIT)) | MAP_FIXED;
	uint8_t s = (uint8_t)prot | PS_MAPPED;

	if (flags & MAP_ANONYMOUS) {
		fd = -1;
		offset = 0;
	}
	void *p = mmap(us->base + addr, len, host_prot(s), hflags, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		int rc = -errno;
		repair(us, addr, len);
		return rc;
	}
	drop_code(us, addr, len, false);
	set_state(us, addr, len, s);
	return (int64_t)addr;
}

int64_t uspace_mmap(struct uspace *us, uint32_t addr, uint32_t len, int prot, int flags, int fd,
		    uint64_t offset)
{
	int type = flags & MAP_TYPE;
	uint64_t size = page_up(len);
	int64_t rc;

	if (!len || (offset & PMASK) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE))
		return -EINVAL;
	if (size > LIMIT)
		return -ENOMEM;
	prot &= PS_PROT;
	lock(us);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & PMASK)
			rc = -EINVAL;
		else if (addr + size > LIMIT)
			rc = -ENOMEM;
		else if (addr < MIN_ADDR)
			rc = -EPERM;
		else if ((flags & MAP_FIXED_NOREPLACE) && !range_has(us, addr, size, false))
			rc = -EEXIST;
		else
			rc = map_at(us, addr, size, prot, flags, fd, offset);
	} else {
		uint32_t a = find_gap(us, addr, size);
		rc = a ? map_at(us, a, size, prot, flags, fd, offset) : -ENOMEM;
	}
	unlock(us);
	return rc;
}

int uspace_munmap(struct uspace *us, uint32_t addr, uint32_t len)
{
	uint64_t size = page_up(len);
	if ((addr & PMASK) || !len || addr + size > LIMIT)
		return -EINVAL;
	lock(us);
	int rc = unmap_range(us, addr, size);
	unlock(us);
	return rc;
}

/* Applies PROT to one run of pages whose code bit is the same. */
static int protect_run(struct uspace *us, uint64_t a, uint64_t b, int prot)
{
	if ((*st(us, a) & PS_CODE) && !(prot & PROT_EXEC))
		drop_code(us, a, b - a, true);
	uint8_t s = (uint8_t)((*st(us, a) & ~PS_PROT) | prot);
	if (mprotect(us->base + a, b - a, host_prot(s)) < 0)
		return -errno;
	for (uint64_t p = a; p < b; p += USPACE_PAGE)
		*st(us, p) = s;
	return 0;
}

int uspace_mprotect(struct uspace *us, uint32_t addr, uint32_t len, int prot)
{
	uint64_t size = page_up(len), end = addr + size;
	int rc = 0;

	if ((addr & PMASK) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP)))
		return -EINVAL;
	if (!len)
		return 0;
	if (end > LIMIT)
		return -ENOMEM;
	prot &= PS_PROT;
	lock(us);
	if (!range_has(us, addr, size, true))
		rc = -ENOMEM;
	for (uint64_t a = addr, b; rc == 0 && a < end; a = b) {
		b = run_end(us, a, end, PS_CODE);
		rc = protect_run(us, a, b, prot);
	}
	unlock(us);
	return rc;
}

/* Moves guest [old, old+osz) to [dst, dst+nsz) with host mremap; the
 * moved-from range is reserved again at once. */
static int64_t move_range(struct uspace *us, uint64_t old, uint64_t osz, uint64_t nsz, uint64_t dst)
{
	uint8_t last = *st(us, old + osz - USPACE_PAGE);

	drop_code(us, old, osz, true);
	drop_code(us, dst, nsz, true);
	void *p = mremap(us->base + old, osz, nsz, MREMAP_MAYMOVE | MREMAP_FIXED, us->base + dst);
	if (p == MAP_FAILED) {
		int rc = -errno;
		repair(us, dst, nsz);
		repair(us, old, osz);
		return rc;
	}
	if (reserve(us, old, osz, MAP_FIXED_NOREPLACE) < 0)
		repair(us, old, osz);
	uint64_t keep = nsz < osz ? nsz : osz;
	memcpy(st(us, dst), st(us, old), keep / USPACE_PAGE);
	set_state(us, dst + keep, nsz - keep, last);
	set_state(us, old, osz, 0);
	return (int64_t)dst;
}

static int64_t grow_in_place(struct uspace *us, uint64_t old, uint64_t osz, uint64_t nsz)
{
	uint8_t last = *st(us, old + osz - USPACE_PAGE);

	drop_code(us, old, osz, true);
	if (munmap(us->base + old + osz, nsz - osz) < 0)
		return -errno;
	if (mremap(us->base + old, osz, nsz, 0) == MAP_FAILED) {
		int rc = -errno;
		repair(us, old + osz, nsz - osz);
		return rc;
	}
	set_state(us, old + osz, nsz - osz, last);
	return (int64_t)old;
}

static int64_t remap_locked(struct uspace *us, uint32_t old, uint64_t osz, uint64_t nsz, int flags,
			    uint32_t new_addr)
{
	if (!range_has(us, old, osz, true))
		return -EFAULT;
	if (flags & MREMAP_FIXED) {
		if ((new_addr & PMASK) || new_addr + nsz > LIMIT || new_addr < MIN_ADDR)
			return -EINVAL;
		if (new_addr < old + osz && old < new_addr + nsz)
			return -EINVAL;
		return move_range(us, old, osz, nsz, new_addr);
	}
	if (nsz <= osz) {
		int rc = unmap_range(us, old + nsz, osz - nsz);
		return rc < 0 ? (int64_t)rc : (int64_t)old;
	}
	if (old + nsz <= LIMIT && range_has(us, old + osz, nsz - osz, false))
		return grow_in_place(us, old, osz, nsz);
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint32_t dst = find_gap(us, 0, nsz);
	return dst ? move_range(us, old, osz, nsz, dst) : -ENOMEM;
}

int64_t uspace_mremap(struct uspace *us, uint32_t old_addr, uint32_t old_len, uint32_t new_len,
		      int flags, uint32_t new_addr)
{
	uint64_t osz = page_up(old_len), nsz = page_up(new_len);

	if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || (old_addr & PMASK) || !nsz ||
	    !osz)
		return -EINVAL;
	if (old_addr + osz > LIMIT)
		return -EFAULT;
	if (nsz > LIMIT)
		return -ENOMEM;
	lock(us);
	int64_t rc = remap_locked(us, old_addr, osz, nsz, flags, new_addr);
	unlock(us);
	return rc;
}

void uspace_brk_init(struct uspace *us, uint32_t start)
{
	lock(us);
	us->brk_start = us->brk = (uint32_t)page_up(start);
	unlock(us);
}

uint32_t uspace_brk(struct uspace *us, uint32_t new_brk)
{
	lock(us);
	uint64_t oend = page_up(us->brk), nend = page_up(new_brk);
	if (new_brk < us->brk_start || nend > LIMIT)
		goto out;
	if (nend > oend) {
		if (!range_has(us, oend, nend - oend, false) ||
		    map_at(us, oend, nend - oend, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) < 0)
			goto out;
	} else if (nend < oend && unmap_range(us, nend, oend - nend) < 0) {
		goto out;
	}
	us->brk = new_brk;
out:;
	uint32_t cur = us->brk;
	unlock(us);
	return cur;
}

int uspace_prot(const struct uspace *us, uint32_t addr)
{
	uint8_t s = *st(us, addr);
	return (s & PS_MAPPED) ? (int)(s & PS_PROT) : -1;
}

static bool page_allows(uint8_t s, int prot)
{
	if (!(s & PS_MAPPED))
		return false;
	if ((prot & PROT_READ) && !(s & PS_PROT)) /* x86: W or X pages read too */
		return false;
	if ((prot & PROT_WRITE) && !(s & PROT_WRITE))
		return false;
	return !(prot & PROT_EXEC) || (s & PROT_EXEC);
}

void *uspace_ptr(const struct uspace *us, uint32_t addr, uint32_t len, int prot)
{
	uint64_t end = (uint64_t)addr + len;
	bool code = false;

	if (!len)
		return us->base + addr;
	if (end > USPACE_SIZE)
		return NULL;
	for (uint64_t a = addr & ~(uint64_t)PMASK; a < end; a += USPACE_PAGE) {
		if (!page_allows(*st(us, a), prot))
			return NULL;
		code |= *st(us, a) & PS_CODE;
	}
	if (code && (prot & PROT_WRITE)) { /* the caller is about to write */
		lock(us);
		drop_code((struct uspace *)us, addr & ~(uint64_t)PMASK,
			  page_up(end) - (addr & ~PMASK), true);
		unlock(us);
	}
	return us->base + addr;
}

int uspace_read(const struct uspace *us, void *dst, uint32_t addr, uint32_t len)
{
	int rc = -EFAULT;
	lock(us);
	void *p = uspace_ptr(us, addr, len, PROT_READ);
	if (p) {
		memcpy(dst, p, len);
		rc = 0;
	}
	unlock(us);
	return rc;
}

int uspace_write(struct uspace *us, uint32_t addr, const void *src, uint32_t len)
{
	int rc = -EFAULT;
	lock(us);
	void *p = uspace_ptr(us, addr, len, PROT_WRITE);
	if (p) {
		memcpy(p, src, len);
		rc = 0;
	}
	unlock(us);
	return rc;
}

int64_t uspace_strnlen(const struct uspace *us, uint32_t addr, uint32_t max)
{
	uint64_t a = addr, end = (uint64_t)addr + max;
	int64_t rc = max;

	lock(us);
	while (a < end) {
		if (a >= USPACE_SIZE || !page_allows(*st(us, a), PROT_READ)) {
			rc = -EFAULT;
			break;
		}
		uint64_t chunk = page_up(a + 1) - a;
		if (chunk > end - a)
			chunk = end - a;
		const uint8_t *nul = memchr(us->base + a, 0, chunk);
		if (nul) {
			rc = (int64_t)(nul - (us->base + addr));
			break;
		}
		a += chunk;
	}
	unlock(us);
	return rc;
}

void uspace_code_page(struct uspace *us, uint32_t addr)
{
	uint64_t a = addr & ~(uint64_t)PMASK;
	lock(us);
	uint8_t s = *st(us, a);
	if ((s & PS_MAPPED) && !(s & PS_CODE)) {
		/* If the host refuses (map count), the page stays unmarked. */
		if (!(s & PROT_WRITE) ||
		    mprotect(us->base + a, USPACE_PAGE, host_prot(s | PS_CODE)) == 0)
			*st(us, a) = s | PS_CODE;
	}
	unlock(us);
}

bool uspace_code_write_fault(struct uspace *us, uint32_t addr)
{
	uint64_t a = addr & ~(uint64_t)PMASK;
	bool ok = false;
	lock(us);
	uint8_t s = *st(us, a);
	if ((s & PS_CODE) && (s & PROT_WRITE)) {
		drop_code(us, a, USPACE_PAGE, true);
		ok = true;
	}
	unlock(us);
	return ok;
}
