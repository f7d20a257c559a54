/*
 * user_main.c — `ringvm user [--stats] [-L SYSROOT] [-0 ARGV0] [-E VAR=VAL]
 * [--] PROG [ARGS...]`: set up the guest process, run it, exit as it did.
 *
 * Owns: the command line, wiring uspace + tcache + tstate + lx together,
 * the run loop that dispatches what tr_run returns (callouts, faults,
 * pending signals), the exit status (a guest killed by a signal kills
 * ringvm with the same signal), and the --stats report.
 */
#include "monitor/user/user.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monitor/user/elf_load.h"

/* Big enough that it practically never fills: a flush with several threads
 * is refused (see tcache.h).  Reserved, not committed. */
#define CODE_CACHE_SIZE (256u << 20)

/* The guest thread this host thread runs (NULL before/after). */
static __thread struct user *self;

extern char **environ;

struct user_opts {
	bool stats;
	const char *sysroot, *argv0;
	char **env_add;
	int nenv;
	char **args; /* PROG ARGS... */
	int nargs;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ringvm user [--stats] [-L SYSROOT] [-0 ARGV0] [-E VAR=VAL]... [--] "
		   "PROG [ARGS...]\n"
		   "Run a 32-bit x86 Linux program through the translation cache.\n"
		   "  --stats     print translation and system-call counters at exit\n"
		   "  -L SYSROOT  look up absolute guest paths here first; the ELF interpreter\n"
		   "              of a dynamic program only here\n"
		   "  -0 ARGV0    the guest's argv[0] (default: PROG)\n"
		   "  -E VAR=VAL  add to (or replace in) the guest's environment\n");
}

static int parse(int argc, char **argv, struct user_opts *o)
{
	int i = 1;
	o->env_add = calloc((size_t)argc, sizeof(char *));
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if ((!strcmp(a, "-L") || !strcmp(a, "-0") || !strcmp(a, "-E")) && i + 1 < argc) {
			const char *v = argv[++i];
			if (a[1] == 'L')
				o->sysroot = v;
			else if (a[1] == '0')
				o->argv0 = v;
			else
				o->env_add[o->nenv++] = (char *)v;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (a[0] == '-') {
			fprintf(stderr, "ringvm user: unknown option %s (see ringvm user --help)\n", a);
			return -EINVAL;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ringvm user: no program given (see ringvm user --help)\n");
		return -EINVAL;
	}
	o->args = argv + i;
	o->nargs = argc - i;
	return 0;
}

/* The host environment with -E settings applied. */
static char **guest_env(const struct user_opts *o)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + (size_t)o->nenv + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (int j = 0; j < o->nenv; j++) {
			size_t l = strcspn(o->env_add[j], "=");
			replaced |= !strncmp(environ[i], o->env_add[j], l) && environ[i][l] == '=';
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (int j = 0; j < o->nenv; j++)
		env[k++] = o->env_add[j];
	return env;
}

/* ---- tcache_env on the user address space ---------------------------------- */

static const uint8_t *env_fetch(void *ctx, uint32_t eip, uint32_t *avail)
{
	struct user *u = ctx;
	int prot = uspace_prot(u->mem, eip);
	if (prot < 0 || !(prot & PROT_EXEC))
		return NULL;
	uint64_t end = (eip & ~0xfffull) + 0x1000;
	int next = end < (1ull << 32) ? uspace_prot(u->mem, (uint32_t)end) : -1;
	if (next >= 0 && (next & PROT_EXEC))
		end += 0x1000;
	*avail = (uint32_t)(end - eip);
	return uspace_base(u->mem) + eip;
}

static void env_code_page(void *ctx, uint32_t addr)
{
	uspace_code_page(((struct user *)ctx)->mem, addr);
}

static bool env_write_fault(void *ctx, uint32_t addr)
{
	return uspace_code_write_fault(((struct user *)ctx)->mem, addr);
}

static bool env_mapped(void *ctx, uint32_t addr)
{
	return uspace_prot(((struct user *)ctx)->mem, addr) >= 0;
}

static void drop_code(void *ctx, uint32_t addr, uint32_t len)
{
	tcache_invalidate(((struct user *)ctx)->tc, addr, len);
}

/* A guest signal became deliverable on this host thread: leave translated
 * code soon. */
static void kick(void *ctx)
{
	(void)ctx;
	if (self)
		tr_kick(self->ts);
}

/* A fault signal sent by kill/tgkill rather than raised by an instruction:
 * an ordinary asynchronous signal for the guest thread it reached. */
static void sent_signal(void *ctx, int sig, const siginfo_t *si)
{
	(void)ctx;
	if (self)
		lx_host_signal(&self->t, sig, si);
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static long spawn(void *ctx, struct lx_thread *parent, const struct lx_clone *c);

/* fork (lx_fork) with other threads about: no lock may be held by a
 * thread that does not exist in the child. */
static void fork_prepare(void)
{
	if (self)
		pthread_mutex_lock(uspace_mutex(self->mem));
}

static void fork_parent(void)
{
	if (self)
		pthread_mutex_unlock(uspace_mutex(self->mem));
}

static void fork_child(void)
{
	pthread_mutexattr_t attr;
	if (!self)
		return;
	/* owned by the parent's thread id: start it over */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(uspace_mutex(self->mem), &attr);
	pthread_mutexattr_destroy(&attr);
	self->p->nthreads = 1;
	tcache_forget_others(self->tc, self->ts);
}

/* A system call inside tr_run: go on unless the guest exits or a signal
 * waits (step delivers it). */
static bool syscall_hook(void *ctx)
{
	struct user *u = ctx;
	u->syscalls++;
	u->sys_result = lx_syscall(&u->t);
	return u->sys_result == LX_CONTINUE && !u->t.sig_ready;
}

static int setup(struct user *u, const struct user_opts *o, char *err, size_t errlen)
{
	struct tcache_env env = {env_fetch, env_code_page, env_write_fault, env_mapped, u, NULL,
				 0x80};
	struct elf_load_info info;
	char path[PATH_MAX];
	uint32_t vdso = 0;
	int rc;

	sens_decoder_init(&u->dec);
	u->mem = uspace_create();
	if (!u->mem)
		return snprintf(err, errlen, "cannot reserve the guest's 4 GiB"), -ENOMEM;
	env.lock = uspace_mutex(u->mem);
	u->tc = tcache_create(CODE_CACHE_SIZE, &env, err, errlen);
	if (!u->tc)
		return -ENOMEM;
	uspace_set_code_hook(u->mem, drop_code, u);
	tcache_set_counting(u->tc, o->stats);
	if (getenv("RINGVM_PERF_MAP") && tcache_perf_map(u->tc) < 0)
		fprintf(stderr, "ringvm user: cannot write /tmp/perf-%d.map\n", (int)getpid());
	u->ts = aligned_alloc(64, (sizeof(*u->ts) + 63) & ~(size_t)63);
	if (!u->ts)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	memset(u->ts, 0, sizeof(*u->ts));
	tr_set_syscall_hook(u->ts, syscall_hook, u);
	if ((rc = lx_proc_init(u->p, u->mem, o->sysroot, "/proc/self/exe", o->args[0])) < 0)
		return snprintf(err, errlen, "%s: %s", o->sysroot ? o->sysroot : "sysroot",
				strerror(-rc)), rc;
	if ((rc = lx_resolve_path(u->p, o->args[0], true, path, sizeof(path))) < 0)
		return snprintf(err, errlen, "%s: %s", o->args[0], strerror(-rc)), rc;
	if ((rc = elf_load(u->mem, path, o->sysroot, err, errlen, &info)) < 0)
		return rc;
	info.execfn = o->args[0];
	if (elf_map_vdso(u->mem, &vdso) == 0)
		u->p->vdso = vdso;
	char **argv = calloc((size_t)o->nargs + 1, sizeof(char *));
	char **envp = guest_env(o);
	memcpy(argv, o->args, (size_t)o->nargs * sizeof(char *));
	argv[0] = (char *)(o->argv0 ? o->argv0 : o->args[0]);
	rc = elf_build_stack(u->mem, &info, o->nargs, argv, envp, vdso, err, errlen);
	free(argv);
	free(envp);
	if (rc < 0)
		return rc;

	struct gcpu *g = &u->ts->g;
	g->eip = info.entry;
	g->regs[GR_ESP] = info.esp;
	g->eflags = 0x202;
	g->fx[0] = 0x7f, g->fx[1] = 0x03;   /* FCW 0x037f */
	g->fx[24] = 0x80, g->fx[25] = 0x1f; /* MXCSR 0x1f80 */
	if ((rc = tcache_attach(u->tc, u->ts)) < 0 || (rc = tr_set_window(u->ts, uspace_base(u->mem))) < 0 ||
	    (rc = tr_signals_install()) < 0)
		return snprintf(err, errlen, "cannot set up the translator: %s", strerror(-rc)), rc;
	lx_thread_init(&u->t, u->p, g);
	self = u;
	u->p->kick = kick;
	u->p->kick_ctx = u;
	u->p->spawn = spawn;
	u->p->spawn_ctx = u;
	u->p->nthreads = 1;
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	tr_set_async_handler(sent_signal, u);
	return 0;
}

static enum lx_result step(struct user *u)
{
	struct tr_exit x;

	if (u->t.sig_ready && lx_take_signal(&u->t) == LX_EXIT)
		return LX_EXIT;
	u->ts->pending = 0;
	tr_run(u->tc, u->ts, &x);
	switch (x.stop) {
	case TR_CALLOUT: {
		uint32_t eip = u->ts->g.eip;
		enum lx_result r = user_callout(u, x.row, x.len);
		if (x.trace && r == LX_CONTINUE && u->ts->g.eip != eip) { /* it completed */
			struct tr_fault f = tr_trace_fault(u->ts->g.eip);
			lx_fault_trap(&u->t, f.sig, f.code, f.addr, (uint32_t)f.trapno, f.err);
		}
		return r;
	}
	case TR_FAULT:
		u->faults++;
		if (u->trace_faults)
			fprintf(stderr, "ringvm: guest fault: signal %d code %d addr %08x at eip %08x\n",
				x.fault.sig, x.fault.code, x.fault.addr, u->ts->g.eip);
		if (x.fault.trapno >= 0)
			lx_fault_trap(&u->t, x.fault.sig, x.fault.code, x.fault.addr,
				      (uint32_t)x.fault.trapno, x.fault.err);
		else
			lx_fault(&u->t, x.fault.sig, x.fault.code, x.fault.addr);
		return LX_CONTINUE;
	case TR_SYSCALL:
		u->syscalls++;
		return lx_syscall(&u->t);
	case TR_SYSCALL_DONE:
		return u->sys_result;
	case TR_PENDING:
		return LX_CONTINUE;
	}
	return LX_CONTINUE;
}

static void print_stats(const struct user *u)
{
	const struct tcache_stats *s = tcache_stats(u->tc);
	double secs = (double)(now_ns() - u->t_start_ns) / 1e9;
	FILE *f = u->stats_fd >= 0 ? fdopen(u->stats_fd, "w") : NULL;

	if (!f)
		return;
	fprintf(f,
		"ringvm stats: %.3f s\n"
		"  blocks translated   %llu (%llu guest instructions)\n"
		"  guest/host bytes    %llu / %llu (x%.2f)\n"
		"  time translating    %.3f ms\n"
		"  chain patches       %llu (undone %llu)\n"
		"  PIC thunks inlined  %llu\n"
		"  indirect branches   %llu (jump-table misses %llu)\n"
		"  returns             %llu (predicted %llu, %.1f%%; stack resets %llu)\n"
		"  C lookups           %llu\n"
		"  SMC invalidations   %llu (%llu blocks)\n"
		"  cache flushes       %llu\n"
		"  system calls        %llu (unknown: %llu)\n"
		"  guest faults        %llu, untranslatable %llu\n",
		secs, (unsigned long long)s->blocks, (unsigned long long)s->guest_insns,
		(unsigned long long)s->guest_bytes, (unsigned long long)s->host_bytes,
		s->guest_bytes ? (double)s->host_bytes / (double)s->guest_bytes : 0.0,
		(double)s->translate_ns / 1e6, (unsigned long long)s->chains,
		(unsigned long long)s->unchains, (unsigned long long)s->inlined_thunks,
		(unsigned long long)u->ts->n_indirect,
		(unsigned long long)s->jtbl_misses, (unsigned long long)u->ts->n_ret,
		(unsigned long long)u->ts->n_ret_hit,
		u->ts->n_ret ? 100.0 * (double)u->ts->n_ret_hit / (double)u->ts->n_ret : 0.0,
		(unsigned long long)u->ts->n_xstack_resets,
		(unsigned long long)s->lookups_c,
		(unsigned long long)s->invalidations, (unsigned long long)s->invalidated_blocks,
		(unsigned long long)s->flushes, (unsigned long long)u->syscalls,
		(unsigned long long)u->p->unknown_syscalls, (unsigned long long)u->faults,
		(unsigned long long)(u->untranslatable + s->untranslatable));
	fclose(f);
}

static void teardown(struct user *u)
{
	if (u->ts && u->tc)
		tcache_detach(u->tc, u->ts);
	tcache_destroy(u->tc);
	if (u->p && u->p->mem)
		lx_proc_fini(u->p);
	uspace_destroy(u->mem);
	free(u->ts);
	memset(u, 0, sizeof(*u));
}

/* Leaves the way the guest did: an exit status, or death by its signal. */
static int finish(struct user *u)
{
	int st = u->t.exit_status;
	if (u->stats)
		print_stats(u);
	fflush(stdout);
	fflush(stderr);
	if (st >= 256) {
		int sig = st - 256;
		sigset_t set;
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig;
	}
	return st & 0xff;
}


/* ---- guest threads ---------------------------------------------------------- */

/* After LX_EXIT: true if only this thread ends (it called exit and others
 * live on); false if the process ends. */
static bool thread_ends_alone(struct user *u)
{
	if (!u->t.exit_thread)
		return false;
	return __atomic_sub_fetch(&u->p->nthreads, 1, __ATOMIC_SEQ_CST) > 0;
}

struct spawn_req {
	struct user *u;
	long tid; /* or -errno */
	sem_t done;
};

static void block_host_signals(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	for (int sig = 1; sig <= LX_NSIG; sig++) /* the run loop's fault signals stay open */
		if (self && (self->p->host_owned & (1ull << (sig - 1))))
			sigdelset(&all, sig);
	pthread_sigmask(SIG_SETMASK, &all, old);
}

static void *thread_main(void *arg)
{
	struct spawn_req *rq = arg;
	struct user *u = rq->u;
	int rc = tr_set_window(u->ts, uspace_base(u->mem));

	if (rc < 0) {
		rq->tid = rc;
		sem_post(&rq->done); /* the parent cleans up */
		return NULL;
	}
	self = u;
	rq->tid = lx_thread_start(&u->t);
	sem_post(&rq->done);
	while (step(u) != LX_EXIT)
		;
	if (thread_ends_alone(u)) {
		block_host_signals(NULL); /* lx_current goes away */
		self = NULL;
		tcache_detach(u->tc, u->ts);
		free(u->ts);
		free(u);
		return NULL;
	}
	int st = finish(u);
	_exit(st); /* exit_group */
}

/* lx_proc.spawn: a new guest thread on a new host thread. */
static long spawn(void *ctx, struct lx_thread *parent, const struct lx_clone *c)
{
	struct user *pu = self;
	struct spawn_req rq = {0};
	pthread_attr_t attr;
	pthread_t th;
	sigset_t old;
	long rc;

	(void)ctx;
	struct user *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->mem = pu->mem;
	u->tc = pu->tc;
	u->p = pu->p;
	u->dec = pu->dec;
	u->stats = pu->stats;
	u->trace_faults = pu->trace_faults;
	u->t_start_ns = pu->t_start_ns;
	u->ts = aligned_alloc(64, (sizeof(*u->ts) + 63) & ~(size_t)63);
	if (!u->ts) {
		free(u);
		return -ENOMEM;
	}
	memset(u->ts, 0, sizeof(*u->ts));
	tr_set_syscall_hook(u->ts, syscall_hook, u);
	if ((rc = lx_thread_clone(&u->t, parent, &u->ts->g, c)) < 0 ||
	    (rc = tcache_attach(u->tc, u->ts)) < 0) {
		free(u->ts);
		free(u);
		return rc;
	}
	rq.u = u;
	sem_init(&rq.done, 0, 0);
	__atomic_add_fetch(&u->p->nthreads, 1, __ATOMIC_SEQ_CST);
	u->p->threaded = true;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	block_host_signals(&old); /* the new thread opens them when it is ready */
	rc = -pthread_create(&th, &attr, thread_main, &rq);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc == 0) {
		while (sem_wait(&rq.done) < 0 && errno == EINTR)
			;
		rc = rq.tid;
	}
	sem_destroy(&rq.done);
	if (rc < 0) {
		__atomic_sub_fetch(&u->p->nthreads, 1, __ATOMIC_SEQ_CST);
		tcache_detach(u->tc, u->ts);
		free(u->ts);
		free(u);
		return rc == -EAGAIN ? -EAGAIN : rc;
	}
	return rc;
}

int user_main(int argc, char **argv)
{
	static struct user u;
	static struct lx_proc proc;
	struct user_opts o = {0};
	char err[512] = "";

	if (parse(argc, argv, &o) < 0) {
		free(o.env_add);
		return 1;
	}
	u.p = &proc;
	u.stats = o.stats;
	/* the guest may close its stderr before it exits: keep our own */
	u.stats_fd = o.stats ? fcntl(2, F_DUPFD_CLOEXEC, 100) : -1;
	u.trace_faults = getenv("RINGVM_TRACE_FAULTS") != NULL;
	u.t_start_ns = now_ns();
	int rc = setup(&u, &o, err, sizeof(err));
	free(o.env_add);
	if (rc < 0) {
		fprintf(stderr, "ringvm user: %s\n", err);
		teardown(&u);
		return 1;
	}
	while (step(&u) != LX_EXIT)
		;
	if (thread_ends_alone(&u)) {
		tcache_detach(u.tc, u.ts);
		pthread_exit(NULL); /* the others run on; the last one exits */
	}
	rc = finish(&u);
	if (proc.threaded)
		_exit(rc); /* exit_group: other threads may be in translated code */
	teardown(&u);
	return rc;
}
