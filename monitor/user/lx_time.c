/*
 * lx_time.c — clocks, timers and sleeps of the Linux i386 personality.
 *
 * Owns: the 32-bit time_t calls (time, stime, gettimeofday, settimeofday,
 * clock_gettime/settime/getres, clock_nanosleep, nanosleep, times,
 * getitimer/setitimer, timer_* and timerfd_* with 32-bit itimerspec,
 * sched_rr_get_interval) and the time64 calls whose input needs the
 * nanosecond padding of a 32-bit task dropped.  The i386 struct sigevent
 * (timer_create) is converted here too.
 */
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/times.h>

#include "monitor/user/lx_int.h"

long lx_sys_time(struct lx_thread *t, const uint32_t *a)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (a[0] && lx_put32(t, a[0], (uint32_t)ts.tv_sec))
		return -EFAULT;
	return (int32_t)ts.tv_sec;
}

long lx_sys_stime(struct lx_thread *t, const uint32_t *a)
{
	int32_t s;
	if (lx_get(t, &s, a[0], 4))
		return -EFAULT;
	struct timespec ts = {s, 0};
	return lx_sys(SYS_clock_settime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
}

long lx_sys_gettimeofday(struct lx_thread *t, const uint32_t *a)
{
	struct timeval tv;
	struct timezone tz;
	long r = lx_sys(SYS_gettimeofday, (long)&tv, (long)&tz, 0, 0, 0, 0);
	if (r < 0)
		return r;
	if (a[0] && lx_put_tv32(t, a[0], &tv))
		return -EFAULT;
	if (a[1] && lx_put(t, a[1], &tz, sizeof tz))
		return -EFAULT;
	return 0;
}

long lx_sys_settimeofday(struct lx_thread *t, const uint32_t *a)
{
	struct timeval tv, *ptv;
	struct timezone tz;
	if (lx_get_tv32(t, a[0], &tv, &ptv))
		return -EFAULT;
	if (a[1] && lx_get(t, &tz, a[1], sizeof tz))
		return -EFAULT;
	return lx_sys(SYS_settimeofday, (long)ptv, a[1] ? (long)&tz : 0, 0, 0, 0, 0);
}

long lx_sys_clock_gettime(struct lx_thread *t, const uint32_t *a)
{
	struct timespec ts;
	long r = lx_sys(SYS_clock_gettime, (int32_t)a[0], (long)&ts, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return lx_put_ts32(t, a[1], &ts) ? -EFAULT : 0;
}

long lx_sys_clock_getres(struct lx_thread *t, const uint32_t *a)
{
	struct timespec ts;
	long r = lx_sys(SYS_clock_getres, (int32_t)a[0], (long)&ts, 0, 0, 0, 0);
	if (r < 0 || !a[1])
		return r;
	return lx_put_ts32(t, a[1], &ts) ? -EFAULT : 0;
}

long lx_sys_sched_rr_get_interval(struct lx_thread *t, const uint32_t *a)
{
	struct timespec ts;
	long r = lx_sys(SYS_sched_rr_get_interval, (int32_t)a[0], (long)&ts, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return lx_put_ts32(t, a[1], &ts) ? -EFAULT : 0;
}

static long lx_settime(struct lx_thread *t, int32_t clk, uint32_t addr, bool wide)
{
	struct timespec ts, *p;
	if ((wide ? lx_get_ts64 : lx_get_ts32)(t, addr, &ts, &p))
		return -EFAULT;
	return lx_sys(SYS_clock_settime, clk, (long)p, 0, 0, 0, 0);
}

long lx_sys_clock_settime(struct lx_thread *t, const uint32_t *a)
{
	return lx_settime(t, (int32_t)a[0], a[1], false);
}

long lx_sys_clock_settime64(struct lx_thread *t, const uint32_t *a)
{
	return lx_settime(t, (int32_t)a[0], a[1], true);
}

/* clock_nanosleep (and nanosleep as CLOCK_REALTIME, relative): REQ and REM
 * in the 32-bit or 64-bit layout. */
static long lx_sleep(struct lx_thread *t, int32_t clk, int flags, uint32_t req, uint32_t rem,
		     bool wide)
{
	struct timespec in, *pin, left = {0, 0};
	long r;
	if ((wide ? lx_get_ts64 : lx_get_ts32)(t, req, &in, &pin))
		return -EFAULT;
	if (!pin)
		return -EFAULT;
	r = lx_host(t, SYS_clock_nanosleep, clk, flags, (long)pin, (long)&left);
	if (r == -EINTR && rem && !(flags & TIMER_ABSTIME)) {
		struct lx_timespec64 g64 = {left.tv_sec, left.tv_nsec};
		int e = wide ? lx_put(t, rem, &g64, sizeof g64) : lx_put_ts32(t, rem, &left);
		if (e)
			return -EFAULT;
	}
	return r;
}

long lx_sys_nanosleep(struct lx_thread *t, const uint32_t *a)
{
	return lx_sleep(t, CLOCK_REALTIME, 0, a[0], a[1], false);
}

long lx_sys_clock_nanosleep(struct lx_thread *t, const uint32_t *a)
{
	return lx_sleep(t, (int32_t)a[0], (int)a[1], a[2], a[3], false);
}

long lx_sys_clock_nanosleep_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_sleep(t, (int32_t)a[0], (int)a[1], a[2], a[3], true);
}

long lx_sys_times(struct lx_thread *t, const uint32_t *a)
{
	struct tms tm;
	long r = lx_sys(SYS_times, (long)&tm, 0, 0, 0, 0, 0);
	if (a[0]) {
		int32_t g[4] = {(int32_t)tm.tms_utime, (int32_t)tm.tms_stime,
				(int32_t)tm.tms_cutime, (int32_t)tm.tms_cstime};
		if (lx_put(t, a[0], g, sizeof g))
			return -EFAULT;
	}
	return (long)(uint32_t)r; /* clock ticks, wrapping like a 32-bit clock_t */
}

/* --- interval timers --- */

static int lx_put_itv32(struct lx_thread *t, uint32_t addr, const struct itimerval *v)
{
	struct lx_itimerval32 g = {{(int32_t)v->it_interval.tv_sec, (int32_t)v->it_interval.tv_usec},
				   {(int32_t)v->it_value.tv_sec, (int32_t)v->it_value.tv_usec}};
	return lx_put(t, addr, &g, sizeof g);
}

long lx_sys_getitimer(struct lx_thread *t, const uint32_t *a)
{
	struct itimerval v;
	long r = lx_sys(SYS_getitimer, (int)a[0], (long)&v, 0, 0, 0, 0);
	if (r < 0)
		return r;
	return lx_put_itv32(t, a[1], &v) ? -EFAULT : 0;
}

long lx_sys_setitimer(struct lx_thread *t, const uint32_t *a)
{
	struct lx_itimerval32 g;
	struct itimerval in, old;
	memset(&in, 0, sizeof in);
	if (a[1]) {
		if (lx_get(t, &g, a[1], sizeof g))
			return -EFAULT;
		in.it_interval = (struct timeval){g.interval.sec, g.interval.usec};
		in.it_value = (struct timeval){g.value.sec, g.value.usec};
	}
	long r = lx_sys(SYS_setitimer, (int)a[0], (long)&in, (long)&old, 0, 0, 0);
	if (r < 0)
		return r;
	return a[2] && lx_put_itv32(t, a[2], &old) ? -EFAULT : 0;
}

/* --- POSIX timers and timerfd: struct itimerspec in 32 or 64-bit form --- */

static int lx_get_its(struct lx_thread *t, uint32_t addr, bool wide, struct itimerspec *its)
{
	struct timespec *p;
	uint32_t half = wide ? 16 : 8;
	int (*get)(struct lx_thread *, uint32_t, struct timespec *, struct timespec **) =
		wide ? lx_get_ts64 : lx_get_ts32;
	if (!addr)
		return -EFAULT;
	if (get(t, addr, &its->it_interval, &p) || get(t, addr + half, &its->it_value, &p))
		return -EFAULT;
	return 0;
}

static int lx_put_its(struct lx_thread *t, uint32_t addr, bool wide, const struct itimerspec *its)
{
	if (!addr)
		return 0;
	if (wide) {
		struct lx_timespec64 g[2] = {{its->it_interval.tv_sec, its->it_interval.tv_nsec},
					     {its->it_value.tv_sec, its->it_value.tv_nsec}};
		return lx_put(t, addr, g, sizeof g);
	}
	struct lx_itimerspec32 g = {
		{(int32_t)its->it_interval.tv_sec, (int32_t)its->it_interval.tv_nsec},
		{(int32_t)its->it_value.tv_sec, (int32_t)its->it_value.tv_nsec}};
	return lx_put(t, addr, &g, sizeof g);
}

/* timer_settime / timerfd_settime (host NR): (id, flags, new, old) */
static long lx_its_set(struct lx_thread *t, const uint32_t *a, long nr, bool wide)
{
	struct itimerspec in, old;
	if (lx_get_its(t, a[2], wide, &in))
		return -EFAULT;
	long r = lx_sys(nr, (int32_t)a[0], (int)a[1], (long)&in, (long)&old, 0, 0);
	if (r < 0)
		return r;
	return lx_put_its(t, a[3], wide, &old) ? -EFAULT : r;
}

static long lx_its_get(struct lx_thread *t, const uint32_t *a, long nr)
{
	struct itimerspec cur;
	long r = lx_sys(nr, (int32_t)a[0], (long)&cur, 0, 0, 0, 0);
	if (r < 0)
		return r;
	if (!a[1])
		return -EFAULT;
	return lx_put_its(t, a[1], false, &cur) ? -EFAULT : r;
}

long lx_sys_timer_settime(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_set(t, a, SYS_timer_settime, false);
}

long lx_sys_timer_settime64(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_set(t, a, SYS_timer_settime, true);
}

long lx_sys_timer_gettime(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_get(t, a, SYS_timer_gettime);
}

long lx_sys_timerfd_settime(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_set(t, a, SYS_timerfd_settime, false);
}

long lx_sys_timerfd_settime64(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_set(t, a, SYS_timerfd_settime, true);
}

long lx_sys_timerfd_gettime(struct lx_thread *t, const uint32_t *a)
{
	return lx_its_get(t, a, SYS_timerfd_gettime);
}

/* i386 struct sigevent: sigval (4), signo, notify, then the thread id. */
struct lx_sigevent32 {
	uint32_t value;
	int32_t signo, notify, tid;
	int32_t pad[12];
};

long lx_sys_timer_create(struct lx_thread *t, const uint32_t *a)
{
	struct lx_sigevent32 g;
	struct sigevent ev, *pev = NULL;
	void *id;
	long r = lx_ptr(t, a[2], 4, PROT_WRITE, &id);
	if (r < 0)
		return r;
	if (a[1]) {
		if (lx_get(t, &g, a[1], sizeof g))
			return -EFAULT;
		memset(&ev, 0, sizeof ev);
		ev.sigev_value.sival_ptr = (void *)(uintptr_t)g.value;
		ev.sigev_signo = g.signo;
		ev.sigev_notify = g.notify;
		ev._sigev_un._tid = g.tid;
		pev = &ev;
	}
	return lx_sys(SYS_timer_create, (int32_t)a[0], (long)pev, (long)id, 0, 0, 0);
}
