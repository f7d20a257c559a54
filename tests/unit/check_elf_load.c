/*
 * check_elf_load.c — unit tests of monitor/user/elf_load: starting an i386
 * program in a uspace.
 *
 * Small i386 ELF files are written byte by byte (elf_build.h: headers from
 * the ELF spec, no compiler at test time): an ET_EXEC with a code segment and a
 * data+bss segment, the same as a PIE, and a PIE with a PT_INTERP naming a
 * hand-made interpreter.  Checked: mappings, protections, bss zeroing, brk,
 * entry points, the initial stack read back from guest memory (argc, argv,
 * envp, auxv, alignment), the vDSO page, one-line errors on bad input
 * (also under random corruption: never a crash), and Debian's static i386
 * busybox from $RINGVM_BUSYBOX.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "monitor/user/elf_load.h"
#include "elf_build.h"

#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/check_elf_load.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static const char *put_file(const char *name, const void *data, size_t len)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

static struct uspace *mk(void)
{
	struct uspace *us = uspace_create();
	ck_assert_ptr_nonnull(us);
	return us;
}

static uint8_t *g(struct uspace *us, uint32_t a)
{
	return uspace_base(us) + a;
}

static bool all_zero(struct uspace *us, uint32_t a, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (*g(us, a + i))
			return false;
	return true;
}

/* Mappings of the program built by build() at VA (bias BASE - VA). */
static void check_image(struct uspace *us, uint32_t base, const uint8_t *img)
{
	ck_assert_int_eq(uspace_prot(us, base), RX);
	ck_assert_int_eq(uspace_prot(us, base + PG), -1);
	for (uint32_t a = base + 0x2000; a < base + 0x6000; a += PG)
		ck_assert_int_eq(uspace_prot(us, a), RW);
	ck_assert_int_eq(uspace_prot(us, base + 0x6000), -1);
	ck_assert_mem_eq(g(us, base + CODE_OFF), code, sizeof(code));
	ck_assert_mem_eq(g(us, base + 0x2010), img + DATA_OFF, DATA_LEN);
	ck_assert(all_zero(us, base + 0x2010 + DATA_LEN, 0x6000 - 0x2010 - DATA_LEN));
	ck_assert_uint_eq(uspace_brk(us, 0), base + 0x6000);
}

START_TEST(static_exec_loads)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	const char *path = put_file("exe", img, build(img, ET_EXEC, 0x08048000, NULL));
	struct uspace *us = mk();

	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(info.entry, 0x08048000 + CODE_OFF);
	ck_assert_uint_eq(info.exe_entry, info.entry);
	ck_assert_uint_eq(info.load_base, 0);
	ck_assert_uint_eq(info.interp_base, 0);
	ck_assert_uint_eq(info.phdr, 0x08048000 + sizeof(Elf32_Ehdr));
	ck_assert_uint_eq(info.phnum, 3);
	ck_assert_uint_eq(info.brk, 0x0804e000);
	ck_assert_int_eq(info.stack_prot, RW);
	ck_assert_str_eq(info.execfn, path);
	check_image(us, 0x08048000, img);
	uspace_destroy(us);
}
END_TEST

START_TEST(pie_loads_at_pie_base)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	const char *path = put_file("pie", img, build(img, ET_DYN, 0, NULL));
	struct uspace *us = mk();

	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_uint_eq(info.load_base, ELF_LOAD_PIE_BASE);
	ck_assert_uint_eq(info.entry, ELF_LOAD_PIE_BASE + CODE_OFF);
	ck_assert_uint_eq(info.phdr, ELF_LOAD_PIE_BASE + sizeof(Elf32_Ehdr));
	check_image(us, ELF_LOAD_PIE_BASE, img);
	uspace_destroy(us);
}
END_TEST

START_TEST(interpreter_under_sysroot)
{
	uint8_t img[IMG_SIZE], in[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	put_file("ld-test.so", in, build_interp(in));
	const char *path = put_file("dyn", img, build(img, ET_DYN, 0, "/ld-test.so"));
	struct uspace *us = mk();

	ck_assert_int_eq(elf_load(us, path, tmpdir, err, sizeof(err), &info), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(info.interp_base, ELF_LOAD_INTERP_BASE);
	ck_assert_uint_eq(info.entry, ELF_LOAD_INTERP_BASE + CODE_OFF);
	ck_assert_uint_eq(info.exe_entry, ELF_LOAD_PIE_BASE + CODE_OFF);
	ck_assert_int_eq(uspace_prot(us, ELF_LOAD_INTERP_BASE), RX);
	ck_assert_int_eq(uspace_prot(us, ELF_LOAD_INTERP_BASE + PG), -1);
	ck_assert_mem_eq(g(us, ELF_LOAD_INTERP_BASE + CODE_OFF), code, sizeof(code));
	check_image(us, ELF_LOAD_PIE_BASE, img);
	uspace_destroy(us);

	/* the same interpreter named by its full path, no sysroot */
	char full[160];
	snprintf(full, sizeof(full), "%s/ld-test.so", tmpdir);
	path = put_file("dyn2", img, build(img, ET_EXEC, 0x08048000, full));
	us = mk();
	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_uint_eq(info.interp_base, ELF_LOAD_INTERP_BASE);
	ck_assert_uint_eq(info.exe_entry, 0x08048000 + CODE_OFF);
	uspace_destroy(us);
}
END_TEST

START_TEST(missing_interpreter)
{
	uint8_t img[IMG_SIZE];
	char err[256], want[512];
	struct elf_load_info info;
	const char *path = put_file("dyn", img, build(img, ET_DYN, 0, "/lib/ld-linux.so.2"));
	struct uspace *us = mk();

	ck_assert_int_eq(elf_load(us, path, "/nonexistent-sysroot", err, sizeof(err), &info),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: interpreter /lib/ld-linux.so.2 not found under /nonexistent-sysroot", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(elf_load(us, path, tmpdir, err, sizeof(err), &info), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "not found under"));
	uspace_destroy(us);
}
END_TEST

struct auxv_seen {
	uint32_t val[64];
	bool have[64];
};

static char *guest_str(struct uspace *us, uint32_t a)
{
	int64_t n = uspace_strnlen(us, a, 4096);
	ck_assert_int_ge(n, 0);
	ck_assert_int_lt(n, 4096);
	return (char *)g(us, a);
}

static uint32_t rd(struct uspace *us, uint32_t a)
{
	uint32_t v;
	ck_assert_int_eq(uspace_read(us, &v, a, 4), 0);
	return v;
}

/* A read-only segment whose bss shares its last page, then a bss-only
 * segment starting inside that same page: zeroed in place, then mapped
 * anonymous from the next page, as Linux does. */
START_TEST(bss_sharing_pages)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + sizeof(Elf32_Ehdr));

	build(img, ET_EXEC, 0x08048000, NULL);
	ph[1].p_flags = PF_R;
	ph[1].p_memsz = 0x100;
	ph[2] = phdr(PT_LOAD, 0x200, 0x0804a200, 0, 0x2000, PF_R | PF_W);
	const char *path = put_file("shared", img, IMG_SIZE);
	struct uspace *us = mk();
	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_int_eq(uspace_prot(us, 0x0804a000), PROT_READ);
	ck_assert_mem_eq(g(us, 0x0804a010), img + DATA_OFF, DATA_LEN);
	ck_assert(all_zero(us, 0x0804a010 + DATA_LEN, 0x1000 - 0x10 - DATA_LEN));
	ck_assert_int_eq(uspace_prot(us, 0x0804b000), RW);
	ck_assert_int_eq(uspace_prot(us, 0x0804c000), RW);
	ck_assert_int_eq(uspace_prot(us, 0x0804d000), -1);
	ck_assert(all_zero(us, 0x0804b000, 0x2000));
	ck_assert_uint_eq(info.brk, 0x0804d000);
	ck_assert_int_eq(info.stack_prot, RW | PROT_EXEC); /* no PT_GNU_STACK */
	uspace_destroy(us);
}
END_TEST

START_TEST(stack_layout)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	const char *path = put_file("exe", img, build(img, ET_EXEC, 0x08048000, NULL));
	char *argv[] = {"prog", "arg one", "", NULL};
	char *envp[] = {"A=1", "HOME=/root", NULL};
	struct uspace *us = mk();
	uint32_t vdso = 0;

	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_int_eq(elf_map_vdso(us, &vdso), 0);
	ck_assert_uint_ne(vdso, 0);
	ck_assert_int_eq(uspace_prot(us, vdso), RX);
	ck_assert_mem_eq(g(us, vdso), "\xcd\x80\xc3", 3);
	ck_assert_int_eq(elf_build_stack(us, &info, 3, argv, envp, vdso, err, sizeof(err)), 0);
	ck_assert_uint_eq(info.stack_top, ELF_LOAD_STACK_TOP);
	ck_assert_int_eq(uspace_prot(us, ELF_LOAD_STACK_TOP - ELF_LOAD_STACK_SIZE), RW);
	ck_assert_int_eq(uspace_prot(us, ELF_LOAD_STACK_TOP - PG), RW);
	ck_assert_int_eq(uspace_prot(us, ELF_LOAD_STACK_TOP), -1);

	uint32_t sp = info.esp;
	ck_assert_uint_eq(sp % 16, 0);
	ck_assert_uint_eq(rd(us, sp), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_str_eq(guest_str(us, rd(us, sp + 4 + 4 * i)), argv[i]);
	ck_assert_uint_eq(rd(us, sp + 16), 0);
	uint32_t e = sp + 20;
	for (int i = 0; i < 2; i++)
		ck_assert_str_eq(guest_str(us, rd(us, e + 4 * i)), envp[i]);
	ck_assert_uint_eq(rd(us, e + 8), 0);
	/* strings: argv then envp upward, then execfn, then a NULL word at the top */
	ck_assert_uint_lt(rd(us, sp + 4), rd(us, e));
	ck_assert_uint_eq(rd(us, ELF_LOAD_STACK_TOP - 4), 0);
	uint32_t execfn = ELF_LOAD_STACK_TOP - 4 - (uint32_t)strlen(path) - 1;
	ck_assert_str_eq(guest_str(us, execfn), path);
	ck_assert_uint_eq(rd(us, e + 4) + strlen(envp[1]) + 1, execfn);

	struct auxv_seen ax = {0};
	uint32_t a = e + 12;
	for (int n = 0; n < 40; n++, a += 8) {
		uint32_t type = rd(us, a), val = rd(us, a + 4);
		ck_assert_uint_lt(type, 64);
		ck_assert_msg(!ax.have[type], "auxv type %u twice", type);
		ax.have[type] = true;
		ax.val[type] = val;
		if (type == AT_NULL)
			break;
	}
	ck_assert(ax.have[AT_NULL]);
	ck_assert_uint_eq(ax.val[AT_PHDR], 0x08048034);
	ck_assert_uint_eq(ax.val[AT_PHENT], 32);
	ck_assert_uint_eq(ax.val[AT_PHNUM], 3);
	ck_assert_uint_eq(ax.val[AT_PAGESZ], 4096);
	ck_assert(ax.have[AT_BASE] && ax.val[AT_BASE] == 0);
	ck_assert(ax.have[AT_FLAGS] && ax.val[AT_FLAGS] == 0);
	ck_assert_uint_eq(ax.val[AT_ENTRY], 0x08048000 + CODE_OFF);
	ck_assert_uint_eq(ax.val[AT_UID], getuid());
	ck_assert_uint_eq(ax.val[AT_EUID], geteuid());
	ck_assert_uint_eq(ax.val[AT_GID], getgid());
	ck_assert_uint_eq(ax.val[AT_EGID], getegid());
	ck_assert(ax.have[AT_SECURE] && ax.val[AT_SECURE] == 0);
	ck_assert_uint_eq(ax.val[AT_HWCAP], 0x078bfbff);
	ck_assert_uint_eq(ax.val[AT_CLKTCK], 100);
	ck_assert_str_eq(guest_str(us, ax.val[AT_PLATFORM]), "i686");
	ck_assert_uint_eq(ax.val[AT_EXECFN], execfn);
	ck_assert_uint_eq(ax.val[AT_SYSINFO], vdso);
	ck_assert_uint_gt(ax.val[AT_RANDOM], a);
	ck_assert_uint_le(ax.val[AT_RANDOM] + 16, ax.val[AT_PLATFORM]);
	ck_assert_ptr_nonnull(uspace_ptr(us, ax.val[AT_RANDOM], 16, PROT_READ));
	ck_assert_uint_lt(ax.val[AT_PLATFORM] + 5, rd(us, sp + 4) + 16);
	uspace_destroy(us);
}
END_TEST

START_TEST(stack_without_env_or_vdso)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	const char *path = put_file("exe", img, build(img, ET_EXEC, 0x08048000, NULL));
	char *argv[] = {"x", NULL};
	struct uspace *us = mk();

	ck_assert_int_eq(elf_load(us, path, NULL, err, sizeof(err), &info), 0);
	ck_assert_int_eq(elf_build_stack(us, &info, 1, argv, NULL, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(info.esp % 16, 0);
	ck_assert_uint_eq(rd(us, info.esp), 1);
	ck_assert_uint_eq(rd(us, info.esp + 8), 0);  /* argv end */
	ck_assert_uint_eq(rd(us, info.esp + 12), 0); /* envp end */
	for (uint32_t a = info.esp + 16; rd(us, a) != AT_NULL; a += 8)
		ck_assert_uint_ne(rd(us, a), AT_SYSINFO);
	/* a second stack does not fit: the first is in place */
	ck_assert_int_lt(elf_build_stack(us, &info, 1, argv, NULL, 0, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "stack"));
	uspace_destroy(us);
}
END_TEST

static void expect_error(const char *path, int rc_want, const char *msg)
{
	char err[256], want[512];
	struct elf_load_info info;
	struct uspace *us = mk();
	int rc = elf_load(us, path, NULL, err, sizeof(err), &info);
	ck_assert_msg(rc == rc_want, "%s: rc %d, want %d (%s)", path, rc, rc_want, err);
	snprintf(want, sizeof(want), "%s: %s", path, msg);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "error '%s', want '%s'", err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	uspace_destroy(us);
}

START_TEST(bad_inputs)
{
	uint8_t img[IMG_SIZE], rnd[4096];
	expect_error("/bin/true", -ENOEXEC, "64-bit ELF: ringvm user runs i386 programs");
	srand(7);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)rand();
	rnd[0] = 0;
	expect_error(put_file("random", rnd, sizeof(rnd)), -ENOEXEC, "not an ELF file");
	expect_error(put_file("empty", rnd, 0), -ENOEXEC, "not an ELF file");
	expect_error("/nonexistent/file", -ENOENT, "No such file");
	expect_error("/", -EACCES, "not a regular file");

	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Ehdr *)img)->e_machine = EM_ARM;
	expect_error(put_file("arm", img, IMG_SIZE), -ENOEXEC, "not an i386 ELF (machine 40)");
	build(img, ET_REL, 0x08048000, NULL);
	expect_error(put_file("rel", img, IMG_SIZE), -ENOEXEC, "not an executable");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Phdr *)(img + 52))[1].p_vaddr = 0x08048010;
	expect_error(put_file("overlap", img, IMG_SIZE), -ENOEXEC, "segments overlapping");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Phdr *)(img + 52))[1].p_vaddr = 0xfffff010;
	expect_error(put_file("high", img, IMG_SIZE), -ENOEXEC,
		     "segment 1: 0xfffff010+0x3000 beyond 4 GiB");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Phdr *)(img + 52))[1].p_memsz = 0xfffff000;
	expect_error(put_file("huge", img, IMG_SIZE), -ENOEXEC, "segment 1:");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Phdr *)(img + 52))[1].p_filesz = 0x4000;
	expect_error(put_file("fsz", img, IMG_SIZE), -ENOEXEC, "segment 1: file size above");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Phdr *)(img + 52))[1].p_offset = 0x1020;
	expect_error(put_file("misaligned", img, IMG_SIZE), -ENOEXEC, "segment 1: address and");
	build(img, ET_EXEC, 0x1000, NULL);
	expect_error(put_file("low", img, IMG_SIZE), -EPERM, "segment 0 at 0x1000");
	build(img, ET_EXEC, 0x08048000, NULL);
	((Elf32_Ehdr *)img)->e_phnum = 0;
	expect_error(put_file("nophdr", img, IMG_SIZE), -ENOEXEC, "bad program header count 0");
	build(img, ET_EXEC, 0x08048000, "rel/ld.so");
	expect_error(put_file("relinterp", img, IMG_SIZE), -ENOENT,
		     "interpreter rel/ld.so not found");
}
END_TEST

START_TEST(truncated_files)
{
	uint8_t img[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	build(img, ET_EXEC, 0x08048000, NULL);
	for (size_t len = 0; len < IMG_SIZE; len += len < 0x200 ? 1 : 61) {
		const char *path = put_file("trunc", img, len);
		struct uspace *us = mk();
		int rc = elf_load(us, path, NULL, err, sizeof(err), &info);
		if (len < DATA_OFF + DATA_LEN) {
			ck_assert_msg(rc < 0, "length %zu loads", len);
			ck_assert_msg(!strncmp(err, path, strlen(path)), "error '%s'", err);
			if (len >= sizeof(Elf32_Ehdr))
				ck_assert_msg(strstr(err, "truncated file"), "len %zu: %s", len,
					      err);
		} else {
			ck_assert_msg(rc == 0, "length %zu: %s", len, err);
		}
		uspace_destroy(us);
	}
}
END_TEST

/* Random corruption of the headers: every result is a load or an error
 * naming the file, never a crash (this runs under ASan too). */
START_TEST(corrupted_headers_never_crash)
{
	uint8_t img[IMG_SIZE], in[IMG_SIZE];
	char err[256];
	struct elf_load_info info;
	char *argv[] = {"p", NULL};
	int loaded = 0;

	put_file("ld-test.so", in, build_interp(in));
	srand(12345);
	for (int iter = 0; iter < 1500; iter++) {
		build(img, iter & 1 ? ET_DYN : ET_EXEC, iter & 1 ? 0 : 0x08048000,
		      iter & 2 ? "/ld-test.so" : NULL);
		for (int k = 1 + rand() % 4; k > 0; k--) {
			size_t at = (size_t)rand() % 0x1c0;
			if (rand() % 2)
				img[at] = (uint8_t)rand();
			else
				memcpy(img + (at & ~3u),
				       (uint32_t[]){(uint32_t)rand() * 2654435761u}, 4);
		}
		const char *path = put_file("fuzz", img, IMG_SIZE);
		struct uspace *us = mk();
		int rc = elf_load(us, path, tmpdir, err, sizeof(err), &info);
		if (rc == 0) {
			loaded++;
			rc = elf_build_stack(us, &info, 1, argv, NULL, 0, err, sizeof(err));
			ck_assert_msg(rc == 0 || !strncmp(err, path, strlen(path)), "%s", err);
		} else {
			ck_assert_msg(!strncmp(err, path, strlen(path)), "error '%s'", err);
			ck_assert_ptr_null(strchr(err, '\n'));
		}
		uspace_destroy(us);
	}
	ck_assert_int_gt(loaded, 100);
}
END_TEST

START_TEST(debian_busybox)
{
	const char *path = getenv("RINGVM_BUSYBOX");
	ck_assert_msg(path && *path,
		      "RINGVM_BUSYBOX is not set: this test needs Debian's static i386 busybox "
		      "(scripts/test sets it)");
	uint8_t file[0x2000];
	int fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "%s: cannot open", path);
	ck_assert_int_eq(pread(fd, file, sizeof(file), 0), (ssize_t)sizeof(file));
	close(fd);
	const Elf32_Ehdr *eh = (const Elf32_Ehdr *)file;
	ck_assert_uint_eq(eh->e_machine, EM_386);

	char err[256];
	struct elf_load_info info;
	char *argv[] = {"busybox", "true", NULL};
	char *envp[] = {"PATH=/bin", NULL};
	uint32_t vdso;
	struct uspace *us = mk();
	ck_assert_msg(elf_load(us, path, NULL, err, sizeof(err), &info) == 0, "%s", err);
	ck_assert_uint_eq(info.entry, eh->e_entry);
	ck_assert_uint_eq(info.exe_entry, eh->e_entry);
	ck_assert_uint_eq(info.interp_base, 0);
	ck_assert_uint_eq(info.phnum, eh->e_phnum);
	ck_assert_uint_eq(info.phdr, 0x08048000 + eh->e_phoff);
	ck_assert_int_eq(uspace_prot(us, eh->e_entry), RX);
	ck_assert_mem_eq(g(us, eh->e_entry), file + (eh->e_entry - 0x08048000), 16);
	ck_assert_mem_eq(g(us, 0x08048000), file, 0x200);
	const Elf32_Phdr *ph = (const Elf32_Phdr *)(file + eh->e_phoff);
	uint32_t end = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		int want = ((ph[i].p_flags & PF_R) ? PROT_READ : 0) |
			   ((ph[i].p_flags & PF_W) ? PROT_WRITE : 0) |
			   ((ph[i].p_flags & PF_X) ? PROT_EXEC : 0);
		ck_assert_int_eq(uspace_prot(us, ph[i].p_vaddr + ph[i].p_memsz - 1), want);
		if (ph[i].p_memsz > ph[i].p_filesz) {
			uint32_t z = ph[i].p_vaddr + ph[i].p_filesz;
			ck_assert(all_zero(us, z, ph[i].p_vaddr + ph[i].p_memsz - z));
		}
		end = ph[i].p_vaddr + ph[i].p_memsz;
	}
	ck_assert_uint_eq(info.brk, (end + PG - 1) & ~(PG - 1));
	ck_assert_uint_eq(uspace_brk(us, 0), info.brk);
	ck_assert_int_eq(elf_map_vdso(us, &vdso), 0);
	ck_assert_int_eq(elf_build_stack(us, &info, 2, argv, envp, vdso, err, sizeof(err)), 0);
	ck_assert_uint_eq(info.esp % 16, 0);
	ck_assert_uint_eq(rd(us, info.esp), 2);
	uspace_destroy(us);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("elf_load");
	TCase *l = tcase_create("load");
	tcase_add_checked_fixture(l, setup, teardown);
	tcase_add_test(l, static_exec_loads);
	tcase_add_test(l, pie_loads_at_pie_base);
	tcase_add_test(l, interpreter_under_sysroot);
	tcase_add_test(l, missing_interpreter);
	tcase_add_test(l, bss_sharing_pages);
	tcase_add_test(l, stack_layout);
	tcase_add_test(l, stack_without_env_or_vdso);
	suite_add_tcase(s, l);
	TCase *b = tcase_create("bad");
	tcase_add_checked_fixture(b, setup, teardown);
	tcase_add_test(b, bad_inputs);
	tcase_add_test(b, truncated_files);
	tcase_add_test(b, corrupted_headers_never_crash);
	suite_add_tcase(s, b);
	TCase *d = tcase_create("debian");
	tcase_add_test(d, debian_busybox);
	suite_add_tcase(s, d);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
