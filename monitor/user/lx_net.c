/*
 * lx_net.c — sockets in the Linux i386 personality.
 *
 * Owns: socketcall (its sub-calls run through the table entries of the
 * direct socket calls, 359 and up); the calls whose arguments need work:
 * accept4, getsockname, getpeername, recvfrom (address length in/out),
 * getsockopt/setsockopt (SO_RCVTIMEO/SO_SNDTIMEO with a 32-bit timeval,
 * SO_ATTACH_FILTER with a 32-bit sock_fprog), sendmsg/recvmsg and their
 * mmsg forms: struct msghdr (28 bytes), iovec, and control messages
 * (12-byte cmsghdr, 4-byte alignment, 32-bit timestamps) converted both
 * ways.  sockaddr layouts are the same on both sides.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "monitor/user/lx_int.h"

/* --- socketcall --- */

static const struct { uint16_t nr; uint8_t nargs; } lx_sockcalls[21] = {
	[1] = {359, 3},  [2] = {361, 3},  [3] = {362, 3},  [4] = {363, 2},  [5] = {364, 3},
	[6] = {367, 3},  [7] = {368, 3},  [8] = {360, 4},  [9] = {369, 4},  [10] = {371, 4},
	[11] = {369, 6}, [12] = {371, 6}, [13] = {373, 2}, [14] = {366, 5}, [15] = {365, 5},
	[16] = {370, 3}, [17] = {372, 3}, [18] = {364, 4}, [19] = {337, 5}, [20] = {345, 4},
};

long lx_sys_socketcall(struct lx_thread *t, const uint32_t *a)
{
	uint32_t b[6] = {0};
	if (a[0] < 1 || a[0] > 20)
		return -EINVAL;
	if (lx_get(t, b, a[1], lx_sockcalls[a[0]].nargs * 4u))
		return -EFAULT;
	const struct lx_entry *e = lx_entry_of(lx_sockcalls[a[0]].nr);
	return e->fn ? e->fn(t, b) : lx_direct(t, e, b);
}

/* --- addresses with a length in/out --- */

/* Host pointers for a sockaddr buffer ADDR whose length is at LENP. */
static int lx_addr_out(struct lx_thread *t, uint32_t addr, uint32_t lenp, void **pa, void **pl)
{
	uint32_t len = 0;
	int r;
	*pa = *pl = NULL;
	if (!addr)
		return 0;
	if (lx_get32(t, lenp, &len))
		return -EFAULT;
	if ((int32_t)len < 0)
		return -EINVAL;
	if ((r = lx_ptr(t, lenp, 4, PROT_READ | PROT_WRITE, pl)) < 0)
		return r;
	return lx_ptr(t, addr, len, PROT_WRITE, pa);
}

long lx_sys_accept4(struct lx_thread *t, const uint32_t *a)
{
	void *pa, *pl;
	long r = lx_addr_out(t, a[1], a[2], &pa, &pl);
	return r < 0 ? r : lx_host(t, SYS_accept4, (int32_t)a[0], (long)pa, (long)pl, (int)a[3]);
}

static long lx_sockname(struct lx_thread *t, const uint32_t *a, long nr)
{
	void *pa, *pl;
	if (!a[1])
		return -EFAULT;
	long r = lx_addr_out(t, a[1], a[2], &pa, &pl);
	return r < 0 ? r : lx_sys(nr, (int32_t)a[0], (long)pa, (long)pl, 0, 0, 0);
}

long lx_sys_getsockname(struct lx_thread *t, const uint32_t *a)
{
	return lx_sockname(t, a, SYS_getsockname);
}

long lx_sys_getpeername(struct lx_thread *t, const uint32_t *a)
{
	return lx_sockname(t, a, SYS_getpeername);
}

long lx_sys_recvfrom(struct lx_thread *t, const uint32_t *a)
{
	void *buf, *pa, *pl;
	long r = lx_ptr(t, a[1], a[2], PROT_WRITE, &buf);
	if (r < 0 || (r = lx_addr_out(t, a[4], a[5], &pa, &pl)) < 0)
		return r;
	return lx_host(t, SYS_recvfrom, (int32_t)a[0], (long)buf, a[2], (int)a[3], (long)pa, (long)pl);
}

/* --- socket options --- */

#define LX_SO_RCVTIMEO_OLD 20
#define LX_SO_SNDTIMEO_OLD 21
#define LX_SO_ATTACH_FILTER 26
#define LX_SO_ATTACH_REUSEPORT_CBPF 51

static bool lx_is_timeo(uint32_t level, uint32_t name)
{
	return level == SOL_SOCKET && (name == LX_SO_RCVTIMEO_OLD || name == LX_SO_SNDTIMEO_OLD);
}

long lx_sys_setsockopt(struct lx_thread *t, const uint32_t *a)
{
	int fd = (int32_t)a[0];
	void *p;
	long r;
	if (lx_is_timeo(a[1], a[2])) {
		struct timeval tv, *ptv;
		if (a[4] < 8)
			return -EINVAL;
		if (lx_get_tv32(t, a[3], &tv, &ptv) || !ptv)
			return -EFAULT;
		return lx_sys(SYS_setsockopt, fd, a[1], a[2], (long)&tv, sizeof tv, 0);
	}
	if (a[1] == SOL_SOCKET && (a[2] == LX_SO_ATTACH_FILTER || a[2] == LX_SO_ATTACH_REUSEPORT_CBPF)) {
		uint32_t g[2]; /* struct sock_fprog: u16 len, u32 filter */
		struct { unsigned short len; void *filter; } prog;
		if (a[4] < 8 || lx_get(t, g, a[3], sizeof g))
			return a[4] < 8 ? -EINVAL : -EFAULT;
		prog.len = (unsigned short)g[0];
		if ((r = lx_ptr(t, g[1], prog.len * 8u, PROT_READ, &prog.filter)) < 0)
			return r;
		return lx_sys(SYS_setsockopt, fd, a[1], a[2], (long)&prog, sizeof prog, 0);
	}
	if ((r = lx_ptr(t, a[3], a[4], PROT_READ, &p)) < 0)
		return r;
	return lx_sys(SYS_setsockopt, fd, a[1], a[2], (long)p, a[4], 0);
}

long lx_sys_getsockopt(struct lx_thread *t, const uint32_t *a)
{
	int fd = (int32_t)a[0];
	void *pv, *pl;
	long r;
	if (lx_is_timeo(a[1], a[2])) {
		struct timeval tv;
		socklen_t len = sizeof tv;
		uint32_t glen;
		if (lx_get32(t, a[4], &glen))
			return -EFAULT;
		if ((r = lx_sys(SYS_getsockopt, fd, a[1], a[2], (long)&tv, (long)&len, 0)) < 0)
			return r;
		struct lx_timeval32 g = {(int32_t)tv.tv_sec, (int32_t)tv.tv_usec};
		glen = glen < sizeof g ? glen : sizeof g;
		if (lx_put(t, a[3], &g, glen) || lx_put32(t, a[4], glen))
			return -EFAULT;
		return 0;
	}
	if ((r = lx_addr_out(t, a[3], a[4], &pv, &pl)) < 0)
		return r;
	if (!pl && (r = lx_ptr(t, a[4], 4, PROT_READ | PROT_WRITE, &pl)) < 0)
		return r;
	return lx_sys(SYS_getsockopt, fd, a[1], a[2], (long)pv, (long)pl, 0);
}

/* --- messages --- */

struct lx_msghdr32 {
	uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};

struct lx_cmsg32 {
	uint32_t len;
	int32_t level, type;
};

struct lx_msg {
	struct lx_msghdr32 g;
	struct msghdr m;
	struct iovec iov[IOV_MAX];
	uint8_t *ctl;
};

#define LX_CMSG32_ALIGN(n) (((n) + 3u) & ~3u)
#define LX_SO_TIMESTAMP_OLD 29
#define LX_SO_TIMESTAMPNS_OLD 35
#define LX_SO_TIMESTAMPING_OLD 37

/* Guest control messages (sendmsg) to host ones in M->ctl. */
static int lx_cmsgs_in(struct lx_thread *t, struct lx_msg *m)
{
	uint32_t off = 0, out = 0, clen = m->g.controllen;
	uint8_t *g = malloc(clen);
	int r = -EFAULT;
	if (!g || lx_get(t, g, m->g.control, clen))
		goto out;
	r = -EINVAL;
	while (off + sizeof(struct lx_cmsg32) <= clen) {
		struct lx_cmsg32 h;
		memcpy(&h, g + off, sizeof h);
		if (h.len < sizeof h || h.len > clen - off)
			goto out;
		uint32_t n = h.len - (uint32_t)sizeof h;
		struct cmsghdr *c = (struct cmsghdr *)(m->ctl + out);
		c->cmsg_len = CMSG_LEN(n);
		c->cmsg_level = h.level;
		c->cmsg_type = h.type;
		memcpy(CMSG_DATA(c), g + off + sizeof h, n);
		out += (uint32_t)CMSG_SPACE(n);
		off += LX_CMSG32_ALIGN(h.len);
	}
	m->m.msg_control = out ? m->ctl : NULL;
	m->m.msg_controllen = out;
	r = 0;
out:
	free(g);
	return r;
}

/* Reads the guest msghdr at ADDR; PROT is how the buffers are used. */
static int lx_msg_get(struct lx_thread *t, uint32_t addr, int prot, struct lx_msg *m)
{
	int r;
	memset(&m->m, 0, sizeof m->m);
	m->ctl = NULL;
	if (lx_get(t, &m->g, addr, sizeof m->g))
		return -EFAULT;
	if ((int32_t)m->g.namelen < 0 || m->g.controllen > (1u << 20))
		return -EINVAL;
	if ((r = lx_ptr(t, m->g.name, m->g.namelen, prot, &m->m.msg_name)) < 0)
		return r;
	m->m.msg_namelen = m->g.name ? m->g.namelen : 0;
	if ((r = lx_get_iov(t, m->g.iov, m->g.iovlen, prot, m->iov)) < 0)
		return r;
	m->m.msg_iov = m->iov;
	m->m.msg_iovlen = m->g.iovlen;
	if (!m->g.control || !m->g.controllen)
		return 0;
	m->ctl = calloc(1, 2 * m->g.controllen + 64);
	if (!m->ctl)
		return -ENOMEM;
	if (prot == PROT_READ)
		return lx_cmsgs_in(t, m);
	m->m.msg_control = m->ctl;
	m->m.msg_controllen = 2 * m->g.controllen + 64;
	return 0;
}

/* Payload of a received host cmsg C in the i386 form, into BUF; length. */
static uint32_t lx_cmsg_payload32(const struct cmsghdr *c, uint8_t *buf)
{
	uint32_t n = (uint32_t)(c->cmsg_len - CMSG_LEN(0));
	const int64_t *v = (const int64_t *)CMSG_DATA(c);
	bool ts = c->cmsg_level == SOL_SOCKET &&
		  (c->cmsg_type == LX_SO_TIMESTAMP_OLD || c->cmsg_type == LX_SO_TIMESTAMPNS_OLD ||
		   c->cmsg_type == LX_SO_TIMESTAMPING_OLD);
	if (!ts) {
		memcpy(buf, CMSG_DATA(c), n);
		return n;
	}
	for (uint32_t i = 0; i < n / 8; i++) { /* each 64-bit field to 32 bits */
		int32_t w = (int32_t)v[i];
		memcpy(buf + 4 * i, &w, 4);
	}
	return n / 2;
}

static void lx_close_fds(const struct cmsghdr *c, uint32_t from)
{
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return;
	uint32_t n = (uint32_t)(c->cmsg_len - CMSG_LEN(0)) / 4;
	for (uint32_t i = from; i < n; i++) {
		int fd;
		memcpy(&fd, CMSG_DATA(c) + 4 * i, 4);
		lx_sys(SYS_close, fd, 0, 0, 0, 0, 0);
	}
}

/* Host control messages (recvmsg) to the guest buffer; sets MSG_CTRUNC
 * and closes passed fds that do not fit, like Linux. */
static int lx_cmsgs_out(struct lx_thread *t, struct lx_msg *m)
{
	uint32_t out = 0, cap = m->g.controllen;
	uint8_t buf[1024];
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m->m); c; c = CMSG_NXTHDR(&m->m, c)) {
		uint32_t n = c->cmsg_len - CMSG_LEN(0) <= sizeof buf ? lx_cmsg_payload32(c, buf) : 0;
		uint32_t room = cap - out >= 12 ? cap - out - 12 : 0;
		uint32_t keep = n <= room ? n : room;
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			keep &= ~3u;
		if (keep < n) {
			m->m.msg_flags |= MSG_CTRUNC;
			lx_close_fds(c, keep / 4);
		}
		if (cap - out < 12 || (keep == 0 && n != 0))
			continue;
		struct lx_cmsg32 h = {12 + keep, c->cmsg_level, c->cmsg_type};
		if (lx_put(t, m->g.control + out, &h, sizeof h) ||
		    lx_put(t, m->g.control + out + 12, buf, keep))
			return -EFAULT;
		uint32_t space = LX_CMSG32_ALIGN(12 + keep);
		out += space < cap - out ? space : cap - out;
	}
	m->g.controllen = out;
	return 0;
}

static long lx_sendmsg_one(struct lx_thread *t, int fd, uint32_t addr, int flags)
{
	struct lx_msg *m = malloc(sizeof *m);
	long r = m ? lx_msg_get(t, addr, PROT_READ, m) : -ENOMEM;
	if (r >= 0)
		r = lx_host(t, SYS_sendmsg, fd, (long)&m->m, flags);
	if (m)
		free(m->ctl);
	free(m);
	return r;
}

static long lx_recvmsg_one(struct lx_thread *t, int fd, uint32_t addr, int flags)
{
	struct lx_msg *m = malloc(sizeof *m);
	long r = m ? lx_msg_get(t, addr, PROT_WRITE, m) : -ENOMEM;
	if (r < 0)
		goto out;
	r = lx_host(t, SYS_recvmsg, fd, (long)&m->m, flags);
	if (r < 0)
		goto out;
	if (m->g.control && m->g.controllen && lx_cmsgs_out(t, m) < 0) {
		r = -EFAULT;
		goto out;
	}
	if (!m->g.control)
		m->g.controllen = 0;
	m->g.namelen = m->g.name ? m->m.msg_namelen : 0;
	m->g.flags = (uint32_t)m->m.msg_flags;
	if (lx_put(t, addr, &m->g, sizeof m->g))
		r = -EFAULT;
out:
	if (m)
		free(m->ctl);
	free(m);
	return r;
}

long lx_sys_sendmsg(struct lx_thread *t, const uint32_t *a)
{
	return lx_sendmsg_one(t, (int32_t)a[0], a[1], (int)a[2]);
}

long lx_sys_recvmsg(struct lx_thread *t, const uint32_t *a)
{
	return lx_recvmsg_one(t, (int32_t)a[0], a[1], (int)a[2]);
}

/* sendmmsg/recvmmsg as a loop over struct mmsghdr {msghdr, u32 len}; the
 * recvmmsg timeout is not honoured beyond MSG_WAITFORONE. */
static long lx_mmsg(struct lx_thread *t, const uint32_t *a, bool recv)
{
	uint32_t n = a[2] < 1024 ? a[2] : 1024;
	int flags = (int)a[3];
	long got = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t addr = a[1] + i * 32;
		long r = recv ? lx_recvmsg_one(t, (int32_t)a[0], addr, flags)
			      : lx_sendmsg_one(t, (int32_t)a[0], addr, flags);
		if (r < 0)
			return got ? got : r;
		if (lx_put32(t, addr + 28, (uint32_t)r))
			return got ? got : -EFAULT;
		got++;
		if (recv && (flags & MSG_WAITFORONE))
			flags |= MSG_DONTWAIT;
	}
	return got;
}

long lx_sys_sendmmsg(struct lx_thread *t, const uint32_t *a)
{
	return lx_mmsg(t, a, false);
}

long lx_sys_recvmmsg(struct lx_thread *t, const uint32_t *a)
{
	return lx_mmsg(t, a, true);
}

long lx_sys_recvmmsg_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_mmsg(t, a, true);
}
