/* indirect.c — indirect-branch heavy: a bytecode interpreter dispatching
 * through a table of function pointers. */
#include <stdio.h>
#include <stdlib.h>

typedef unsigned (*op_fn)(unsigned acc, unsigned arg);

static unsigned op_add(unsigned a, unsigned b) { return a + b; }
static unsigned op_xor(unsigned a, unsigned b) { return a ^ (b * 2654435761u); }
static unsigned op_rot(unsigned a, unsigned b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
static unsigned op_mul(unsigned a, unsigned b) { return a * (b | 1); }
static unsigned op_sub(unsigned a, unsigned b) { return a - b; }
static unsigned op_shr(unsigned a, unsigned b) { return a >> (b & 7); }
static unsigned op_or(unsigned a, unsigned b) { return a | (b << 3); }
static unsigned op_neg(unsigned a, unsigned b) { return ~a + b; }

static op_fn const ops[8] = {op_add, op_xor, op_rot, op_mul, op_sub, op_shr, op_or, op_neg};

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 20000000;
	unsigned char prog[256];
	unsigned seed = 12345, acc = 1;
	for (int i = 0; i < 256; i++) {
		seed = seed * 1103515245u + 12345u;
		prog[i] = (unsigned char)(seed >> 16);
	}
	for (unsigned i = 0; i < rounds; i++) {
		unsigned char c = prog[i & 255];
		acc = ops[c & 7](acc, c ^ i);
	}
	printf("acc = %u\n", acc);
	return 0;
}
