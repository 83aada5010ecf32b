/* SPDX-License-Identifier: Apache-2.0 */
/* test_step_cv.c - `Hold at 4.2 V` regulates the highest cell with our own
 * loop: against an R0 + 2 RC cell model, a cycler that slews, and a BMS
 * that reports 1 mV quantised, noisy readings every 100 ms, it must settle
 * without overshooting the target by more than a few mV, then end on C/20. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/recipe.h"
#include "bench/step.h"
#include "common/rc.h"

#define NCELL 3
#define RATED_AH 94.0
#define TICK_US 10000LL /* control tick */
#define BMS_US 100000LL /* cell readings */
#define SLEW_A_PER_S 100.0

struct cell {
	double cap_As, soc, v1, v2, r0;
};

struct world {
	struct cell c[NCELL];
	double i_A; /* actual current, + charge */
	uint64_t rng;
	double noise_mV;
};

static double ocv(double soc)
{
	/* 3.0 V empty, 4.2 V full; past full it rises 100 mV per % */
	if (soc <= 1.0)
		return 3.0 + 1.2 * soc;
	return 4.2 + 10.0 * (soc - 1.0);
}

static double terminal_V(const struct cell *c, double i_A)
{
	return ocv(c->soc) + i_A * c->r0 + c->v1 + c->v2;
}

static void world_init(struct world *w, double soc_weak, double r_scale)
{
	static const double soh[NCELL] = {1.0, 0.95, 0.88};

	memset(w, 0, sizeof(*w));
	w->rng = 12345;
	w->noise_mV = 1.5;
	for (int k = 0; k < NCELL; k++) {
		struct cell *c = &w->c[k];

		c->cap_As = RATED_AH * soh[k] * 3600.0;
		c->soc = soc_weak - 0.05 * (NCELL - 1 - k);
		c->r0 = 0.85e-3 * r_scale * (k == NCELL - 1 ? 1.5 : 1.0);
	}
}

/* Advance dt with the cycler slewing toward set_A. */
static void world_step(struct world *w, double set_A, double dt)
{
	double d = set_A - w->i_A, max = SLEW_A_PER_S * dt;

	w->i_A += d > max ? max : d < -max ? -max : d;
	for (int k = 0; k < NCELL; k++) {
		struct cell *c = &w->c[k];
		double a1 = exp(-dt / 3.0), a2 = exp(-dt / 25.0);

		c->soc += w->i_A * dt / c->cap_As;
		c->v1 = c->v1 * a1 + (1 - a1) * w->i_A * 0.3 * c->r0;
		c->v2 = c->v2 * a2 + (1 - a2) * w->i_A * 0.4 * c->r0;
	}
}

static double gauss(struct world *w)
{
	double s = 0;

	for (int i = 0; i < 12; i++) {
		w->rng =
		    w->rng * 6364136223846793005ULL + 1442695040888963407ULL;
		s += (double)(w->rng >> 11) / 9007199254740992.0;
	}
	return s - 6.0;
}

/* BMS reading: noise, then 1 mV quantisation. */
static void world_read(struct world *w, struct step_meas *m, int64_t t_us)
{
	m->cells_valid = true;
	m->max_cell_mV = INT32_MIN;
	m->min_cell_mV = INT32_MAX;
	for (int k = 0; k < NCELL; k++) {
		double mv = terminal_V(&w->c[k], w->i_A) * 1000.0 +
			    w->noise_mV * gauss(w);
		int32_t q = (int32_t)lround(mv);

		if (q > m->max_cell_mV) {
			m->max_cell_mV = q;
			m->max_cell = (uint16_t)(k + 1);
		}
		if (q < m->min_cell_mV) {
			m->min_cell_mV = q;
			m->min_cell = (uint16_t)(k + 1);
		}
	}
	m->cells_t_us = t_us;
	m->current_mA = (int32_t)lround(w->i_A * 10.0) * 100; /* 0.1 A */
	m->pack_mV = (int32_t)lround(NCELL * 3700.0);
}

static double max_true_V(const struct world *w)
{
	double v = 0;

	for (int k = 0; k < NCELL; k++)
		if (terminal_V(&w->c[k], w->i_A) > v)
			v = terminal_V(&w->c[k], w->i_A);
	return v;
}

struct result {
	double hold_overshoot_mV;   /* worst true overshoot in the hold */
	double settled_mean_err_mV; /* mean |error| after the first 10 min */
	double hold_s;		    /* hold duration */
	char end_reason[64];
	bool clamped_seen;
	int clamp_runs;	    /* times clamping began */
	int clamp_reports;  /* clamp_started seen */
	int32_t max_cmd_mA; /* highest current commanded in the hold */
};

static void run(const char *text, double soc_weak, double r_scale,
		int32_t ccl_mA, struct result *res)
{
	/* clang-format off */
	static const struct step_cfg cfg = {
		.rated_capacity_mAh = 94000,
		.cell_op_low_mV = 3000,
		.cell_op_high_mV = 4200,
		.charge_max_mA = 94000,
		.discharge_max_mA = 188000,
	};
	/* clang-format on */
	struct recipe r;
	struct step_engine e;
	struct step_meas m;
	struct step_out o;
	struct world w;
	bool in_hold = false, was_clamped = false;
	int64_t hold_start = 0;
	double err_sum = 0;
	long err_n = 0;

	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	cr_assert_eq(recipe_parse(text, "cv.txt", &r), BENCH_OK);
	cr_assert_eq(step_init(&e, &r, &cfg), BENCH_OK);
	world_init(&w, soc_weak, r_scale);
	m.bms_limits_valid = ccl_mA >= 0;
	m.ccl_mA = ccl_mA;
	m.dcl_mA = 188000;
	world_read(&w, &m, 0);
	for (int64_t t = 0; t < 6 * 3600 * 1000000LL; t += TICK_US) {
		if (t % BMS_US == 0)
			world_read(&w, &m, t);
		cr_assert_eq(step_tick(&e, t, &m, &o), BENCH_OK);
		if (o.ended && in_hold) {
			res->hold_s = (t - hold_start) / 1e6;
			snprintf(res->end_reason, sizeof(res->end_reason), "%s",
				 o.ended_step.end_reason);
			break;
		}
		if (o.step && o.step->kind == RECIPE_HOLD_CELL) {
			double over = max_true_V(&w) * 1000.0 - 4200.0;

			if (!in_hold) {
				in_hold = true;
				hold_start = t;
			}
			if (over > res->hold_overshoot_mV)
				res->hold_overshoot_mV = over;
			if (t - hold_start > 600 * 1000000LL) {
				err_sum += fabs(over);
				err_n++;
			}
			res->clamped_seen |= o.cmd.clamped;
			res->clamp_runs += o.cmd.clamped && !was_clamped;
			res->clamp_reports += o.clamp_started;
			was_clamped = o.cmd.clamped;
			if (o.cmd.output_on &&
			    o.cmd.current_mA > res->max_cmd_mA)
				res->max_cmd_mA = o.cmd.current_mA;
		}
		world_step(&w, o.cmd.output_on ? o.cmd.current_mA / 1000.0 : 0,
			   TICK_US / 1e6);
	}
	res->settled_mean_err_mV = err_n ? err_sum / err_n : 1e9;
	recipe_release(&r);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(step_cv, .timeout = 300);

Test(step_cv, cc_then_cv_settles_without_overshoot)
{
	struct result res;

	run("Charge at C/3 until 4.2 V\nHold at 4.2 V until C/20\n", 0.85, 1.0,
	    -1, &res);
	cr_log_info("CC-CV: overshoot %.2f mV, mean error %.2f mV, hold %.0f s",
		    res.hold_overshoot_mV, res.settled_mean_err_mV, res.hold_s);
	cr_assert_gt(res.hold_s, 0, "the hold never ended");
	cr_assert_leq(res.hold_overshoot_mV, 5.0);
	cr_assert_leq(res.settled_mean_err_mV, 2.0);
	cr_assert(strstr(res.end_reason, "below 4.70 A"), "%s", res.end_reason);
}

Test(step_cv, aged_cells_settle_too)
{
	struct result res;

	run("Charge at C/3 until max cell\nHold at max cell until C/20\n", 0.85,
	    2.5, -1, &res);
	cr_log_info("aged: overshoot %.2f mV, mean error %.2f mV, hold %.0f s",
		    res.hold_overshoot_mV, res.settled_mean_err_mV, res.hold_s);
	cr_assert_gt(res.hold_s, 0);
	cr_assert_leq(res.hold_overshoot_mV, 5.0);
	cr_assert_leq(res.settled_mean_err_mV, 2.0);
}

Test(step_cv, hold_from_rest_ramps_up_without_overshoot)
{
	struct result res;

	run("Rest for 10 s\nHold at 4.2 V until C/20\n", 0.6, 1.0, -1, &res);
	cr_log_info("from rest: overshoot %.2f mV, mean error %.2f mV, hold "
		    "%.0f s",
		    res.hold_overshoot_mV, res.settled_mean_err_mV, res.hold_s);
	cr_assert_gt(res.hold_s, 600);
	cr_assert_leq(res.hold_overshoot_mV, 5.0);
}

Test(step_cv, bms_ccl_clamps_the_cv_current)
{
	struct result res;

	run("Rest for 10 s\nHold at 4.2 V until C/20\n", 0.6, 1.0, 20000, &res);
	cr_assert(res.clamped_seen);
	cr_log_info("CCL: clamped %d times, reported %d", res.clamp_runs,
		    res.clamp_reports);
	cr_assert_gt(res.clamp_runs, 1, "the loop rides the cap in and out");
	cr_assert_eq(res.clamp_reports, 1, "one clamp event per step");
	/* the clamped flag is set by the profile's maximum too: the command
	 * itself must never exceed the BMS's limit */
	cr_assert_leq(res.max_cmd_mA, 20000, "commanded %d mA above CCL 20 A",
		      res.max_cmd_mA);
	cr_assert_gt(res.max_cmd_mA, 15000, "the hold ran at the limit");
	cr_assert_leq(res.hold_overshoot_mV, 5.0);
	cr_assert_gt(res.hold_s, 0);
}
