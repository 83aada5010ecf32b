/* SPDX-License-Identifier: Apache-2.0 */
/* test_metrics_synth.c - metrics on a synthetic run with exact answers. */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/analyze.h"
#include "analysis_synth.h"

static struct synth s;
static struct rundata *rd;
static struct pack_result pr;

/* 8 cells, 94 Ah: cell 3 weak (70 %), cell 5 offset -8 % SOC, cell 6 high
 * R (2x), cell 8 leaks 8 mA */
static void setup(void)
{
	sy_init(&s, 8, 94, 0.85);
	s.cap_ah[2] = 94 * 0.70;
	s.soc[4] -= 0.08;
	s.r0_mohm[5] = 1.70;
	s.sd_ma[7] = 8;
	sy_overnight(&s, 94);
	cr_assert_eq(sy_build(&s, RD_PLOTS, &rd), 0);
	cr_assert_eq(analyze_run(rd, &pr), 0);
}

static void teardown(void)
{
	pack_result_release(&pr);
	rundata_free(rd);
	sy_free(&s);
}

TestSuite(metrics_synth, .init = setup, .fini = teardown, .timeout = 120);

Test(metrics_synth, pack_capacity_is_the_weak_cells)
{
	/* from full (first cell full) to empty (first cell empty): the weak
	 * cell 3 limits both ends: 70 % of 94 Ah, plus at most one 10 s log
	 * interval of overshoot (0.09 Ah) */
	cr_assert(pr.capacity_ah >= 65.8 && pr.capacity_ah < 65.8 + 0.1,
		  "capacity %.3f", pr.capacity_ah);
	cr_assert(fabs(pr.soh_capacity - 0.70) < 0.0015);
	cr_assert(pr.energy_wh > 0);
	cr_assert(pr.round_trip_eff > 0.9 && pr.round_trip_eff < 1.0,
		  "rte %.4f", pr.round_trip_eff);
	cr_assert_eq(pr.discharge_end_cell, 3);
}

Test(metrics_synth, per_cell_capacity_from_rested_ocv)
{
	for (unsigned c = 0; c < 8; c++) {
		double truth = s.cap_ah[c];

		/* cells that do not reach 0 % or 100 % in the capacity step
		 * read through the OCV curve: exact here */
		cr_assert(fabs(pr.cells[c].capacity_ah - truth) / truth < 0.005,
			  "cell %u: %.3f vs %.3f", c + 1,
			  pr.cells[c].capacity_ah, truth);
	}
}

Test(metrics_synth, pulse_resistance_ohmic_exact)
{
	for (unsigned c = 0; c < 8; c++)
		cr_assert(fabs(pr.cells[c].r_0s1_mohm - s.r0_mohm[c]) /
				  s.r0_mohm[c] <
			      0.01,
			  "cell %u: %.4f vs %.4f", c + 1,
			  pr.cells[c].r_0s1_mohm, s.r0_mohm[c]);
	double sum = 0;

	for (unsigned c = 0; c < 8; c++)
		sum += s.r0_mohm[c];
	cr_assert(fabs(pr.dcir_mohm - sum) / sum < 0.01);
	/* 1.5 h at C/3 of rated after empty, over the usable 65.8 Ah */
	cr_assert(fabs(pr.dcir_soc - 94.0 / 3 * 1.5 / pr.capacity_ah) < 0.01,
		  "soc %.3f", pr.dcir_soc);
}

Test(metrics_synth, self_discharge_slope_and_leak)
{
	/* 8 mA on 94 Ah over a day at ~the pulse SOC */
	cr_assert(fabs(pr.cells[7].leak_ma - 8.0) < 0.4, "leak %.3f",
		  pr.cells[7].leak_ma);
	cr_assert(pr.cells[7].sd_mv_per_day > 0.5);
	for (unsigned c = 0; c < 7; c++)
		cr_assert(fabs(pr.cells[c].sd_mv_per_day) < 0.01,
			  "cell %u %.4f", c + 1, pr.cells[c].sd_mv_per_day);
}

Test(metrics_synth, offset_cell_is_seen_in_its_window)
{
	cr_assert(fabs(pr.cells[4].offset_soc + 0.08) < 0.01, "offset %.4f",
		  pr.cells[4].offset_soc);
	cr_assert(pr.rest_spread_mV > 30);
	cr_assert(pr.rebalance_gain_ah < 0.5); /* the weak cell limits */
}

Test(metrics_synth, dqdv_integrates_to_the_discharge)
{
	double sum = 0;

	for (int b = 0; b < rd->ica[0].n_bins; b++)
		sum += rd->ica[0].ah[b];
	cr_assert(fabs(sum - pr.capacity_ah) / pr.capacity_ah < 0.02, "%.3f",
		  sum);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(metrics, .timeout = 120);

Test(metrics, pulse_fit_survives_a_slewed_edge)
{
	/* current ramps over 1 s; V = 3.6 + R*I + creep, R = 1 mOhm */
	double t[40], i[40], v[40];
	struct pulse_r r;

	for (int k = 0; k < 40; k++) {
		t[k] = -1.0 + 0.1 * k;
		double tt = t[k] > 0 ? t[k] : 0;
		i[k] = -100.0 * (tt < 1 ? tt : 1);
		v[k] = 3.6 + i[k] * 0.001 + 0.0005 * (-tt * 100) / 100;
	}
	cr_assert_eq(metrics_pulse_r(t, i, v, 40, 0.0, &r), 0);
	cr_assert(fabs(r.r_0s1_mohm - 1.0) < 0.02, "%.4f", r.r_0s1_mohm);
	cr_assert(fabs(r.r_2s_mohm - (1.0 + 0.5 * 2 / 100.0 * 1000 / 1000)) <
		  0.05);
	cr_assert(isnan(r.r_10s_mohm)); /* window too short */
}

Test(metrics, pulse_cut_short_gives_no_resistance)
{
	/* a charge pulse that hit the voltage limit at once: the current
	 * never steps; 0.05 A of sensor noise must not become a resistance */
	double t[30], i[30], v[30];
	struct pulse_r r;

	for (int k = 0; k < 30; k++) {
		t[k] = -1.0 + 0.1 * k;
		i[k] = k % 2 ? 0.05 : 0.0;
		v[k] = 4.19 + (k % 3) * 0.001;
	}
	cr_assert_lt(metrics_pulse_r(t, i, v, 30, 0.0, &r), 0);
	cr_assert(isnan(r.r_0s1_mohm));
}

Test(metrics, integrate_and_stats)
{
	double t[3] = {0, 1800, 3600};
	float i[3] = {-10, -10, -10}, v[3] = {3.5f, 3.5f, 3.5f};
	struct ahwh a;
	double x[5] = {1, 2, NAN, 3, 10};

	metrics_integrate(t, i, v, 3, &a);
	cr_assert_float_eq(a.discharge_Ah, 10.0, 1e-9);
	cr_assert_float_eq(a.discharge_Wh, 35.0, 1e-5);
	cr_assert_float_eq(a.charge_Ah, 0.0, 1e-12);
	cr_assert_float_eq(metrics_median(x, 5), 2.5, 1e-12);
	cr_assert_float_eq(metrics_mean(x, 5), 4.0, 1e-12);
	cr_assert(isnan(metrics_cell_capacity_ah(1.0, 0.5, 0.49)));
	cr_assert_float_eq(metrics_cell_capacity_ah(-47.0, 1.0, 0.5), 94.0,
			   1e-9);
}

Test(metrics, ocv_inverse_round_trips)
{
	for (double soc = 0.0; soc <= 1.0; soc += 0.013) {
		cr_assert_float_eq(
		    ocvcurve_soc(&ocvtab_nmc, ocvcurve_V(&ocvtab_nmc, soc)),
		    soc, 1e-9);
		cr_assert_float_eq(
		    ocvcurve_soc(&ocvtab_lfp, ocvcurve_V(&ocvtab_lfp, soc)),
		    soc, 1e-9);
	}
	cr_assert(!ocvcurve_soc_reliable(&ocvtab_lfp, 0.5));
	cr_assert(ocvcurve_soc_reliable(&ocvtab_lfp, 0.03));
	cr_assert(ocvcurve_soc_reliable(&ocvtab_nmc, 0.5));
}
