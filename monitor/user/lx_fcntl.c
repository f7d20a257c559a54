/*
 * lx_fcntl.c — fcntl and fcntl64 of the Linux i386 personality.
 *
 * Owns: the i386 struct flock (32-bit off_t, 16 bytes) and struct flock64
 * (packed, 24 bytes) and their conversion to the host struct flock; which
 * commands take a pointer (record locks, F_*OWN_EX, F_GETOWNER_UIDS, the
 * read/write hints) and which a plain int.  As on an i386 kernel, fcntl
 * (55) uses struct flock for the OFD locks and fcntl64 (221) struct flock64;
 * both accept F_GETLK64 & co.
 */
#include <fcntl.h>
#include <string.h>

#include "monitor/user/lx_int.h"

struct lx_flock32 {
	int16_t type, whence;
	int32_t start, len, pid;
};

struct lx_flock64 {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid;
} __attribute__((packed));

_Static_assert(sizeof(struct lx_flock32) == 16, "i386 flock");
_Static_assert(sizeof(struct lx_flock64) == 24, "i386 flock64");

#define LX_F_GETLK64 12
#define LX_F_SETLK64 13
#define LX_F_SETLKW64 14
#define LX_F_GETOWNER_UIDS 17

static int lx_get_flock(struct lx_thread *t, uint32_t addr, bool wide, struct flock *fl)
{
	memset(fl, 0, sizeof *fl);
	if (wide) {
		struct lx_flock64 g;
		if (lx_get(t, &g, addr, sizeof g))
			return -EFAULT;
		*fl = (struct flock){.l_type = g.type, .l_whence = g.whence, .l_start = g.start,
				     .l_len = g.len, .l_pid = g.pid};
	} else {
		struct lx_flock32 g;
		if (lx_get(t, &g, addr, sizeof g))
			return -EFAULT;
		*fl = (struct flock){.l_type = g.type, .l_whence = g.whence, .l_start = g.start,
				     .l_len = g.len, .l_pid = g.pid};
	}
	return 0;
}

static int lx_put_flock(struct lx_thread *t, uint32_t addr, bool wide, const struct flock *fl)
{
	if (wide) {
		struct lx_flock64 g = {fl->l_type, fl->l_whence, fl->l_start, fl->l_len, fl->l_pid};
		return lx_put(t, addr, &g, sizeof g);
	}
	if (fl->l_start != (int32_t)fl->l_start || fl->l_len != (int32_t)fl->l_len)
		return -EOVERFLOW;
	struct lx_flock32 g = {fl->l_type, fl->l_whence, (int32_t)fl->l_start, (int32_t)fl->l_len,
			       fl->l_pid};
	return lx_put(t, addr, &g, sizeof g);
}

/* A record lock command: host command HCMD, i386 struct WIDE or not. */
static long lx_fcntl_lock(struct lx_thread *t, int fd, int hcmd, uint32_t arg, bool wide)
{
	struct flock fl;
	long r = lx_get_flock(t, arg, wide, &fl);
	if (r < 0)
		return r;
	r = lx_host(t, SYS_fcntl, fd, hcmd, (long)&fl);
	if (r < 0 || (hcmd != F_GETLK && hcmd != F_OFD_GETLK))
		return r;
	r = lx_put_flock(t, arg, wide, &fl);
	return r < 0 ? r : 0;
}

/* A command whose argument points to SIZE bytes the host reads (IN) and/or
 * writes. */
static long lx_fcntl_ptr(struct lx_thread *t, int fd, int cmd, uint32_t arg, uint32_t size,
			 int prot)
{
	void *p;
	long r = lx_ptr(t, arg, size, prot, &p);
	return r < 0 ? r : lx_sys(SYS_fcntl, fd, cmd, (long)p, 0, 0, 0);
}

static long lx_fcntl_common(struct lx_thread *t, const uint32_t *a, bool is64)
{
	int fd = (int32_t)a[0], cmd = (int)a[1];
	uint32_t arg = a[2];

	switch (cmd) {
	case F_GETLK: case F_SETLK: case F_SETLKW:
		return lx_fcntl_lock(t, fd, cmd, arg, false);
	case LX_F_GETLK64: case LX_F_SETLK64: case LX_F_SETLKW64:
		return lx_fcntl_lock(t, fd, cmd - LX_F_GETLK64 + F_GETLK, arg, true);
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
		return lx_fcntl_lock(t, fd, cmd, arg, is64);
	case F_GETOWN_EX:
		return lx_fcntl_ptr(t, fd, cmd, arg, 8, PROT_WRITE);
	case F_SETOWN_EX:
		return lx_fcntl_ptr(t, fd, cmd, arg, 8, PROT_READ);
	case LX_F_GETOWNER_UIDS:
		return lx_fcntl_ptr(t, fd, cmd, arg, 8, PROT_WRITE);
	case F_GET_RW_HINT: case F_GET_FILE_RW_HINT:
		return lx_fcntl_ptr(t, fd, cmd, arg, 8, PROT_WRITE);
	case F_SET_RW_HINT: case F_SET_FILE_RW_HINT:
		return lx_fcntl_ptr(t, fd, cmd, arg, 8, PROT_READ);
	case F_DUPFD: case F_GETFD: case F_SETFD: case F_GETFL: case F_SETFL:
	case F_SETOWN: case F_GETOWN: case F_SETSIG: case F_GETSIG:
	case F_SETLEASE: case F_GETLEASE: case F_NOTIFY: case F_DUPFD_CLOEXEC:
	case F_SETPIPE_SZ: case F_GETPIPE_SZ: case F_ADD_SEALS: case F_GET_SEALS:
		return lx_sys(SYS_fcntl, fd, cmd, (int32_t)arg, 0, 0, 0);
	default:
		return -EINVAL;
	}
}

long lx_sys_fcntl(struct lx_thread *t, const uint32_t *a)
{
	return lx_fcntl_common(t, a, false);
}

long lx_sys_fcntl64(struct lx_thread *t, const uint32_t *a)
{
	return lx_fcntl_common(t, a, true);
}
