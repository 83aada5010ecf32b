/* SPDX-License-Identifier: Apache-2.0 */
/* step.c - the step engine: walks the recipe, integrates Ah/Wh, ends steps,
 * computes the cycler command. Pure: time and measurements are passed in.
 * The cell CV loop is in step_cv.c. */
#define LOG_PREFIX "step"

#include "bench/step.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/step_cv.h"
#include "common/log.h"
#include "common/rc.h"

/* A current end on a hold is checked only after the hold has run this long
 * (a hold starting from rest begins near 0 A) and must persist this long
 * (the loop's current is noisy). */
#define HOLD_SETTLE_US (10 * 1000000LL)
#define CURRENT_END_PERSIST_US (1000000LL)

int step_init(struct step_engine *e, const struct recipe *r,
	      const struct step_cfg *cfg)
{
	if (!r || !cfg || r->n_steps == 0 || cfg->rated_capacity_mAh == 0) {
		log_err("cannot start the step engine: %s",
			!r || r->n_steps == 0 ? "empty recipe"
					      : "rated capacity is 0");
		return BENCH_ERR_ARG;
	}
	memset(e, 0, sizeof(*e));
	e->recipe = r;
	e->cfg = *cfg;
	step_cv_defaults(&e->cfg);
	return BENCH_OK;
}

const struct step_state *step_get_state(const struct step_engine *e)
{
	return &e->st;
}

static const struct recipe_step *cur_step(const struct step_engine *e)
{
	return &e->recipe->ops[e->st.op].step;
}

/* From op index i, find the next step, entering and leaving Repeat blocks.
 * cycle_count counts completed iterations of outermost blocks. */
static bool seek_step(struct step_engine *e, uint32_t i)
{
	const struct recipe *r = e->recipe;
	struct step_state *st = &e->st;

	while (i < r->n_ops) {
		const struct recipe_op *op = &r->ops[i];

		switch (op->kind) {
		case RECIPE_OP_STEP:
			st->op = i;
			return true;
		case RECIPE_OP_REPEAT:
			if (st->depth == RECIPE_MAX_DEPTH)
				return false; /* the parser forbids this */
			st->loop_op[st->depth] = i;
			st->loop_iter[st->depth] = 0;
			st->depth++;
			i++;
			break;
		case RECIPE_OP_END: {
			uint32_t d = st->depth - 1;

			if (st->depth == 0)
				return false;
			if (st->depth == 1)
				st->cycle_count++;
			st->loop_iter[d]++;
			if (st->loop_iter[d] < r->ops[st->loop_op[d]].count) {
				i = st->loop_op[d] + 1;
			} else {
				st->depth--;
				i++;
			}
			break;
		}
		}
	}
	return false;
}

static void start_step(struct step_engine *e, int64_t t_us,
		       const struct step_meas *m, struct step_out *out)
{
	struct step_state *st = &e->st;

	st->step_count++;
	st->step_start_us = t_us;
	st->step_elapsed_us = 0;
	st->step_charge_Ah = st->step_discharge_Ah = 0.0;
	st->step_charge_Wh = st->step_discharge_Wh = 0.0;
	st->start_pack_mV = m->pack_mV;
	e->running = true;
	e->clamp_reported = 0;
	e->below_since_us = -1;
	step_cv_start(e, m);
	out->started = true;
}

static void fmt_duration(char *buf, size_t len, int64_t ms)
{
	double s = (double)ms / 1000.0;

	if (s < 120.0)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200.0)
		snprintf(buf, len, "%.1f min", s / 60.0);
	else
		snprintf(buf, len, "%.2f h", s / 3600.0);
}

static void end_step(struct step_engine *e, int64_t t_us, int32_t pack_mV,
		     const char *reason, struct step_out *out)
{
	const struct recipe_op *op = &e->recipe->ops[e->st.op];
	struct step_state *st = &e->st;
	struct run_step *rs = &out->ended_step;

	memset(rs, 0, sizeof(*rs));
	rs->step_count = st->step_count;
	rs->step_index = op->line;
	snprintf(rs->kind, sizeof(rs->kind), "%s",
		 recipe_step_kind_name(op->step.kind));
	snprintf(rs->tag, sizeof(rs->tag), "%s", op->step.tag);
	rs->start_s = (double)st->step_start_us / 1e6;
	rs->end_s = (double)t_us / 1e6;
	snprintf(rs->end_reason, sizeof(rs->end_reason), "%s", reason);
	rs->charge_Ah = st->step_charge_Ah;
	rs->discharge_Ah = st->step_discharge_Ah;
	rs->charge_Wh = st->step_charge_Wh;
	rs->discharge_Wh = st->step_discharge_Wh;
	rs->start_V = (float)st->start_pack_mV / 1000.0f;
	rs->end_V = (float)pack_mV / 1000.0f;
	out->ended = true;
	e->running = false;
}

/* Trapezoid over [a, b] of a linear signal from ya to yb, split into its
 * positive and negative parts (a sign change is split at the zero). */
static void trapezoid(double ya, double yb, double dt, double *pos, double *neg)
{
	if (ya >= 0.0 && yb >= 0.0) {
		*pos += (ya + yb) / 2.0 * dt;
	} else if (ya <= 0.0 && yb <= 0.0) {
		*neg -= (ya + yb) / 2.0 * dt;
	} else {
		double tz = dt * fabs(ya) / (fabs(ya) + fabs(yb));

		if (ya > 0.0) {
			*pos += ya / 2.0 * tz;
			*neg -= yb / 2.0 * (dt - tz);
		} else {
			*neg -= ya / 2.0 * tz;
			*pos += yb / 2.0 * (dt - tz);
		}
	}
}

static void integrate(struct step_engine *e, int64_t t_us,
		      const struct step_meas *m)
{
	struct step_state *st = &e->st;
	double dt_h, ch = 0, dis = 0, chw = 0, disw = 0;

	if (!e->have_prev || t_us <= e->prev_t_us)
		goto keep;
	dt_h = (double)(t_us - e->prev_t_us) / 3.6e9;
	st->step_elapsed_us += t_us - e->prev_t_us;
	/* mA * h / 1000 = Ah; mV * mA / 1e6 = W */
	trapezoid(e->prev_mA / 1000.0, m->current_mA / 1000.0, dt_h, &ch, &dis);
	trapezoid((double)e->prev_mV * e->prev_mA / 1e6,
		  (double)m->pack_mV * m->current_mA / 1e6, dt_h, &chw, &disw);
	st->step_charge_Ah += ch;
	st->step_discharge_Ah += dis;
	st->step_charge_Wh += chw;
	st->step_discharge_Wh += disw;
	st->charge_Ah += ch;
	st->discharge_Ah += dis;
	st->charge_Wh += chw;
	st->discharge_Wh += disw;
keep:
	if (!e->have_prev || t_us >= e->prev_t_us) {
		e->have_prev = true;
		e->prev_t_us = t_us;
		e->prev_mA = m->current_mA;
		e->prev_mV = m->pack_mV;
	}
}

static bool charging(enum recipe_step_kind k)
{
	return k == RECIPE_CHARGE || k == RECIPE_HOLD_CELL ||
	       k == RECIPE_HOLD_PACK;
}

/* One end condition; writes the reason when reached. */
static bool end_reached(struct step_engine *e, const struct recipe_end *end,
			int64_t t_us, const struct step_meas *m, char *why,
			size_t len)
{
	const struct recipe_step *s = cur_step(e);
	const struct step_state *st = &e->st;
	bool up = charging(s->kind);
	char buf[32];
	int32_t lim;

	switch (end->kind) {
	case RECIPE_END_TIME:
		if (st->step_elapsed_us < end->value * 1000)
			return false;
		fmt_duration(buf, sizeof(buf), end->value);
		snprintf(why, len, "time %s reached", buf);
		return true;
	case RECIPE_END_CELL_V:
	case RECIPE_END_CELL_MIN:
	case RECIPE_END_CELL_MAX:
		if (!m->cells_valid)
			return false;
		lim = end->kind == RECIPE_END_CELL_V ? (int32_t)end->value
		      : end->kind == RECIPE_END_CELL_MIN
			  ? e->cfg.cell_op_low_mV
			  : e->cfg.cell_op_high_mV;
		if (up ? m->max_cell_mV < lim : m->min_cell_mV > lim)
			return false;
		snprintf(why, len, "%s %.3f V reached (cell %u)",
			 end->kind == RECIPE_END_CELL_V	    ? "cell voltage"
			 : end->kind == RECIPE_END_CELL_MIN ? "min cell"
							    : "max cell",
			 lim / 1000.0, up ? m->max_cell : m->min_cell);
		return true;
	case RECIPE_END_PACK_V:
		if (up ? m->pack_mV < end->value : m->pack_mV > end->value)
			return false;
		snprintf(why, len, "pack voltage %.1f V reached",
			 end->value / 1000.0);
		return true;
	case RECIPE_END_CURRENT:
		lim =
		    recipe_current_mA(&end->current, e->cfg.rated_capacity_mAh);
		if (st->step_elapsed_us < HOLD_SETTLE_US ||
		    abs(m->current_mA) >= lim) {
			e->below_since_us = -1;
			return false;
		}
		if (e->below_since_us < 0)
			e->below_since_us = t_us;
		if (t_us - e->below_since_us < CURRENT_END_PERSIST_US)
			return false;
		snprintf(why, len, "current %.2f A below %.2f A",
			 abs(m->current_mA) / 1000.0, lim / 1000.0);
		return true;
	case RECIPE_END_AH:
		if ((up ? st->step_charge_Ah : st->step_discharge_Ah) * 1000.0 <
		    (double)end->value)
			return false;
		snprintf(why, len, "%.3f Ah reached", end->value / 1000.0);
		return true;
	case RECIPE_END_WH:
		if ((up ? st->step_charge_Wh : st->step_discharge_Wh) * 1000.0 <
		    (double)end->value)
			return false;
		snprintf(why, len, "%.1f Wh reached", end->value / 1000.0);
		return true;
	case RECIPE_END_TEMP:
		if (!m->temps_valid)
			return false;
		if (s->kind == RECIPE_REST ? m->max_temp_ddegC > end->value
					   : m->max_temp_ddegC < end->value)
			return false;
		snprintf(why, len, "temperature %.1f C reached (probe %u)",
			 end->value / 10.0, m->max_temp_probe);
		return true;
	}
	return false;
}

/* A GB/T pack's session: its own steps wait for it, and current flows
 * only while it charges. */
static bool session_done(const struct recipe_step *s, const struct step_meas *m,
			 char *why, size_t len)
{
	if (s->kind == RECIPE_SESSION_START &&
	    m->session == STEP_SESSION_CHARGING) {
		snprintf(why, len,
			 "charge session open: the BMS asks for "
			 "current");
		return true;
	}
	if (s->kind == RECIPE_SESSION_END && m->session == STEP_SESSION_IDLE) {
		snprintf(why, len, "charge session ended");
		return true;
	}
	if (charging(s->kind) && m->session != STEP_SESSION_NA &&
	    m->session != STEP_SESSION_CHARGING) {
		snprintf(why, len, "the charge session stopped charging");
		return true;
	}
	return false;
}

/* The step's own ends, then the profile's operating cell limits. */
static bool step_done(struct step_engine *e, int64_t t_us,
		      const struct step_meas *m, char *why, size_t len)
{
	const struct recipe_step *s = cur_step(e);

	if (session_done(s, m, why, len))
		return true;
	for (unsigned i = 0; i < s->n_ends; i++)
		if (end_reached(e, &s->ends[i], t_us, m, why, len))
			return true;
	if (!m->cells_valid)
		return false;
	if (s->kind == RECIPE_CHARGE && e->cfg.cell_op_high_mV > 0 &&
	    m->max_cell_mV >= e->cfg.cell_op_high_mV) {
		snprintf(
		    why, len,
		    "cell voltage operating limit %.3f V reached (cell %u)",
		    e->cfg.cell_op_high_mV / 1000.0, m->max_cell);
		return true;
	}
	if (s->kind == RECIPE_DISCHARGE && e->cfg.cell_op_low_mV > 0 &&
	    m->min_cell_mV <= e->cfg.cell_op_low_mV) {
		snprintf(
		    why, len,
		    "cell voltage operating limit %.3f V reached (cell %u)",
		    e->cfg.cell_op_low_mV / 1000.0, m->min_cell);
		return true;
	}
	return false;
}

static void command(struct step_engine *e, int64_t t_us,
		    const struct step_meas *m, struct step_cmd *c)
{
	const struct recipe_step *s = cur_step(e);
	bool up = charging(s->kind);
	int32_t want = 0, cap;

	memset(c, 0, sizeof(*c));
	c->volt_high_mV = e->cfg.pack_high_mV;
	c->volt_low_mV = e->cfg.pack_low_mV;
	/* a GB/T BMS's demand caps the voltage as its CCL the current */
	if (m->bms_volt_max_mV > 0 && m->bms_volt_max_mV < c->volt_high_mV)
		c->volt_high_mV = m->bms_volt_max_mV;
	switch (s->kind) {
	case RECIPE_REST:
	case RECIPE_SESSION_START:
	case RECIPE_SESSION_END:
		c->mode = STEP_MODE_OFF;
		return;
	case RECIPE_CHARGE:
	case RECIPE_DISCHARGE:
		if (s->set_kind == RECIPE_SET_POWER) {
			double mA = m->pack_mV > 0 ? (double)s->power_mW *
							 1000.0 / m->pack_mV
						   : 0.0;

			want =
			    mA > INT32_MAX ? INT32_MAX : (int32_t)llround(mA);
		} else {
			want = recipe_current_mA(&s->current,
						 e->cfg.rated_capacity_mAh);
		}
		c->mode = STEP_MODE_CC;
		break;
	case RECIPE_HOLD_PACK:
		want = e->cfg.charge_max_mA > 0
			   ? e->cfg.charge_max_mA
			   : step_current_cap(e, m, true, NULL);
		c->mode = STEP_MODE_CV_PACK;
		c->cv_mV = s->hold_mV;
		if (c->volt_high_mV <= 0 || s->hold_mV < c->volt_high_mV)
			c->volt_high_mV = s->hold_mV;
		break;
	case RECIPE_HOLD_CELL:
		want = step_cv_update(e, t_us, m);
		c->mode = STEP_MODE_CC;
		break;
	}
	cap = step_current_cap(e, m, up, &c->clamp_by);
	c->output_on = true;
	c->requested_mA = up ? want : -want;
	c->clamped = want > cap;
	if (c->clamped)
		want = cap;
	else
		c->clamp_by = STEP_CLAMP_NONE;
	c->current_mA = up ? want : -want;
}

static void fill_out(struct step_engine *e, int64_t t_us,
		     const struct step_meas *m, struct step_out *out)
{
	const struct recipe_op *op = &e->recipe->ops[e->st.op];

	out->step_count = e->st.step_count;
	out->step_index = op->line;
	out->cycle_count = e->st.cycle_count;
	if (e->st.complete) {
		out->complete = true;
		out->step = NULL;
		out->log_interval_ms = e->recipe->log_interval_ms;
		memset(&out->cmd, 0, sizeof(out->cmd));
		return;
	}
	out->step = &op->step;
	out->log_interval_ms = op->step.log_interval_ms
				   ? op->step.log_interval_ms
				   : e->recipe->log_interval_ms;
	command(e, t_us, m, &out->cmd);
	if (out->cmd.clamped &&
	    !(e->clamp_reported & (unsigned)out->cmd.clamp_by)) {
		out->clamp_started = true;
		e->clamp_reported |= (unsigned)out->cmd.clamp_by;
	}
}

int step_tick(struct step_engine *e, int64_t t_us, const struct step_meas *m,
	      struct step_out *out)
{
	char why[sizeof(out->ended_step.end_reason)];

	memset(out, 0, sizeof(*out));
	if (e->st.complete) {
		fill_out(e, t_us, m, out);
		out->complete = false; /* reported once, on the last end */
		return BENCH_ERR_STATE;
	}
	integrate(e, t_us, m);
	if (!e->running) {
		if (e->st.step_count == 0 && !seek_step(e, 0)) {
			e->st.complete = true;
			fill_out(e, t_us, m, out);
			return BENCH_OK;
		}
		if (e->announce) {
			/* resumed with [restart]: the step starts over */
			e->announce = false;
			e->running = true;
			out->started = true;
		} else if (e->resumed) {
			e->resumed = false;
			e->running = true;
		} else {
			start_step(e, t_us, m, out);
		}
	} else if (step_done(e, t_us, m, why, sizeof(why))) {
		end_step(e, t_us, m->pack_mV, why, out);
		if (!seek_step(e, e->st.op + 1)) {
			e->st.complete = true;
			fill_out(e, t_us, m, out);
			return BENCH_OK;
		}
		start_step(e, t_us, m, out);
	}
	fill_out(e, t_us, m, out);
	return BENCH_OK;
}

void step_stop(struct step_engine *e, int64_t t_us, int32_t pack_mV,
	       const char *reason, struct step_out *out)
{
	memset(out, 0, sizeof(*out));
	if (e->running)
		end_step(e, t_us, pack_mV, reason, out);
	if (!e->st.complete) {
		e->st.complete = true;
		out->complete = true;
	}
	out->step_count = e->st.step_count;
	out->step_index = e->recipe->ops[e->st.op].line;
	out->cycle_count = e->st.cycle_count;
	out->log_interval_ms = e->recipe->log_interval_ms;
}

int step_resume(struct step_engine *e, uint32_t step_count, uint32_t step_index,
		const struct step_state *saved, int64_t t_us)
{
	struct step_state *st = &e->st;
	const struct recipe_op *op;

	memset(st, 0, sizeof(*st));
	e->running = false;
	e->have_prev = false;
	if (step_count == 0 || !seek_step(e, 0))
		goto mismatch;
	for (uint32_t n = 1; n < step_count; n++)
		if (!seek_step(e, st->op + 1))
			goto mismatch;
	op = &e->recipe->ops[st->op];
	if (op->line != step_index)
		goto mismatch;
	st->step_count = step_count;
	st->charge_Ah = saved->charge_Ah;
	st->discharge_Ah = saved->discharge_Ah;
	st->charge_Wh = saved->charge_Wh;
	st->discharge_Wh = saved->discharge_Wh;
	st->start_pack_mV = saved->start_pack_mV;
	e->below_since_us = -1;
	e->cv_current_mA = saved->cv_current_mA;
	e->cv_prev_cells_t_us = -1;
	e->cv_have_err = false;
	if (op->step.restart_on_resume) {
		st->step_start_us = t_us;
		e->announce = true;
	} else {
		st->step_start_us = saved->step_start_us;
		st->step_elapsed_us = saved->step_elapsed_us;
		st->step_charge_Ah = saved->step_charge_Ah;
		st->step_discharge_Ah = saved->step_discharge_Ah;
		st->step_charge_Wh = saved->step_charge_Wh;
		st->step_discharge_Wh = saved->step_discharge_Wh;
		e->resumed = true;
	}
	st->cv_current_mA = saved->cv_current_mA;
	return BENCH_OK;
mismatch:
	log_err("%s: cannot resume at step %u (line %u): the recipe has no "
		"such step",
		e->recipe->name, step_count, step_index);
	memset(st, 0, sizeof(*st));
	return BENCH_ERR_STATE;
}

int step_restore(struct step_engine *e, const struct step_state *saved)
{
	const struct recipe *r = e->recipe;

	if (saved->op >= r->n_ops || r->ops[saved->op].kind != RECIPE_OP_STEP ||
	    saved->depth > RECIPE_MAX_DEPTH) {
		log_err("%s: saved step state does not fit the recipe (op %u)",
			r->name, saved->op);
		return BENCH_ERR_STATE;
	}
	e->st = *saved;
	e->running = false;
	e->resumed = !saved->complete && saved->step_count > 0;
	e->have_prev = false;
	e->below_since_us = -1;
	e->cv_current_mA = saved->cv_current_mA;
	e->cv_prev_cells_t_us = -1;
	e->cv_have_err = false;
	return BENCH_OK;
}
