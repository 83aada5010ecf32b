/* SPDX-License-Identifier: Apache-2.0 */
/* test_analysis_selfdischarge.c - S4 on per-cell results shaped like the
 * simulator's hard cases: a leak in a pack too small for mean + 3 sd of
 * all its cells, LFP cells rested full whose mV/day differ 25-fold with
 * the OCV slope while their leak currents agree, and cells resting on the
 * plateau, which must come out as unknown, never as a healthy value. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gradejson.h"

#define NCELL 10

static struct rules R;
static struct pack_result P;
static struct cell_result cells[NCELL];

/* A healthy 10s LFP pack rested full: every cell judged, leaking 0.3 mA,
 * its mV/day 0.4-4.5 as the slope where it rests varies. */
static void lfp_full(void)
{
	cr_assert_eq(rules_load(NULL, &R), 0);
	memset(&P, 0, sizeof(P));
	snprintf(P.pack_id, sizeof(P.pack_id), "sd10");
	snprintf(P.status, sizeof(P.status), "complete");
	snprintf(P.chemistry, sizeof(P.chemistry), "lfp");
	P.chem = CHEM_LFP;
	P.series = NCELL;
	P.parallel = 1;
	P.modules = 2;
	P.rated_ah = 100;
	P.capacity_ah = 94;
	P.soh_capacity = 0.94;
	P.soh_energy = 0.94;
	P.energy_wh = 3000;
	P.round_trip_eff = 0.97;
	P.dcir_mohm = NCELL * 0.7;
	P.ref_r0_mohm = 0.64;
	P.rest_spread_mV = 2;
	P.soc_spread = 0.005;
	P.cap_median_ah = 94;
	P.cap_spread_rel = 0.01;
	P.r_median_mohm = 0.7;
	P.r_spread_ratio = 1.05;
	P.sd_fit_h = 22;
	P.sd_soc = 1.0;
	P.temp_max_C = 28;
	P.temp_spread_C = 2;
	P.cells = cells;
	for (unsigned c = 0; c < NCELL; c++)
		cells[c] = (struct cell_result){
		    .module = c / 5 + 1,
		    .capacity_ah = 94,
		    .offset_soc = 0,
		    .r_0s1_mohm = 0.7,
		    .r_10s_mohm = 1.0,
		    .rest_V = 3.4,
		    .min_rest_V = 3.0,
		    .capacity_lb_ah = NAN,
		    .sd_mv_per_day = 0.4 + 0.45 * c,
		    .sd_se_mv_per_day = 0.05,
		    .leak_ma = 0.3 + 0.02 * c,
		};
}

static enum grade grade(struct grade_result *g)
{
	cr_assert_eq(grade_pack(&P, &R, NULL, g), 0);
	return g->grade;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(analysis_selfdischarge, .timeout = 300);

Test(analysis_selfdischarge, steep_healthy_cells_are_not_leaks,
     .init = lfp_full)
{
	struct grade_result g;

	/* cell 10 rests just past full, where the curve is steepest: 5 mV/day
	 * is far beyond the others' mV/day and above the resolution floor,
	 * but its leak current is like theirs */
	for (unsigned c = 0; c < NCELL; c++)
		cells[c].sd_mv_per_day = 0.4 + 0.05 * c;
	cells[9].sd_mv_per_day = 5;
	cells[9].leak_ma = 0.5;
	cr_assert_eq(grade(&g), GRADE_REUSE, "%s", g.reasons[0]);
	for (unsigned c = 0; c < NCELL; c++)
		cr_assert_eq(g.cell_flags[c], 0, "cell %u", c + 1);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, leak_found_in_a_small_pack, .init = lfp_full)
{
	struct grade_result g;

	/* a 9 mA cell resting where the curve is shallow: only 1.2 mV/day,
	 * less than healthy cells show nearer full; and one of ten values can
	 * never exceed the mean + 3 sd of all ten */
	cells[3].sd_mv_per_day = 1.2;
	cells[3].leak_ma = 9;
	cr_assert_eq(grade(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[3], CELL_SELF_DISCHARGE);
	cr_assert_eq(g.n_replace, 1);
	cr_assert_eq(g.replace_modules[0], 1);
	grade_result_release(&g);
	/* a slope its own fit does not resolve is noise, whatever its leak */
	cells[3].sd_se_mv_per_day = 0.5;
	cr_assert_eq(grade(&g), GRADE_REUSE);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, below_the_leak_limit_is_healthy, .init = lfp_full)
{
	struct grade_result g;

	/* an outlier among cells leaking 0.3 mA, but under 3 mA: not 10x a
	 * healthy cell */
	cells[3].leak_ma = 2.5;
	cr_assert_eq(grade(&g), GRADE_REUSE);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, plateau_cells_are_unknown_not_healthy,
     .init = lfp_full)
{
	struct grade_result g;
	char *js;

	for (unsigned c = 0; c < NCELL; c++)
		cells[c].sd_mv_per_day = cells[c].leak_ma = NAN;
	P.sd_unjudged = true;
	P.sd_unjudged_cells = NCELL;
	P.sd_soc = 0.45;
	cr_assert_eq(grade(&g), GRADE_REUSE);
	cr_assert(strstr(g.reasons[0], "self-discharge not judged"), "%s",
		  g.reasons[0]);
	cr_assert(strstr(g.reasons[g.n_reasons - 1], "not judged"), "%s",
		  g.reasons[g.n_reasons - 1]);
	js = grade_json_string(&P, &g);
	cr_assert_not_null(js);
	cr_assert(strstr(js, "\"self_discharge_mv_per_day\":null"), "%s", js);
	cr_assert_null(strstr(js, "\"self_discharge_mv_per_day\":0"), "%s", js);
	cr_assert(strstr(js, "\"cells_judged\":0,\"mean_mv_per_day\":null,"
			     "\"max_mv_per_day\":null"),
		  "%s", js);
	free(js);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, a_run_without_the_rest_judges_no_cell,
     .init = lfp_full)
{
	struct grade_result g;
	char *js;

	/* no self-discharge rest in the recipe: the analysis leaves every
	 * cell's value unknown and counts none of them on a plateau */
	for (unsigned c = 0; c < NCELL; c++)
		cells[c].sd_mv_per_day = cells[c].leak_ma = NAN;
	P.sd_fit_h = NAN;
	P.sd_unjudged = false;
	P.sd_unjudged_cells = 0;
	cr_assert_eq(grade_pack(&P, &R, NULL, &g), 0);
	js = grade_json_string(&P, &g);
	cr_assert_not_null(js);
	cr_assert(strstr(js, "\"cells_judged\":0,"), "%s", js);
	free(js);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, judged_cells_are_the_measured_ones,
     .init = lfp_full)
{
	struct grade_result g;
	char *js;

	for (unsigned c = 5; c < NCELL; c++)
		cells[c].sd_mv_per_day = cells[c].leak_ma = NAN;
	P.sd_unjudged_cells = 5;
	cr_assert_eq(grade_pack(&P, &R, NULL, &g), 0);
	js = grade_json_string(&P, &g);
	cr_assert_not_null(js);
	cr_assert(strstr(js, "\"cells_judged\":5,"), "%s", js);
	free(js);
	grade_result_release(&g);
}

Test(analysis_selfdischarge, some_cells_on_the_plateau_are_counted,
     .init = lfp_full)
{
	struct grade_result g;

	/* a weak module ended the charge: the other module rests on the
	 * plateau, the leak in the judged module is still found */
	for (unsigned c = 5; c < NCELL; c++)
		cells[c].sd_mv_per_day = cells[c].leak_ma = NAN;
	P.sd_unjudged_cells = 5;
	cells[1].sd_mv_per_day = 6;
	cells[1].leak_ma = 9;
	cr_assert_eq(grade(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[1], CELL_SELF_DISCHARGE);
	bool said = false;

	for (size_t k = 0; k < g.n_reasons; k++)
		said |= strstr(g.reasons[k], "not judged for 5 of 10 cells") !=
			NULL;
	cr_assert(said);
	grade_result_release(&g);
}
