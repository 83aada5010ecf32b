/* SPDX-License-Identifier: Apache-2.0 */
/* test_ocvtab_parse.c - a cell's OCV curve as text (common/ocvtab.h): the
 * pairs read, every validation error, the text written back, and the
 * analysis's curve functions on a curve that is not a built-in one. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/ocv.h"
#include "common/ocvtab.h"
#include "common/rc.h"

TestSuite(ocvtab, .timeout = 30);

static char err[200];

static int parse(const char *text, struct ocvtab *t)
{
	err[0] = '\0';
	return ocvtab_parse(text, 2.0, 4.25, t, err, sizeof(err));
}

Test(ocvtab, pairs_read_with_blanks_commas_and_lines)
{
	struct ocvtab t;

	cr_assert_eq(parse(" 0:2.50 ,10:3.45\n50:3.65\r\n  100:4.20 ", &t),
		     BENCH_OK, "%s", err);
	cr_assert_eq(t.n, 4);
	cr_assert_float_eq(t.pt[1].soc_pct, 10.0, 1e-12);
	cr_assert_float_eq(t.pt[1].ocv_V, 3.45, 1e-12);
	cr_assert_float_eq(t.pt[3].ocv_V, 4.20, 1e-12);
}

Test(ocvtab, every_error_says_what)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
	    {"", "0 points, at least 3"},
	    {"0:2.5 100:4.2", "2 points, at least 3"},
	    {"0:2.5 50 100:4.2", "expected SOC%:volts pairs like '50:3.65', "
				 "found '50'"},
	    {"0:2.5 50:3.6V 100:4.2", "found '50:3.6V'"},
	    {"0:2.5 50: 3.6 100:4.2", "found '50:'"},
	    {"0=2.5 50:3.6 100:4.2", "found '0=2.5'"},
	    {"5:2.5 50:3.6 100:4.2", "must start at 0 %, not 5 %"},
	    {"0:2.5 50:3.6 90:4.2", "must end at 100 %, not 90 %"},
	    {"0:2.5 50:3.6 101:4.2", "SOC 101 % outside 0..100 %"},
	    {"0:2.5 50:3.6 50:3.7 100:4.2", "SOC must rise: 50 % after 50 %"},
	    {"0:2.5 60:3.6 50:3.7 100:4.2", "SOC must rise: 50 % after 60 %"},
	    {"0:2.5 50:3.7 60:3.6 100:4.2",
	     "voltage must not fall as SOC rises: 3.6 V at 60 % after 3.7 V "
	     "at 50 %"},
	    {"0:1.9 50:3.6 100:4.2",
	     "1.9 V at 0 % outside the safe window 2..4.25 V"},
	    {"0:2.5 50:3.6 100:4.3",
	     "4.3 V at 100 % outside the safe window 2..4.25 V"},
	    {"0:3 50:3 100:3", "the curve is flat (3 V at both ends)"},
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct ocvtab t;

		cr_expect_eq(parse(bad[k].text, &t), BENCH_ERR_PARSE, "'%s'",
			     bad[k].text);
		cr_expect(strstr(err, bad[k].says), "'%s': '%s', expected '%s'",
			  bad[k].text, err, bad[k].says);
	}
}

Test(ocvtab, too_many_points)
{
	char text[2048];
	size_t used = 0;
	struct ocvtab t;

	for (int k = 0; k <= OCVTAB_MAX_PTS; k++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "%g:%g ", 100.0 * k / OCVTAB_MAX_PTS,
					 3.0 + k * 0.01);
	cr_assert_eq(parse(text, &t), BENCH_ERR_PARSE);
	cr_assert(strstr(err, "more than 64 points"), "%s", err);
}

Test(ocvtab, text_written_back_reads_the_same)
{
	struct ocvtab t, back;
	char text[OCVTAB_TEXT_LEN];

	for (int which = 0; which < 2; which++) {
		const struct ocvtab *b = which ? &ocvtab_lfp : &ocvtab_nmc;

		cr_assert_eq(ocvtab_format(b, text, sizeof(text)), BENCH_OK);
		cr_assert_eq(
		    ocvtab_parse(text, 2.0, 4.25, &back, err, sizeof(err)),
		    BENCH_OK, "%s: %s", text, err);
		cr_assert_eq(back.n, b->n);
		for (size_t i = 0; i < b->n; i++) {
			cr_assert_float_eq(back.pt[i].soc_pct, b->pt[i].soc_pct,
					   1e-9);
			cr_assert_float_eq(back.pt[i].ocv_V, b->pt[i].ocv_V,
					   1e-9);
		}
	}
	/* the longest curve fits OCVTAB_TEXT_LEN */
	t.n = OCVTAB_MAX_PTS;
	for (size_t i = 0; i < t.n; i++) {
		t.pt[i].soc_pct = 100.0 * (double)i / (double)(t.n - 1) + 1e-4;
		t.pt[i].ocv_V = 3.123456789 + 1e-3 * (double)i;
	}
	cr_assert_eq(ocvtab_format(&t, text, sizeof(text)), BENCH_OK);
	cr_assert_eq(ocvtab_format(&t, text, 10), BENCH_ERR_ARG);
}

/* A cell that is not the built-in NMC: SOC and the plateau rule come from
 * its own points. */
Test(ocvtab, analysis_reads_a_custom_curve)
{
	struct ocvtab c;

	cr_assert_eq(ocvcurve_parse("0:3.00 10:3.40 20:3.45 80:3.50 "
				    "100:4.10",
				    "test", &c),
		     BENCH_OK);
	cr_assert_float_eq(ocvcurve_soc(&c, 3.475), 0.50, 1e-9);
	cr_assert_float_eq(ocvcurve_V(&c, 0.05), 3.20, 1e-9);
	cr_assert_float_eq(ocvcurve_slope_V(&c, 0.90), 3.0, 1e-9);
	/* the built-in NMC reads 3.475 V near 31 %: the curve matters */
	cr_assert(fabs(ocvcurve_soc(&ocvtab_nmc, 3.475) - 0.50) > 0.15);
	/* 20-80 % moves 50 mV: a plateau (0.8 mV per %) */
	cr_assert(!ocvcurve_soc_reliable(&c, 0.50));
	cr_assert(ocvcurve_soc_reliable(&c, 0.05));
	cr_assert(ocvcurve_soc_reliable(&c, 0.90));
	/* blank: the chemistry's; a bad text is refused, not replaced */
	cr_assert_eq(ocvcurve_load(" \n", CHEM_LFP, "test", &c), BENCH_OK);
	cr_assert_eq(c.n, ocvtab_lfp.n);
	cr_assert_eq(ocvcurve_load("0:3 100:4", CHEM_NMC, "test", &c),
		     BENCH_ERR_ARG);
}

/* The plateau rule is the curve's slope, and it reads the built-in curves
 * as the chemistry rule did: NMC everywhere, LFP only off its plateau. */
Test(ocvtab, builtin_reliability_unchanged)
{
	for (double soc = 0.0; soc <= 1.0; soc += 0.005) {
		double slope_mv_pct = ocvcurve_slope_V(&ocvtab_lfp, soc) * 10;

		cr_expect(ocvcurve_soc_reliable(&ocvtab_nmc, soc), "%g", soc);
		cr_expect_eq(ocvcurve_soc_reliable(&ocvtab_lfp, soc),
			     slope_mv_pct >= 5.0, "LFP at %g", soc);
	}
}
