/*
 * lx_ioctl.c — ioctl of the Linux i386 personality.
 *
 * Owns: the table of ioctl requests a guest may make, each with its host
 * request number (different when the i386 number encodes the size of a
 * long or size_t) and how its argument converts: none, a plain value, or a
 * pointer to SIZE bytes read and/or written by the host.  Terminal
 * structures (termios 36 bytes, termios2 44, termio 18, winsize 8) have the
 * same layout on i386 and x86-64.  struct ifreq (32 bytes on i386, 40 on
 * x86-64) and struct ifconf are converted.  A request not in the table gets
 * -ENOTTY: an unknown argument cannot be checked, so it is never passed.
 */
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

#include "monitor/user/lx_int.h"

enum lx_ioarg { IO_NONE, IO_VAL, IO_IN, IO_OUT, IO_INOUT, IO_IFREQ, IO_IFCONF, IO_ULONG };

struct lx_ioctl {
	uint32_t cmd, host;
	uint8_t kind;
	uint8_t size;
};

#define IOS(c, k, s) {c, c, k, s}
#define IOX(c, h, k, s) {c, h, k, s}

static const struct lx_ioctl lx_ioctls[] = {
	/* terminals */
	IOS(0x5401, IO_OUT, 36), IOS(0x5402, IO_IN, 36), IOS(0x5403, IO_IN, 36),
	IOS(0x5404, IO_IN, 36), IOS(0x5405, IO_OUT, 18), IOS(0x5406, IO_IN, 18),
	IOS(0x5407, IO_IN, 18), IOS(0x5408, IO_IN, 18), IOS(0x5409, IO_VAL, 0),
	IOS(0x540a, IO_VAL, 0), IOS(0x540b, IO_VAL, 0), IOS(0x540c, IO_NONE, 0),
	IOS(0x540d, IO_NONE, 0), IOS(0x540e, IO_VAL, 0), IOS(0x540f, IO_OUT, 4),
	IOS(0x5410, IO_IN, 4), IOS(0x5411, IO_OUT, 4), IOS(0x5412, IO_IN, 1),
	IOS(0x5413, IO_OUT, 8), IOS(0x5414, IO_IN, 8), IOS(0x5415, IO_OUT, 4),
	IOS(0x5416, IO_IN, 4), IOS(0x5417, IO_IN, 4), IOS(0x5418, IO_IN, 4),
	IOS(0x5419, IO_OUT, 4), IOS(0x541a, IO_IN, 4), IOS(0x541b, IO_OUT, 4),
	IOS(0x541d, IO_NONE, 0), IOS(0x5420, IO_IN, 4), IOS(0x5421, IO_IN, 4),
	IOS(0x5422, IO_NONE, 0), IOS(0x5423, IO_IN, 4), IOS(0x5424, IO_OUT, 4),
	IOS(0x5425, IO_VAL, 0), IOS(0x5427, IO_NONE, 0), IOS(0x5428, IO_NONE, 0),
	IOS(0x5429, IO_OUT, 4), IOS(0x802c542a, IO_OUT, 44), IOS(0x402c542b, IO_IN, 44),
	IOS(0x402c542c, IO_IN, 44), IOS(0x402c542d, IO_IN, 44), IOS(0x80045430, IO_OUT, 4),
	IOS(0x40045431, IO_IN, 4), IOS(0x80045432, IO_OUT, 4), IOS(0x40045436, IO_VAL, 0),
	IOS(0x5437, IO_NONE, 0), IOS(0x80045438, IO_OUT, 4), IOS(0x80045439, IO_OUT, 4),
	IOS(0x80045440, IO_OUT, 4), IOS(0x5441, IO_VAL, 0), IOS(0x5450, IO_NONE, 0),
	IOS(0x5451, IO_NONE, 0), IOS(0x5452, IO_IN, 4), IOS(0x5456, IO_OUT, 36),
	IOS(0x5457, IO_IN, 36), IOS(0x5459, IO_OUT, 4), IOS(0x545c, IO_VAL, 0),
	IOS(0x5460, IO_OUT, 8),
	/* virtual consoles, keyboard */
	IOS(0x4b33, IO_OUT, 1), IOS(0x4b3a, IO_VAL, 0), IOS(0x4b3b, IO_OUT, 4),
	IOS(0x4b44, IO_OUT, 4), IOS(0x4b45, IO_VAL, 0), IOS(0x5600, IO_OUT, 4),
	IOS(0x5603, IO_OUT, 6), IOS(0x5606, IO_VAL, 0), IOS(0x5607, IO_VAL, 0),
	/* files: FIBMAP, FIGETBSZ, FICLONE, FICLONERANGE, FS_IOC_[GS]ETFLAGS,
	 * FS_IOC_GETVERSION (i386 numbers encode a 4-byte long) */
	IOS(0x1, IO_INOUT, 4), IOS(0x2, IO_OUT, 4), IOS(0x40049409, IO_VAL, 0),
	IOS(0x4020940d, IO_IN, 32), IOX(0x80046601, 0x80086601, IO_OUT, 4),
	IOX(0x40046602, 0x40086602, IO_IN, 4), IOX(0x80047601, 0x80087601, IO_OUT, 4),
	/* block devices: BLKROGET, BLKRRPART, BLKGETSIZE (long), BLKFLSBUF,
	 * BLKSSZGET, BLKBSZGET, BLKGETSIZE64 (size_t in the number), BLKIOMIN,
	 * BLKIOOPT, BLKPBSZGET */
	IOS(0x125e, IO_OUT, 4), IOS(0x125f, IO_NONE, 0), IOS(0x1260, IO_ULONG, 4),
	IOS(0x1261, IO_NONE, 0), IOS(0x1268, IO_OUT, 4),
	IOX(0x80041270, 0x80081270, IO_OUT, 4), IOX(0x80041272, 0x80081272, IO_OUT, 8),
	IOS(0x1278, IO_OUT, 4), IOS(0x1279, IO_OUT, 4), IOS(0x127b, IO_OUT, 4),
	/* sockets: FIOSETOWN, SIOCSPGRP, FIOGETOWN, SIOCGPGRP, SIOCATMARK,
	 * SIOCGIFCONF, and the simple struct ifreq requests */
	IOS(0x8901, IO_IN, 4), IOS(0x8902, IO_IN, 4), IOS(0x8903, IO_OUT, 4),
	IOS(0x8904, IO_OUT, 4), IOS(0x8905, IO_OUT, 4), IOS(0x8912, IO_IFCONF, 0),
	IOS(0x8910, IO_IFREQ, 0), IOS(0x8913, IO_IFREQ, 0), IOS(0x8914, IO_IFREQ, 0),
	IOS(0x8915, IO_IFREQ, 0), IOS(0x8917, IO_IFREQ, 0), IOS(0x8919, IO_IFREQ, 0),
	IOS(0x891b, IO_IFREQ, 0), IOS(0x891d, IO_IFREQ, 0), IOS(0x8921, IO_IFREQ, 0),
	IOS(0x8927, IO_IFREQ, 0), IOS(0x8933, IO_IFREQ, 0), IOS(0x8942, IO_IFREQ, 0),
	/* RNDGETENTCNT */
	IOS(0x80045200, IO_OUT, 4),
};

#define LX_IFREQ32 32

static const struct lx_ioctl *lx_ioctl_find(uint32_t cmd)
{
	for (size_t i = 0; i < sizeof lx_ioctls / sizeof lx_ioctls[0]; i++)
		if (lx_ioctls[i].cmd == cmd)
			return &lx_ioctls[i];
	return NULL;
}

static long lx_ioctl_ifreq(struct lx_thread *t, int fd, uint32_t cmd, uint32_t arg)
{
	struct ifreq ifr;
	long r;
	memset(&ifr, 0, sizeof ifr);
	if (lx_get(t, &ifr, arg, LX_IFREQ32))
		return -EFAULT;
	r = lx_sys(SYS_ioctl, fd, cmd, (long)&ifr, 0, 0, 0);
	if (r >= 0 && lx_put(t, arg, &ifr, LX_IFREQ32))
		return -EFAULT;
	return r;
}

/* struct ifconf {int len; u32 buf} with an array of 32-byte ifreqs. */
static long lx_ioctl_ifconf(struct lx_thread *t, int fd, uint32_t arg)
{
	uint32_t ic[2];
	struct ifreq req[64];
	struct ifconf hc;
	long r;

	if (lx_get(t, ic, arg, sizeof ic))
		return -EFAULT;
	uint32_t n = (int32_t)ic[0] > 0 ? ic[0] / LX_IFREQ32 : 0;
	n = n < 64 ? n : 64;
	hc.ifc_len = (int)(n * sizeof(struct ifreq));
	hc.ifc_req = ic[1] ? req : NULL;
	r = lx_sys(SYS_ioctl, fd, SIOCGIFCONF, (long)&hc, 0, 0, 0);
	if (r < 0)
		return r;
	uint32_t got = (uint32_t)hc.ifc_len / sizeof(struct ifreq);
	for (uint32_t i = 0; ic[1] && i < got; i++)
		if (lx_put(t, ic[1] + i * LX_IFREQ32, &req[i], LX_IFREQ32))
			return -EFAULT;
	ic[0] = got * LX_IFREQ32;
	return lx_put32(t, arg, ic[0]) ? -EFAULT : r;
}

/* unsigned long result (BLKGETSIZE): 8 bytes on the host, 4 for the guest */
static long lx_ioctl_ulong(struct lx_thread *t, int fd, uint32_t cmd, uint32_t arg)
{
	unsigned long v = 0;
	long r = lx_sys(SYS_ioctl, fd, cmd, (long)&v, 0, 0, 0);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -EFBIG;
	return lx_put32(t, arg, (uint32_t)v) ? -EFAULT : r;
}

long lx_sys_ioctl(struct lx_thread *t, const uint32_t *a)
{
	int fd = (int32_t)a[0];
	const struct lx_ioctl *io = lx_ioctl_find(a[1]);
	void *p;
	long r;

	if (!io)
		return -ENOTTY;
	switch (io->kind) {
	case IO_NONE:
		return lx_sys(SYS_ioctl, fd, io->host, 0, 0, 0, 0);
	case IO_VAL:
		return lx_host(t, SYS_ioctl, fd, io->host, (int32_t)a[2]);
	case IO_IFREQ:
		return lx_ioctl_ifreq(t, fd, io->host, a[2]);
	case IO_IFCONF:
		return lx_ioctl_ifconf(t, fd, a[2]);
	case IO_ULONG:
		return lx_ioctl_ulong(t, fd, io->host, a[2]);
	default:
		break;
	}
	int prot = io->kind == IO_IN ? PROT_READ : io->kind == IO_OUT ? PROT_WRITE
								      : PROT_READ | PROT_WRITE;
	if ((r = lx_ptr(t, a[2], io->size, prot, &p)) < 0)
		return r;
	return lx_host(t, SYS_ioctl, fd, io->host, (long)p);
}
