/* SPDX-License-Identifier: Apache-2.0 */
/* test_recipe_refused.c - a recipe the pack, its profile or the bench
 * cannot take never starts: `bench run` exits non-zero with the recipe
 * line and the limit, and creates no run file; `bench recipe check` says
 * the same without running (docs/recipes.md "Checked before the run"). */
#include "ctl_helpers.h"

struct refused {
	const char *recipe;
	const char *bench;  /* bench file text, or NULL */
	const char *expect; /* in the output */
};

static void expect_refused(const struct refused *c)
{
	char *dir = tmpdir_new("refused");
	char *recipe = tmpfile_write(dir, "overnight.txt", c->recipe);
	char *bench = c->bench ? tmpfile_write(dir, "lab.ini", c->bench) : NULL;
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *run[16] = {
	    "run",     recipe, "--sim", "fixtures/packs/nmc96-healthy.ini",
	    "--speed", "max",  "-o",	out};
	const char *chk[8] = {"recipe", "check", recipe, "--profile",
			      "fixtures/profiles/sim_bms.ini"};
	int rc;

	if (bench) {
		run[8] = "--bench";
		run[9] = bench;
		chk[5] = "--bench";
		chk[6] = bench;
	}
	rc = ctl_bench(log, run);
	cr_expect_neq(rc, 0, "bench run accepted it:\n%s", ctl_log(log));
	cr_expect_neq(access(out, F_OK), 0, "a run file was created");
	cr_expect(strstr(ctl_log(log), c->expect), "'%s' not in:\n%s",
		  c->expect, ctl_log(log));
	rc = ctl_bench(log, chk);
	cr_expect_eq(rc, 1, "bench recipe check: exit %d\n%s", rc,
		     ctl_log(log));
	cr_expect(strstr(ctl_log(log), "overnight.txt:"), "%s", ctl_log(log));
	free(recipe);
	free(bench);
	free(out);
	free(log);
	free(dir);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(recipe_refused, .timeout = 60);

Test(recipe_refused, hold_above_the_cell_maximum, .timeout = 30)
{
	expect_refused(&(struct refused){
	    .recipe = "log every 1 s\nRest for 1 minute\n"
		      "Charge at C/3 until max cell\n"
		      "Hold at 4.6 V until C/20\n",
	    .expect = "overnight.txt:4: Hold at 4.6 V until C/20: above the "
		      "profile's cell operating maximum 4.20 V",
	});
}

Test(recipe_refused, current_above_the_profile, .timeout = 30)
{
	expect_refused(&(struct refused){
	    .recipe = "Charge at 2C for 10 minutes\n",
	    .expect = "overnight.txt:1: Charge at 2C for 10 minutes: 188.0 A "
		      "above the profile's operating charge current 94.0 A",
	});
}

Test(recipe_refused, current_above_the_bench_file, .timeout = 30)
{
	expect_refused(&(struct refused){
	    .recipe = "Discharge at 1C for 10 minutes\n",
	    .bench = "[bench]\nid = lab\n\n[bms]\nbus = sim\n\n"
		     "[cycler]\nkind = sim\n\n"
		     "[limits]\ncurrent = -50 A to 50 A\n",
	    .expect = "94.0 A above the bench file's hard limit 50.0 A "
		      "(lab.ini current)",
	});
}

Test(recipe_refused, a_fitting_recipe_checks_clean, .timeout = 30)
{
	char *dir = tmpdir_new("refused");
	char *log = ctl_path(dir, "log");
	const char *chk[] = {"recipe",
			     "check",
			     "fixtures/recipes/overnight.txt",
			     "--profile",
			     "fixtures/profiles/sim_bms.ini",
			     "--bench",
			     "fixtures/bench/lab-scpi.ini",
			     NULL};
	int rc = ctl_bench(log, chk);

	cr_expect_eq(rc, 0, "%s", ctl_log(log));
	free(log);
	free(dir);
}
