/*
 * check_lx_net.c — unit tests of the Linux i386 personality: sockets
 * (socketcall and the direct calls, msghdr/cmsghdr conversion, socket
 * options), select/poll/epoll, ioctl, and smaller calls (prctl, SysV IPC
 * through ipc(2), directories, statfs64) (monitor/user/lx*).
 *
 * Each test drives lx_syscall() directly, as translated code would: a real
 * guest address space (memory/uspace) with a scratch area, guest registers
 * set like an i386 program's before int $0x80, and the results read back
 * in i386 layouts at the offsets the i386 kernel headers give (struct
 * stat64, linux_dirent, timespec, utsname, msghdr/cmsghdr, flock64...).
 */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lx_fixture.h"

#define IPC_PRIVATE_VAL 0
#define IPC_RMID_VAL	0

START_TEST(socketpair_sendmsg_recvmsg)
{
	uint32_t args[4] = {AF_UNIX, SOCK_STREAM, 0, BUF};
	memcpy(G(BUF2), args, sizeof args);
	ck_assert_int_eq(sys(102, 8 /* SYS_SOCKETPAIR */, BUF2), 0);
	uint32_t s0 = u32at(BUF), s1 = u32at(BUF + 4);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	/* msghdr32 at BUF2: one iovec, one SCM_RIGHTS control message */
	gstr(STR, "ping");
	uint32_t iov[2] = {STR, 4};
	memcpy(G(BUF2 + 64), iov, 8);
	uint32_t cm[4] = {16, SOL_SOCKET, SCM_RIGHTS, (uint32_t)p[1]};
	memcpy(G(BUF2 + 128), cm, 16);
	uint32_t mh[7] = {0, 0, BUF2 + 64, 1, BUF2 + 128, 16, 0};
	memcpy(G(BUF2), mh, 28);
	uint32_t sa[3] = {s0, BUF2, 0};
	memcpy(G(BUF2 + 256), sa, 12);
	ck_assert_int_eq(sys(102, 16 /* SYS_SENDMSG */, BUF2 + 256), 4);
	/* receive with the direct recvmsg call */
	uint32_t riov[2] = {BUF + 0x100, 64};
	memcpy(G(BUF2 + 512 + 64), riov, 8);
	uint32_t rmh[7] = {0, 0, BUF2 + 512 + 64, 1, BUF2 + 512 + 128, 64, 0};
	memcpy(G(BUF2 + 512), rmh, 28);
	ck_assert_int_eq(sys(372, s1, BUF2 + 512, 0), 4);
	ck_assert_mem_eq(G(BUF + 0x100), "ping", 4);
	ck_assert_uint_eq(u32at(BUF2 + 512 + 20), 16);	/* msg_controllen */
	ck_assert_uint_eq(u32at(BUF2 + 512 + 128), 16); /* cmsg_len */
	ck_assert_uint_eq(u32at(BUF2 + 512 + 128 + 4), SOL_SOCKET);
	ck_assert_uint_eq(u32at(BUF2 + 512 + 128 + 8), SCM_RIGHTS);
	int got = (int)u32at(BUF2 + 512 + 128 + 12);
	ck_assert_int_ge(got, 0);
	ck_assert_int_eq(write(got, "z", 1), 1); /* the passed pipe end works */
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'z');
	/* send/recv sub-calls and shutdown */
	uint32_t snd[4] = {s1, STR, 4, 0};
	memcpy(G(BUF2 + 256), snd, 16);
	ck_assert_int_eq(sys(102, 9 /* SYS_SEND */, BUF2 + 256), 4);
	uint32_t rcv[4] = {s0, BUF, 16, 0};
	memcpy(G(BUF2 + 256), rcv, 16);
	ck_assert_int_eq(sys(102, 10 /* SYS_RECV */, BUF2 + 256), 4);
	ck_assert_int_eq(sys(373, s0, SHUT_RDWR), 0);
	ck_assert_int_eq(sys(102, 99, BUF2), -EINVAL);
}
END_TEST

START_TEST(sockopt_and_names)
{
	int s = sys(359, AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	uint32_t tv[2] = {3, 500000};
	memcpy(G(BUF), tv, 8);
	ck_assert_int_eq(sys(366, s, SOL_SOCKET, 20 /* SO_RCVTIMEO_OLD */, BUF, 8), 0);
	memset(G(BUF), 0, 8);
	*(uint32_t *)G(BUF2) = 8;
	ck_assert_int_eq(sys(365, s, SOL_SOCKET, 20, BUF, BUF2), 0);
	ck_assert_uint_eq(u32at(BUF), 3);
	ck_assert_uint_eq(u32at(BUF + 4), 500000);
	ck_assert_uint_eq(u32at(BUF2), 8);
	*(uint32_t *)G(BUF2) = 4;
	ck_assert_int_eq(sys(365, s, SOL_SOCKET, SO_TYPE, BUF, BUF2), 0);
	ck_assert_uint_eq(u32at(BUF), SOCK_DGRAM);
	/* bind to loopback, getsockname */
	uint8_t sin[16] = {AF_INET, 0, 0, 0, 127, 0, 0, 1};
	memcpy(G(BUF), sin, 16);
	ck_assert_int_eq(sys(361, s, BUF, 16), 0);
	*(uint32_t *)G(BUF2) = 16;
	memset(G(BUF), 0, 16);
	ck_assert_int_eq(sys(367, s, BUF, BUF2), 0);
	ck_assert_uint_eq(G(BUF)[4], 127);
	ck_assert_uint_eq(u32at(BUF2), 16);
}
END_TEST

START_TEST(select_and_poll)
{
	ck_assert_int_eq(sys(42, BUF), 0);
	uint32_t r = u32at(BUF), w = u32at(BUF + 4);
	ck_assert_int_eq(sys(4, w, BUF, 1), 1);
	memset(G(BUF2), 0, 8);
	G(BUF2)[r / 8] |= (uint8_t)(1 << (r % 8));
	uint32_t tv[2] = {0, 0};
	memcpy(G(BUF2 + 64), tv, 8);
	ck_assert_int_eq(sys(142, r + 1, BUF2, 0, 0, BUF2 + 64), 1);
	ck_assert(G(BUF2)[r / 8] & (1 << (r % 8)));
	/* poll: struct pollfd {int fd; short events, revents} */
	uint32_t pfd[2] = {r, POLLIN};
	memcpy(G(BUF2 + 128), pfd, 8);
	ck_assert_int_eq(sys(168, BUF2 + 128, 1, 0), 1);
	ck_assert_uint_eq(*(uint16_t *)G(BUF2 + 134), POLLIN);
	/* old select's argument block */
	memset(G(BUF2), 0, 8);
	G(BUF2)[w / 8] |= (uint8_t)(1 << (w % 8));
	uint32_t blk[5] = {w + 1, 0, BUF2, 0, BUF2 + 64};
	memcpy(G(BUF2 + 256), blk, sizeof blk);
	ck_assert_int_eq(sys(82, BUF2 + 256), 1);
	/* epoll: 12-byte events */
	int ep = sys(329, 0);
	ck_assert_int_ge(ep, 0);
	uint32_t ev[3] = {EPOLLIN, 0x11223344, 0x55667788};
	memcpy(G(BUF2 + 300), ev, 12);
	ck_assert_int_eq(sys(255, ep, 1 /* EPOLL_CTL_ADD */, r, BUF2 + 300), 0);
	ck_assert_int_eq(sys(256, ep, BUF2 + 400, 4, 0), 1);
	ck_assert_uint_eq(u32at(BUF2 + 404), 0x11223344);
	ck_assert_uint_eq(u32at(BUF2 + 408), 0x55667788);
}
END_TEST

START_TEST(ioctl_terminal_and_fionread)
{
	ck_assert_int_eq(sys(42, BUF), 0);
	uint32_t r = u32at(BUF), w = u32at(BUF + 4);
	ck_assert_int_eq(sys(54, r, 0x5413 /* TIOCGWINSZ */, BUF2), -ENOTTY);
	ck_assert_int_eq(sys(54, r, 0x5401 /* TCGETS */, BUF2), -ENOTTY);
	ck_assert_int_eq(sys(4, w, STR, 3), 3);
	ck_assert_int_eq(sys(54, r, 0x541b /* FIONREAD */, BUF2), 0);
	ck_assert_uint_eq(u32at(BUF2), 3);
	ck_assert_int_eq(sys(54, r, 0xdeadbeef, BUF2), -ENOTTY);
	*(uint32_t *)G(BUF2) = 1;
	ck_assert_int_eq(sys(54, r, 0x5421 /* FIONBIO */, BUF2), 0);
	ck_assert_int_eq(sys(3, r, BUF, 10), 3);
	ck_assert_int_eq(sys(3, r, BUF, 10), -EAGAIN);
	int fd = posix_openpt(O_RDWR | O_NOCTTY);
	if (fd >= 0) { /* a pseudo-terminal: termios is 36 bytes, winsize 8 */
		memset(G(BUF2), 0xee, 64);
		ck_assert_int_eq(sys(54, fd, 0x5401, BUF2), 0);
		ck_assert_uint_eq(G(BUF2)[36], 0xee);
		uint16_t ws[4] = {24, 80, 0, 0};
		memcpy(G(BUF), ws, 8);
		ck_assert_int_eq(sys(54, fd, 0x5414, BUF), 0);
		ck_assert_int_eq(sys(54, fd, 0x5413, BUF2), 0);
		ck_assert_mem_eq(G(BUF2), ws, 8);
		close(fd);
	}
}
END_TEST

START_TEST(misc_calls)
{
	/* prctl names */
	gstr(STR, "guestname-longer-than-16");
	ck_assert_int_eq(sys(172, 15 /* PR_SET_NAME */, STR), 0);
	ck_assert_int_eq(sys(172, 16 /* PR_GET_NAME */, BUF), 0);
	ck_assert_str_eq((char *)G(BUF), "guestname-longe");
	ck_assert_int_eq(sys(172, 22 /* PR_SET_SECCOMP */, 2, 0), -EINVAL);
	ck_assert_int_eq(sys(136, 0xffffffff), 0);	  /* personality query */
	ck_assert_int_eq(sys(355, BUF, 16, 0), 16);	  /* getrandom */
	ck_assert_int_ge(sys(356, gstr(STR, "m"), 0), 0); /* memfd_create */
	int ncpu = sys(242, 0, 128, BUF);		  /* sched_getaffinity */
	ck_assert(ncpu > 0 && ncpu % 4 == 0);
	ck_assert_int_eq(sys(242, 0, 3, BUF), -EINVAL);
	int e = sys(328, 0, 0); /* eventfd2 */
	ck_assert_int_ge(e, 0);
	/* sysv semaphores through ipc(2) */
	int id = sys(117, 2 /* SEMGET */, IPC_PRIVATE_VAL, 1, 0600);
	if (id >= 0) {
		*(uint32_t *)G(BUF) = 5;
		ck_assert_int_eq(sys(117, 3 /* SEMCTL */, (uint32_t)id, 0, 16 /* SETVAL */, BUF),
				 0);
		ck_assert_int_eq(sys(117, 3, (uint32_t)id, 0, 12 /* GETVAL */, BUF), 5);
		uint16_t op[3] = {0, (uint16_t)-2, 0};
		memcpy(G(BUF2), op, 6);
		ck_assert_int_eq(sys(117, 1 /* SEMOP */, (uint32_t)id, 1, 0, BUF2), 0);
		ck_assert_int_eq(sys(394, (uint32_t)id, 0, 12, 0), 3);
		ck_assert_int_eq(sys(394, (uint32_t)id, 0, IPC_RMID_VAL, 0), 0);
	}
	/* chdir/mkdir/rename/unlink/rmdir */
	char d[128];
	sprintf(d, "%s/sub", tmpdir);
	gstr(STR, d);
	ck_assert_int_eq(sys(39, STR, 0755), 0);
	ck_assert_int_eq(sys(33, STR, X_OK), 0);
	ck_assert_int_eq(sys(40, STR), 0);
	ck_assert_int_eq(sys(33, STR, F_OK), -ENOENT);
	/* statfs64 needs the right size */
	gstr(STR, "/");
	ck_assert_int_eq(sys(268, STR, 84, BUF), 0);
	ck_assert_int_eq(sys(268, STR, 88, BUF), -EINVAL);
	ck_assert_int_eq(sys(99, STR, BUF) == 0 || sys(99, STR, BUF) == -EOVERFLOW, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lx_net");
	TCase *n = tcase_create("net");
	tcase_add_checked_fixture(n, lx_setup_files, lx_teardown_files);
	tcase_add_test(n, socketpair_sendmsg_recvmsg);
	tcase_add_test(n, sockopt_and_names);
	tcase_add_test(n, select_and_poll);
	tcase_add_test(n, ioctl_terminal_and_fionread);
	tcase_add_test(n, misc_calls);
	suite_add_tcase(s, n);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
