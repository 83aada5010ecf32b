/* SPDX-License-Identifier: Apache-2.0 */
/* recipe.c - recipe parser: lines, blocks, steps, ends and flags.
 * Tokens and quantities are in recipe_lex.c; the grammar is in recipe.h
 * and docs/recipes.md. */
#define LOG_PREFIX "recipe"

#include "bench/recipe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/recipe_lex.h"
#include "common/log.h"
#include "common/rc.h"

#define CELL_V_MAX 10.0 /* a bare voltage above this is a pack voltage */
#define CURRENT_A_MAX 100000.0
#define POWER_W_MAX 2.0e6
#define TIME_S_MAX (366.0 * 86400.0)
#define REPEAT_MAX 1000000u

struct parser {
	struct recipe *r;
	struct rlex lx;
	uint32_t cap;
	uint32_t stack[RECIPE_MAX_DEPTH]; /* open REPEAT op indices */
	uint32_t depth;
	bool seen_cell_v, seen_temp, seen_current, seen_pack_v, seen_log;
};

/* clang-format off */
static const char *const kind_names[] = {
	[RECIPE_CHARGE] = "charge",
	[RECIPE_DISCHARGE] = "discharge",
	[RECIPE_REST] = "rest",
	[RECIPE_HOLD_CELL] = "hold",
	[RECIPE_HOLD_PACK] = "hold_pack",
	[RECIPE_SESSION_START] = "session_start",
	[RECIPE_SESSION_END] = "session_end",
};
/* clang-format on */

void recipe_line_text(const char *text, unsigned line, char *buf, size_t len)
{
	const char *p = text;
	size_t n;

	buf[0] = '\0';
	for (unsigned l = 1; p && l < line; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	p += strspn(p, " \t");
	n = strcspn(p, "[#\r\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

const char *recipe_step_kind_name(enum recipe_step_kind k)
{
	if ((unsigned)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "?";
	return kind_names[k];
}

int32_t recipe_current_mA(const struct recipe_current *c,
			  uint32_t rated_capacity_mAh)
{
	double mA;

	if (!c->is_c_rate)
		return c->current_mA;
	mA = fabs(c->c_rate) * (double)rated_capacity_mAh;
	return mA > INT32_MAX ? INT32_MAX : (int32_t)llround(mA);
}

static int32_t to_milli(double v)
{
	return (int32_t)llround(v * 1000.0);
}

static struct recipe_op *op_new(struct parser *p, enum recipe_op_kind kind,
				uint32_t col)
{
	struct recipe *r = p->r;
	struct recipe_op *op;

	if (r->n_ops == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 32;
		struct recipe_op *n = realloc(r->ops, cap * sizeof(*n));

		if (!n) {
			log_err("%s: out of memory", r->name);
			return NULL;
		}
		r->ops = n;
		p->cap = cap;
	}
	op = &r->ops[r->n_ops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->line = p->lx.line;
	op->col = col;
	return op;
}

/* A current setpoint or limit value from a quantity. */
static void current_from(const struct rquant *q, struct recipe_current *c)
{
	memset(c, 0, sizeof(*c));
	if (q->kind == RQ_CRATE) {
		c->is_c_rate = true;
		c->c_rate = fabs(q->value);
	} else {
		c->current_mA = to_milli(fabs(q->value));
	}
}

static int expect_word(struct parser *p, const char *word, const char *expected)
{
	struct rtok t;

	if (!rlex_next(&p->lx, &t) || !rtok_is(&t, word))
		return rlex_fail(&p->lx, t.col, expected, &t);
	return 0;
}

static int expect_end_of_body(struct parser *p, const char *expected)
{
	struct rtok t;

	if (rlex_peek(&p->lx, &t))
		return rlex_fail(&p->lx, t.col, expected, &t);
	return 0;
}

/* Quantity with range checks shared by all positive magnitudes. */
static int positive(struct parser *p, const struct rquant *q, double max,
		    const char *what)
{
	char found[40];

	if (q->value > 0.0 && fabs(q->value) <= max)
		return 0;
	snprintf(found, sizeof(found), "'%s'", q->text);
	return rlex_fail_text(&p->lx, q->col, what, found);
}

static int parse_time(struct parser *p, int64_t *ms)
{
	struct rquant q;

	TRY(rlex_quantity(&p->lx, RQ_TIME, false,
			  "a time (s, min, h, seconds, minutes, hours)", &q));
	TRY(positive(p, &q, TIME_S_MAX, "a time above 0 and up to a year"));
	*ms = llround(q.value * 1000.0);
	if (*ms <= 0)
		return rlex_fail_text(&p->lx, q.col, "a time of at least 1 ms",
				      q.text);
	return 0;
}

static bool end_allowed(enum recipe_step_kind k, enum recipe_end_kind e)
{
	switch (e) {
	case RECIPE_END_TIME:
	case RECIPE_END_TEMP:
		return true;
	case RECIPE_END_CELL_V:
	case RECIPE_END_PACK_V:
		return k == RECIPE_CHARGE || k == RECIPE_DISCHARGE;
	case RECIPE_END_CELL_MAX:
		return k == RECIPE_CHARGE;
	case RECIPE_END_CELL_MIN:
		return k == RECIPE_DISCHARGE;
	case RECIPE_END_CURRENT:
		return k == RECIPE_HOLD_CELL || k == RECIPE_HOLD_PACK;
	case RECIPE_END_AH:
	case RECIPE_END_WH:
		return k != RECIPE_REST;
	}
	return false;
}

static const char *ends_for(enum recipe_step_kind k)
{
	switch (k) {
	case RECIPE_CHARGE:
		return "an end valid on charge (time, voltage, 'max cell', "
		       "'pack V', Ah, Wh, temperature)";
	case RECIPE_DISCHARGE:
		return "an end valid on discharge (time, voltage, 'min cell', "
		       "'pack V', Ah, Wh, temperature)";
	case RECIPE_REST:
		return "an end valid on rest (time, temperature)";
	case RECIPE_HOLD_CELL:
	case RECIPE_HOLD_PACK:
		return "an end valid on hold (time, current, Ah, Wh, "
		       "temperature)";
	case RECIPE_SESSION_START:
	case RECIPE_SESSION_END:
		break;
	}
	return "an end";
}

/* The X of `until X`. */
static int parse_until(struct parser *p, struct recipe_step *s,
		       struct recipe_end *e)
{
	struct rtok t;
	struct rquant q;
	size_t start;
	uint32_t col;
	char found[64];

	rlex_peek(&p->lx, &t);
	start = (size_t)(t.p - p->lx.s);
	col = t.col;
	memset(e, 0, sizeof(*e));
	if (rtok_is(&t, "pack")) {
		rlex_next(&p->lx, &t);
		TRY(rlex_quantity(&p->lx, RQ_VOLT, false,
				  "a pack voltage (V, mV)", &q));
		TRY(positive(p, &q, 2000.0, "a pack voltage up to 2000 V"));
		e->kind = RECIPE_END_PACK_V;
		e->value = to_milli(q.value);
	} else if (rtok_is(&t, "min") || rtok_is(&t, "max")) {
		bool is_min = rtok_is(&t, "min");

		rlex_next(&p->lx, &t);
		TRY(expect_word(p, "cell", "'cell'"));
		e->kind = is_min ? RECIPE_END_CELL_MIN : RECIPE_END_CELL_MAX;
	} else if (rtok_is(&t, "temperature")) {
		rlex_next(&p->lx, &t);
		TRY(rlex_quantity(&p->lx, RQ_TEMP, true, "a temperature (C)",
				  &q));
		if (q.value < -100.0 || q.value > 200.0)
			return rlex_fail_text(
			    &p->lx, q.col, "a temperature from -100 to 200 C",
			    q.text);
		e->kind = RECIPE_END_TEMP;
		e->value = llround(q.value * 10.0);
	} else {
		TRY(rlex_quantity(
		    &p->lx, RQ_VOLT | RQ_CURRENT | RQ_CRATE | RQ_AH | RQ_WH,
		    false,
		    "an end (a voltage, 'pack V', 'min cell', "
		    "'max cell', a current, Ah, Wh or "
		    "'temperature T')",
		    &q));
		switch (q.kind) {
		case RQ_VOLT:
			TRY(positive(p, &q, CELL_V_MAX,
				     "a cell voltage below 10 V (write 'pack "
				     "380 V' for the pack)"));
			e->kind = RECIPE_END_CELL_V;
			e->value = to_milli(q.value);
			break;
		case RQ_CURRENT:
		case RQ_CRATE:
			TRY(positive(p, &q, CURRENT_A_MAX,
				     "a current above 0"));
			e->kind = RECIPE_END_CURRENT;
			current_from(&q, &e->current);
			break;
		case RQ_AH:
			TRY(positive(p, &q, 1.0e6, "a charge above 0 Ah"));
			e->kind = RECIPE_END_AH;
			e->value = llround(q.value * 1000.0);
			break;
		default:
			TRY(positive(p, &q, 1.0e9, "an energy above 0 Wh"));
			e->kind = RECIPE_END_WH;
			e->value = llround(q.value * 1000.0);
			break;
		}
	}
	if (!end_allowed(s->kind, e->kind)) {
		size_t n = p->lx.pos - start;

		snprintf(found, sizeof(found), "'%.*s'", (int)(n > 40 ? 40 : n),
			 p->lx.s + start);
		return rlex_fail_text(&p->lx, col, ends_for(s->kind), found);
	}
	return 0;
}

/* `for T`, `until X`, joined by `or`; `until X or Y` continues the until. */
static int parse_ends(struct parser *p, struct recipe_step *s)
{
	struct rtok t;
	bool in_until = false;

	for (;;) {
		struct recipe_end *e;

		if (!rlex_peek(&p->lx, &t)) {
			if (s->n_ends == 0)
				return rlex_fail(&p->lx, t.col,
						 "'for' or 'until'", NULL);
			return 0;
		}
		if (s->n_ends > 0) {
			if (!rtok_is(&t, "or"))
				return rlex_fail(&p->lx, t.col,
						 "'or' or end of line", &t);
			rlex_next(&p->lx, &t);
			if (!rlex_peek(&p->lx, &t))
				return rlex_fail(&p->lx, t.col,
						 "'for' or 'until' after 'or'",
						 NULL);
		}
		if (s->n_ends == RECIPE_MAX_ENDS)
			return rlex_fail(&p->lx, t.col,
					 "end of line (at most 4 ends)", &t);
		e = &s->ends[s->n_ends];
		if (rtok_is(&t, "for")) {
			rlex_next(&p->lx, &t);
			TRY(parse_time(p, &e->value));
			e->kind = RECIPE_END_TIME;
			if (!end_allowed(s->kind, e->kind))
				return rlex_fail(&p->lx, t.col,
						 ends_for(s->kind), &t);
			in_until = false;
		} else if (rtok_is(&t, "until")) {
			rlex_next(&p->lx, &t);
			TRY(parse_until(p, s, e));
			in_until = true;
		} else if (in_until) {
			TRY(parse_until(p, s, e));
		} else {
			return rlex_fail(&p->lx, t.col, "'for' or 'until'", &t);
		}
		s->n_ends++;
	}
}

static int parse_tag(struct parser *p, struct recipe_step *s)
{
	static const char expected[] = "a tag name (letters, digits, '-' and "
				       "'_', up to 31)";
	struct rtok t;

	if (s->tag[0])
		return rlex_fail_text(&p->lx, rlex_col(&p->lx) - 3,
				      "one [tag] per step", "a second");
	if (!rlex_next(&p->lx, &t) || t.len >= RECIPE_TAG_LEN)
		return rlex_fail(&p->lx, t.col, expected, &t);
	for (size_t i = 0; i < t.len; i++) {
		char c = t.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return rlex_fail(&p->lx, t.col, expected, &t);
	}
	memcpy(s->tag, t.p, t.len);
	s->tag[t.len] = '\0';
	return 0;
}

static int parse_flag(struct parser *p, struct recipe_step *s)
{
	struct rtok t;
	int64_t ms;

	if (!rlex_next(&p->lx, &t))
		return rlex_fail(&p->lx, t.col,
				 "'tag', 'log every' or 'restart'", NULL);
	if (rtok_is(&t, "tag")) {
		TRY(parse_tag(p, s));
	} else if (rtok_is(&t, "log")) {
		TRY(expect_word(p, "every", "'every'"));
		TRY(parse_time(p, &ms));
		if (ms > UINT32_MAX)
			ms = UINT32_MAX;
		s->log_interval_ms = (uint32_t)ms;
	} else if (rtok_is(&t, "restart")) {
		s->restart_on_resume = true;
	} else {
		return rlex_fail(&p->lx, t.col,
				 "'tag', 'log every' or 'restart'", &t);
	}
	return expect_end_of_body(p, "']'");
}

/* Flags "[...] [...]" from lx.pos to line_end. */
static int parse_flags(struct parser *p, struct recipe_step *s, size_t line_end)
{
	struct rlex *lx = &p->lx;

	for (;;) {
		const char *close;
		size_t pos = lx->pos;

		while (pos < line_end &&
		       (lx->s[pos] == ' ' || lx->s[pos] == '\t' ||
			lx->s[pos] == '\r'))
			pos++;
		if (pos == line_end)
			return 0;
		if (lx->s[pos] != '[') {
			struct rtok t;

			lx->pos = pos;
			lx->end = line_end;
			rlex_peek(lx, &t);
			return rlex_fail(lx, t.col, "'[' or end of line", &t);
		}
		close = memchr(lx->s + pos, ']', line_end - pos);
		if (!close) {
			lx->pos = line_end;
			return rlex_fail(lx, (uint32_t)line_end + 1, "']'",
					 NULL);
		}
		lx->pos = pos + 1;
		lx->end = (size_t)(close - lx->s);
		if (memchr(lx->s + lx->pos, '[', lx->end - lx->pos))
			return rlex_fail_text(lx, (uint32_t)lx->pos + 1, "']'",
					      "'['");
		TRY(parse_flag(p, s));
		lx->pos = lx->end + 1;
	}
}

static int parse_cc(struct parser *p, struct recipe_step *s)
{
	struct rquant q;

	TRY(expect_word(p, "at", "'at'"));
	TRY(rlex_quantity(&p->lx, RQ_CURRENT | RQ_CRATE | RQ_POWER, false,
			  "a current (A, mA, 1C, C/3) or a power (W, kW)", &q));
	if (q.kind == RQ_POWER) {
		TRY(positive(p, &q, POWER_W_MAX, "a power above 0 W"));
		s->set_kind = RECIPE_SET_POWER;
		s->power_mW = to_milli(q.value);
	} else {
		TRY(positive(p, &q, CURRENT_A_MAX, "a current above 0"));
		s->set_kind = RECIPE_SET_CURRENT;
		current_from(&q, &s->current);
	}
	return parse_ends(p, s);
}

static int parse_hold(struct parser *p, struct recipe_step *s)
{
	struct rtok t;
	struct rquant q;

	TRY(expect_word(p, "at", "'at'"));
	rlex_peek(&p->lx, &t);
	if (rtok_is(&t, "pack")) {
		rlex_next(&p->lx, &t);
		s->kind = RECIPE_HOLD_PACK;
		TRY(rlex_quantity(&p->lx, RQ_VOLT, false,
				  "a pack voltage (V, mV)", &q));
		TRY(positive(p, &q, 2000.0, "a pack voltage up to 2000 V"));
	} else if (rtok_is(&t, "max")) {
		rlex_next(&p->lx, &t);
		TRY(expect_word(p, "cell", "'cell'"));
		s->kind = RECIPE_HOLD_CELL;
		s->hold_mV = 0; /* the profile's operating high, at run time */
		return parse_ends(p, s);
	} else {
		s->kind = RECIPE_HOLD_CELL;
		TRY(rlex_quantity(
		    &p->lx, RQ_VOLT, false,
		    "a cell voltage (V, mV), 'max cell' or 'pack'", &q));
		TRY(positive(p, &q, CELL_V_MAX,
			     "a cell voltage below 10 V (write 'Hold at pack "
			     "403 V' for the pack)"));
	}
	s->hold_mV = to_milli(q.value);
	return parse_ends(p, s);
}

static int parse_step(struct parser *p, enum recipe_step_kind kind,
		      uint32_t col, size_t line_end)
{
	struct recipe_op *op = op_new(p, RECIPE_OP_STEP, col);
	struct recipe_step *s;

	if (!op)
		return BENCH_ERR_MEM;
	s = &op->step;
	s->kind = kind;
	switch (kind) {
	case RECIPE_CHARGE:
	case RECIPE_DISCHARGE:
		TRY(parse_cc(p, s));
		break;
	case RECIPE_REST:
		TRY(parse_ends(p, s));
		break;
	case RECIPE_SESSION_START:
	case RECIPE_SESSION_END:
		TRY(expect_word(p, "charge", "'charge session'"));
		TRY(expect_word(p, "session", "'session'"));
		TRY(expect_end_of_body(p, "end of line or flags"));
		break;
	default:
		TRY(parse_hold(p, s));
		break;
	}
	p->r->n_steps++;
	return parse_flags(p, s, line_end);
}

static int parse_repeat(struct parser *p, uint32_t col)
{
	struct recipe_op *op;
	struct rtok t;
	unsigned long n = 0;
	bool digits = true;

	if (p->depth == RECIPE_MAX_DEPTH)
		return rlex_fail_text(
		    &p->lx, col, "at most 8 nested 'Repeat' blocks", "a ninth");
	if (!rlex_next(&p->lx, &t))
		return rlex_fail(&p->lx, t.col, "a repeat count", NULL);
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9') {
			digits = false;
			break;
		}
		if (n <= REPEAT_MAX)
			n = n * 10 + (unsigned long)(t.p[i] - '0');
	}
	if (!digits || n == 0 || n > REPEAT_MAX)
		return rlex_fail(&p->lx, t.col,
				 "a positive count (1 to 1000000)", &t);
	if (!rlex_next(&p->lx, &t) ||
	    !(rtok_is(&t, "times") || (n == 1 && rtok_is(&t, "time"))))
		return rlex_fail(&p->lx, t.col, "'times'", &t);
	TRY(expect_end_of_body(p, "end of line"));
	op = op_new(p, RECIPE_OP_REPEAT, col);
	if (!op)
		return BENCH_ERR_MEM;
	op->count = (uint32_t)n;
	p->stack[p->depth++] = p->r->n_ops - 1;
	return 0;
}

static int parse_end(struct parser *p, const struct rtok *word)
{
	struct recipe_op *op;
	uint32_t rep;

	TRY(expect_end_of_body(p, "end of line"));
	if (p->depth == 0)
		return rlex_fail(&p->lx, word->col,
				 "'Repeat' before this 'End'", word);
	rep = p->stack[p->depth - 1];
	if (rep == p->r->n_ops - 1)
		return rlex_fail(&p->lx, word->col, "a step inside 'Repeat'",
				 word);
	op = op_new(p, RECIPE_OP_END, word->col);
	if (!op)
		return BENCH_ERR_MEM;
	p->depth--;
	op->match = rep;
	p->r->ops[rep].match = p->r->n_ops - 1;
	return 0;
}

static int parse_band(struct parser *p, unsigned kind, bool negative,
		      const char *what, struct rquant *lo, struct rquant *hi)
{
	TRY(rlex_quantity(&p->lx, kind, negative, what, lo));
	TRY(expect_word(p, "to", "'to'"));
	TRY(rlex_quantity(&p->lx, kind, negative, what, hi));
	return expect_end_of_body(p, "end of line");
}

static int limit_once(struct parser *p, bool *seen, uint32_t col,
		      const char *what)
{
	char expected[64];

	if (!*seen) {
		*seen = true;
		return 0;
	}
	snprintf(expected, sizeof(expected), "one '%s' line", what);
	return rlex_fail_text(&p->lx, col, expected, "a second");
}

static int parse_limit_current(struct parser *p, uint32_t col)
{
	struct recipe_limits *l = &p->r->limits;
	struct rquant lo, hi;
	char found[40];

	TRY(parse_band(p, RQ_CURRENT | RQ_CRATE, true,
		       "a current (A, mA, 1C, C/3)", &lo, &hi));
	if (lo.value > 0.0) {
		snprintf(found, sizeof(found), "'%s'", lo.text);
		return rlex_fail_text(&p->lx, lo.col,
				      "a discharge bound of 0 or below "
				      "(like -1C)",
				      found);
	}
	if (hi.value < 0.0 || (hi.value == 0.0 && lo.value == 0.0)) {
		snprintf(found, sizeof(found), "'%s'", hi.text);
		return rlex_fail_text(
		    &p->lx, hi.col, "a charge bound above 0 (like 1C)", found);
	}
	TRY(limit_once(p, &p->seen_current, col, "limit current"));
	l->has_current = true;
	current_from(&lo, &l->discharge_max);
	current_from(&hi, &l->charge_max);
	return 0;
}

static int ordered(struct parser *p, const struct rquant *lo,
		   const struct rquant *hi)
{
	char found[40];

	if (hi->value > lo->value)
		return 0;
	snprintf(found, sizeof(found), "'%s'", hi->text);
	return rlex_fail_text(&p->lx, hi->col, "an upper bound above the lower",
			      found);
}

static int parse_limit(struct parser *p, uint32_t col)
{
	struct recipe_limits *l = &p->r->limits;
	struct rtok t, t2;
	struct rquant lo, hi;

	if (!rlex_next(&p->lx, &t))
		goto what;
	if (rtok_is(&t, "current"))
		return parse_limit_current(p, col);
	if (!rtok_is(&t, "cell") && !rtok_is(&t, "pack"))
		goto what;
	if (!rlex_next(&p->lx, &t2))
		goto what2;
	if (rtok_is(&t, "pack") && rtok_is(&t2, "voltage")) {
		TRY(parse_band(p, RQ_VOLT, false, "a pack voltage (V, mV)", &lo,
			       &hi));
		TRY(ordered(p, &lo, &hi));
		TRY(positive(p, &hi, 2000.0, "a pack voltage up to 2000 V"));
		TRY(limit_once(p, &p->seen_pack_v, col, "limit pack voltage"));
		l->has_pack_mV = true;
		l->pack_low_mV = to_milli(lo.value);
		l->pack_high_mV = to_milli(hi.value);
		return 0;
	}
	if (rtok_is(&t, "cell") && rtok_is(&t2, "voltage")) {
		TRY(parse_band(p, RQ_VOLT, false, "a cell voltage (V, mV)", &lo,
			       &hi));
		TRY(ordered(p, &lo, &hi));
		TRY(positive(p, &hi, CELL_V_MAX, "a cell voltage below 10 V"));
		TRY(limit_once(p, &p->seen_cell_v, col, "limit cell voltage"));
		l->has_cell_mV = true;
		l->cell_low_mV = to_milli(lo.value);
		l->cell_high_mV = to_milli(hi.value);
		return 0;
	}
	if (rtok_is(&t, "cell") && rtok_is(&t2, "temperature")) {
		TRY(parse_band(p, RQ_TEMP, true, "a temperature (C)", &lo,
			       &hi));
		TRY(ordered(p, &lo, &hi));
		if (lo.value < -100.0 || hi.value > 200.0)
			return rlex_fail_text(&p->lx, lo.col,
					      "temperatures from -100 to 200 C",
					      lo.text);
		TRY(limit_once(p, &p->seen_temp, col,
			       "limit cell temperature"));
		l->has_temp = true;
		l->temp_low_ddegC = (int32_t)llround(lo.value * 10.0);
		l->temp_high_ddegC = (int32_t)llround(hi.value * 10.0);
		return 0;
	}
	if (rtok_is(&t, "pack"))
		return rlex_fail(&p->lx, t2.col, "'voltage'", &t2);
what2:
	return rlex_fail(&p->lx, t2.col, "'voltage' or 'temperature'", &t2);
what:
	return rlex_fail(&p->lx, t.col,
			 "'cell voltage', 'cell temperature', 'current' or "
			 "'pack voltage'",
			 &t);
}

static int parse_log(struct parser *p, uint32_t col)
{
	int64_t ms;

	TRY(expect_word(p, "every", "'every'"));
	TRY(parse_time(p, &ms));
	TRY(expect_end_of_body(p, "end of line"));
	TRY(limit_once(p, &p->seen_log, col, "log every"));
	p->r->log_interval_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	return 0;
}

/* `End charge session` and not a Repeat's `End`: the next word says. */
static bool session_end_next(const struct rlex *lx)
{
	struct rlex peek = *lx;
	struct rtok t;

	return rlex_next(&peek, &t) && rtok_is(&t, "charge");
}

static int parse_line(struct parser *p, size_t line_end)
{
	struct rlex *lx = &p->lx;
	struct rtok w;
	const char *flags = memchr(lx->s, '[', line_end);

	lx->pos = 0;
	lx->end = flags ? (size_t)(flags - lx->s) : line_end;
	if (!rlex_next(lx, &w)) {
		if (flags) /* a line that is only flags */
			return rlex_fail_text(lx, w.col,
					      "a step before its flags", "'['");
		return 0;
	}
	if (rtok_is(&w, "charge"))
		return parse_step(p, RECIPE_CHARGE, w.col, line_end);
	if (rtok_is(&w, "discharge"))
		return parse_step(p, RECIPE_DISCHARGE, w.col, line_end);
	if (rtok_is(&w, "rest"))
		return parse_step(p, RECIPE_REST, w.col, line_end);
	if (rtok_is(&w, "hold"))
		return parse_step(p, RECIPE_HOLD_CELL, w.col, line_end);
	if (rtok_is(&w, "start"))
		return parse_step(p, RECIPE_SESSION_START, w.col, line_end);
	if (rtok_is(&w, "end") && session_end_next(lx))
		return parse_step(p, RECIPE_SESSION_END, w.col, line_end);
	if (flags) {
		lx->end = line_end;
		return rlex_fail_text(lx, (uint32_t)(flags - lx->s) + 1,
				      "flags only on step lines", "'['");
	}
	if (rtok_is(&w, "repeat"))
		return parse_repeat(p, w.col);
	if (rtok_is(&w, "end"))
		return parse_end(p, &w);
	if (rtok_is(&w, "limit"))
		return parse_limit(p, w.col);
	if (rtok_is(&w, "log"))
		return parse_log(p, w.col);
	return rlex_fail(lx, w.col,
			 "a step (Charge, Discharge, Rest, Hold, Start "
			 "charge session), 'Repeat', 'End', 'limit' or "
			 "'log every'",
			 &w);
}

static int parse_all(struct parser *p, const char *text)
{
	const char *s = text;
	uint32_t line = 0;

	if (!strncmp(s, "\xef\xbb\xbf",
		     3)) /* a UTF-8 BOM from Windows editors */
		s += 3;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *hash = memchr(s, '#', len);

		line++;
		p->lx.line = line;
		p->lx.s = s;
		TRY(parse_line(p, hash ? (size_t)(hash - s) : len));
		s += len;
		if (*s == '\n')
			s++;
	}
	p->lx.line = line + 1;
	if (p->depth > 0) {
		const struct recipe_op *op = &p->r->ops[p->stack[p->depth - 1]];

		p->lx.line = op->line;
		return rlex_fail_text(&p->lx, op->col,
				      "'End' closing this 'Repeat'",
				      "end of file");
	}
	p->lx.line = 1;
	if (p->r->n_steps == 0)
		return rlex_fail_text(&p->lx, 1, "at least one step",
				      "end of file");
	return 0;
}

int recipe_parse(const char *text, const char *name, struct recipe *r)
{
	struct parser p;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "<recipe>");
	r->log_interval_ms = 1000;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.lx.name = r->name;
	p.lx.err = r->error;
	p.lx.err_len = sizeof(r->error);
	rc = parse_all(&p, text);
	if (rc == 0) {
		r->text = strdup(text);
		if (!r->text)
			rc = BENCH_ERR_MEM;
	}
	if (rc < 0) {
		char err[RECIPE_ERR_LEN];

		memcpy(err, r->error, sizeof(err));
		recipe_release(r);
		memcpy(r->error, err, sizeof(err));
		return rc;
	}
	return BENCH_OK;
}

int recipe_load_file(const char *path, struct recipe *r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!f) {
		snprintf(r->error, sizeof(r->error), "cannot open '%s': %s",
			 path, strerror(errno));
		log_err("%s", r->error);
		return BENCH_ERR_IO;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = BENCH_ERR_MEM;
				log_err("cannot read '%s': out of memory",
					path);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(r->error, sizeof(r->error), "cannot read '%s': %s",
			 path, strerror(errno));
		log_err("%s", r->error);
		rc = BENCH_ERR_IO;
		goto out;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(r->error, sizeof(r->error),
			 "%s: expected text, found a NUL byte", path);
		log_err("%s", r->error);
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	rc = recipe_parse(buf, path, r);
out:
	free(buf);
	fclose(f);
	return rc;
}

void recipe_release(struct recipe *r)
{
	free(r->ops);
	free(r->text);
	memset(r, 0, sizeof(*r));
}
