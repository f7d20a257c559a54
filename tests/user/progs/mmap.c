#define _GNU_SOURCE
/* mmap.c — the address-space calls: anonymous and file mappings, mprotect,
 * munmap, mremap, brk, and faults on the pages they change. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"

static sigjmp_buf jb;
static void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static int faults(volatile char *p, int write)
{
	if (sigsetjmp(jb, 1))
		return 1;
	if (write)
		*p = 1;
	else
		(void)*p;
	return 0;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && (uintptr_t)p % 4096 == 0, "anonymous mmap (%p)", p);
	CHECK(p[0] == 0 && p[3 * 4096 - 1] == 0, "zero filled");
	memset(p, 'x', 3 * 4096);
	CHECK(mprotect(p + 4096, 4096, PROT_READ) == 0, "mprotect read-only");
	CHECK(!faults(p + 4096, 0), "reading a read-only page works");
	CHECK(faults(p + 4096, 1) && fault_addr == p + 4096, "writing it faults at %p", fault_addr);
	CHECK(munmap(p + 2 * 4096, 4096) == 0, "munmap the last page");
	CHECK(faults(p + 2 * 4096, 0), "reading an unmapped page faults");
	char *q = mremap(p, 4096, 8 * 4096, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[0] == 'x', "mremap keeps contents");

	char path[] = "/tmp/ringvm-mmap-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, "hello file mapping", 18) == 18, "temp file");
	char *f = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED && !memcmp(f, "hello file mapping", 18), "file mapping reads it");
	char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(w, "HELLO", 5);
	CHECK(!memcmp(f, "HELLO file", 10), "two shared mappings see each other");
	char buf[8] = "";
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "HELLO", 5), "and the file sees it");
	unlink(path);

	char *b0 = sbrk(0);
	CHECK(sbrk(65536) == b0, "sbrk grows");
	memset(b0, 7, 65536);
	CHECK(b0[65535] == 7 && brk(b0) == 0, "brk shrinks");
	CHECK((uintptr_t)main < 0xc0000000u, "code is below 3 GiB");
	return tap_done();
}
