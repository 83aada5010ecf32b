/* SPDX-License-Identifier: Apache-2.0 */
/* test_gbt_run.c - `bench run` as a GB/T 27930 charger, as a user runs
 * it: the simulated GB/T pack charged from its lower limit to full by
 * fixtures/recipes/gbt-charge.txt, the session in the run file's events;
 * a BMS fault stops the run; recipes a GB/T pack cannot run are refused
 * before any current flows. */
#include "ctl_helpers.h"

#define PACK "fixtures/packs/gbt-lfp-aged.ini"
#define RECIPE "fixtures/recipes/gbt-charge.txt"

/* a test that hangs fails instead of blocking the run */
TestSuite(gbt_run, .timeout = 120);

static const struct run_event *event_with(const struct ctl_file *f,
					  const char *code, const char *text)
{
	for (size_t i = 0; i < f->n_events; i++)
		if (!strcmp(f->events[i].code, code) &&
		    strstr(f->events[i].message, text))
			return &f->events[i];
	return NULL;
}

Test(gbt_run, charge_from_lower_limit_to_full)
{
	char *dir = tmpdir_new("gbtrun");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run", RECIPE, "--sim", PACK, "-o", out, NULL};
	const struct run_step *full = NULL;
	struct ctl_file f;
	int rc = ctl_bench(log, args);

	cr_assert_eq(rc, 0, "exit %d\n%s", rc, ctl_log(log));
	ctl_file_read(out, &f);
	cr_assert_str_eq(f.meta.status, "complete");
	cr_assert_null(ctl_event_sev(&f, "abort"));
	/* the session, in order, in the run file */
	cr_assert(event_with(&f, "bench:GBT_SESSION", "BMS recognised"));
	cr_assert(event_with(&f, "bench:GBT_SESSION", "BCP cell 3.65 V"));
	cr_assert(event_with(&f, "bench:GBT_SESSION", "charging"));
	cr_assert(event_with(&f, "bench:GBT_SESSION",
			     "the BMS stops (BST 0x0004: cell voltage "
			     "reached)"));
	cr_assert(event_with(&f, "bench:GBT_SESSION", "ended (BSD: SOC"));
	/* near full the 1C step follows the BMS's falling demand */
	cr_assert(event_with(&f, "bench:CURRENT_CLAMPED",
			     "by the BMS's current limit"));
	for (size_t i = 0; i < f.n_steps; i++)
		if (strstr(f.steps[i].end_reason,
			   "the charge session stopped charging"))
			full = &f.steps[i];
	cr_assert_not_null(full, "no step ended by the BMS");
	/* 0.80 x 100 Ah from 5 %: the session put most of it in */
	cr_assert(full->charge_Ah > 55 && full->charge_Ah < 80, "%.1f Ah",
		  full->charge_Ah);
	cr_assert_str_eq(f.steps[0].kind, "session_start");
	cr_assert_str_eq(f.steps[f.n_steps - 1].kind, "session_end");
	cr_assert_lt(fabs(f.last_current_A), 0.5);
	ctl_file_free(&f);
	free(out);
	free(log);
	free(dir);
}

Test(gbt_run, bms_insulation_fault_aborts_the_run)
{
	char *dir = tmpdir_new("gbtrun");
	char *pack = ctl_pack_with(dir, "gbt-lfp-aged",
				   "[fault gbt_insulation]\nat = 10 min\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run", RECIPE, "--sim", pack, "-o", out, NULL};
	const struct run_event *ab;
	struct ctl_file f;
	int rc = ctl_bench(log, args);

	cr_assert_eq(rc, 3, "exit %d\n%s", rc, ctl_log(log));
	ctl_file_read(out, &f);
	cr_assert_str_eq(f.meta.status, "aborted");
	ab = ctl_event_sev(&f, "abort");
	cr_assert_not_null(ab);
	cr_assert_str_eq(ab->code, "safety:BMS_FAULT");
	cr_assert(strstr(ab->message, "insulation"), "%s", ab->message);
	cr_assert_lt(fabs(f.last_current_A), 0.5);
	ctl_file_free(&f);
	free(pack);
	free(out);
	free(log);
	free(dir);
}

static void expect_refused(const char *pack, const char *recipe_text,
			   const char *needle)
{
	char *dir = tmpdir_new("gbtrun");
	char *recipe = tmpfile_write(dir, "r.txt", recipe_text);
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run", recipe, "--sim", pack, "-o", out, NULL};
	int rc = ctl_bench(log, args);

	cr_assert_neq(rc, 0, "accepted:\n%s", recipe_text);
	cr_assert(strstr(ctl_log(log), needle), "wanted '%s' in\n%s", needle,
		  ctl_log(log));
	cr_assert_neq(access(out, F_OK), 0, "a run file was left");
	free(recipe);
	free(out);
	free(log);
	free(dir);
}

Test(gbt_run, recipes_a_gbt_pack_cannot_run_are_refused)
{
	expect_refused(PACK, "Discharge at 0.2C for 1 minute\n",
		       "r.txt:1: Discharge at 0.2C for 1 minute: a GB/T "
		       "pack cannot be discharged through its charging port");
	expect_refused(PACK, "Charge at 0.2C for 1 minute\n",
		       "r.txt:1: Charge at 0.2C for 1 minute: outside a "
		       "charge session");
	expect_refused(PACK,
		       "Start charge session\nStart charge session\n"
		       "End charge session\n",
		       "r.txt:2: Start charge session: a charge session is "
		       "already open");
	expect_refused("fixtures/packs/lfp30-aged.ini",
		       "Start charge session\n",
		       "r.txt:1: Start charge session: a charge session "
		       "needs a GB/T pack");
}
