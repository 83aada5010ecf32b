/* SPDX-License-Identifier: Apache-2.0 */
/* recipe_lex.c - tokens, numbers and units of a recipe line. */
#define LOG_PREFIX "recipe"

#include "bench/recipe_lex.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/rc.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

uint32_t rlex_col(const struct rlex *lx)
{
	return (uint32_t)lx->pos + 1;
}

bool rlex_peek(const struct rlex *lx, struct rtok *t)
{
	size_t p = lx->pos, start;

	while (p < lx->end && is_blank(lx->s[p]))
		p++;
	start = p;
	while (p < lx->end && !is_blank(lx->s[p]) && lx->s[p] != '[')
		p++;
	t->p = lx->s + start;
	t->len = p - start;
	t->col = (uint32_t)start + 1;
	return t->len > 0;
}

bool rlex_next(struct rlex *lx, struct rtok *t)
{
	bool ok = rlex_peek(lx, t);

	lx->pos = (size_t)(t->p - lx->s) + t->len;
	return ok;
}

bool rtok_is(const struct rtok *t, const char *word)
{
	return strlen(word) == t->len && strncasecmp(t->p, word, t->len) == 0;
}

int rlex_fail_text(struct rlex *lx, uint32_t col, const char *expected,
		   const char *found)
{
	snprintf(lx->err, lx->err_len, "%s:%u:%u: expected %s, found %s",
		 lx->name, lx->line, col, expected, found);
	log_err("%s", lx->err);
	return BENCH_ERR_PARSE;
}

int rlex_fail(struct rlex *lx, uint32_t col, const char *expected,
	      const struct rtok *tok)
{
	char found[48];

	if (!tok || tok->len == 0)
		return rlex_fail_text(lx, col, expected, "end of line");
	snprintf(found, sizeof(found), "'%.*s'",
		 (int)(tok->len > 40 ? 40 : tok->len), tok->p);
	return rlex_fail_text(lx, col, expected, found);
}

struct unit {
	const char *name;
	unsigned kind; /* RQ_*; "C" is resolved by context */
	double scale;
	bool any_case;
};

/* clang-format off */
static const struct unit units[] = {
	{"V", RQ_VOLT, 1.0, false},
	{"mV", RQ_VOLT, 0.001, false},
	{"A", RQ_CURRENT, 1.0, false},
	{"mA", RQ_CURRENT, 0.001, false},
	{"C", RQ_CRATE | RQ_TEMP, 1.0, false},
	{"degC", RQ_TEMP, 1.0, false},
	{"\xc2\xb0" "C", RQ_TEMP, 1.0, false},
	{"W", RQ_POWER, 1.0, false},
	{"kW", RQ_POWER, 1000.0, false},
	{"Ah", RQ_AH, 1.0, false},
	{"mAh", RQ_AH, 0.001, false},
	{"Wh", RQ_WH, 1.0, false},
	{"kWh", RQ_WH, 1000.0, false},
	{"ms", RQ_TIME, 0.001, true},
	{"s", RQ_TIME, 1.0, true},
	{"sec", RQ_TIME, 1.0, true},
	{"secs", RQ_TIME, 1.0, true},
	{"second", RQ_TIME, 1.0, true},
	{"seconds", RQ_TIME, 1.0, true},
	{"min", RQ_TIME, 60.0, true},
	{"mins", RQ_TIME, 60.0, true},
	{"minute", RQ_TIME, 60.0, true},
	{"minutes", RQ_TIME, 60.0, true},
	{"h", RQ_TIME, 3600.0, true},
	{"hr", RQ_TIME, 3600.0, true},
	{"hrs", RQ_TIME, 3600.0, true},
	{"hour", RQ_TIME, 3600.0, true},
	{"hours", RQ_TIME, 3600.0, true},
};
/* clang-format on */

static const struct unit *unit_find(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const struct unit *u = &units[i];

		if (strlen(u->name) != len)
			continue;
		if (u->any_case ? strncasecmp(u->name, p, len) == 0
				: strncmp(u->name, p, len) == 0)
			return u;
	}
	return NULL;
}

/* Strict decimal: [-]digits[.digits] or [-].digits; returns chars used. */
static size_t scan_number(const char *p, size_t len, double *out)
{
	size_t i = 0, digits = 0;
	double v = 0.0, frac = 0.1;
	bool neg = false;

	if (i < len && p[i] == '-') {
		neg = true;
		i++;
	}
	while (i < len && p[i] >= '0' && p[i] <= '9') {
		v = v * 10.0 + (p[i] - '0');
		i++;
		digits++;
	}
	if (i < len && p[i] == '.') {
		i++;
		while (i < len && p[i] >= '0' && p[i] <= '9') {
			v += (p[i] - '0') * frac;
			frac /= 10.0;
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	*out = neg ? -v : v;
	return i;
}

static void tok_text(const struct rtok *t, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)(t->len < len - 1 ? t->len : len - 1),
		 t->p);
}

/* "C/3", "-C/2": a C-rate with an implicit 1. */
static bool scan_c_over(const struct rtok *t, double *out)
{
	size_t i = 0, n;
	double div;
	bool neg = false;

	if (i < t->len && t->p[i] == '-') {
		neg = true;
		i++;
	}
	if (t->len < i + 3 || t->p[i] != 'C' || t->p[i + 1] != '/')
		return false;
	i += 2;
	if (t->p[i] == '-')
		return false;
	n = scan_number(t->p + i, t->len - i, &div);
	if (n == 0 || i + n != t->len || div <= 0.0)
		return false;
	*out = (neg ? -1.0 : 1.0) / div;
	return true;
}

static int unit_fail(struct rlex *lx, const char *what, const struct rtok *tok,
		     uint32_t col)
{
	char expected[160];

	snprintf(expected, sizeof(expected), "a unit for %s", what);
	return rlex_fail(lx, col, expected, tok);
}

int rlex_quantity(struct rlex *lx, unsigned allowed, bool allow_negative,
		  const char *what, struct rquant *q)
{
	struct rtok t, ut;
	const struct unit *u;
	size_t n;
	double v;

	if (!rlex_next(lx, &t))
		return rlex_fail(lx, t.col, what, NULL);
	q->col = t.col;
	tok_text(&t, q->text, sizeof(q->text));
	if ((allowed & RQ_CRATE) && scan_c_over(&t, &v)) {
		if (v < 0 && !allow_negative)
			return rlex_fail(lx, t.col, "a positive value", &t);
		q->kind = RQ_CRATE;
		q->value = v;
		return 0;
	}
	n = scan_number(t.p, t.len, &v);
	if (n == 0)
		return rlex_fail(lx, t.col, what, &t);
	if (n < t.len && (t.p[n] == '.' || (t.p[n] >= '0' && t.p[n] <= '9') ||
			  t.p[n] == '-'))
		return rlex_fail(lx, t.col, "a number", &t);
	if (v < 0 && !allow_negative)
		return rlex_fail(lx, t.col, "a positive number", &t);
	if (n < t.len) {
		ut.p = t.p + n;
		ut.len = t.len - n;
		ut.col = t.col + (uint32_t)n;
	} else if (!rlex_next(lx, &ut)) {
		return unit_fail(lx, what, NULL, ut.col);
	} else {
		size_t l = strlen(q->text);

		snprintf(q->text + l, sizeof(q->text) - l, " %.*s",
			 (int)(ut.len > 16 ? 16 : ut.len), ut.p);
	}
	u = unit_find(ut.p, ut.len);
	if (!u || !(u->kind & allowed))
		return unit_fail(lx, what, &ut, ut.col);
	if (u->kind == (RQ_CRATE | RQ_TEMP))
		q->kind = (allowed & RQ_TEMP) ? RQ_TEMP : RQ_CRATE;
	else
		q->kind = (enum rq_kind)u->kind;
	q->value = v * u->scale;
	return 0;
}
