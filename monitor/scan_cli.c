/*
 * scan_cli.c — the `ringvm scan` command line.
 *
 * Owns: option parsing, finding a System.map beside a vmlinuz, loading the
 * image and turning errors into one line on stderr and an exit status:
 * 0 done, 1 bad input or usage, 3 the cross-check found unexplained
 * disagreements.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/scan.h"

static void scan_usage(FILE *f)
{
	fprintf(f,
		"usage: ringvm scan [--json] [--all] [--summary] [--cross-check] [--allow FILE]\n"
		"                   [--map SYSTEM.MAP] [--base ADDR] FILE\n"
		"List every instruction in a 32-bit x86 guest image that a deprivileged CPU would\n"
		"get wrong, and how ringvm translates it.  FILE is an i386 ELF, a Linux bzImage\n"
		"(xz, gzip or lzma payload) or, with --base, a raw binary loaded at ADDR.\n"
		"  --json         JSON report\n"
		"  --all          list every instruction, not only the sensitive ones\n"
		"  --summary      counts only\n"
		"  --cross-check  decode every instruction with Capstone too; report disagreements\n"
		"  --allow FILE   cross-check allowlist (KIND ZYDIS CAPSTONE REASON per line)\n"
		"  --map FILE     symbols from a System.map (found beside vmlinuz-V by default)\n"
		"  --base ADDR    treat FILE as a raw binary loaded at ADDR\n"
		"exit status: 0 ok, 1 bad input, 3 unexplained cross-check disagreements\n");
}

static int parse_addr(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > 0xffffffffull || s[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "DIR/vmlinuz-V" -> "DIR/System.map-V" if it exists. */
static char *find_system_map(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(base, "vmlinuz-", 8))
		return NULL;
	char *map = NULL;
	if (asprintf(&map, "%.*sSystem.map-%s", (int)(base - path), path, base + 8) < 0)
		return NULL;
	if (access(map, R_OK)) {
		free(map);
		return NULL;
	}
	return map;
}

enum { OPT_JSON = 256, OPT_ALL, OPT_SUMMARY, OPT_XCHECK, OPT_ALLOW, OPT_MAP, OPT_BASE };

static const struct option scan_options[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"all", no_argument, NULL, OPT_ALL},
	{"summary", no_argument, NULL, OPT_SUMMARY},
	{"cross-check", no_argument, NULL, OPT_XCHECK},
	{"allow", required_argument, NULL, OPT_ALLOW},
	{"map", required_argument, NULL, OPT_MAP},
	{"base", required_argument, NULL, OPT_BASE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int scan_main(int argc, char **argv)
{
	struct scan_opts o = {.out = stdout};
	struct image_opts io = {0};
	struct image img = {0};
	struct scan_result r;
	const char *map = NULL;
	char *auto_map = NULL, err[512];
	int c, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", scan_options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: o.json = true; break;
		case OPT_ALL: o.all = true; break;
		case OPT_SUMMARY: o.summary = true; break;
		case OPT_XCHECK: o.cross_check = true; break;
		case OPT_ALLOW: o.allow_path = optarg; break;
		case OPT_MAP: map = optarg; break;
		case OPT_BASE:
			if (parse_addr(optarg, &io.raw_base) < 0) {
				fprintf(stderr, "ringvm scan: --base %s: not a 32-bit address\n",
					optarg);
				return 1;
			}
			io.raw = true;
			break;
		case 'h': scan_usage(stdout); return 0;
		default: scan_usage(stderr); return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ringvm scan: expected one FILE (see ringvm scan --help)\n");
		return 1;
	}
	o.path = argv[optind];
	if (image_load(&img, o.path, &io, err, sizeof(err)) < 0)
		goto fail;
	if (map && image_load_system_map(&img, map, err, sizeof(err)) < 0)
		goto fail;
	/* a System.map beside vmlinuz-V, unless the kernel's kallsyms gave symbols */
	if (!map && !io.raw && !img.nsyms && (auto_map = find_system_map(o.path)) &&
	    image_load_system_map(&img, auto_map, err, sizeof(err)) < 0)
		fprintf(stderr, "ringvm scan: note: %s\n", err); /* beside the kernel: optional */
	if (scan_image(&img, &o, &r, err, sizeof(err)) < 0)
		goto fail;
	status = o.cross_check && r.xc_unexplained ? 3 : 0;
	goto out;
fail:
	fflush(stdout);
	fprintf(stderr, "ringvm scan: %s\n", err);
out:
	free(auto_map);
	image_free(&img);
	return status;
}
