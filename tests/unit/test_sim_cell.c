/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_cell.c - the cell physics a battery engineer would check. */
#include <math.h>

#include <criterion/criterion.h>

#include "bench/sim/cell.h"
#include "bench/sim/ocv.h"

#define DT 0.1

static struct cell_param fresh(double cap_Ah, double r0_mohm)
{
	/* clang-format off */
	struct cell_param p = {
		.capacity_As = cap_Ah * 3600,
		.r0_ohm = r0_mohm * 1e-3,
		.self_discharge_A = 0,
		.heat_cap_J_per_K = CELL_HEAT_CAP_J_PER_K_AH * cap_Ah,
	};
	/* clang-format on */
	return p;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_ocv, .timeout = 60);

Test(sim_ocv, table_points_and_limits)
{
	cr_assert_float_eq(ocv_V(OCV_NMC, 0.0), 2.5, 1e-9);
	cr_assert_float_eq(ocv_V(OCV_NMC, 0.5), 3.636, 1e-6);
	cr_assert_float_eq(ocv_V(OCV_NMC, 1.0), 4.123, 1e-6);
	cr_assert_float_eq(ocv_V(OCV_LFP, 0.5), 3.270, 1e-6);
	cr_assert_float_eq(ocv_V(OCV_LFP, 1.0), 3.590, 1e-6);
	/* LFP plateau: 30..80 % spans under 70 mV */
	cr_assert_lt(ocv_V(OCV_LFP, 0.8) - ocv_V(OCV_LFP, 0.3), 0.07);
}

Test(sim_ocv, steep_outside_the_table)
{
	for (int chem = 0; chem < 2; chem++) {
		double full = ocv_V(chem, 1.0), empty = ocv_V(chem, 0.0);

		/* >= 100 mV per % past full, no clamp */
		cr_assert_geq(ocv_V(chem, 1.01) - full, 0.1 - 1e-9);
		cr_assert_gt(ocv_V(chem, 1.02), ocv_V(chem, 1.01) + 0.099);
		cr_assert_leq(ocv_V(chem, -0.01), empty - 0.1 + 1e-9);
	}
	/* a CV hold at the upper limit ends a fraction of a % past full */
	cr_assert_lt(ocv_V(OCV_NMC, 1.005), 4.2);
	cr_assert_gt(ocv_V(OCV_NMC, 1.006), 4.2);
	cr_assert_lt(ocv_V(OCV_LFP, 1.003), 3.65);
	cr_assert_gt(ocv_V(OCV_LFP, 1.005), 3.65);
}

Test(sim_ocv, monotonic)
{
	for (int chem = 0; chem < 2; chem++)
		for (int i = 0; i < 1100; i++)
			cr_assert_gt(ocv_V(chem, (i + 1) / 1000.0),
				     ocv_V(chem, i / 1000.0),
				     "chem %d at %d per mille", chem, i);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_cell, .timeout = 60);

Test(sim_cell, fresh_cell_delivers_capacity_at_c3)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;
	double ah = 0, I = -94.0 / 3;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 1.0, 25);
	while (st.voltage_V > 2.5) {
		cell_step(&p, &st, OCV_NMC, &k, I, 25);
		ah += -I * DT / 3600;
		cr_assert_lt(ah, 100, "never reached 2.5 V");
	}
	cr_assert_float_eq(ah, 94.0, 0.94, "delivered %.3f Ah of 94", ah);
}

Test(sim_cell, current_step_shows_r0_at_once)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;
	double v0, I = -94.0;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	v0 = st.voltage_V;
	cell_step(&p, &st, OCV_NMC, &k, I, 25);
	/* R0 plus what the RC pairs pick up in 100 ms (about 1.5 %) */
	double r_seen = (st.voltage_V - v0) / I;
	cr_assert_float_eq(r_seen, 0.65e-3, 0.65e-3 * 0.03, "saw %.4f mOhm",
			   r_seen * 1e3);
}

Test(sim_cell, relaxation_follows_both_time_constants)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;
	double v1_0, v2_0, ocv_end;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	for (int i = 0; i < 100; i++) /* 10 s pulse at 1C discharge */
		cell_step(&p, &st, OCV_NMC, &k, -94.0, 25);
	v1_0 = st.v1_V;
	v2_0 = st.v2_V;
	/* both pairs charged towards R I (1 - e^-10/tau) */
	/* (the cell warms by a few hundredths of a degree: R moves 0.1 %) */
	cr_assert_float_eq(v1_0, -0.3 * 0.65e-3 * 94 * (1 - exp(-10 / 3.0)),
			   2e-5);
	cr_assert_float_eq(v2_0, -0.4 * 0.65e-3 * 94 * (1 - exp(-10 / 25.0)),
			   2e-5);
	ocv_end = ocv_V(OCV_NMC, st.soc);
	for (int i = 1; i <= 1000; i++) {
		cell_step(&p, &st, OCV_NMC, &k, 0, 25);
		double t = i * DT;
		double want =
		    ocv_end + v1_0 * exp(-t / 3.0) + v2_0 * exp(-t / 25.0);
		if (i == 30 || i == 250 || i == 1000)
			cr_assert_float_eq(st.voltage_V, want, 1e-6,
					   "at %.0f s: %.6f V, want %.6f", t,
					   st.voltage_V, want);
	}
	/* after 100 s the voltage is back within 1 mV of the OCV */
	cr_assert_lt(fabs(st.voltage_V - ocv_end), 0.001);
}

Test(sim_cell, resistance_depends_on_temperature)
{
	cr_assert_float_eq(cell_r_factor(10), 1.7, 1e-9);
	cr_assert_float_eq(cell_r_factor(25), 1.0, 1e-9);
	cr_assert_float_eq(cell_r_factor(40), 0.73, 1e-9);
	cr_assert_gt(cell_r_factor(0), 1.7);
	cr_assert_lt(cell_r_factor(50), 0.73);
}

Test(sim_cell, heat_raises_temperature_and_convection_cools)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	for (int i = 0; i < 6000; i++) /* 10 min at 1C */
		cell_step(&p, &st, OCV_NMC, &k, -94.0, 25);
	cr_assert_gt(st.temp_C, 25.5, "I^2R heating: %.2f C", st.temp_C);
	double hot = st.temp_C;
	for (int i = 0; i < 36000; i++) /* 1 h rest */
		cell_step(&p, &st, OCV_NMC, &k, 0, 25);
	cr_assert_lt(st.temp_C, hot - 0.5 * (hot - 25));
}

Test(sim_cell, runaway_precursor_heats_at_its_rate)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	st.heating_C_per_s = 2.0 / 60;
	for (int i = 0; i < 600; i++) /* 1 min */
		cell_step(&p, &st, OCV_NMC, &k, 0, 25);
	cr_assert_float_eq(st.temp_C, 27.0, 0.05, "%.3f C", st.temp_C);
}

Test(sim_cell, internal_short_drains_charge)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	st.short_ohm = 1.0; /* ~3.6 A */
	for (int i = 0; i < 36000; i++)
		cell_step(&p, &st, OCV_NMC, &k, 0, 25);
	/* about 3.6 Ah of 94 in an hour */
	cr_assert_float_eq(0.5 - st.soc, 3.6 / 94, 0.3 / 94, "%.4f",
			   0.5 - st.soc);
	cr_assert_gt(st.temp_C, 27);
}

Test(sim_cell, self_discharge_drains_at_its_current)
{
	struct cell_param p = fresh(94, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	p.self_discharge_A = 9e-3;
	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_NMC, 0.5, 25);
	for (int i = 0; i < 24 * 36000; i++) /* 24 h rest */
		cell_step(&p, &st, OCV_NMC, &k, 0, 25);
	cr_assert_float_eq((0.5 - st.soc) * 94, 9e-3 * 24, 1e-6, "%.6f Ah",
			   (0.5 - st.soc) * 94);
}

/* run I_A for seconds, then rest 10 min (the RC pairs relax) */
static void leg(const struct cell_param *p, struct cell_state *st,
		const struct cell_stepk *k, double I_A, double seconds)
{
	for (int i = 0; i < (int)lround(seconds / DT); i++)
		cell_step(p, st, OCV_LFP, k, I_A, 25);
	for (int i = 0; i < 6000; i++)
		cell_step(p, st, OCV_LFP, k, 0, 25);
}

/* docs/simulator.md, "Realism": the cell relaxes to the mean curve + h/2
 * after charging, - h/2 after discharging, and changes branch over a few
 * % SOC of throughput */
Test(sim_cell, hysteresis_between_charge_and_discharge_branches)
{
	struct cell_param p = fresh(100, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	p.hysteresis_V = 0.020;
	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_LFP, 0.5, 25);
	leg(&p, &st, &k, 100, 720); /* 20 % up at 1C */
	cr_assert_float_eq(st.voltage_V - ocv_V(OCV_LFP, st.soc), 0.010, 2e-4,
			   "after charge: %.2f mV off the curve",
			   1e3 * (st.voltage_V - ocv_V(OCV_LFP, st.soc)));
	leg(&p, &st, &k, -100, 36); /* 1 % down: part way over */
	double mid = st.voltage_V - ocv_V(OCV_LFP, st.soc);
	cr_assert(mid > -0.009 && mid < 0.009, "after 1 %%: %.2f mV",
		  1e3 * mid);
	leg(&p, &st, &k, -100, 720); /* 20 % down */
	cr_assert_float_eq(st.voltage_V - ocv_V(OCV_LFP, st.soc), -0.010, 2e-4,
			   "after discharge: %.2f mV off the curve",
			   1e3 * (st.voltage_V - ocv_V(OCV_LFP, st.soc)));
	/* the rest itself keeps the branch */
	double before = st.voltage_V;

	leg(&p, &st, &k, 0, 3600);
	cr_assert_float_eq(st.voltage_V, before, 1e-9);
}

Test(sim_cell, no_hysteresis_is_the_mean_curve)
{
	struct cell_param p = fresh(100, 0.65);
	struct cell_state st;
	struct cell_stepk k;

	cell_stepk_init(&k, DT);
	cell_init(&st, OCV_LFP, 0.5, 25);
	leg(&p, &st, &k, 100, 360);
	cr_assert_eq(st.ocv_V, ocv_V(OCV_LFP, st.soc));
	leg(&p, &st, &k, -100, 360);
	cr_assert_eq(st.ocv_V, ocv_V(OCV_LFP, st.soc));
}
