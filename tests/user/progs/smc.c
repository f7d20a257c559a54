/* smc.c — self-modifying code: a small JIT rewriting code it has already
 * run, and code patching the immediate of an instruction it runs next. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "tap.h"

typedef int (*fn)(int);

/* mov eax, [esp+4]; add eax, imm32; ret */
static void emit_add(uint8_t *p, int32_t k)
{
	static const uint8_t code[] = {0x8b, 0x44, 0x24, 0x04, 0x05, 0, 0, 0, 0, 0xc3};
	memcpy(p, code, sizeof(code));
	memcpy(p + 5, &k, 4);
}

static int patched(void)
{
	int r;
	/* the movl writes the immediate of the mov that follows it */
	__asm__ volatile("movl $1234, 1f+1\n\t"
			 "1: movl $0, %0\n\t"
			 : "=r"(r)::"memory");
	return r;
}

int main(void)
{
	uint8_t *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(jit != MAP_FAILED, "RWX page");
	int sum = 0;
	for (int k = 1; k <= 50; k++) {
		emit_add(jit, k);
		sum += ((fn)jit)(1000);
	}
	CHECK(sum == 50 * 1000 + 50 * 51 / 2, "50 rewrites of the same code run the new code (%d)",
	      sum);
	/* two functions on one page; rewrite only the second */
	emit_add(jit + 64, 5);
	CHECK(((fn)jit)(1) == 51 && ((fn)(jit + 64))(1) == 6, "neighbours on one page");
	emit_add(jit + 64, 9);
	CHECK(((fn)jit)(1) == 51 && ((fn)(jit + 64))(1) == 10, "rewrite one, the other stays");

	uintptr_t page = (uintptr_t)patched & ~(uintptr_t)4095;
	CHECK(mprotect((void *)page, 8192, PROT_READ | PROT_WRITE | PROT_EXEC) == 0,
	      "make our own text writable");
	CHECK(patched() == 1234, "a store patches the next instruction");
	/* self-checksumming code: reads of code see the original bytes */
	const uint8_t *self = (const uint8_t *)emit_add;
	CHECK(self[0] != 0, "code pages are readable");
	return tap_done();
}
