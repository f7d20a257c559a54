/*
 * qemu.h — differential test, oracle (b): qemu-i386 (and, where the host
 * can, the CPU itself in 32-bit mode) runs the same instruction sequences
 * as `ringvm user`, as whole i386 programs written here byte by byte.
 *
 * Owns: the layout of those programs (qemu_prog.c), the cases they carry
 * (qemu_gen.c: single instructions from gen_case, random sequences with
 * register and memory operands, hand-written 32-bit-only templates), the
 * record each case leaves on stdout, and the flag taint analysis that says
 * which flags the SDM leaves undefined at the end of a sequence.
 *
 * Program layout (all fixed addresses, the same under every runner):
 *   QD_TEXT   headers, the runtime (start-up, signal handler, dump), then
 *             the cases: prologue (load the initial state) + test bytes +
 *             jmp to the dump, read/execute only;
 *   QD_RW     the record being written, the case index, the case table,
 *             the dump stack, the alternate signal stack, and the initial
 *             state images (FXSAVE image + data region) of every case;
 *   DX_DATA   the data region (DX_DATA_SIZE bytes, read-write), the page
 *             below it unmapped and the page above (DX_RO) read-only, as in
 *             diff_host.
 * A case that faults is caught by a SA_SIGINFO handler on the alternate
 * stack, which notes the signal, si_code, si_addr, eip, trapno and err and
 * returns to the dump code with the state at the fault.
 */
#ifndef RINGVM_TESTS_DIFF_QEMU_H
#define RINGVM_TESTS_DIFF_QEMU_H

#include "tests/diff/gen.h"

#define QD_TEXT	      0x08048000u
#define QD_TEXT_MAX   0x00100000u /* bytes of text */
#define QD_RUNTIME    (QD_TEXT + 0x100)
#define QD_CASES      (QD_TEXT + 0x400)
#define QD_RW	      0x10000000u
#define QD_REC	      QD_RW	       /* struct qrec */
#define QD_CUR	      (QD_RW + 0x1000) /* index of the running case */
#define QD_NCASES     (QD_RW + 0x1004) /* number of cases */
#define QD_SIGACT     (QD_RW + 0x1010) /* struct sigaction for rt_sigaction */
#define QD_SSTACK     (QD_RW + 0x1030) /* stack_t for sigaltstack */
#define QD_TABLE      (QD_RW + 0x1100) /* case entry addresses */
#define QD_MAXCASES   0x300u	       /* table entries */
#define QD_DSTACK     (QD_RW + 0x3000) /* top of the dump stack */
#define QD_ALTSTACK   (QD_RW + 0x4000) /* alternate signal stack, 32 KiB */
#define QD_ALTSIZE    0x8000u
#define QD_IMG	      (QD_RW + 0x10000)	    /* initial state images */
#define QD_IMG_STRIDE (512u + DX_DATA_SIZE) /* FXSAVE image, then data */
#define QD_MAGIC      0x43455251u	    /* "QREC" */
#define QD_MAXCODE    768u		    /* test bytes of one case */
#define QD_MAXTRACE   256u		    /* executed instructions tracked */

/* What the guest writes for every case: this, then the data region. */
struct qrec {
	uint32_t magic, index;
	uint32_t sig, code, addr, eip, trapno, err; /* sig 0: no fault */
	uint32_t r[8];				    /* eax ecx edx ebx esp ebp esi edi */
	uint32_t flags, pad[3];
	uint8_t fx[512];
};
#define QD_RECLEN ((unsigned)sizeof(struct qrec))
_Static_assert(sizeof(struct qrec) == 592, "record layout");

/* One case. */
struct qcase {
	uint64_t index;
	char kind[40]; /* "single add 01", "seq", "stack", "bcd", ... */
	uint32_t addr; /* guest address of code[0] */
	uint8_t code[QD_MAXCODE];
	unsigned len;
	struct dstate in;
	uint8_t mem[DX_DATA_SIZE];
	uint32_t flag_mask; /* flags compared at the end */
	uint16_t fsw_mask;  /* FSW bits not compared at the end */
	/* Executed instructions in order (offsets into code[]) and the flags
	 * undefined before each: the masks for a fault at that instruction. */
	unsigned ntrace;
	uint16_t toff[QD_MAXTRACE];
	uint32_t tflags[QD_MAXTRACE]; /* undefined EFLAGS bits before */
	uint16_t tfsw[QD_MAXTRACE];   /* undefined FSW bits before */
};

/* qemu_gen.c */
void qg_init(void);
/* Case INDEX of SEED with its code at ADDR.  The kind follows INDEX % 10:
 * 0..3 one instruction (gen_case, the forms in turn), 4..6 a random
 * sequence, 7..9 a template. */
void qg_case(uint64_t seed, uint64_t index, uint32_t addr, struct qcase *c);
/* Case INDEX of SEED's initial state (esp, ebp, ebx in the data region)
 * with the given code: replaying a reduced case. */
void qg_bytes(uint64_t seed, uint64_t index, uint32_t addr, const uint8_t *code, unsigned len,
	      struct qcase *c);
/* Masks for a case that stopped at guest EIP by a fault: *FLAG_MASK the
 * EFLAGS bits to compare, *FSW_MASK the FSW bits not to compare. */
void qg_fault_masks(const struct qcase *c, uint32_t eip, uint32_t *flag_mask, uint16_t *fsw_mask);
/* Zydis mnemonics (lower case) of the case's instructions, space separated,
 * each once, and tags of the code: @x87, @mmx, @mmx>x87 (an x87
 * instruction runs after an MMX one), @lock, @lock:MNEMONIC, @badlock,
 * @badlock:MNEMONIC (a lock prefix where none is allowed). */
void qg_mnemonics(const struct qcase *c, char *buf, size_t n);

/* Bits of the memory operand of the instruction at guest EIP (0: none,
 * or not an instruction of the case). */
unsigned qg_mem_bits_at(const struct qcase *c, uint32_t eip);
/* Does an instruction of the case start with the N bytes PFX? */
bool qg_has_bytes(const struct qcase *c, const uint8_t *pfx, unsigned n);

/* qemu_prog.c: the length of a case's prologue, and the program itself. */
#define QD_PROLOGUE 86u
/* Writes the i386 program with cases C[0..N) to PATH (mode 0755); it runs
 * them from C[FIRST] on.  0 or -1 (errno). */
int qp_write(const char *path, const struct qcase *c, unsigned n, unsigned first);

#endif
