/* SPDX-License-Identifier: Apache-2.0 */
/* cycles.c - per-cycle and per-step summary of a run file. */
#define LOG_PREFIX "cycles"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/cycles.h"
#include "common/log.h"
#include "common/rc.h"
#include "runfile/runfile.h"

#define CHUNK 4096

enum { C_T, C_I, C_V, C_SC, C_SI, C_CY, C_N };
static const char *const col_name[C_N] = {
    "test_time_second", "current_ampere", "voltage_volt",
    "step_count",	"step_index",	  "cycle_count",
};

struct walk {
	struct cycles *out;
	size_t cap_cycles, cap_steps;
	int have_prev;
	double t, i, v; /* previous row */
	uint32_t sc;
	int steps_known;
};

static struct cycle_sum *cycle_of(struct walk *w, long cycle)
{
	struct cycles *o = w->out;

	/* Cycles come in order; a number seen again continues its row. */
	for (size_t k = o->n_cycles; k-- > 0;)
		if (o->cycle[k].cycle == cycle)
			return &o->cycle[k];
	if (o->n_cycles == w->cap_cycles) {
		size_t cap = w->cap_cycles ? 2 * w->cap_cycles : 64;
		struct cycle_sum *p = realloc(o->cycle, cap * sizeof(*p));

		if (!p)
			return NULL;
		o->cycle = p;
		w->cap_cycles = cap;
	}
	struct cycle_sum *c = &o->cycle[o->n_cycles++];
	memset(c, 0, sizeof(*c));
	c->cycle = cycle;
	c->v_min_V = INFINITY;
	c->v_max_V = -INFINITY;
	c->resistance_ohm = NAN;
	c->start_s = NAN;
	return c;
}

static struct cycle_step *step_new(struct walk *w)
{
	struct cycles *o = w->out;

	if (o->n_steps == w->cap_steps) {
		size_t cap = w->cap_steps ? 2 * w->cap_steps : 256;
		struct cycle_step *p = realloc(o->step, cap * sizeof(*p));

		if (!p)
			return NULL;
		o->step = p;
		w->cap_steps = cap;
	}
	struct cycle_step *s = &o->step[o->n_steps++];
	memset(s, 0, sizeof(*s));
	s->resistance_ohm = NAN;
	return s;
}

static int row(struct walk *w, const double *col, double temp_C)
{
	struct cycle_step *s;
	struct cycle_sum *c;
	uint32_t sc = (uint32_t)col[C_SC];

	if (!w->have_prev || sc != w->sc) {
		s = step_new(w);
		if (!s)
			return BENCH_ERR_MEM;
		s->cycle = (long)col[C_CY];
		s->step = w->steps_known ? (long)col[C_SI] : -1;
		s->step_count = sc;
	} else {
		/* Trapezoid over test time, inside the step. */
		double dt_h = (col[C_T] - w->t) / 3600.0;
		double ah = 0.5 * (col[C_I] + w->i) * dt_h;
		double wh = 0.5 * (col[C_I] * col[C_V] + w->i * w->v) * dt_h;

		s = &w->out->step[w->out->n_steps - 1];
		if (!isnan(ah)) {
			if (ah >= 0)
				s->chg_Ah += ah;
			else
				s->dchg_Ah -= ah;
		}
		if (!isnan(wh)) {
			if (wh >= 0)
				s->chg_Wh += wh;
			else
				s->dchg_Wh -= wh;
		}
	}
	c = cycle_of(w, s->cycle);
	if (!c)
		return BENCH_ERR_MEM;
	if (isnan(c->start_s))
		c->start_s = col[C_T];
	c->end_s = col[C_T];
	if (!isnan(col[C_V])) {
		c->v_min_V = fmin(c->v_min_V, col[C_V]);
		c->v_max_V = fmax(c->v_max_V, col[C_V]);
	}
	if (!isnan(temp_C)) {
		c->temp_sum_C += temp_C;
		c->temp_n++;
	}
	w->have_prev = 1;
	w->t = col[C_T];
	w->i = col[C_I];
	w->v = col[C_V];
	w->sc = sc;
	return BENCH_OK;
}

/* Imported files say whether the instrument numbered its steps and carry
 * its resistance readings and its own step charge counts as events. */
static int read_events(struct runfile *rf, struct walk *w, int apply_ir)
{
	struct run_event *ev = NULL;
	size_t n = 0;

	TRY(runfile_events(rf, &ev, &n));
	for (size_t k = 0; k < n; k++) {
		unsigned sc;
		double r = NAN, chg = NAN, dchg = NAN, chg_wh = NAN,
		       dchg_wh = NAN;
		int count = 0;

		if (!apply_ir && !strcmp(ev[k].code, "bench:IMPORT") &&
		    strstr(ev[k].message, "step:none"))
			w->steps_known = 0;
		if (!apply_ir)
			continue;
		/* The energy pair: only in files imported since it was. */
		if (!strcmp(ev[k].code, "bench:IMPORT_COUNT") &&
		    sscanf(ev[k].message,
			   "step_count=%u charge_ah=%lf discharge_ah=%lf "
			   "charge_wh=%lf discharge_wh=%lf",
			   &sc, &chg, &dchg, &chg_wh, &dchg_wh) >= 3)
			count = 1;
		else if (strcmp(ev[k].code, "bench:IMPORT_IR") ||
			 sscanf(ev[k].message,
				"step_count=%u resistance_ohm=%lf", &sc,
				&r) != 2)
			continue;
		/* Steps are in step_count order: bisect. */
		size_t lo = 0, hi = w->out->n_steps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (w->out->step[mid].step_count < sc)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo >= w->out->n_steps || w->out->step[lo].step_count != sc)
			continue;
		/* An imported step the instrument counted: its count. */
		if (count && !isnan(chg))
			w->out->step[lo].chg_Ah = chg;
		if (count && !isnan(dchg))
			w->out->step[lo].dchg_Ah = dchg;
		if (count && !isnan(chg_wh))
			w->out->step[lo].chg_Wh = chg_wh;
		if (count && !isnan(dchg_wh))
			w->out->step[lo].dchg_Wh = dchg_wh;
		if (!count)
			w->out->step[lo].resistance_ohm = r;
	}
	free(ev);
	return BENCH_OK;
}

static void finish(struct cycles *o)
{
	for (size_t j = 0; j < o->n_steps; j++) {
		const struct cycle_step *s = &o->step[j];
		struct cycle_sum *c = NULL;

		for (size_t k = 0; k < o->n_cycles && !c; k++)
			if (o->cycle[k].cycle == s->cycle)
				c = &o->cycle[k];
		if (!c)
			continue;
		c->chg_Ah += s->chg_Ah;
		c->dchg_Ah += s->dchg_Ah;
		c->chg_Wh += s->chg_Wh;
		c->dchg_Wh += s->dchg_Wh;
		if (!isnan(s->resistance_ohm))
			c->resistance_ohm = s->resistance_ohm;
	}
	for (size_t k = 0; k < o->n_cycles; k++) {
		struct cycle_sum *c = &o->cycle[k];

		c->coulombic_eff = c->chg_Ah > 0 ? c->dchg_Ah / c->chg_Ah : NAN;
		c->energy_eff = c->chg_Wh > 0 ? c->dchg_Wh / c->chg_Wh : NAN;
		c->temp_mean_C =
		    c->temp_n ? c->temp_sum_C / (double)c->temp_n : NAN;
		if (c->v_min_V > c->v_max_V)
			c->v_min_V = c->v_max_V = NAN;
	}
}

int cycles_load(const char *path, struct cycles *out)
{
	struct runfile *rf = NULL;
	struct walk w;
	double *col[C_N] = {NULL};
	float *temp = NULL;
	unsigned probes;
	size_t rows;
	int rc = BENCH_OK;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.steps_known = 1;
	TRY(runfile_open(path, &rf));
	probes = runfile_meta(rf)->n_probes;
	rows = runfile_rows(rf);
	if ((rc = read_events(rf, &w, 0)) < 0)
		goto out;
	for (int k = 0; k < C_N; k++)
		if (!(col[k] = malloc(CHUNK * sizeof(double)))) {
			rc = BENCH_ERR_MEM;
			goto out;
		}
	temp = malloc(CHUNK * (probes ? probes : 1) * sizeof(float));
	if (!temp) {
		rc = BENCH_ERR_MEM;
		goto out;
	}
	for (size_t r0 = 0; r0 < rows; r0 += CHUNK) {
		size_t n = rows - r0 < CHUNK ? rows - r0 : CHUNK;

		for (int k = 0; k < C_N; k++)
			if ((rc = runfile_read_col(rf, col_name[k], r0, n,
						   col[k])) < 0)
				goto out;
		if (probes && (rc = runfile_read_cells(
				   rf, RUN_CELLS_TEMPERATURE, r0, n, temp)) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			double v[C_N], sum = 0;
			unsigned cnt = 0;

			for (int k = 0; k < C_N; k++)
				v[k] = col[k][i];
			for (unsigned p = 0; p < probes; p++)
				if (!isnan(temp[i * probes + p])) {
					sum += temp[i * probes + p];
					cnt++;
				}
			if ((rc = row(&w, v, cnt ? sum / cnt : NAN)) < 0)
				goto out;
		}
	}
	if ((rc = read_events(rf, &w, 1)) < 0)
		goto out;
	finish(out);
out:
	for (int k = 0; k < C_N; k++)
		free(col[k]);
	free(temp);
	runfile_close(rf);
	if (rc < 0)
		cycles_free(out);
	return rc < 0 ? rc : BENCH_OK;
}

void cycles_free(struct cycles *c)
{
	free(c->cycle);
	free(c->step);
	memset(c, 0, sizeof(*c));
}
