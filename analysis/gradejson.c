/* SPDX-License-Identifier: Apache-2.0 */
/* gradejson.c - grade output: JSON, terminal summary, CSV. */
#define LOG_PREFIX "gradejson"
#include "gradejson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

static void jstr(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(o, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(o, "\\u%04x", ch);
		else
			fputc(ch, o);
	}
	fputc('"', o);
}

/* Round-trip numbers but keep them readable: %.10g is exact for what the
 * metrics resolve (the float inputs carry ~7 digits). */
static void jnum(FILE *o, double x)
{
	if (isfinite(x))
		fprintf(o, "%.10g", x);
	else
		fputs("null", o);
}

static void jkey(FILE *o, const char *k, bool first)
{
	if (!first)
		fputc(',', o);
	jstr(o, k);
	fputc(':', o);
}

static void passport(FILE *o, const struct pack_result *pr,
		     const struct grade_result *g)
{
	double *k = malloc((pr->series ? pr->series : 1) * sizeof(double));
	double *l = malloc((pr->series ? pr->series : 1) * sizeof(double));

	jkey(o, "passport", false);
	fputc('{', o);
	jkey(o, "remaining_capacity_ah", true);
	jnum(o, pr->capacity_ah);
	jkey(o, "state_of_certified_energy", false);
	jnum(o, pr->soh_energy);
	jkey(o, "capacity_fade", false);
	jnum(o, 1.0 - pr->soh_capacity);
	jkey(o, "resistance_increase", false);
	jnum(o, g->r_ratio - 1.0);
	jkey(o, "round_trip_efficiency", false);
	jnum(o, pr->round_trip_eff);
	jkey(o, "self_discharge_evolution", false);
	if (k && l) {
		for (unsigned c = 0; c < pr->series; c++) {
			k[c] = pr->cells[c].sd_mv_per_day;
			l[c] = pr->cells[c].leak_ma;
		}
		fputc('{', o);
		jkey(o, "fit_hours", true);
		jnum(o, pr->sd_fit_h);
		/* cells off a plateau; the others' values are null */
		jkey(o, "cells_judged", false);
		fprintf(o, "%u", pr->series - pr->sd_unjudged_cells);
		jkey(o, "mean_mv_per_day", false);
		jnum(o, metrics_mean(k, pr->series));
		jkey(o, "max_mv_per_day", false);
		jnum(o, metrics_max(k, pr->series, NULL));
		jkey(o, "mean_leak_ma", false);
		jnum(o, metrics_mean(l, pr->series));
		jkey(o, "max_leak_ma", false);
		jnum(o, metrics_max(l, pr->series, NULL));
		fputc('}', o);
	} else {
		fputs("null", o);
	}
	jkey(o, "negative_events", false);
	fprintf(o, "%u", pr->n_negative_events);
	fputc('}', o);
	free(k);
	free(l);
}

int grade_json_write(FILE *o, const struct pack_result *pr,
		     const struct grade_result *g)
{
	bool graded = g->grade != GRADE_INCOMPLETE;

	fputc('{', o);
	jkey(o, "pack_id", true);
	jstr(o, pr->pack_id);
	jkey(o, "grade", false);
	jstr(o, grade_name(g->grade));
	jkey(o, "status", false);
	jstr(o, graded ? "graded" : "incomplete");
	jkey(o, "reasons", false);
	fputc('[', o);
	for (size_t k = 0; k < g->n_reasons; k++) {
		if (k)
			fputc(',', o);
		jstr(o, g->reasons[k]);
	}
	fputc(']', o);
	jkey(o, "soh_capacity", false);
	jnum(o, pr->soh_capacity);
	jkey(o, "soh_energy", false);
	jnum(o, pr->soh_energy);
	jkey(o, "capacity_ah", false);
	jnum(o, pr->capacity_ah);
	jkey(o, "energy_wh", false);
	jnum(o, pr->energy_wh);
	jkey(o, "dcir_mohm", false);
	jnum(o, pr->dcir_mohm);
	jkey(o, "cells", false);
	fputc('[', o);
	for (unsigned c = 0; c < pr->series; c++) {
		const struct cell_result *cr = &pr->cells[c];
		bool first = true;

		if (c)
			fputc(',', o);
		fputc('{', o);
		jkey(o, "index", true);
		fprintf(o, "%u", c + 1);
		jkey(o, "module", false);
		fprintf(o, "%u", cr->module);
		jkey(o, "capacity_ah", false);
		jnum(o, cr->capacity_ah);
		jkey(o, "dcir_mohm", false);
		jnum(o, cr->r_0s1_mohm);
		jkey(o, "self_discharge_mv_per_day", false);
		jnum(o, cr->sd_mv_per_day);
		jkey(o, "flags", false);
		fputc('[', o);
		for (unsigned b = 0; b < 5; b++)
			if (g->cell_flags[c] & (1u << b)) {
				if (!first)
					fputc(',', o);
				first = false;
				jstr(o, cell_flag_name(1u << b));
			}
		fputs("]}", o);
	}
	fputc(']', o);
	jkey(o, "replace_modules", false);
	fputc('[', o);
	for (size_t k = 0; k < g->n_replace; k++)
		fprintf(o, k ? ",%u" : "%u", g->replace_modules[k]);
	fputc(']', o);
	passport(o, pr, g);
	jkey(o, "rules", false);
	jstr(o, g->rules_sha256);
	fputc('}', o);
	return ferror(o) ? BENCH_ERR_IO : BENCH_OK;
}

char *grade_json_string(const struct pack_result *pr,
			const struct grade_result *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		log_err("cannot open a memory stream for the grade JSON");
		return NULL;
	}
	grade_json_write(m, pr, g);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *num(char *b, size_t n, const char *fmt, double x)
{
	if (isfinite(x))
		snprintf(b, n, fmt, x);
	else
		snprintf(b, n, "n/a");
	return b;
}

static const char *pct(char *b, size_t n, double x)
{
	if (isfinite(x))
		snprintf(b, n, "%.1f %%", 100 * x);
	else
		snprintf(b, n, "n/a");
	return b;
}

void grade_summary_write(FILE *o, const char *path,
			 const struct pack_result *pr,
			 const struct grade_result *g)
{
	char a[32], b[32];

	fprintf(o, "%s: pack %s (%s %us%up, %u modules): %s\n", path,
		pr->pack_id, pr->chemistry, pr->series, pr->parallel,
		pr->modules, grade_name(g->grade));
	char c[32], d[32];

	fprintf(o, "  capacity %s Ah (SOH %s), energy %s Wh (SOCE %s)\n",
		num(c, sizeof(c), "%.2f", pr->capacity_ah),
		pct(a, sizeof(a), pr->soh_capacity),
		num(d, sizeof(d), "%.0f", pr->energy_wh),
		pct(b, sizeof(b), pr->soh_energy));
	fprintf(o,
		"  round-trip %s, coulombic %s, pack DCIR %s mOhm "
		"(ohmic, median of %u pulses)\n",
		pct(a, sizeof(a), pr->round_trip_eff),
		pct(b, sizeof(b), pr->coulombic_eff),
		num(c, sizeof(c), "%.2f", pr->dcir_mohm), pr->n_pulses);
	fprintf(o,
		"  resistance %s x fresh; rested spread %s mV; "
		"max temperature %s C (rise %s C)\n",
		num(a, sizeof(a), "%.2f", g->r_ratio),
		num(b, sizeof(b), "%.0f", pr->rest_spread_mV),
		num(c, sizeof(c), "%.1f", pr->temp_max_C),
		num(d, sizeof(d), "%.1f", pr->temp_rise_C));
	for (size_t k = 0; k < g->n_reasons; k++)
		fprintf(o, "  - %s\n", g->reasons[k]);
	if (g->n_replace) {
		fprintf(o, "  replace modules:");
		for (size_t k = 0; k < g->n_replace; k++)
			fprintf(o, " %u", g->replace_modules[k]);
		fputc('\n', o);
	}
	fprintf(o, "  rules %s\n", g->rules_sha256);
}

void grade_csv_header(FILE *o)
{
	fputs("file,pack_id,grade,soh_capacity,capacity_ah,energy_wh,dcir_mohm,"
	      "r_ratio,sd_max_mv_per_day,flagged_cells,replace_modules,rules\n",
	      o);
}

/* CSV number: empty when unknown. */
static void csv_num(FILE *o, const char *fmt, double x)
{
	fputc(',', o);
	if (isfinite(x))
		fprintf(o, fmt, x);
}

void grade_csv_row(FILE *o, const char *path, const struct pack_result *pr,
		   const struct grade_result *g)
{
	double mx = NAN;
	unsigned flagged = 0;

	for (unsigned c = 0; c < pr->series; c++) {
		double k = pr->cells[c].sd_mv_per_day;

		if (!isnan(k) && (isnan(mx) || k > mx))
			mx = k;
		flagged += g->cell_flags[c] != 0;
	}
	fprintf(o, "\"%s\",\"%s\",%s", path, pr->pack_id, grade_name(g->grade));
	csv_num(o, "%.4f", pr->soh_capacity);
	csv_num(o, "%.3f", pr->capacity_ah);
	csv_num(o, "%.1f", pr->energy_wh);
	csv_num(o, "%.3f", pr->dcir_mohm);
	csv_num(o, "%.3f", g->r_ratio);
	csv_num(o, "%.3f", mx);
	fprintf(o, ",%u,\"", flagged);
	for (size_t k = 0; k < g->n_replace; k++)
		fprintf(o, k ? " %u" : "%u", g->replace_modules[k]);
	fprintf(o, "\",%s\n", g->rules_sha256);
}
