/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - the bench binary: dispatch to a subcommand, nothing else. */
#include <stdio.h>
#include <string.h>

#include "app/cli/cli.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

/* clang-format off */
static const struct subcmd subcmds[] = {
	{"run", cli_run, "run a recipe on a pack (real bench or --sim)"},
	{"recipe", cli_recipe, "recipe check: a recipe against a profile and bench"},
	{"resume", cli_resume, "continue an interrupted run file"},
	{"watch", cli_watch, "live view of a running test"},
	{"stop", cli_stop, "safe stop of a running test"},
	{"lab", cli_lab, "every bench of the lab from its MQTT broker"},
	{"recover", cli_recover, "clear a crashed run file's flags, mark it interrupted"},
	{"sim", cli_sim, "simulated pack as its own CAN node"},
	{"grade", cli_grade, "grade run files (REUSE/REMANUFACTURE/RECYCLE)"},
	{"report", cli_report, "HTML report with plots"},
	{"export", cli_export, "export a run to Battery Data Format CSV"},
	{"import", cli_import, "read a Neware, Arbin, BioLogic, Maccor or BDF export into a run file"},
	{"cycles", cli_cycles, "per-cycle charge, discharge and efficiency of a run file"},
	{"can", cli_can, "can decode | can dump: decode CAN logs or a live bus"},
	{"pack", cli_pack, "pack decode: a capture through a profile, the pack as the bench sees it"},
	{"dbc", cli_dbc, "dbc check: parse a DBC, list messages, report problems"},
};
/* clang-format on */

static void usage(FILE *out)
{
	fprintf(out, "usage: bench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(out, "  %-8s %s\n", subcmds[i].name, subcmds[i].help);
	fprintf(out, "\n'bench <command> --help' for a command's options\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bench %s\n", BENCH_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (!strcmp(argv[1], subcmds[i].name))
			return subcmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "bench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
