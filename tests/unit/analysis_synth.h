/* SPDX-License-Identifier: Apache-2.0 */
/* analysis_synth.h - a synthetic run with known answers for the analysis
 * tests: cells = OCV(SOC) + I*R0 (ohmic only, no noise), exact per-cell
 * capacity, R0, SOC offset and self-discharge current, fed through an
 * in-memory struct rd_source. Included by test_metrics_* / test_grade_*. */
#ifndef BENCH_TESTS_ANALYSIS_SYNTH_H
#define BENCH_TESTS_ANALYSIS_SYNTH_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/rundata.h"

#define SY_MAXCELL 32

struct synth {
	struct run_meta meta;
	unsigned n; /* cells */
	double cap_ah[SY_MAXCELL], r0_mohm[SY_MAXCELL], soc[SY_MAXCELL],
	    sd_ma[SY_MAXCELL];
	/* rows */
	size_t rows, cap_rows;
	double *t, *v, *i, *sc, *temp_row;
	float *cells, *temps;
	struct run_step steps[64];
	size_t n_steps;
	struct run_event events[8];
	size_t n_events;
	double now;
	const struct ocvtab *ocv; /* the cells' curve; NULL: built-in NMC */
};

static inline double sy_ocv(const struct synth *s, double soc)
{
	return ocvcurve_V(s->ocv ? s->ocv : &ocvtab_nmc, soc);
}

static inline void sy_row(struct synth *s, double i_A)
{
	if (s->rows == s->cap_rows) {
		s->cap_rows = s->cap_rows ? 2 * s->cap_rows : 4096;
		s->t = realloc(s->t, s->cap_rows * sizeof(double));
		s->v = realloc(s->v, s->cap_rows * sizeof(double));
		s->i = realloc(s->i, s->cap_rows * sizeof(double));
		s->sc = realloc(s->sc, s->cap_rows * sizeof(double));
		s->cells =
		    realloc(s->cells, s->cap_rows * s->n * sizeof(float));
		s->temps = realloc(s->temps, s->cap_rows * 2 * sizeof(float));
	}
	size_t r = s->rows++;
	double pack = 0;

	for (unsigned c = 0; c < s->n; c++) {
		double v = sy_ocv(s, s->soc[c]) + i_A * s->r0_mohm[c] / 1000.0;

		s->cells[r * s->n + c] = (float)v;
		pack += v;
	}
	s->t[r] = s->now;
	s->v[r] = pack;
	s->i[r] = i_A;
	s->sc[r] = (double)s->n_steps;
	s->temps[2 * r] = 25.0f;
	s->temps[2 * r + 1] = 25.5f;
}

enum sy_until { SY_FOR, SY_FULL, SY_EMPTY };

/* One constant-current step (i_A > 0 charges) for dur_s or until the
 * first cell is full (SOC 1) / empty (SOC 0), logged every log_s. */
static inline void sy_step(struct synth *s, const char *kind, const char *tag,
			   double i_A, double dur_s, enum sy_until until,
			   double log_s)
{
	struct run_step *st = &s->steps[s->n_steps];
	double t0 = s->now, dt = log_s;

	memset(st, 0, sizeof(*st));
	st->step_count = (uint32_t)s->n_steps + 1;
	st->step_index = (uint32_t)s->n_steps + 1;
	snprintf(st->kind, sizeof(st->kind), "%s", kind);
	snprintf(st->tag, sizeof(st->tag), "%s", tag);
	st->start_s = t0;
	s->n_steps++;
	for (;;) {
		bool done = false;
		double pv = 0;

		for (unsigned c = 0; c < s->n; c++) {
			s->soc[c] += (i_A - s->sd_ma[c] / 1000.0) * dt /
				     3600.0 / s->cap_ah[c];
			pv +=
			    sy_ocv(s, s->soc[c]) + i_A * s->r0_mohm[c] / 1000.0;
			if (until == SY_FULL && s->soc[c] >= 1.0)
				done = true;
			if (until == SY_EMPTY && s->soc[c] <= 0.0)
				done = true;
		}
		s->now += dt;
		if (i_A > 0) {
			st->charge_Ah += i_A * dt / 3600.0;
			st->charge_Wh += i_A * pv * dt / 3600.0;
		} else {
			st->discharge_Ah -= i_A * dt / 3600.0;
			st->discharge_Wh -= i_A * pv * dt / 3600.0;
		}
		sy_row(s, i_A);
		if (done || (until == SY_FOR && s->now - t0 >= dur_s - 1e-9))
			break;
	}
	st->end_s = s->now;
}

/* The overnight shape: precondition, full charge, capacity discharge,
 * pulses at ~50 %, 24 h self-discharge rest at ~40 %. */
static inline void sy_overnight(struct synth *s, double rated_ah)
{
	double c3 = rated_ah / 3;

	s->now = 0;
	sy_row(s, 0); /* row 0 belongs to no step: a pre-start sample */
	sy_step(s, "discharge", "", -c3, 0, SY_EMPTY, 10);
	sy_step(s, "rest", "", 0, 1800, SY_FOR, 10);
	sy_step(s, "charge", "", c3, 0, SY_FULL, 10);
	sy_step(s, "rest", "", 0, 3600, SY_FOR, 10);
	sy_step(s, "discharge", "capacity", -c3, 0, SY_EMPTY, 10);
	sy_step(s, "rest", "", 0, 3600, SY_FOR, 10);
	sy_step(s, "charge", "", c3, 5400, SY_FOR, 10);
	sy_step(s, "rest", "ocv", 0, 3600, SY_FOR, 10);
	sy_step(s, "discharge", "pulse", -rated_ah, 10, SY_FOR, 0.1);
	sy_step(s, "rest", "", 0, 40, SY_FOR, 0.1);
	sy_step(s, "charge", "pulse", 0.75 * rated_ah, 10, SY_FOR, 0.1);
	sy_step(s, "rest", "", 0, 40, SY_FOR, 1);
	sy_step(s, "discharge", "", -c3, 900, SY_FOR, 10);
	sy_step(s, "rest", "self-discharge", 0, 24 * 3600.0, SY_FOR, 60);
}

static inline void sy_init(struct synth *s, unsigned n, double cap_ah,
			   double r0)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	snprintf(s->meta.pack_id, sizeof(s->meta.pack_id), "synthetic");
	snprintf(s->meta.chemistry, sizeof(s->meta.chemistry), "nmc");
	snprintf(s->meta.status, sizeof(s->meta.status), "complete");
	s->meta.series = n;
	s->meta.parallel = 1;
	s->meta.modules = n >= 4 ? 4 : 1;
	s->meta.n_probes = 2;
	s->meta.rated_capacity_ah = cap_ah;
	for (unsigned c = 0; c < n; c++) {
		s->cap_ah[c] = cap_ah;
		s->r0_mohm[c] = r0;
		s->soc[c] = 0.5;
		s->sd_ma[c] = 0;
	}
}

static inline int sy_col(void *ctx, const char *name, size_t start, size_t n,
			 double *out)
{
	struct synth *s = ctx;
	const double *src = !strcmp(name, "test_time_second") ? s->t
			    : !strcmp(name, "voltage_volt")   ? s->v
			    : !strcmp(name, "current_ampere") ? s->i
			    : !strcmp(name, "step_count")     ? s->sc
							      : NULL;

	if (!src || start + n > s->rows)
		return -1;
	memcpy(out, src + start, n * sizeof(double));
	return 0;
}

static inline int sy_cells(void *ctx, const char *name, size_t start, size_t n,
			   float *out)
{
	struct synth *s = ctx;
	size_t w = !strcmp(name, "voltage_volt") ? s->n : 2;
	const float *src = w == s->n ? s->cells : s->temps;

	if (start + n > s->rows)
		return -1;
	memcpy(out, src + start * w, n * w * sizeof(float));
	return 0;
}

static inline int sy_build(struct synth *s, unsigned flags,
			   struct rundata **out)
{
	/* clang-format off */
	struct rd_source src = {
		.ctx = s, .read_col = sy_col, .read_cells = sy_cells,
		.meta = &s->meta, .rows = s->rows, .steps = s->steps,
		.n_steps = s->n_steps, .events = s->events,
		.n_events = s->n_events,
	};
	/* clang-format on */
	struct rd_opts o;

	rd_opts_default(&o);
	o.flags = flags;
	return rundata_build(&src, &o, out);
}

#ifdef SY_WITH_H5LOG
#include "runfile/h5log.h"

/* Write the synthetic run as a bench-run/1 file through the real writer. */
static inline int sy_write_h5(struct synth *s, const char *path)
{
	struct h5log_cfg cfg = {.block_when_full = 1};
	struct h5log *l;
	size_t st = 0;
	int rc;

	rc = h5log_create(path, &s->meta, &cfg, &l);
	if (rc < 0)
		return rc;
	for (size_t r = 0; r < s->rows && rc >= 0; r++) {
		/* clang-format off */
		struct run_sample x = {
			.test_time_s = s->t[r], .unix_time_s = 1.7e9 + s->t[r],
			.voltage_V = (float)s->v[r], .current_A = (float)s->i[r],
			.power_W = (float)(s->v[r] * s->i[r]),
			.step_count = (uint32_t)s->sc[r],
			.step_index = (uint32_t)s->sc[r],
			.ambient_C = 25.0f,
			.cell_voltage_V = s->cells + r * s->n,
			.cell_temperature_C = s->temps + r * 2,
		};
		/* clang-format on */
		/* a step's record goes in once its last row is written */
		while (st < s->n_steps && s->steps[st].end_s < s->t[r] - 1e-9)
			rc = h5log_push_step(l, &s->steps[st++]);
		if (rc >= 0)
			rc = h5log_push_sample(l, &x);
	}
	while (rc >= 0 && st < s->n_steps)
		rc = h5log_push_step(l, &s->steps[st++]);
	for (size_t e = 0; rc >= 0 && e < s->n_events; e++)
		rc = h5log_push_event(l, &s->events[e]);
	int rc2 = h5log_close(l, s->meta.status, s->meta.end_reason);

	return rc < 0 ? rc : rc2;
}
#endif

static inline void sy_free(struct synth *s)
{
	free(s->t);
	free(s->v);
	free(s->i);
	free(s->sc);
	free(s->cells);
	free(s->temps);
}

#endif
