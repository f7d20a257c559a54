/*
 * qemu_run.c — running the programs of the qemu-i386 differential test
 * (see qemu_diff.c): each runner (ringvm, qemu-i386, native) as a child
 * with its stdout and stderr in files, a time limit, the records parsed
 * out of its stdout, and the probe whether this host runs i386 code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define QD_INTERNAL
#include "tests/diff/qemu.h"

#define RUN_TIMEOUT 20 /* seconds per program and runner */

const char *const qd_run_name[NRUN] = {"ringvm", "qemu-i386", "native"};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap + 1);
	for (;;) {
		if (n == cap)
			b = realloc(b, (cap *= 2) + 1);
		size_t r = fread(b + n, 1, cap - n, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

static pid_t spawn(char *const argv[], const char *out, const char *err)
{
	pid_t p = fork();
	if (p)
		return p;
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int z = open("/dev/null", O_RDONLY);
	if (o < 0 || e < 0 || z < 0)
		_exit(126);
	dup2(z, 0), dup2(o, 1), dup2(e, 2);
	alarm(RUN_TIMEOUT);
	execv(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void qd_describe_status(int st, char *b, size_t n)
{
	if (WIFEXITED(st))
		snprintf(b, n, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, n, "killed by signal %d%s", WTERMSIG(st),
			 WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
	else
		snprintf(b, n, "status %#x", st);
}

void qd_parse(struct out *o, unsigned n)
{
	memset(o->rec, 0, sizeof(o->rec));
	memset(o->mem, 0, sizeof(o->mem));
	size_t step = QD_RECLEN + DX_DATA_SIZE;
	for (size_t off = 0; off + step <= o->len; off += step) {
		const struct qrec *r = (const struct qrec *)(o->buf + off);
		if (r->magic != QD_MAGIC || r->index >= n || o->rec[r->index])
			break;
		o->rec[r->index] = r;
		o->mem[r->index] = o->buf + off + QD_RECLEN;
	}
}

/* Runs the program PATH under the runners in USE; fills OUT. */
void qd_run_all(const char *path, const char *dir, const char *qemu, const char *ringvm,
		const bool *use, struct out *out, unsigned n)
{
	pid_t pid[NRUN] = {0};
	char of[NRUN][600], ef[NRUN][600];
	for (int k = 0; k < NRUN; k++) {
		if (!use[k])
			continue;
		snprintf(of[k], sizeof(of[k]), "%s/out.%d", dir, k);
		snprintf(ef[k], sizeof(ef[k]), "%s/err.%d", dir, k);
		char *argv[5] = {NULL};
		if (k == RV)
			argv[0] = (char *)ringvm, argv[1] = "user", argv[2] = "--",
			argv[3] = (char *)path;
		else if (k == QE)
			argv[0] = (char *)qemu, argv[1] = (char *)path;
		else
			argv[0] = (char *)path;
		pid[k] = spawn(argv, of[k], ef[k]);
	}
	for (int k = 0; k < NRUN; k++) {
		if (!use[k])
			continue;
		int st = 0;
		while (waitpid(pid[k], &st, 0) < 0 && errno == EINTR)
			;
		free(out[k].buf);
		out[k].status = st;
		out[k].buf = (uint8_t *)read_file(of[k], &out[k].len);
		if (!out[k].buf)
			out[k].buf = calloc(1, 1), out[k].len = 0;
		size_t el;
		char *e = read_file(ef[k], &el);
		snprintf(out[k].err, sizeof(out[k].err), "%s", e ? e : "");
		free(e);
		for (char *p = out[k].err; *p; p++) /* one line of TAP comment */
			if (*p == '\n' || *p == '\r')
				*p = *(p + 1) ? '|' : 0;
		qd_parse(&out[k], n);
	}
}

/* Can this host run i386 programs itself?  NULL, or why not. */
const char *qd_native_probe(const char *dir, const char *qemu, const char *ringvm)
{
	if (getenv("RINGVM_NO_IA32") && *getenv("RINGVM_NO_IA32"))
		return "RINGVM_NO_IA32 is set";
	/* binfmt_misc could hand i386 programs to an emulator */
	FILE *f = popen("grep -ls 'qemu-i386\\|7f454c460101010000000000000000000200030' "
			"/proc/sys/fs/binfmt_misc/* 2>/dev/null",
			"r");
	if (f) {
		char b[256];
		bool hit = fgets(b, sizeof(b), f) != NULL;
		pclose(f);
		if (hit)
			return "binfmt_misc hands i386 programs to an emulator here";
	}
	static struct qcase c;
	memset(&c, 0, sizeof(c));
	dx_state_default(&c.in);
	c.addr = QD_CASES + QD_PROLOGUE;
	c.len = 1;
	c.code[0] = 0x90;
	char path[600];
	snprintf(path, sizeof(path), "%s/probe.elf", dir);
	if (qp_write(path, &c, 1, 0) < 0)
		return "cannot write the probe program";
	static struct out o[NRUN];
	bool use[NRUN] = {false, false, true};
	qd_run_all(path, dir, qemu, ringvm, use, o, 1);
	if (!WIFEXITED(o[NA].status) || WEXITSTATUS(o[NA].status) || !o[NA].rec[0])
		return "the host cannot run i386 code";
	return NULL;
}
