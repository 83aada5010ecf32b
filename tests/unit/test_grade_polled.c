/* SPDX-License-Identifier: Apache-2.0 */
/* test_grade_polled.c - cells read by a polled BMS (one sweep every 10 s):
 * no per-cell pulse resistance from readings that straddle the edge, no
 * "high resistance" from it, the pack's resistance stands in for G2, and
 * capacity still comes from the rests (docs/grading.md, "DC resistance"). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "analysis/analyze.h"
#include "analysis/grade.h"
#include "analysis/metrics.h"
#include "analysis/rules.h"
#include "analysis_synth.h"

Test(metrics_fresh, held_readings_are_not_fresh, .timeout = 10)
{
	double t[120], v[120], held[120];

	/* 10 Hz, a 1 A/mOhm-like step at t = 0 and a slow creep after it */
	for (int k = 0; k < 120; k++) {
		t[k] = -2.0 + 0.1 * k;
		v[k] = t[k] < 0 ? 3.700 : 3.650 - 0.001 * t[k];
	}
	cr_assert(metrics_pulse_fresh(t, v, 120, 0.0));
	/* one sweep every 10 s, landing 0.3 s after the edge: a single
	 * change in the fit window, whatever its size */
	for (int k = 0; k < 120; k++)
		held[k] = t[k] < 0.3 ? 3.700 : v[23];
	cr_assert_not(metrics_pulse_fresh(t, held, 120, 0.0));
	/* nothing at all after the edge */
	cr_assert_not(metrics_pulse_fresh(t, v, 20, 0.0));
}

static struct synth s;
static struct rundata *rd;
static struct pack_result pr;
static struct rules R;
static struct grade_result g;

/* The BMS's cell readings held between sweeps 10 s apart, the way a
 * polled pack's rows are logged at 10 Hz. */
static void hold_cells_between_sweeps(struct synth *sy, double period_s)
{
	size_t last = 0;

	for (size_t r = 1; r < sy->rows; r++) {
		if (floor(sy->t[r] / period_s) != floor(sy->t[last] / period_s))
			last = r;
		else
			memcpy(sy->cells + r * sy->n, sy->cells + last * sy->n,
			       sy->n * sizeof(float));
	}
}

/* 8 cells, cell 6 at 2x R0: its own readings cannot show that */
static void setup(void)
{
	sy_init(&s, 8, 94, 0.85);
	s.r0_mohm[5] = 1.70;
	sy_overnight(&s, 94);
	hold_cells_between_sweeps(&s, 10.0);
	cr_assert_eq(sy_build(&s, 0, &rd), 0);
	cr_assert_eq(analyze_run(rd, &pr), 0);
	cr_assert_eq(rules_load(NULL, &R), 0);
	cr_assert_eq(grade_pack(&pr, &R, NULL, &g), 0);
}

static void teardown(void)
{
	grade_result_release(&g);
	pack_result_release(&pr);
	rundata_free(rd);
	sy_free(&s);
}

TestSuite(grade_polled, .init = setup, .fini = teardown, .timeout = 120);

Test(grade_polled, no_cell_resistance_from_slow_readings)
{
	cr_assert_eq(pr.r_slow_cells, 8);
	for (unsigned c = 0; c < 8; c++) {
		cr_assert(isnan(pr.cells[c].r_0s1_mohm), "cell %u: %.4f", c + 1,
			  pr.cells[c].r_0s1_mohm);
		cr_assert(isnan(pr.cells[c].r_10s_mohm));
		cr_assert_eq(g.cell_flags[c] & CELL_HIGH_R, 0, "cell %u",
			     c + 1);
	}
	/* the pack's voltage is logged at the pulse rate: still measured */
	double sum = 0;

	for (unsigned c = 0; c < 8; c++)
		sum += s.r0_mohm[c];
	cr_assert(fabs(pr.dcir_mohm - sum) / sum < 0.01, "%.4f vs %.4f",
		  pr.dcir_mohm, sum);
}

Test(grade_polled, capacity_still_from_the_rests)
{
	for (unsigned c = 0; c < 8; c++)
		cr_assert(fabs(pr.cells[c].capacity_ah - s.cap_ah[c]) /
				  s.cap_ah[c] <
			      0.01,
			  "cell %u: %.3f vs %.3f", c + 1,
			  pr.cells[c].capacity_ah, s.cap_ah[c]);
}

Test(grade_polled, grade_says_not_judged_and_uses_the_pack)
{
	bool said = false;

	for (size_t k = 0; k < g.n_reasons; k++)
		said |=
		    strstr(g.reasons[k], "not judged for 8 of 8 cells") != NULL;
	cr_assert(said, "no 'not judged' reason");
	/* G2 on the pack's share per cell, not "no pulse resistance" */
	cr_assert(fabs(g.r_ratio * g.r_ref_mohm - pr.dcir_mohm / 8) < 1e-9,
		  "ratio %.4f", g.r_ratio);
}
