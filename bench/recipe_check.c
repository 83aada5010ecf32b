/* SPDX-License-Identifier: Apache-2.0 */
/* recipe_check.c - every step's targets and ends against the operating
 * window of the profile, the recipe's `limit` lines and the bench file. */
#include "bench/recipe_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One bound of one quantity and where it comes from, for the message. */
struct bound {
	bool set;
	int32_t v;     /* the limit as written */
	int32_t guard; /* a target must stay this far inside it */
	char src[288]; /* "the profile's cell operating maximum 4.20 V (...)" */
};

enum qty { Q_CELL = 0, Q_PACK, Q_TEMP, Q_CHARGE, Q_DISCHARGE, Q_N };

#define SOURCES 3 /* profile, recipe `limit` lines, bench file */

struct window {
	struct bound high[Q_N][SOURCES], low[Q_N][SOURCES];
};

/* How a quantity prints: value / div with fmt. */
static const struct {
	const char *fmt;
	double div;
} units[Q_N] = {
    [Q_CELL] = {"%.2f V", 1000.0},	[Q_PACK] = {"%.1f V", 1000.0},
    [Q_TEMP] = {"%.0f C", 10.0},	[Q_CHARGE] = {"%.1f A", 1000.0},
    [Q_DISCHARGE] = {"%.1f A", 1000.0},
};

static void fmt_value(enum qty q, int64_t v, char *buf, size_t len)
{
	snprintf(buf, len, units[q].fmt, (double)v / units[q].div);
}

static void bound_set(struct bound *b, enum qty q, int32_t v, int32_t guard,
		      const char *what, const char *where)
{
	char val[32];

	fmt_value(q, v, val, sizeof(val));
	b->set = true;
	b->v = v;
	b->guard = guard;
	snprintf(b->src, sizeof(b->src), "%s %s (%s)", what, val, where);
}

/* The recipe's `limit` lines (source 1) or the bench file's [limits]
 * (source 2): hard limits, a target stays inside them by the guard. */
static void window_hard(struct window *w, const struct recipe_limits *x,
			uint32_t rated_mAh, unsigned src, const char *who,
			const char *name)
{
	char where[128];

	if (!x)
		return;
	if (x->has_cell_mV) {
		snprintf(where, sizeof(where), "%s %s", name,
			 src == 1 ? "limit cell voltage" : "cell_voltage");
		bound_set(&w->high[Q_CELL][src], Q_CELL, x->cell_high_mV,
			  RECIPE_CHECK_GUARD_mV, who, where);
		bound_set(&w->low[Q_CELL][src], Q_CELL, x->cell_low_mV,
			  RECIPE_CHECK_GUARD_mV, who, where);
	}
	if (x->has_pack_mV) {
		snprintf(where, sizeof(where), "%s %s", name,
			 src == 1 ? "limit pack voltage" : "pack_voltage");
		bound_set(&w->high[Q_PACK][src], Q_PACK, x->pack_high_mV,
			  RECIPE_CHECK_GUARD_mV, who, where);
		bound_set(&w->low[Q_PACK][src], Q_PACK, x->pack_low_mV,
			  RECIPE_CHECK_GUARD_mV, who, where);
	}
	if (x->has_temp) {
		snprintf(where, sizeof(where), "%s %s", name,
			 src == 1 ? "limit cell temperature" : "temperature");
		bound_set(&w->high[Q_TEMP][src], Q_TEMP, x->temp_high_ddegC, 1,
			  who, where);
		bound_set(&w->low[Q_TEMP][src], Q_TEMP, x->temp_low_ddegC, 1,
			  who, where);
	}
	/* A recipe's own `limit current` is a deliberate cap (one recipe
	 * for several packs): its steps are clamped under it at run time. */
	if (x->has_current && src == 2) {
		snprintf(where, sizeof(where), "%s current", name);
		bound_set(&w->high[Q_CHARGE][src], Q_CHARGE,
			  recipe_current_mA(&x->charge_max, rated_mAh), 0, who,
			  where);
		bound_set(&w->high[Q_DISCHARGE][src], Q_DISCHARGE,
			  recipe_current_mA(&x->discharge_max, rated_mAh), 0,
			  who, where);
	}
}

static void window_build(const struct recipe *r,
			 const struct recipe_check_src *s, struct window *w)
{
	const struct profile *p = s->profile;
	int32_t n = (int32_t)p->series;
	uint32_t mAh = profile_rated_mAh(p);
	const char *pn = s->profile_name;
	char where[128], what[96];

	memset(w, 0, sizeof(*w));
	snprintf(where, sizeof(where), "%s cell_voltage_high", pn);
	bound_set(&w->high[Q_CELL][0], Q_CELL, p->cell_high_mV[PROFILE_OP], 0,
		  "the profile's cell operating maximum", where);
	snprintf(what, sizeof(what),
		 "the profile's pack operating maximum (%d cells)", n);
	bound_set(&w->high[Q_PACK][0], Q_PACK, p->cell_high_mV[PROFILE_OP] * n,
		  0, what, where);
	snprintf(where, sizeof(where), "%s cell_voltage_low", pn);
	bound_set(&w->low[Q_CELL][0], Q_CELL, p->cell_low_mV[PROFILE_OP], 0,
		  "the profile's cell operating minimum", where);
	snprintf(what, sizeof(what),
		 "the profile's pack operating minimum (%d cells)", n);
	bound_set(&w->low[Q_PACK][0], Q_PACK, p->cell_low_mV[PROFILE_OP] * n, 0,
		  what, where);
	snprintf(where, sizeof(where), "%s temperature_high", pn);
	bound_set(&w->high[Q_TEMP][0], Q_TEMP, p->temp_high_ddegC[PROFILE_OP],
		  0, "the profile's temperature operating maximum", where);
	snprintf(where, sizeof(where), "%s temperature_low", pn);
	bound_set(&w->low[Q_TEMP][0], Q_TEMP, p->temp_low_ddegC[PROFILE_OP], 0,
		  "the profile's temperature operating minimum", where);
	snprintf(where, sizeof(where), "%s charge_current", pn);
	bound_set(&w->high[Q_CHARGE][0], Q_CHARGE, p->charge_mA[PROFILE_OP], 0,
		  "the profile's operating charge current", where);
	snprintf(where, sizeof(where), "%s discharge_current", pn);
	bound_set(&w->high[Q_DISCHARGE][0], Q_DISCHARGE,
		  p->discharge_mA[PROFILE_OP], 0,
		  "the profile's operating discharge current", where);
	window_hard(w, &r->limits, mAh, 1, "the recipe's hard limit", r->name);
	window_hard(w, s->bench, mAh, 2, "the bench file's hard limit",
		    s->bench_name ? s->bench_name : "bench file");
}

struct checker {
	const struct recipe *r;
	const struct window *w;
	const struct recipe_check_src *src;
	uint32_t only_line; /* 0: every line */
	struct recipe_problem *out;
	unsigned max, n;
	bool in_session; /* GB/T: between Start and End charge session */
};

static void problem(struct checker *k, const struct recipe_op *op,
		    const char *what)
{
	char step[128];
	struct recipe_problem *p;

	if (k->only_line && op->line != k->only_line)
		return;
	if (k->n++ >= k->max || !k->out)
		return;
	p = &k->out[k->n - 1];
	recipe_line_text(k->r->text, op->line, step, sizeof(step));
	p->line = op->line;
	snprintf(p->msg, sizeof(p->msg), "%.80s:%u: %.100s: %s", k->r->name,
		 op->line, step, what);
}

/* A value against every source's bounds; the first one it breaks is the
 * problem (the profile first: it is what the pack can take). what says
 * which value of the step it is ("" for the step's own target). */
static void against(struct checker *k, const struct recipe_op *op, enum qty q,
		    int64_t v, const char *what)
{
	const char *sp = what[0] ? " " : "";

	for (unsigned s = 0; s < SOURCES; s++) {
		const struct bound *hi = &k->w->high[q][s];
		const struct bound *lo = &k->w->low[q][s];
		char msg[400];

		if (hi->set && v > (int64_t)hi->v - hi->guard) {
			snprintf(msg, sizeof(msg), "%s%s%s %s", what, sp,
				 v > hi->v ? "above" : "too close to", hi->src);
			problem(k, op, msg);
			return;
		}
		if (lo->set && v < (int64_t)lo->v + lo->guard) {
			snprintf(msg, sizeof(msg), "%s%s%s %s", what, sp,
				 v < lo->v ? "below" : "too close to", lo->src);
			problem(k, op, msg);
			return;
		}
	}
}

/* The most current a step asks for: a power step's at the lowest pack
 * voltage it may see (the operating minimum). */
static int64_t step_current_mA(const struct checker *k,
			       const struct recipe_step *st, uint32_t mAh,
			       char *what, size_t len)
{
	int64_t pack_low_mV = k->w->low[Q_PACK][0].v;
	char v[32];
	int64_t mA;

	if (st->set_kind == RECIPE_SET_CURRENT) {
		mA = recipe_current_mA(&st->current, mAh);
		snprintf(what, len, "%.1f A", (double)mA / 1000.0);
		return mA;
	}
	mA = pack_low_mV > 0 ? (int64_t)st->power_mW * 1000 / pack_low_mV : 0;
	fmt_value(Q_PACK, pack_low_mV, v, sizeof(v));
	snprintf(what, len, "%.1f A at the pack's operating minimum %s,",
		 (double)mA / 1000.0, v);
	return mA;
}

/* How fast a cell's voltage may move per C of current near the ends of
 * its window, while the bench waits for the next polled sweep: charging,
 * NMC's top 10 % rises ~0.2 V in 6 min at 1C (0.5 mV/s), doubled; the
 * discharge knee falls ~0.5 V in the last 3 min (3 mV/s). */
#define POLL_RISE_uV_PER_S_PER_C 1000
#define POLL_FALL_uV_PER_S_PER_C 3000

static int32_t tighter(int32_t a, bool has, int32_t b, bool high)
{
	if (!has)
		return a;
	return high ? (b < a ? b : a) : (b > a ? b : a);
}

/* A pack whose cells are polled sees a cell's voltage up to the profile's
 * sweep_period_s late: a charge (discharge) step must end far enough
 * inside the hard limit that the cells cannot cross it in that time at
 * the step's current (docs/safety.md, "Polled packs"). */
static void check_reaction(struct checker *k, const struct recipe_op *op,
			   uint32_t mAh)
{
	const struct recipe_step *st = &op->step;
	const struct profile *p = k->src->profile;
	const struct recipe_limits *rl = &k->r->limits, *bl = k->src->bench;
	bool charge = st->kind == RECIPE_CHARGE;
	double sweep_s = p->poll.sweep_period_ms / 1000.0;
	int32_t end =
	    charge ? p->cell_high_mV[PROFILE_OP] : p->cell_low_mV[PROFILE_OP];
	int32_t hard = charge ? p->cell_high_mV[PROFILE_HARD]
			      : p->cell_low_mV[PROFILE_HARD];
	const char *pn =
	    k->src->profile_name ? k->src->profile_name : "profile";
	char what[96], msg[400];
	double c_rate, move_mV;
	int64_t mA;

	if (p->cell_voltage_fmt[0] || !p->poll.sweep_period_ms || !mAh)
		return; /* cells broadcast: safety at frame rate */
	if (st->kind == RECIPE_HOLD_CELL) {
		snprintf(
		    msg, sizeof(msg),
		    "a cell voltage hold regulates on cell readings up to "
		    "%.0f s old (polled, %s sweep_period_s): hold the pack "
		    "voltage instead",
		    sweep_s, pn);
		problem(k, op, msg);
		return;
	}
	if ((!charge && st->kind != RECIPE_DISCHARGE) ||
	    st->set_kind == RECIPE_SET_NONE)
		return;
	for (unsigned i = 0; i < st->n_ends; i++)
		if (st->ends[i].kind == RECIPE_END_CELL_V &&
		    (charge ? st->ends[i].value < end
			    : st->ends[i].value > end))
			end = st->ends[i].value;
	hard = tighter(hard, rl->has_cell_mV,
		       charge ? rl->cell_high_mV : rl->cell_low_mV, charge);
	if (bl)
		hard = tighter(hard, bl->has_cell_mV,
			       charge ? bl->cell_high_mV : bl->cell_low_mV,
			       charge);
	mA = step_current_mA(k, st, mAh, what, sizeof(what));
	c_rate = (double)(mA < 0 ? -mA : mA) / mAh;
	move_mV =
	    c_rate * sweep_s *
	    (charge ? POLL_RISE_uV_PER_S_PER_C : POLL_FALL_uV_PER_S_PER_C) /
	    1000.0;
	if ((charge ? hard - end : end - hard) >= move_mV)
		return;
	snprintf(msg, sizeof(msg),
		 "ends at %.3f V, %d mV from the hard limit %.3f V; at %.2fC "
		 "cells may move %.0f mV in the %.0f s a polled sweep takes "
		 "(%s sweep_period_s)",
		 end / 1000.0, charge ? hard - end : end - hard, hard / 1000.0,
		 c_rate, move_mV, sweep_s, pn);
	problem(k, op, msg);
}

/* A GB/T pack takes current only inside its charge session and gives
 * none back through its charging port (docs/gbt27930.md); the session
 * steps need such a pack. */
static void check_session(struct checker *k, const struct recipe_op *op)
{
	const struct recipe_step *st = &op->step;
	bool gbt = k->src->profile->gbt;
	bool session =
	    st->kind == RECIPE_SESSION_START || st->kind == RECIPE_SESSION_END;
	char msg[160];

	if (session && !gbt) {
		snprintf(msg, sizeof(msg),
			 "a charge session needs a GB/T pack (%s has no "
			 "[bms] protocol = gbt27930)",
			 k->src->profile_name);
		problem(k, op, msg);
		return;
	}
	if (!gbt)
		return;
	switch (st->kind) {
	case RECIPE_SESSION_START:
		if (k->in_session)
			problem(k, op, "a charge session is already open");
		k->in_session = true;
		break;
	case RECIPE_SESSION_END:
		if (!k->in_session)
			problem(k, op, "no charge session is open");
		k->in_session = false;
		break;
	case RECIPE_DISCHARGE:
		problem(k, op,
			"a GB/T pack cannot be discharged through its "
			"charging port");
		break;
	case RECIPE_CHARGE:
	case RECIPE_HOLD_CELL:
	case RECIPE_HOLD_PACK:
		if (!k->in_session)
			problem(k, op,
				"outside a charge session: 'Start charge "
				"session' before it");
		break;
	case RECIPE_REST:
		break;
	}
}

static void check_step(struct checker *k, const struct recipe_op *op,
		       uint32_t mAh)
{
	const struct recipe_step *st = &op->step;
	char what[96];

	check_session(k, op);
	switch (st->kind) {
	case RECIPE_CHARGE:
	case RECIPE_DISCHARGE:
		if (st->set_kind != RECIPE_SET_NONE)
			against(k, op,
				st->kind == RECIPE_CHARGE ? Q_CHARGE
							  : Q_DISCHARGE,
				step_current_mA(k, st, mAh, what, sizeof(what)),
				what);
		break;
	case RECIPE_HOLD_CELL:
		if (st->hold_mV) /* 0: `max cell`, the limit itself */
			against(k, op, Q_CELL, st->hold_mV, "");
		break;
	case RECIPE_HOLD_PACK:
		against(k, op, Q_PACK, st->hold_mV, "");
		break;
	case RECIPE_REST:
	case RECIPE_SESSION_START:
	case RECIPE_SESSION_END:
		break;
	}
	check_reaction(k, op, mAh);
	for (unsigned i = 0; i < st->n_ends; i++) {
		const struct recipe_end *e = &st->ends[i];
		enum qty q;
		char v[32];

		if (e->kind == RECIPE_END_CELL_V)
			q = Q_CELL;
		else if (e->kind == RECIPE_END_PACK_V)
			q = Q_PACK;
		else if (e->kind == RECIPE_END_TEMP)
			q = Q_TEMP;
		else
			continue;
		fmt_value(q, e->value, v, sizeof(v));
		snprintf(what, sizeof(what), "end %s", v);
		against(k, op, q, e->value, what);
	}
}

static unsigned run(const struct recipe *r, const struct recipe_check_src *s,
		    uint32_t only_line, struct recipe_problem *out,
		    unsigned max)
{
	struct window w;
	struct checker k = {.r = r,
			    .w = &w,
			    .src = s,
			    .only_line = only_line,
			    .out = out,
			    .max = max};
	uint32_t mAh = profile_rated_mAh(s->profile);

	window_build(r, s, &w);
	for (uint32_t i = 0; i < r->n_ops; i++)
		if (r->ops[i].kind == RECIPE_OP_STEP)
			check_step(&k, &r->ops[i], mAh);
	return k.n;
}

unsigned recipe_check(const struct recipe *r,
		      const struct recipe_check_src *src,
		      struct recipe_problem *out, unsigned max)
{
	return run(r, src, 0, out, max);
}

int recipe_check_line(const struct recipe *r,
		      const struct recipe_check_src *src, uint32_t line,
		      struct recipe_problem *out)
{
	if (line == 0)
		return 0;
	return run(r, src, line, out, 1) > 0;
}
