/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_out.c - what the controller does to the outside: cycler commands
 * and measurements, and the records it logs (samples, steps, events). */
#define LOG_PREFIX "ctl"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/ctl_priv.h"
#include "runfile/h5log.h"
#include "common/log.h"
#include "common/rc.h"

void ctl_note(struct ctl *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->cfg.note)
		c->cfg.note(c->cfg.note_ctx, msg);
	else
		log_info("%s", msg);
}

/* A writer failure (disk full) stops the run safely: the code says so. */
static void log_rc(struct ctl *c, int rc, int64_t t_us)
{
	char msg[DIAG_MSG_LEN];

	if (rc >= 0 || c->log_failed)
		return;
	c->log_failed = true;
	snprintf(msg, sizeof(msg),
		 "run file write failed (%s): stopping safely",
		 bench_strerror(rc));
	log_err("%s", msg);
	ctl_raise(c, t_us, DIAG_LOG_WRITE, msg);
}

void ctl_event(struct ctl *c, int64_t t_us, const char *severity,
	       const char *code, const char *fmt, ...)
{
	struct run_event ev = {.t_s = t_us / 1e6};
	va_list ap;

	snprintf(ev.severity, sizeof(ev.severity), "%s", severity);
	snprintf(ev.code, sizeof(ev.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(ev.message, sizeof(ev.message), fmt, ap);
	va_end(ap);
	if (strcmp(severity, "info"))
		ctl_note(c, "%s %s: %s", severity, code, ev.message);
	/* after a write failure too: the writer keeps the abort and the
	 * safe stop's records in its reserve (bench/h5log.c) */
	if (!c->cfg.log)
		return;
	log_rc(c, h5log_push_event(c->cfg.log, &ev), t_us);
	if (c->cfg.event_tap)
		c->cfg.event_tap(c->cfg.event_tap_ctx, &ev);
}

void ctl_log_step(struct ctl *c, const struct run_step *st)
{
	c->steps_logged++;
	if (c->skip_steps) {
		c->skip_steps--;
		return;
	}
	if (c->cfg.log)
		log_rc(c, h5log_push_step(c->cfg.log, st),
		       (int64_t)(st->end_s * 1e6));
}

/* The BMS's reading stands in for a silent cycler only while the BMS
 * itself still talks: a stale value is unknown, not live. */
static bool bms_fresh(const struct pack_snap *s, int64_t t_us)
{
	return t_us - s->last_frame_us < CTL_FRESH_US;
}

bool ctl_pack_mV(const struct ctl *c, int64_t t_us, int32_t *mV)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	/* With the contactors open the cycler sees its own terminals, not
	 * the pack: the BMS measures inside. */
	bool cycler_sees_pack =
	    !(s->have & PACK_HAVE_CONTACTOR) || s->contactor_closed;

	if (!cycler_sees_pack && (s->have & PACK_HAVE_PACK_V)) {
		*mV = s->pack_mV;
		return true;
	}
	if (c->cycler_last_us >= 0 && t_us - c->cycler_last_us < CTL_FRESH_US &&
	    (c->meas.mask & INSTR_VOLTAGE)) {
		*mV = c->meas.voltage_mV;
		return true;
	}
	if ((s->have & PACK_HAVE_PACK_V) && bms_fresh(s, t_us)) {
		*mV = s->pack_mV;
		return true;
	}
	return false;
}

bool ctl_current_mA(const struct ctl *c, int64_t t_us, int32_t *mA)
{
	const struct pack_snap *s = packstate_snap(c->ps);

	if (c->cycler_last_us >= 0 && t_us - c->cycler_last_us < CTL_FRESH_US &&
	    (c->meas.mask & INSTR_CURRENT)) {
		*mA = c->meas.current_mA;
		return true;
	}
	if ((s->have & PACK_HAVE_PACK_I) && bms_fresh(s, t_us)) {
		*mA = s->pack_mA;
		return true;
	}
	return false;
}

void ctl_log_sample(struct ctl *c, int64_t t_us)
{
	const struct pack_snap *s = packstate_snap(c->ps);
	const struct step_state *st = step_get_state(&c->eng);
	struct run_sample r = {0};
	int32_t mV = 0, mA = 0;
	bool have_v = ctl_pack_mV(c, t_us, &mV);
	bool have_i = ctl_current_mA(c, t_us, &mA);

	c->samples++;
	if (!c->cfg.log)
		return;
	r.test_time_s = t_us / 1e6;
	r.unix_time_s = c->unix_start_s + r.test_time_s;
	r.voltage_V = have_v ? mV / 1000.0f : NAN;
	r.current_A = have_i ? mA / 1000.0f : NAN;
	r.power_W = r.voltage_V * r.current_A;
	r.step_count = st->step_count;
	r.step_index = c->out.step_index;
	r.cycle_count = st->cycle_count;
	r.charge_Ah = st->charge_Ah;
	r.discharge_Ah = st->discharge_Ah;
	r.charge_Wh = st->charge_Wh;
	r.discharge_Wh = st->discharge_Wh;
	r.ambient_C = (float)c->cfg.ambient_C;
	for (unsigned i = 0; i < s->series; i++)
		c->cell_V[i] =
		    s->cell_seen_us[i] ? s->cell_mV[i] / 1000.0f : NAN;
	for (unsigned i = 0; i < s->n_probes; i++)
		c->temp_C[i] =
		    s->temp_seen_us[i] ? s->temp_ddegC[i] / 10.0f : NAN;
	r.cell_voltage_V = c->cell_V;
	r.cell_temperature_C = c->temp_C;
	log_rc(c, h5log_push_sample(c->cfg.log, &r), t_us);
}

/* Instrument calls: a failure is logged once per streak; the cycler check
 * (no answer for cycler_timeout_ms) turns a dead cycler into a safe stop,
 * a refused or garbled command stops at the next tick (ctl_tick: not from
 * here, the abort sequence itself sends commands). */
static void cmd_rc(struct ctl *c, int rc, const char *what)
{
	if (rc < 0 && !c->cmd.failed)
		log_warn("cycler %s failed: %s", what, bench_strerror(rc));
	c->cmd.failed = rc < 0;
	if (rc == BENCH_ERR_PROTO && !c->cmd.refused)
		c->cmd.refused = what;
}

void ctl_cmd_safe_off(struct ctl *c, int64_t t_us)
{
	struct instr *in = c->cfg.cycler;

	/* Always sent, even if we think the output is already off. */
	c->zero_cmd_us = t_us;
	cmd_rc(c, instr_safe_off(in), "safe stop (current 0, output off)");
	if (c->cmd.output_on || c->cmd.current_mA)
		c->cmd.changed_us = t_us;
	c->cmd.valid = true;
	c->cmd.output_on = false;
	c->cmd.mode = STEP_MODE_OFF;
	c->cmd.current_mA = 0;
}

void ctl_cmd_apply(struct ctl *c, const struct step_cmd *cmd, int64_t t_us)
{
	struct instr *in = c->cfg.cycler;
	struct ctl_cmd_state *k = &c->cmd;
	bool on = cmd->output_on && cmd->mode != STEP_MODE_OFF;
	int32_t hi =
	    cmd->mode == STEP_MODE_CV_PACK ? cmd->cv_mV : cmd->volt_high_mV;
	int32_t lo = cmd->volt_low_mV;
	int rc = BENCH_OK;

	if (!on) {
		if (!k->valid || k->output_on)
			ctl_cmd_safe_off(c, t_us);
		return;
	}
	if (!k->valid || !k->output_on || k->volt_high_mV != hi ||
	    k->volt_low_mV != lo) {
		rc = in->ops->set_voltage(in, hi, lo);
		cmd_rc(c, rc, "voltage limits");
		k->volt_high_mV = hi;
		k->volt_low_mV = lo;
	}
	if (!k->valid || !k->output_on || k->current_mA != cmd->current_mA) {
		int rc_i = in->ops->set_current(in, cmd->current_mA);

		cmd_rc(c, rc_i, "current setpoint");
		rc = rc < 0 ? rc : rc_i;
		if (cmd->current_mA == 0)
			c->zero_cmd_us = t_us;
		k->current_mA = cmd->current_mA;
		k->changed_us = t_us;
	}
	/* A limit or setpoint the cycler did not take: its output stays
	 * off (the next tick stops the run, or sends it all again). */
	if (rc < 0 && (!k->valid || !k->output_on)) {
		k->valid = false;
		return;
	}
	if (!k->valid || !k->output_on) {
		cmd_rc(c, in->ops->set_output(in, true), "output on");
		k->changed_us = t_us;
	}
	k->valid = true;
	k->output_on = true;
	k->mode = cmd->mode;
	k->cv_mV = cmd->cv_mV;
}

int ctl_cycler_prepare(struct ctl *c)
{
	struct instr *in = c->cfg.cycler;
	int32_t hi = c->eng.cfg.pack_high_mV, lo = c->eng.cfg.pack_low_mV;
	int rc;

	rc = in->ops->set_output(in, false);
	if (rc >= 0)
		rc = in->ops->set_current(in, 0);
	if (rc >= 0)
		rc = in->ops->set_voltage(in, hi, lo);
	if (rc < 0)
		log_err(
		    "cycler refused output off, zero current or the voltage "
		    "limits %.1f V / %.1f V (%s): run not started",
		    hi / 1000.0, lo / 1000.0, bench_strerror(rc));
	return rc;
}

void ctl_measure(struct ctl *c, int64_t t_us, bool force)
{
	struct instr *in = c->cfg.cycler;
	struct instr_state st = {0};

	if (in->ops->poll)
		in->ops->poll(in, t_us);
	if (!force && t_us < c->next_measure_us)
		return;
	c->next_measure_us = t_us + c->measure_every_us;
	if (in->ops->measure(in, &st) < 0)
		return; /* the cycler check counts the silence */
	c->meas = st;
	c->cycler_last_us = t_us;
	c->pack_seq++;
}
