/* SPDX-License-Identifier: Apache-2.0 */
/* test_fastgrade_real.c - the fast grade's capacity estimator on the real
 * instrument files of fixtures/import/real/ (docs/grading.md, "The fast
 * estimator on real cells"): every rest-discharge-rest window, read as
 * the fast recipe's capacity leg, against the full discharge the
 * instrument counted. Each error is held within 1 point of the figure the
 * doc reports, both as the file rested and with the rests cut to the fast
 * recipe's 5 minutes; where the curve cannot read a cell (a half cell, a
 * chemistry above both curves) no capacity is made up. `bench cycles
 * --fast-windows` prints the same figures. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/fastwin.h"
#include "import/import_write.h"
#include "support.h"

TestSuite(fastgrade_real, .timeout = 60);

#define REAL "fixtures/import/real/"
/* fixtures/recipes/fast.txt rests 5 minutes at each end of its legs */
#define FAST_REST_S 300.0
/* how far a figure may move before docs/grading.md must follow it */
#define DOC_TOL_PCT 1.0

/* One window: the rests' step counts, the leg whose discharge is the full
 * one the instrument measured, the error in % as docs/grading.md reports
 * it (as the file rested, rests cut to 5 minutes); NAN: no capacity. */
struct leg_case {
	unsigned step0, step1;
	size_t ref_leg;
	double err_pct, err_pct_5min;
};

struct file_case {
	const char *path, *chem;
	size_t n_legs;
	struct leg_case leg[4]; /* all legs unestimated when empty */
};

static const struct file_case cases[] = {
    /* ~5.8 Ah cell, 2.5-4.2 V: arrives at 3.88 V, then a full cycle */
    {REAL "nda130_bts91_TestFile.nda",
     "nmc",
     2,
     {{1, 3, 1, -7.13, -8.50}, {6, 8, 1, 3.90, 2.96}}},
    /* LFP at about 3C, CC only to 3.6 V */
    {REAL "arbin_battdat_example.csv", "lfp", 1, {{8, 12, 0, -16.12, -16.12}}},
    /* 4.1-2.7 V reference discharges, chemistry not given */
    {REAL "maccor_beep_PredictionDiagnostics_000109_tztest.010",
     "nmc",
     3,
     {{2, 4, 0, 30.08, 22.08},
      {8, 10, 1, 32.19, 23.12},
      {14, 16, 2, 34.04, 24.01}}},
    /* simulated by BattMo, not an instrument */
    {REAL "bdf_battmo_cut.csv",
     "lfp",
     3,
     {{4, 6, 0, 0.24, 0.18}, {8, 10, 1, 5.18, 4.54}, {13, 15, 2, 4.84, 4.26}}},
    /* rests at 4.15-4.44 V: above both curves' full */
    {REAL "neware_regular_export_bts8_cut.csv", "nmc", 3, {{0}}},
    /* half cells against lithium: below both curves' empty */
    {REAL "20160805_test001_45_cc_01.res", "nmc", 17, {{0}}},
    {REAL "neware_flat_uio_cut.csv", "nmc", 3, {{0}}},
    /* a microamp test near 0 V */
    {REAL "biologic_mb_cheminfo.mpt", "nmc", 3, {{0}}},
};

static void load(const char *run, const struct file_case *k, double rest_s,
		 struct fastwin *fw)
{
	cr_assert_eq(fastwin_load(run, k->chem, NULL, rest_s, fw), 0, "%s",
		     k->path);
	cr_assert_eq(fw->n, k->n_legs, "%s: %zu windows, expected %zu", k->path,
		     fw->n, k->n_legs);
}

static void check_leg(const struct file_case *k, const struct fastwin *fw,
		      size_t i, bool cut)
{
	const struct leg_case *c = &k->leg[i];
	const struct fastwin_leg *l = &fw->leg[i];
	double ref = fw->leg[c->ref_leg].discharge_ah;
	double err = 100.0 * (l->capacity_ah / ref - 1.0);
	double want = cut ? c->err_pct_5min : c->err_pct;

	cr_expect_eq(l->step0, c->step0, "%s leg %zu", k->path, i);
	cr_expect_eq(l->step1, c->step1, "%s leg %zu", k->path, i);
	cr_expect(fabs(err - want) <= DOC_TOL_PCT,
		  "%s steps %u-%u%s: %.4f Ah for %.4f measured, %+.2f %% "
		  "(docs/grading.md: %+.2f %%)",
		  k->path, l->step0, l->step1, cut ? " (5 min rests)" : "",
		  l->capacity_ah, ref, err, want);
}

static void check_file(const struct file_case *k)
{
	char *dir = tmpdir_new("fastreal");
	char run[512];
	struct import_opts o = {0};
	struct import_result r;

	cr_assert_eq(access(k->path, R_OK), 0,
		     "%s missing: see fixtures/import/real/README.md", k->path);
	snprintf(run, sizeof(run), "%s/run.h5", dir);
	cr_assert_eq(import_file(k->path, run, &o, &r), 0, "%s", k->path);
	for (int cut = 0; cut < 2; cut++) {
		struct fastwin fw;

		load(run, k, cut ? FAST_REST_S : 0, &fw);
		for (size_t i = 0; i < fw.n; i++) {
			if (k->leg[0].step1)
				check_leg(k, &fw, i, cut);
			else
				cr_expect(isnan(fw.leg[i].capacity_ah) &&
					      isnan(fw.leg[i].capacity_lb_ah),
					  "%s steps %u-%u: %.4f Ah read off a "
					  "curve that is not the cell's",
					  k->path, fw.leg[i].step0,
					  fw.leg[i].step1,
					  fw.leg[i].capacity_ah);
		}
		fastwin_free(&fw);
	}
	unlink(run);
	rmdir(dir);
	free(dir);
}

Test(fastgrade_real, neware_nda_arrival_and_full_cycle)
{
	check_file(&cases[0]);
}

Test(fastgrade_real, arbin_lfp)
{
	check_file(&cases[1]);
}

Test(fastgrade_real, maccor_reference_discharges)
{
	check_file(&cases[2]);
}

Test(fastgrade_real, bdf_battmo_simulated)
{
	check_file(&cases[3]);
}

Test(fastgrade_real, no_capacity_off_the_curves)
{
	for (size_t k = 4; k < sizeof(cases) / sizeof(cases[0]); k++)
		check_file(&cases[k]);
}

/* Run cmd; its stdout and stderr in out; its exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
	char full[1024];
	FILE *p;
	size_t n;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(fastgrade_real, cli_fast_windows)
{
	char *dir = tmpdir_new("fastcli");
	char run_h5[512], cmd[1024], out[8192];

	snprintf(run_h5, sizeof(run_h5), "%s/nda.h5", dir);
	snprintf(cmd, sizeof(cmd), "bin/bench import %s -o %s", cases[0].path,
		 run_h5);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench cycles %s --fast-windows --chemistry nmc "
		 "--rest-s 300 --json",
		 run_h5);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_expect_not_null(strstr(out, "\"rest_step_before\":1,"), "%s", out);
	cr_expect_not_null(strstr(out, "\"capacity_ah\":5.31"), "%s", out);
	cr_expect_not_null(strstr(out, "\"capacity_ah\":5.97"), "%s", out);
	/* an imported file names no chemistry: no curve is guessed */
	snprintf(cmd, sizeof(cmd), "bin/bench cycles %s --fast-windows",
		 run_h5);
	cr_expect_eq(run(cmd, out, sizeof(out)), 1, "%s", out);
	cr_expect_not_null(strstr(out, "names no chemistry"), "%s", out);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench cycles %s --fast-windows --chemistry nmc "
		 "--rest-s 30",
		 run_h5);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect_not_null(strstr(out, "--rest-s '30'"), "%s", out);
	unlink(run_h5);
	rmdir(dir);
	free(dir);
}
