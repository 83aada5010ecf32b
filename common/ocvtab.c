/* SPDX-License-Identifier: Apache-2.0 */
/* ocvtab.c - the OCV tables and their text form (see ocvtab.h). */
#include "common/ocvtab.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/cfgini.h"
#include "common/rc.h"

/* clang-format off */
const struct ocvtab ocvtab_nmc = {14, {
	{0, 2.500},   {1, 2.716},   {5, 3.003},   {10, 3.202},
	{20, 3.392},  {30, 3.501},  {40, 3.568},  {50, 3.636},
	{60, 3.735},  {70, 3.840},  {80, 3.939},  {90, 4.024},
	{95, 4.045},  {100, 4.123},
}};

const struct ocvtab ocvtab_lfp = {17, {
	{0, 2.500},    {1, 2.900},    {2.7, 2.960},  {5, 3.102},
	{10, 3.172},   {20, 3.208},   {30, 3.237},   {40, 3.263},
	{50, 3.270},   {60, 3.275},   {70, 3.280},   {80, 3.305},
	{90, 3.315},   {95, 3.319},   {98.3, 3.351}, {99.5, 3.418},
	{100, 3.590},
}};
/* clang-format on */

static int fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err && err_len)
		vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return BENCH_ERR_PARSE;
}

static bool sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',' || ch == '\n' || ch == '\r';
}

/* One "SOC:V" pair at *s; advances *s past it. */
static bool scan_pair(const char **s, struct ocvtab_pt *pt)
{
	const char *p = *s;

	if (!cfgini_scan_double(&p, &pt->soc_pct) || *p++ != ':' || *p == ' ' ||
	    *p == '\t' || !cfgini_scan_double(&p, &pt->ocv_V) ||
	    (*p && !sep(*p)))
		return false;
	*s = p;
	return true;
}

int ocvtab_parse(const char *text, double lo_V, double hi_V, struct ocvtab *out,
		 char *err, size_t err_len)
{
	const char *s = text ? text : "";
	size_t n = 0;

	for (;;) {
		while (sep(*s))
			s++;
		if (!*s)
			break;
		const char *at = s;
		struct ocvtab_pt pt;

		if (!scan_pair(&s, &pt))
			return fail(err, err_len,
				    "expected SOC%%:volts pairs like "
				    "'50:3.65', found '%.*s'",
				    (int)strcspn(at, " \t,\r\n"), at);
		if (n == OCVTAB_MAX_PTS)
			return fail(err, err_len, "more than %d points",
				    OCVTAB_MAX_PTS);
		if (pt.soc_pct < 0 || pt.soc_pct > 100)
			return fail(err, err_len, "SOC %g %% outside 0..100 %%",
				    pt.soc_pct);
		if (pt.ocv_V < lo_V || pt.ocv_V > hi_V)
			return fail(err, err_len,
				    "%g V at %g %% outside the safe window "
				    "%g..%g V",
				    pt.ocv_V, pt.soc_pct, lo_V, hi_V);
		if (n && pt.soc_pct <= out->pt[n - 1].soc_pct)
			return fail(err, err_len,
				    "SOC must rise: %g %% after %g %%",
				    pt.soc_pct, out->pt[n - 1].soc_pct);
		if (n && pt.ocv_V < out->pt[n - 1].ocv_V)
			return fail(err, err_len,
				    "voltage must not fall as SOC rises: %g V "
				    "at %g %% after %g V at %g %%",
				    pt.ocv_V, pt.soc_pct, out->pt[n - 1].ocv_V,
				    out->pt[n - 1].soc_pct);
		out->pt[n++] = pt;
	}
	if (n < OCVTAB_MIN_PTS)
		return fail(err, err_len, "%zu points, at least %d needed", n,
			    OCVTAB_MIN_PTS);
	if (out->pt[0].soc_pct != 0)
		return fail(err, err_len,
			    "the curve must start at 0 %%, not "
			    "%g %%",
			    out->pt[0].soc_pct);
	if (out->pt[n - 1].soc_pct != 100)
		return fail(err, err_len,
			    "the curve must end at 100 %%, not "
			    "%g %%",
			    out->pt[n - 1].soc_pct);
	if (!(out->pt[n - 1].ocv_V > out->pt[0].ocv_V))
		return fail(err, err_len,
			    "the curve is flat (%g V at both "
			    "ends)",
			    out->pt[0].ocv_V);
	out->n = n;
	return BENCH_OK;
}

int ocvtab_format(const struct ocvtab *t, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return BENCH_ERR_ARG;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		int k =
		    snprintf(buf + used, len - used, "%s%.6g:%.6g",
			     i ? " " : "", t->pt[i].soc_pct, t->pt[i].ocv_V);

		if (k < 0 || (size_t)k >= len - used)
			return BENCH_ERR_ARG;
		used += (size_t)k;
	}
	return BENCH_OK;
}
