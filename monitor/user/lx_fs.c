/*
 * lx_fs.c — file I/O calls of the Linux i386 personality that need
 * argument conversion.
 *
 * Owns: 64-bit offsets split over two registers (low first) — _llseek,
 * pread64, pwrite64, preadv/pwritev(2), truncate64, ftruncate64,
 * fadvise64(_64), fallocate, sync_file_range, readahead; 32-bit off_t
 * results (lseek, sendfile); iovec arrays (readv, writev, vmsplice); the
 * file time calls (utime, utimes, futimesat, utimensat and its time64 form).
 * (read, write, open... are direct calls in lx_table.def; fcntl and ioctl
 * have their own files.)
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

long lx_sys_lseek(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	long r = lx_sys(SYS_lseek, (int32_t)a[0], (int32_t)a[1], (int)a[2], 0, 0, 0);
	return r > INT32_MAX ? -EOVERFLOW : r;
}

long lx_sys__llseek(struct lx_thread *t, const uint32_t *a)
{
	void *res;
	long r = lx_ptr(t, a[3], 8, PROT_WRITE, &res);
	if (r < 0)
		return r;
	if (!res)
		return -EFAULT;
	r = lx_sys(SYS_lseek, (int32_t)a[0], lx_s64(a[2], a[1]), (int)a[4], 0, 0, 0);
	if (r < 0)
		return r;
	int64_t pos = r;
	memcpy(res, &pos, 8);
	return 0;
}

long lx_sys_pread64(struct lx_thread *t, const uint32_t *a)
{
	void *b;
	long r = lx_ptr(t, a[1], a[2], PROT_WRITE, &b);
	return r < 0 ? r : lx_host(t, SYS_pread64, (int32_t)a[0], (long)b, a[2], lx_s64(a[3], a[4]));
}

long lx_sys_pwrite64(struct lx_thread *t, const uint32_t *a)
{
	void *b;
	long r = lx_ptr(t, a[1], a[2], PROT_READ, &b);
	return r < 0 ? r : lx_host(t, SYS_pwrite64, (int32_t)a[0], (long)b, a[2], lx_s64(a[3], a[4]));
}

/* readv/writev and the positioned forms: NR with POS (when HAS_POS) and
 * FLAGS (v2). */
static long lx_rwv(struct lx_thread *t, const uint32_t *a, long nr, int prot, int64_t pos,
		   int flags)
{
	struct iovec iov[IOV_MAX];
	long r = lx_get_iov(t, a[1], a[2], prot, iov);
	if (r < 0)
		return r;
	return lx_host(t, nr, (int32_t)a[0], (long)iov, a[2], pos, 0, flags);
}

long lx_sys_readv(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_readv, PROT_WRITE, 0, 0);
}

long lx_sys_writev(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_writev, PROT_READ, 0, 0);
}

long lx_sys_preadv(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_preadv, PROT_WRITE, lx_s64(a[3], a[4]), 0);
}

long lx_sys_pwritev(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_pwritev, PROT_READ, lx_s64(a[3], a[4]), 0);
}

long lx_sys_preadv2(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_preadv2, PROT_WRITE, lx_s64(a[3], a[4]), (int)a[5]);
}

long lx_sys_pwritev2(struct lx_thread *t, const uint32_t *a)
{
	return lx_rwv(t, a, SYS_pwritev2, PROT_READ, lx_s64(a[3], a[4]), (int)a[5]);
}

long lx_sys_vmsplice(struct lx_thread *t, const uint32_t *a)
{
	struct iovec iov[IOV_MAX];
	long r = lx_get_iov(t, a[1], a[2], PROT_READ, iov);
	return r < 0 ? r : lx_host(t, SYS_vmsplice, (int32_t)a[0], (long)iov, a[2], a[3]);
}

long lx_sys_sendfile(struct lx_thread *t, const uint32_t *a)
{
	int32_t off32 = 0;
	off_t off;
	long r;
	if (a[2] && lx_get(t, &off32, a[2], 4))
		return -EFAULT;
	off = off32;
	r = lx_host(t, SYS_sendfile, (int32_t)a[0], (int32_t)a[1], a[2] ? (long)&off : 0, a[3]);
	if (a[2] && r >= 0 && lx_put32(t, a[2], (uint32_t)off))
		return -EFAULT;
	return r;
}

long lx_sys_truncate64(struct lx_thread *t, const uint32_t *a)
{
	const char *s;
	long r = lx_str(t, a[0], PATH_MAX, false, &s);
	return r < 0 ? r : lx_host(t, SYS_truncate, (long)s, lx_s64(a[1], a[2]));
}

long lx_sys_ftruncate64(struct lx_thread *t, const uint32_t *a)
{
	return lx_host(t, SYS_ftruncate, (int32_t)a[0], lx_s64(a[1], a[2]));
}

long lx_sys_fadvise64(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_fadvise64, (int32_t)a[0], lx_s64(a[1], a[2]), a[3], (int)a[4], 0, 0);
}

long lx_sys_fadvise64_64(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_fadvise64, (int32_t)a[0], lx_s64(a[1], a[2]), lx_s64(a[3], a[4]),
		      (int)a[5], 0, 0);
}

long lx_sys_fallocate(struct lx_thread *t, const uint32_t *a)
{
	return lx_host(t, SYS_fallocate, (int32_t)a[0], (int)a[1], lx_s64(a[2], a[3]),
		       lx_s64(a[4], a[5]));
}

long lx_sys_sync_file_range(struct lx_thread *t, const uint32_t *a)
{
	return lx_host(t, SYS_sync_file_range, (int32_t)a[0], lx_s64(a[1], a[2]),
		       lx_s64(a[3], a[4]), a[5]);
}

long lx_sys_readahead(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_readahead, (int32_t)a[0], lx_s64(a[1], a[2]), a[3], 0, 0, 0);
}

/* --- file times: all through the host utimensat --- */

static long lx_utimens(struct lx_thread *t, int dirfd, uint32_t path, const struct timespec *ts,
		       int flags)
{
	char buf[PATH_MAX];
	const char *s = NULL;
	if (path) {
		long r = lx_path(t, path, !(flags & AT_SYMLINK_NOFOLLOW), buf, &s);
		if (r < 0)
			return r;
	}
	return lx_sys(SYS_utimensat, dirfd, (long)s, (long)ts, flags, 0, 0);
}

long lx_sys_utime(struct lx_thread *t, const uint32_t *a)
{
	int32_t ub[2]; /* struct utimbuf: actime, modtime */
	struct timespec ts[2];
	if (!a[1])
		return lx_utimens(t, AT_FDCWD, a[0], NULL, 0);
	if (lx_get(t, ub, a[1], sizeof ub))
		return -EFAULT;
	ts[0] = (struct timespec){ub[0], 0};
	ts[1] = (struct timespec){ub[1], 0};
	return lx_utimens(t, AT_FDCWD, a[0], ts, 0);
}

/* utimes/futimesat: struct timeval[2] */
static long lx_utimes_at(struct lx_thread *t, int dirfd, uint32_t path, uint32_t tvp)
{
	struct lx_timeval32 tv[2];
	struct timespec ts[2];
	if (!path)
		return -EFAULT;
	if (!tvp)
		return lx_utimens(t, dirfd, path, NULL, 0);
	if (lx_get(t, tv, tvp, sizeof tv))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].usec < 0 || tv[i].usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){tv[i].sec, tv[i].usec * 1000L};
	}
	return lx_utimens(t, dirfd, path, ts, 0);
}

long lx_sys_utimes(struct lx_thread *t, const uint32_t *a)
{
	return lx_utimes_at(t, AT_FDCWD, a[0], a[1]);
}

long lx_sys_futimesat(struct lx_thread *t, const uint32_t *a)
{
	return lx_utimes_at(t, (int32_t)a[0], a[1], a[2]);
}

long lx_sys_utimensat(struct lx_thread *t, const uint32_t *a)
{
	struct lx_timespec32 g[2];
	struct timespec ts[2];
	if (!a[2])
		return lx_utimens(t, (int32_t)a[0], a[1], NULL, (int)a[3]);
	if (lx_get(t, g, a[2], sizeof g))
		return -EFAULT;
	ts[0] = (struct timespec){g[0].sec, g[0].nsec};
	ts[1] = (struct timespec){g[1].sec, g[1].nsec};
	return lx_utimens(t, (int32_t)a[0], a[1], ts, (int)a[3]);
}

long lx_sys_utimensat_time64(struct lx_thread *t, const uint32_t *a)
{
	struct lx_timespec64 g[2];
	struct timespec ts[2];
	if (!a[2])
		return lx_utimens(t, (int32_t)a[0], a[1], NULL, (int)a[3]);
	if (lx_get(t, g, a[2], sizeof g))
		return -EFAULT;
	ts[0] = (struct timespec){g[0].sec, (long)(uint32_t)g[0].nsec};
	ts[1] = (struct timespec){g[1].sec, (long)(uint32_t)g[1].nsec};
	return lx_utimens(t, (int32_t)a[0], a[1], ts, (int)a[3]);
}
