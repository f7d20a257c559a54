/*
 * lx_ipc.c — System V IPC of the Linux i386 personality.
 *
 * Owns: the ipc(2) multiplexer and the direct calls (393..402, 420):
 * semget, semop/semtimedop (struct sembuf is the same), semctl for the
 * commands without a structure (IPC_RMID, GETVAL, SETVAL, GETPID, GETNCNT,
 * GETZCNT) and GETALL/SETALL; msgget, msgsnd/msgrcv (struct msgbuf with a
 * 4-byte mtype), msgctl IPC_RMID; shmget, shmctl IPC_RMID.  Not done:
 * the *_ds structures (IPC_STAT, IPC_SET, IPC_INFO: -EINVAL) and shmat,
 * which would need a mapping kind memory/uspace.h has not (-ENOSYS).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "monitor/user/lx_int.h"

#define LX_IPC_64 0x100
#define LX_MSGMAX (1u << 16)

static long lx_semtimedop(struct lx_thread *t, int32_t id, uint32_t sops, uint32_t n,
			  uint32_t ts, bool wide)
{
	void *p;
	struct timespec tv, *ptv = NULL;
	long r;
	if (n > 4096)
		return -E2BIG;
	if ((r = lx_ptr(t, sops, n * 6, PROT_READ, &p)) < 0)
		return r;
	if ((wide ? lx_get_ts64 : lx_get_ts32)(t, ts, &tv, &ptv))
		return -EFAULT;
	return lx_host(t, SYS_semtimedop, id, (long)p, n, (long)ptv);
}

static long lx_semctl(struct lx_thread *t, int32_t id, int32_t num, uint32_t cmd, uint32_t arg)
{
	unsigned short vals[4096];
	struct semid_ds ds;
	long r;
	switch (cmd & ~LX_IPC_64) {
	case IPC_RMID: case GETVAL: case GETPID: case GETNCNT: case GETZCNT:
		return lx_sys(SYS_semctl, id, num, cmd & ~LX_IPC_64, 0, 0, 0);
	case SETVAL:
		return lx_sys(SYS_semctl, id, num, SETVAL, (int32_t)arg, 0, 0);
	case GETALL: case SETALL:
		if ((r = lx_sys(SYS_semctl, id, 0, IPC_STAT, (long)&ds, 0, 0)) < 0)
			return r;
		if (ds.sem_nsems > 4096)
			return -ERANGE;
		if ((cmd & ~LX_IPC_64) == SETALL && lx_get(t, vals, arg, (uint32_t)ds.sem_nsems * 2))
			return -EFAULT;
		r = lx_sys(SYS_semctl, id, 0, cmd & ~LX_IPC_64, (long)vals, 0, 0);
		if (r >= 0 && (cmd & ~LX_IPC_64) == GETALL &&
		    lx_put(t, arg, vals, (uint32_t)ds.sem_nsems * 2))
			return -EFAULT;
		return r;
	default:
		return -EINVAL;
	}
}

static long lx_msgsnd(struct lx_thread *t, int32_t id, uint32_t msgp, uint32_t size, int flg)
{
	if (size > LX_MSGMAX)
		return -EINVAL;
	uint8_t *h = malloc(8 + size);
	int32_t type;
	long r = -EFAULT;
	if (!h)
		return -ENOMEM;
	if (!lx_get(t, &type, msgp, 4) && !lx_get(t, h + 8, msgp + 4, size)) {
		long lt = type;
		memcpy(h, &lt, 8);
		r = lx_host(t, SYS_msgsnd, id, (long)h, size, flg);
	}
	free(h);
	return r;
}

static long lx_msgrcv(struct lx_thread *t, int32_t id, uint32_t msgp, uint32_t size, int32_t typ,
		      int flg)
{
	if (size > LX_MSGMAX)
		return -EINVAL;
	uint8_t *h = malloc(8 + size);
	long r;
	if (!h)
		return -ENOMEM;
	r = lx_host(t, SYS_msgrcv, id, (long)h, size, typ, flg);
	if (r >= 0) {
		long lt;
		memcpy(&lt, h, 8);
		if (lx_put32(t, msgp, (uint32_t)lt) || lx_put(t, msgp + 4, h + 8, (uint32_t)r))
			r = -EFAULT;
	}
	free(h);
	return r;
}

static long lx_xctl_rmid(long nr, int32_t id, uint32_t cmd)
{
	if ((cmd & ~LX_IPC_64) != IPC_RMID)
		return -EINVAL;
	return lx_sys(nr, id, IPC_RMID, 0, 0, 0, 0);
}

/* ipc(call, first, second, third, ptr, fifth) */
long lx_sys_ipc(struct lx_thread *t, const uint32_t *a)
{
	uint32_t call = a[0] & 0xffff, version = a[0] >> 16, sem;
	int32_t first = (int32_t)a[1];
	switch (call) {
	case 1: /* SEMOP */
		return lx_semtimedop(t, first, a[4], a[2], 0, false);
	case 2: /* SEMGET */
		return lx_sys(SYS_semget, first, (int32_t)a[2], (int32_t)a[3], 0, 0, 0);
	case 3: /* SEMCTL: ptr -> union semun */
		if (lx_get32(t, a[4], &sem))
			return -EFAULT;
		return lx_semctl(t, first, (int32_t)a[2], a[3], sem);
	case 4: /* SEMTIMEDOP */
		return lx_semtimedop(t, first, a[4], a[2], a[5], false);
	case 11: /* MSGSND */
		return lx_msgsnd(t, first, a[4], a[2], (int)a[3]);
	case 12: /* MSGRCV */
		if (version == 0) {
			uint32_t k[2]; /* struct ipc_kludge {msgp, msgtyp} */
			if (lx_get(t, k, a[4], sizeof k))
				return -EFAULT;
			return lx_msgrcv(t, first, k[0], a[2], (int32_t)k[1], (int)a[3]);
		}
		return lx_msgrcv(t, first, a[4], a[2], (int32_t)a[5], (int)a[3]);
	case 13: /* MSGGET */
		return lx_sys(SYS_msgget, first, (int32_t)a[2], 0, 0, 0, 0);
	case 14: /* MSGCTL */
		return lx_xctl_rmid(SYS_msgctl, first, a[2]);
	case 21: /* SHMAT */
		return -ENOSYS;
	case 22: /* SHMDT */
		return -EINVAL;
	case 23: /* SHMGET */
		return lx_sys(SYS_shmget, first, a[2], (int32_t)a[3], 0, 0, 0);
	case 24: /* SHMCTL */
		return lx_xctl_rmid(SYS_shmctl, first, a[2]);
	default:
		return -ENOSYS;
	}
}

long lx_sys_semget(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_semget, (int32_t)a[0], (int32_t)a[1], (int32_t)a[2], 0, 0, 0);
}

long lx_sys_semctl(struct lx_thread *t, const uint32_t *a)
{
	return lx_semctl(t, (int32_t)a[0], (int32_t)a[1], a[2], a[3]);
}

long lx_sys_semtimedop_time64(struct lx_thread *t, const uint32_t *a)
{
	return lx_semtimedop(t, (int32_t)a[0], a[1], a[2], a[3], true);
}

long lx_sys_shmget(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_shmget, (int32_t)a[0], a[1], (int32_t)a[2], 0, 0, 0);
}

long lx_sys_shmctl(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_xctl_rmid(SYS_shmctl, (int32_t)a[0], a[1]);
}

long lx_sys_shmdt(struct lx_thread *t, const uint32_t *a)
{
	(void)t, (void)a;
	return -EINVAL;
}

long lx_sys_msgget(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_sys(SYS_msgget, (int32_t)a[0], (int32_t)a[1], 0, 0, 0, 0);
}

long lx_sys_msgsnd(struct lx_thread *t, const uint32_t *a)
{
	return lx_msgsnd(t, (int32_t)a[0], a[1], a[2], (int)a[3]);
}

long lx_sys_msgrcv(struct lx_thread *t, const uint32_t *a)
{
	return lx_msgrcv(t, (int32_t)a[0], a[1], a[2], (int32_t)a[3], (int)a[4]);
}

long lx_sys_msgctl(struct lx_thread *t, const uint32_t *a)
{
	(void)t;
	return lx_xctl_rmid(SYS_msgctl, (int32_t)a[0], a[1]);
}
