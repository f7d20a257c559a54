/*
 * main.c — the `ringvm` command: dispatch to subcommands.
 *
 * Owns: argv[1] dispatch, --help and --version.  Each subcommand lives with
 * the module that owns it and returns the process exit status.
 */
#include <stdio.h>
#include <string.h>

#include "monitor/scan.h"
#include "monitor/user/user.h"

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"scan", scan_main, "list the sensitive instructions of a guest image"},
	{"user", user_main, "run a 32-bit x86 Linux program through the translation cache"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ringvm COMMAND [ARGS...]\n"
		   "ringvm runs 32-bit x86 guests by binary translation, without VT-x.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'ringvm COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("ringvm 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ringvm: unknown command '%s' (see ringvm --help)\n", argv[1]);
	return 1;
}
