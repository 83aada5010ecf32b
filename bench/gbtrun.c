/* SPDX-License-Identifier: Apache-2.0 */
/* gbtrun.c - a run's GB/T 27930 charge sessions (gbtrun.h). */
#define LOG_PREFIX "gbtrun"
#include "gbtrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/packstate.h"
#include "bench/profile.h"
#include "can/j1939.h"
#include "common/log.h"
#include "common/rc.h"

#define FRESH_US 25000000LL /* BMV, BMT every 10 s, and a margin */
#define MSG_LEN 256

struct gbtrun {
	struct gbtrun_cfg cfg;
	struct gbt_session_cfg scfg;
	struct gbt_session ses;
	struct j1939_msg m;
	bool started;
	enum gbt_state reported; /* the last state recorded as an event */
	enum gbtrun_fault fault;
	char fault_msg[MSG_LEN];
};

/* BST's fault reasons (bytes 2-4); byte 1 is "reached" and the charger */
#define BST_FAULTS 0xFFF0u

static const char *const bst_names[16] = {
    [GBT_BST_SOC_REACHED] = "SOC reached",
    [GBT_BST_VOLTAGE_REACHED] = "total voltage reached",
    [GBT_BST_CELL_VOLTAGE_REACHED] = "cell voltage reached",
    [GBT_BST_CHARGER_STOP] = "charger stopped",
    [GBT_BST_INSULATION] = "insulation fault",
    [GBT_BST_CONNECTOR_OVERTEMP] = "connector over-temperature",
    [GBT_BST_COMPONENT_OVERTEMP] = "BMS component over-temperature",
    [GBT_BST_CONNECTOR_FAULT] = "charging connector fault",
    [GBT_BST_PACK_OVERTEMP] = "pack over-temperature",
    [GBT_BST_RELAY] = "high-voltage relay fault",
    [GBT_BST_CC2] = "CC2 voltage fault",
    [GBT_BST_OTHER_FAULT] = "other fault",
    [GBT_BST_OVERCURRENT] = "over-current",
    [GBT_BST_VOLTAGE_ABNORMAL] = "voltage abnormal",
};

static const char *const bsm_names[GBT_BSM_PERMIT] = {
    [GBT_BSM_CELL_VOLTAGE] = "cell voltage",
    [GBT_BSM_SOC] = "SOC",
    [GBT_BSM_OVERCURRENT] = "over-current",
    [GBT_BSM_OVERTEMP] = "over-temperature",
    [GBT_BSM_INSULATION] = "insulation",
    [GBT_BSM_CONNECTOR] = "connector",
};

static void names(uint16_t set, const char *const *tab, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 16 && n < len; i++)
		if (set & (1u << i) && tab[i])
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "", tab[i]);
}

/* BSM's abnormal statuses in words: 1 = high (or fault), 2 = low */
static void bsm_why(const struct gbt_bsm *b, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < GBT_BSM_PERMIT && n < len; i++) {
		uint8_t v = b->status[i];

		if (v == 1 || (v == 2 && i <= GBT_BSM_SOC))
			n += (size_t)snprintf(buf + n, len - n, "%s%s%s",
					      n ? ", " : "", bsm_names[i],
					      i > GBT_BSM_SOC ? ""
					      : v == 1	      ? " high"
							      : " low");
	}
}

static int send(void *ctx, uint32_t pgn, uint8_t prio, const uint8_t *d,
		size_t len)
{
	struct gbtrun *g = ctx;

	return j1939_send(g->cfg.link, pgn, prio, GBT_ADDR_BMS, d, len);
}

int gbtrun_new(const struct gbtrun_cfg *cfg, struct gbtrun **out)
{
	const struct profile *p = cfg->profile;
	struct gbtrun *g;

	if (!cfg->link) {
		log_err("profile %s speaks GB/T 27930 but no J1939 endpoint "
			"was opened",
			p->model);
		return BENCH_ERR_ARG;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return BENCH_ERR_MEM;
	g->cfg = *cfg;
	/* our output range: the pack's hard window and operating current;
	 * no precharge contactors of our own, so CRO 0xAA at once */
	g->scfg.cml.max_voltage_dV =
	    (uint16_t)(p->cell_high_mV[PROFILE_HARD] * p->series / 100);
	g->scfg.cml.min_voltage_dV =
	    (uint16_t)(p->cell_low_mV[PROFILE_HARD] * p->series / 100);
	g->scfg.cml.max_current_dA =
	    (int16_t) - (p->charge_mA[PROFILE_OP] / 100);
	g->scfg.charger_no = 0xFFFFFFFF;
	g->scfg.auto_ready = true;
	gbt_session_init(&g->ses, &g->scfg, send, g);
	*out = g;
	return BENCH_OK;
}

void gbtrun_free(struct gbtrun *g)
{
	free(g);
}

static bool open_state(enum gbt_state st)
{
	return st != GBT_ST_IDLE && st != GBT_ST_DONE && st != GBT_ST_FAILED;
}

void gbtrun_start(struct gbtrun *g, int64_t t_us)
{
	if (open_state(g->ses.state))
		return;
	gbt_session_init(&g->ses, &g->scfg, send, g);
	gbt_session_start(&g->ses, t_us);
	g->reported = GBT_ST_IDLE;
	g->started = true;
	g->cfg.event(g->cfg.ctx, "info", "bench:GBT_SESSION",
		     "charge session: handshake (CHM)", t_us);
}

void gbtrun_stop(struct gbtrun *g, int64_t t_us)
{
	gbt_session_stop(&g->ses, t_us); /* only an open, running one */
}

enum step_session gbtrun_session(const struct gbtrun *g)
{
	switch (g->ses.state) {
	case GBT_ST_IDLE:
	case GBT_ST_DONE:
	case GBT_ST_FAILED:
		return STEP_SESSION_IDLE;
	case GBT_ST_CHARGING:
		return STEP_SESSION_CHARGING;
	case GBT_ST_STOPPING:
	case GBT_ST_STATISTICS:
		return STEP_SESSION_CLOSING;
	default:
		return STEP_SESSION_OPENING;
	}
}

int32_t gbtrun_volt_max_mV(const struct gbtrun *g)
{
	uint16_t v, i;

	gbt_session_demand(&g->ses, &v, &i);
	return (int32_t)v * 100;
}

bool gbtrun_bms_cv(const struct gbtrun *g)
{
	return g->ses.state == GBT_ST_CHARGING && g->ses.bcl_us &&
	       g->ses.bcl.mode == 1;
}

enum gbtrun_fault gbtrun_fault(const struct gbtrun *g, char *msg, size_t len)
{
	snprintf(msg, len, "%s", g->fault_msg);
	return g->fault;
}

static void set_fault(struct gbtrun *g, enum gbtrun_fault f, const char *msg)
{
	if (g->fault)
		return;
	g->fault = f;
	snprintf(g->fault_msg, sizeof(g->fault_msg), "%s", msg);
}

/* The BMS's values into the pack state, after the session kept them. */
static unsigned absorb(struct gbtrun *g, uint32_t pgn, int64_t t_us)
{
	const struct gbt_session *s = &g->ses;
	const struct profile *p = g->cfg.profile;
	struct packstate *ps = g->cfg.ps;
	unsigned upd = 0;
	char msg[MSG_LEN];

	switch (pgn) {
	case GBT_BCS:
		if (s->bcs_us != t_us)
			break;
		upd |= packstate_put(ps, POLL_ROLE_PACK_V, 0,
				     (int32_t)s->bcs.voltage_dV * 100, t_us, 0);
		upd |=
		    packstate_put(ps, POLL_ROLE_PACK_I, 0,
				  -(int32_t)s->bcs.current_dA * 100, t_us, 0);
		upd |= packstate_put(ps, POLL_ROLE_SOC, 0,
				     (int32_t)s->bcs.soc_pct * 10, t_us, 0);
		if (s->bsm_us && s->bsm.cell_max_no >= 1)
			upd |= packstate_put(
			    ps, POLL_ROLE_CELL_V, s->bsm.cell_max_no - 1u,
			    (int32_t)s->bcs.cell_max_cV * 10, t_us, FRESH_US);
		break;
	case GBT_BSM:
		if (s->bsm_us != t_us)
			break;
		if (s->bsm.temp_max_probe >= 1)
			upd |= packstate_put(
			    ps, POLL_ROLE_TEMP, s->bsm.temp_max_probe - 1u,
			    s->bsm.temp_max_C * 10, t_us, FRESH_US);
		if (s->bsm.temp_min_probe >= 1)
			upd |= packstate_put(
			    ps, POLL_ROLE_TEMP, s->bsm.temp_min_probe - 1u,
			    s->bsm.temp_min_C * 10, t_us, FRESH_US);
		break;
	case GBT_BMV:
		if (s->bmv_us != t_us)
			break;
		if (s->bmv.n != p->series) {
			snprintf(msg, sizeof(msg),
				 "BMV reports %u cells, the profile %s has %u",
				 s->bmv.n, p->model, p->series);
			set_fault(g, GBTRUN_MISMATCH, msg);
			break;
		}
		for (unsigned i = 0; i < s->bmv.n; i++)
			upd |= packstate_put(ps, POLL_ROLE_CELL_V, i,
					     (int32_t)s->bmv.cell_cV[i] * 10,
					     t_us, FRESH_US);
		break;
	case GBT_BMT:
		if (s->bmt_us != t_us)
			break;
		if (s->bmt.n > p->n_probes) {
			snprintf(msg, sizeof(msg),
				 "BMT reports %u probes, the profile %s has %u",
				 s->bmt.n, p->model, p->n_probes);
			set_fault(g, GBTRUN_MISMATCH, msg);
			break;
		}
		for (unsigned i = 0; i < s->bmt.n; i++)
			upd |= packstate_put(ps, POLL_ROLE_TEMP, i,
					     s->bmt.temp_C[i] * 10, t_us,
					     FRESH_US);
		break;
	default:
		break;
	}
	return upd;
}

/* A state change as an event; the end says who stopped and why. */
static void report(struct gbtrun *g, int64_t t_us)
{
	const struct gbt_session *s = &g->ses;
	char msg[MSG_LEN], why[160];

	if (s->state == g->reported)
		return;
	g->reported = s->state;
	switch (s->state) {
	case GBT_ST_RECOGNISED:
		snprintf(msg, sizeof(msg),
			 "charge session: BMS recognised (BRM: battery type "
			 "%u, %.1f Ah, %.1f V, VIN %.17s)",
			 s->brm.battery_type, s->brm.capacity_dAh / 10.0,
			 s->brm.voltage_dV / 10.0, s->brm.vin);
		break;
	case GBT_ST_CONFIG:
		snprintf(msg, sizeof(msg),
			 "charge session: BCP cell %.2f V, pack %.1f V, "
			 "%.1f A, %d C, SOC %.1f %%, at %.1f V",
			 s->bcp.cell_max_cV / 100.0,
			 s->bcp.max_voltage_dV / 10.0,
			 -s->bcp.max_current_dA / 10.0, s->bcp.max_temp_C,
			 s->bcp.soc_permille / 10.0, s->bcp.voltage_dV / 10.0);
		break;
	case GBT_ST_CHARGING:
		snprintf(msg, sizeof(msg), "charge session: charging");
		break;
	case GBT_ST_STOPPING:
		if (s->stop_by == GBT_STOP_BMS) {
			names(s->bst_set, bst_names, why, sizeof(why));
			snprintf(msg, sizeof(msg),
				 "charge session: the BMS stops (BST 0x%04X: "
				 "%s)",
				 s->bst_set, why);
		} else if (s->stop_by == GBT_STOP_BSM) {
			bsm_why(&s->bsm, why, sizeof(why));
			snprintf(msg, sizeof(msg),
				 "charge session: BSM reports a fault (%s): "
				 "stop",
				 why);
		} else {
			snprintf(msg, sizeof(msg),
				 "charge session: stop (CST 0x%04X)",
				 s->cst_set);
		}
		break;
	case GBT_ST_ERROR:
		snprintf(msg, sizeof(msg),
			 "charge session: communication break (CEM 0x%04X, "
			 "BEM 0x%04X): reconnecting",
			 s->cem_set, s->bem_set);
		break;
	case GBT_ST_DONE:
		snprintf(msg, sizeof(msg),
			 "charge session: ended (BSD: SOC %u %%, cells "
			 "%.2f-%.2f V, %d-%d C)",
			 s->bsd.soc_pct, s->bsd.cell_min_cV / 100.0,
			 s->bsd.cell_max_cV / 100.0, s->bsd.temp_min_C,
			 s->bsd.temp_max_C);
		break;
	case GBT_ST_FAILED:
		snprintf(msg, sizeof(msg),
			 "charge session failed (CEM 0x%04X, BEM 0x%04X)",
			 s->cem_set, s->bem_set);
		set_fault(g, GBTRUN_COMM, msg);
		break;
	default:
		return;
	}
	g->cfg.event(g->cfg.ctx,
		     s->state == GBT_ST_ERROR || s->state == GBT_ST_FAILED
			 ? "warning"
			 : "info",
		     "bench:GBT_SESSION", msg, t_us);
	/* a fault of the pack stops the run, a full pack only the charge */
	if (s->state == GBT_ST_STOPPING &&
	    (s->stop_by == GBT_STOP_BSM ||
	     (s->stop_by == GBT_STOP_BMS && (s->bst_set & BST_FAULTS))))
		set_fault(g, GBTRUN_BMS_FAULT, msg);
}

unsigned gbtrun_tick(struct gbtrun *g, int64_t t_us, int32_t out_mV,
		     int32_t out_mA)
{
	unsigned upd = 0;
	uint16_t v_dV, i_dA;
	int n;

	if (!g->started)
		return 0;
	while ((n = j1939_recv(g->cfg.link, &g->m, 0)) == 1) {
		if (g->m.src != GBT_ADDR_BMS)
			continue;
		gbt_session_on_msg(&g->ses, g->m.pgn, g->m.data, g->m.len,
				   t_us);
		upd |= absorb(g, g->m.pgn, t_us);
	}
	gbt_session_set_output(&g->ses,
			       (uint16_t)(out_mV > 0 ? out_mV / 100 : 0),
			       (int16_t)(-out_mA / 100));
	gbt_session_tick(&g->ses, t_us);
	report(g, t_us);
	gbt_session_demand(&g->ses, &v_dV, &i_dA);
	upd |= packstate_put_limits(g->cfg.ps, (int32_t)i_dA * 100, 0);
	return upd;
}
