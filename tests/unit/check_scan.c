/*
 * check_scan.c — `ringvm scan` end to end: on raw code written here, on
 * Debian's real 686 kernel (RINGVM_KERNEL, set by scripts/test; its
 * symbols come from the kernel's own kallsyms tables), and on bad input through the real binary (RINGVM_BIN).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/scan.h"

static char tmpdir[64];

static const char *need_env(const char *name)
{
	const char *v = getenv(name);
	ck_assert_msg(v && *v, "%s is not set: run the suite through scripts/test", name);
	return v;
}

static char *tmp_path(const char *name)
{
	static char buf[4][128];
	static int k;
	char *p = buf[k++ & 3];
	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *d = malloc(*len);
	ck_assert_uint_eq(fread(d, 1, *len, f), *len);
	fclose(f);
	return d;
}

/* Runs ringvm with ARGV, captures stdout and stderr. Returns the wait status. */
static int run_ringvm(char *const argv[], char **out, char **err)
{
	char *ofile = tmp_path("stdout"), *efile = tmp_path("stderr");
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(ofile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(efile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		dup2(e, 2);
		execv(need_env("RINGVM_BIN"), argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	size_t n;
	uint8_t *d = read_file(ofile, &n);
	*out = realloc(d, n + 1);
	(*out)[n] = 0;
	d = read_file(efile, &n);
	*err = realloc(d, n + 1);
	(*err)[n] = 0;
	return st;
}

/* Bad input: exit status 1, one line on stderr naming the file, no crash. */
static void expect_bad_input(const char *path, const char *problem)
{
	char *out, *err;
	char *argv[] = {"ringvm", "scan", (char *)path, NULL};
	int st = run_ringvm(argv, &out, &err);

	ck_assert_msg(WIFEXITED(st), "ringvm died from signal %d on %s", WTERMSIG(st), path);
	ck_assert_msg(WEXITSTATUS(st) == 1, "exit %d on %s", WEXITSTATUS(st), path);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: [%s]", err);
	ck_assert_msg(strstr(err, path), "error does not name the file: %s", err);
	ck_assert_msg(strstr(err, problem), "error [%s] does not say '%s'", err, problem);
	free(out);
	free(err);
}

START_TEST(bad_missing_file)
{
	expect_bad_input(tmp_path("no-such-file"), "No such file");
}
END_TEST

START_TEST(bad_empty_file)
{
	write_file(tmp_path("empty"), "", 0);
	expect_bad_input(tmp_path("empty"), "empty");
}
END_TEST

START_TEST(bad_random_bytes)
{
	uint8_t buf[4096];
	srand(42);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	write_file(tmp_path("random"), buf, sizeof(buf));
	expect_bad_input(tmp_path("random"), "not an ELF");
}
END_TEST

START_TEST(bad_64bit_elf)
{
	/* the host's own programs are x86-64 ELFs */
	expect_bad_input("/bin/true", "64-bit");
}
END_TEST

START_TEST(bad_truncated_bzimage)
{
	size_t n;
	uint8_t *k = read_file(need_env("RINGVM_KERNEL"), &n);
	write_file(tmp_path("truncated-bzImage"), k, n / 3);
	expect_bad_input(tmp_path("truncated-bzImage"), "truncated");
	write_file(tmp_path("header-only-bzImage"), k, 0x220);
	expect_bad_input(tmp_path("header-only-bzImage"), "truncated");
	free(k);
}
END_TEST

START_TEST(bad_corrupt_xz_payload)
{
	size_t n;
	uint8_t *k = read_file(need_env("RINGVM_KERNEL"), &n);
	uint32_t setup = (k[0x1f1] ? k[0x1f1] : 4) + 1u, off, len;
	memcpy(&off, k + 0x248, 4);
	memcpy(&len, k + 0x24c, 4);
	off += setup * 512;
	ck_assert_uint_le(off + len, n);
	for (uint32_t i = len / 2; i < len / 2 + 64; i++)
		k[off + i] ^= 0x5a;
	write_file(tmp_path("corrupt-bzImage"), k, n);
	expect_bad_input(tmp_path("corrupt-bzImage"), "xz");
	free(k);
}
END_TEST

START_TEST(bad_usage)
{
	char *out, *err;
	char *argv1[] = {"ringvm", "scan", "--base", "0x1ffffffff", "/bin/true", NULL};
	int st = run_ringvm(argv1, &out, &err);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	ck_assert_ptr_nonnull(strstr(err, "--base"));
	free(out);
	free(err);
	char *argv2[] = {"ringvm", "frobnicate", NULL};
	st = run_ringvm(argv2, &out, &err);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	ck_assert_ptr_nonnull(strstr(err, "unknown command"));
	free(out);
	free(err);
}
END_TEST

/* Raw code at a base address: each sensitive instruction listed at its
 * address with its class, the rest not listed. */
START_TEST(raw_listing)
{
	static const uint8_t code[] = {
		0x89, 0xd8,       /* 1000 mov eax, ebx */
		0xfa,             /* 1002 cli */
		0x0f, 0x22, 0xd8, /* 1003 mov cr3, eax */
		0x50,             /* 1006 push eax */
		0x0f, 0xa2,       /* 1007 cpuid */
		0xcd, 0x80,       /* 1009 int 0x80 */
		0xc3,             /* 100b ret */
	};
	char *out, *err;
	write_file(tmp_path("raw.bin"), code, sizeof(code));
	char *argv[] = {"ringvm", "scan", "--base", "0x1000", tmp_path("raw.bin"), NULL};
	int st = run_ringvm(argv, &out, &err);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", st, err);
	ck_assert_msg(strstr(out, "00001002") && strstr(out, "cli"), "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "mov cr3, eax"));
	ck_assert_ptr_nonnull(strstr(out, "00001007"));
	ck_assert_ptr_nonnull(strstr(out, "00001009"));
	ck_assert_ptr_null(strstr(out, "00001000  "));
	ck_assert_ptr_null(strstr(out, "00001006  "));
	ck_assert_ptr_null(strstr(out, "0000100b  "));
	ck_assert_ptr_nonnull(strstr(out, "summary: 7 instructions in 12 bytes"));
	free(out);
	free(err);
	char *argv2[] = {"ringvm", "scan", "--json", "--base", "4096", tmp_path("raw.bin"), NULL};
	st = run_ringvm(argv2, &out, &err);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_ptr_nonnull(strstr(out, "\"addr\":4099,\"symbol\":\"-\",\"bytes\":\"0f 22 d8\""));
	ck_assert_ptr_nonnull(strstr(out, "\"rows\":{\"cli\":1,\"mov_to_cr\":1,\"int_n\":1,\"cpuid\":1}"));
	free(out);
	free(err);
}
END_TEST

/* ---- the real Debian kernel ---------------------------------------------- */

static struct image kernel;

static void load_kernel(void)
{
	char err[512];
	struct image_opts io = {0};
	if (kernel.nranges)
		return;
	int rc = image_load(&kernel, need_env("RINGVM_KERNEL"), &io, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(kernel.nsyms > 10000, "no kallsyms symbols (%zu)", kernel.nsyms);
}

static void scan_to(FILE *out, struct scan_opts *o, struct scan_result *r)
{
	char err[512];
	o->out = out;
	o->path = "kernel";
	int rc = scan_image(&kernel, o, r, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
}

/* The instructions an i386 Linux kernel cannot do without. */
static const char *const kernel_needs[] = {
	"cli", "sti", "pushfd", "popfd", "iretd", "lgdt", "lidt", "mov_to_cr", "invlpg",
	"in", "out", "wrmsr", "rdmsr", "cpuid", "rdtsc", "sysexit",
};

START_TEST(kernel_finds_each_class)
{
	struct scan_opts o = {.summary = true};
	struct scan_result r, again;
	FILE *null = fopen("/dev/null", "w");

	load_kernel();
	scan_to(null, &o, &r);
	for (size_t i = 0; i < sizeof(kernel_needs) / sizeof(kernel_needs[0]); i++) {
		int row = -1;
		for (int k = 0; k < SENS_NROWS; k++)
			if (!strcmp(sens_rows[k].name, kernel_needs[i]))
				row = k;
		ck_assert_msg(row >= 0, "no row %s", kernel_needs[i]);
		ck_assert_msg(r.rows[row] > 0, "%s not found in the kernel", kernel_needs[i]);
	}
	/* mov to cr0 and cr3 in particular, through the full listing */
	char *buf;
	size_t len;
	FILE *mem = open_memstream(&buf, &len);
	o.summary = false;
	scan_to(mem, &o, &again);
	fclose(mem);
	ck_assert_ptr_nonnull(strstr(buf, "mov cr0, "));
	ck_assert_ptr_nonnull(strstr(buf, "mov cr3, "));
	ck_assert_msg(strstr(buf, "native_write_cr0+0x") || strstr(buf, "native_write_cr0 "),
		      "mov to cr0 is not attributed to native_write_cr0");
	ck_assert_msg(memcmp(&r, &again, sizeof(r)) == 0, "counts differ between two scans");
	ck_assert_uint_gt(r.insns, 1000000);
	ck_assert_uint_lt(r.undecodable, r.bytes / 100);
	free(buf);
	fclose(null);
}
END_TEST

START_TEST(kernel_json_matches_counts)
{
	struct scan_opts o = {.summary = true, .json = true};
	struct scan_result r;
	char *buf, want[64];
	size_t len;
	FILE *mem = open_memstream(&buf, &len);

	load_kernel();
	scan_to(mem, &o, &r);
	fclose(mem);
	snprintf(want, sizeof(want), "\"instructions\":%llu,", (unsigned long long)r.insns);
	ck_assert_ptr_nonnull(strstr(buf, want));
	for (int k = 0; k < SENS_NROWS; k++) {
		snprintf(want, sizeof(want), "\"%s\":%llu", sens_rows[k].name,
			 (unsigned long long)r.rows[k]);
		ck_assert_msg(!r.rows[k] || strstr(buf, want), "JSON lacks %s", want);
	}
	free(buf);
}
END_TEST

START_TEST(kernel_cross_check)
{
	char allow[512];
	struct scan_opts o = {.summary = true, .cross_check = true, .allow_path = allow};
	struct scan_result r;
	char *buf;
	size_t len;
	FILE *mem = open_memstream(&buf, &len);

	snprintf(allow, sizeof(allow), "%s/tests/data/crosscheck-allow.txt",
		 need_env("RINGVM_SRC"));
	load_kernel();
	scan_to(mem, &o, &r);
	fclose(mem);
	ck_assert_msg(r.xc_on_sensitive == 0, "%llu disagreements on sensitive instructions:\n%s",
		      (unsigned long long)r.xc_on_sensitive, buf);
	ck_assert_msg(r.xc_unexplained == 0, "%llu unexplained disagreements:\n%.4000s",
		      (unsigned long long)r.xc_unexplained, buf);
	free(buf);
}
END_TEST

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_scan.XXXXXX");
	if (!mkdtemp(tmpdir))
		return EXIT_FAILURE;
	Suite *s = suite_create("scan");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, bad_missing_file);
	tcase_add_test(bad, bad_empty_file);
	tcase_add_test(bad, bad_random_bytes);
	tcase_add_test(bad, bad_64bit_elf);
	tcase_add_test(bad, bad_truncated_bzimage);
	tcase_add_test(bad, bad_corrupt_xz_payload);
	tcase_add_test(bad, bad_usage);
	suite_add_tcase(s, bad);
	TCase *raw = tcase_create("raw");
	tcase_add_test(raw, raw_listing);
	suite_add_tcase(s, raw);
	TCase *k = tcase_create("kernel");
	tcase_set_timeout(k, 600);
	tcase_add_test(k, kernel_finds_each_class);
	tcase_add_test(k, kernel_json_matches_counts);
	tcase_add_test(k, kernel_cross_check);
	suite_add_tcase(s, k);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
