/*
 * lx_stat.c — file status and directory reading of the Linux i386
 * personality.
 *
 * Owns: the i386 struct stat, struct stat64 (packed, 96 bytes), struct
 * statfs and statfs64 layouts and their overflow rules; stat, lstat, fstat,
 * stat64, lstat64, fstat64, fstatat64, statfs, fstatfs, statfs64,
 * fstatfs64; getdents (struct linux_dirent with 32-bit inode and offset,
 * converted from the host's getdents64) and the old readdir.
 * (getdents64 and statx need no conversion: they are direct calls.)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

struct lx_stat64 {
	uint64_t dev;
	uint8_t pad0[4];
	uint32_t ino32, mode, nlink, uid, gid;
	uint64_t rdev;
	uint8_t pad3[4];
	int64_t size;
	uint32_t blksize;
	uint64_t blocks;
	uint32_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	uint64_t ino;
} __attribute__((packed));

struct lx_stat32 {
	uint32_t dev, ino;
	uint16_t mode, nlink, uid, gid;
	uint32_t rdev, size, blksize, blocks;
	uint32_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	uint32_t unused4, unused5;
};

struct lx_statfs32 {
	uint32_t type, bsize, blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	uint32_t namelen, frsize, flags, spare[4];
};

struct lx_statfs64 {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree;
	int32_t fsid[2];
	uint32_t namelen, frsize, flags, spare[4];
} __attribute__((packed));

_Static_assert(sizeof(struct lx_stat64) == 96, "i386 stat64");
_Static_assert(offsetof(struct lx_stat64, size) == 44, "i386 stat64.st_size");
_Static_assert(offsetof(struct lx_stat64, blocks) == 56, "i386 stat64.st_blocks");
_Static_assert(offsetof(struct lx_stat64, ino) == 88, "i386 stat64.st_ino");
_Static_assert(sizeof(struct lx_stat32) == 64, "i386 stat");
_Static_assert(sizeof(struct lx_statfs32) == 64, "i386 statfs");
_Static_assert(sizeof(struct lx_statfs64) == 84, "i386 statfs64");

static int lx_put_stat64(struct lx_thread *t, uint32_t addr, const struct stat *st)
{
	struct lx_stat64 g;
	memset(&g, 0, sizeof g);
	g.dev = st->st_dev;
	g.ino32 = (uint32_t)st->st_ino;
	g.mode = st->st_mode;
	g.nlink = (uint32_t)st->st_nlink;
	g.uid = st->st_uid;
	g.gid = st->st_gid;
	g.rdev = st->st_rdev;
	g.size = st->st_size;
	g.blksize = (uint32_t)st->st_blksize;
	g.blocks = (uint64_t)st->st_blocks;
	g.atime = (uint32_t)st->st_atim.tv_sec;
	g.atime_nsec = (uint32_t)st->st_atim.tv_nsec;
	g.mtime = (uint32_t)st->st_mtim.tv_sec;
	g.mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	g.ctime = (uint32_t)st->st_ctim.tv_sec;
	g.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
	g.ino = st->st_ino;
	return lx_put(t, addr, &g, sizeof g);
}

/* 16-bit ids: overflowuid (65534) if they do not fit. */
static uint16_t lx_id16(uint32_t id)
{
	return id > 0xffff ? 65534 : (uint16_t)id;
}

static int lx_put_stat32(struct lx_thread *t, uint32_t addr, const struct stat *st)
{
	struct lx_stat32 g;
	if (st->st_ino > UINT32_MAX || st->st_size > INT32_MAX || st->st_nlink > 0xffff ||
	    st->st_dev > UINT32_MAX || st->st_rdev > UINT32_MAX)
		return -EOVERFLOW;
	memset(&g, 0, sizeof g);
	g.dev = (uint32_t)st->st_dev;
	g.ino = (uint32_t)st->st_ino;
	g.mode = (uint16_t)st->st_mode;
	g.nlink = (uint16_t)st->st_nlink;
	g.uid = lx_id16(st->st_uid);
	g.gid = lx_id16(st->st_gid);
	g.rdev = (uint32_t)st->st_rdev;
	g.size = (uint32_t)st->st_size;
	g.blksize = (uint32_t)st->st_blksize;
	g.blocks = (uint32_t)st->st_blocks;
	g.atime = (uint32_t)st->st_atim.tv_sec;
	g.atime_nsec = (uint32_t)st->st_atim.tv_nsec;
	g.mtime = (uint32_t)st->st_mtim.tv_sec;
	g.mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	g.ctime = (uint32_t)st->st_ctim.tv_sec;
	g.ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
	return lx_put(t, addr, &g, sizeof g);
}

/* Host stat of (DIRFD, guest PATH) or of fd DIRFD if PATH is ~0. */
static long lx_do_stat(struct lx_thread *t, int dirfd, uint32_t path, int flags, struct stat *st)
{
	char buf[PATH_MAX];
	const char *s = "";
	if (path != ~0u) {
		int r = lx_path(t, path, !(flags & AT_SYMLINK_NOFOLLOW), buf, &s);
		if (r < 0)
			return r;
	} else {
		flags |= AT_EMPTY_PATH;
	}
	return lx_sys(SYS_newfstatat, dirfd, (long)s, (long)st, flags, 0, 0);
}

static long lx_stat64_at(struct lx_thread *t, int dirfd, uint32_t path, uint32_t buf, int flags)
{
	struct stat st;
	long r = lx_do_stat(t, dirfd, path, flags, &st);
	return r < 0 ? r : lx_put_stat64(t, buf, &st);
}

static long lx_stat32_at(struct lx_thread *t, int dirfd, uint32_t path, uint32_t buf, int flags)
{
	struct stat st;
	long r = lx_do_stat(t, dirfd, path, flags, &st);
	return r < 0 ? r : lx_put_stat32(t, buf, &st);
}

long lx_sys_stat64(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat64_at(t, AT_FDCWD, a[0], a[1], 0);
}

long lx_sys_lstat64(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat64_at(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

long lx_sys_fstat64(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat64_at(t, (int32_t)a[0], ~0u, a[1], 0);
}

long lx_sys_fstatat64(struct lx_thread *t, const uint32_t *a)
{
	if (!a[1] && !(a[3] & AT_EMPTY_PATH))
		return -EFAULT;
	return lx_stat64_at(t, (int32_t)a[0], a[1] ? a[1] : ~0u, a[2], (int)a[3]); /* NULL: Linux 6.11 */
}

long lx_sys_stat(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat32_at(t, AT_FDCWD, a[0], a[1], 0);
}

long lx_sys_lstat(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat32_at(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

long lx_sys_fstat(struct lx_thread *t, const uint32_t *a)
{
	return lx_stat32_at(t, (int32_t)a[0], ~0u, a[1], 0);
}

/* --- statfs --- */

static long lx_do_statfs(struct lx_thread *t, uint32_t path, int32_t fd, struct statfs *sf)
{
	char buf[PATH_MAX];
	const char *s;
	if (path == ~0u)
		return lx_sys(SYS_fstatfs, fd, (long)sf, 0, 0, 0, 0);
	int r = lx_path(t, path, true, buf, &s);
	return r < 0 ? r : lx_sys(SYS_statfs, (long)s, (long)sf, 0, 0, 0, 0);
}

static long lx_statfs32(struct lx_thread *t, uint32_t path, int32_t fd, uint32_t out)
{
	struct statfs sf;
	struct lx_statfs32 g;
	long r = lx_do_statfs(t, path, fd, &sf);
	if (r < 0)
		return r;
	if ((((uint64_t)sf.f_blocks | sf.f_bfree | sf.f_bavail | (uint64_t)sf.f_bsize |
	      (uint64_t)sf.f_frsize) >> 32) ||
	    (sf.f_files != (fsfilcnt_t)-1 && (sf.f_files >> 32)) ||
	    (sf.f_ffree != (fsfilcnt_t)-1 && (sf.f_ffree >> 32)))
		return -EOVERFLOW;
	memset(&g, 0, sizeof g);
	g.type = (uint32_t)sf.f_type;
	g.bsize = (uint32_t)sf.f_bsize;
	g.blocks = (uint32_t)sf.f_blocks;
	g.bfree = (uint32_t)sf.f_bfree;
	g.bavail = (uint32_t)sf.f_bavail;
	g.files = (uint32_t)sf.f_files;
	g.ffree = (uint32_t)sf.f_ffree;
	memcpy(g.fsid, &sf.f_fsid, sizeof g.fsid);
	g.namelen = (uint32_t)sf.f_namelen;
	g.frsize = (uint32_t)sf.f_frsize;
	g.flags = (uint32_t)sf.f_flags;
	return lx_put(t, out, &g, sizeof g);
}

static long lx_statfs64(struct lx_thread *t, uint32_t path, int32_t fd, uint32_t sz, uint32_t out)
{
	struct statfs sf;
	struct lx_statfs64 g;
	if (sz != sizeof g)
		return -EINVAL;
	long r = lx_do_statfs(t, path, fd, &sf);
	if (r < 0)
		return r;
	memset(&g, 0, sizeof g);
	g.type = (uint32_t)sf.f_type;
	g.bsize = (uint32_t)sf.f_bsize;
	g.blocks = sf.f_blocks;
	g.bfree = sf.f_bfree;
	g.bavail = sf.f_bavail;
	g.files = sf.f_files;
	g.ffree = sf.f_ffree;
	memcpy(g.fsid, &sf.f_fsid, sizeof g.fsid);
	g.namelen = (uint32_t)sf.f_namelen;
	g.frsize = (uint32_t)sf.f_frsize;
	g.flags = (uint32_t)sf.f_flags;
	return lx_put(t, out, &g, sizeof g);
}

long lx_sys_statfs(struct lx_thread *t, const uint32_t *a)
{
	return lx_statfs32(t, a[0], -1, a[1]);
}

long lx_sys_fstatfs(struct lx_thread *t, const uint32_t *a)
{
	return lx_statfs32(t, ~0u, (int32_t)a[0], a[1]);
}

long lx_sys_statfs64(struct lx_thread *t, const uint32_t *a)
{
	return lx_statfs64(t, a[0], -1, a[1], a[2]);
}

long lx_sys_fstatfs64(struct lx_thread *t, const uint32_t *a)
{
	return lx_statfs64(t, ~0u, (int32_t)a[0], a[1], a[2]);
}

/* --- directories --- */

struct lx_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

#define LX_DIRBUF_MAX (1u << 20)

/* Converts host linux_dirent64 records in H (N bytes) to i386 linux_dirent
 * in G; returns the bytes written.  Stops at an inode that does not fit
 * in 32 bits (*OVF), with *LAST_OFF the position after the last converted
 * record (left alone if there is none). */
static long lx_dirents_to32(const uint8_t *h, long n, uint8_t *g, int64_t *last_off, bool *ovf)
{
	long in = 0, out = 0;
	while (in < n) {
		const struct lx_dirent64 *d = (const void *)(h + in);
		size_t nl = strlen(d->name);
		uint16_t rl = (uint16_t)((10 + nl + 2 + 3) & ~3u);
		if (d->ino > UINT32_MAX) {
			*ovf = true;
			break;
		}
		uint32_t ino = (uint32_t)d->ino, off = (uint32_t)d->off;
		uint8_t *o = g + out;
		memcpy(o, &ino, 4);
		memcpy(o + 4, &off, 4);
		memcpy(o + 8, &rl, 2);
		memcpy(o + 10, d->name, nl + 1);
		memset(o + 10 + nl + 1, 0, rl - 10 - nl - 1);
		o[rl - 1] = d->type;
		*last_off = d->off;
		out += rl;
		in += d->reclen;
	}
	return out;
}

long lx_sys_getdents(struct lx_thread *t, const uint32_t *a)
{
	int fd = (int32_t)a[0];
	uint32_t count = a[2] < LX_DIRBUF_MAX ? a[2] : LX_DIRBUF_MAX;
	void *g;
	bool ovf = false;
	int64_t last = -1;
	long r = lx_ptr(t, a[1], count, PROT_WRITE, &g);
	if (r < 0)
		return r;
	uint8_t *h = malloc(count ? count : 1);
	if (!h)
		return -ENOMEM;
	last = lx_sys(SYS_lseek, fd, 0, SEEK_CUR, 0, 0, 0); /* where to go back */
	r = lx_host(t, SYS_getdents64, fd, (long)h, count);
	if (r > 0) {
		long n = lx_dirents_to32(h, r, g, &last, &ovf);
		if (ovf && last >= 0)
			lx_sys(SYS_lseek, fd, (long)last, SEEK_SET, 0, 0, 0);
		if (ovf && n == 0)
			n = -EOVERFLOW;
		r = n;
	}
	free(h);
	return r;
}

/* Old readdir: one struct old_linux_dirent {ino, offset, namlen, name}. */
long lx_sys_readdir(struct lx_thread *t, const uint32_t *a)
{
	int fd = (int32_t)a[0];
	uint8_t h[1024];
	long r = lx_host(t, SYS_getdents64, fd, (long)h, sizeof h);
	if (r <= 0)
		return r;
	const struct lx_dirent64 *d = (const void *)h;
	size_t nl = strlen(d->name);
	if (d->ino > UINT32_MAX)
		return -EOVERFLOW;
	uint32_t hdr[2] = {(uint32_t)d->ino, (uint32_t)d->off};
	uint16_t namlen = (uint16_t)nl;
	uint8_t out[10 + 256];
	memcpy(out, hdr, 8);
	memcpy(out + 8, &namlen, 2);
	memcpy(out + 10, d->name, nl + 1);
	lx_sys(SYS_lseek, fd, (long)d->off, SEEK_SET, 0, 0, 0);
	return lx_put(t, a[1], out, (uint32_t)(10 + nl + 1)) ? -EFAULT : 1;
}
