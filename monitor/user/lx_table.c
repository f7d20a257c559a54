/*
 * lx_table.c — the i386 system call table and lx_syscall().
 *
 * Owns: the table built from lx_table.def, the dispatch of one guest system
 * call (handler or direct host call), the argument conversion of direct
 * calls (the SPEC letters), unknown-call accounting, and the restart of
 * calls interrupted by a guest signal (SA_RESTART, or abandoned before they
 * reached the host kernel: see lx_safe.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

#define LX_MAXNR 512

static long lx_sys_nosys(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	(void)a;
	return -ENOSYS;
}

static const struct lx_entry lx_table[LX_MAXNR] = {
#define LX_D(nr, nm, h, sp, sz, fl) [nr] = {.name = #nm, .host = h, .spec = sp, .size = sz, .flags = fl},
#define LX_H(nr, nm, fl) [nr] = {.name = #nm, .fn = lx_sys_##nm, .flags = fl},
#define LX_N(nr, nm) [nr] = {.name = #nm, .fn = lx_sys_nosys, .flags = LXF_NOSYS},
#include "monitor/user/lx_table.def"
#undef LX_D
#undef LX_H
#undef LX_N
};

const struct lx_entry *lx_entry_of(uint32_t nr)
{
	if (nr >= LX_MAXNR || !lx_table[nr].name)
		return NULL;
	return &lx_table[nr];
}

const char *lx_syscall_name(uint32_t nr)
{
	const struct lx_entry *e = lx_entry_of(nr);
	return e ? e->name : NULL;
}

static int lx_arg_ptr(struct lx_thread *t, char kind, uint32_t v, uint32_t len, long *h)
{
	void *p;
	int prot = kind == 'b' || kind == 'p' ? PROT_READ
		   : kind == 'q'	      ? PROT_READ | PROT_WRITE
					      : PROT_WRITE;
	int r = lx_ptr(t, v, len, prot, &p);
	*h = (long)p;
	return r;
}

/* One argument of a direct call: guest value V (NEXT is the guest argument
 * after it, the length of a buffer), host value to *H. */
static int lx_arg(struct lx_thread *t, const struct lx_entry *e, char kind, uint32_t v,
		  uint32_t next, char path[PATH_MAX], long *h)
{
	const char *s = NULL;
	int r = 0;

	switch (kind) {
	case 'i':
		*h = (int32_t)v;
		return 0;
	case 'u':
	case '0':
		*h = v;
		return 0;
	case 'x':
		*h = 0;
		return 0;
	case 's':
	case 'z':
		r = lx_str(t, v, PATH_MAX, kind == 'z', &s);
		break;
	case 'f':
	case 'l':
		r = lx_path(t, v, kind == 'f', path, &s);
		break;
	case 'b':
	case 'B':
		return lx_arg_ptr(t, kind, v, next, h);
	case 'p':
	case 'P':
	case 'q':
		return lx_arg_ptr(t, kind, v, e->size, h);
	default:
		return -ENOSYS;
	}
	*h = (long)s;
	return r;
}

long lx_direct(struct lx_thread *t, const struct lx_entry *e, const uint32_t *a)
{
	char paths[2][PATH_MAX];
	long h[6] = {0};
	unsigned k = 0, np = 0;

	for (unsigned i = 0; e->spec[i] && i < 6; i++) {
		char c = e->spec[i];
		uint32_t v = c == '0' ? 0 : a[k++];
		uint32_t next = k < 6 ? a[k] : 0;
		int r = lx_arg(t, e, c, v, next, paths[np], &h[i]);
		if (r < 0)
			return r;
		if (c == 'f' || c == 'l')
			np = 1; /* at most two paths per call */
	}
	return lx_hostv(t, e->host, h);
}

static long lx_unknown(struct lx_thread *t, uint32_t nr)
{
	struct lx_proc *p = t->proc;
	p->unknown_syscalls++;
	if (nr < 512)
		p->unknown_seen[nr / 64] |= 1ull << (nr % 64);
	return -ENOSYS;
}

/* Restart a call a guest signal interrupted (-LX_ERESTARTSYS)?  Only if the
 * signal about to be delivered has a handler with SA_RESTART, or none (Linux
 * restarts transparently then). */
static bool lx_restart_sys(struct lx_thread *t, const struct lx_entry *e)
{
	int sig = lx_next_signal(t);
	if (!sig || (e->flags & LXF_NORESTART))
		return false;
	const struct lx_sigaction *act = &t->proc->sigact[sig];
	return act->handler <= 1 || (act->flags & SA_RESTART);
}

enum lx_result lx_syscall(struct lx_thread *t)
{
	struct gcpu *cpu = t->cpu;
	uint32_t nr = cpu->regs[GR_EAX];
	const uint32_t a[6] = {cpu->regs[GR_EBX], cpu->regs[GR_ECX], cpu->regs[GR_EDX],
			       cpu->regs[GR_ESI], cpu->regs[GR_EDI], cpu->regs[GR_EBP]};
	const struct lx_entry *e = lx_entry_of(nr);
	long r;

	/* a statistic: no locked add on the hot path (threads may lose a count) */
	__atomic_store_n(&t->proc->syscalls, __atomic_load_n(&t->proc->syscalls, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	if (!e)
		r = lx_unknown(t, nr);
	else if (e->fn)
		r = e->fn(t, a);
	else
		r = lx_direct(t, e, a);

	if (t->exiting)
		return LX_EXIT;
	if (e && (e->flags & LXF_NORESULT))
		return LX_CONTINUE;
	if (r == -LX_ERESTART || (r == -LX_ERESTARTSYS && e && lx_restart_sys(t, e))) {
		cpu->eip -= 2; /* int $0x80 again after the handler */
		cpu->regs[GR_EAX] = nr;
		return LX_CONTINUE;
	}
	if (t->proc->trace)
		fprintf(stderr, "[lx %d] %s(%#x, %#x, %#x, %#x) = %ld\n", (int)getpid(),
			e ? e->name : "?", a[0], a[1], a[2], a[3], r);
	if (r == -LX_EINTR_FINAL || r == -LX_ERESTARTSYS)
		r = -EINTR;
	if (r < -4095 || r > (long)UINT32_MAX)
		r = -EOVERFLOW;
	cpu->regs[GR_EAX] = (uint32_t)r;
	return LX_CONTINUE;
}
