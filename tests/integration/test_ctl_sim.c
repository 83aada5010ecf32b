/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_sim.c - `bench run --sim` end to end: every fixture pack runs
 * the quick recipe to completion and leaves a schema-conforming file; a
 * healthy pack's measured capacity matches the simulator's truth. */
#include <glob.h>

#include "ctl_helpers.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_sim, .timeout = 60);

Test(ctl_sim, every_fixture_pack_completes_with_a_valid_file, .timeout = 300)
{
	char *dir = tmpdir_new("ctlsim");
	glob_t g;

	cr_assert_eq(glob("fixtures/packs/*.ini", 0, NULL, &g), 0,
		     "no fixture packs (run from the repo root)");
	cr_assert_gt(g.gl_pathc, 20);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *out = ctl_path(dir, "run.h5"),
		     *log = ctl_path(dir, "log");
		/* a pack speaking a real NMC pack's protocol has that
		 * profile's currents, C/3 and 0.5C (docs/simulator.md, "BMS
		 * personalities") */
		bool leaf = strstr(g.gl_pathv[i], "leaf-aze0") ||
			    strstr(g.gl_pathv[i], "kona64") ||
			    strstr(g.gl_pathv[i], "model3") ||
			    strstr(g.gl_pathv[i], "mg-gen1");
		/* a GB/T pack takes current only in a charge session
		 * (docs/gbt27930.md) */
		bool gbt = strstr(g.gl_pathv[i], "/gbt-") != NULL;
		const char *args[] = {"run",
				      leaf  ? "fixtures/recipes/quick_leaf.txt"
				      : gbt ? "fixtures/recipes/gbt-charge.txt"
					    : "fixtures/recipes/quick.txt",
				      "--sim",
				      g.gl_pathv[i],
				      "-o",
				      out,
				      NULL};
		struct ctl_file f;
		unsigned steps = 0;
		int rc;

		unlink(out); /* the last pack's: run refuses to replace it */
		rc = ctl_bench(log, args);

		cr_expect_eq(rc, 0, "%s: exit %d\n%s", g.gl_pathv[i], rc,
			     ctl_log(log));
		if (rc == 0) {
			ctl_file_read(out, &f);
			cr_expect_str_eq(f.meta.status, "complete", "%s",
					 g.gl_pathv[i]);
			cr_expect_gt(f.meta.series, 0);
			/* one /steps row per executed step, as the end
			 * reason counts them */
			cr_expect_eq(sscanf(f.meta.end_reason,
					    "recipe complete after %u steps",
					    &steps),
				     1, "end_reason '%s'", f.meta.end_reason);
			cr_expect_eq(f.n_steps, steps, "%s: %zu step rows",
				     g.gl_pathv[i], f.n_steps);
			cr_expect_gt(f.n_steps, 3);
			cr_expect(f.monotonic, "%s: time not monotonic",
				  g.gl_pathv[i]);
			cr_expect(f.lengths_equal, "%s", g.gl_pathv[i]);
			cr_expect_lt(fabs(f.last_current_A), 0.5,
				     "%s: ends at %.2f A", g.gl_pathv[i],
				     f.last_current_A);
			cr_expect_null(ctl_event_sev(&f, "abort"));
			ctl_file_free(&f);
		}
		free(out);
		free(log);
	}
	globfree(&g);
	free(dir);
}

/* Pack capacity from the truth file: a healthy pack is limited by its
 * smallest cell (offsets are a fraction of a percent). */
static double truth_min_capacity(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1 << 16];
	size_t n;
	double min = 1e9;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (char *p = buf; (p = strstr(p, "\"capacity_ah\":")); p++) {
		double c = strtod(p + strlen("\"capacity_ah\":"), NULL);

		if (c < min)
			min = c;
	}
	cr_assert_lt(min, 1e9, "no capacity_ah in %s", path);
	return min;
}

Test(ctl_sim, healthy_capacity_within_1_percent_of_truth, .timeout = 120)
{
	char *dir = tmpdir_new("ctlcap");
	char *recipe = tmpfile_write(dir, "cap.txt",
				     "log every 10 s\n"
				     "Charge at C/3 until max cell\n"
				     "Hold at max cell until C/50\n"
				     "Rest for 30 minutes\n"
				     "Discharge at C/5 until min cell "
				     "[tag capacity]\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *truth = ctl_path(dir, "truth.json");
	const char *args[] = {
	    "run",     recipe, "--sim", "fixtures/packs/lfp30-healthy.ini",
	    "--truth", truth,  "-o",	out,
	    NULL};
	struct ctl_file f;
	double want, got = -1;

	cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	want = truth_min_capacity(truth);
	ctl_file_read(out, &f);
	for (size_t i = 0; i < f.n_steps; i++)
		if (!strcmp(f.steps[i].tag, "capacity"))
			got = f.steps[i].discharge_Ah;
	cr_assert_gt(got, 0, "no capacity step");
	cr_expect_lt(fabs(got - want) / want, 0.01,
		     "capacity %.3f Ah, truth %.3f Ah", got, want);
	ctl_file_free(&f);
	free(truth);
	free(log);
	free(out);
	free(recipe);
	free(dir);
}

Test(ctl_sim, bad_recipe_is_one_line_naming_file_line_column)
{
	char *dir = tmpdir_new("ctlbad");
	char *recipe = tmpfile_write(dir, "bad.txt",
				     "Rest for 1 minute\n"
				     "Discharge at C/3 untl 2.5 V\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {
	    "run", recipe, "--sim", "fixtures/packs/lfp30-healthy.ini",
	    "-o",  out,	   NULL};

	cr_assert_eq(ctl_bench(log, args), 1);
	cr_expect(strstr(ctl_log(log), "bad.txt:2:18: expected"), "%s",
		  ctl_log(log));
	cr_expect_neq(access(out, F_OK), 0, "no run file for bad input");
	free(log);
	free(out);
	free(recipe);
	free(dir);
}

Test(ctl_sim, real_run_without_bench_file_is_a_usage_error, .timeout = 30)
{
	char *dir = tmpdir_new("ctlnobench");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run",	   "fixtures/recipes/quick.txt",
			      "--profile", "fixtures/profiles/sim_bms.ini",
			      "--pack-id", "P1",
			      "-o",	   out,
			      NULL};

	cr_assert_eq(ctl_bench(log, args), 2, "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "--bench are required without --sim"),
		  "%s", ctl_log(log));
	cr_expect_neq(access(out, F_OK), 0, "no run file without --bench");
	free(log);
	free(out);
	free(dir);
}

Test(ctl_sim, can_cycler_through_a_bench_file, .timeout = 60)
{
	char *dir = tmpdir_new("ctlcancyc");
	char *bench;
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char cwd[512], ini[1024];
	struct ctl_file f;

	/* the bench file names the DBC relative to itself: use an
	 * absolute path instead of guessing where the tree is */
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	snprintf(ini, sizeof(ini),
		 "[bench]\nid = bay-7\noperator = ci\n[bms]\nbus = sim\n"
		 "[cycler]\nkind = can\nbus = sim\n"
		 "dbc = %s/fixtures/dbc/sim_cycler.dbc\n",
		 cwd);
	bench = tmpfile_write(dir, "bench.ini", ini);
	{
		const char *args[] = {
		    "run",     "fixtures/recipes/quick.txt",
		    "--bench", bench,
		    "--sim",   "fixtures/packs/lfp30-healthy.ini",
		    "-o",      out,
		    NULL};

		cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	}
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	cr_expect_str_eq(f.meta.bench_id, "bay-7");
	cr_expect_str_eq(f.meta.operator_name, "ci");
	cr_expect_gt(f.n_steps, 3);
	cr_expect(strstr(f.meta.instrument_id, "CAN cycler"), "idn '%s'",
		  f.meta.instrument_id);
	ctl_file_free(&f);
	free(bench);
	free(log);
	free(out);
	free(dir);
}
