/*
 * lx_exec.c — execve and execveat of the Linux i386 personality.
 *
 * Owns: reading the guest's argv and envp, following #! scripts as Linux
 * does (interpreter, one optional argument, the script's name, the rest of
 * argv; at most 4 levels), and choosing how to run the target: an i386 ELF
 * runs under ringvm again —
 *   self_exe user [-L SYSROOT] -0 ARGV0 -- PATH ARGS...
 * (PATH the guest's name for it, looked up through the sysroot by the new
 * monitor) — and anything else is executed by the host kernel directly (an
 * x86-64 program started from the guest runs natively: a documented quirk).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

#define LX_MAX_ARGS (1u << 17)
#define LX_EXTRA_ARGS 16 /* room for 4 levels of #! (3 each) */
#define LX_SCRIPT_DEPTH 4

struct lx_exec {
	char **argv, **envp; /* host pointers into guest memory, NULL-ended */
	uint32_t argc;
	char interp[LX_SCRIPT_DEPTH][256];   /* #! interpreters */
	char arg[LX_SCRIPT_DEPTH][256];      /* and their arguments */
	char script[LX_SCRIPT_DEPTH][PATH_MAX]; /* the scripts' names */
	char path[PATH_MAX];                 /* guest path of the target */
	char host[PATH_MAX];                 /* its host path */
};

/* Guest array of string pointers at ADDR to a new NULL-ended host array
 * with EXTRA free slots in front. */
static int lx_get_strv(struct lx_thread *t, uint32_t addr, uint32_t extra, char ***out,
		       uint32_t *count)
{
	uint32_t n = 0, p;
	char **v;
	*out = NULL;
	for (; addr; n++) {
		if (n >= LX_MAX_ARGS)
			return -E2BIG;
		if (lx_get32(t, addr + n * 4, &p))
			return -EFAULT;
		if (!p)
			break;
	}
	v = calloc(n + extra + 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		int r;
		if (lx_get32(t, addr + i * 4, &p) || (r = lx_str(t, p, 1u << 20, false, &s)) < 0) {
			free(v);
			return -EFAULT;
		}
		v[extra + i] = (char *)s;
	}
	*out = v;
	*count = n;
	return 0;
}

/* "#!interp arg" from the first bytes BUF of a script. */
static int lx_parse_shebang(char *buf, size_t n, char *interp, char *arg)
{
	char *end = memchr(buf, '\n', n);
	char *p = buf + 2, *q;
	if (!end)
		end = buf + n;
	*end = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return -ENOEXEC;
	for (q = p; *q && *q != ' ' && *q != '\t'; q++)
		;
	snprintf(interp, 256, "%.*s", (int)(q - p), p);
	while (*q == ' ' || *q == '\t')
		q++;
	for (char *e = q + strlen(q); e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r');)
		*--e = 0;
	snprintf(arg, 256, "%s", q);
	return 0;
}

enum lx_kind { LX_I386, LX_SCRIPT, LX_OTHER };

/* What the file at HOST is; BUF gets its first bytes. */
static int lx_classify(const char *host, char *buf, size_t size, size_t *n, enum lx_kind *kind)
{
	struct stat st;
	int fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || faccessat(AT_FDCWD, host, X_OK, AT_EACCESS)) {
		close(fd);
		return -EACCES;
	}
	ssize_t got = read(fd, buf, size - 1);
	close(fd);
	if (got < 0)
		return -EIO;
	*n = (size_t)got;
	buf[got] = 0;
	const Elf32_Ehdr *eh = (const void *)buf;
	if (got >= 2 && buf[0] == '#' && buf[1] == '!')
		*kind = LX_SCRIPT;
	else if ((size_t)got >= sizeof *eh && !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
		 eh->e_ident[EI_CLASS] == ELFCLASS32 && eh->e_machine == EM_386)
		*kind = LX_I386;
	else
		*kind = LX_OTHER;
	return 0;
}

/* Puts the interpreter of the script E->path in front of argv (replacing
 * argv[0]) and makes it the target. */
static int lx_script(struct lx_exec *e, char *buf, size_t n, int depth)
{
	char *interp = e->interp[depth], *arg = e->arg[depth];
	int r = lx_parse_shebang(buf, n, interp, arg);
	if (r < 0)
		return r;
	/* argv[0..] -> interp, [arg], path, argv[1..]: E->argv has free slots
	 * in front (LX_EXTRA_ARGS) */
	char **v = e->argv;
	uint32_t skip = e->argc ? 1 : 0;
	uint32_t add = arg[0] ? 3 : 2;
	v += skip; /* drop argv[0] */
	v -= add;
	v[0] = interp;
	if (arg[0])
		v[1] = arg;
	snprintf(e->script[depth], PATH_MAX, "%s", e->path);
	v[add - 1] = e->script[depth];
	e->argv = v;
	e->argc = e->argc - skip + add;
	snprintf(e->path, sizeof e->path, "%s", interp);
	return 0;
}

static long lx_exec_ringvm(struct lx_thread *t, struct lx_exec *e)
{
	const char *self = t->proc->self_exe ? t->proc->self_exe : "/proc/self/exe";
	char **v = calloc(e->argc + 12, sizeof *v);
	unsigned k = 0;
	if (!v)
		return -ENOMEM;
	v[k++] = "ringvm";
	v[k++] = "user";
	if (lx_sysroot_path(t->proc, e->host, sizeof e->host) == 0) { /* absolute: cwd moves */
		v[k++] = "-L";
		v[k++] = e->host;
	}
	v[k++] = "-0";
	v[k++] = e->argc ? e->argv[0] : "";
	v[k++] = "--";
	v[k++] = e->path;
	for (uint32_t i = 1; i < e->argc; i++)
		v[k++] = e->argv[i];
	execve(self, v, e->envp);
	long r = -errno;
	free(v);
	return r;
}

static long lx_exec_run(struct lx_thread *t, struct lx_exec *e)
{
	char buf[256];
	size_t n;
	enum lx_kind kind = LX_OTHER;
	if (t->proc->exe && lx_is_self_exe(e->path)) /* the guest program again */
		snprintf(e->path, sizeof e->path, "%s", t->proc->exe);
	for (int depth = 0;; depth++) {
		int r = lx_resolve_path(t->proc, e->path, true, e->host, sizeof e->host);
		if (r < 0 || (r = lx_classify(e->host, buf, sizeof buf, &n, &kind)) < 0)
			return r;
		if (kind != LX_SCRIPT)
			break;
		if (depth == LX_SCRIPT_DEPTH)
			return -ELOOP;
		if ((r = lx_script(e, buf, n, depth)) < 0)
			return r;
	}
	if (kind == LX_I386)
		return lx_exec_ringvm(t, e);
	execve(e->host, e->argv, e->envp);
	return -errno;
}

static long lx_exec(struct lx_thread *t, int dirfd, uint32_t path, uint32_t argv, uint32_t envp,
		    int flags)
{
	struct lx_exec *e = calloc(1, sizeof *e);
	char **argv0 = NULL;
	const char *s;
	long r = -ENOMEM;
	if (!e)
		return r;
	if ((r = lx_str(t, path, PATH_MAX, false, &s)) < 0)
		goto out;
	if (s[0] == '/' || dirfd == AT_FDCWD)
		snprintf(e->path, sizeof e->path, "%s", s);
	else if (!s[0] && (flags & AT_EMPTY_PATH))
		snprintf(e->path, sizeof e->path, "/proc/self/fd/%d", dirfd);
	else
		snprintf(e->path, sizeof e->path, "/proc/self/fd/%d/%s", dirfd, s);
	if ((r = lx_get_strv(t, argv, LX_EXTRA_ARGS, &argv0, &e->argc)) < 0 ||
	    (r = lx_get_strv(t, envp, 0, &e->envp, &(uint32_t){0})) < 0)
		goto out;
	e->argv = argv0 + LX_EXTRA_ARGS;
	r = lx_exec_run(t, e);
out:
	free(argv0);
	free(e->envp);
	free(e);
	return r;
}

long lx_sys_execve(struct lx_thread *t, const uint32_t *a)
{
	return lx_exec(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

long lx_sys_execveat(struct lx_thread *t, const uint32_t *a)
{
	return lx_exec(t, (int32_t)a[0], a[1], a[2], a[3], (int)a[4]);
}
