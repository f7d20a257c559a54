/*
 * elf_load.c — loading an i386 ELF program, its interpreter, its initial
 * stack and the vDSO page into a user-mode guest address space.
 *
 * Owns: validation of ELF headers read from untrusted files (every field is
 * checked before use: the loader must fail with a message, never crash), the
 * placement of PT_LOAD segments (file pages mapped private, bss zeroed and
 * mapped anonymous), the initial stack layout of Linux's create_elf_tables()
 * for i386, and the vDSO page.
 */
#include "monitor/user/elf_load.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#define PMASK (USPACE_PAGE - 1)
#define LIMIT 0xffffe000u /* end of the guest's mappable space (uspace.c) */
/* Linux reads at most one page of program headers. */
#define MAX_PHNUM (USPACE_PAGE / sizeof(Elf32_Phdr))
#define AUX_MAX	  24 /* auxv pairs, with room to spare */

struct elf_file {
	const char *path;
	int fd;
	uint64_t size;
	Elf32_Ehdr eh;
	Elf32_Phdr ph[MAX_PHNUM];
	uint32_t lo, hi; /* page range of the PT_LOAD segments, before bias */
	int interp;	 /* index of PT_INTERP, or -1 */
	int stack_prot;
	char *err;
	size_t errlen;
};

static uint64_t page_up(uint64_t x)
{
	return (x + PMASK) & ~(uint64_t)PMASK;
}

/* "PATH: message" in ERR, on one line whatever bytes the file held. */
static int failv(char *err, size_t errlen, const char *path, int rc, const char *fmt, va_list ap)
{
	if (errlen) {
		int n = snprintf(err, errlen, "%s: ", path);
		if (n >= 0 && (size_t)n < errlen)
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		for (char *c = err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return rc;
}

__attribute__((format(printf, 3, 4))) static int ferr(struct elf_file *f, int rc, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	failv(f->err, f->errlen, f->path, rc, fmt, ap);
	va_end(ap);
	return rc;
}

__attribute__((format(printf, 5, 6))) static int
path_err(char *err, size_t errlen, const char *path, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	failv(err, errlen, path, rc, fmt, ap);
	va_end(ap);
	return rc;
}

static int seg_prot(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

static int check_ehdr(struct elf_file *f, ssize_t n)
{
	const Elf32_Ehdr *eh = &f->eh;

	if (n < SELFMAG + 1 || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return ferr(f, -ENOEXEC, "not an ELF file");
	if (eh->e_ident[EI_CLASS] == ELFCLASS64)
		return ferr(f, -ENOEXEC, "64-bit ELF: ringvm user runs i386 programs");
	if (eh->e_ident[EI_CLASS] != ELFCLASS32)
		return ferr(f, -ENOEXEC, "unknown ELF class %u", eh->e_ident[EI_CLASS]);
	if ((size_t)n < sizeof(*eh))
		return ferr(f, -ENOEXEC, "truncated file (ELF header)");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return ferr(f, -ENOEXEC, "not a little-endian ELF");
	if (eh->e_machine != EM_386)
		return ferr(f, -ENOEXEC, "not an i386 ELF (machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return ferr(f, -ENOEXEC, "not an executable (ELF type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf32_Phdr))
		return ferr(f, -ENOEXEC, "bad program header size %u", eh->e_phentsize);
	if (eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return ferr(f, -ENOEXEC, "bad program header count %u", eh->e_phnum);
	if ((uint64_t)eh->e_phoff + eh->e_phnum * sizeof(Elf32_Phdr) > f->size)
		return ferr(f, -ENOEXEC, "truncated file (program headers)");
	return 0;
}

static int elf_open(struct elf_file *f, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	*f = (struct elf_file){.path = path, .fd = -1, .interp = -1, .err = err, .errlen = errlen};
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return ferr(f, -errno, "%s", strerror(errno));
	if (fstat(f->fd, &sb) < 0)
		return ferr(f, -errno, "%s", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return ferr(f, -EACCES, "not a regular file");
	f->size = (uint64_t)sb.st_size;
	ssize_t n = pread(f->fd, &f->eh, sizeof(f->eh), 0);
	if (n < 0)
		return ferr(f, -errno, "read: %s", strerror(errno));
	int rc = check_ehdr(f, n);
	if (rc)
		return rc;
	size_t phsz = f->eh.e_phnum * sizeof(Elf32_Phdr);
	if (pread(f->fd, f->ph, phsz, f->eh.e_phoff) != (ssize_t)phsz)
		return ferr(f, -ENOEXEC, "truncated file (program headers)");
	return 0;
}

static void elf_close(struct elf_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static int check_load(struct elf_file *f, int i, uint64_t *prev_end)
{
	const Elf32_Phdr *p = &f->ph[i];
	uint64_t end = (uint64_t)p->p_vaddr + p->p_memsz;

	if (p->p_filesz > p->p_memsz)
		return ferr(f, -ENOEXEC, "segment %d: file size above memory size", i);
	if ((uint64_t)p->p_offset + p->p_filesz > f->size)
		return ferr(f, -ENOEXEC, "truncated file (segment %d)", i);
	if (p->p_filesz && ((p->p_vaddr - p->p_offset) & PMASK))
		return ferr(f, -ENOEXEC, "segment %d: address and file offset disagree mod 4096",
			    i);
	if (end > LIMIT)
		return ferr(f, -ENOEXEC, "segment %d: 0x%x+0x%x beyond 4 GiB", i, p->p_vaddr,
			    p->p_memsz);
	if (*prev_end && p->p_vaddr < *prev_end)
		return ferr(f, -ENOEXEC, "segments overlapping (segment %d at 0x%x)", i,
			    p->p_vaddr);
	if (!*prev_end)
		f->lo = p->p_vaddr & ~PMASK;
	f->hi = (uint32_t)page_up(end);
	*prev_end = end;
	return 0;
}

/* Checks the program headers; finds the span, PT_INTERP and PT_GNU_STACK. */
static int scan_segments(struct elf_file *f)
{
	uint64_t prev_end = 0;

	f->stack_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	for (int i = 0; i < f->eh.e_phnum; i++) {
		const Elf32_Phdr *p = &f->ph[i];
		int rc = 0;
		if (p->p_type == PT_LOAD && p->p_memsz)
			rc = check_load(f, i, &prev_end);
		else if (p->p_type == PT_INTERP && f->interp >= 0)
			rc = ferr(f, -ENOEXEC, "more than one PT_INTERP");
		else if (p->p_type == PT_INTERP)
			f->interp = i;
		else if (p->p_type == PT_GNU_STACK)
			f->stack_prot = seg_prot(p->p_flags) | PROT_READ | PROT_WRITE;
		if (rc)
			return rc;
	}
	if (!prev_end)
		return ferr(f, -ENOEXEC, "no loadable segment");
	return 0;
}

/* Zeroes guest [addr, addr+len) inside one page, whatever its protection. */
static int zero_guest(struct uspace *us, uint32_t addr, uint32_t len)
{
	uint32_t page = addr & ~PMASK;
	int prot = uspace_prot(us, addr), rc = 0;

	if (prot < 0)
		return -EFAULT;
	if (!(prot & PROT_WRITE))
		rc = uspace_mprotect(us, page, USPACE_PAGE, PROT_READ | PROT_WRITE);
	void *p = rc ? NULL : uspace_ptr(us, addr, len, PROT_WRITE);
	if (p)
		memset(p, 0, len);
	if (!rc && !(prot & PROT_WRITE))
		rc = uspace_mprotect(us, page, USPACE_PAGE, prot);
	return rc ? rc : p ? 0 : -EFAULT;
}

/* Maps segment I at bias BIAS; SHARED_END is the page end of the previous
 * segment (a segment may begin in the previous one's last page). */
static int map_segment(struct uspace *us, struct elf_file *f, int i, uint32_t bias,
		       uint64_t shared_end)
{
	const Elf32_Phdr *p = &f->ph[i];
	uint32_t va = p->p_vaddr + bias;
	uint64_t start = va & ~PMASK, fend = (uint64_t)va + p->p_filesz;
	uint64_t mend = (uint64_t)va + p->p_memsz, anon = start;
	int prot = seg_prot(p->p_flags), rc = 0;
	int64_t r = 0;

	if (p->p_filesz) {
		r = uspace_mmap(us, (uint32_t)start, (uint32_t)(page_up(fend) - start), prot,
				MAP_PRIVATE | MAP_FIXED, f->fd, p->p_offset & ~PMASK);
		anon = page_up(fend);
		if (r >= 0 && p->p_memsz > p->p_filesz && (fend & PMASK))
			rc = zero_guest(us, (uint32_t)fend, (uint32_t)(anon - fend));
	} else if (start < shared_end) {
		anon = page_up(va);
		rc = zero_guest(us, va, (uint32_t)((mend < anon ? mend : anon) - va));
	}
	if (r >= 0 && !rc && page_up(mend) > anon)
		r = uspace_mmap(us, (uint32_t)anon, (uint32_t)(page_up(mend) - anon), prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r < 0 || rc < 0)
		return ferr(f, r < 0 ? (int)r : rc, "segment %d at 0x%x: %s", i, va,
			    strerror(r < 0 ? (int)-r : -rc));
	return 0;
}

/* Chooses the load bias: 0 for ET_EXEC, else the hint or any free range. */
static int place(struct uspace *us, struct elf_file *f, uint32_t hint, uint32_t *bias)
{
	uint32_t span = f->hi - f->lo;

	*bias = 0;
	if (f->eh.e_type == ET_DYN) {
		int64_t r =
		    uspace_mmap(us, hint, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r < 0)
			return ferr(f, (int)r, "no room for %u bytes", span);
		uspace_munmap(us, (uint32_t)r, span);
		*bias = (uint32_t)r - f->lo;
		return 0;
	}
	for (uint64_t a = f->lo; a < f->hi; a += USPACE_PAGE)
		if (uspace_prot(us, (uint32_t)a) >= 0)
			return ferr(f, -EEXIST, "address range 0x%x-0x%x in use", f->lo, f->hi);
	return 0;
}

static int load_image(struct uspace *us, struct elf_file *f, uint32_t hint, uint32_t *bias)
{
	uint64_t shared_end = 0;
	int rc = place(us, f, hint, bias);

	for (int i = 0; !rc && i < f->eh.e_phnum; i++) {
		const Elf32_Phdr *p = &f->ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		rc = map_segment(us, f, i, *bias, shared_end);
		shared_end = page_up((uint64_t)p->p_vaddr + *bias + p->p_memsz);
	}
	return rc;
}

/* Guest address of the program headers: PT_PHDR, or the PT_LOAD that holds
 * them in the file; 0 if none does. */
static uint32_t phdr_addr(const struct elf_file *f, uint32_t bias)
{
	uint64_t off = f->eh.e_phoff, end = off + f->eh.e_phnum * sizeof(Elf32_Phdr);

	for (int i = 0; i < f->eh.e_phnum; i++)
		if (f->ph[i].p_type == PT_PHDR)
			return f->ph[i].p_vaddr + bias;
	for (int i = 0; i < f->eh.e_phnum; i++) {
		const Elf32_Phdr *p = &f->ph[i];
		if (p->p_type == PT_LOAD && p->p_offset <= off &&
		    end <= (uint64_t)p->p_offset + p->p_filesz)
			return (uint32_t)(off - p->p_offset) + p->p_vaddr + bias;
	}
	return 0;
}

/* Host path of NAME inside SYSROOT with symbolic links resolved inside it
 * too (Debian's /lib/ld-linux.so.2 is a link to /lib/i386-linux-gnu/...). */
static int in_sysroot(const char *sysroot, const char *name, char *out, size_t n)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	char link[48];
	int root = open(sysroot, O_PATH | O_DIRECTORY | O_CLOEXEC), rc = -ENOENT;

	if (root < 0)
		return -errno;
	long fd = syscall(SYS_openat2, root, name[0] == '/' ? name + 1 : name, &how, sizeof(how));
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
		ssize_t l = readlink(link, out, n - 1);
		rc = l < 0 ? -errno : 0;
		if (l >= 0)
			out[l] = 0;
		close((int)fd);
	}
	close(root);
	return rc;
}

static int open_interp(struct elf_file *exe, struct elf_file *in, const char *sysroot, char *path,
		       size_t pathlen)
{
	const Elf32_Phdr *p = &exe->ph[exe->interp];
	char name[PATH_MAX];

	if (p->p_filesz < 2 || p->p_filesz > sizeof(name))
		return ferr(exe, -ENOEXEC, "bad PT_INTERP size %u", p->p_filesz);
	if ((uint64_t)p->p_offset + p->p_filesz > exe->size)
		return ferr(exe, -ENOEXEC, "truncated file (PT_INTERP)");
	if (pread(exe->fd, name, p->p_filesz, p->p_offset) != (ssize_t)p->p_filesz ||
	    name[p->p_filesz - 1] || !name[0])
		return ferr(exe, -ENOEXEC, "bad PT_INTERP");
	int n = snprintf(path, pathlen, "%s%s%s", sysroot ? sysroot : "",
			 sysroot && name[0] != '/' ? "/" : "", name);
	if (sysroot && in_sysroot(sysroot, name, path, pathlen) == 0)
		n = (int)strlen(path);
	if (n < 0 || (size_t)n >= pathlen)
		return ferr(exe, -ENAMETOOLONG, "interpreter path too long");
	int rc = elf_open(in, path, exe->err, exe->errlen);
	if ((rc == -ENOENT || rc == -ENOTDIR) && sysroot)
		return ferr(exe, rc, "interpreter %s not found under %s", name, sysroot);
	if (rc == -ENOENT || rc == -ENOTDIR)
		return ferr(exe, rc, "interpreter %s not found", name);
	return rc ? rc : scan_segments(in);
}

int elf_load(struct uspace *us, const char *path, const char *sysroot, char *err, size_t errlen,
	     struct elf_load_info *out)
{
	struct elf_file *exe = calloc(2, sizeof(*exe)), *in = exe + 1;
	char ipath[PATH_MAX];
	uint32_t bias = 0, ibias = 0;

	*out = (struct elf_load_info){.execfn = path};
	if (errlen)
		err[0] = 0;
	if (!exe)
		return path_err(err, errlen, path, -ENOMEM, "out of memory");
	in->fd = -1;
	int rc = elf_open(exe, path, err, errlen);
	if (!rc)
		rc = scan_segments(exe);
	if (!rc && exe->interp >= 0)
		rc = open_interp(exe, in, sysroot, ipath, sizeof(ipath));
	if (!rc)
		rc = load_image(us, exe, ELF_LOAD_PIE_BASE, &bias);
	if (!rc && in->fd >= 0)
		rc = load_image(us, in, ELF_LOAD_INTERP_BASE, &ibias);
	if (!rc) {
		out->exe_entry = exe->eh.e_entry + bias;
		out->entry = in->fd >= 0 ? in->eh.e_entry + ibias : out->exe_entry;
		out->phdr = phdr_addr(exe, bias);
		out->phnum = exe->eh.e_phnum;
		out->load_base = bias;
		out->interp_base = in->fd >= 0 ? ibias : 0;
		out->brk = exe->hi + bias;
		out->stack_prot = exe->stack_prot;
		uspace_brk_init(us, out->brk);
	}
	elf_close(exe);
	elf_close(in);
	free(exe);
	return rc;
}

struct strs {
	int n;
	uint64_t size; /* bytes with the NULs */
};

static struct strs count_strs(int n, char **v)
{
	struct strs s = {0, 0};
	for (; v && (n < 0 ? v[s.n] != NULL : s.n < n); s.n++)
		s.size += strlen(v[s.n]) + 1;
	return s;
}

/* Copies the N strings of V upward from *P, storing their addresses. */
static int put_strs(struct uspace *us, uint32_t *p, int n, char **v, uint32_t *addrs)
{
	for (int i = 0; i < n; i++) {
		uint32_t len = (uint32_t)strlen(v[i]) + 1;
		if (uspace_write(us, *p, v[i], len) < 0)
			return -EFAULT;
		addrs[i] = *p;
		*p += len;
	}
	return 0;
}

static uint32_t *aux(uint32_t *v, uint32_t type, uint32_t val)
{
	v[0] = type;
	v[1] = val;
	return v + 2;
}

/* The auxiliary vector in the order Linux writes it. */
static uint32_t *put_auxv(uint32_t *v, const struct elf_load_info *info, uint32_t sysinfo,
			  uint32_t random, uint32_t platform, uint32_t execfn)
{
	if (sysinfo)
		v = aux(v, AT_SYSINFO, sysinfo);
	v = aux(v, AT_HWCAP, ELF_LOAD_HWCAP);
	v = aux(v, AT_PAGESZ, USPACE_PAGE);
	v = aux(v, AT_CLKTCK, 100);
	v = aux(v, AT_PHDR, info->phdr);
	v = aux(v, AT_PHENT, sizeof(Elf32_Phdr));
	v = aux(v, AT_PHNUM, info->phnum);
	v = aux(v, AT_BASE, info->interp_base);
	v = aux(v, AT_FLAGS, 0);
	v = aux(v, AT_ENTRY, info->exe_entry);
	v = aux(v, AT_UID, getuid());
	v = aux(v, AT_EUID, geteuid());
	v = aux(v, AT_GID, getgid());
	v = aux(v, AT_EGID, getegid());
	v = aux(v, AT_SECURE, 0);
	v = aux(v, AT_RANDOM, random);
	v = aux(v, AT_EXECFN, execfn);
	v = aux(v, AT_PLATFORM, platform);
	return aux(v, AT_NULL, 0);
}

/* Strings at the top, then platform and random bytes, then the vector. */
static int write_stack(struct uspace *us, struct elf_load_info *info, int argc, char **argv,
		       int envc, char **envp, uint32_t sysinfo, uint32_t *vec)
{
	const char *execfn = info->execfn ? info->execfn : "";
	uint32_t efnlen = (uint32_t)strlen(execfn) + 1, p, s, platform, random;
	uint8_t rnd[16];

	p = ELF_LOAD_STACK_TOP - 4 - efnlen; /* 4: the NULL end marker */
	if (uspace_write(us, p, execfn, efnlen) < 0)
		return -EFAULT;
	uint32_t execfn_addr = p;
	p -= (uint32_t)(count_strs(argc, argv).size + count_strs(-1, envp).size);
	s = p;
	if (put_strs(us, &s, argc, argv, vec + 1) || put_strs(us, &s, envc, envp, vec + argc + 2))
		return -EFAULT;
	p &= ~15u;
	p = platform = p - (uint32_t)sizeof(ELF_LOAD_PLATFORM);
	p = random = p - (uint32_t)sizeof(rnd);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	if (uspace_write(us, platform, ELF_LOAD_PLATFORM, sizeof(ELF_LOAD_PLATFORM)) < 0 ||
	    uspace_write(us, random, rnd, sizeof(rnd)) < 0)
		return -EFAULT;
	vec[0] = (uint32_t)argc;
	vec[argc + 1] = vec[argc + envc + 2] = 0;
	uint32_t *end =
	    put_auxv(vec + argc + envc + 3, info, sysinfo, random, platform, execfn_addr);
	uint32_t bytes = (uint32_t)((end - vec) * sizeof(*vec));
	info->esp = (p - bytes) & ~15u;
	return uspace_write(us, info->esp, vec, bytes);
}

int elf_build_stack(struct uspace *us, struct elf_load_info *info, int argc, char **argv,
		    char **envp, uint32_t vdso_sysinfo, char *err, size_t errlen)
{
	const uint32_t bottom = ELF_LOAD_STACK_TOP - ELF_LOAD_STACK_SIZE;
	const char *name = info->execfn ? info->execfn : "stack";
	struct strs a = count_strs(argc, argv), e = count_strs(-1, envp);

	if (errlen)
		err[0] = 0;
	if (argc < 0 || (argc && !argv))
		return path_err(err, errlen, name, -EINVAL, "bad argument vector");
	uint64_t need =
	    a.size + e.size + 4 * ((uint64_t)a.n + e.n) + (info->execfn ? strlen(info->execfn) : 0);
	if (need > ELF_LOAD_STACK_SIZE / 4)
		return path_err(err, errlen, name, -E2BIG, "argument list too long");
	int64_t r = uspace_mmap(us, bottom, ELF_LOAD_STACK_SIZE, info->stack_prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (r < 0)
		return path_err(err, errlen, name, (int)r, "stack: %s", strerror((int)-r));
	info->stack_top = ELF_LOAD_STACK_TOP;
	uint32_t *vec = calloc((size_t)a.n + e.n + 3 + 2 * AUX_MAX, sizeof(*vec));
	if (!vec)
		return path_err(err, errlen, name, -ENOMEM, "out of memory");
	int rc = write_stack(us, info, a.n, argv, e.n, envp, vdso_sysinfo, vec);
	free(vec);
	if (rc)
		return path_err(err, errlen, name, rc, "stack: %s", strerror(-rc));
	return 0;
}

int elf_map_vdso(struct uspace *us, uint32_t *sysinfo)
{
	static const uint8_t vsyscall[] = {0xcd, 0x80, 0xc3}; /* int $0x80; ret */
	int64_t a = uspace_mmap(us, 0, USPACE_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0)
		return (int)a;
	int rc = uspace_write(us, (uint32_t)a, vsyscall, sizeof(vsyscall));
	if (!rc)
		rc = uspace_mprotect(us, (uint32_t)a, USPACE_PAGE, PROT_READ | PROT_EXEC);
	if (rc) {
		uspace_munmap(us, (uint32_t)a, USPACE_PAGE);
		return rc;
	}
	*sysinfo = (uint32_t)a;
	return 0;
}
