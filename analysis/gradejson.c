/* SPDX-License-Identifier: Apache-2.0 */
/* gradejson.c - grade output: JSON, terminal summary, CSV. */
#define LOG_PREFIX "gradejson"
#include "gradejson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chargegrade.h"
#include "analysis/impgrade.h"
#include "common/json.h"
#include "common/log.h"
#include "common/rc.h"

/* Numbers use JSON_NUM_FMT: %.10g is exact for what the metrics resolve
 * (the float inputs carry ~7 digits). */
static void key_num(struct json *j, const char *k, double x)
{
	json_key_num(j, k, x, JSON_NUM_FMT);
}

/* Cells whose self-discharge was measured: none without the rest in the
 * recipe, and not those that rested on a plateau. */
static unsigned sd_cells_judged(const struct pack_result *pr)
{
	unsigned n = 0;

	for (unsigned c = 0; c < pr->series; c++)
		n += isfinite(pr->cells[c].sd_mv_per_day) != 0;
	return n;
}

static void passport(struct json *j, const struct pack_result *pr,
		     const struct grade_result *g)
{
	double *k = malloc((pr->series ? pr->series : 1) * sizeof(double));
	double *l = malloc((pr->series ? pr->series : 1) * sizeof(double));

	json_key(j, "passport");
	json_obj(j);
	key_num(j, "remaining_capacity_ah", pr->capacity_ah);
	key_num(j, "state_of_certified_energy", pr->soh_energy);
	key_num(j, "capacity_fade", 1.0 - pr->soh_capacity);
	key_num(j, "resistance_increase", g->r_ratio - 1.0);
	key_num(j, "round_trip_efficiency", pr->round_trip_eff);
	json_key(j, "self_discharge_evolution");
	if (k && l) {
		for (unsigned c = 0; c < pr->series; c++) {
			k[c] = pr->cells[c].sd_mv_per_day;
			l[c] = pr->cells[c].leak_ma;
		}
		json_obj(j);
		key_num(j, "fit_hours", pr->sd_fit_h);
		/* the others' values are null */
		json_key_uint(j, "cells_judged", sd_cells_judged(pr));
		key_num(j, "mean_mv_per_day", metrics_mean(k, pr->series));
		key_num(j, "max_mv_per_day", metrics_max(k, pr->series, NULL));
		key_num(j, "mean_leak_ma", metrics_mean(l, pr->series));
		key_num(j, "max_leak_ma", metrics_max(l, pr->series, NULL));
		json_end(j);
	} else {
		json_null(j);
	}
	json_key_uint(j, "negative_events", pr->n_negative_events);
	json_end(j);
	free(k);
	free(l);
}

/* How a charge-only run's capacity was found (analysis/chargegrade.h). */
static void charge_only(struct json *j, const struct pack_result *pr)
{
	const struct chg_result *cr = pr->chg;

	json_key(j, "charge_only");
	json_obj(j);
	json_key(j, "gbt_session");
	json_bool(j, cr->gbt);
	json_key_str(j, "capacity_method", chargegrade_method_name(cr->method));
	key_num(j, "capacity_ah", cr->capacity_ah);
	key_num(j, "capacity_uncertainty_rel", cr->unc_rel);
	json_key(j, "bms_soc_error");
	if (cr->method == CHG_SOC_SCALED)
		json_str(j, "unknown, taken as 0");
	else
		json_null(j);
	key_num(j, "charge_ah", cr->charge_ah);
	key_num(j, "charge_wh", cr->charge_wh);
	key_num(j, "soc_start_percent", cr->soc_start_pct);
	key_num(j, "soc_end_percent", cr->soc_end_pct);
	json_key_uint(j, "bst", cr->bst_set);
	json_key(j, "from_lower_limit");
	json_bool(j, cr->from_empty);
	json_key(j, "to_full");
	json_bool(j, cr->to_full);
	json_key(j, "cells_reported");
	json_bool(j, cr->cells_known);
	json_key_uint(j, "cell_capacities", cr->n_cell_caps);
	json_end(j);
}

/* What an imported file was graded on (analysis/impgrade.h). */
static void imported(struct json *j, const struct pack_result *pr)
{
	const struct imp_result *ir = pr->imp;

	json_key(j, "imported");
	json_obj(j);
	json_key_str(j, "format", pr->import_format);
	json_key_str(j, "chemistry", ir->chemistry);
	json_key(j, "chemistry_inferred");
	json_bool(j, ir->chem_inferred);
	key_num(j, "window_low_v", ir->win_lo_V);
	key_num(j, "window_high_v", ir->win_hi_V);
	key_num(j, "window_tolerance_v", ir->tol_V);
	key_num(j, "rated_ah", ir->rated_ah);
	json_key(j, "rated_from");
	if (ir->rated_from)
		json_str(j, ir->rated_from);
	else
		json_null(j);
	json_key(j, "graded_cycle");
	if (ir->graded >= 0 && ir->dis[ir->graded].cycle >= 0)
		json_int(j, ir->dis[ir->graded].cycle);
	else
		json_null(j);
	json_key_uint(j, "full_discharges", ir->n_full);
	json_key(j, "discharges");
	json_arr(j);
	for (size_t k = 0; k < ir->n_dis; k++) {
		const struct imp_discharge *d = &ir->dis[k];

		json_obj(j);
		json_key(j, "cycle");
		if (d->cycle >= 0)
			json_int(j, d->cycle);
		else
			json_null(j);
		key_num(j, "capacity_ah", d->capacity_ah);
		key_num(j, "energy_wh", d->energy_wh);
		key_num(j, "start_v", d->start_V);
		key_num(j, "end_v", d->end_V);
		json_key(j, "full");
		json_bool(j, d->full);
		json_end(j);
	}
	json_end(j);
	key_num(j, "fade_ah_per_cycle", ir->fade_ah_per_cycle);
	key_num(j, "fade_pct_per_100_cycles", ir->fade_pct_per_100);
	json_key_uint(j, "current_steps", ir->n_steps_found);
	key_num(j, "r_0s1_mohm", ir->r_0s1_mohm);
	key_num(j, "r_10s_mohm", ir->r_10s_mohm);
	key_num(j, "instrument_r_mohm", ir->instr_r_mohm);
	json_end(j);
}

int grade_json_write(FILE *o, const struct pack_result *pr,
		     const struct grade_result *g)
{
	bool graded = g->grade != GRADE_INCOMPLETE;
	struct json j;

	json_init_file(&j, o);
	json_obj(&j);
	json_key_str(&j, "pack_id", pr->pack_id);
	json_key_str(&j, "grade", grade_name(g->grade));
	json_key_str(&j, "status", graded ? "graded" : "incomplete");
	json_key(&j, "reasons");
	json_arr(&j);
	for (size_t k = 0; k < g->n_reasons; k++)
		json_str(&j, g->reasons[k]);
	json_end(&j);
	key_num(&j, "soh_capacity", pr->soh_capacity);
	key_num(&j, "soh_energy", pr->soh_energy);
	key_num(&j, "capacity_ah", pr->capacity_ah);
	key_num(&j, "energy_wh", pr->energy_wh);
	key_num(&j, "dcir_mohm", pr->dcir_mohm);
	json_key(&j, "cells");
	json_arr(&j);
	for (unsigned c = 0; c < pr->series; c++) {
		const struct cell_result *cr = &pr->cells[c];

		json_obj(&j);
		json_key_uint(&j, "index", c + 1);
		json_key_uint(&j, "module", cr->module);
		key_num(&j, "capacity_ah", cr->capacity_ah);
		key_num(&j, "dcir_mohm", cr->r_0s1_mohm);
		key_num(&j, "self_discharge_mv_per_day", cr->sd_mv_per_day);
		json_key(&j, "flags");
		json_arr(&j);
		for (unsigned b = 0; b < 5; b++)
			if (g->cell_flags[c] & (1u << b))
				json_str(&j, cell_flag_name(1u << b));
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_key(&j, "replace_modules");
	json_arr(&j);
	for (size_t k = 0; k < g->n_replace; k++)
		json_uint(&j, g->replace_modules[k]);
	json_end(&j);
	passport(&j, pr, g);
	if (pr->imp)
		imported(&j, pr);
	if (pr->chg)
		charge_only(&j, pr);
	json_key_str(&j, "rules", g->rules_sha256);
	json_end(&j);
	return json_finish(&j);
}

char *grade_json_string(const struct pack_result *pr,
			const struct grade_result *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc;

	if (!m) {
		log_err("cannot open a memory stream for the grade JSON");
		return NULL;
	}
	rc = grade_json_write(m, pr, g);
	if (fclose(m) || rc < 0) {
		log_err("cannot build the grade JSON");
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
	if (pr->imp)
		fprintf(o,
			"  imported: %zu full of %zu discharges; fade %s "
			"%%/100 cycles; 10 s resistance %s mOhm (%zu current "
			"steps); instrument's %s mOhm\n",
			pr->imp->n_full, pr->imp->n_dis,
			num(a, sizeof(a), "%.2f", pr->imp->fade_pct_per_100),
			num(b, sizeof(b), "%.2f", pr->imp->r_10s_mohm),
			pr->imp->n_steps_found,
			num(c, sizeof(c), "%.2f", pr->imp->instr_r_mohm));
	if (pr->chg)
		fprintf(
		    o,
		    "  charge-only: capacity %s Ah +- %s by %s; %s Ah "
		    "charged, BMS SOC %s to %s %%\n",
		    num(a, sizeof(a), "%.2f", pr->chg->capacity_ah),
		    pct(b, sizeof(b), pr->chg->unc_rel),
		    chargegrade_method_name(pr->chg->method),
		    num(c, sizeof(c), "%.2f", pr->chg->charge_ah),
		    num(d, sizeof(d), "%.1f", pr->chg->soc_start_pct),
		    num(d + 16, sizeof(d) - 16, "%.0f", pr->chg->soc_end_pct));
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

/* CSV text field (RFC 4180): quoted, a quote inside doubled. */
static void csv_str(FILE *o, const char *text)
{
	fputc('"', o);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', o);
		fputc(*p, o);
	}
	fputc('"', o);
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
	csv_str(o, path);
	fputc(',', o);
	csv_str(o, pr->pack_id);
	fprintf(o, ",%s", grade_name(g->grade));
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
