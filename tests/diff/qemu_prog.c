/*
 * qemu_prog.c — the i386 programs of the qemu-i386 differential test (see
 * qemu.h), written byte by byte: ELF header and four PT_LOAD segments, the
 * runtime (sigaltstack, rt_sigaction for SIGILL SIGTRAP SIGBUS SIGFPE
 * SIGSEGV, the handler, the dump of one record per case, exit), and per
 * case a prologue that loads the initial state (data region copied from its
 * image, fxrstor, flags through popfd, the general registers, esp last),
 * the test bytes and a jmp to the dump.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/diff/qemu.h"

struct buf {
	uint8_t *p;
	uint32_t va; /* address of p[0] */
	unsigned n, cap;
};

static void b1(struct buf *b, unsigned v)
{
	if (b->n < b->cap)
		b->p[b->n] = (uint8_t)v;
	b->n++;
}

static void b4(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b1(b, v >> (8 * i) & 0xff);
}

static uint32_t here(const struct buf *b)
{
	return b->va + b->n;
}

/* mov r32, imm32 */
static void mov_ri(struct buf *b, int r, uint32_t v)
{
	b1(b, 0xb8u + (unsigned)r);
	b4(b, v);
}

/* mov [abs], r32 */
static void mov_mr(struct buf *b, uint32_t a, int r)
{
	b1(b, 0x89), b1(b, (unsigned)r << 3 | 5), b4(b, a);
}

/* mov r32, [abs] */
static void mov_rm(struct buf *b, int r, uint32_t a)
{
	b1(b, 0x8b), b1(b, (unsigned)r << 3 | 5), b4(b, a);
}

/* mov dword [abs], imm32 */
static void mov_mi(struct buf *b, uint32_t a, uint32_t v)
{
	b1(b, 0xc7), b1(b, 0x05), b4(b, a), b4(b, v);
}

/* mov r32, [esp + d8] */
static void mov_r_esp(struct buf *b, int r, uint8_t d)
{
	b1(b, 0x8b), b1(b, 0x40u | (unsigned)r << 3 | 4), b1(b, 0x24), b1(b, d);
}

/* mov r32, [rb + d8] (rb != esp) */
static void mov_r_rd(struct buf *b, int r, int rb, uint8_t d)
{
	b1(b, 0x8b), b1(b, 0x40u | (unsigned)r << 3 | (unsigned)rb), b1(b, d);
}

static void int80(struct buf *b)
{
	b1(b, 0xcd), b1(b, 0x80);
}

/* exit(CODE) */
static void sys_exit(struct buf *b, uint32_t code)
{
	mov_ri(b, DX_EAX, 1);
	mov_ri(b, DX_EBX, code);
	int80(b);
}

/* write(1, A, N); exit(98) if not all written */
static void sys_write(struct buf *b, uint32_t a, uint32_t n)
{
	mov_ri(b, DX_EAX, 4);
	mov_ri(b, DX_EBX, 1);
	mov_ri(b, DX_ECX, a);
	mov_ri(b, DX_EDX, n);
	int80(b);
	b1(b, 0x3d), b4(b, n);	/* cmp eax, n */
	b1(b, 0x74), b1(b, 12); /* je +12: over the exit */
	sys_exit(b, 98);
}

#define RECF(f) (QD_REC + (uint32_t)offsetof(struct qrec, f))

struct runtime {
	uint32_t start, handler, restorer, dump;
};

static void runtime(struct buf *b, struct runtime *rt)
{
	static const uint8_t sigs[] = {4, 5, 7, 8, 11}; /* ILL TRAP BUS FPE SEGV */

	/* handler(sig, info, uc): note the fault, resume at the dump without
	 * TF (single step) and AC */
	rt->handler = here(b);
	b1(b, 0x83), b1(b, 0x3d), b4(b, RECF(sig)), b1(b, 0); /* cmp dword [sig], 0 */
	b1(b, 0x74), b1(b, 12);				      /* je +12 */
	sys_exit(b, 97); /* a second fault in the same case: give up */
	b1(b, 0x90), b1(b, 0x90);
	mov_r_esp(b, DX_EAX, 4);
	mov_mr(b, RECF(sig), DX_EAX);
	mov_r_esp(b, DX_ECX, 8); /* siginfo */
	mov_r_rd(b, DX_EAX, DX_ECX, 8);
	mov_mr(b, RECF(code), DX_EAX);
	mov_r_rd(b, DX_EAX, DX_ECX, 12);
	mov_mr(b, RECF(addr), DX_EAX);
	mov_r_esp(b, DX_ECX, 12); /* ucontext; mcontext at +20 */
	mov_r_rd(b, DX_EAX, DX_ECX, 20 + 56);
	mov_mr(b, RECF(eip), DX_EAX);
	mov_r_rd(b, DX_EAX, DX_ECX, 20 + 48);
	mov_mr(b, RECF(trapno), DX_EAX);
	mov_r_rd(b, DX_EAX, DX_ECX, 20 + 52);
	mov_mr(b, RECF(err), DX_EAX);
	b1(b, 0x81), b1(b, 0x61), b1(b, 20 + 64), b4(b, ~0x00040100u); /* eflags &= ~(TF|AC) */
	unsigned patch = b->n + 3; /* mov dword [ecx+76], dump */
	b1(b, 0xc7), b1(b, 0x41), b1(b, 20 + 56), b4(b, 0);
	b1(b, 0xc3);

	rt->restorer = here(b);
	mov_ri(b, DX_EAX, 173); /* rt_sigreturn */
	int80(b);

	/* the dump: registers, flags, FXSAVE image, data region; next case */
	rt->dump = here(b);
	if (patch + 4 <= b->cap)
		memcpy(b->p + patch, &rt->dump, 4);
	for (int r = 0; r < 8; r++)
		mov_mr(b, RECF(r) + 4u * (unsigned)r, r);
	mov_ri(b, DX_ESP, QD_DSTACK);
	b1(b, 0x9c);						/* pushfd */
	b1(b, 0x8f), b1(b, 0x05), b4(b, RECF(flags));		/* pop dword [flags] */
	b1(b, 0x0f), b1(b, 0xae), b1(b, 0x05), b4(b, RECF(fx)); /* fxsave */
	mov_rm(b, DX_EAX, QD_CUR);
	mov_mr(b, RECF(index), DX_EAX);
	mov_mi(b, RECF(magic), QD_MAGIC);
	sys_write(b, QD_REC, QD_RECLEN);
	sys_write(b, DX_DATA, DX_DATA_SIZE);
	static const size_t clear[] = {offsetof(struct qrec, sig),    offsetof(struct qrec, code),
				       offsetof(struct qrec, addr),   offsetof(struct qrec, eip),
				       offsetof(struct qrec, trapno), offsetof(struct qrec, err)};
	for (size_t i = 0; i < sizeof(clear) / sizeof(clear[0]); i++)
		mov_mi(b, QD_REC + (uint32_t)clear[i], 0);
	mov_rm(b, DX_EAX, QD_CUR);
	b1(b, 0x40); /* inc eax */
	mov_mr(b, QD_CUR, DX_EAX);
	b1(b, 0x3b), b1(b, 0x05), b4(b, QD_NCASES); /* cmp eax, [ncases] */
	b1(b, 0x72), b1(b, 12);			    /* jb +12 */
	sys_exit(b, 0);
	b1(b, 0x90), b1(b, 0x90);
	b1(b, 0xff), b1(b, 0x24), b1(b, 0x85), b4(b, QD_TABLE); /* jmp [table + eax*4] */

	/* start-up */
	rt->start = here(b);
	mov_ri(b, DX_EAX, 186); /* sigaltstack(&ss, 0) */
	mov_ri(b, DX_EBX, QD_SSTACK);
	mov_ri(b, DX_ECX, 0);
	int80(b);
	for (size_t i = 0; i < sizeof(sigs); i++) {
		mov_ri(b, DX_EAX, 174); /* rt_sigaction(sig, &act, 0, 8) */
		mov_ri(b, DX_EBX, sigs[i]);
		mov_ri(b, DX_ECX, QD_SIGACT);
		mov_ri(b, DX_EDX, 0);
		mov_ri(b, DX_ESI, 8);
		int80(b);
	}
	mov_rm(b, DX_EAX, QD_CUR);
	b1(b, 0xff), b1(b, 0x24), b1(b, 0x85), b4(b, QD_TABLE); /* jmp [table + eax*4] */
}

static void prologue(struct buf *b, unsigned i, const struct qcase *c)
{
	unsigned n0 = b->n;
	uint32_t img = QD_IMG + i * QD_IMG_STRIDE;

	mov_mi(b, QD_CUR, i);
	b1(b, 0xfc); /* cld */
	mov_ri(b, DX_ESI, img + 512);
	mov_ri(b, DX_EDI, DX_DATA);
	mov_ri(b, DX_ECX, DX_DATA_SIZE / 4);
	b1(b, 0xf3), b1(b, 0xa5);			   /* rep movsd */
	b1(b, 0x0f), b1(b, 0xae), b1(b, 0x0d), b4(b, img); /* fxrstor [img] */
	mov_ri(b, DX_ESP, QD_DSTACK);
	b1(b, 0x68), b4(b, 0x202 | (c->in.flags & DX_FLAGS)); /* push imm32 */
	b1(b, 0x9d);					      /* popfd */
	for (int r = 0; r < 8; r++)
		if (r != DX_ESP)
			mov_ri(b, r, c->in.r[r]);
	mov_ri(b, DX_ESP, c->in.r[DX_ESP]);
	if (b->n - n0 != QD_PROLOGUE)
		abort();
}

static Elf32_Phdr load(uint32_t off, uint32_t va, uint32_t sz, uint32_t flags)
{
	return (Elf32_Phdr){.p_type = PT_LOAD,
			    .p_offset = off,
			    .p_vaddr = va,
			    .p_paddr = va,
			    .p_filesz = sz,
			    .p_memsz = sz,
			    .p_flags = flags,
			    .p_align = 0x1000};
}

static uint32_t page_up(uint32_t v)
{
	return (v + 0xfffu) & ~0xfffu;
}

int qp_write(const char *path, const struct qcase *c, unsigned n, unsigned first)
{
	if (n > QD_MAXCASES || first >= n) {
		errno = E2BIG;
		return -1;
	}
	/* text */
	uint32_t tsize = QD_CASES - QD_TEXT;
	for (unsigned i = 0; i < n; i++) {
		if (c[i].addr != QD_TEXT + tsize + QD_PROLOGUE) {
			errno = EINVAL;
			return -1;
		}
		tsize += QD_PROLOGUE + c[i].len + 5;
	}
	tsize = page_up(tsize);
	uint32_t rwsize = page_up(QD_IMG - QD_RW + n * QD_IMG_STRIDE);
	uint32_t off_rw = tsize, off_data = off_rw + rwsize, off_ro = off_data + DX_DATA_SIZE;
	size_t total = off_ro + 0x1000;
	if (tsize > QD_TEXT_MAX) {
		errno = E2BIG;
		return -1;
	}
	uint8_t *f = calloc(1, total);
	if (!f)
		return -1;

	struct buf tb = {f + (QD_RUNTIME - QD_TEXT), QD_RUNTIME, 0, QD_CASES - QD_RUNTIME};
	struct runtime rt;
	runtime(&tb, &rt);
	if (tb.n > tb.cap)
		abort();
	struct buf cb = {f + (QD_CASES - QD_TEXT), QD_CASES, 0, tsize - (QD_CASES - QD_TEXT)};
	uint8_t *rw = f + off_rw;
	for (unsigned i = 0; i < n; i++) {
		uint32_t entry = here(&cb);
		memcpy(rw + (QD_TABLE - QD_RW) + 4 * i, &entry, 4);
		prologue(&cb, i, &c[i]);
		for (unsigned k = 0; k < c[i].len; k++)
			b1(&cb, c[i].code[k]);
		b1(&cb, 0xe9), b4(&cb, rt.dump - (here(&cb) + 4)); /* jmp dump */
		uint8_t *img = rw + (QD_IMG - QD_RW) + i * QD_IMG_STRIDE;
		memcpy(img, c[i].in.fx, 512);
		memset(img + 6, 0, 18); /* FOP, FIP, FCS, FDP, FDS: zero */
		memset(img + 28, 0, 4); /* MXCSR_MASK */
		memcpy(img + 512, c[i].mem, DX_DATA_SIZE);
	}
	uint32_t v = n;
	memcpy(rw + (QD_NCASES - QD_RW), &v, 4);
	v = first;
	memcpy(rw + (QD_CUR - QD_RW), &v, 4);
	/* struct sigaction (rt): handler, flags, restorer, mask */
	uint32_t act[5] = {rt.handler,
			   0x04000000u | 0x08000000u | 4u /* RESTORER ONSTACK SIGINFO */,
			   rt.restorer, 0, 0};
	memcpy(rw + (QD_SIGACT - QD_RW), act, sizeof(act));
	uint32_t ss[3] = {QD_ALTSTACK, 0, QD_ALTSIZE}; /* ss_sp, ss_flags, ss_size */
	memcpy(rw + (QD_SSTACK - QD_RW), ss, sizeof(ss));

	Elf32_Ehdr eh = {.e_type = ET_EXEC,
			 .e_machine = EM_386,
			 .e_version = EV_CURRENT,
			 .e_entry = rt.start,
			 .e_phoff = sizeof(Elf32_Ehdr),
			 .e_ehsize = sizeof(Elf32_Ehdr),
			 .e_phentsize = sizeof(Elf32_Phdr),
			 .e_phnum = 5};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	Elf32_Phdr ph[5] = {
	    load(0, QD_TEXT, tsize, PF_R | PF_X),
	    load(off_rw, QD_RW, rwsize, PF_R | PF_W),
	    load(off_data, DX_DATA, DX_DATA_SIZE, PF_R | PF_W),
	    load(off_ro, DX_RO, 0x1000, PF_R),
	    {.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W},
	};
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0) {
		free(f);
		return -1;
	}
	size_t done = 0;
	while (done < total) {
		ssize_t w = write(fd, f + done, total - done);
		if (w <= 0) {
			int e = errno;
			close(fd);
			free(f);
			errno = w < 0 ? e : EIO;
			return -1;
		}
		done += (size_t)w;
	}
	free(f);
	return close(fd);
}
