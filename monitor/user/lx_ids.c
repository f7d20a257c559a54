/*
 * lx_ids.c — user and group ids of the Linux i386 personality.
 *
 * Owns: the 16-bit id calls of the old i386 ABI (ids above 65535 read as
 * the overflow id 65534; 0xffff written means -1, "unchanged") and the group
 * lists of getgroups/setgroups in their 16 and 32-bit forms.  The 32-bit
 * single-id calls are direct in lx_table.def.
 */
#include <string.h>
#include <unistd.h>

#include "monitor/user/lx_int.h"

#define LX_NGROUPS_MAX 65536

static uint16_t lx_low(long id)
{
	return id < 0 || id > 0xffff ? 65534 : (uint16_t)id;
}

static long lx_high(uint32_t id16)
{
	return (uint16_t)id16 == 0xffff ? -1L : (long)(uint16_t)id16;
}

static long lx_id16_get(long nr)
{
	long r = lx_sys(nr, 0, 0, 0, 0, 0, 0);
	return r < 0 ? r : lx_low(r);
}

long lx_sys_getuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t, (void)a;
	return lx_id16_get(SYS_getuid);
}

long lx_sys_geteuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t, (void)a;
	return lx_id16_get(SYS_geteuid);
}

long lx_sys_getgid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t, (void)a;
	return lx_id16_get(SYS_getgid);
}

long lx_sys_getegid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t, (void)a;
	return lx_id16_get(SYS_getegid);
}

long lx_sys_setuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setuid, lx_high(a[0]), 0, 0, 0, 0, 0);
}

long lx_sys_setgid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setgid, lx_high(a[0]), 0, 0, 0, 0, 0);
}

long lx_sys_setfsuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_low(lx_sys(SYS_setfsuid, lx_high(a[0]), 0, 0, 0, 0, 0));
}

long lx_sys_setfsgid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_low(lx_sys(SYS_setfsgid, lx_high(a[0]), 0, 0, 0, 0, 0));
}

long lx_sys_setreuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setreuid, lx_high(a[0]), lx_high(a[1]), 0, 0, 0, 0);
}

long lx_sys_setregid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setregid, lx_high(a[0]), lx_high(a[1]), 0, 0, 0, 0);
}

long lx_sys_setresuid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setresuid, lx_high(a[0]), lx_high(a[1]), lx_high(a[2]), 0, 0, 0);
}

long lx_sys_setresgid16(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_setresgid, lx_high(a[0]), lx_high(a[1]), lx_high(a[2]), 0, 0, 0);
}

static long lx_getres16(struct lx_thread *t, const uint32_t *a, long nr)
{
	unsigned id[3];
	long r = lx_sys(nr, (long)&id[0], (long)&id[1], (long)&id[2], 0, 0, 0);
	if (r < 0)
		return r;
	for (int i = 0; i < 3; i++) {
		uint16_t v = lx_low(id[i]);
		if (lx_put(t, a[i], &v, 2))
			return -EFAULT;
	}
	return 0;
}

long lx_sys_getresuid16(struct lx_thread *t, const uint32_t *a)
{
	return lx_getres16(t, a, SYS_getresuid);
}

long lx_sys_getresgid16(struct lx_thread *t, const uint32_t *a)
{
	return lx_getres16(t, a, SYS_getresgid);
}

static long lx_chown16(struct lx_thread *t, long nr, long first, uint32_t owner, uint32_t group)
{
	(void)t;
	return lx_sys(nr, first, lx_high(owner), lx_high(group), 0, 0, 0);
}

long lx_sys_chown16(struct lx_thread *t, const uint32_t *a)
{
	const char *s;
	long r = lx_str(t, a[0], PATH_MAX, false, &s);
	return r < 0 ? r : lx_chown16(t, SYS_chown, (long)s, a[1], a[2]);
}

long lx_sys_lchown16(struct lx_thread *t, const uint32_t *a)
{
	const char *s;
	long r = lx_str(t, a[0], PATH_MAX, false, &s);
	return r < 0 ? r : lx_chown16(t, SYS_lchown, (long)s, a[1], a[2]);
}

long lx_sys_fchown16(struct lx_thread *t, const uint32_t *a)
{
	return lx_chown16(t, SYS_fchown, (int32_t)a[0], a[1], a[2]);
}

/* --- group lists: WIDTH 2 or 4 bytes per guest entry --- */

static long lx_getgroups(struct lx_thread *t, const uint32_t *a, unsigned width)
{
	static unsigned g[LX_NGROUPS_MAX];
	int32_t size = (int32_t)a[0];
	if (size < 0)
		return -EINVAL;
	long n = lx_sys(SYS_getgroups, LX_NGROUPS_MAX, (long)g, 0, 0, 0, 0);
	if (n < 0 || size == 0)
		return n;
	if (size < n)
		return -EINVAL;
	for (long i = 0; i < n; i++) {
		uint32_t v = width == 2 ? lx_low(g[i]) : g[i];
		if (lx_put(t, a[1] + (uint32_t)i * width, &v, width))
			return -EFAULT;
	}
	return n;
}

static long lx_setgroups(struct lx_thread *t, const uint32_t *a, unsigned width)
{
	static unsigned g[LX_NGROUPS_MAX];
	if (a[0] > LX_NGROUPS_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < a[0]; i++) {
		uint32_t v = 0;
		if (lx_get(t, &v, a[1] + i * width, width))
			return -EFAULT;
		g[i] = width == 2 ? (unsigned)lx_high(v) : v;
	}
	return lx_sys(SYS_setgroups, a[0], (long)g, 0, 0, 0, 0);
}

long lx_sys_getgroups16(struct lx_thread *t, const uint32_t *a)
{
	return lx_getgroups(t, a, 2);
}

long lx_sys_setgroups16(struct lx_thread *t, const uint32_t *a)
{
	return lx_setgroups(t, a, 2);
}

long lx_sys_getgroups32(struct lx_thread *t, const uint32_t *a)
{
	return lx_getgroups(t, a, 4);
}

long lx_sys_setgroups32(struct lx_thread *t, const uint32_t *a)
{
	return lx_setgroups(t, a, 4);
}
