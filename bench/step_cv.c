/* SPDX-License-Identifier: Apache-2.0 */
/* step_cv.c - constant voltage on the highest cell, by our own PI loop on
 * the charge current (the cycler only sees a current setpoint).
 *
 * Gains are in C-rate per mV so one tuning fits every pack size: a cell's
 * voltage moves roughly 60-200 mV per 1C of current (R0 plus the RC pairs,
 * R*C = 60-130 mOhm Ah), so Kp = 0.002 C/mV gives a loop gain well below 1
 * against 1 mV quantised, noisy readings. Above the target the integral
 * acts five times faster: overshoot is what the hard limit watches, a slow
 * approach from below costs nothing. Velocity form: the output starts from
 * the current already flowing, and clamping it never winds up. */
#define LOG_PREFIX "step"

#include "bench/step_cv.h"

#include <math.h>

#define CV_KP_DEFAULT 0.002  /* C per mV */
#define CV_KI_DEFAULT 0.0005 /* C per mV s */
#define CV_OVER_FACTOR 5.0
#define CV_DT_MAX_S 2.0 /* a gap in readings counts at most this */

void step_cv_defaults(struct step_cfg *cfg)
{
	if (cfg->cv_kp_c_per_mV <= 0.0)
		cfg->cv_kp_c_per_mV = CV_KP_DEFAULT;
	if (cfg->cv_ki_c_per_mVs <= 0.0)
		cfg->cv_ki_c_per_mVs = CV_KI_DEFAULT;
}

int32_t step_current_cap(const struct step_engine *e, const struct step_meas *m,
			 bool up, enum step_clamp *by)
{
	int32_t cap = up ? e->cfg.charge_max_mA : e->cfg.discharge_max_mA;
	enum step_clamp why = STEP_CLAMP_OPERATING;

	if (cap <= 0)
		cap = INT32_MAX;
	if (m->bms_limits_valid) {
		int32_t bms = up ? m->ccl_mA : m->dcl_mA;

		if (bms < 0)
			bms = 0;
		if (bms <= cap) {
			cap = bms;
			why = STEP_CLAMP_BMS;
		}
	}
	if (by)
		*by = why;
	return cap;
}

void step_cv_start(struct step_engine *e, const struct step_meas *m)
{
	double cap = step_current_cap(e, m, true, NULL);

	e->cv_current_mA = m->current_mA > 0 ? m->current_mA : 0.0;
	if (e->cv_current_mA > cap)
		e->cv_current_mA = cap;
	e->cv_prev_cells_t_us = -1;
	e->cv_have_err = false;
	e->st.cv_current_mA = (int32_t)lround(e->cv_current_mA);
}

int32_t step_cv_update(struct step_engine *e, int64_t t_us,
		       const struct step_meas *m)
{
	const struct recipe_step *s = &e->recipe->ops[e->st.op].step;
	double rated = e->cfg.rated_capacity_mAh;
	double cap = step_current_cap(e, m, true, NULL);
	int64_t seen = m->cells_t_us > 0 ? m->cells_t_us : t_us;
	double raw, dt_s, ki;
	int32_t err;

	if (!m->cells_valid || seen == e->cv_prev_cells_t_us)
		goto out;
	err =
	    (s->hold_mV ? s->hold_mV : e->cfg.cell_op_high_mV) - m->max_cell_mV;
	raw = e->cv_current_mA;
	if (e->cv_have_err) {
		dt_s = (double)(seen - e->cv_prev_cells_t_us) / 1e6;
		if (dt_s < 0.0)
			dt_s = 0.0;
		if (dt_s > CV_DT_MAX_S)
			dt_s = CV_DT_MAX_S;
		ki = e->cfg.cv_ki_c_per_mVs * (err < 0 ? CV_OVER_FACTOR : 1.0);
		raw +=
		    rated * (e->cfg.cv_kp_c_per_mV * (err - e->cv_prev_err_mV) +
			     ki * err * dt_s);
	}
	e->cv_prev_err_mV = err;
	e->cv_prev_cells_t_us = seen;
	e->cv_have_err = true;
	if (raw < 0.0)
		raw = 0.0;
	e->cv_current_mA = raw > cap ? cap : raw;
	e->st.cv_current_mA = (int32_t)lround(e->cv_current_mA);
	if (raw > cap)
		return raw > INT32_MAX ? INT32_MAX : (int32_t)lround(raw);
out:
	return (int32_t)lround(e->cv_current_mA);
}
