/*
 * qemu.h — differential test, oracle (b): qemu-i386 (and, where the host
 * can, the CPU itself in 32-bit mode) runs the same instruction sequences
 * as `ringvm user`, as whole i386 programs written here byte by byte.
 *
 * Owns: the layout of those programs (qemu_prog.c), the cases they carry
 * (qemu_gen.c: case assembly; qemu_rand.c: single instructions from
 * gen_case, random sequences with register and memory operands;
 * qemu_tmpl.c, qemu_tmpl32.c: hand-written 32-bit templates), the
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

/* qemu_gen.c (with qemu_rand.c, qemu_tmpl.c, qemu_tmpl32.c) */
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

/* ---- shared by the case generator's files (qemu_gen.c, qemu_rand.c,
 * qemu_tmpl.c, qemu_tmpl32.c), which define QG_INTERNAL first ---------- */
#ifdef QG_INTERNAL
#include <Zydis/Zydis.h>

#define CF    0x001u
#define PF    0x004u
#define AF    0x010u
#define ZF    0x040u
#define SF    0x080u
#define DF    0x400u
#define OF    0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
#define R(x) (1u << (x))

/* Flags the SDM leaves undefined at a point of the code (qemu_gen.c). */
struct taint {
	uint32_t fl;  /* EFLAGS bits */
	uint16_t fsw; /* x87 condition codes */
	/* Status bits that are defined but that qemu-i386 does not compute
	 * (qemu-deviations.txt: C1, DE of FSW, DE of MXCSR): set once an x87
	 * or SSE instruction ran; what stores FSW or MXCSR is then not
	 * generated, so that those bits stay in the status words, which
	 * qemu_diff compares field by field. */
	bool qfsw, qmx;
};

/* A case's code as it is built: every instruction is put at the end of
 * c->code and, in the order it runs, through the taint analysis. */
struct asmb {
	struct qcase *c;
	struct rng *r;
	struct taint t;
	bool bad; /* overflow, or an undefined flag read: the case is regenerated */
};

bool qg_decode(const uint8_t *p, unsigned len, ZydisDecodedInstruction *in,
	       ZydisDecodedOperand *ops);
/* Appends N bytes B (not run yet): their offset.  Overflow sets a->bad. */
unsigned qg_put(struct asmb *a, const uint8_t *b, unsigned n);
/* The instruction at OFF runs now (in the order of execution). */
void qg_run_at(struct asmb *a, unsigned off);
/* Appends the instruction B, which runs now: its offset. */
unsigned qg_ins(struct asmb *a, const uint8_t *b, unsigned n);
/* the same with 0x66 first if O16 */
unsigned qg_ins_p(struct asmb *a, bool o16, const uint8_t *b, unsigned n);
/* Every instruction in [FROM, TO) of the code runs now. */
void qg_run_range(struct asmb *a, unsigned from, unsigned to);
/* Could the instruction B run now without reading an undefined flag? */
bool qg_would_taint_ok(const struct asmb *a, const uint8_t *b, unsigned n);
void qg_put32(uint8_t *p, uint32_t v);

#define INSP(a, o16, ...)                                                                          \
	qg_ins_p(a, o16, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define INS(a, ...)                                                                                \
	qg_ins(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define PUT(a, ...)                                                                                \
	qg_put(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* qemu_rand.c: N random instructions of forms.c for a template, memory
 * through ebx, writing none of AVOID, ebx, esp, ebp; the kinds single
 * (one instruction from gen_case) and seq. */
void qg_filler(struct asmb *a, unsigned n, uint32_t avoid);
void qg_k_single(uint64_t index, struct asmb *a);
void qg_k_seq(struct asmb *a);

/* qemu_tmpl.c: esp, ebp and ebx into the data region; a random one of
 * eax ecx edx esi edi; a random disp8 of -32..31; a constant selector into
 * register R (after a selector was read into it); the kinds stack, loop,
 * call, jcc. */
void qg_stack_regs(struct asmb *a);
uint8_t qg_free_reg(struct rng *r);
uint8_t qg_d8(struct rng *r);
void qg_neutral_reg(struct asmb *a, uint8_t r, bool o16);
void qg_k_stack(struct asmb *a);
void qg_k_loop(struct asmb *a);
void qg_k_call(struct asmb *a);
void qg_k_jcc(struct asmb *a);

/* qemu_tmpl32.c: the kinds bcd, string, misc. */
void qg_k_bcd(struct asmb *a);
void qg_k_string(struct asmb *a);
void qg_k_misc(struct asmb *a);
#endif /* QG_INTERNAL */

/* ---- shared by the test's files (qemu_diff.c, qemu_run.c, qemu_cmp.c,
 * qemu_report.c), which define QD_INTERNAL first ----------------------- */
#ifdef QD_INTERNAL
enum { RV, QE, NA, NRUN }; /* ringvm, qemu-i386, native */
extern const char *const qd_run_name[NRUN];

/* Fields of a record (qemu_cmp.c): bits of a difference. */
enum {
	D_SIGNAL = 1u << 0,
	D_REGS = 1u << 1,
	D_FLAGS = 1u << 2,
	D_FCW = 1u << 3,
	D_FSW = 1u << 4,
	D_FTW = 1u << 5,
	D_MXCSR = 1u << 6,
	D_ST = 1u << 7,
	D_XMM = 1u << 8,
	D_MEM = 1u << 9,
	D_MISSING = 1u << 10, /* no record: the program died */
	D_STEXP = 1u << 11,   /* only bits 79:64 of x87 registers */
	D_TRAP = 1u << 12,    /* sigcontext trapno, err */
	D_C1 = 1u << 13,      /* C1 of the x87 status word */
	D_DE = 1u << 14,      /* DE (denormal operand) of the x87 status word */
	D_MXDE = 1u << 15,    /* DE of MXCSR */
	D_SICODE = 1u << 16,  /* only the si_code of a fault */
	D_CRASH = 1u << 17,   /* ringvm has a record, the other runner died there */
};
#define NFIELD 18u
extern const char *const qd_field_name[NFIELD];

/* What a runner left (qemu_run.c). */
struct out {
	uint8_t *buf; /* the runner's whole stdout */
	size_t len;
	int status;    /* wait status */
	char err[512]; /* start of its stderr */
	const struct qrec *rec[QD_MAXCASES];
	const uint8_t *mem[QD_MAXCASES];
};

enum { L_QEMU, L_RINGVM };

/* One line of a list: TOKENS FIELDS REASON.  TOKENS (comma separated): Zydis
 * mnemonics, tags (@mmx: an MMX register operand, @x87: an x87
 * instruction, @fault: a side took a signal), =HEX (an instruction whose
 * bytes start so), or * (any case).  FIELDS: the record fields it excuses;
 * "signal" excuses the whole case. */
struct dev {
	char tok[512]; /* " a b @x " */
	uint8_t pfx[8][8];
	unsigned npfx, pfxlen[8];
	bool any;
	unsigned fields; /* D_* */
	char reason[400];
	const char *file;
	unsigned line, used, list;
};
extern struct dev qd_devs[256];
extern unsigned qd_ndevs, qd_nlist[2];
extern char qd_here[1100]; /* "cd DIR && " (qemu_report.c) */

/* qemu_run.c */
/* Runs the program PATH under the runners in USE; fills OUT. */
void qd_run_all(const char *path, const char *dir, const char *qemu, const char *ringvm,
		const bool *use, struct out *out, unsigned n);
/* The records of the N cases in O's stdout. */
void qd_parse(struct out *o, unsigned n);
void qd_describe_status(int st, char *b, size_t n);
/* Can this host run i386 programs itself?  NULL, or why not. */
const char *qd_native_probe(const char *dir, const char *qemu, const char *ringvm);

/* qemu_cmp.c */
/* The masks for comparing A and B of case C. */
void qd_masks(const struct qcase *c, const struct qrec *a, const struct qrec *b, uint32_t *fm,
	      uint16_t *sm);
/* The fields (D_*) in which A (memory MA) and B (memory MB) differ. */
unsigned qd_compare(const struct qcase *c, const struct qrec *a, const uint8_t *ma,
		    const struct qrec *b, const uint8_t *mb);
/* Loads the entries of FILE into list LIST (L_*); exits on an error. */
void qd_load_devs(const char *file, unsigned list);
/* Tags of the case's initial state and outcome, for the lists. */
void qd_run_tags(const struct qcase *c, const struct qrec *rv, const struct qrec *other, char *b,
		 size_t n);
/* The differences D of case C that the entries of LIST leave unexplained;
 * HIT[i] is set for the entries that apply. */
unsigned qd_explain(const struct qcase *c, unsigned d, const char *tags, unsigned list, bool *hit);
void qd_count_hits(const bool *hit);

/* qemu_report.c */
void qd_print_code(const struct qcase *c);
void qd_print_state(const char *tag, const uint32_t *r, uint32_t flags, const uint8_t *x);
void qd_print_rec(const char *tag, const struct qrec *r);
/* The full report of a mismatch of ringvm with runner OTHER in fields D. */
void qd_report(uint64_t seed, const struct qcase *c, unsigned pos, const struct out *o,
	       const bool *use, int other, unsigned d, const char *prog);
/* One line for a mismatch beyond the detailed ones. */
void qd_brief_line(const struct qcase *c, unsigned pos, const struct out *o, const bool *use,
		   int other, unsigned d, const char *what);
#endif /* QD_INTERNAL */

#endif
