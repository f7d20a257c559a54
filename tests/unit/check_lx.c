/*
 * check_lx.c — unit tests of the Linux i386 personality's system calls
 * (monitor/user/lx*).
 *
 * Each test drives lx_syscall() directly, as translated code would: a real
 * guest address space (memory/uspace) with a scratch area, guest registers
 * set like an i386 program's before int $0x80, and the results read back
 * in i386 layouts at the offsets the i386 kernel headers give (struct
 * stat64, linux_dirent, timespec, utsname, msghdr/cmsghdr, flock64...).
 */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lx_fixture.h"

static void tmpfile_with(const char *name, size_t size, char *path)
{
	sprintf(path, "%s/%s", tmpdir, name);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	char *b = calloc(1, size + 1);
	ck_assert_int_eq(write(fd, b, size), (ssize_t)size);
	free(b);
	close(fd);
}

START_TEST(pipe_write_read)
{
	ck_assert_int_eq(sys(42, BUF), 0); /* pipe */
	uint32_t rfd = u32at(BUF), wfd = u32at(BUF + 4);
	gstr(STR, "hello, i386");
	ck_assert_int_eq(sys(4, wfd, STR, 11), 11);
	ck_assert_int_eq(sys(3, rfd, BUF2, 100), 11);
	ck_assert_mem_eq(G(BUF2), "hello, i386", 11);
	ck_assert_int_eq(sys(6, rfd), 0);
	ck_assert_int_eq(sys(6, rfd), -EBADF);
	/* pipe2 with O_CLOEXEC, then dup2/dup3 */
	ck_assert_int_eq(sys(331, BUF, O_CLOEXEC), 0);
	ck_assert_int_eq(sys(63, u32at(BUF), 100), 100);
	ck_assert_int_eq(sys(330, 100, 101, O_CLOEXEC), 101);
}
END_TEST

START_TEST(stat64_layout)
{
	char path[128];
	struct stat st;
	tmpfile_with("f", 1234, path);
	ck_assert_int_eq(stat(path, &st), 0);
	gstr(STR, path);
	memset(G(BUF), 0xaa, 100);
	ck_assert_int_eq(sys(195, STR, BUF), 0);
	ck_assert_uint_eq(u64at(BUF + 0), st.st_dev);		 /* st_dev */
	ck_assert_uint_eq(u32at(BUF + 12), (uint32_t)st.st_ino); /* __st_ino */
	ck_assert_uint_eq(u32at(BUF + 16), st.st_mode);
	ck_assert_uint_eq(u32at(BUF + 20), 1); /* st_nlink */
	ck_assert_uint_eq(u32at(BUF + 24), st.st_uid);
	ck_assert_uint_eq(u64at(BUF + 44), 1234); /* st_size */
	ck_assert_uint_eq(u32at(BUF + 52), st.st_blksize);
	ck_assert_uint_eq(u64at(BUF + 56), st.st_blocks);
	ck_assert_uint_eq(u32at(BUF + 72), (uint32_t)st.st_mtim.tv_sec);
	ck_assert_uint_eq(u64at(BUF + 88), st.st_ino); /* st_ino */
	ck_assert_uint_eq(G(BUF)[96], 0xaa);	       /* 96 bytes only */
	/* fstat64, fstatat64, lstat64 of a symlink */
	int fd = open(path, O_RDONLY);
	memset(G(BUF2), 0, 96);
	ck_assert_int_eq(sys(197, fd, BUF2), 0);
	ck_assert_mem_eq(G(BUF), G(BUF2), 96);
	ck_assert_int_eq(sys(300, (uint32_t)AT_FDCWD, STR, BUF2, 0), 0);
	ck_assert_uint_eq(u64at(BUF2 + 44), 1234);
	char link[160];
	sprintf(link, "%s/l", tmpdir);
	ck_assert_int_eq(symlink(path, link), 0);
	gstr(STR + 512, link);
	ck_assert_int_eq(sys(196, STR + 512, BUF2), 0);
	ck_assert(S_ISLNK(u32at(BUF2 + 16)));
	ck_assert_int_eq(sys(195, STR + 512, BUF2), 0);
	ck_assert(S_ISREG(u32at(BUF2 + 16)));
	close(fd);
}
END_TEST

START_TEST(old_stat_layout)
{
	char path[128];
	struct stat st;
	tmpfile_with("g", 77, path);
	ck_assert_int_eq(stat(path, &st), 0);
	gstr(STR, path);
	ck_assert_int_eq(sys(106, STR, BUF), 0);
	ck_assert_uint_eq(u32at(BUF + 4), (uint32_t)st.st_ino);
	ck_assert_uint_eq(*(uint16_t *)G(BUF + 8), st.st_mode);
	ck_assert_uint_eq(u32at(BUF + 20), 77);
	ck_assert_int_eq(sys(106, 0x60000000, BUF), -EFAULT);
}
END_TEST

static int dir_names(uint32_t buf, int n, bool i386, char found[][8])
{
	int k = 0;
	for (int off = 0; off < n;) {
		uint16_t rl;
		const char *name;
		uint8_t type;
		if (i386) {
			memcpy(&rl, G(buf + off + 8), 2);
			name = (const char *)G(buf + off + 10);
			type = G(buf + off)[rl - 1];
			ck_assert_int_eq(rl % 4, 0);
		} else {
			memcpy(&rl, G(buf + off + 16), 2);
			type = G(buf + off)[18];
			name = (const char *)G(buf + off + 19);
			ck_assert_int_eq(rl % 8, 0);
		}
		if (name[0] != '.') {
			ck_assert_int_eq(type, DT_REG);
			snprintf(found[k++], 8, "%s", name);
		}
		off += rl;
	}
	return k;
}

static int cmpname(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(getdents_both_layouts)
{
	char path[128], names[8][8];
	tmpfile_with("a", 1, path);
	tmpfile_with("bb", 1, path);
	tmpfile_with("ccc", 1, path);
	gstr(STR, tmpdir);
	for (int pass = 0; pass < 2; pass++) {
		int fd = sys(5, STR, O_RDONLY | O_DIRECTORY, 0);
		ck_assert_int_ge(fd, 0);
		int n = sys(pass ? 141 : 220, fd, BUF, 4096);
		ck_assert_int_gt(n, 0);
		int k = dir_names(BUF, n, pass == 1, names);
		ck_assert_int_eq(k, 3);
		qsort(names, 3, 8, cmpname);
		ck_assert_str_eq(names[0], "a");
		ck_assert_str_eq(names[1], "bb");
		ck_assert_str_eq(names[2], "ccc");
		ck_assert_int_eq(sys(pass ? 141 : 220, fd, BUF, 4096), 0);
		sys(6, fd);
	}
}
END_TEST

START_TEST(clock_gettime_layouts)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	ck_assert_int_eq(sys(265, CLOCK_REALTIME, BUF), 0);
	int32_t sec = (int32_t)u32at(BUF), nsec = (int32_t)u32at(BUF + 4);
	ck_assert_int_le(labs(sec - (long)now.tv_sec), 2);
	ck_assert(nsec >= 0 && nsec < 1000000000);
	ck_assert_int_eq(sys(403, CLOCK_MONOTONIC, BUF), 0); /* clock_gettime64 */
	ck_assert(u64at(BUF + 8) < 1000000000);
	ck_assert_int_eq(sys(266, CLOCK_REALTIME, BUF), 0); /* getres */
	ck_assert_int_eq(sys(265, 12345, BUF), -EINVAL);
	ck_assert_int_eq(sys(13, BUF), (int32_t)u32at(BUF)); /* time */
	ck_assert_int_eq(sys(78, BUF, 0), 0);		     /* gettimeofday */
	ck_assert_int_le(labs((int32_t)u32at(BUF) - (long)now.tv_sec), 2);
	ck_assert_uint_lt(u32at(BUF + 4), 1000000);
	memset(G(BUF), 0, 8);
	*(uint32_t *)G(BUF + 4) = 1000000; /* 1 ms nanosleep */
	ck_assert_int_eq(sys(162, BUF, 0), 0);
}
END_TEST

START_TEST(uname_is_i686)
{
	ck_assert_int_eq(sys(122, BUF), 0);
	ck_assert_str_eq((char *)G(BUF), "Linux");
	ck_assert_str_eq((char *)G(BUF + 4 * 65), "i686");
	ck_assert_int_eq(sys(122, 0x20000000), -EFAULT);
}
END_TEST

START_TEST(mmap2_munmap_mprotect)
{
	uint32_t a = (uint32_t)sys(192, 0, 3 * 4096, PROT_READ | PROT_WRITE, ANON, (uint32_t)-1, 0);
	ck_assert(a < 0xfffff000u && (a & 0xfff) == 0);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)a), PROT_READ | PROT_WRITE);
	G((uint32_t)a)[0] = 1;
	ck_assert_int_eq(sys(125, (uint32_t)a, 4096, PROT_READ), 0);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)a), PROT_READ);
	ck_assert_int_eq(sys(91, (uint32_t)a, 3 * 4096), 0);
	ck_assert_int_eq(uspace_prot(us, (uint32_t)a), -1);
	/* old mmap: argument block; offset must be page aligned */
	uint32_t blk[6] = {0x30000000, 4096, PROT_READ, ANON | MAP_FIXED, (uint32_t)-1, 0};
	memcpy(G(BUF), blk, sizeof blk);
	ck_assert_int_eq(sys(90, BUF), 0x30000000);
	blk[5] = 100;
	memcpy(G(BUF), blk, sizeof blk);
	ck_assert_int_eq(sys(90, BUF), -EINVAL);
	/* mmap2 of a file at page offset 1 */
	char path[128];
	sprintf(path, "%s/m", tmpdir);
	int fd = open(path, O_CREAT | O_RDWR, 0644);
	char page[8192];
	memset(page, 'x', 4096);
	memset(page + 4096, 'y', 4096);
	ck_assert_int_eq(write(fd, page, sizeof page), (ssize_t)sizeof page);
	a = (uint32_t)sys(192, 0, 4096, PROT_READ, MAP_PRIVATE, (uint32_t)fd, 1);
	ck_assert(a < 0xfffff000u);
	ck_assert_int_eq(G((uint32_t)a)[0], 'y');
	close(fd);
	/* madvise and mincore on mapped pages; holes are ENOMEM */
	ck_assert_int_eq(sys(219, SCRATCH, 4096, MADV_DONTNEED), 0);
	ck_assert_int_eq(sys(218, SCRATCH, 8192, BUF), 0);
	ck_assert_int_eq(sys(219, 0x50000000, 4096, MADV_WILLNEED), -ENOMEM);
}
END_TEST

START_TEST(brk_moves)
{
	uint32_t cur = (uint32_t)sys(45, 0);
	ck_assert_uint_eq(cur, 0x08100000);
	ck_assert_uint_eq((uint32_t)sys(45, cur + 0x3000), cur + 0x3000);
	G(cur + 0x2fff)[0] = 5;
	ck_assert_uint_eq((uint32_t)sys(45, 0), cur + 0x3000);
}
END_TEST

START_TEST(unknown_counts)
{
	ck_assert_int_eq(sys0(500), -ENOSYS);
	ck_assert_int_eq(sys0(4000), -ENOSYS);
	ck_assert_int_eq(sys0(17), -ENOSYS); /* "break" */
	ck_assert_uint_eq(P.unknown_syscalls, 3);
	ck_assert(P.unknown_seen[500 / 64] & (1ull << (500 % 64)));
	ck_assert(P.unknown_seen[0] & (1ull << 17));
	ck_assert_int_eq(sys(386, BUF, 32, 0, 0), -ENOSYS); /* rseq: deliberate */
	ck_assert_uint_eq(P.unknown_syscalls, 3);
	ck_assert_uint_eq(P.syscalls, 4);
	ck_assert_str_eq(lx_syscall_name(4), "write");
	ck_assert_ptr_null(lx_syscall_name(500));
}
END_TEST

START_TEST(bad_pointers_efault)
{
	ck_assert_int_eq(sys(4, 1, 0x60000000, 10), -EFAULT);
	ck_assert_int_eq(sys(195, 0x60000000, BUF), -EFAULT);
	ck_assert_int_eq(sys(195, 0, BUF), -EFAULT);
	gstr(STR, "/");
	ck_assert_int_eq(sys(195, STR, 0x60000000), -EFAULT);
	ck_assert_int_eq(sys(265, CLOCK_REALTIME, SCRATCH + SCRATCH_LEN - 4), -EFAULT);
	/* read into a read-only page */
	ck_assert_int_eq(sys(192, 0x31000000, 4096, PROT_READ, ANON | MAP_FIXED, (uint32_t)-1, 0),
			 0x31000000);
	ck_assert_int_eq(sys(42, BUF), 0);
	ck_assert_int_eq(sys(4, u32at(BUF + 4), STR, 1), 1);
	ck_assert_int_eq(sys(3, u32at(BUF), 0x31000000, 1), -EFAULT);
	/* a string running off the end of the mapping */
	memset(G(SCRATCH + SCRATCH_LEN - 16), 'a', 16);
	ck_assert_int_eq(sys(5, SCRATCH + SCRATCH_LEN - 16, O_RDONLY, 0), -EFAULT);
}
END_TEST

START_TEST(fcntl64_and_llseek)
{
	char path[128];
	tmpfile_with("s", 100, path);
	gstr(STR, path);
	int fd = sys(5, STR, O_RDWR, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(221, fd, F_GETFL) & O_ACCMODE, O_RDWR);
	ck_assert_int_eq(sys(221, fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert(sys(55, fd, F_GETFL) & O_NONBLOCK);
	ck_assert_int_eq(sys(221, fd, F_SETFD, FD_CLOEXEC), 0);
	ck_assert_int_eq(sys(221, fd, F_GETFD), FD_CLOEXEC);
	/* F_SETLK64 with the packed i386 struct flock64, then F_GETLK64 */
	uint8_t fl[24] = {0};
	int16_t type = F_WRLCK;
	int64_t start = 10, len = 20;
	memcpy(fl, &type, 2);
	memcpy(fl + 4, &start, 8);
	memcpy(fl + 12, &len, 8);
	memcpy(G(BUF), fl, 24);
	ck_assert_int_eq(sys(221, fd, 13 /* F_SETLK64 */, BUF), 0);
	memcpy(G(BUF), fl, 24);
	ck_assert_int_eq(sys(221, fd, 12 /* F_GETLK64 */, BUF), 0);
	ck_assert_int_eq(*(int16_t *)G(BUF), F_UNLCK); /* our own lock */
	ck_assert_int_eq(sys(221, fd, 9999, 0), -EINVAL);
	/* _llseek: (fd, high, low, &result, whence) */
	ck_assert_int_eq(sys(140, fd, 0, 50, BUF, SEEK_SET), 0);
	ck_assert_uint_eq(u64at(BUF), 50);
	ck_assert_int_eq(sys(140, fd, 1, 5, BUF, SEEK_SET), 0); /* 4 GiB + 5 */
	ck_assert_uint_eq(u64at(BUF), (1ull << 32) + 5);
	ck_assert_int_eq(sys(19, fd, 0, SEEK_CUR), -EOVERFLOW); /* 32-bit lseek */
	ck_assert_int_eq(sys(19, fd, 7, SEEK_SET), 7);
	/* ftruncate64 and pread64 with split offsets */
	ck_assert_int_eq(sys(194, fd, 300, 0), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_END), 300);
	ck_assert_int_eq(sys(180, fd, BUF, 10, 295, 0), 5);
	ck_assert_int_eq(sys(181, fd, STR, 3, 0, 0), 3);
	sys(6, fd);
}
END_TEST

START_TEST(tls_descriptors)
{
	/* struct user_desc {entry -1, base, limit, flags: seg_32bit, limit_in_pages, useable} */
	uint32_t ud[4] = {0xffffffff, 0x0804a000, 0xfffff, 1 | 16 | 64};
	memcpy(G(BUF), ud, 16);
	ck_assert_int_eq(sys(243, BUF), 0);
	ck_assert_uint_eq(u32at(BUF), 6); /* written back */
	uint32_t base;
	ck_assert_int_eq(lx_segment_base(&T, 0x33, &base), 0);
	ck_assert_uint_eq(base, 0x0804a000);
	ck_assert_int_eq(lx_segment_base(&T, 0x3b, &base), -EINVAL); /* entry 7 empty */
	ck_assert_int_eq(lx_segment_base(&T, 0, &base), 0);
	ck_assert_int_eq(lx_segment_base(&T, 0x7b, &base), 0);
	ck_assert_int_eq(lx_segment_base(&T, 0x60, &base), -EINVAL); /* kernel entry */
	/* a selector in %gs sees a new base of its entry */
	C.seg[GS_GS] = 0x33;
	ud[0] = 6;
	ud[1] = 0x0900a000;
	memcpy(G(BUF), ud, 16);
	ck_assert_int_eq(sys(243, BUF), 0);
	ck_assert_uint_eq(C.seg_base[GS_GS], 0x0900a000);
	/* get_thread_area returns what was set */
	memset(G(BUF2), 0, 16);
	*(uint32_t *)G(BUF2) = 6;
	ck_assert_int_eq(sys(244, BUF2), 0);
	ck_assert_mem_eq(G(BUF2), G(BUF), 16);
	/* 16-bit segments and entry 12 are refused */
	ud[3] = 0;
	ud[2] = 5;
	memcpy(G(BUF), ud, 16);
	ck_assert_int_eq(sys(243, BUF), -EINVAL);
	ud[3] = 1;
	ud[0] = 12;
	memcpy(G(BUF), ud, 16);
	ck_assert_int_eq(sys(243, BUF), -EINVAL);
	/* modify_ldt: write entry 2, read it, use selector 0x17 */
	uint32_t ld[4] = {2, 0x1000, 0xff, 1};
	memcpy(G(BUF), ld, 16);
	ck_assert_int_eq(sys(123, 0x11, BUF, 16), 0);
	ck_assert_int_eq(lx_segment_base(&T, 0x17, &base), 0);
	ck_assert_uint_eq(base, 0x1000);
	ck_assert_int_eq(sys(123, 0, BUF2, 128), 128);
	ck_assert_uint_eq(u32at(BUF2 + 16) >> 16, 0x1000); /* base 15..0 of entry 2 */
}
END_TEST

START_TEST(proc_self_exe_and_ids)
{
	gstr(STR, "/proc/self/exe");
	ck_assert_int_eq(sys(85, STR, BUF, 100), 10);
	ck_assert_mem_eq(G(BUF), "/bin/guest", 10);
	ck_assert_int_eq(sys(305, (uint32_t)AT_FDCWD, STR, BUF, 4), 4);
	ck_assert_int_eq(sys0(199), (int32_t)getuid());
	ck_assert_int_eq(sys0(24), getuid() > 65535 ? 65534 : (int32_t)getuid());
	ck_assert_int_eq(sys0(20), getpid());
	ck_assert_int_eq(sys0(224), getpid());
	int n = sys(205, 0, 0);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(sys(205, 64, BUF), n);
	/* getcwd */
	ck_assert_int_gt(sys(183, BUF, 4096), 0);
	char cwd[4096];
	ck_assert_str_eq((char *)G(BUF), getcwd(cwd, sizeof cwd));
}
END_TEST

START_TEST(rlimits)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	ck_assert_int_eq(sys(191, RLIMIT_NOFILE, BUF), 0);
	ck_assert_uint_eq(u32at(BUF), rl.rlim_cur > 0xffffffff ? 0xffffffff : rl.rlim_cur);
	/* the address-space limit is the guest's, never applied to the host */
	uint32_t lim[2] = {1 << 20, 1 << 20};
	memcpy(G(BUF), lim, 8);
	ck_assert_int_eq(sys(75, RLIMIT_AS, BUF), 0);
	getrlimit(RLIMIT_AS, &rl);
	ck_assert(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20));
	/* old getrlimit: infinity reads as 0x7fffffff, ugetrlimit 0xffffffff */
	getrlimit(RLIMIT_AS, &rl);
	if (rl.rlim_cur == RLIM_INFINITY) {
		ck_assert_int_eq(sys(76, RLIMIT_AS, BUF), 0);
		ck_assert_uint_eq(u32at(BUF), 0x7fffffff);
		ck_assert_int_eq(sys(191, RLIMIT_AS, BUF), 0);
		ck_assert_uint_eq(u32at(BUF), 0xffffffff);
	}
	ck_assert_int_eq(sys(340, 0, RLIMIT_NOFILE, 0, BUF), 0); /* prlimit64 */
	ck_assert_uint_ne(u64at(BUF), 0);
	ck_assert_int_eq(sys(77, RUSAGE_SELF, BUF), 0);
	ck_assert_int_eq(sys(116, BUF), 0);    /* sysinfo */
	ck_assert_uint_ne(u32at(BUF + 16), 0); /* totalram */
	ck_assert_uint_ne(u32at(BUF + 52), 0); /* mem_unit */
	ck_assert_int_ge(sys(43, BUF), 0);     /* times */
}
END_TEST

/* -L SYSROOT: absolute guest paths are looked up in the sysroot first, with
 * absolute symbolic links resolved inside it; other paths fall back to the
 * host; getcwd shows directories inside the sysroot as the guest sees them. */
START_TEST(sysroot_lookup)
{
	char sr[128], p[192], host[128];
	snprintf(sr, sizeof sr, "%s/sr", tmpdir);
	snprintf(p, sizeof p, "%s/lib32", sr);
	ck_assert_int_eq(mkdir(sr, 0755), 0);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/lib", sr);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/lib32/libx", sr);
	FILE *f = fopen(p, "w");
	fputs("in-sysroot", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/lib/link", sr);
	ck_assert_int_eq(symlink("/lib32/libx", p), 0); /* absolute, inside the root */
	lx_proc_fini(&P);
	ck_assert_int_eq(lx_proc_init(&P, us, sr, NULL, "/bin/guest"), 0);
	lx_thread_init(&T, &P, &C);

	gstr(STR, "/lib/link");
	int fd = sys(5, STR, O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(3, fd, BUF, 64), 10);
	ck_assert_mem_eq(G(BUF), "in-sysroot", 10);
	ck_assert_int_eq(sys(196, STR, BUF), 0); /* lstat64: the link itself */
	ck_assert(S_ISLNK(u32at(BUF + 16)));
	ck_assert_int_eq(sys(195, STR, BUF), 0);
	ck_assert_uint_eq(u64at(BUF + 44), 10);
	/* a path absent from the sysroot is the host's */
	tmpfile_with("outside", 3, host);
	gstr(STR, host);
	ck_assert_int_eq(sys(195, STR, BUF), 0);
	ck_assert_uint_eq(u64at(BUF + 44), 3);
	/* lx_resolve_path, as the loader uses it */
	char out[256];
	ck_assert_int_eq(lx_resolve_path(&P, "/lib/link", true, out, sizeof out), 0);
	snprintf(p, sizeof p, "%s/lib32/libx", sr);
	char real[256];
	ck_assert_ptr_nonnull(realpath(p, real));
	ck_assert_str_eq(out, real);
	/* getcwd inside the sysroot */
	char cwd[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	gstr(STR, "/lib32");
	ck_assert_int_eq(sys(12, STR), 0);
	ck_assert_int_eq(sys(183, BUF, 4096), 7);
	ck_assert_str_eq((char *)G(BUF), "/lib32");
	ck_assert_int_eq(sys(183, BUF, 3), -ERANGE);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lx");
	TCase *f = tcase_create("files");
	tcase_add_checked_fixture(f, lx_setup_files, lx_teardown_files);
	tcase_add_test(f, pipe_write_read);
	tcase_add_test(f, stat64_layout);
	tcase_add_test(f, old_stat_layout);
	tcase_add_test(f, getdents_both_layouts);
	tcase_add_test(f, fcntl64_and_llseek);
	suite_add_tcase(s, f);
	TCase *m = tcase_create("memory");
	tcase_add_checked_fixture(m, lx_setup_files, lx_teardown_files);
	tcase_add_test(m, mmap2_munmap_mprotect);
	tcase_add_test(m, brk_moves);
	tcase_add_test(m, bad_pointers_efault);
	tcase_add_test(m, tls_descriptors);
	suite_add_tcase(s, m);
	TCase *o = tcase_create("other");
	tcase_add_checked_fixture(o, lx_setup_files, lx_teardown_files);
	tcase_add_test(o, clock_gettime_layouts);
	tcase_add_test(o, uname_is_i686);
	tcase_add_test(o, unknown_counts);
	tcase_add_test(o, proc_self_exe_and_ids);
	tcase_add_test(o, rlimits);
	tcase_add_test(o, sysroot_lookup);
	suite_add_tcase(s, o);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
