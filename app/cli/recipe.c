/* SPDX-License-Identifier: Apache-2.0 */
/* recipe.c - `bench recipe check`: a recipe against a profile and a bench
 * file, without running it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/cli/cli.h"
#include "app/ctl_run.h"

static const char recipe_usage[] =
    "usage: bench recipe check RECIPE --profile PROFILE.ini [--bench B.ini]\n"
    "       bench recipe check RECIPE --sim PACK.ini [--bench B.ini]\n"
    "\n"
    "Check a recipe as `bench run` does before any current flows: every\n"
    "hold, end voltage and temperature inside the operating window and\n"
    "every current within what the pack and the bench take. Each problem\n"
    "is printed as FILE:LINE: STEP: problem (the limit and its file).\n"
    "Exit status 0 when the recipe fits, 1 when not, 2 on a usage error.\n";

int cli_recipe(int argc, char **argv)
{
	enum { O_PROFILE = 256, O_BENCH, O_SIM };
	/* clang-format off */
	static const struct option lopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"profile", required_argument, NULL, O_PROFILE},
		{"bench", required_argument, NULL, O_BENCH},
		{"sim", required_argument, NULL, O_SIM},
		{0, 0, 0, 0},
	};
	/* clang-format on */
	struct run_opts o = {0};
	int c;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(recipe_usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "check")) {
		fputs(recipe_usage, stderr);
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(recipe_usage, stdout);
			return 0;
		case O_PROFILE:
			o.profile_path = optarg;
			break;
		case O_BENCH:
			o.bench_path = optarg;
			break;
		case O_SIM:
			o.sim_path = optarg;
			break;
		default:
			fputs(recipe_usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 2 || (!o.profile_path && !o.sim_path)) {
		fprintf(stderr, "bench recipe check: %s\n%s",
			optind != argc - 2 ? "expected exactly one RECIPE"
					   : "--profile or --sim is required",
			recipe_usage);
		return 2;
	}
	o.recipe_path = argv[optind + 1];
	return ctl_recipe_check(&o);
}
