/* SPDX-License-Identifier: Apache-2.0 */
/* ctl.c - the controller core: phases, inputs, safety, step engine. */
#define LOG_PREFIX "ctl"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bms_tx.h"
#include "bench/ctl_priv.h"
#include "bench/gbtrun.h"
#include "runfile/h5log.h"
#include "bench/recipe.h"
#include "common/log.h"
#include "common/rc.h"

/* Step ends sit this far inside a tighter hard cell limit (a recipe
 * `limit` line or the bench file's [limits]): a CV hold regulated on 1 mV
 * readings overshoots by a few mV, and the hard limit watches that. */
#define STEP_GUARD_mV 10

/* The step engine's operating bounds: the profile's, pulled inside the
 * merged hard limits where those are tighter (docs/safety.md: the tighter
 * wins), so a step ends before a recipe's own limit aborts the run. */
static void step_cfg_build(const struct profile *p, const struct soa_limits *l,
			   struct step_cfg *sc)
{
	int32_t hi = l->cell_hard_mV.high - STEP_GUARD_mV;
	int32_t lo = l->cell_hard_mV.low + STEP_GUARD_mV;
	int32_t series = (int32_t)p->series;

	memset(sc, 0, sizeof(*sc));
	sc->rated_capacity_mAh = profile_rated_mAh(p);
	sc->cell_op_low_mV =
	    p->cell_low_mV[PROFILE_OP] > lo ? p->cell_low_mV[PROFILE_OP] : lo;
	sc->cell_op_high_mV =
	    p->cell_high_mV[PROFILE_OP] < hi ? p->cell_high_mV[PROFILE_OP] : hi;
	/* a current hard limit below the operating one: 2 % under it, the
	 * cycler's regulation and the measurement noise */
	sc->charge_max_mA = p->charge_mA[PROFILE_OP];
	if (l->charge_hard_mA < sc->charge_max_mA)
		sc->charge_max_mA = l->charge_hard_mA - l->charge_hard_mA / 50;
	sc->discharge_max_mA = p->discharge_mA[PROFILE_OP];
	if (l->discharge_hard_mA < sc->discharge_max_mA)
		sc->discharge_max_mA =
		    l->discharge_hard_mA - l->discharge_hard_mA / 50;
	/* The cycler's compliance sits at the pack's warning limits (the
	 * cells' own limits end steps long before), inside a pack limit. */
	sc->pack_high_mV = l->cell_warn_mV.high * series;
	sc->pack_low_mV = l->cell_warn_mV.low * series;
	if (l->pack_hard_mV.high > 0) {
		if (l->pack_hard_mV.high - STEP_GUARD_mV < sc->pack_high_mV)
			sc->pack_high_mV = l->pack_hard_mV.high - STEP_GUARD_mV;
		if (l->pack_hard_mV.low + STEP_GUARD_mV > sc->pack_low_mV)
			sc->pack_low_mV = l->pack_hard_mV.low + STEP_GUARD_mV;
	}
}

static void on_poll_event(void *ctx, enum pollrun_ev kind, unsigned ecu,
			  const char *code, const char *msg, int64_t t_us);

/* The profile's polls, through the caller's endpoints. */
static int poll_new(struct ctl *c)
{
	const struct profile *p = c->cfg.profile;
	uint32_t id;

	c->has_broadcast = packstate_ids(c->ps, &id, 1) > 0;
	if (!p->poll.n_polls)
		return BENCH_OK;
	if (!c->cfg.poll_links) {
		log_err("profile %s polls its pack but no ISO-TP link was "
			"opened",
			p->model);
		return BENCH_ERR_ARG;
	}
	return pollrun_new(&p->poll, c->cfg.poll_links, c->ps, on_poll_event, c,
			   &c->poll);
}

static void on_gbt_event(void *ctx, const char *sev, const char *code,
			 const char *msg, int64_t t_us)
{
	struct ctl *c = ctx;

	ctl_event(c, t_us, sev, code, "%s", msg);
	if (!strcmp(sev, "info")) /* ctl_event shows the others */
		ctl_note(c, "%s", msg);
}

/* A GB/T pack's charge sessions, on the caller's J1939 endpoint. */
static int gbt_new(struct ctl *c)
{
	struct gbtrun_cfg g = {.link = c->cfg.gbt_link,
			       .profile = c->cfg.profile,
			       .ps = c->ps,
			       .event = on_gbt_event,
			       .ctx = c};

	if (!c->cfg.profile->gbt)
		return BENCH_OK;
	return gbtrun_new(&g, &c->gbt);
}

int ctl_new(const struct ctl_cfg *cfg, struct ctl **out)
{
	const struct recipe_limits *extra[2];
	struct packstate_map map;
	struct step_cfg sc;
	struct ctl *c;
	unsigned n_extra = 0;
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return BENCH_ERR_MEM;
	c->cfg = *cfg;
	packstate_map_from_profile(cfg->profile, &map);
	rc = packstate_new(cfg->bms_dbc, &map, &c->ps);
	if (rc < 0)
		goto fail;
	rc = poll_new(c);
	if (rc < 0)
		goto fail;
	rc = gbt_new(c);
	if (rc < 0)
		goto fail;
	rc = ctl_veh_new(c);
	if (rc < 0)
		goto fail;
	c->cell_V = calloc(cfg->profile->series, sizeof(float));
	c->temp_C = calloc(cfg->profile->n_probes + 1, sizeof(float));
	if (!c->cell_V || !c->temp_C) {
		rc = BENCH_ERR_MEM;
		log_err("out of memory");
		goto fail;
	}
	extra[n_extra++] = &cfg->recipe->limits;
	if (cfg->bench_limits)
		extra[n_extra++] = cfg->bench_limits;
	soa_limits_build(&c->lim, cfg->profile, extra, n_extra);
	soa_init(&c->soa, &c->lim, cfg->profile);
	step_cfg_build(cfg->profile, &c->lim, &sc);
	rc = step_init(&c->eng, cfg->recipe, &sc);
	if (rc < 0)
		goto fail;
	c->measure_every_us =
	    (int64_t)(cfg->measure_every_ms ? cfg->measure_every_ms : 100) *
	    1000;
	c->cycler_last_us = -1;
	c->start_us = -1;
	c->zero_cmd_us = -1;
	c->contactor_req_us = 0;
	c->bus_state = CANBUS_ACTIVE;
	c->unix_start_s = NAN;
	*out = c;
	return BENCH_OK;
fail:
	ctl_free(c);
	return rc;
}

void ctl_free(struct ctl *c)
{
	if (!c)
		return;
	pollrun_free(c->poll);
	gbtrun_free(c->gbt);
	ctl_veh_free(c);
	packstate_free(c->ps);
	free(c->cell_V);
	free(c->temp_C);
	free(c);
}

void ctl_attach_log(struct ctl *c, struct h5log *log, uint32_t file_steps)
{
	c->cfg.log = log;
	c->skip_steps = file_steps > c->steps_logged
			    ? file_steps - (uint32_t)c->steps_logged
			    : 0;
}

void ctl_set_unix_start(struct ctl *c, double unix_start_s)
{
	c->unix_start_s = unix_start_s;
}

static enum soa_contactor contactor_of(const struct ctl *c)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	const struct profile *p = c->cfg.profile;

	if (!(s->have & PACK_HAVE_CONTACTOR))
		return SOA_CONTACTOR_UNKNOWN;
	if (s->contactor_raw == p->contactor_closed)
		return SOA_CONTACTOR_CLOSED;
	if (s->contactor_raw == p->contactor_open)
		return SOA_CONTACTOR_OPEN;
	if (p->contactor_welded >= 0 && s->contactor_raw == p->contactor_welded)
		return SOA_CONTACTOR_WELDED;
	return SOA_CONTACTOR_PRECHARGE;
}

static void snapshot(struct ctl *c, int64_t t_us, struct soa_snapshot *n)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	int32_t v;

	memset(n, 0, sizeof(*n));
	n->cells_seq = s->cell_set_seq;
	n->n_cells = (s->have & PACK_HAVE_CELLS) ? s->series : 0;
	n->cell_mV = s->cell_mV;
	n->temps_seq = s->temp_set_seq;
	n->n_temps = (s->have & PACK_HAVE_TEMPS) ? s->n_probes : 0;
	n->temp_ddegC = s->temp_ddegC;
	n->pack_seq = c->pack_seq;
	n->pack_mV_valid = ctl_pack_mV(c, t_us, &v);
	n->pack_mV = v;
	n->current_valid = ctl_current_mA(c, t_us, &v);
	n->current_mA = v;
	n->bms_limits_valid =
	    (s->have & PACK_HAVE_CCL) && (s->have & PACK_HAVE_DCL);
	n->ccl_mA = s->ccl_mA;
	n->dcl_mA = s->dcl_mA;
	n->bms_last_us = s->frames ? s->last_frame_us : -1;
	/* a pack without broadcast frames is watched by its polls instead
	 * (POLL_SILENT, POLL_STALE) */
	if (!c->has_broadcast && s->last_poll_us)
		n->bms_last_us = t_us;
	/* a GB/T pack speaks only in a session, whose own timeouts watch
	 * it (a session that fails stops the run) */
	if (c->gbt)
		n->bms_last_us = t_us;
	n->cycler_last_us = c->cycler_last_us;
	n->start_us = c->start_us;
	n->output_on = c->cmd.output_on;
	n->setpoint_mA = c->cmd.current_mA;
	n->setpoint_t_us = c->cmd.changed_us;
	n->cv_mode = c->cmd.mode == STEP_MODE_CV_PACK ||
		     (c->out.step && c->out.step->kind == RECIPE_HOLD_CELL) ||
		     (c->gbt && gbtrun_bms_cv(c->gbt));
	n->state_seq = c->state_seq;
	n->contactor_close_req =
	    bms_tx_contactor_requested(c->cfg.bms_tx) || c->veh_close_req;
	n->contactor_req_t_us = c->contactor_req_us;
	n->contactor = contactor_of(c);
	for (unsigned i = 0; i < s->n_faults; i++)
		c->fault_active[i] = s->faults & (1u << i);
	n->n_faults = s->n_faults;
	n->fault_active = c->fault_active;
	n->operator_stop = c->operator_stop;
	n->signal_stop = c->signal_stop;
}

/* Run the checks; record warnings, start the abort sequence on an abort. */
static void check(struct ctl *c, int64_t t_us)
{
	struct soa_snapshot snap;
	struct soa_result res;

	if (c->phase >= CTL_SAFING)
		return;
	snapshot(c, t_us, &snap);
	soa_check(&c->soa, &snap, t_us, &res);
	for (unsigned i = 0; i < res.n_events; i++) {
		const struct diag_event *ev = &res.events[i];

		if (ev->severity == DIAG_SEV_ABORT)
			continue;
		ctl_event(c, t_us, "warning", ev->full_code, "%s", ev->message);
	}
	if (res.reaction == DIAG_REACT_ABORT)
		ctl_abort(c, t_us, diag_abort_event(&c->soa.diag));
}

void ctl_raise(struct ctl *c, int64_t t_us, enum diag_id id,
	       const char *message)
{
	struct diag_event ev;

	if (c->phase >= CTL_SAFING)
		return;
	switch (diag_report(&c->soa.diag, id, false, t_us, message, &ev)) {
	case DIAG_REACT_ABORT:
		ctl_abort(c, t_us, &ev);
		break;
	case DIAG_REACT_WARN:
		ctl_event(c, t_us, "warning", ev.full_code, "%s", ev.message);
		break;
	case DIAG_REACT_NONE:
		break;
	}
}

void ctl_abort(struct ctl *c, int64_t t_us, const struct diag_event *ev)
{
	int32_t mV = 0;

	if (c->phase >= CTL_SAFING)
		return;
	/* The order matters: no current, no output, contactors open; only
	 * then the paperwork. */
	ctl_cmd_safe_off(c, t_us);
	bms_tx_set_contactor(c->cfg.bms_tx, false, t_us);
	ctl_veh_open(c, t_us);
	c->contactor_req_us = t_us;
	c->phase = CTL_SAFING;
	c->safing_start_us = t_us;
	c->end =
	    ev->id == DIAG_SIGNAL_STOP ? CTL_END_INTERRUPTED : CTL_END_ABORTED;
	snprintf(c->end_code, sizeof(c->end_code), "%s", ev->full_code);
	snprintf(c->end_reason, sizeof(c->end_reason), "%s: %s", ev->full_code,
		 ev->message);
	ctl_event(c, t_us, "abort", ev->full_code, "%s", ev->message);
	if (c->eng_started && c->out.step) {
		ctl_pack_mV(c, t_us, &mV);
		step_stop(&c->eng, t_us, mV, ev->full_code, &c->out);
		if (c->out.ended)
			ctl_log_step(c, &c->out.ended_step);
	}
}

void ctl_fail(struct ctl *c, const char *message)
{
	ctl_raise(c, c->now_us, DIAG_LOOP_ERROR, message);
	if (c->phase == CTL_DONE)
		return;
	ctl_measure(c, c->now_us, true);
	ctl_log_sample(c, c->now_us);
	if (c->cfg.log && !c->log_failed)
		h5log_flush(c->cfg.log);
	c->phase = CTL_DONE;
}

static void finish(struct ctl *c, int64_t t_us)
{
	ctl_cmd_safe_off(c, t_us);
	bms_tx_set_contactor(c->cfg.bms_tx, false, t_us);
	ctl_veh_open(c, t_us);
	c->contactor_req_us = t_us;
	c->phase = CTL_SAFING;
	c->safing_start_us = t_us;
	c->end = CTL_END_COMPLETE;
	snprintf(c->end_reason, sizeof(c->end_reason),
		 "recipe complete after %u steps",
		 step_get_state(&c->eng)->step_count);
	ctl_event(c, t_us, "info", "bench:COMPLETE", "%s", c->end_reason);
	ctl_note(c, "%s", c->end_reason);
}

static void absorb(struct ctl *c, unsigned upd, int64_t t_us);

void ctl_on_frame(struct ctl *c, const struct canframe *f, int64_t t_us)
{
	unsigned upd;

	if (c->start_us < 0)
		c->start_us = t_us;
	c->now_us = t_us;
	if (c->cfg.cycler->ops->rx_frame &&
	    instr_rx_frame(c->cfg.cycler, f, t_us) > 0)
		return;
	upd = packstate_on_frame(c->ps, f, t_us);
	if (!upd)
		return;
	if (c->bus_state == CANBUS_OFF)
		ctl_on_bus_state(c, CANBUS_ACTIVE, t_us);
	absorb(c, upd, t_us);
}

/* What a frame or a poll reply changed: sequence numbers, then the checks
 * (at once, as for every input). */
static void absorb(struct ctl *c, unsigned upd, int64_t t_us)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	bool fresh = false;

	if (upd & PACK_UPD_PACK)
		c->pack_seq++;
	if (upd & PACK_UPD_STATE)
		c->state_seq++;
	if (s->cell_set_seq != c->last_cell_set) {
		c->last_cell_set = s->cell_set_seq;
		c->cells_t_us = t_us;
		fresh = true;
	}
	if (s->temp_set_seq != c->last_temp_set) {
		c->last_temp_set = s->temp_set_seq;
		fresh = true;
	}
	/* A cell or probe reading is checked with its complete set (one
	 * BMS burst): the frames before it change nothing the checks see. */
	if (fresh || (upd & ~(PACK_UPD_CELL_V | PACK_UPD_TEMP)))
		check(c, t_us);
}

void ctl_on_bus_state(struct ctl *c, enum canbus_state s, int64_t t_us)
{
	if (s == c->bus_state)
		return;
	c->bus_state = s;
	switch (s) {
	case CANBUS_ACTIVE:
		ctl_event(c, t_us, "info", "bench:BUS_RESTARTED",
			  "BMS bus active again");
		break;
	case CANBUS_OFF:
		if (!c->cfg.bus_restart_ms) {
			ctl_raise(c, t_us, DIAG_BUS_OFF,
				  "BMS bus off and no automatic restart "
				  "configured (bench file [bms] restart_ms)");
			break;
		}
		/* The heartbeat check stops the run if it does not return. */
		ctl_event(c, t_us, "warning", "bench:BUS_OFF",
			  "BMS bus off: waiting for the automatic restart "
			  "(restart_ms %u)",
			  c->cfg.bus_restart_ms);
		break;
	default:
		ctl_event(c, t_us, "warning", "bench:BUS_STATE",
			  "BMS bus error state: %s", canbus_state_name(s));
		break;
	}
	ctl_can_status(c);
}

void ctl_request_stop(struct ctl *c, bool from_signal)
{
	if (from_signal)
		c->signal_stop = true;
	else
		c->operator_stop = true;
}

void ctl_fill_meas(struct ctl *c, int64_t t_us, struct step_meas *m)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	int lo, hi, tmax;
	int32_t v;

	memset(m, 0, sizeof(*m));
	ctl_pack_mV(c, t_us, &v);
	m->pack_mV = v;
	v = 0;
	ctl_current_mA(c, t_us, &v);
	m->current_mA = v;
	pack_snap_cell_minmax(s, &lo, &hi);
	m->cells_valid = (s->have & PACK_HAVE_CELLS) && lo >= 0;
	if (m->cells_valid) {
		m->min_cell_mV = s->cell_mV[lo];
		m->max_cell_mV = s->cell_mV[hi];
		m->min_cell = (uint16_t)(lo + 1);
		m->max_cell = (uint16_t)(hi + 1);
		m->cells_t_us = c->cells_t_us;
	}
	tmax = pack_snap_temp_max(s);
	m->temps_valid = tmax >= 0;
	if (tmax >= 0) {
		m->max_temp_ddegC = s->temp_ddegC[tmax];
		m->max_temp_probe = (uint16_t)(tmax + 1);
	}
	m->bms_limits_valid =
	    (s->have & PACK_HAVE_CCL) && (s->have & PACK_HAVE_DCL);
	m->ccl_mA = s->ccl_mA;
	m->dcl_mA = s->dcl_mA;
	if (c->gbt) {
		m->session = gbtrun_session(c->gbt);
		m->bms_volt_max_mV = gbtrun_volt_max_mV(c->gbt);
	}
}

static void run_step_engine(struct ctl *c, int64_t t_us)
{
	struct step_meas m;
	const struct step_out *o = &c->out;
	bool log_now;

	ctl_fill_meas(c, t_us, &m);
	if (step_tick(&c->eng, t_us, &m, &c->out) < 0)
		return;
	c->eng_started = true;
	if (o->ended) {
		ctl_log_step(c, &o->ended_step);
		ctl_note(c, "step %u (line %u) ended: %s",
			 o->ended_step.step_count, o->ended_step.step_index,
			 o->ended_step.end_reason);
	}
	if (o->complete) {
		ctl_log_sample(c, t_us);
		finish(c, t_us);
		return;
	}
	if (o->started && c->gbt && o->step->kind == RECIPE_SESSION_START)
		gbtrun_start(c->gbt, t_us);
	if (o->started && c->gbt && o->step->kind == RECIPE_SESSION_END)
		gbtrun_stop(c->gbt, t_us);
	if (o->started) {
		recipe_line_text(c->cfg.recipe->text, o->step_index,
				 c->step_text, sizeof(c->step_text));
		ctl_note(c, "step %u (line %u): %s", o->step_count,
			 o->step_index, c->step_text);
	}
	if (o->clamp_started)
		ctl_event(c, t_us, "info", "bench:CURRENT_CLAMPED",
			  "setpoint %.1f A clamped to %.1f A by %s (reported "
			  "once per step)",
			  o->cmd.requested_mA / 1000.0,
			  o->cmd.current_mA / 1000.0,
			  o->cmd.clamp_by == STEP_CLAMP_BMS
			      ? "the BMS's current limit (CCL/DCL)"
			      : "the profile's operating current");
	ctl_cmd_apply(c, &o->cmd, t_us);
	log_now = o->started || o->ended || t_us >= c->next_log_us;
	if (log_now) {
		ctl_log_sample(c, t_us);
		c->next_log_us = t_us + (int64_t)o->log_interval_ms * 1000;
	}
}

static void on_poll_event(void *ctx, enum pollrun_ev kind, unsigned ecu,
			  const char *code, const char *msg, int64_t t_us)
{
	struct ctl *c = ctx;
	struct diag_event ev;

	(void)ecu;
	if (kind == POLLRUN_OK) {
		c->poll_warned = 0;
		diag_report(&c->soa.diag, DIAG_POLL_SILENT, true, t_us, "",
			    &ev);
		return;
	}
	/* once per kind until the pack answers again: a pack that refuses
	 * one poll every 10 s all night is one event, not thousands */
	if (!(c->poll_warned & (1u << kind))) {
		c->poll_warned |= 1u << kind;
		ctl_event(c, t_us, "warning", code, "%s", msg);
	}
	if (kind == POLLRUN_TIMEOUT)
		ctl_raise(c, t_us, DIAG_POLL_SILENT, msg);
}

/* The session's messages in, the BMS's values checked at once; a fault
 * of the pack or a failed session stops the run. */
static void gbt_tick(struct ctl *c, int64_t t_us)
{
	char msg[DIAG_MSG_LEN];
	int32_t mV = 0, mA = 0;
	unsigned upd;

	if (!c->gbt)
		return;
	ctl_pack_mV(c, t_us, &mV);
	ctl_current_mA(c, t_us, &mA);
	upd = gbtrun_tick(c->gbt, t_us, mV, mA);
	if (upd)
		absorb(c, upd, t_us);
	switch (gbtrun_fault(c->gbt, msg, sizeof(msg))) {
	case GBTRUN_BMS_FAULT:
		ctl_raise(c, t_us, DIAG_BMS_FAULT, msg);
		break;
	case GBTRUN_COMM:
		ctl_raise(c, t_us, DIAG_BMS_TIMEOUT, msg);
		break;
	case GBTRUN_MISMATCH:
		ctl_raise(c, t_us, DIAG_BMS_FAULT_BENCH, msg);
		break;
	case GBTRUN_OK:
		break;
	}
	/* an abort or the end closes the session (CST) */
	if (c->phase >= CTL_SAFING)
		gbtrun_stop(c->gbt, t_us);
}

/* The bench state the polls' periods are chosen by. */
static enum poller_state poll_state(const struct ctl *c)
{
	if (c->phase != CTL_RUNNING || !c->cmd.output_on ||
	    c->cmd.current_mA == 0)
		return POLLER_IDLE;
	return c->cmd.current_mA > 0 ? POLLER_CHARGING : POLLER_DISCHARGING;
}

/* Polls: replies in, due requests out; a polled reading too old while
 * the contactors are (being) closed stops the run. */
static void poll_tick(struct ctl *c, int64_t t_us)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	unsigned upd, idx;
	bool probe;
	char msg[DIAG_MSG_LEN];

	if (!c->poll || c->phase >= CTL_SAFING)
		return;
	upd = pollrun_tick(c->poll, poll_state(c), t_us);
	if (upd)
		absorb(c, upd, t_us);
	/* a pack that refuses or garbles every answer for a cell would keep
	 * the run waiting for the BMS for ever */
	if (c->phase == CTL_WAIT_BMS &&
	    t_us - c->start_us > poll_set_fresh_us(&c->cfg.profile->poll)) {
		for (idx = 0; idx < s->series && s->cell_seen_us[idx]; idx++)
			;
		if (idx < s->series) {
			snprintf(msg, sizeof(msg),
				 "cell %u never read in %.1f s (polled: "
				 "sweep %.1f s + margin)",
				 idx + 1, (t_us - c->start_us) / 1e6,
				 c->cfg.profile->poll.sweep_period_ms / 1000.0);
			ctl_raise(c, t_us, DIAG_POLL_STALE, msg);
			return;
		}
	}
	if (c->phase < CTL_CLOSING || !pack_snap_stale(s, t_us, &idx, &probe))
		return;
	snprintf(
	    msg, sizeof(msg),
	    "%s %u read %.1f s ago, fresh for %.1f s (polled: sweep "
	    "%.1f s + margin)",
	    probe ? "probe" : "cell", idx + 1,
	    (t_us - (probe ? s->temp_seen_us[idx] : s->cell_seen_us[idx])) /
		1e6,
	    (probe ? s->temp_fresh_us[idx] : s->cell_fresh_us[idx]) / 1e6,
	    c->cfg.profile->poll.sweep_period_ms / 1000.0);
	ctl_raise(c, t_us, DIAG_POLL_STALE, msg);
}

static bool bms_ready(const struct ctl *c)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	const struct profile *p = c->cfg.profile;

	if (c->gbt) /* it speaks once the recipe starts a session */
		return true;
	if (!(s->have & PACK_HAVE_CELLS))
		return false;
	if (p->pack_current[0] && !(s->have & PACK_HAVE_PACK_I))
		return false;
	if (p->contactor_state[0] && !(s->have & PACK_HAVE_CONTACTOR))
		return false;
	return true;
}

/* The cycler said no (SYST:ERR? reported an error) or answered nonsense to
 * a command: its output is not what the recipe asked for. */
static void cycler_refused(struct ctl *c, int64_t t_us)
{
	char msg[DIAG_MSG_LEN];

	snprintf(msg, sizeof(msg),
		 "cycler refused or garbled the %s command: stopping safely",
		 c->cmd.refused);
	log_err("%s", msg);
	ctl_raise(c, t_us, DIAG_CYCLER_ERROR, msg);
}

static void safing_tick(struct ctl *c, int64_t t_us)
{
	int32_t mA;
	bool zero = ctl_current_mA(c, t_us, &mA) && labs(mA) <= CTL_ZERO_mA;

	/* the open sequence plays to its end before the run is over, and a
	 * charge session to its statistics */
	if (ctl_veh_busy(c))
		return;
	if (c->gbt && gbtrun_session(c->gbt) != STEP_SESSION_IDLE &&
	    t_us - c->safing_start_us < CTL_SAFING_MAX_US)
		return;
	if (!zero && t_us - c->safing_start_us < CTL_SAFING_MAX_US)
		return;
	if (!zero)
		ctl_event(c, t_us, "warning", "bench:CURRENT_NOT_ZERO",
			  "current did not read zero within %lld s after the "
			  "output was switched off",
			  (long long)(CTL_SAFING_MAX_US / 1000000));
	ctl_log_sample(c, t_us);
	if (c->cfg.log && !c->log_failed)
		h5log_flush(c->cfg.log);
	c->phase = CTL_DONE;
}

void ctl_tick(struct ctl *c, int64_t t_us)
{
	if (c->phase == CTL_DONE)
		return;
	if (c->start_us < 0)
		c->start_us = t_us;
	c->now_us = t_us;
	ctl_measure(c, t_us, c->phase == CTL_SAFING);
	bms_tx_poll(c->cfg.bms_tx, t_us);
	ctl_veh_tick(c, t_us);
	poll_tick(c, t_us);
	gbt_tick(c, t_us);
	check(c, t_us);
	if (c->cmd.refused && c->phase < CTL_SAFING)
		cycler_refused(c, t_us);
	switch (c->phase) {
	case CTL_WAIT_BMS:
		if (!bms_ready(c))
			break;
		if (ctl_veh_closes(c)) {
			/* the profile's sequence replaces the [bench_tx]
			 * request */
			ctl_note(c, "BMS ready: closing contactors "
				    "([contactor_close])");
			ctl_veh_close(c, t_us);
			c->contactor_req_us = t_us;
			c->phase = CTL_CLOSING;
		} else if (c->cfg.bms_tx &&
			   c->cfg.profile->contactor_state[0]) {
			ctl_note(c, "BMS ready: closing contactors");
			bms_tx_set_contactor(c->cfg.bms_tx, true, t_us);
			c->contactor_req_us = t_us;
			c->phase = CTL_CLOSING;
		} else {
			c->phase = CTL_RUNNING;
		}
		break;
	case CTL_CLOSING:
		/* without feedback the close sequence's end is all we know */
		if ((!c->cfg.profile->contactor_state[0] ||
		     contactor_of(c) == SOA_CONTACTOR_CLOSED) &&
		    !ctl_veh_busy(c)) {
			ctl_note(c, "contactors closed");
			c->phase = CTL_RUNNING;
		}
		break;
	case CTL_RUNNING:
		run_step_engine(c, t_us);
		break;
	case CTL_SAFING:
		safing_tick(c, t_us);
		break;
	case CTL_DONE:
		break;
	}
}

int ctl_resume_at(struct ctl *c, const struct ctl_resume_point *p, int64_t t_us)
{
	struct step_state saved = *step_get_state(&c->eng);

	saved.step_start_us = (int64_t)(p->step_start_s * 1e6);
	saved.step_elapsed_us = t_us - saved.step_start_us;
	saved.step_charge_Ah = p->step_charge_Ah;
	saved.step_discharge_Ah = p->step_discharge_Ah;
	saved.step_charge_Wh = p->step_charge_Wh;
	saved.step_discharge_Wh = p->step_discharge_Wh;
	saved.charge_Ah = p->charge_Ah;
	saved.discharge_Ah = p->discharge_Ah;
	saved.charge_Wh = p->charge_Wh;
	saved.discharge_Wh = p->discharge_Wh;
	TRY(step_resume(&c->eng, p->step_count, p->step_index, &saved, t_us));
	c->eng_started = true;
	c->out.step_index = p->step_index;
	recipe_line_text(c->cfg.recipe->text, p->step_index, c->step_text,
			 sizeof(c->step_text));
	return BENCH_OK;
}

enum ctl_phase ctl_phase(const struct ctl *c)
{
	return c->phase;
}

bool ctl_done(const struct ctl *c)
{
	return c->phase == CTL_DONE;
}

enum ctl_end ctl_end(const struct ctl *c)
{
	return c->end;
}

const char *ctl_end_status(const struct ctl *c)
{
	switch (c->end) {
	case CTL_END_COMPLETE:
		return "complete";
	case CTL_END_INTERRUPTED:
		return "interrupted";
	default:
		return "aborted";
	}
}

const char *ctl_end_reason(const struct ctl *c)
{
	return c->end_reason;
}

const char *ctl_end_code(const struct ctl *c)
{
	return c->end_code;
}

uint64_t ctl_samples(const struct ctl *c)
{
	return c->samples;
}

int64_t ctl_zero_cmd_us(const struct ctl *c)
{
	return c->zero_cmd_us;
}

void ctl_status(const struct ctl *c, struct run_status *st)
{
	static const char *const phase_names[] = {
	    "waiting_bms", "closing", "running", "stopping", "",
	};
	const struct pack_snap *s = packstate_snap(c->ps);
	const struct step_state *ss = step_get_state(&c->eng);
	int lo, hi, tmax;
	int32_t v;
	int64_t t = c->now_us;

	memset(st, 0, sizeof(*st));
	snprintf(st->pack_id, sizeof(st->pack_id), "%s", c->cfg.pack_id);
	snprintf(st->state, sizeof(st->state), "%s",
		 c->phase == CTL_DONE ? ctl_end_status(c)
				      : phase_names[c->phase]);
	st->step_line = c->out.step ? c->out.step_index : 0;
	snprintf(st->step_text, sizeof(st->step_text), "%s", c->step_text);
	st->step_count = ss->step_count;
	st->cycle_count = ss->cycle_count;
	st->test_s = t / 1e6;
	st->pack_V = ctl_pack_mV(c, t, &v) ? v / 1000.0 : NAN;
	st->pack_A = ctl_current_mA(c, t, &v) ? v / 1000.0 : NAN;
	st->have_soc = s->have & PACK_HAVE_SOC;
	st->soc_pct = s->soc_permille / 10.0;
	pack_snap_cell_minmax(s, &lo, &hi);
	if (lo >= 0) {
		st->min_cell = lo + 1;
		st->max_cell = hi + 1;
		st->min_cell_V = s->cell_mV[lo] / 1000.0;
		st->max_cell_V = s->cell_mV[hi] / 1000.0;
	}
	tmax = pack_snap_temp_max(s);
	st->max_probe = tmax + 1;
	st->max_temp_C = tmax >= 0 ? s->temp_ddegC[tmax] / 10.0 : NAN;
	st->charge_Ah = ss->charge_Ah;
	st->discharge_Ah = ss->discharge_Ah;
}
