/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_cli.c - `bench sim` as a user runs it: help, usage errors, a
 * bad pack file named with its line, a short run that writes the truth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "bench/sim/sim.h"
#include "support.h"

static char out[8192];

/* Run `bin/bench sim ARGS`, capture stdout+stderr, return exit status. */
static int bench_sim(const char *args)
{
	char *bin = sim_fixture_path("bin/bench"), cmd[4096];
	FILE *p;
	size_t n;
	int st;

	cr_assert(bin, "bin/bench not built");
	snprintf(cmd, sizeof(cmd), "%s sim %s 2>&1", bin, args);
	free(bin);
	p = popen(cmd, "r");
	cr_assert(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_cli, .timeout = 300);

Test(sim_cli, help_and_usage_errors)
{
	cr_assert_eq(bench_sim("--help"), 0);
	cr_assert(strstr(out, "--scpi-link PATH"), "%s", out);
	cr_assert(strstr(out, "accepted and ignored"));
	cr_assert_eq(bench_sim("fixtures/packs/nmc96-healthy.ini"), 2);
	cr_assert(strstr(out, "need a pack file and --can IFACE"), "%s", out);
	cr_assert_eq(bench_sim("x.ini --can mem:c --speed fast"), 2);
	cr_assert(strstr(out, "--speed 'fast'"), "%s", out);
	cr_assert_eq(bench_sim("x.ini --can mem:c --for soon"), 2);
}

Test(sim_cli, bad_pack_names_file_line_key)
{
	char *dir = tmpdir_new("simcli"), args[1024];
	char *p = tmpfile_write(dir, "bad.ini",
				"[pack]\nchemistry = nmc\nseries = 12\n"
				"rated_capacity_ah = 50\nsoh = -1\n");

	snprintf(args, sizeof(args), "%s --can mem:c", p);
	cr_assert_eq(bench_sim(args), 1);
	cr_assert(strstr(out, "bad.ini:5: key 'soh'"), "%s", out);
	free(p);
	free(dir);
}

Test(sim_cli, short_run_writes_the_truth)
{
	char *dir = tmpdir_new("simcli"), args[2048], truth[1024];
	char *pack = sim_fixture_path("fixtures/packs/lfp30-unsafe.ini");
	FILE *f;

	snprintf(truth, sizeof(truth), "%s/t.json", dir);
	snprintf(args, sizeof(args),
		 "%s --can mem:c --profile ignored.ini --speed max "
		 "--for '3 h' --seed 11 --truth %s",
		 pack, truth);
	cr_assert_eq(bench_sim(args), 0, "%s", out);
	cr_assert(strstr(out, "fault cell_heating (line 22) fires at 7200.0 s"),
		  "%s", out);
	f = fopen(truth, "r");
	cr_assert(f, "no truth file");
	cr_assert_eq(fread(out, 1, sizeof(out) - 1, f) > 100, 1);
	fclose(f);
	cr_assert(strstr(out, "\"pack\":\"lfp30-unsafe\""));
	cr_assert(strstr(out, "\"seed\":11"));
	cr_assert(strstr(out, "{\"index\":30,\"module\":3,"));
	free(pack);
	free(dir);
}
