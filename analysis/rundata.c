/* SPDX-License-Identifier: Apache-2.0 */
/* rundata.c - stream a run into the compact view the metrics need. */
#define LOG_PREFIX "rundata"
#include "rundata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"

#define COL_CHUNK 65536	  /* rows per pack-column read */
#define REST_TAIL_S 30.0  /* rested OCV = mean over the last 30 s */
#define REST_TAIL_MAX 300 /* ... at most this many rows */
#define PULSE_PRE_ROWS 20 /* metrics.c takes those in its last 5 s */
#define PULSE_POST_S 10.5
#define ICA_MAX_SAMPLES 2000 /* capacity-step rows read for dQ/dV */
#define SD_BLOCKS 1200	     /* self-discharge fit points */
#define SD_BLOCK_ROWS 8	     /* rows averaged per fit point */

void rd_opts_default(struct rd_opts *o)
{
	o->flags = 0;
	o->sd_skip_s = 2 * 3600.0;
	o->rest_min_s = 600.0;
}

static void *xcalloc(size_t n, size_t size, int *rc)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		log_err("out of memory (%zu x %zu bytes)", n, size);
		*rc = BENCH_ERR_MEM;
	}
	return p;
}

long rundata_step_tagged(const struct rundata *rd, const char *tag)
{
	for (size_t k = rd->n_steps; k-- > 0;)
		if (!strcmp(rd->steps[k].tag, tag))
			return (long)k;
	return -1;
}

static int copy_meta(struct run_meta *dst, const struct run_meta *src)
{
	*dst = *src;
	dst->recipe_text = src->recipe_text ? strdup(src->recipe_text) : NULL;
	dst->profile_text =
	    src->profile_text ? strdup(src->profile_text) : NULL;
	if ((src->recipe_text && !dst->recipe_text) ||
	    (src->profile_text && !dst->profile_text)) {
		log_err("out of memory copying run metadata");
		return BENCH_ERR_MEM;
	}
	return BENCH_OK;
}

static int read_pack_columns(const struct rd_source *src, struct rundata *rd)
{
	static const char *cols[4] = {"test_time_second", "voltage_volt",
				      "current_ampere", "step_count"};
	int rc = BENCH_OK;
	double *buf = xcalloc(COL_CHUNK, sizeof(double), &rc);

	if (!buf)
		return rc;
	for (size_t r0 = 0; r0 < rd->rows; r0 += COL_CHUNK) {
		size_t n =
		    rd->rows - r0 < COL_CHUNK ? rd->rows - r0 : COL_CHUNK;

		for (int c = 0; c < 4; c++) {
			rc = src->read_col(src->ctx, cols[c], r0, n, buf);
			if (rc < 0)
				goto out;
			for (size_t k = 0; k < n; k++) {
				if (c == 0)
					rd->t_s[r0 + k] = buf[k];
				else if (c == 1)
					rd->v_V[r0 + k] = (float)buf[k];
				else if (c == 2)
					rd->i_A[r0 + k] = (float)buf[k];
				else
					rd->step_count[r0 + k] =
					    (uint32_t)buf[k];
			}
		}
	}
	rd->ah_net[0] = 0;
	for (size_t k = 1; k < rd->rows; k++) {
		double dt = rd->t_s[k] - rd->t_s[k - 1];

		rd->ah_net[k] =
		    rd->ah_net[k - 1] +
		    (dt > 0 ? 0.5 * ((double)rd->i_A[k] + rd->i_A[k - 1]) * dt /
				  3600.0
			    : 0.0);
	}
out:
	free(buf);
	return rc;
}

static void map_step_rows(struct rundata *rd)
{
	size_t k = 0;

	for (size_t s = 0; s < rd->n_steps; s++) {
		rd->step_row0[s] = 0;
		rd->step_row1[s] = 0;
	}
	for (size_t r = 0; r < rd->rows; r++) {
		uint32_t sc = rd->step_count[r];

		if (k >= rd->n_steps || rd->steps[k].step_count != sc) {
			/* steps are in execution order: search forward first */
			size_t j = k < rd->n_steps ? k : 0;

			while (j < rd->n_steps && rd->steps[j].step_count != sc)
				j++;
			if (j == rd->n_steps)
				for (j = 0; j < rd->n_steps &&
					    rd->steps[j].step_count != sc;
				     j++)
					;
			if (j == rd->n_steps)
				continue; /* a row of a step with no record */
			k = j;
			if (rd->step_row1[k] == 0)
				rd->step_row0[k] = r;
		}
		rd->step_row1[k] = r + 1;
	}
}

/* Mean of rows [r0, r1) per cell into out[series]. */
/* One value per step: a synthetic source without the column gives -1. */
static void read_step_cycles(const struct rd_source *src, struct rundata *rd)
{
	for (size_t s = 0; s < rd->n_steps; s++) {
		double c;

		rd->step_cycle[s] =
		    rd->step_row1[s] > rd->step_row0[s] &&
			    src->read_col(src->ctx, "cycle_count",
					  rd->step_row0[s], 1, &c) == 0 &&
			    isfinite(c)
			? (long)c
			: -1;
	}
}

static int read_mean_cells(const struct rd_source *src, struct rundata *rd,
			   size_t r0, size_t r1, float *buf, float *out)
{
	size_t n = r1 - r0, w = rd->series;

	TRY(src->read_cells(src->ctx, "voltage_volt", r0, n, buf));
	for (size_t c = 0; c < w; c++) {
		double s = 0;

		for (size_t k = 0; k < n; k++)
			s += buf[k * w + c];
		out[c] = (float)(s / (double)n);
	}
	return BENCH_OK;
}

static bool step_is(const struct run_step *st, const char *kind)
{
	return !strcmp(st->kind, kind);
}

/* A rest the recipe tags `ocv` is a rested point after OCV_REST_MIN_S:
 * the fast recipe's short rests (docs/grading.md, "Fast grading"). */
#define OCV_REST_MIN_S 120.0

static int collect_rests(const struct rd_source *src, const struct rd_opts *o,
			 struct rundata *rd, float *buf,
			 const float *temp_mean_C)
{
	int rc = BENCH_OK;

	rd->rests = xcalloc(rd->n_steps, sizeof(*rd->rests), &rc);
	if (!rd->rests)
		return rc;
	for (size_t s = 0; s < rd->n_steps; s++) {
		const struct run_step *st = &rd->steps[s];
		size_t r0 = rd->step_row0[s], r1 = rd->step_row1[s], a;
		struct rd_rest *p;

		double min_s =
		    strcmp(st->tag, "ocv") ? o->rest_min_s : OCV_REST_MIN_S;

		/* the step's own length: a 2-minute rest logged every second
		 * spans 119 s of samples */
		if (!step_is(st, "rest") || r1 <= r0 ||
		    fmax(rd->t_s[r1 - 1] - rd->t_s[r0],
			 st->end_s - st->start_s) < min_s)
			continue;
		a = r1 - 1;
		while (a > r0 && r1 - a < REST_TAIL_MAX &&
		       rd->t_s[a - 1] >= rd->t_s[r1 - 1] - REST_TAIL_S)
			a--;
		p = &rd->rests[rd->n_rests];
		p->cell_V = xcalloc(rd->series, sizeof(float), &rc);
		if (!p->cell_V)
			return rc;
		p->step = s;
		p->t_s = rd->t_s[r1 - 1];
		p->ah_net = rd->ah_net[r1 - 1];
		p->temp_C = rd->n_probes ? temp_mean_C[r1 - 1] : NAN;
		rd->n_rests++;
		TRY(read_mean_cells(src, rd, a, r1, buf, p->cell_V));
	}
	return BENCH_OK;
}

/* SOC of the pack at row r: Ah counted from the end of the capacity
 * discharge (0 %) when there is one before r, else the median rested cell
 * SOC of the last rest before r. */
static double pack_soc_at(const struct rundata *rd, size_t r)
{
	if (rd->cap_step >= 0 && rd->cap.discharge_Ah > 0) {
		size_t e = rd->step_row1[rd->cap_step];

		if (e > 0 && e - 1 <= r)
			return (rd->ah_net[r] - rd->ah_net[e - 1]) /
			       rd->cap.discharge_Ah;
	}
	for (size_t k = rd->n_rests; k-- > 0;) {
		const struct rd_rest *p = &rd->rests[k];

		if (p->t_s <= rd->t_s[r]) {
			double *soc = malloc(rd->series * sizeof(double)), m;

			if (!soc)
				return NAN;
			for (size_t c = 0; c < rd->series; c++)
				soc[c] = ocvcurve_soc(&rd->ocv, p->cell_V[c]);
			m = metrics_median(soc, rd->series);
			free(soc);
			return m;
		}
	}
	return NAN;
}

static int collect_pulses(const struct rd_source *src, struct rundata *rd,
			  const float *temp_mean_C)
{
	int rc = BENCH_OK;
	size_t w = rd->series;
	double *t = NULL, *ia = NULL, *va = NULL;
	float *cells = NULL;

	rd->pulses = xcalloc(rd->n_steps, sizeof(*rd->pulses), &rc);
	if (!rd->pulses)
		return rc;
	for (size_t s = 0; s < rd->n_steps; s++) {
		const struct run_step *st = &rd->steps[s];
		size_t r0 = rd->step_row0[s], r1 = rd->step_row1[s], a, b, n;
		struct rd_pulse *p;

		/* a charge-only run's resistance comes from a charge-current
		 * step (docs/grading.md, "Charge-only runs") */
		if ((strcmp(st->tag, "pulse") && strcmp(st->tag, "dcir")) ||
		    r1 <= r0 || r0 == 0)
			continue;
		/* the pre-edge reference comes from the step before only */
		a = r0 > PULSE_PRE_ROWS ? r0 - PULSE_PRE_ROWS : 0;
		if (s > 0 && a < rd->step_row0[s - 1])
			a = rd->step_row0[s - 1];
		b = r0;
		while (b < r1 && rd->t_s[b] <= rd->t_s[r0] + PULSE_POST_S)
			b++;
		n = b - a;
		t = xcalloc(n, sizeof(double), &rc);
		ia = xcalloc(n, sizeof(double), &rc);
		va = xcalloc(n, sizeof(double), &rc);
		cells = xcalloc(n * w, sizeof(float), &rc);
		if (rc < 0)
			goto out;
		rc = src->read_cells(src->ctx, "voltage_volt", a, n, cells);
		if (rc < 0)
			goto out;
		p = &rd->pulses[rd->n_pulses];
		p->cell = xcalloc(w, sizeof(struct pulse_r), &rc);
		if (!p->cell)
			goto out;
		rd->n_pulses++;
		p->step = s;
		/* the edge lies between the last rest sample and the first
		 * pulse sample; the step start is when the setpoint changed */
		p->t_edge_s =
		    st->start_s > rd->t_s[r0 - 1] && st->start_s <= rd->t_s[r0]
			? st->start_s
			: rd->t_s[r0];
		p->di_A = (double)rd->i_A[b - 1] - rd->i_A[r0 - 1];
		p->soc = pack_soc_at(rd, r0 - 1);
		p->temp_C = temp_mean_C ? temp_mean_C[r0] : NAN;
		for (size_t k = 0; k < n; k++) {
			t[k] = rd->t_s[a + k];
			ia[k] = rd->i_A[a + k];
			va[k] = rd->v_V[a + k];
		}
		metrics_pulse_r(t, ia, va, n, p->t_edge_s, &p->pack);
		for (size_t c = 0; c < w; c++) {
			for (size_t k = 0; k < n; k++)
				va[k] = cells[k * w + c];
			if (metrics_pulse_fresh(t, va, n, p->t_edge_s)) {
				metrics_pulse_r(t, ia, va, n, p->t_edge_s,
						&p->cell[c]);
				continue;
			}
			/* polled cells: the edge fell between readings */
			p->cell[c].r_0s1_mohm = p->cell[c].r_2s_mohm =
			    p->cell[c].r_10s_mohm = NAN;
			p->n_slow_cells++;
		}
		free(t);
		free(ia);
		free(va);
		free(cells);
		t = ia = va = NULL;
		cells = NULL;
	}
out:
	free(t);
	free(ia);
	free(va);
	free(cells);
	return rc;
}

static void step_ahwh(const struct rundata *rd, size_t s, struct ahwh *acc)
{
	const struct run_step *st = &rd->steps[s];
	struct ahwh x;

	if (st->charge_Ah > 0 || st->discharge_Ah > 0) {
		/* the controller integrates at its tick rate: finer than
		 * the log */
		x.charge_Ah = st->charge_Ah;
		x.discharge_Ah = st->discharge_Ah;
		x.charge_Wh = st->charge_Wh;
		x.discharge_Wh = st->discharge_Wh;
	} else {
		size_t r0 = rd->step_row0[s], r1 = rd->step_row1[s];

		metrics_integrate(rd->t_s + r0, rd->i_A + r0, rd->v_V + r0,
				  r1 > r0 ? r1 - r0 : 0, &x);
	}
	acc->charge_Ah += x.charge_Ah;
	acc->discharge_Ah += x.discharge_Ah;
	acc->charge_Wh += x.charge_Wh;
	acc->discharge_Wh += x.discharge_Wh;
}

static void find_capacity_steps(struct rundata *rd)
{
	double best = 0;

	rd->cap_step = rundata_step_tagged(rd, "capacity");
	/* an unfinished run's longest discharge is only the preconditioning:
	 * calling it the capacity would be a made-up number */
	if (rd->cap_step < 0 && !strcmp(rd->meta.status, "complete"))
		for (size_t s = 0; s < rd->n_steps; s++)
			if (step_is(&rd->steps[s], "discharge") &&
			    rd->steps[s].discharge_Ah >= best &&
			    rd->steps[s].end_s - rd->steps[s].start_s > 600) {
				best = rd->steps[s].discharge_Ah;
				rd->cap_step = (long)s;
			}
	rd->chg_step = -1;
	if (rd->cap_step < 0)
		return;
	step_ahwh(rd, (size_t)rd->cap_step, &rd->cap);
	for (long s = rd->cap_step - 1; s >= 0; s--) {
		const struct run_step *st = &rd->steps[s];

		if (step_is(st, "discharge"))
			break;
		if ((step_is(st, "charge") || step_is(st, "hold")) &&
		    rd->chg_step < 0)
			rd->chg_step = s;
		step_ahwh(rd, (size_t)s, &rd->chg);
	}
}

static int collect_capacity(const struct rd_source *src, struct rundata *rd,
			    float *buf)
{
	int rc = BENCH_OK;
	size_t w = rd->series;
	float *row = NULL, *prev = NULL;

	if (rd->cap_step < 0)
		return BENCH_OK;
	size_t r0 = rd->step_row0[rd->cap_step],
	       r1 = rd->step_row1[rd->cap_step];

	if (r1 <= r0)
		return BENCH_OK;
	rd->cap_end_V = xcalloc(w, sizeof(float), &rc);
	rd->ica = xcalloc(w, sizeof(struct ica), &rc);
	row = xcalloc(w, sizeof(float), &rc);
	prev = xcalloc(w, sizeof(float), &rc);
	if (rc < 0)
		goto out;
	for (size_t c = 0; c < w; c++) {
		if (rd->chem == CHEM_LFP)
			rc = ica_init(&rd->ica[c], 2.5, 3.7, 0.005);
		else
			rc = ica_init(&rd->ica[c], 2.5, 4.3, 0.01);
		if (rc < 0)
			goto out;
	}
	size_t stride = (r1 - r0) / ICA_MAX_SAMPLES + 1, last = r0;

	rc = src->read_cells(src->ctx, "voltage_volt", r0, 1, prev);
	if (rc < 0)
		goto out;
	for (size_t r = r0 + stride; r < r1 + stride; r += stride) {
		size_t rr = r < r1 ? r : r1 - 1;
		double dah = fabs(rd->ah_net[rr] - rd->ah_net[last]);

		if (rr == last)
			break;
		rc = src->read_cells(src->ctx, "voltage_volt", rr, 1, row);
		if (rc < 0)
			goto out;
		for (size_t c = 0; c < w; c++)
			ica_add(&rd->ica[c], 0.5 * ((double)row[c] + prev[c]),
				dah);
		memcpy(prev, row, w * sizeof(float));
		last = rr;
	}
	memcpy(rd->cap_end_V, prev, w * sizeof(float));
	if (rd->chg_step >= 0 &&
	    rd->step_row1[rd->chg_step] > rd->step_row0[rd->chg_step]) {
		size_t e = rd->step_row1[rd->chg_step] - 1;

		rd->chg_end_V = xcalloc(w, sizeof(float), &rc);
		if (rc < 0)
			goto out;
		rc = read_mean_cells(src, rd, e, e + 1, buf, rd->chg_end_V);
	}
out:
	free(row);
	free(prev);
	return rc;
}

static int collect_self_discharge(const struct rd_source *src,
				  const struct rd_opts *o, struct rundata *rd,
				  float *buf)
{
	int rc = BENCH_OK;
	size_t w = rd->series, a, r1;
	struct linacc *acc = NULL;
	float *mean = NULL;
	double t0;

	rd->sd_step = rundata_step_tagged(rd, "self-discharge");
	if (rd->sd_step < 0)
		return BENCH_OK;
	a = rd->step_row0[rd->sd_step];
	r1 = rd->step_row1[rd->sd_step];
	if (r1 <= a + 3)
		return BENCH_OK;
	double span = rd->t_s[r1 - 1] - rd->t_s[a];
	double skip = o->sd_skip_s < 0.5 * span ? o->sd_skip_s : 0.5 * span;

	t0 = rd->t_s[a] + skip;
	while (a < r1 && rd->t_s[a] < t0)
		a++;
	if (r1 <= a + 3)
		return BENCH_OK;
	rd->sd_fit_s = rd->t_s[r1 - 1] - rd->t_s[a];
	acc = xcalloc(w, sizeof(*acc), &rc);
	mean = xcalloc(w, sizeof(float), &rc);
	rd->sd_mv_per_day = xcalloc(w, sizeof(double), &rc);
	rd->sd_se_mv_per_day = xcalloc(w, sizeof(double), &rc);
	rd->sd_start_V = xcalloc(w, sizeof(float), &rc);
	if (rc < 0)
		goto out;
	size_t stride = (r1 - a) / SD_BLOCKS;

	if (stride < SD_BLOCK_ROWS)
		stride = SD_BLOCK_ROWS;
	/* the last block ends at the last row, so the fit spans the rest */
	for (size_t r = a;; r += stride) {
		size_t e = r + SD_BLOCK_ROWS, b = r;
		double tm = 0;

		if (e >= r1 || r + stride >= r1) {
			e = r1;
			b = r1 > SD_BLOCK_ROWS ? r1 - SD_BLOCK_ROWS : 0;
			if (b < r)
				b = r;
		}
		rc = read_mean_cells(src, rd, b, e, buf, mean);
		if (rc < 0)
			goto out;
		for (size_t k = b; k < e; k++)
			tm += rd->t_s[k];
		tm = (tm / (double)(e - b) - rd->t_s[a]) / 86400.0;
		if (r == a)
			memcpy(rd->sd_start_V, mean, w * sizeof(float));
		/* y relative to the start keeps the sums of squares exact */
		for (size_t c = 0; c < w; c++)
			linacc_add(&acc[c], tm,
				   1000.0 *
				       ((double)mean[c] - rd->sd_start_V[c]));
		if (e == r1)
			break;
	}
	for (size_t c = 0; c < w; c++) {
		rd->sd_mv_per_day[c] = linacc_slope(&acc[c]);
		rd->sd_se_mv_per_day[c] = linacc_slope_se(&acc[c]);
	}
out:
	free(acc);
	free(mean);
	return rc;
}

static int collect_temperatures(const struct rd_source *src, struct rundata *rd,
				float *temp_mean_C)
{
	int rc = BENCH_OK;
	size_t p = rd->n_probes, chunk = 8192;
	float *buf;

	rd->temp_start_C = rd->temp_max_C = rd->temp_spread_max_C = NAN;
	if (!p || !rd->rows)
		return BENCH_OK;
	buf = xcalloc(chunk * p, sizeof(float), &rc);
	if (!buf)
		return rc;
	for (size_t r0 = 0; r0 < rd->rows; r0 += chunk) {
		size_t n = rd->rows - r0 < chunk ? rd->rows - r0 : chunk;

		rc = src->read_cells(src->ctx, "temperature_celsius", r0, n,
				     buf);
		if (rc < 0)
			break;
		for (size_t k = 0; k < n; k++) {
			const float *x = buf + k * p;
			double lo = x[0], hi = x[0], s = 0;
			unsigned at = 0;

			for (size_t j = 0; j < p; j++) {
				s += x[j];
				if (x[j] < lo)
					lo = x[j];
				if (x[j] > hi) {
					hi = x[j];
					at = (unsigned)j;
				}
			}
			temp_mean_C[r0 + k] = (float)(s / (double)p);
			if (r0 + k == 0)
				rd->temp_start_C = s / (double)p;
			if (isnan(rd->temp_max_C) || hi > rd->temp_max_C) {
				rd->temp_max_C = hi;
				rd->temp_max_probe = at;
				rd->temp_max_t_s = rd->t_s[r0 + k];
			}
			if (isnan(rd->temp_spread_max_C) ||
			    hi - lo > rd->temp_spread_max_C)
				rd->temp_spread_max_C = hi - lo;
		}
	}
	free(buf);
	return rc;
}

static int collect_plot(const struct rd_source *src, struct rundata *rd)
{
	int rc = BENCH_OK;
	size_t n = rd->rows < RD_PLOT_POINTS ? rd->rows : RD_PLOT_POINTS;

	rd->plot.t_s = xcalloc(n, sizeof(double), &rc);
	rd->plot.cell_V = xcalloc(n * rd->series, sizeof(float), &rc);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++) {
		size_t r = n > 1 ? k * (rd->rows - 1) / (n - 1) : 0;

		rd->plot.t_s[k] = rd->t_s[r];
		TRY(src->read_cells(src->ctx, "voltage_volt", r, 1,
				    rd->plot.cell_V + k * rd->series));
		rd->plot.n = k + 1;
	}
	return BENCH_OK;
}

int rundata_build(const struct rd_source *src, const struct rd_opts *o,
		  struct rundata **out)
{
	int rc = BENCH_OK;
	struct rundata *rd = xcalloc(1, sizeof(*rd), &rc);
	float *buf = NULL, *temp_mean_C = NULL;
	size_t n = src->rows;

	if (!rd)
		return rc;
	rd->cap_step = rd->chg_step = rd->sd_step = -1;
	rc = copy_meta(&rd->meta, src->meta);
	if (rc < 0)
		goto fail;
	rd->chem = cell_chem_parse(src->meta->chemistry);
	rc = ocvcurve_load(src->meta->ocv_curve, rd->chem, rd->meta.pack_id,
			   &rd->ocv);
	if (rc < 0)
		goto fail;
	rd->series = src->meta->series;
	rd->n_probes = src->meta->n_probes;
	if (!rd->series || rd->series > 4096) {
		log_err("run '%s': series = %u is not a pack", rd->meta.pack_id,
			rd->series);
		rc = BENCH_ERR_PROTO;
		goto fail;
	}
	rd->rows = n;
	rd->n_steps = src->n_steps;
	rd->n_events = src->n_events;
	rd->steps = xcalloc(src->n_steps, sizeof(*rd->steps), &rc);
	rd->events = xcalloc(src->n_events, sizeof(*rd->events), &rc);
	rd->t_s = xcalloc(n, sizeof(double), &rc);
	rd->v_V = xcalloc(n, sizeof(float), &rc);
	rd->i_A = xcalloc(n, sizeof(float), &rc);
	rd->ah_net = xcalloc(n, sizeof(double), &rc);
	rd->step_count = xcalloc(n, sizeof(uint32_t), &rc);
	rd->step_row0 = xcalloc(src->n_steps, sizeof(size_t), &rc);
	rd->step_row1 = xcalloc(src->n_steps, sizeof(size_t), &rc);
	rd->step_cycle = xcalloc(src->n_steps, sizeof(long), &rc);
	temp_mean_C = xcalloc(n, sizeof(float), &rc);
	buf = xcalloc((size_t)REST_TAIL_MAX * rd->series, sizeof(float), &rc);
	if (rc < 0)
		goto fail;
	if (src->n_steps)
		memcpy(rd->steps, src->steps,
		       src->n_steps * sizeof(*rd->steps));
	if (src->n_events)
		memcpy(rd->events, src->events,
		       src->n_events * sizeof(*rd->events));
	if (n) {
		rc = read_pack_columns(src, rd);
		if (rc < 0)
			goto fail;
	}
	rd->unix_start_s = NAN;
	if (n) { /* a source without unix times (synthetic runs): NaN */
		double u;

		if (src->read_col(src->ctx, "unix_time_second", 0, 1, &u) == 0)
			rd->unix_start_s = u - rd->t_s[0];
	}
	map_step_rows(rd);
	read_step_cycles(src, rd);
	find_capacity_steps(rd);
	rc = collect_temperatures(src, rd, temp_mean_C);
	if (rc >= 0)
		rc = collect_rests(src, o, rd, buf, temp_mean_C);
	if (rc >= 0)
		rc = collect_capacity(src, rd, buf);
	if (rc >= 0)
		rc = collect_pulses(src, rd, rd->n_probes ? temp_mean_C : NULL);
	if (rc >= 0)
		rc = collect_self_discharge(src, o, rd, buf);
	if (rc >= 0 && (o->flags & RD_PLOTS) && n)
		rc = collect_plot(src, rd);
	if (rc < 0)
		goto fail;
	free(buf);
	free(temp_mean_C);
	*out = rd;
	return BENCH_OK;
fail:
	free(buf);
	free(temp_mean_C);
	rundata_free(rd);
	return rc;
}

void rundata_free(struct rundata *rd)
{
	if (!rd)
		return;
	run_meta_release(&rd->meta);
	for (size_t k = 0; k < rd->n_rests; k++)
		free(rd->rests[k].cell_V);
	for (size_t k = 0; k < rd->n_pulses; k++)
		free(rd->pulses[k].cell);
	if (rd->ica)
		for (size_t c = 0; c < rd->series; c++)
			ica_release(&rd->ica[c]);
	free(rd->ica);
	free(rd->rests);
	free(rd->pulses);
	free(rd->steps);
	free(rd->events);
	free(rd->t_s);
	free(rd->v_V);
	free(rd->i_A);
	free(rd->ah_net);
	free(rd->step_count);
	free(rd->step_row0);
	free(rd->step_row1);
	free(rd->step_cycle);
	free(rd->cap_end_V);
	free(rd->chg_end_V);
	free(rd->sd_mv_per_day);
	free(rd->sd_se_mv_per_day);
	free(rd->sd_start_V);
	free(rd->plot.t_s);
	free(rd->plot.cell_V);
	free(rd);
}
