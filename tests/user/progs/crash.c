/* crash.c — an i386 program that ends the way argv[1] says, for
 * tests/user/badinput.sh, which compares how it ends under ringvm with a
 * native i386 run and qemu-i386:
 *   exit3        exit status 3
 *   jump-unmapped  call an unmapped address          SIGSEGV
 *   jump-nx      call into a non-executable page     SIGSEGV
 *   ud2          0f 0b                               SIGILL
 *   ud0          0f ff (and a ModRM byte)            SIGILL
 *   lock-nop     f0 90 (LOCK on a non-memory op)     SIGILL
 *   null-write   *(int *)0 = 1                       SIGSEGV
 *   div0         integer division by zero            SIGFPE
 *   abort        abort()                             SIGABRT
 *   hlt          hlt at CPL 3                        SIGSEGV
 *   int3         int3                                SIGTRAP
 * Anything else: exit status 100. */
#include <stdlib.h>
#include <string.h>

static unsigned char data_page[4096] __attribute__((aligned(4096))) = {0xc3};

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	volatile int zero = 0, one = 1;

	if (!strcmp(m, "exit3"))
		return 3;
	if (!strcmp(m, "jump-unmapped"))
		((void (*)(void))0x1000)();
	if (!strcmp(m, "jump-nx"))
		((void (*)(void))(void *)data_page)();
	if (!strcmp(m, "ud2"))
		__asm__ volatile("ud2");
	if (!strcmp(m, "ud0"))
		__asm__ volatile(".byte 0x0f, 0xff, 0xc0");
	if (!strcmp(m, "lock-nop"))
		__asm__ volatile(".byte 0xf0, 0x90");
	if (!strcmp(m, "null-write"))
		*(volatile int *)(void *)(long)zero = 1;
	if (!strcmp(m, "div0"))
		one = one / zero;
	if (!strcmp(m, "abort"))
		abort();
	if (!strcmp(m, "hlt"))
		__asm__ volatile("hlt");
	if (!strcmp(m, "int3"))
		__asm__ volatile("int3");
	return 100;
}
