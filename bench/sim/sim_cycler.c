/* SPDX-License-Identifier: Apache-2.0 */
/* sim_cycler.c - the simulated cycler (bidirectional DC supply): current
 * slew, CV limits on the pack voltage, its own ratings, and a watchdog that
 * turns the output off without commands. Shared by the in-process instr
 * personality (sim_instr.c) and the CAN personality here
 * (fixtures/dbc/sim_cycler.dbc). */
#define LOG_PREFIX "sim-cycler"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "can/canbus.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

#define CYC_SLEW_A_PER_S 100.0
#define CYC_MAX_A 600.0
#define CYC_MAX_V 1000.0
#define CYC_WATCHDOG_US 2500000
#define CYC_STATUS_PERIOD_STEPS 1
#define CYC_IDENT_PERIOD_STEPS 10
#define CYC_MODEL 1 /* VAL_ 1 "SIMCYC-600-300" */

static int need(const struct dbc *db, const struct dbc_msg *m, const char *name,
		const struct dbc_sig **out)
{
	*out = dbc_sig_by_name(m, name);
	if (!*out) {
		log_err("%s: message %s has no signal %s", db->path, m->name,
			name);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int lookup(struct sim_cyc *c)
{
	const struct dbc *db = c->db;

	c->m_cmd = dbc_msg_by_name(db, "CYC_Command");
	c->m_status = dbc_msg_by_name(db, "CYC_Status");
	c->m_ident = dbc_msg_by_name(db, "CYC_Ident");
	if (!c->m_cmd || !c->m_status || !c->m_ident) {
		log_err("%s: needs messages CYC_Command, CYC_Status and "
			"CYC_Ident",
			db->path);
		return BENCH_ERR_ARG;
	}
	TRY(need(db, c->m_cmd, "Cyc_Enable", &c->s_enable));
	TRY(need(db, c->m_cmd, "Cyc_CurrentSet", &c->s_iset));
	TRY(need(db, c->m_cmd, "Cyc_VoltageMax", &c->s_vmax));
	TRY(need(db, c->m_cmd, "Cyc_VoltageMin", &c->s_vmin));
	TRY(need(db, c->m_cmd, "Cyc_Alive", &c->s_alive));
	TRY(need(db, c->m_status, "Cyc_VoltageMeas", &c->s_vmeas));
	TRY(need(db, c->m_status, "Cyc_CurrentMeas", &c->s_imeas));
	TRY(need(db, c->m_status, "Cyc_OutputOn", &c->s_on));
	TRY(need(db, c->m_status, "Cyc_Fault", &c->s_fault));
	TRY(need(db, c->m_status, "Cyc_Mode", &c->s_mode));
	TRY(need(db, c->m_status, "Cyc_StatusAlive", &c->s_salive));
	TRY(need(db, c->m_ident, "Cyc_Model", &c->s_model));
	TRY(need(db, c->m_ident, "Cyc_FwMajor", &c->s_fwmaj));
	TRY(need(db, c->m_ident, "Cyc_FwMinor", &c->s_fwmin));
	TRY(need(db, c->m_ident, "Cyc_Serial", &c->s_serial));
	return BENCH_OK;
}

int sim_cyc_attach(struct sim *s, struct canbus *bus, const char *dbc_path)
{
	struct sim_cyc *c = &s->cyc;
	int rc;

	if (c->db) {
		log_err("CAN cycler already attached to '%s'",
			canbus_name(c->bus));
		return BENCH_ERR_STATE;
	}
	TRY(sim_load_dbc(dbc_path, "fixtures/dbc/sim_cycler.dbc", &c->db));
	rc = lookup(c);
	if (rc < 0) {
		dbc_free(c->db);
		c->db = NULL;
		return rc;
	}
	c->bus = bus;
	c->is_mem = !strncmp(canbus_name(bus), "mem:", 4);
	if (c->is_mem && bus != s->bms.bus)
		canbus_mem_set_clock(bus, &s->clk);
	return BENCH_OK;
}

void sim_cyc_release(struct sim_cyc *c)
{
	dbc_free(c->db);
	c->db = NULL;
}

void sim_cyc_touch(struct sim *s)
{
	s->cyc.last_cmd_us = s->t_us;
}

static void clamp_setpoints(struct sim_cyc *c)
{
	if (c->set_A > CYC_MAX_A)
		c->set_A = CYC_MAX_A;
	if (c->set_A < -CYC_MAX_A)
		c->set_A = -CYC_MAX_A;
	if (c->vmax_V > CYC_MAX_V)
		c->vmax_V = CYC_MAX_V;
	if (c->vmin_V < 0)
		c->vmin_V = 0;
}

void sim_cyc_rx(struct sim *s, const struct canframe *f)
{
	struct sim_cyc *c = &s->cyc;
	bool enable;

	if (!c->db || c->comm_dead)
		return;
	if (f->id == (c->m_ident->id | CANFRAME_RTR)) {
		c->steps = 0; /* answer on the next publish */
		return;
	}
	if (f->id != c->m_cmd->id)
		return;
	enable = cansig_decode(c->s_enable, f->data, f->len) >= 0.5;
	c->set_A = cansig_decode(c->s_iset, f->data, f->len);
	c->vmax_V = cansig_decode(c->s_vmax, f->data, f->len);
	c->vmin_V = cansig_decode(c->s_vmin, f->data, f->len);
	clamp_setpoints(c);
	if (enable && !c->output_on)
		c->fault = false;
	c->output_on = enable;
	sim_cyc_touch(s);
}

double sim_cyc_current(struct sim *s, bool circuit_closed)
{
	struct sim_cyc *c = &s->cyc;
	double target, max_step = CYC_SLEW_A_PER_S * SIM_STEP_US * 1e-6;

	if (c->output_on && s->t_us - c->last_cmd_us > CYC_WATCHDOG_US) {
		log_info("watchdog: no command for %.1f s at %.1f s, output "
			 "off",
			 (s->t_us - c->last_cmd_us) * 1e-6, s->t_us * 1e-6);
		c->output_on = false;
		c->fault = true;
	}
	if (!c->output_on || !circuit_closed) {
		/* the output relay opens at once; an open pack circuit
		 * carries nothing */
		c->actual_A = 0;
		c->mode = 0;
		return 0;
	}
	target = c->set_A;
	c->mode = 1;
	/* CV: the current that puts the terminals on the limit, from the
	 * present terminal voltage and the pack's ohmic resistance */
	double r = s->r0_sum_ohm * cell_r_factor(s->st[0].temp_C);
	double v_rest = s->pack_V - s->current_A * r;
	if (target > 0) {
		double i_cv = (c->vmax_V - v_rest) / r;
		if (i_cv < target) {
			target = i_cv > 0 ? i_cv : 0;
			c->mode = 2;
		}
	} else if (target < 0) {
		double i_cv = (c->vmin_V - v_rest) / r;
		if (i_cv > target) {
			target = i_cv < 0 ? i_cv : 0;
			c->mode = 2;
		}
	}
	if (target > c->actual_A + max_step)
		target = c->actual_A + max_step;
	else if (target < c->actual_A - max_step)
		target = c->actual_A - max_step;
	c->actual_A = target;
	return target;
}

static void send(struct sim *s, const struct dbc_msg *m, const uint8_t *d)
{
	struct canframe f;

	memset(&f, 0, sizeof(f));
	f.id = m->id;
	f.len = m->size;
	memcpy(f.data, d, m->size);
	sim_send(s->cyc.bus, &f);
}

static void put(const struct dbc_sig *sig, uint8_t *d, double phys)
{
	if (phys < sig->min)
		phys = sig->min;
	if (phys > sig->max)
		phys = sig->max;
	cansig_encode(sig, d, 8, phys);
}

void sim_cyc_publish(struct sim *s)
{
	struct sim_cyc *c = &s->cyc;
	bool closed = sim_bms_closed(s);
	uint8_t d[8];

	if (!c->bus || c->comm_dead)
		return;
	if (c->steps % CYC_STATUS_PERIOD_STEPS == 0) {
		memset(d, 0, sizeof(d));
		put(c->s_vmeas, d, closed ? s->pack_V : 0);
		put(c->s_imeas, d, s->current_A);
		put(c->s_on, d, c->output_on);
		put(c->s_fault, d, c->fault);
		put(c->s_mode, d, c->mode);
		put(c->s_salive, d, c->alive);
		c->alive = (c->alive + 1) & 15;
		send(s, c->m_status, d);
	}
	if (c->steps % CYC_IDENT_PERIOD_STEPS == 0) {
		memset(d, 0, sizeof(d));
		put(c->s_model, d, CYC_MODEL);
		put(c->s_fwmaj, d, 1);
		put(c->s_fwmin, d, 0);
		put(c->s_serial, d, (double)(s->cfg.seed & 0xffffffffu));
		send(s, c->m_ident, d);
	}
	c->steps++;
}
