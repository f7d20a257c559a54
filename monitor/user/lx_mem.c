/*
 * lx_mem.c — the guest address space calls of the Linux i386 personality.
 *
 * Owns: brk, mmap (the old one with its argument block), mmap2 (offset in
 * 4 KiB pages), munmap, mprotect, mremap through memory/uspace.h; madvise,
 * msync, mlock & co. and mincore, which act on the host mapping of guest
 * pages that are all mapped.  Addresses returned are guest addresses.
 */
#include <string.h>

#include "monitor/user/lx_int.h"

long lx_sys_brk(struct lx_thread *t, const uint32_t *a)
{
	return uspace_brk(t->proc->mem, a[0]);
}

static long lx_do_mmap(struct lx_thread *t, uint32_t addr, uint32_t len, uint32_t prot,
		       uint32_t flags, int32_t fd, uint64_t off)
{
	flags &= ~(uint32_t)MAP_32BIT; /* x86-64 only */
	return (long)uspace_mmap(t->proc->mem, addr, len, (int)prot, (int)flags, fd, off);
}

long lx_sys_mmap(struct lx_thread *t, const uint32_t *a)
{
	uint32_t m[6]; /* struct mmap_arg_struct */
	if (lx_get(t, m, a[0], sizeof m))
		return -EFAULT;
	if (m[5] & (LX_PAGE - 1))
		return -EINVAL;
	return lx_do_mmap(t, m[0], m[1], m[2], m[3], (int32_t)m[4], m[5]);
}

long lx_sys_mmap2(struct lx_thread *t, const uint32_t *a)
{
	return lx_do_mmap(t, a[0], a[1], a[2], a[3], (int32_t)a[4], (uint64_t)a[5] * LX_PAGE);
}

long lx_sys_munmap(struct lx_thread *t, const uint32_t *a)
{
	return uspace_munmap(t->proc->mem, a[0], a[1]);
}

long lx_sys_mprotect(struct lx_thread *t, const uint32_t *a)
{
	return uspace_mprotect(t->proc->mem, a[0], a[1], (int)a[2]);
}

long lx_sys_mremap(struct lx_thread *t, const uint32_t *a)
{
	return (long)uspace_mremap(t->proc->mem, a[0], a[1], a[2], (int)a[3], a[4]);
}

/* Host address of guest range [addr, addr+len) whose pages are all mapped:
 * 0, -EINVAL (unaligned), -ENOMEM (a hole, or past 4 GiB). */
static int lx_range(struct lx_thread *t, uint32_t addr, uint32_t len, uint8_t **host)
{
	struct uspace *us = t->proc->mem;
	uint64_t end = ((uint64_t)addr + len + LX_PAGE - 1) & ~(uint64_t)(LX_PAGE - 1);

	if (addr & (LX_PAGE - 1))
		return -EINVAL;
	if (end > USPACE_SIZE)
		return -ENOMEM;
	for (uint64_t pg = addr; pg < end; pg += LX_PAGE)
		if (uspace_prot(us, (uint32_t)pg) < 0)
			return -ENOMEM;
	*host = uspace_base(us) + addr;
	return 0;
}

long lx_sys_madvise(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	int r = lx_range(t, a[0], a[1], &h);
	if (r < 0)
		return r;
	switch ((int)a[2]) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP: case MADV_DODUMP: case MADV_COLD: case MADV_PAGEOUT:
		return lx_sys(SYS_madvise, (long)h, a[1], (int)a[2], 0, 0, 0);
	case MADV_DONTFORK: case MADV_DOFORK: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE:
		return 0; /* would change the host window of a forked monitor: ignored */
	default:
		return -EINVAL;
	}
}

long lx_sys_msync(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	int r = lx_range(t, a[0], a[1], &h);
	return r < 0 ? r : lx_host(t, SYS_msync, (long)h, a[1], (int)a[2]);
}

long lx_sys_mlock(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	uint32_t off = a[0] & (LX_PAGE - 1);
	int r = lx_range(t, a[0] - off, a[1] + off, &h);
	return r < 0 ? r : lx_sys(SYS_mlock, (long)h, a[1] + off, 0, 0, 0, 0);
}

long lx_sys_munlock(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	uint32_t off = a[0] & (LX_PAGE - 1);
	int r = lx_range(t, a[0] - off, a[1] + off, &h);
	return r < 0 ? r : lx_sys(SYS_munlock, (long)h, a[1] + off, 0, 0, 0, 0);
}

long lx_sys_mlock2(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	uint32_t off = a[0] & (LX_PAGE - 1);
	int r = lx_range(t, a[0] - off, a[1] + off, &h);
	return r < 0 ? r : lx_sys(SYS_mlock2, (long)h, a[1] + off, (int)a[2], 0, 0, 0);
}

long lx_sys_mincore(struct lx_thread *t, const uint32_t *a)
{
	uint8_t *h;
	void *vec;
	uint32_t pages = (uint32_t)(((uint64_t)a[1] + LX_PAGE - 1) / LX_PAGE);
	int r = lx_range(t, a[0], a[1], &h);
	if (r < 0)
		return r;
	if ((r = lx_ptr(t, a[2], pages, PROT_WRITE, &vec)) < 0)
		return r;
	return lx_sys(SYS_mincore, (long)h, a[1], (long)vec, 0, 0, 0);
}
