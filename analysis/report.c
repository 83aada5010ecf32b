/* SPDX-License-Identifier: Apache-2.0 */
/* report.c - the HTML report (see report.h). */
#define LOG_PREFIX "report"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/svg.h"
#include "common/log.h"
#include "common/rc.h"

#define PLOT_W 1100
#define PLOT_H 300
#define PACK_POINTS 1500

static void esc_char(FILE *o, char c)
{
	if (c == '<')
		fputs("&lt;", o);
	else if (c == '>')
		fputs("&gt;", o);
	else if (c == '&')
		fputs("&amp;", o);
	else if (c == '"')
		fputs("&quot;", o);
	else
		fputc(c, o);
}

static void esc(FILE *o, const char *s)
{
	for (; *s; s++)
		esc_char(o, *s);
}

static const char *grade_color(enum grade g)
{
	switch (g) {
	case GRADE_REUSE:
		return "#1b7a2e";
	case GRADE_REMANUFACTURE:
		return "#b36b00";
	case GRADE_RECYCLE:
		return "#b00020";
	case GRADE_INCOMPLETE:
		return "#555555";
	}
	return "#000";
}

static const char *step_color(const char *kind)
{
	if (!strcmp(kind, "charge") || !strcmp(kind, "hold"))
		return "#2e7d32";
	if (!strcmp(kind, "discharge"))
		return "#e65100";
	return "#9e9e9e";
}

static void row(FILE *o, const char *k, const char *fmt, double x)
{
	fprintf(o, "<tr><th>%s</th><td>", k);
	if (isfinite(x))
		fprintf(o, fmt, x);
	else
		fputs("n/a", o);
	fputs("</td></tr>\n", o);
}

static void header(FILE *o, const struct pack_result *pr,
		   const struct grade_result *g)
{
	fputs("<h1>Pack ", o);
	esc(o, pr->pack_id);
	fprintf(
	    o,
	    ": <span class=\"grade\" style=\"background:%s\">%s</span></h1>\n",
	    grade_color(g->grade), grade_name(g->grade));
	fprintf(o, "<p>%s, %u cells in series (%up), %u modules, ",
		pr->chemistry, pr->series, pr->parallel, pr->modules);
	if (pr->rated_ah > 0)
		fprintf(o, "rated %.2f Ah. Run status: ", pr->rated_ah);
	else
		fputs("rated capacity unknown. Run status: ", o);
	esc(o, pr->status);
	fputs(". Rules sha256 <code>", o);
	esc(o, g->rules_sha256);
	fputs("</code>.</p>\n<h2>Why</h2>\n<ul>\n", o);
	for (size_t k = 0; k < g->n_reasons; k++) {
		fputs("<li>", o);
		esc(o, g->reasons[k]);
		fputs("</li>\n", o);
	}
	fputs("</ul>\n", o);
	if (g->n_replace) {
		fputs("<p><b>Replace modules:</b>", o);
		for (size_t k = 0; k < g->n_replace; k++)
			fprintf(o, " %u", g->replace_modules[k]);
		fputs("</p>\n", o);
	}
	fputs("<h2>Measured</h2>\n<table>\n", o);
	row(o, "Capacity (Ah)", "%.2f", pr->capacity_ah);
	row(o, "SOH by capacity (%)", "%.1f", 100 * pr->soh_capacity);
	row(o, "Energy (Wh)", "%.0f", pr->energy_wh);
	row(o, "SOH by energy (%)", "%.1f", 100 * pr->soh_energy);
	row(o, "Round-trip energy efficiency (%)", "%.1f",
	    100 * pr->round_trip_eff);
	row(o, "Coulombic efficiency (%)", "%.2f", 100 * pr->coulombic_eff);
	row(o, "Pack DCIR, ohmic (mOhm)", "%.2f", pr->dcir_mohm);
	row(o, "Pack 10 s resistance (mOhm)", "%.2f", pr->r10_mohm);
	row(o, "... at SOC (%)", "%.0f", 100 * pr->dcir_soc);
	row(o, "Resistance / fresh", "%.2f", g->r_ratio);
	row(o, "Rested OCV spread (mV)", "%.0f", pr->rest_spread_mV);
	row(o, "Capacity spread (% of median)", "%.1f",
	    100 * pr->cap_spread_rel);
	row(o, "Max / median resistance", "%.2f", pr->r_spread_ratio);
	row(o, "Rebalancing would recover (Ah)", "%.2f", pr->rebalance_gain_ah);
	row(o, "Cell ending the charge", "%.0f",
	    pr->charge_end_cell ? pr->charge_end_cell : NAN);
	row(o, "Cell ending the discharge", "%.0f",
	    pr->discharge_end_cell ? pr->discharge_end_cell : NAN);
	row(o, "Max temperature (C)", "%.1f", pr->temp_max_C);
	row(o, "Temperature rise (C)", "%.1f", pr->temp_rise_C);
	fputs("</table>\n<h2>Battery passport</h2>\n<table>\n", o);
	row(o, "Remaining capacity (Ah)", "%.2f", pr->capacity_ah);
	row(o, "State of certified energy (%)", "%.1f", 100 * pr->soh_energy);
	row(o, "Capacity fade (%)", "%.1f", 100 * (1 - pr->soh_capacity));
	row(o, "Resistance increase (%)", "%.0f", 100 * (g->r_ratio - 1));
	row(o, "Round-trip efficiency (%)", "%.1f", 100 * pr->round_trip_eff);
	row(o, "Self-discharge fit (h)", "%.1f", pr->sd_fit_h);
	row(o, "Negative events", "%.0f", (double)pr->n_negative_events);
	fputs("</table>\n", o);
}

/* Runs shorter than this plot their time in minutes */
#define MINUTES_BELOW_S (3 * 3600.0)

/* Time axis of a run: whole hours, or whole minutes for a short run.
 * Returns the divisor from seconds to the axis unit. */
static double time_axis(const struct rundata *rd, struct svgaxis *ax)
{
	double t1 = rd->rows ? rd->t_s[rd->rows - 1] : 0;
	double unit_s = t1 < MINUTES_BELOW_S ? 60.0 : 3600.0;

	*ax =
	    (struct svgaxis){.label = unit_s == 60 ? "time (min)" : "time (h)",
			     .lo = NAN,
			     .hi = NAN,
			     .min_step = 1,
			     .snap = true};
	return unit_s;
}

static void pack_plots(FILE *o, const struct rundata *rd)
{
	size_t n = rd->rows < PACK_POINTS ? rd->rows : PACK_POINTS;
	double *x = malloc((n ? n : 1) * sizeof(double));
	double *v = malloc((n ? n : 1) * sizeof(double));
	double *i = malloc((n ? n : 1) * sizeof(double));
	struct svgaxis xa, ya;
	double unit_s = time_axis(rd, &xa);
	struct svgplot p;

	if (!x || !v || !i)
		goto out;
	for (size_t k = 0; k < n; k++) {
		size_t r = n > 1 ? k * (rd->rows - 1) / (n - 1) : 0;

		x[k] = rd->t_s[r] / unit_s;
		v[k] = rd->v_V[r];
		i[k] = rd->i_A[r];
	}
	svg_range(x, n, &xa.lo, &xa.hi);
	for (int which = 0; which < 2; which++) {
		ya = (struct svgaxis){.label = which ? "A" : "V",
				      .lo = NAN,
				      .hi = NAN,
				      .snap = true};
		svg_range(which ? i : v, n, &ya.lo, &ya.hi);
		svgplot_begin(&p, o, PLOT_W, PLOT_H,
			      which
				  ? "Pack current (positive = charge)"
				  : "Pack voltage (steps shaded: charge green, "
				    "discharge orange, rest grey)",
			      &xa, &ya);
		for (size_t s = 0; s < rd->n_steps; s++)
			svgplot_band(&p, rd->steps[s].start_s / unit_s,
				     rd->steps[s].end_s / unit_s,
				     step_color(rd->steps[s].kind));
		svgplot_line(&p, x, which ? i : v, n,
			     which ? "#1565c0" : "#000", 1.2);
		svgplot_end(&p);
	}
out:
	free(x);
	free(v);
	free(i);
}

static const char *flag_color(unsigned f)
{
	return f & (CELL_UNSAFE | CELL_WEAK) ? "#c62828"
	       : f & CELL_HIGH_R	     ? "#6a1b9a"
	       : f & CELL_SELF_DISCHARGE     ? "#ad1457"
	       : f & CELL_OFFSET	     ? "#ef6c00"
					     : "#1e88e5";
}

static void envelope_plot(FILE *o, const struct rundata *rd,
			  const struct grade_result *g)
{
	size_t n = rd->plot.n, w = rd->series;
	double *x = malloc((n ? n : 1) * sizeof(double));
	double *lo = malloc((n ? n : 1) * sizeof(double));
	double *hi = malloc((n ? n : 1) * sizeof(double));
	double *y = malloc((n ? n : 1) * sizeof(double));
	struct svgaxis xa,
	    ya = {.label = "V", .lo = NAN, .hi = NAN, .snap = true};
	double unit_s = time_axis(rd, &xa);
	struct svgplot p;

	if (!x || !lo || !hi || !y)
		goto out;
	for (size_t k = 0; k < n; k++) {
		const float *c = rd->plot.cell_V + k * w;

		x[k] = rd->plot.t_s[k] / unit_s;
		lo[k] = hi[k] = c[0];
		for (size_t j = 1; j < w; j++) {
			if (c[j] < lo[k])
				lo[k] = c[j];
			if (c[j] > hi[k])
				hi[k] = c[j];
		}
	}
	svg_range(lo, n, &ya.lo, &ya.hi);
	svg_range(hi, n, &ya.lo, &ya.hi);
	svg_range(x, n, &xa.lo, &xa.hi);
	svgplot_begin(&p, o, PLOT_W, PLOT_H,
		      "Cell voltages: min-max envelope, flagged cells drawn",
		      &xa, &ya);
	svgplot_envelope(&p, x, lo, hi, n, "#90caf9");
	for (size_t c = 0; c < w; c++) {
		if (!g->cell_flags[c])
			continue;
		for (size_t k = 0; k < n; k++)
			y[k] = rd->plot.cell_V[k * w + c];
		svgplot_line(&p, x, y, n, flag_color(g->cell_flags[c]), 1.2);
	}
	svgplot_end(&p);
out:
	free(x);
	free(lo);
	free(hi);
	free(y);
}

static void bars(FILE *o, const struct pack_result *pr,
		 const struct grade_result *g, int resistance, double threshold,
		 const char *tlabel)
{
	double *y = malloc(pr->series * sizeof(double));
	const char *unit = resistance ? "mOhm" : "Ah";
	struct svgaxis xa = {
	    .label = "cell", .lo = 0.5, .hi = pr->series + 0.5, .min_step = 1};
	struct svgaxis ya = {.label = unit, .lo = 0, .hi = NAN, .snap = true};
	struct svgplot p;
	char lab[96];

	if (!y)
		return;
	for (unsigned c = 0; c < pr->series; c++)
		y[c] = resistance ? pr->cells[c].r_0s1_mohm
				  : pr->cells[c].capacity_ah;
	svg_range(y, pr->series, &ya.lo, &ya.hi);
	if (isfinite(threshold) && threshold > ya.hi)
		ya.hi = threshold;
	svgplot_begin(&p, o, PLOT_W, PLOT_H,
		      resistance ? "Cell ohmic resistance (0.1 s pulse)"
				 : "Cell capacity (rested OCV method)",
		      &xa, &ya);
	/* the threshold first: the bars are painted over it */
	snprintf(lab, sizeof(lab), "%s %.3g %s", tlabel, threshold, unit);
	svgplot_hline(&p, threshold, "#c62828", lab);
	for (unsigned c = 0; c < pr->series; c++)
		svgplot_bar(&p, c + 1, 0.8, y[c],
			    g->cell_flags[c] ? flag_color(g->cell_flags[c])
					     : "#90a4ae");
	svgplot_end(&p);
	free(y);
}

static void ica_plot(FILE *o, const struct rundata *rd,
		     const struct grade_result *g)
{
	if (!rd->ica)
		return;
	int nb = rd->ica[0].n_bins;
	double *x = malloc(nb * sizeof(double)),
	       *y = malloc(nb * sizeof(double));
	struct svgaxis xa = {
	    .label = "cell voltage (V)", .lo = NAN, .hi = NAN, .snap = true};
	struct svgaxis ya = {.label = "Ah/V", .lo = 0, .hi = NAN, .snap = true};
	struct svgplot p;

	if (!x || !y)
		goto out;
	for (int k = 0; k < nb; k++)
		x[k] = rd->ica[0].v0_V + (k + 0.5) * rd->ica[0].bin_V;
	/* x range: where any charge passed; y range over all cells */
	for (size_t c = 0; c < rd->series; c++) {
		ica_dqdv(&rd->ica[c], 2, y);
		for (int k = 0; k < nb; k++)
			if (y[k] > 0) {
				svg_range(&x[k], 1, &xa.lo, &xa.hi);
				svg_range(&y[k], 1, &ya.lo, &ya.hi);
			}
	}
	svgplot_begin(&p, o, PLOT_W, PLOT_H,
		      "Incremental capacity dQ/dV on the capacity discharge "
		      "(flagged cells in colour)",
		      &xa, &ya);
	for (int pass = 0; pass < 2; pass++)
		for (size_t c = 0; c < rd->series; c++) {
			bool flagged = g->cell_flags[c] != 0;

			if (flagged != (pass == 1))
				continue;
			ica_dqdv(&rd->ica[c], 2, y);
			svgplot_line(&p, x, y, (size_t)nb,
				     flagged ? flag_color(g->cell_flags[c])
					     : "#b0bec5",
				     flagged ? 1.5 : 0.6);
		}
	svgplot_end(&p);
out:
	free(x);
	free(y);
}

static bool is_config(const struct run_event *e)
{
	return !strcmp(e->code, "bench:CONFIG");
}

/* The bench:CONFIG rows ("key=value", what resume needs to rebuild the
 * run) are settings, not happenings: their own table. */
static void config_table(FILE *o, const struct rundata *rd)
{
	bool any = false;

	for (size_t k = 0; k < rd->n_events; k++) {
		const struct run_event *e = &rd->events[k];
		const char *eq = strchr(e->message, '=');

		if (!is_config(e))
			continue;
		if (!any)
			fputs(
			    "<h2>Configuration</h2>\n<table class=\"config\">\n"
			    "<tr><th>setting</th><th>value</th></tr>\n",
			    o);
		any = true;
		fputs("<tr><td>", o);
		if (eq) {
			for (const char *c = e->message; c < eq; c++)
				esc_char(o, *c);
			fputs("</td><td>", o);
			esc(o, eq + 1);
		} else {
			fputs("</td><td>", o);
			esc(o, e->message);
		}
		fputs("</td></tr>\n", o);
	}
	if (any)
		fputs("</table>\n", o);
}

static void events_table(FILE *o, const struct rundata *rd)
{
	fputs("<h2>Events</h2>\n<table class=\"events\">\n<tr><th>time (s)</th>"
	      "<th>severity</th><th>code</th><th>message</th></tr>\n",
	      o);
	for (size_t k = 0; k < rd->n_events; k++) {
		const struct run_event *e = &rd->events[k];

		if (is_config(e))
			continue;
		fprintf(o, "<tr class=\"%s\"><td>%.1f</td><td>", e->severity,
			e->t_s);
		esc(o, e->severity);
		fputs("</td><td>", o);
		esc(o, e->code);
		fputs("</td><td>", o);
		esc(o, e->message);
		fputs("</td></tr>\n", o);
	}
	fputs("</table>\n", o);
}

/* The recipe as the run used it (recipe_text), the step running at an
 * abort highlighted, with why when the recipe or profile caused it. */
static void recipe_section(FILE *o, const struct rundata *rd,
			   const struct pack_result *pr)
{
	const char *s = rd->meta.recipe_text;
	unsigned line = 1;

	if (!s)
		return;
	fputs("<h2>Recipe</h2>\n", o);
	if (pr->abort_class == ABORT_CONFIG) {
		fputs("<p class=\"abort\">", o);
		esc(o, pr->abort_config);
		fputs("</p>\n", o);
	}
	fputs("<pre class=\"recipe\">", o);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char buf[512];
		bool mark = pr->abort_class && line == pr->abort_line;

		snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
		fprintf(o, "%s%4u  ", mark ? "<mark>" : "", line);
		esc(o, buf);
		fputs(mark ? "</mark>\n" : "\n", o);
		s += n + (nl != NULL);
		line++;
	}
	fputs("</pre>\n", o);
}

int report_write_html(FILE *o, const struct rundata *rd,
		      const struct pack_result *pr,
		      const struct grade_result *g, const struct rules *r)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>"
	      "Pack ",
	      o);
	esc(o, pr->pack_id);
	fputs(
	    "</title>\n<style>body{font-family:sans-serif;margin:24px;"
	    "max-width:1150px}table{border-collapse:collapse;margin:8px 0}"
	    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
	    ".grade{color:#fff;padding:2px 10px;border-radius:4px}"
	    "tr.abort td,tr.fault td{background:#fde0e0}"
	    "tr.warning td{background:#fff4d6}svg{display:block;margin:12px 0}"
	    "pre.recipe mark{background:#fde0e0}"
	    "</style></head><body>\n",
	    o);
	header(o, pr, g);
	report_imported(o, pr);
	fputs("<h2>Plots</h2>\n", o);
	pack_plots(o, rd);
	envelope_plot(o, rd, g);
	bars(o, pr, g, 0,
	     pr->cap_median_ah - r->weak_below_median * pr->rated_ah,
	     "weak below");
	bars(o, pr, g, 1, r->high_r_over_median * pr->r_median_mohm,
	     "high resistance above");
	ica_plot(o, rd, g);
	/* the recipe, with the step that failed, belongs here: after the
	 * plots, before the run's own records */
	config_table(o, rd);
	recipe_section(o, rd, pr);
	events_table(o, rd);
	fputs("</body></html>\n", o);
	return ferror(o) ? BENCH_ERR_IO : BENCH_OK;
}
