/*
 * lx_thread.c — process and thread set-up and segment descriptors of the
 * Linux i386 personality.
 *
 * Owns: lx_proc_init/fini and lx_thread_init; the TLS descriptors (GDT
 * entries 6..8) of set_thread_area/get_thread_area (struct user_desc,
 * Linux's validity rules, entry_number -1 allocating a free entry); the
 * small LDT of modify_ldt; lx_segment_base for selector loads;
 * set_tid_address and the stored robust list; the state of a new thread
 * (lx_thread_clone, lx_thread_start).
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

#define LX_GDT_USER_CS 14
#define LX_GDT_USER_DS 15

int lx_proc_init(struct lx_proc *p, struct uspace *mem, const char *sysroot,
		 const char *self_exe, const char *exe)
{
	memset(p, 0, sizeof *p);
	p->mem = mem;
	p->sysroot = sysroot;
	p->self_exe = self_exe;
	p->exe = exe;
	p->sysroot_fd = -1;
	p->trace = getenv("RINGVM_STRACE") != NULL;
	if (sysroot) {
		p->sysroot_fd = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (p->sysroot_fd < 0)
			return -errno;
	}
	lx_signal_proc_init(p);
	lx_canonical_exe(p);
	return 0;
}

void lx_proc_fini(struct lx_proc *p)
{
	if (p->sysroot_fd >= 0)
		close(p->sysroot_fd);
	p->sysroot_fd = -1;
}

void lx_thread_init(struct lx_thread *t, struct lx_proc *p, struct gcpu *cpu)
{
	memset(t, 0, sizeof *t);
	t->proc = p;
	t->cpu = cpu;
	if (!cpu->seg[GS_CS])
		cpu->seg[GS_CS] = LX_USER_CS;
	for (int s = GS_ES; s <= GS_DS; s++)
		if (s != GS_CS && !cpu->seg[s])
			cpu->seg[s] = LX_USER_DS;
	lx_signal_thread_init(t);
}

int lx_thread_clone(struct lx_thread *t, struct lx_thread *parent, struct gcpu *cpu,
		    const struct lx_clone *c)
{
	memset(t, 0, sizeof *t);
	t->proc = parent->proc;
	t->cpu = cpu;
	*cpu = *parent->cpu;
	cpu->regs[GR_EAX] = 0;
	if (c->newsp)
		cpu->regs[GR_ESP] = c->newsp;
	t->sigmask = parent->restore_mask ? parent->saved_mask : parent->sigmask;
	memcpy(t->tls, parent->tls, sizeof t->tls);
	if (c->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = c->ctid;
	if (c->flags & CLONE_CHILD_SETTID)
		t->set_child_tid = c->ctid;
	if (c->flags & CLONE_PARENT_SETTID)
		t->set_parent_tid = c->ptid;
	if (c->flags & CLONE_SETTLS) {
		uint32_t arg[6] = {c->tls};
		long r = lx_sys_set_thread_area(t, arg);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

long lx_thread_start(struct lx_thread *t)
{
	long tid = lx_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	lx_signal_thread_start(t);
	if (t->set_parent_tid)
		lx_put32(t, t->set_parent_tid, (uint32_t)tid);
	if (t->set_child_tid)
		lx_put32(t, t->set_child_tid, (uint32_t)tid);
	lx_set_sigmask(t, t->sigmask);
	return tid;
}

/* --- struct user_desc --- */

struct lx_user_desc {
	uint32_t entry, base, limit, flags;
};

enum {
	UD_SEG32 = 1, UD_CONTENTS = 6, UD_READ_EXEC_ONLY = 8, UD_LIMIT_IN_PAGES = 16,
	UD_NOT_PRESENT = 32, UD_USEABLE = 64,
};

static bool lx_ud_empty(const struct lx_user_desc *u)
{
	bool empty = !u->base && !u->limit &&
		     (u->flags & 0x7f) == (UD_READ_EXEC_ONLY | UD_NOT_PRESENT);
	bool zero = !u->base && !u->limit && !(u->flags & 0x7f);
	return empty || zero;
}

static void lx_ud_to_desc(const struct lx_user_desc *u, struct lx_desc *d)
{
	memset(d, 0, sizeof *d);
	if (lx_ud_empty(u))
		return;
	d->base = u->base;
	d->limit = u->limit & 0xfffff;
	d->seg32 = u->flags & UD_SEG32;
	d->contents = (u->flags & UD_CONTENTS) >> 1;
	d->read_exec_only = u->flags & UD_READ_EXEC_ONLY;
	d->limit_in_pages = u->flags & UD_LIMIT_IN_PAGES;
	d->useable = u->flags & UD_USEABLE;
	d->present = !(u->flags & UD_NOT_PRESENT);
}

static void lx_desc_to_ud(const struct lx_desc *d, uint32_t entry, struct lx_user_desc *u)
{
	u->entry = entry;
	u->base = d->base;
	u->limit = d->limit;
	u->flags = (d->seg32 ? UD_SEG32 : 0) | ((uint32_t)d->contents << 1) |
		   (d->read_exec_only ? UD_READ_EXEC_ONLY : 0) |
		   (d->limit_in_pages ? UD_LIMIT_IN_PAGES : 0) | (d->present ? 0 : UD_NOT_PRESENT) |
		   (d->useable ? UD_USEABLE : 0);
	if (!d->present && !d->base && !d->limit)
		u->flags = UD_READ_EXEC_ONLY | UD_NOT_PRESENT; /* the empty descriptor */
}

int lx_desc_from_user(struct lx_thread *t, uint32_t addr, uint32_t *entry, struct lx_desc *d)
{
	struct lx_user_desc u;
	if (lx_get(t, &u, addr, sizeof u))
		return -EFAULT;
	*entry = u.entry;
	lx_ud_to_desc(&u, d);
	return 0;
}

/* Linux tls_desc_okay: 32-bit present data segments only (or empty). */
static bool lx_tls_ok(const struct lx_user_desc *u)
{
	if (lx_ud_empty(u))
		return true;
	return (u->flags & UD_SEG32) && ((u->flags & UD_CONTENTS) >> 1) <= 1 &&
	       !(u->flags & UD_NOT_PRESENT);
}

/* A segment register holding SEL must see the new base of its entry. */
static void lx_reload_segs(struct lx_thread *t, uint16_t sel)
{
	for (int s = 0; s < GS_COUNT; s++)
		if ((t->cpu->seg[s] & ~3) == (sel & ~3) && lx_segment_base(t, t->cpu->seg[s],
									  &t->cpu->seg_base[s]) < 0)
			t->cpu->seg_base[s] = 0;
}

long lx_sys_set_thread_area(struct lx_thread *t, const uint32_t *a)
{
	struct lx_user_desc u;
	if (lx_get(t, &u, a[0], sizeof u))
		return -EFAULT;
	if (!lx_tls_ok(&u))
		return -EINVAL;
	if (u.entry == ~0u) {
		for (int i = 0; i < LX_TLS_COUNT && u.entry == ~0u; i++)
			if (!t->tls[i].present)
				u.entry = LX_TLS_FIRST + i;
		if (u.entry == ~0u)
			return -ESRCH;
		if (lx_put32(t, a[0], u.entry))
			return -EFAULT;
	}
	if (u.entry < LX_TLS_FIRST || u.entry >= LX_TLS_FIRST + LX_TLS_COUNT)
		return -EINVAL;
	lx_ud_to_desc(&u, &t->tls[u.entry - LX_TLS_FIRST]);
	lx_reload_segs(t, (uint16_t)(u.entry << 3 | 3));
	return 0;
}

long lx_sys_get_thread_area(struct lx_thread *t, const uint32_t *a)
{
	struct lx_user_desc u;
	uint32_t entry;
	if (lx_get32(t, a[0], &entry))
		return -EFAULT;
	if (entry < LX_TLS_FIRST || entry >= LX_TLS_FIRST + LX_TLS_COUNT)
		return -EINVAL;
	lx_desc_to_ud(&t->tls[entry - LX_TLS_FIRST], entry, &u);
	return lx_put(t, a[0], &u, sizeof u) ? -EFAULT : 0;
}

/* --- LDT --- */

static uint64_t lx_desc_raw(const struct lx_desc *d)
{
	if (!d->present && !d->base && !d->limit)
		return 0;
	uint32_t lo = (d->base & 0xffff) << 16 | (d->limit & 0xffff);
	uint32_t hi = (d->base & 0xff000000u) | ((d->base >> 16) & 0xff) | (d->limit & 0xf0000) |
		      (d->read_exec_only ? 0 : 1u << 9) | ((uint32_t)d->contents << 10) |
		      (d->present ? 1u << 15 : 0) | (d->seg32 ? 1u << 22 : 0) |
		      (d->limit_in_pages ? 1u << 23 : 0) | (d->useable ? 1u << 20 : 0) | 0x7000;
	return (uint64_t)hi << 32 | lo;
}

static long lx_ldt_read(struct lx_thread *t, uint32_t ptr, uint32_t count)
{
	uint64_t raw[LX_LDT_COUNT];
	bool any = false;
	for (int i = 0; i < LX_LDT_COUNT; i++) {
		raw[i] = lx_desc_raw(&t->proc->ldt[i]);
		any |= raw[i] != 0;
	}
	if (!any)
		return 0;
	count = count < sizeof raw ? count : sizeof raw;
	return lx_put(t, ptr, raw, count) ? -EFAULT : (long)count;
}

static long lx_ldt_write(struct lx_thread *t, uint32_t ptr, uint32_t count, bool oldmode)
{
	struct lx_user_desc u;
	if (count != sizeof u)
		return -EINVAL;
	if (lx_get(t, &u, ptr, sizeof u))
		return -EFAULT;
	if (u.entry >= 8192 || (u.flags & UD_CONTENTS) == UD_CONTENTS)
		return -EINVAL;
	if (u.entry >= LX_LDT_COUNT)
		return -ENOMEM;
	if (oldmode)
		u.flags &= ~(uint32_t)UD_USEABLE;
	if (oldmode && !u.base && !u.limit) /* old mode: base 0, limit 0 clears */
		u.flags = UD_READ_EXEC_ONLY | UD_NOT_PRESENT;
	lx_ud_to_desc(&u, &t->proc->ldt[u.entry]);
	lx_reload_segs(t, (uint16_t)(u.entry << 3 | 7));
	return 0;
}

long lx_sys_modify_ldt(struct lx_thread *t, const uint32_t *a)
{
	switch (a[0]) {
	case 0:
		return lx_ldt_read(t, a[1], a[2]);
	case 1:
		return lx_ldt_write(t, a[1], a[2], true);
	case 2: {
		uint8_t zero[40] = {0};
		uint32_t n = a[2] < sizeof zero ? a[2] : sizeof zero;
		return lx_put(t, a[1], zero, n) ? -EFAULT : (long)n;
	}
	case 0x11:
		return lx_ldt_write(t, a[1], a[2], false);
	default:
		return -ENOSYS;
	}
}

int lx_segment_base(struct lx_thread *t, uint16_t sel, uint32_t *base)
{
	unsigned idx = sel >> 3;
	const struct lx_desc *d = NULL;
	*base = 0;
	if (sel & 4) {
		if (idx < LX_LDT_COUNT)
			d = &t->proc->ldt[idx];
	} else if (idx == 0 || idx == LX_GDT_USER_CS || idx == LX_GDT_USER_DS) {
		return 0;
	} else if (idx >= LX_TLS_FIRST && idx < LX_TLS_FIRST + LX_TLS_COUNT) {
		d = &t->tls[idx - LX_TLS_FIRST];
	}
	if (!d || !d->present)
		return -EINVAL;
	*base = d->base;
	return 0;
}

/* --- thread ids --- */

long lx_sys_set_tid_address(struct lx_thread *t, const uint32_t *a)
{
	t->clear_child_tid = a[0];
	return lx_sys(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

long lx_sys_set_robust_list(struct lx_thread *t, const uint32_t *a)
{
	if (a[1] != 12) /* sizeof(struct robust_list_head) on i386 */
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

long lx_sys_get_robust_list(struct lx_thread *t, const uint32_t *a)
{
	if (a[0] && (long)a[0] != lx_sys(SYS_gettid, 0, 0, 0, 0, 0, 0))
		return -EPERM;
	if (lx_put32(t, a[1], t->robust_list) || lx_put32(t, a[2], 12))
		return -EFAULT;
	return 0;
}
