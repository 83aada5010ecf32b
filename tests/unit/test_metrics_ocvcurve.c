/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_ocvcurve.c - a run graded on its own OCV curve: cells that
 * follow a curve unlike the built-in NMC, run through the fast grade's
 * capacity leg (rested OCV, a partial discharge, rested OCV). With the
 * curve in the run's ocv_curve (written and read back through the run
 * file) each cell's capacity is exact; without it the built-in curve is
 * read, as for a file written before the attribute existed. */
#include <criterion/criterion.h>
#include <math.h>
#include <unistd.h>

#define SY_WITH_H5LOG
#include "analysis/analyze.h"
#include "analysis_synth.h"
#include "common/rc.h"
#include "support.h"

TestSuite(metrics_ocvcurve, .timeout = 60);

/* flatter and higher in the middle than the MJ1 */
#define CELL_CURVE "0:3.0 10:3.50 30:3.62 50:3.70 70:3.86 90:4.05 100:4.15"
#define CAP_AH 10.0

static void leg(struct synth *s, struct ocvtab *cell)
{
	char err[160];

	cr_assert_eq(
	    ocvtab_parse(CELL_CURVE, 2.0, 4.25, cell, err, sizeof(err)),
	    BENCH_OK, "%s", err);
	sy_init(s, 4, CAP_AH, 0.85);
	s->ocv = cell;
	for (unsigned c = 0; c < 4; c++)
		s->soc[c] = 0.85 - 0.02 * c;
	s->now = 0;
	sy_row(s, 0);
	sy_step(s, "rest", "ocv", 0, 1800, SY_FOR, 10);
	sy_step(s, "discharge", "capacity", -CAP_AH / 3, 5400, SY_FOR, 10);
	sy_step(s, "rest", "ocv", 0, 1800, SY_FOR, 10);
}

/* each cell's capacity error in % of its true one, worst of the four */
static double worst_err_pct(const struct rundata *rd)
{
	struct pack_result pr;
	double worst = 0;

	cr_assert_eq(analyze_run(rd, &pr), 0);
	for (unsigned c = 0; c < 4; c++) {
		double e = 100 * fabs(pr.cells[c].capacity_ah / CAP_AH - 1);

		cr_assert(!isnan(e), "cell %u: no capacity", c + 1);
		worst = fmax(worst, e);
	}
	pack_result_release(&pr);
	return worst;
}

Test(metrics_ocvcurve, graded_on_the_files_curve)
{
	struct synth s;
	struct ocvtab cell;
	struct rundata *rd = NULL;
	char *dir = tmpdir_new("ocvcurve"), path[512];
	struct rd_opts o;

	leg(&s, &cell);
	cr_assert_eq(
	    ocvtab_format(&cell, s.meta.ocv_curve, sizeof(s.meta.ocv_curve)),
	    BENCH_OK);
	snprintf(path, sizeof(path), "%s/run.h5", dir);
	cr_assert_eq(sy_write_h5(&s, path), 0);
	rd_opts_default(&o);
	cr_assert_eq(rundata_load(path, &o, &rd), 0);
	cr_assert_str_eq(rd->meta.ocv_curve, s.meta.ocv_curve);
	cr_assert_eq(rd->ocv.n, 7);
	double e = worst_err_pct(rd);
	cr_expect(e < 0.5, "own curve: %.2f %% off", e);
	rundata_free(rd);
	unlink(path);
	rmdir(dir);
	free(dir);
	sy_free(&s);
}

Test(metrics_ocvcurve, without_it_the_chemistrys_curve_as_before)
{
	struct synth s;
	struct ocvtab cell;
	struct rundata *rd = NULL;

	leg(&s, &cell);
	cr_assert_eq(sy_build(&s, 0, &rd), 0);
	cr_assert_eq(rd->ocv.n, ocvtab_nmc.n);
	cr_assert_float_eq(rd->ocv.pt[5].ocv_V, ocvtab_nmc.pt[5].ocv_V, 0);
	double e = worst_err_pct(rd);
	cr_expect(e > 5, "the built-in curve read this cell %.2f %% off", e);
	rundata_free(rd);
	/* an LFP file without a curve reads the LFP one */
	snprintf(s.meta.chemistry, sizeof(s.meta.chemistry), "lfp");
	cr_assert_eq(sy_build(&s, 0, &rd), 0);
	cr_assert_eq(rd->ocv.n, ocvtab_lfp.n);
	rundata_free(rd);
	sy_free(&s);
}

Test(metrics_ocvcurve, a_bad_curve_in_the_file_is_refused)
{
	struct synth s;
	struct ocvtab cell;
	struct rundata *rd = NULL;

	logcap_start();
	leg(&s, &cell);
	snprintf(s.meta.ocv_curve, sizeof(s.meta.ocv_curve),
		 "0:3.0 50:3.6 40:3.7 100:4.1");
	cr_assert_lt(sy_build(&s, 0, &rd), 0);
	cr_assert_null(rd);
	cr_assert(strstr(logcap_text(), "synthetic: OCV curve: SOC must rise"),
		  "%s", logcap_text());
	logcap_stop();
	sy_free(&s);
}
