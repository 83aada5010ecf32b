/* SPDX-License-Identifier: Apache-2.0 */
/* test_report_svg.c - the HTML report reads like a lab's: axis ticks in
 * 1-2-5 steps (time in whole hours, minutes for a short run), curves
 * clipped to their plot area, threshold lines labelled with their unit in
 * the margin and painted under the bars, bench:CONFIG rows in their own
 * table and out of the events table. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"
#include "analysis/report.h"
#include "analysis/svg.h"
#include "analysis_synth.h"

static void add_event(struct synth *s, const char *sev, const char *code,
		      const char *msg)
{
	struct run_event *e = &s->events[s->n_events++];

	snprintf(e->severity, sizeof(e->severity), "%s", sev);
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->message, sizeof(e->message), "%s", msg);
}

/* The report of a synthetic run, as a malloc'd string. */
static char *report_of(struct synth *s)
{
	struct rundata *rd;
	struct pack_result pr;
	struct grade_result g;
	struct rules r;
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);

	cr_assert_not_null(f);
	cr_assert_eq(rules_load(NULL, &r), 0);
	cr_assert_eq(sy_build(s, RD_PLOTS, &rd), 0);
	cr_assert_eq(analyze_run(rd, &pr), 0);
	cr_assert_eq(grade_pack(&pr, &r, NULL, &g), 0);
	cr_assert_eq(report_write_html(f, rd, &pr, &g, &r), 0);
	cr_assert_eq(fclose(f), 0);
	grade_result_release(&g);
	pack_result_release(&pr);
	rundata_free(rd);
	return html;
}

/* The n-th <svg>...</svg> of html, NUL-terminated in a copy. */
static char *svg_at(const char *html, int n)
{
	const char *p = html, *e;
	char *out;

	for (int k = 0; k <= n; k++) {
		p = strstr(p + (k ? 1 : 0), "<svg");
		cr_assert_not_null(p, "no svg %d", n);
	}
	e = strstr(p, "</svg>");
	cr_assert_not_null(e);
	out = strndup(p, (size_t)(e - p));
	cr_assert_not_null(out);
	return out;
}

static int n_svgs(const char *html)
{
	int n = 0;

	for (const char *p = html; (p = strstr(p, "<svg")); p++)
		n++;
	return n;
}

/* Tick values of one axis ("xtick" or "ytick") in an svg. */
static int tick_values(const char *svg, const char *cls, double *v, int max)
{
	char pat[32];
	int n = 0;

	snprintf(pat, sizeof(pat), "class=\"%s\"", cls);
	for (const char *p = svg; (p = strstr(p, pat)) && n < max; p++) {
		const char *t = strchr(p, '>');

		cr_assert_not_null(t);
		v[n++] = strtod(t + 1, NULL);
	}
	return n;
}

/* m x 10^n with m in {1, 2, 5} */
static bool one_two_five(double step)
{
	double e = pow(10, floor(log10(step) + 1e-9));
	double m = step / e;

	return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6;
}

static void assert_round_ticks(const char *svg, const char *cls, int k)
{
	double v[64];
	int n = tick_values(svg, cls, v, 64);

	cr_assert_geq(n, 2, "svg %d: %d %ss", k, n, cls);
	double step = v[1] - v[0];

	cr_assert(step > 0 && one_two_five(step), "svg %d: %s step %g", k, cls,
		  step);
	for (int i = 1; i < n; i++) {
		cr_assert(fabs(v[i] - v[i - 1] - step) < 1e-6 * step,
			  "svg %d: uneven %s %g, %g", k, cls, v[i - 1], v[i]);
		cr_assert(fabs(v[i] / step - round(v[i] / step)) < 1e-6,
			  "svg %d: %s %g is not a multiple of %g", k, cls, v[i],
			  step);
	}
}

static struct synth s;
static char *html;

static void overnight(void)
{
	sy_init(&s, 8, 94, 0.85);
	s.cap_ah[2] = 94 * 0.70;
	s.r0_mohm[5] = 1.70;
	sy_overnight(&s, 94);
	add_event(&s, "info", "bench:CONFIG", "sim=packs/x.ini");
	add_event(&s, "info", "bench:CONFIG", "seed=7");
	add_event(&s, "warning", "bench:CELL_TEMP_HIGH", "cell 3 at 46 C");
	html = report_of(&s);
}

static void teardown(void)
{
	free(html);
	sy_free(&s);
}

TestSuite(report_svg, .init = overnight, .fini = teardown, .timeout = 60);

Test(report_svg, every_axis_ticks_in_one_two_five_steps)
{
	int n = n_svgs(html);

	cr_assert_eq(n, 6);
	for (int k = 0; k < n; k++) {
		char *svg = svg_at(html, k);

		assert_round_ticks(svg, "xtick", k);
		assert_round_ticks(svg, "ytick", k);
		free(svg);
	}
}

Test(report_svg, a_long_run_plots_whole_hours)
{
	/* pack V, pack I, cell envelope: the time plots */
	for (int k = 0; k < 3; k++) {
		char *svg = svg_at(html, k);
		double v[64];
		int n = tick_values(svg, "xtick", v, 64);

		cr_assert(strstr(svg, ">time (h)<"), "svg %d", k);
		cr_assert_geq(v[1] - v[0], 1.0);
		for (int i = 0; i < n; i++)
			cr_assert_eq(v[i], round(v[i]), "%g h", v[i]);
		free(svg);
	}
}

Test(report_svg, every_curve_is_clipped_to_its_plot)
{
	for (int k = 0; k < n_svgs(html); k++) {
		char *svg = svg_at(html, k);
		char id[32], def[64];
		const char *c = strstr(svg, "<clipPath id=\"");
		int frame_x, frame_y, cx, cy;

		cr_assert_not_null(c, "svg %d: no clipPath", k);
		cr_assert_eq(sscanf(c,
				    "<clipPath id=\"%31[^\"]\"><rect x=\"%d\" "
				    "y=\"%d\"",
				    id, &cx, &cy),
			     3);
		/* the clip rectangle is the plot frame */
		const char *fr = strstr(svg, "fill=\"none\" stroke=\"#444\"/>");

		cr_assert_not_null(fr);
		while (fr > svg && strncmp(fr, "<rect", 5))
			fr--;
		cr_assert_eq(
		    sscanf(fr, "<rect x=\"%d\" y=\"%d\"", &frame_x, &frame_y),
		    2);
		cr_assert_eq(cx, frame_x);
		cr_assert_eq(cy, frame_y);
		snprintf(def, sizeof(def), "clip-path=\"url(#%s)\"", id);
		for (const char *p = svg; (p = strstr(p, "<polyline")); p++) {
			const char *end = strchr(p, '>');

			cr_assert_not_null(strstr(p, def));
			cr_assert_lt(strstr(p, def), end,
				     "svg %d: a polyline without %s", k, def);
		}
		for (const char *p = svg; (p = strstr(p, "<polygon")); p++)
			cr_assert_lt(strstr(p, def), strchr(p, '>'),
				     "svg %d: a polygon without %s", k, def);
		free(svg);
	}
}

Test(report_svg, thresholds_carry_units_and_sit_under_the_bars)
{
	static const char *unit[2] = {" Ah<", " mOhm<"};

	for (int k = 3; k <= 4; k++) {
		char *svg = svg_at(html, k);
		const char *line = strstr(svg, "<line class=\"threshold\"");
		const char *bar = strstr(svg, "class=\"bar\"");
		const char *label = strstr(svg, "<text class=\"threshold\"");
		int y;

		cr_assert(line && bar && label, "svg %d", k);
		cr_assert_lt(line, bar, "svg %d: threshold painted over bars",
			     k);
		cr_assert_eq(sscanf(label,
				    "<text class=\"threshold\" x=\"%*d\" "
				    "y=\"%d\"",
				    &y),
			     1);
		cr_assert_lt(y, 28, "svg %d: label inside the plot", k);
		cr_assert(strstr(label, unit[k - 3]) &&
			      strstr(label, unit[k - 3]) < strstr(label, "</"),
			  "svg %d: label without its unit: %.80s", k, label);
		free(svg);
	}
}

Test(report_svg, config_rows_have_their_own_table)
{
	const char *ev = strstr(html, "<table class=\"events\">");
	const char *cfg = strstr(html, "<table class=\"config\">");

	cr_assert_not_null(ev);
	cr_assert_not_null(cfg);
	char *events = strndup(ev, (size_t)(strstr(ev, "</table>") - ev));
	char *config = strndup(cfg, (size_t)(strstr(cfg, "</table>") - cfg));

	cr_assert_null(strstr(events, "bench:CONFIG"), "%s", events);
	cr_assert_null(strstr(events, "seed"), "%s", events);
	cr_assert(strstr(events, "bench:CELL_TEMP_HIGH"), "%s", events);
	cr_assert(strstr(config, "<td>seed</td><td>7</td>"), "%s", config);
	cr_assert(strstr(config, "<td>sim</td><td>packs/x.ini</td>"), "%s",
		  config);
	free(events);
	free(config);
}

Test(report_svg, a_short_run_plots_whole_minutes)
{
	struct synth t;
	char *h, *svg;
	double v[64];
	int n;

	sy_init(&t, 4, 10, 0.85);
	sy_row(&t, 0);
	sy_step(&t, "discharge", "", -5, 1200, SY_FOR, 10);
	sy_step(&t, "rest", "", 0, 1500, SY_FOR, 10);
	h = report_of(&t);
	svg = svg_at(h, 0);
	cr_assert(strstr(svg, ">time (min)<"), "%.400s", svg);
	n = tick_values(svg, "xtick", v, 64);
	cr_assert_geq(n, 3);
	cr_assert_geq(v[n - 1], 45.0, "the run lasted 45 min: %g", v[n - 1]);
	for (int i = 0; i < n; i++)
		cr_assert_eq(v[i], round(v[i]), "%g min", v[i]);
	assert_round_ticks(svg, "xtick", 0);
	free(svg);
	free(h);
	sy_free(&t);
}

Test(report_svg, tick_steps)
{
	cr_assert_float_eq(svg_tick_step(37.8, 10, 1), 5, 1e-12);
	cr_assert_float_eq(svg_tick_step(0.5, 10, 1), 1, 1e-12);
	cr_assert_float_eq(svg_tick_step(96, 10, 1), 10, 1e-12);
	cr_assert_float_eq(svg_tick_step(0.37, 6, 0), 0.1, 1e-12);
	cr_assert_float_eq(svg_tick_step(120, 6, 0), 20, 1e-12);
	cr_assert_float_eq(svg_tick_step(3e-3, 6, 0), 5e-4, 1e-15);
}
