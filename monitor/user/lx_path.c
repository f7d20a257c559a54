/*
 * lx_path.c — guest paths: the sysroot (-L) and /proc/self/exe.
 *
 * Owns: lx_resolve_path() (absolute guest paths are looked up inside the
 * sysroot with symbolic links resolved inside it, RESOLVE_IN_ROOT, and used
 * as host paths when absent there), the /proc/self/exe view of the guest
 * program, readlink and readlinkat.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

static int lx_copy(const char *s, char *out, size_t n)
{
	size_t l = strlen(s);
	if (l >= n)
		return -ENAMETOOLONG;
	memcpy(out, s, l + 1);
	return 0;
}

/* "/proc/self/exe" or "/proc/<our pid>/exe"? */
bool lx_is_self_exe(const char *s)
{
	char own[32];
	if (strcmp(s, "/proc/self/exe") == 0 || strcmp(s, "/proc/thread-self/exe") == 0)
		return true;
	snprintf(own, sizeof own, "/proc/%d/exe", (int)getpid());
	return strcmp(s, own) == 0;
}

/* Host path of the file FD (an O_PATH descriptor) refers to. */
static int lx_fd_path(int fd, char *out, size_t n)
{
	char link[32];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(link, out, n);
	if (l < 0)
		return -errno;
	if ((size_t)l >= n)
		return -ENAMETOOLONG;
	out[l] = 0;
	return 0;
}

static int lx_open_in_root(int root, const char *rel, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, rel[0] ? rel : ".", &how, sizeof how);
	return fd < 0 ? -errno : (int)fd;
}

/* GUEST (absolute) inside the sysroot: 0 with the host path, or <0 if it
 * is not there. */
static int lx_in_sysroot(const struct lx_proc *p, const char *guest, bool follow, char *out,
			 size_t n)
{
	int fd = lx_open_in_root(p->sysroot_fd, guest + 1, follow);
	if (fd < 0)
		return fd;
	int r = lx_fd_path(fd, out, n);
	close(fd);
	return r;
}

int lx_resolve_path(const struct lx_proc *p, const char *guest, bool follow, char *out,
		    size_t n)
{
	if (follow && p->exe && lx_is_self_exe(guest) && !lx_is_self_exe(p->exe))
		return lx_resolve_path(p, p->exe, true, out, n);
	if (guest[0] == '/' && p->sysroot_fd >= 0 && lx_in_sysroot(p, guest, follow, out, n) == 0)
		return 0;
	return lx_copy(guest, out, n);
}

/* readlink of /proc/self/exe reports the guest program, not ringvm. */
static long lx_readlink_common(struct lx_thread *t, int dirfd, uint32_t path, uint32_t buf,
			       uint32_t size)
{
	char host[PATH_MAX];
	const char *s;
	void *b;
	int r;

	if ((int32_t)size <= 0)
		return -EINVAL;
	if ((r = lx_str(t, path, PATH_MAX, false, &s)) < 0)
		return r;
	if ((r = lx_ptr(t, buf, size, PROT_WRITE, &b)) < 0)
		return r;
	if (t->proc->exe && lx_is_self_exe(s)) {
		size_t l = strlen(t->proc->exe);
		l = l < size ? l : size;
		memcpy(b, t->proc->exe, l);
		return (long)l;
	}
	if ((r = lx_path(t, path, false, host, &s)) < 0)
		return r;
	return lx_host(t, SYS_readlinkat, dirfd, (long)s, (long)b, size);
}

long lx_sys_readlink(struct lx_thread *t, const uint32_t *a)
{
	return lx_readlink_common(t, AT_FDCWD, a[0], a[1], a[2]);
}

long lx_sys_readlinkat(struct lx_thread *t, const uint32_t *a)
{
	return lx_readlink_common(t, (int32_t)a[0], a[1], a[2], a[3]);
}

/* The guest program as /proc/self/exe shows it: absolute, symbolic links
 * resolved (inside the sysroot when it is there). */
void lx_canonical_exe(struct lx_proc *p)
{
	char host[PATH_MAX], root[PATH_MAX];
	if (!p->exe || lx_is_self_exe(p->exe))
		return;
	if (lx_resolve_path(p, p->exe, true, host, sizeof host) < 0 ||
	    !realpath(host, p->exe_abs))
		return;
	if (lx_sysroot_path(p, root, sizeof root) == 0) {
		size_t l = strlen(root);
		if (l > 1 && !strncmp(p->exe_abs, root, l) && p->exe_abs[l] == '/')
			memmove(p->exe_abs, p->exe_abs + l, strlen(p->exe_abs + l) + 1);
	}
	p->exe = p->exe_abs;
}

int lx_sysroot_path(const struct lx_proc *p, char *out, size_t n)
{
	return p->sysroot_fd >= 0 ? lx_fd_path(p->sysroot_fd, out, n) : -ENOENT;
}

/* getcwd: a directory inside the sysroot is shown as the guest sees it. */
long lx_sys_getcwd(struct lx_thread *t, const uint32_t *a)
{
	char cwd[PATH_MAX], root[PATH_MAX];
	const char *show = cwd;
	if (!getcwd(cwd, sizeof cwd))
		return -errno;
	if (lx_sysroot_path(t->proc, root, sizeof root) == 0) {
		size_t l = strlen(root);
		if (l > 1 && !strncmp(cwd, root, l) && (cwd[l] == '/' || !cwd[l]))
			show = cwd[l] ? cwd + l : "/";
	}
	size_t n = strlen(show) + 1;
	if (n > a[1])
		return -ERANGE;
	return lx_put(t, a[0], show, (uint32_t)n) ? -EFAULT : (long)n;
}
