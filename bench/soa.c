/* SPDX-License-Identifier: Apache-2.0 */
/* soa.c - safe-operating-area checks: each reports OK / NOT_OK with the
 * triggering values to diag, which debounces and decides (diag_cfg.c). */
#define LOG_PREFIX "soa"

#include "bench/soa.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/recipe.h"

#define DETAIL_LEN 160

static int32_t min32(int32_t a, int32_t b)
{
	return a < b ? a : b;
}
static int32_t max32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/* Tighten band b with [lo, hi]. */
static void tighten(struct soa_band *b, int32_t lo, int32_t hi)
{
	b->low = max32(b->low, lo);
	b->high = min32(b->high, hi);
}

static void tighten_pack(struct soa_band *b, int32_t lo, int32_t hi)
{
	if (b->high == 0 && b->low == 0) {
		b->low = lo;
		b->high = hi;
		return;
	}
	tighten(b, lo, hi);
}

/* Pull the warning band inside the hard one. */
static void inside(struct soa_band *warn, const struct soa_band *hard)
{
	warn->low = max32(warn->low, hard->low);
	warn->high = min32(warn->high, hard->high);
}

void soa_limits_build(struct soa_limits *out, const struct profile *p,
		      const struct recipe_limits *const *extra,
		      unsigned n_extra)
{
	uint32_t mAh = profile_rated_mAh(p);
	struct soa_limits *l = out;

	memset(l, 0, sizeof(*l));
	l->cell_warn_mV = (struct soa_band){p->cell_low_mV[PROFILE_WARN],
					    p->cell_high_mV[PROFILE_WARN]};
	l->cell_hard_mV = (struct soa_band){p->cell_low_mV[PROFILE_HARD],
					    p->cell_high_mV[PROFILE_HARD]};
	l->temp_warn_ddegC = (struct soa_band){
	    p->temp_low_ddegC[PROFILE_WARN], p->temp_high_ddegC[PROFILE_WARN]};
	l->temp_hard_ddegC = (struct soa_band){
	    p->temp_low_ddegC[PROFILE_HARD], p->temp_high_ddegC[PROFILE_HARD]};
	l->charge_warn_mA = p->charge_mA[PROFILE_WARN];
	l->charge_hard_mA = p->charge_mA[PROFILE_HARD];
	l->discharge_warn_mA = p->discharge_mA[PROFILE_WARN];
	l->discharge_hard_mA = p->discharge_mA[PROFILE_HARD];
	for (unsigned i = 0; i < n_extra; i++) {
		const struct recipe_limits *x = extra[i];

		if (!x)
			continue;
		if (x->has_cell_mV)
			tighten(&l->cell_hard_mV, x->cell_low_mV,
				x->cell_high_mV);
		if (x->has_temp)
			tighten(&l->temp_hard_ddegC, x->temp_low_ddegC,
				x->temp_high_ddegC);
		if (x->has_pack_mV)
			tighten_pack(&l->pack_hard_mV, x->pack_low_mV,
				     x->pack_high_mV);
		if (x->has_current) {
			l->charge_hard_mA =
			    min32(l->charge_hard_mA,
				  recipe_current_mA(&x->charge_max, mAh));
			l->discharge_hard_mA =
			    min32(l->discharge_hard_mA,
				  recipe_current_mA(&x->discharge_max, mAh));
		}
	}
	inside(&l->cell_warn_mV, &l->cell_hard_mV);
	inside(&l->temp_warn_ddegC, &l->temp_hard_ddegC);
	l->charge_warn_mA = min32(l->charge_warn_mA, l->charge_hard_mA);
	l->discharge_warn_mA =
	    min32(l->discharge_warn_mA, l->discharge_hard_mA);
	l->spread_warn_mV = p->spread_warn_mV;
	l->spread_hard_mV = p->spread_hard_mV;
	l->spread_window_mV = (struct soa_band){p->spread_window_low_mV,
						p->spread_window_high_mV};
	/* measurement noise and the BMS's own rounding: C/50, at least 1 A */
	l->bms_limit_margin_mA = max32(1000, (int32_t)(mAh / 50));
	l->bms_timeout_ms = p->heartbeat_timeout_ms;
	l->cycler_timeout_ms = p->cycler_timeout_ms;
	/* a cycler slews (~100 A/s): C/20 at least 2 A, after 3 s */
	l->mismatch_mA = max32(2000, (int32_t)(mAh / 20));
	l->mismatch_settle_ms = 3000;
	l->contactor_timeout_ms = p->contactor_timeout_ms;
	/* A live cell reading moves by at least a count of the BMS's 1 mV
	 * resolution (noise, or the current) while the others move 30 mV on
	 * average: under 1C that is the IR step or a few minutes of the
	 * curve, and 30 s keeps a cell resting on an LFP plateau from
	 * being judged before the pack left it. */
	l->stuck_still_mV = 1;
	l->stuck_others_mV = 30;
	l->stuck_min_ms = 30000;
	/* a coarser polled reading (the Kona's one byte x 20 mV) can sit on
	 * one count while the others' average crosses two: judge a cell
	 * still only after the others moved three counts */
	for (unsigned i = 0; i < p->poll.n_fields; i++) {
		const struct poll_field *f = &p->poll.fields[i];
		int32_t count_mV = (int32_t)(fabs(f->scale * f->to_base) + 0.5);

		if (f->role == POLL_ROLE_CELL_V &&
		    3 * count_mV > l->stuck_others_mV)
			l->stuck_others_mV = 3 * count_mV;
	}
}

void soa_init(struct soa *s, const struct soa_limits *lim,
	      const struct profile *p)
{
	memset(s, 0, sizeof(*s));
	s->lim = *lim;
	s->profile = p;
	diag_init(&s->diag);
}

/* Report one check; the detail is formatted only when it failed (the
 * checks run on every frame: an OK report must cost next to nothing). */
static void rep(struct soa *s, struct soa_result *res, enum diag_id id, bool ok,
		int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void rep(struct soa *s, struct soa_result *res, enum diag_id id, bool ok,
		int64_t now, const char *fmt, ...)
{
	char detail[DETAIL_LEN] = "";
	struct diag_event ev;
	enum diag_reaction r;
	va_list ap;

	if (!ok) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	r = diag_report(&s->diag, id, ok, now, detail, &ev);
	if (r == DIAG_REACT_NONE)
		return;
	if (r > res->reaction)
		res->reaction = r;
	if (res->n_events < SOA_MAX_EVENTS)
		res->events[res->n_events++] = ev;
	else
		res->dropped++;
}

static double V(int32_t mV)
{
	return mV / 1000.0;
}
static double A(int32_t mA)
{
	return mA / 1000.0;
}
static double C(int32_t ddegC)
{
	return ddegC / 10.0;
}

/* Highest and lowest known value, 1-based index; false if none known. */
static bool extremes(const int32_t *v, unsigned n, unsigned *imax,
		     unsigned *imin)
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		if (v[i] == SOA_UNKNOWN)
			continue;
		if (!any || v[i] > v[*imax - 1])
			*imax = i + 1;
		if (!any || v[i] < v[*imin - 1])
			*imin = i + 1;
		any = true;
	}
	return any;
}

/* A stuck cell sensor: the BMS can no longer protect that cell. Judged
 * only on a complete set of cells (every one known). */
static void check_stuck(struct soa *s, const struct soa_snapshot *x,
			int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	unsigned n = x->n_cells, bad = 0, hi = 0, lo = 0;
	int64_t sum = 0, bad_ms = 0;
	int32_t bad_moved_mV = 0;

	if (l->stuck_others_mV <= 0 || n < 2 || n > SOA_MAX_CELLS)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (x->cell_mV[i] == SOA_UNKNOWN)
			return;
		sum += x->cell_mV[i];
	}
	extremes(x->cell_mV, n, &hi, &lo);
	for (unsigned i = 0; i < n; i++) {
		int32_t v = x->cell_mV[i];
		int64_t others_mV, others_then_mV, still_ms;
		int32_t moved_mV;

		/* the cell a CV loop holds (ours, or a GB/T BMS's) reads
		 * steady by design */
		if (!s->stuck_armed || (x->cv_mode && i + 1 == hi) ||
		    abs(v - s->still_mV[i]) >= l->stuck_still_mV) {
			s->still_mV[i] = v;
			s->still_sum_mV[i] = sum;
			s->still_us[i] = now;
			continue;
		}
		others_mV = sum - v;
		others_then_mV = s->still_sum_mV[i] - s->still_mV[i];
		moved_mV = (int32_t)(llabs(others_mV - others_then_mV) /
				     (int64_t)(n - 1));
		still_ms = (now - s->still_us[i]) / 1000;
		if (!bad && moved_mV >= l->stuck_others_mV &&
		    still_ms >= (int64_t)l->stuck_min_ms) {
			bad = i + 1;
			bad_ms = still_ms;
			bad_moved_mV = moved_mV;
		}
	}
	s->stuck_armed = true;
	rep(s, res, DIAG_SENSOR_STUCK, bad == 0, now,
	    "cell %u voltage sensor stuck at %.3f V for %lld s while the other "
	    "cells moved %d mV on average",
	    bad, V(bad ? x->cell_mV[bad - 1] : 0), (long long)(bad_ms / 1000),
	    bad_moved_mV);
}

/* Warnings before their hard tier: a reading past both reports both. */
static void check_cells(struct soa *s, const struct soa_snapshot *x,
			int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	unsigned hi = 0, lo = 0;
	int32_t vmax, vmin, spread;

	if (!x->cell_mV || !extremes(x->cell_mV, x->n_cells, &hi, &lo))
		return;
	vmax = x->cell_mV[hi - 1];
	vmin = x->cell_mV[lo - 1];
	spread = vmax - vmin;
	rep(s, res, DIAG_CELL_OV_WARN, vmax <= l->cell_warn_mV.high, now,
	    "cell %u voltage %.3f V above warning limit %.3f V", hi, V(vmax),
	    V(l->cell_warn_mV.high));
	rep(s, res, DIAG_CELL_OV_HARD, vmax <= l->cell_hard_mV.high, now,
	    "cell %u voltage %.3f V above hard limit %.3f V", hi, V(vmax),
	    V(l->cell_hard_mV.high));
	rep(s, res, DIAG_CELL_UV_WARN, vmin >= l->cell_warn_mV.low, now,
	    "cell %u voltage %.3f V below warning limit %.3f V", lo, V(vmin),
	    V(l->cell_warn_mV.low));
	rep(s, res, DIAG_CELL_UV_HARD, vmin >= l->cell_hard_mV.low, now,
	    "cell %u voltage %.3f V below hard limit %.3f V", lo, V(vmin),
	    V(l->cell_hard_mV.low));
	check_stuck(s, x, now, res);
	/* near empty or full a 1 % capacity spread is hundreds of mV: judge
	 * the spread only where the curve is flat enough to mean imbalance */
	if (l->spread_window_mV.high > 0 &&
	    (vmin < l->spread_window_mV.low || vmax > l->spread_window_mV.high))
		return;
	if (l->spread_warn_mV > 0)
		rep(s, res, DIAG_CELL_SPREAD_WARN, spread <= l->spread_warn_mV,
		    now,
		    "cell spread %d mV (cell %u %.3f V, cell %u %.3f V) above "
		    "warning limit %d mV",
		    spread, hi, V(vmax), lo, V(vmin), l->spread_warn_mV);
	if (l->spread_hard_mV > 0)
		rep(s, res, DIAG_CELL_SPREAD_HARD, spread <= l->spread_hard_mV,
		    now,
		    "cell spread %d mV (cell %u %.3f V, cell %u %.3f V) above "
		    "hard limit %d mV",
		    spread, hi, V(vmax), lo, V(vmin), l->spread_hard_mV);
}

static void check_temps(struct soa *s, const struct soa_snapshot *x,
			int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	unsigned hi = 0, lo = 0;
	int32_t tmax, tmin;

	if (!x->temp_ddegC || !extremes(x->temp_ddegC, x->n_temps, &hi, &lo))
		return;
	tmax = x->temp_ddegC[hi - 1];
	tmin = x->temp_ddegC[lo - 1];
	rep(s, res, DIAG_TEMP_HIGH_WARN, tmax <= l->temp_warn_ddegC.high, now,
	    "probe %u temperature %.1f C above warning limit %.1f C", hi,
	    C(tmax), C(l->temp_warn_ddegC.high));
	rep(s, res, DIAG_TEMP_HIGH_HARD, tmax <= l->temp_hard_ddegC.high, now,
	    "probe %u temperature %.1f C above hard limit %.1f C", hi, C(tmax),
	    C(l->temp_hard_ddegC.high));
	rep(s, res, DIAG_TEMP_LOW_WARN, tmin >= l->temp_warn_ddegC.low, now,
	    "probe %u temperature %.1f C below warning limit %.1f C", lo,
	    C(tmin), C(l->temp_warn_ddegC.low));
	rep(s, res, DIAG_TEMP_LOW_HARD, tmin >= l->temp_hard_ddegC.low, now,
	    "probe %u temperature %.1f C below hard limit %.1f C", lo, C(tmin),
	    C(l->temp_hard_ddegC.low));
}

static void check_mismatch(struct soa *s, const struct soa_snapshot *x,
			   int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	int32_t i = x->current_mA;
	int32_t want = x->output_on ? x->setpoint_mA : 0;
	bool ok = abs(i - want) <= l->mismatch_mA;

	if (l->mismatch_mA <= 0 || x->cv_mode ||
	    now - x->setpoint_t_us < (int64_t)l->mismatch_settle_ms * 1000)
		return;
	if (x->output_on)
		rep(s, res, DIAG_CURRENT_MISMATCH, ok, now,
		    "current %.1f A while the setpoint is %.1f A (tolerance "
		    "%.1f A)",
		    A(i), A(want), A(l->mismatch_mA));
	else
		rep(s, res, DIAG_CURRENT_MISMATCH, ok, now,
		    "current %.1f A with the cycler output off (tolerance "
		    "%.1f A)",
		    A(i), A(l->mismatch_mA));
}

static void check_current(struct soa *s, const struct soa_snapshot *x,
			  int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	int32_t i = x->current_mA;
	int32_t ch = i > 0 ? i : 0, dis = i < 0 ? -i : 0;

	rep(s, res, DIAG_CHARGE_CURRENT_WARN, ch <= l->charge_warn_mA, now,
	    "charge current %.1f A above warning limit %.1f A", A(ch),
	    A(l->charge_warn_mA));
	rep(s, res, DIAG_CHARGE_CURRENT_HARD, ch <= l->charge_hard_mA, now,
	    "charge current %.1f A above hard limit %.1f A", A(ch),
	    A(l->charge_hard_mA));
	rep(s, res, DIAG_DISCHARGE_CURRENT_WARN, dis <= l->discharge_warn_mA,
	    now, "discharge current %.1f A above warning limit %.1f A", A(dis),
	    A(l->discharge_warn_mA));
	rep(s, res, DIAG_DISCHARGE_CURRENT_HARD, dis <= l->discharge_hard_mA,
	    now, "discharge current %.1f A above hard limit %.1f A", A(dis),
	    A(l->discharge_hard_mA));
	if (x->bms_limits_valid) {
		rep(s, res, DIAG_CCL_EXCEEDED,
		    ch <= x->ccl_mA + l->bms_limit_margin_mA, now,
		    "charge current %.1f A above BMS CCL %.1f A", A(ch),
		    A(x->ccl_mA));
		rep(s, res, DIAG_DCL_EXCEEDED,
		    dis <= x->dcl_mA + l->bms_limit_margin_mA, now,
		    "discharge current %.1f A above BMS DCL %.1f A", A(dis),
		    A(x->dcl_mA));
	}
	check_mismatch(s, x, now, res);
}

static void check_pack(struct soa *s, const struct soa_snapshot *x, int64_t now,
		       struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;

	if (x->pack_mV_valid && l->pack_hard_mV.high > 0) {
		rep(s, res, DIAG_PACK_OV_HARD,
		    x->pack_mV <= l->pack_hard_mV.high, now,
		    "pack voltage %.1f V above hard limit %.1f V",
		    V(x->pack_mV), V(l->pack_hard_mV.high));
		rep(s, res, DIAG_PACK_UV_HARD,
		    x->pack_mV >= l->pack_hard_mV.low, now,
		    "pack voltage %.1f V below hard limit %.1f V",
		    V(x->pack_mV), V(l->pack_hard_mV.low));
	}
	if (x->current_valid)
		check_current(s, x, now, res);
}

static void check_timeout(struct soa *s, struct soa_result *res,
			  enum diag_id id, const char *what, int64_t last,
			  int64_t start, uint32_t limit_ms, int64_t now)
{
	int64_t ref = last >= 0 ? last : start;
	int64_t quiet_ms = (now - ref) / 1000;

	if (limit_ms == 0)
		return;
	rep(s, res, id, quiet_ms <= limit_ms, now,
	    "no %s for %lld ms (limit %u ms)", what, (long long)quiet_ms,
	    limit_ms);
}

static const char *contactor_name(enum soa_contactor c)
{
	static const char *const n[] = {"unknown", "open", "precharge",
					"closed", "welded"};

	return (unsigned)c < 5 ? n[c] : "?";
}

/* The time-out runs on every call (it measures its own time); the
 * mismatch counts state frames (fresh: a new one arrived). */
static void check_contactor(struct soa *s, const struct soa_snapshot *x,
			    bool fresh, int64_t now, struct soa_result *res)
{
	const struct soa_limits *l = &s->lim;
	int64_t since_ms = (now - x->contactor_req_t_us) / 1000;
	const char *state = contactor_name(x->contactor);
	bool late, dropped;

	if (x->contactor == SOA_CONTACTOR_UNKNOWN)
		return;
	if (x->contactor_close_req != s->prev_close_req)
		s->contactor_was_closed = false;
	s->prev_close_req = x->contactor_close_req;
	if (x->contactor_close_req)
		late = x->contactor != SOA_CONTACTOR_CLOSED &&
		       !s->contactor_was_closed &&
		       since_ms > (int64_t)l->contactor_timeout_ms;
	else
		late = (x->contactor == SOA_CONTACTOR_CLOSED ||
			x->contactor == SOA_CONTACTOR_PRECHARGE) &&
		       since_ms > (int64_t)l->contactor_timeout_ms;
	rep(s, res, DIAG_CONTACTOR_TIMEOUT, !late, now,
	    "contactors %s %lld ms after the %s request (limit %u ms)", state,
	    (long long)since_ms, x->contactor_close_req ? "close" : "open",
	    l->contactor_timeout_ms);
	dropped = x->contactor_close_req && s->contactor_was_closed &&
		  x->contactor != SOA_CONTACTOR_CLOSED;
	if (x->contactor == SOA_CONTACTOR_CLOSED)
		s->contactor_was_closed = true;
	if (!fresh)
		return;
	if (x->contactor == SOA_CONTACTOR_WELDED)
		rep(s, res, DIAG_CONTACTOR_MISMATCH, false, now,
		    "contactors welded (BMS reports %s)", state);
	else
		rep(s, res, DIAG_CONTACTOR_MISMATCH, !dropped, now,
		    "contactors went %s without an open request", state);
}

/* What the bench itself sees past a warning limit, appended to a BMS
 * fault: the hot probe or the cell the BMS is acting on. */
static void fault_context(const struct soa *s, const struct soa_snapshot *x,
			  char *d, size_t size)
{
	const struct soa_limits *l = &s->lim;
	unsigned hi = 0, lo = 0;
	size_t len = strlen(d);

	if (x->temp_ddegC && extremes(x->temp_ddegC, x->n_temps, &hi, &lo) &&
	    x->temp_ddegC[hi - 1] > l->temp_warn_ddegC.high)
		len += (size_t)snprintf(d + len, size - len,
					" (probe %u at %.1f C)", hi,
					C(x->temp_ddegC[hi - 1]));
	if (len >= size || !x->cell_mV ||
	    !extremes(x->cell_mV, x->n_cells, &hi, &lo))
		return;
	if (x->cell_mV[hi - 1] > l->cell_warn_mV.high)
		snprintf(d + len, size - len, " (cell %u at %.3f V)", hi,
			 V(x->cell_mV[hi - 1]));
	else if (x->cell_mV[lo - 1] < l->cell_warn_mV.low)
		snprintf(d + len, size - len, " (cell %u at %.3f V)", lo,
			 V(x->cell_mV[lo - 1]));
}

static void check_faults(struct soa *s, const struct soa_snapshot *x,
			 int64_t now, struct soa_result *res)
{
	static const enum diag_id ids[] = {DIAG_BMS_FAULT_WARN, DIAG_BMS_FAULT,
					   DIAG_BMS_FAULT_BENCH};
	char d[3][DETAIL_LEN] = {"", "", ""};

	if (!x->fault_active)
		return;
	for (unsigned i = 0; i < x->n_faults; i++) {
		const struct profile_fault *f =
		    s->profile && i < s->profile->n_faults
			? &s->profile->faults[i]
			: NULL;
		enum diag_id row = f ? f->row : DIAG_BMS_FAULT;
		unsigned k = row == DIAG_BMS_FAULT_WARN	   ? 0
			     : row == DIAG_BMS_FAULT_BENCH ? 2
							   : 1;
		size_t len = strlen(d[k]);

		if (!x->fault_active[i])
			continue;
		if (len == 0)
			snprintf(d[k], sizeof(d[k]), "BMS fault signal %s%s",
				 f ? f->signal : "", f ? "" : "(unnamed)");
		else
			snprintf(d[k] + len, sizeof(d[k]) - len, ", %s",
				 f ? f->signal : "(unnamed)");
	}
	for (unsigned k = 0; k < 3; k++) {
		if (d[k][0])
			fault_context(s, x, d[k], sizeof(d[k]));
		rep(s, res, ids[k], d[k][0] == '\0', now, "%s", d[k]);
	}
}

void soa_check(struct soa *s, const struct soa_snapshot *x, int64_t now_us,
	       struct soa_result *res)
{
	bool fresh;

	memset(res, 0, sizeof(*res));
	if (x->operator_stop)
		rep(s, res, DIAG_OPERATOR_STOP, false, now_us,
		    "stop requested by the operator");
	if (x->signal_stop)
		rep(s, res, DIAG_SIGNAL_STOP, false, now_us,
		    "stopped by a signal (SIGINT/SIGTERM): resumable");
	if (!s->seen_cells || x->cells_seq != s->last_cells_seq) {
		s->seen_cells = true;
		s->last_cells_seq = x->cells_seq;
		check_cells(s, x, now_us, res);
	}
	if (!s->seen_temps || x->temps_seq != s->last_temps_seq) {
		s->seen_temps = true;
		s->last_temps_seq = x->temps_seq;
		check_temps(s, x, now_us, res);
	}
	if (!s->seen_pack || x->pack_seq != s->last_pack_seq) {
		s->seen_pack = true;
		s->last_pack_seq = x->pack_seq;
		check_pack(s, x, now_us, res);
	}
	check_timeout(s, res, DIAG_BMS_TIMEOUT, "BMS frame", x->bms_last_us,
		      x->start_us, s->lim.bms_timeout_ms, now_us);
	check_timeout(s, res, DIAG_CYCLER_TIMEOUT, "cycler answer",
		      x->cycler_last_us, x->start_us, s->lim.cycler_timeout_ms,
		      now_us);
	fresh = !s->seen_state || x->state_seq != s->last_state_seq;
	s->seen_state = true;
	s->last_state_seq = x->state_seq;
	/* A BMS opens its contactors in the frame that raises its fault bit:
	 * the fault is the cause, the open contactors its consequence, so
	 * with equal debounce the fault row decides first. */
	if (fresh)
		check_faults(s, x, now_us, res);
	check_contactor(s, x, fresh, now_us, res);
}
