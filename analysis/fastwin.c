/* SPDX-License-Identifier: Apache-2.0 */
/* fastwin.c - each rest-discharge-rest window of a run file, cut out as
 * a run of its own whose rests are tagged `ocv` and whose largest
 * discharge is tagged `capacity` (fixtures/recipes/fast.txt's capacity
 * leg), built and analysed as the fast grade builds and analyses a run. */
#define LOG_PREFIX "fastwin"
#include "fastwin.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/analyze.h"
#include "analysis/rundata.h"
#include "common/log.h"
#include "common/rc.h"
#include "runfile/runfile.h"

/* A rest counts as a rested point after this long: the fast recipe's
 * `ocv` rests (analysis/rundata.c), so the windows are the ones the fast
 * grade would read. */
#define FASTWIN_REST_MIN_S 120.0

/* The window's rows: the file's rows [row0, row0 + n0) then, skipping
 * the first rest's rows beyond the fast recipe's length, the rows from
 * row0 + n0 + skip on, their test time moved back by gap_s so that the
 * next step follows the cut rest (no current integrated over the gap). */
struct win_src {
	struct runfile *rf;
	size_t row0, n0, skip;
	double gap_s;
};

/* Logical rows [start, start + n) as at most two runs of file rows. */
static int win_read(struct win_src *w, const char *name, size_t start, size_t n,
		    void *out, size_t elem, bool cells)
{
	size_t a = start < w->n0 ? w->n0 - start : 0;
	int rc;

	if (a > n)
		a = n;
	for (int part = 0; part < 2; part++) {
		size_t from = part ? w->row0 + w->skip + start + a
				   : w->row0 + start,
		       len = part ? n - a : a;
		char *dst = (char *)out + (part ? a * elem : 0);

		if (!len)
			continue;
		rc = cells ? runfile_read_cells(w->rf, name, from, len,
						(float *)dst)
			   : runfile_read_col(w->rf, name, from, len,
					      (double *)dst);
		if (rc < 0)
			return rc;
		if (part && !cells && !strcmp(name, "test_time_second"))
			for (size_t k = 0; k < len; k++)
				((double *)dst)[k] -= w->gap_s;
	}
	return BENCH_OK;
}

static int win_col(void *ctx, const char *name, size_t start, size_t n,
		   double *out)
{
	return win_read(ctx, name, start, n, out, sizeof(double), false);
}

static int win_cells(void *ctx, const char *name, size_t start, size_t n,
		     float *out)
{
	struct win_src *w = ctx;
	const struct run_meta *m = runfile_meta(w->rf);

	return win_read(ctx, name, start, n, out,
			sizeof(float) * (strcmp(name, "voltage_volt")
					     ? m->n_probes
					     : m->series),
			true);
}

/* Rows of step s from its start up to rest_max_s later (all of them when
 * rest_max_s is 0). */
static size_t rows_within(const struct rundata *all, size_t s,
			  double rest_max_s)
{
	size_t r = all->step_row0[s], r1 = all->step_row1[s];
	double t0 = all->steps[s].start_s;

	if (!(rest_max_s > 0))
		return r1 - r;
	while (r < r1 && all->t_s[r] <= t0 + rest_max_s)
		r++;
	return r - all->step_row0[s];
}

/* Steps s0..s1 of the file as the fast recipe tags them, each rest cut
 * to rest_max_s; no events, so analyze_run reads them as one of our
 * runs, not as an import. */
static int read_leg(struct runfile *rf, const struct rundata *all, size_t s0,
		    size_t s1, const char *chemistry, const char *curve,
		    double rest_max_s, struct fastwin_leg *leg)
{
	struct run_meta meta = *runfile_meta(rf);
	struct win_src w = {.rf = rf,
			    .row0 = all->step_row0[s0],
			    .n0 = rows_within(all, s0, rest_max_s)};
	struct rd_source src = {.ctx = &w,
				.read_col = win_col,
				.read_cells = win_cells,
				.meta = &meta};
	struct run_step *st = NULL;
	struct rundata *rd = NULL;
	struct pack_result pr = {0};
	struct rd_opts o;
	size_t n = s1 - s0 + 1, cap = 0;
	int rc = BENCH_OK;

	st = calloc(n, sizeof(*st));
	if (!st) {
		log_err("out of memory for %zu steps", n);
		return BENCH_ERR_MEM;
	}
	memcpy(st, &all->steps[s0], n * sizeof(*st));
	for (size_t k = 0; k < n; k++) {
		st[k].tag[0] = '\0';
		if (!strcmp(st[k].kind, "discharge") &&
		    st[k].discharge_Ah > st[cap].discharge_Ah)
			cap = k;
	}
	snprintf(st[0].tag, sizeof(st[0].tag), "ocv");
	snprintf(st[n - 1].tag, sizeof(st[n - 1].tag), "ocv");
	snprintf(st[cap].tag, sizeof(st[cap].tag), "capacity");
	if (!w.n0) /* a rest logged sparser than rest_max_s: its first row */
		w.n0 = 1;
	w.skip = all->step_row1[s0] - all->step_row0[s0] - w.n0;
	if (w.skip) /* the last kept row stands for the rest's last one */
		w.gap_s = all->t_s[w.row0 + w.n0 + w.skip - 1] -
			  all->t_s[w.row0 + w.n0 - 1];
	st[0].end_s -= w.gap_s;
	for (size_t k = 1; k < n; k++) {
		st[k].start_s -= w.gap_s;
		st[k].end_s -= w.gap_s;
	}
	if (rest_max_s > 0)
		st[n - 1].end_s =
		    fmin(st[n - 1].end_s, st[n - 1].start_s + rest_max_s);
	snprintf(meta.chemistry, sizeof(meta.chemistry), "%s", chemistry);
	snprintf(meta.ocv_curve, sizeof(meta.ocv_curve), "%s", curve);
	snprintf(meta.status, sizeof(meta.status), "complete");
	src.rows = all->step_row0[s1] - w.row0 - w.skip +
		   rows_within(all, s1, rest_max_s);
	src.steps = st;
	src.n_steps = n;
	rd_opts_default(&o);
	rc = rundata_build(&src, &o, &rd);
	if (rc < 0)
		goto cleanup;
	rc = analyze_run(rd, &pr);
	if (rc < 0)
		goto cleanup;
	leg->step0 = st[0].step_count;
	leg->step1 = st[n - 1].step_count;
	leg->rest0_s = st[0].end_s - st[0].start_s;
	leg->rest1_s = st[n - 1].end_s - st[n - 1].start_s;
	leg->rest0_V = leg->rest1_V = leg->ah_net = NAN;
	if (rd->n_rests == 2) {
		leg->rest0_V = rd->rests[0].cell_V[0];
		leg->rest1_V = rd->rests[1].cell_V[0];
		leg->ah_net = rd->rests[1].ah_net - rd->rests[0].ah_net;
	}
	leg->soc0 = pr.cells[0].soc_top;
	leg->soc1 = pr.cells[0].soc_bot;
	leg->discharge_ah = st[cap].discharge_Ah;
	leg->capacity_ah = pr.cells[0].capacity_ah;
	leg->capacity_lb_ah = pr.cells[0].capacity_lb_ah;
cleanup:
	pack_result_release(&pr);
	rundata_free(rd);
	free(st);
	return rc;
}

/* A window is a capacity leg when a discharge step gave charge in it. */
static bool has_discharge(const struct rundata *rd, size_t s0, size_t s1)
{
	for (size_t s = s0 + 1; s < s1; s++)
		if (!strcmp(rd->steps[s].kind, "discharge") &&
		    rd->steps[s].discharge_Ah > 0)
			return true;
	return false;
}

int fastwin_load(const char *path, const char *chemistry,
		 const struct ocvtab *curve, double rest_max_s,
		 struct fastwin *out)
{
	char curve_text[OCVTAB_TEXT_LEN];
	struct runfile *rf = NULL;
	struct rundata *all = NULL;
	struct rd_opts o;
	char chem[8];
	int rc;

	memset(out, 0, sizeof(*out));
	rd_opts_default(&o);
	o.rest_min_s = FASTWIN_REST_MIN_S;
	rc = rundata_load(path, &o, &all);
	if (rc < 0)
		return rc;
	if (all->series != 1) {
		log_err("%s: %u cells in series: the windows are read for a "
			"one-cell file (an imported one)",
			path, all->series);
		rc = BENCH_ERR_PROTO;
		goto cleanup;
	}
	snprintf(chem, sizeof(chem), "%s",
		 chemistry ? chemistry : all->meta.chemistry);
	snprintf(curve_text, sizeof(curve_text), "%s", all->meta.ocv_curve);
	if (curve && ocvtab_format(curve, curve_text, sizeof(curve_text)) < 0) {
		log_err("%s: the OCV curve does not fit the run file", path);
		rc = BENCH_ERR_ARG;
		goto cleanup;
	}
	out->own_curve = curve_text[0] != '\0';
	if (!chem[0] && !out->own_curve) {
		log_err("%s names no chemistry: give the curve to read its "
			"rests on (--ocv-curve, or nmc or lfp)",
			path);
		rc = BENCH_ERR_ARG;
		goto cleanup;
	}
	if (chem[0] && strcasecmp(chem, "nmc") && strcasecmp(chem, "lfp")) {
		log_err("%s: chemistry '%s' has no OCV curve to read the "
			"rests on (nmc or lfp)",
			path, chem);
		rc = BENCH_ERR_ARG;
		goto cleanup;
	}
	out->chem = cell_chem_parse(chem);
	rc = runfile_open(path, &rf);
	if (rc < 0)
		goto cleanup;
	out->leg = calloc(all->n_rests ? all->n_rests : 1, sizeof(*out->leg));
	if (!out->leg) {
		log_err("out of memory for %zu windows", all->n_rests);
		rc = BENCH_ERR_MEM;
		goto cleanup;
	}
	for (size_t k = 0; k + 1 < all->n_rests; k++) {
		size_t s0 = all->rests[k].step, s1 = all->rests[k + 1].step;

		if (!has_discharge(all, s0, s1))
			continue;
		rc = read_leg(rf, all, s0, s1, chem, curve_text, rest_max_s,
			      &out->leg[out->n]);
		if (rc < 0)
			goto cleanup;
		out->n++;
	}
cleanup:
	if (rc < 0)
		fastwin_free(out);
	if (rf)
		runfile_close(rf);
	rundata_free(all);
	return rc;
}

void fastwin_free(struct fastwin *fw)
{
	free(fw->leg);
	fw->leg = NULL;
	fw->n = 0;
}
