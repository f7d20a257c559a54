/*
 * lx_int.h — internals shared by the lx_*.c files of the Linux i386
 * personality (not for use outside monitor/user/lx*).
 *
 * Owns: the handler signature and the table entry shape, the guest memory
 * helpers every handler uses (pointer checks, copies, strings, paths), the
 * interruptible host system call, the i386 structure layouts used by more
 * than one file, and their conversions.
 */
#ifndef RINGVM_MONITOR_USER_LX_INT_H
#define RINGVM_MONITOR_USER_LX_INT_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "monitor/user/lx.h"

/* Internal result of a handler (never reaches the guest): the call did not
 * happen because a guest signal is ready; restart it after the handler. */
#define LX_ERESTART 512
/* Internal: -EINTR for the guest that is never restarted (a wait with a
 * timeout, where Linux uses ERESTART_RESTARTBLOCK). */
#define LX_EINTR_FINAL 513
/* Internal: a guest signal interrupted the host call (Linux ERESTARTSYS):
 * restarted if the guest handler has SA_RESTART, else -EINTR. */
#define LX_ERESTARTSYS 514

#define LX_SA_RESTORER 0x04000000u   /* i386 and x86-64 */
#define LX_SS_AUTODISARM (1u << 31)

#define LX_BIT(sig) (1ull << ((sig)-1))
#define LX_PAGE USPACE_PAGE

typedef long (*lx_fn)(struct lx_thread *t, const uint32_t *a);

enum lx_flags {
	LXF_NORESTART = 1, /* an interrupted call is never restarted (SA_RESTART) */
	LXF_NORESULT = 2,  /* the handler set all registers itself (sigreturn) */
	LXF_NOSYS = 4,     /* deliberately -ENOSYS: not counted as unknown */
};

struct lx_entry {
	const char *name;
	lx_fn fn;          /* handler, or NULL: direct host call */
	short host;        /* x86-64 number for direct calls */
	unsigned char flags;
	unsigned short size; /* size of 'p'/'P'/'q' pointers */
	const char *spec;  /* argument kinds of a direct call, see lx_table.c */
};

const struct lx_entry *lx_entry_of(uint32_t nr);

/* The handlers named in lx_table.def. */
#define LX_D(nr, name, host, spec, size, flags)
#define LX_N(nr, name)
#define LX_H(nr, name, flags) long lx_sys_##name(struct lx_thread *t, const uint32_t *a);
#include "monitor/user/lx_table.def"
#undef LX_D
#undef LX_N
#undef LX_H

/* Runs the direct call of entry E with guest arguments A (also used by
 * socketcall). */
long lx_direct(struct lx_thread *t, const struct lx_entry *e, const uint32_t *a);

/* --- host system calls (lx_safe.c) --- */

/* Host system call that is abandoned with -LX_ERESTART if a guest signal
 * becomes ready before the kernel is entered, and returns -LX_ERESTARTSYS
 * or -EINTR (calls Linux never restarts) when one interrupts it.  Use it for
 * the one call of a handler that may block. */
long lx_hostv(struct lx_thread *t, long nr, const long h[6]);
#define lx_host(t, nr, ...) lx_hostv((t), (nr), (const long[6]){__VA_ARGS__})
/* Plain host system call returning -errno. */
long lx_sys(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* Called by the host signal handler with its ucontext: moves a thread
 * about to enter the kernel in lx_hostv to the -LX_ERESTART exit. */
void lx_safe_rewind(void *ucontext);

/* --- guest memory (lx_util.c) --- */

/* Host pointer for guest [addr, addr+len) with guest protection PROT
 * (PROT_READ and/or PROT_WRITE); guest 0 gives NULL.  Writable ranges that
 * hold translated code are made writable (their translations dropped).
 * 0 or -EFAULT. */
int lx_ptr(struct lx_thread *t, uint32_t addr, uint32_t len, int prot, void **out);
int lx_get(struct lx_thread *t, void *dst, uint32_t addr, uint32_t len);
int lx_put(struct lx_thread *t, uint32_t addr, const void *src, uint32_t len);
int lx_get32(struct lx_thread *t, uint32_t addr, uint32_t *v);
int lx_put32(struct lx_thread *t, uint32_t addr, uint32_t v);
/* Host pointer to the NUL-terminated guest string at ADDR (at most MAX
 * bytes with the NUL): 0, -EFAULT, -ENAMETOOLONG (NULL for guest 0 only if
 * OPTIONAL, else -EFAULT). */
int lx_str(struct lx_thread *t, uint32_t addr, uint32_t max, bool optional, const char **out);
/* A guest path argument: the host path after the sysroot lookup (in BUF)
 * or the guest string itself.  FOLLOW as for lx_resolve_path. */
int lx_path(struct lx_thread *t, uint32_t addr, bool follow, char buf[PATH_MAX], const char **out);
/* "/proc/self/exe" or the same link through our pid (lx_path.c)? */
bool lx_is_self_exe(const char *path);
/* p->exe made absolute and canonical (lx_proc_init). */
void lx_canonical_exe(struct lx_proc *p);
/* Absolute host path of the sysroot: 0, or -ENOENT without one. */
int lx_sysroot_path(const struct lx_proc *p, char *out, size_t n);

static inline int64_t lx_s64(uint32_t lo, uint32_t hi)
{
	return (int64_t)(((uint64_t)hi << 32) | lo);
}

/* --- shared i386 layouts (all sizes checked in lx_util.c) --- */

struct lx_timespec32 { int32_t sec, nsec; };
struct lx_timeval32 { int32_t sec, usec; };
struct lx_itimerval32 { struct lx_timeval32 interval, value; };
struct lx_itimerspec32 { struct lx_timespec32 interval, value; };
struct lx_timespec64 { int64_t sec, nsec; };
struct lx_iovec32 { uint32_t base, len; };

struct lx_rusage32 {
	struct lx_timeval32 utime, stime;
	int32_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd,
		msgrcv, nsignals, nvcsw, nivcsw;
};

/* i386 siginfo: 128 bytes, the union at offset 12 */
struct lx_siginfo32 {
	int32_t signo, errno_, code;
	union {
		int32_t pad[29];
		struct { int32_t pid; uint32_t uid; } kill;
		struct { int32_t tid, overrun; uint32_t sigval; } timer;
		struct { int32_t pid; uint32_t uid; uint32_t sigval; } rt;
		struct { int32_t pid; uint32_t uid; int32_t status, utime, stime; } chld;
		struct { uint32_t addr; int16_t addr_lsb; } fault;
		struct { int32_t band, fd; } poll;
		struct { uint32_t call_addr; int32_t syscall; uint32_t arch; } sys;
	} u;
};

/* --- conversions (lx_util.c) --- */

/* Guest timespec32/timespec64/timeval32 at ADDR to host struct timespec;
 * guest 0 gives *OUT = NULL.  0, -EFAULT. */
int lx_get_ts32(struct lx_thread *t, uint32_t addr, struct timespec *ts, struct timespec **out);
int lx_get_ts64(struct lx_thread *t, uint32_t addr, struct timespec *ts, struct timespec **out);
int lx_put_ts32(struct lx_thread *t, uint32_t addr, const struct timespec *ts);
int lx_get_tv32(struct lx_thread *t, uint32_t addr, struct timeval *tv, struct timeval **out);
int lx_put_tv32(struct lx_thread *t, uint32_t addr, const struct timeval *tv);
int lx_put_rusage(struct lx_thread *t, uint32_t addr, const struct rusage *ru);
/* Host siginfo to the i386 layout, and back (for rt_sigqueueinfo). */
void lx_siginfo_to32(const siginfo_t *si, struct lx_siginfo32 *g);
void lx_siginfo_from32(const struct lx_siginfo32 *g, siginfo_t *si);
/* Guest iovec array to host: IOV (IOV_MAX entries), PROT of the buffers.
 * 0, -EFAULT, -EINVAL. */
int lx_get_iov(struct lx_thread *t, uint32_t addr, uint32_t cnt, int prot, struct iovec *iov);

/* --- signals (lx_signal.c) --- */

/* Host set of the guest mask M (without signals the run loop owns). */
void lx_host_sigset(const struct lx_thread *t, uint64_t m, sigset_t *set);
/* Sets the guest mask (SIGKILL/SIGSTOP never blocked) and the host mask. */
void lx_set_sigmask(struct lx_thread *t, uint64_t mask);
/* For sigsuspend-like calls: blocks TEMP now; the handler of the signal that
 * ends the wait runs with it and returns to the mask before. */
void lx_temp_sigmask(struct lx_thread *t, uint64_t temp);
/* After the wait: RESULT (-LX_ERESTART(SYS) count as -EINTR, and are
 * returned so); unless interrupted, the old mask is back. */
long lx_end_temp_sigmask(struct lx_thread *t, long result);
/* Host signal setup of a new process (lx_proc_init). */
void lx_signal_proc_init(struct lx_proc *p);
void lx_signal_thread_init(struct lx_thread *t);
/* Makes T the current thread of this host thread (lx_thread_start). */
void lx_signal_thread_start(struct lx_thread *t);
/* Recomputes t->sig_ready. */
void lx_update_ready(struct lx_thread *t);
/* The signal lx_take_signal would deliver next, or 0. */
int lx_next_signal(const struct lx_thread *t);
/* Is SIG discarded on arrival (SIG_IGN, or SIG_DFL that ignores)? */
bool lx_ignored(const struct lx_proc *p, int sig);
/* Sets the host disposition of SIG after the guest's changed. */
void lx_sync_host_action(struct lx_thread *t, int sig);

/* --- signal frames (lx_sigframe.c) --- */

/* Builds the frame of SIG for handler ACT; 0 or -EFAULT. */
int lx_setup_frame(struct lx_thread *t, int sig, const struct lx_sigaction *act,
		   const siginfo_t *info, const struct lx_trap *trap, uint64_t oldmask);

/* sigaltstack state: the ss_flags the guest sees at stack pointer SP, and
 * setting it as sigaltstack(2) does with the guest at CUR. */
uint32_t lx_altstack_flags(const struct lx_thread *t, uint32_t sp);
int lx_set_altstack(struct lx_thread *t, uint32_t sp, uint32_t flags, uint32_t size, uint32_t cur);

/* --- segments (lx_thread.c) --- */
int lx_desc_from_user(struct lx_thread *t, uint32_t addr, uint32_t *entry, struct lx_desc *d);

#endif
