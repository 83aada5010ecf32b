/* SPDX-License-Identifier: Apache-2.0 */
/* import_write.c - stream an imported file into a bench-run/1 run file. */
#define LOG_PREFIX "import"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"
#include "common/sha256.h"
#include "import/import_write.h"
#include "runfile/h5log.h"

/* Below this a current is rest when the file does not say (A). */
#define REST_A 1e-3
/* Counter checks skip steps that moved less than this (Ah). */
#define CHECK_MIN_AH 1e-3
/* The writer's ring: the parser goes on while the writer compresses a
 * batch (16384 rows), a full ring waits for it; smaller stalls the
 * parser, larger only costs memory (docs/importers.md, "Speed and
 * memory"). */
#define IMPORT_RING_SAMPLES 32768

enum { CNT_CHG_AH, CNT_DCHG_AH, CNT_CHG_WH, CNT_DCHG_WH, CNT_N };

struct imp {
	const char *src;
	const struct import_opts *o;
	struct import_result *res;
	struct import_info info;
	char base[64];
	char sha[SHA256_HEX_LEN];
	const char *tmp; /* NULL: dry run */
	struct h5log *log;

	int have_prev;
	struct import_row prev;
	/* The step being read. */
	int in_step;
	struct run_step st;
	long st_cycle, st_step;
	int st_class;
	enum import_kind st_kind;
	int st_unresolved; /* a pulse or profile step off its count */
	double st_ir_ohm;
	uint32_t step_count, cycle;
	int seen_discharge;
	/* Run totals for the /timeseries counters. */
	double chg_Ah, dchg_Ah, chg_Wh, dchg_Wh;
	/* The instrument's counters: last value, this step's sum. */
	double cnt_last[CNT_N], cnt_step[CNT_N];
	int cnt_seen[CNT_N];
};

static int push_event(struct imp *im, double t_s, const char *sev,
		      const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int push_event(struct imp *im, double t_s, const char *sev,
		      const char *code, const char *fmt, ...)
{
	struct run_event ev;
	va_list ap;

	if (!im->log)
		return BENCH_OK;
	memset(&ev, 0, sizeof(ev));
	ev.t_s = t_s;
	snprintf(ev.severity, sizeof(ev.severity), "%s", sev);
	snprintf(ev.code, sizeof(ev.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(ev.message, sizeof(ev.message), fmt, ap);
	va_end(ap);
	return h5log_push_event(im->log, &ev);
}

/* Charge (1), discharge (-1) or rest (0) of a row, from the file's step
 * type where it has one, else from the current's sign. */
static int row_class(const struct import_row *r)
{
	switch (r->kind) {
	case IMPORT_KIND_CHARGE:
		return 1;
	case IMPORT_KIND_DISCHARGE:
		return -1;
	case IMPORT_KIND_REST:
		return 0;
	default:
		return r->current_A > REST_A	? 1
		       : r->current_A < -REST_A ? -1
						: 0;
	}
}

static int open_log(struct imp *im, const struct import_row *r)
{
	struct run_meta meta;
	struct h5log_cfg cfg = {.block_when_full = 1,
				.bulk = 1,
				.ring_samples = im->o->ring_samples
						    ? im->o->ring_samples
						    : IMPORT_RING_SAMPLES};
	const char *fmt = im->res->fmt->name;
	int rc;

	memset(&meta, 0, sizeof(meta));
	snprintf(meta.pack_id, sizeof(meta.pack_id), "%s", im->base);
	snprintf(meta.pack_model, sizeof(meta.pack_model), "import:%s", fmt);
	meta.series = meta.parallel = meta.modules = 1;
	meta.n_probes = im->info.has_temperature ? 1 : 0;
	meta.rated_capacity_ah = im->o->rated_Ah;
	snprintf(meta.software_version, sizeof(meta.software_version), "%s",
		 BENCH_VERSION);
	snprintf(meta.instrument_id, sizeof(meta.instrument_id), "%s",
		 im->info.instrument);
	if (im->info.start_time_utc[0]) {
		snprintf(meta.start_time_utc, sizeof(meta.start_time_utc), "%s",
			 im->info.start_time_utc);
	} else if (!isnan(r->unix_time_s)) {
		time_t tt = (time_t)(r->unix_time_s - r->test_time_s);
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(meta.start_time_utc, sizeof(meta.start_time_utc),
			 "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	snprintf(meta.status, sizeof(meta.status), "running");
	/* No real-time loop to protect: a full ring waits for the writer
	 * rather than dropping rows of the file. */
	rc = h5log_create(im->tmp, &meta, &cfg, &im->log);
	if (rc < 0)
		return rc;
	TRY(push_event(im, 0, "info", "bench:IMPORT", "format=%s", fmt));
	TRY(push_event(im, 0, "info", "bench:IMPORT", "source=%s", im->base));
	TRY(push_event(im, 0, "info", "bench:IMPORT", "source_sha256=%s",
		       im->sha));
	if (im->info.instrument[0])
		TRY(push_event(im, 0, "info", "bench:IMPORT", "instrument=%s",
			       im->info.instrument));
	if (im->info.software[0])
		TRY(push_event(im, 0, "info", "bench:IMPORT", "software=%s",
			       im->info.software));
	if (im->info.schedule[0])
		TRY(push_event(im, 0, "info", "bench:IMPORT", "schedule=%s",
			       im->info.schedule));
	if (im->info.test_name[0])
		TRY(push_event(im, 0, "info", "bench:IMPORT", "test_name=%s",
			       im->info.test_name));
	TRY(push_event(im, 0, "info", "bench:IMPORT",
		       "numbering=cycle:%s step:%s",
		       im->info.has_cycle ? "file" : "derived",
		       im->info.has_step ? "file" : "none"));
	return BENCH_OK;
}

/* The instrument's step total against ours; a warning event beyond the
 * tolerance. */
static int check_counter(struct imp *im, int k, double ours)
{
	double theirs = im->cnt_step[k], dev;

	if (!im->cnt_seen[k] || fmax(fabs(theirs), ours) < CHECK_MIN_AH)
		return BENCH_OK;
	/* against the count; a step the instrument counted as nothing is
	 * off by all of ours (100 %), not by a ratio to zero */
	dev = fabs(ours - theirs) /
	      (fabs(theirs) >= CHECK_MIN_AH ? fabs(theirs) : fmax(ours, 1e-12));
	im->res->counter_checks++;
	if (dev > im->res->counter_max_dev)
		im->res->counter_max_dev = dev;
	if (dev <= IMPORT_COUNTER_TOL)
		return BENCH_OK;
	im->res->counter_warnings++;
	if (im->st_kind == IMPORT_KIND_OTHER) {
		im->res->counter_unresolved++;
		im->st_unresolved = 1;
		return push_event(
		    im, im->st.end_s, "warning", "bench:IMPORT_CHECK",
		    "step %u (file step %ld, pulse or profile): %s %.6f Ah "
		    "from the rows, the instrument counted %.6f Ah (kept): "
		    "the rows do not follow the current between them",
		    im->st.step_count, im->st_step,
		    k == CNT_CHG_AH ? "charge" : "discharge", ours, theirs);
	}
	return push_event(im, im->st.end_s, "warning", "bench:IMPORT_CHECK",
			  "step %u (file step %ld): %s %.6f Ah integrated, "
			  "the instrument counted %.6f Ah",
			  im->st.step_count, im->st_step,
			  k == CNT_CHG_AH ? "charge" : "discharge", ours,
			  theirs);
}

static int end_step(struct imp *im)
{
	struct run_step *st = &im->st;

	if (!im->in_step)
		return BENCH_OK;
	im->in_step = 0;
	if (im->st_kind != IMPORT_KIND_UNKNOWN)
		snprintf(st->kind, sizeof(st->kind), "%s",
			 import_kind_name(im->st_kind));
	else
		snprintf(st->kind, sizeof(st->kind), "%s",
			 st->charge_Ah > st->discharge_Ah   ? "charge"
			 : st->discharge_Ah > st->charge_Ah ? "discharge"
							    : "rest");
	snprintf(st->end_reason, sizeof(st->end_reason), "imported");
	im->res->steps++;
	TRY(check_counter(im, CNT_CHG_AH, st->charge_Ah));
	TRY(check_counter(im, CNT_DCHG_AH, st->discharge_Ah));
	/* The instrument integrates far finer than it logs rows: where it
	 * counted the step, its count is the step's charge (ours checked it
	 * above). A counter left at zero while charge flowed is a column the
	 * instrument did not fill. */
	int use_chg = im->cnt_seen[CNT_CHG_AH] &&
		      (im->cnt_step[CNT_CHG_AH] > 0 || st->charge_Ah < 1e-6);
	int use_dchg =
	    im->cnt_seen[CNT_DCHG_AH] &&
	    (im->cnt_step[CNT_DCHG_AH] > 0 || st->discharge_Ah < 1e-6);

	/* Rows that do not follow the current (check_counter) miss its
	 * energy as they miss its charge: there the energy count too. */
	int use_chg_wh = use_chg && im->st_unresolved &&
			 im->cnt_seen[CNT_CHG_WH] &&
			 (im->cnt_step[CNT_CHG_WH] > 0 || st->charge_Ah < 1e-6);
	int use_dchg_wh =
	    use_dchg && im->st_unresolved && im->cnt_seen[CNT_DCHG_WH] &&
	    (im->cnt_step[CNT_DCHG_WH] > 0 || st->discharge_Ah < 1e-6);

	if (use_chg)
		st->charge_Ah = im->cnt_step[CNT_CHG_AH];
	if (use_dchg)
		st->discharge_Ah = im->cnt_step[CNT_DCHG_AH];
	if (use_chg_wh)
		st->charge_Wh = im->cnt_step[CNT_CHG_WH];
	if (use_dchg_wh)
		st->discharge_Wh = im->cnt_step[CNT_DCHG_WH];
	if (!im->log)
		return BENCH_OK;
	TRY(h5log_push_step(im->log, st));
	if (use_chg || use_dchg)
		TRY(push_event(im, st->end_s, "info", "bench:IMPORT_COUNT",
			       "step_count=%u charge_ah=%.9g discharge_ah=%.9g "
			       "charge_wh=%.9g discharge_wh=%.9g",
			       st->step_count, use_chg ? st->charge_Ah : NAN,
			       use_dchg ? st->discharge_Ah : NAN,
			       use_chg_wh ? st->charge_Wh : NAN,
			       use_dchg_wh ? st->discharge_Wh : NAN));
	if (!isnan(im->st_ir_ohm))
		TRY(push_event(im, st->end_s, "info", "bench:IMPORT_IR",
			       "step_count=%u resistance_ohm=%.9g",
			       st->step_count, im->st_ir_ohm));
	return BENCH_OK;
}

static int start_step(struct imp *im, const struct import_row *r, int cls)
{
	struct run_step *st = &im->st;

	memset(st, 0, sizeof(*st));
	im->in_step = 1;
	st->step_count = ++im->step_count;
	st->step_index = r->step >= 0 ? (uint32_t)r->step : 0;
	st->start_s = st->end_s = r->test_time_s;
	st->start_V = st->end_V = (float)r->voltage_V;
	im->st_cycle = r->cycle;
	im->st_step = r->step;
	im->st_class = cls;
	im->st_kind = r->kind;
	im->st_unresolved = 0;
	im->st_ir_ohm = NAN;
	memset(im->cnt_step, 0, sizeof(im->cnt_step));
	memset(im->cnt_seen, 0, sizeof(im->cnt_seen));
	/* Our own cycle count where the file has none: a charge after a
	 * discharge starts the next cycle. */
	if (!im->info.has_cycle) {
		if (cls < 0)
			im->seen_discharge = 1;
		if (cls > 0 && im->seen_discharge) {
			im->cycle++;
			im->seen_discharge = 0;
		}
	}
	return BENCH_OK;
}

static int new_step(const struct imp *im, const struct import_row *r, int cls)
{
	if (!im->in_step)
		return 1;
	if (im->info.has_step || im->info.has_cycle)
		if (r->step != im->st_step || r->cycle != im->st_cycle)
			return 1;
	if (r->kind != im->st_kind)
		return 1;
	return !im->info.has_step && cls != im->st_class;
}

/* An instrument counter's increment: it restarts where it goes down. */
static void count(struct imp *im, int k, double v)
{
	double last = im->cnt_last[k];

	if (isnan(v))
		return;
	/* The file's first value was counted before its first row: the
	 * file starts inside a step. */
	if (!isnan(last))
		im->cnt_step[k] += v < last ? v : v - last;
	im->cnt_seen[k] = 1;
	im->cnt_last[k] = v;
}

static int on_row(void *ctx, const struct import_row *r)
{
	struct imp *im = ctx;
	struct run_sample s;
	float cell_V, cell_T;
	int cls = row_class(r);

	if (isnan(r->test_time_s)) {
		log_err("%s:%lu: no test time on this row", im->src, r->line);
		return BENCH_ERR_PARSE;
	}
	if (im->have_prev && r->test_time_s < im->prev.test_time_s) {
		log_err("%s:%lu: test time goes back from %.3f s (line %lu) "
			"to %.3f s",
			im->src, r->line, im->prev.test_time_s, im->prev.line,
			r->test_time_s);
		return BENCH_ERR_PARSE;
	}
	if (im->tmp && !im->log)
		TRY(open_log(im, r));
	if (new_step(im, r, cls)) {
		TRY(end_step(im));
		TRY(start_step(im, r, cls));
	} else {
		/* Trapezoid inside the step only, over test time. */
		double dt_h = (r->test_time_s - im->prev.test_time_s) / 3600.0;
		double ah = 0.5 * (r->current_A + im->prev.current_A) * dt_h;
		double wh = 0.5 *
			    (r->current_A * r->voltage_V +
			     im->prev.current_A * im->prev.voltage_V) *
			    dt_h;

		if (ah >= 0) {
			im->st.charge_Ah += ah;
			im->chg_Ah += ah;
		} else {
			im->st.discharge_Ah -= ah;
			im->dchg_Ah -= ah;
		}
		if (wh >= 0) {
			im->st.charge_Wh += wh;
			im->chg_Wh += wh;
		} else {
			im->st.discharge_Wh -= wh;
			im->dchg_Wh -= wh;
		}
	}
	im->st.end_s = r->test_time_s;
	im->st.end_V = (float)r->voltage_V;
	if (!isnan(r->resistance_ohm) && r->resistance_ohm > 0)
		im->st_ir_ohm = r->resistance_ohm;
	count(im, CNT_CHG_AH, r->chg_Ah);
	count(im, CNT_DCHG_AH, r->dchg_Ah);
	count(im, CNT_CHG_WH, r->chg_Wh);
	count(im, CNT_DCHG_WH, r->dchg_Wh);
	im->prev = *r;
	im->have_prev = 1;
	im->res->rows++;
	if (!im->log)
		return BENCH_OK;

	memset(&s, 0, sizeof(s));
	s.test_time_s = r->test_time_s;
	s.unix_time_s = r->unix_time_s;
	s.voltage_V = (float)r->voltage_V;
	s.current_A = (float)r->current_A;
	s.power_W = (float)(r->voltage_V * r->current_A);
	s.step_count = im->st.step_count;
	s.step_index = im->st.step_index;
	s.cycle_count = im->info.has_cycle && r->cycle >= 0 ? (uint32_t)r->cycle
							    : im->cycle;
	s.charge_Ah = im->chg_Ah;
	s.discharge_Ah = im->dchg_Ah;
	s.charge_Wh = im->chg_Wh;
	s.discharge_Wh = im->dchg_Wh;
	s.ambient_C = NAN;
	/* A cell's voltage only where it can be one (the reader's bounds). */
	cell_V = r->voltage_V >= -1.0 && r->voltage_V <= 10.0
		     ? (float)r->voltage_V
		     : NAN;
	cell_T = (float)r->temperature_C;
	s.cell_voltage_V = &cell_V;
	s.cell_temperature_C = &cell_T; /* read only with a probe */
	return h5log_push_sample(im->log, &s);
}

static int run(struct imp *im, const char *src, const struct import_opts *o,
	       struct import_result *res)
{
	const char *slash = strrchr(src, '/');

	memset(res, 0, sizeof(*res));
	im->src = src;
	im->o = o;
	im->res = res;
	im->cycle = 1;
	for (int k = 0; k < CNT_N; k++)
		im->cnt_last[k] = NAN;
	snprintf(im->base, sizeof(im->base), "%s", slash ? slash + 1 : src);
	res->fmt = o->fmt ? o->fmt : import_detect(src);
	if (!res->fmt)
		return BENCH_ERR_PARSE;
	TRY(res->fmt->parse(src, &im->info, on_row, im));
	if (!im->have_prev && im->info.skipped_rows) {
		log_err("%s: no rows to import: all %lu rows left out (%s)",
			src, im->info.skipped_rows, im->info.skipped_why);
		return BENCH_ERR_PARSE;
	}
	if (!im->have_prev) {
		log_err("%s: no data rows after the header (truncated file?)",
			src);
		return BENCH_ERR_PARSE;
	}
	TRY(end_step(im));
	res->skipped_rows = im->info.skipped_rows;
	if (im->info.skipped_rows)
		TRY(push_event(im, im->prev.test_time_s, "info", "bench:IMPORT",
			       "skipped=%lu rows (%s)", im->info.skipped_rows,
			       im->info.skipped_why));
	return BENCH_OK;
}

int import_dry(const char *src, const struct import_opts *o,
	       struct import_result *res)
{
	struct imp im;

	memset(&im, 0, sizeof(im));
	return run(&im, src, o, res);
}

int import_file(const char *src, const char *out_path,
		const struct import_opts *o, struct import_result *res)
{
	struct imp im;
	char *dup = NULL, *tmp = NULL, *creating = NULL;
	int rc;

	memset(&im, 0, sizeof(im));
	if (access(out_path, F_OK) == 0) {
		log_err("'%s' exists: refusing to overwrite it", out_path);
		return BENCH_ERR_ARG;
	}
	TRY(sha256_file_hex(src, im.sha));
	dup = strdup(out_path);
	if (!dup ||
	    asprintf(&tmp, "%s/.import-%ld.h5", dirname(dup), (long)getpid()) <
		0 ||
	    asprintf(&creating, "%s.creating", tmp) < 0) {
		tmp = NULL;
		rc = BENCH_ERR_MEM;
		goto out;
	}
	im.tmp = tmp;
	rc = run(&im, src, o, res);
	if (im.log) {
		int crc = h5log_close(im.log, rc < 0 ? "aborted" : "complete",
				      rc < 0 ? "import failed" : "imported");

		im.log = NULL;
		if (rc >= 0)
			rc = crc;
	}
	if (rc >= 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, out_path,
				 RENAME_NOREPLACE) < 0) {
		log_err("cannot rename '%s' to '%s': %s", tmp, out_path,
			strerror(errno));
		rc = BENCH_ERR_IO;
	}
out:
	if (rc < 0 && tmp) {
		unlink(tmp);
		unlink(creating);
	}
	free(dup);
	free(tmp);
	free(creating);
	return rc < 0 ? rc : BENCH_OK;
}
