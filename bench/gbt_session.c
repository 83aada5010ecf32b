/* SPDX-License-Identifier: Apache-2.0 */
/* gbt_session.c - the charger's GB/T 27930 state machine (see
 * gbt_session.h, docs/gbt27930.md). */
#define LOG_PREFIX "gbt"
#include "gbt_session.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"

#define S_US 1000000LL
#define T_BHM_US (5 * S_US)
#define T_BRM_US (5 * S_US)
#define T_BCP_US (5 * S_US)
#define T_BRO_US (5 * S_US)
#define T_BRO_AA_US (60 * S_US)
#define T_BCL_US (1 * S_US)
#define T_BCS_US (5 * S_US)
#define T_BST_US (5 * S_US)
#define T_BSD_US (10 * S_US)
#define T_ERROR_US (3500000LL)
#define T_PAUSE_US (600 * S_US)
#define T_SOC_FULL_US (120 * S_US)
#define MAX_RECONNECTS 3
#define CSD_COUNT 6

/* what the charger sends in each stage, and how often */
/* clang-format off */
static const struct {
	enum gbt_state st;
	uint32_t pgn;
	uint32_t period_ms;
} sched[] = {
	{GBT_ST_HANDSHAKE, GBT_CHM, 250},
	{GBT_ST_RECOGNITION, GBT_CRM, 250},
	{GBT_ST_RECOGNISED, GBT_CRM, 250},
	{GBT_ST_CONFIG, GBT_CTS, 500},
	{GBT_ST_CONFIG, GBT_CML, 250},
	{GBT_ST_PRECHARGE, GBT_CRO, 250},
	{GBT_ST_CHARGING, GBT_CRO, 250}, /* until the first BCL */
	{GBT_ST_CHARGING, GBT_CCS, 50},	 /* from the first BCL */
	{GBT_ST_STOPPING, GBT_CST, 10},
	{GBT_ST_STATISTICS, GBT_CSD, 250},
	{GBT_ST_ERROR, GBT_CEM, 250},	 /* after a timeout only */
};
#define NSCHED (sizeof(sched) / sizeof(sched[0]))

static const char *const state_names[] = {
	[GBT_ST_IDLE] = "idle",
	[GBT_ST_HANDSHAKE] = "handshake",
	[GBT_ST_RECOGNITION] = "recognition",
	[GBT_ST_RECOGNISED] = "recognised",
	[GBT_ST_CONFIG] = "config",
	[GBT_ST_PRECHARGE] = "precharge",
	[GBT_ST_CHARGING] = "charging",
	[GBT_ST_STOPPING] = "stopping",
	[GBT_ST_STATISTICS] = "statistics",
	[GBT_ST_ERROR] = "error",
	[GBT_ST_DONE] = "done",
	[GBT_ST_FAILED] = "failed",
};
/* clang-format on */

const char *gbt_state_name(enum gbt_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0])
		   ? state_names[st]
		   : "?";
}

void gbt_session_init(struct gbt_session *s, const struct gbt_session_cfg *c,
		      gbt_send_fn send, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *c;
	s->send = send;
	s->ctx = ctx;
	s->edition = c->force_2011 ? GBT_2011 : GBT_2015;
	gbt_codes_init(&s->cst, GBT_CST);
	gbt_codes_init(&s->cem, GBT_CEM);
}

static void enter(struct gbt_session *s, enum gbt_state st, int64_t now_us)
{
	size_t i;

	if (s->state != st)
		log_info("%s -> %s", gbt_state_name(s->state),
			 gbt_state_name(st));
	s->state = st;
	s->stage_us = now_us;
	for (i = 0; i < NSCHED; i++)
		if (sched[i].st == st)
			s->next_us[i] = now_us;
	if (st == GBT_ST_RECOGNITION) {
		s->bro_seen = s->bcl_seen = s->bst_seen = false;
		s->output_ready = s->cfg.auto_ready;
		s->pause_us = 0;
	}
	if (st == GBT_ST_CHARGING)
		s->charge_start_us = now_us;
}

void gbt_session_start(struct gbt_session *s, int64_t now_us)
{
	s->last_tick_us = now_us;
	enter(s, s->cfg.force_2011 ? GBT_ST_RECOGNITION : GBT_ST_HANDSHAKE,
	      now_us);
}

static bool active(const struct gbt_session *s)
{
	return s->state != GBT_ST_IDLE && s->state != GBT_ST_DONE &&
	       s->state != GBT_ST_FAILED;
}

static bool stopping(const struct gbt_session *s)
{
	return s->state == GBT_ST_STOPPING || s->state == GBT_ST_STATISTICS;
}

/* a BMS message did not come in time: CEM with its bit */
static void timeout(struct gbt_session *s, enum gbt_cem_field f, int64_t now_us)
{
	static const char *const what[16] = {
	    [GBT_CEM_BRM] = "BRM", [GBT_CEM_BCP] = "BCP", [GBT_CEM_BRO] = "BRO",
	    [GBT_CEM_BCS] = "BCS", [GBT_CEM_BCL] = "BCL", [GBT_CEM_BST] = "BST",
	    [GBT_CEM_BSD] = "BSD"};

	log_warn("no %s from the BMS in time (stage %s): CEM", what[f],
		 gbt_state_name(s->state));
	gbt_codes_init(&s->cem, GBT_CEM);
	s->cem.c[f] = 1;
	s->cem_set |= (uint16_t)(1u << f);
	s->fail_after_error = stopping(s);
	enter(s, GBT_ST_ERROR, now_us);
}

static void stop(struct gbt_session *s, enum gbt_stop_by by,
		 const enum gbt_cst_field *f, size_t n, int64_t now_us)
{
	size_t i;

	if (!active(s) || stopping(s) || s->state == GBT_ST_ERROR)
		return;
	s->stop_by = by;
	gbt_codes_init(&s->cst, GBT_CST);
	for (i = 0; i < n; i++)
		s->cst.c[f[i]] = 1;
	s->cst_set = gbt_codes_set(&s->cst);
	enter(s, GBT_ST_STOPPING, now_us);
}

#define STOP(s, by, now, ...)                                                  \
	do {                                                                   \
		const enum gbt_cst_field f_[] = {__VA_ARGS__};                 \
		stop(s, by, f_, sizeof(f_) / sizeof(f_[0]), now);              \
	} while (0)

void gbt_session_stop(struct gbt_session *s, int64_t now_us)
{
	STOP(s, GBT_STOP_CALLER, now_us, GBT_CST_MANUAL);
}

void gbt_session_output_ready(struct gbt_session *s)
{
	s->output_ready = true;
}

void gbt_session_set_output(struct gbt_session *s, uint16_t voltage_dV,
			    int16_t current_dA)
{
	s->out_voltage_dV = voltage_dV;
	s->out_current_dA = current_dA;
}

bool gbt_session_output_allowed(const struct gbt_session *s)
{
	return s->state == GBT_ST_CHARGING && s->bcl_seen && !s->pause_us;
}

static int min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

void gbt_session_demand(const struct gbt_session *s, uint16_t *voltage_dV,
			uint16_t *charge_dA)
{
	int v, i;

	*voltage_dV = 0;
	*charge_dA = 0;
	if (!gbt_session_output_allowed(s))
		return;
	v = min3(s->bcl.voltage_dV, s->bcp.max_voltage_dV,
		 s->cfg.cml.max_voltage_dV);
	i = min3(-s->bcl.current_dA, -s->bcp.max_current_dA,
		 -s->cfg.cml.max_current_dA);
	*voltage_dV = (uint16_t)(v > 0 ? v : 0);
	*charge_dA = (uint16_t)(i > 0 ? i : 0);
}

/* BSM: an abnormal status stops; "forbid" pauses. Untrusted (2) values
 * of the fault flags are ignored; for cell voltage and SOC, 2 = low. */
static void on_bsm(struct gbt_session *s, int64_t now_us)
{
	const uint8_t *st = s->bsm.status;
	bool fault = st[GBT_BSM_CELL_VOLTAGE] == 1 ||
		     st[GBT_BSM_CELL_VOLTAGE] == 2 || st[GBT_BSM_SOC] == 1 ||
		     st[GBT_BSM_SOC] == 2 || st[GBT_BSM_OVERCURRENT] == 1 ||
		     st[GBT_BSM_OVERTEMP] == 1 || st[GBT_BSM_INSULATION] == 1 ||
		     st[GBT_BSM_CONNECTOR] == 1;

	if (s->state != GBT_ST_CHARGING)
		return;
	if (fault) {
		log_warn("BSM reports a fault (status %u %u %u %u %u %u): "
			 "stop",
			 st[0], st[1], st[2], st[3], st[4], st[5]);
		STOP(s, GBT_STOP_BSM, now_us, GBT_CST_FAULT,
		     GBT_CST_OTHER_FAULT);
		return;
	}
	if (st[GBT_BSM_PERMIT] == 0 && !s->pause_us)
		s->pause_us = now_us;
	else if (st[GBT_BSM_PERMIT] == 1)
		s->pause_us = 0;
}

/* BCP against our range: the pack's voltage above its own maximum or
 * ours, or our minimum above its maximum, cannot be charged */
static void on_bcp(struct gbt_session *s, int64_t now_us)
{
	const struct gbt_bcp *b = &s->bcp;
	const struct gbt_cml *c = &s->cfg.cml;

	if (b->voltage_dV > b->max_voltage_dV ||
	    b->voltage_dV > c->max_voltage_dV ||
	    c->min_voltage_dV > b->max_voltage_dV) {
		log_warn("BCP: pack at %u.%u V (its maximum %u.%u V) outside "
			 "our range %u.%u..%u.%u V: stop",
			 b->voltage_dV / 10, b->voltage_dV % 10,
			 b->max_voltage_dV / 10, b->max_voltage_dV % 10,
			 c->min_voltage_dV / 10, c->min_voltage_dV % 10,
			 c->max_voltage_dV / 10, c->max_voltage_dV % 10);
		STOP(s, GBT_STOP_BCP, now_us, GBT_CST_FAULT, GBT_CST_NO_ENERGY);
		return;
	}
	enter(s, GBT_ST_CONFIG, now_us);
}

static void on_bst(struct gbt_session *s, const uint8_t *d, size_t len,
		   int64_t now_us)
{
	struct gbt_codes c;

	if (gbt_codes_decode(d, len, &c) < 0)
		return;
	s->bst_set = gbt_codes_set(&c);
	s->bst_seen = true;
	s->bst_us = now_us;
	if (!stopping(s)) {
		log_info("BST: the BMS stops (reasons 0x%04X)", s->bst_set);
		STOP(s, GBT_STOP_BMS, now_us, GBT_CST_BMS_STOP);
	}
}

static void on_bem(struct gbt_session *s, const uint8_t *d, size_t len,
		   int64_t now_us)
{
	struct gbt_codes c;

	if (gbt_codes_decode(d, len, &c) < 0 || s->state == GBT_ST_ERROR)
		return;
	s->bem_set |= gbt_codes_set(&c);
	log_warn("BEM: the BMS missed our messages (0x%04X) in stage %s",
		 gbt_codes_set(&c), gbt_state_name(s->state));
	gbt_codes_init(&s->cem, GBT_CEM);
	s->fail_after_error = stopping(s);
	enter(s, GBT_ST_ERROR, now_us);
}

/* keep the BMS's data; move on where a message ends a stage */
static void on_data(struct gbt_session *s, uint32_t pgn, const uint8_t *d,
		    size_t len, int64_t now_us)
{
	uint8_t ready;

	switch (pgn) {
	case GBT_BHM:
		if (gbt_decode_bhm(d, len, &s->bhm) < 0)
			return;
		s->bhm_us = now_us;
		if (s->state == GBT_ST_HANDSHAKE) {
			s->edition = GBT_2015;
			enter(s, GBT_ST_RECOGNITION, now_us);
		}
		break;
	case GBT_BRM:
		if (gbt_decode_brm(d, len, &s->brm) < 0)
			return;
		s->brm_us = now_us;
		if (s->brm.len >= 49 && s->brm.ver.major == 1 &&
		    s->brm.ver.minor >= 1)
			s->edition = GBT_2015;
		if (s->state == GBT_ST_RECOGNITION)
			enter(s, GBT_ST_RECOGNISED, now_us);
		break;
	case GBT_BCP:
		if (gbt_decode_bcp(d, len, &s->bcp) < 0)
			return;
		s->bcp_us = now_us;
		if (s->state == GBT_ST_RECOGNISED)
			on_bcp(s, now_us);
		break;
	case GBT_BRO:
		if (gbt_decode_ready(d, len, &ready) < 0 ||
		    s->state != GBT_ST_CONFIG)
			return;
		s->bro_seen = true;
		if (ready == GBT_READY)
			enter(s, GBT_ST_PRECHARGE, now_us);
		break;
	case GBT_BCL:
		if (gbt_decode_bcl(d, len, &s->bcl) < 0)
			return;
		s->bcl_us = now_us;
		if (s->state == GBT_ST_CHARGING)
			s->bcl_seen = true;
		break;
	case GBT_BCS:
		if (gbt_decode_bcs(d, len, &s->bcs) < 0)
			return;
		s->bcs_us = now_us;
		if (s->bcs.soc_pct < 100)
			s->soc_full_us = 0;
		else if (!s->soc_full_us)
			s->soc_full_us = now_us;
		break;
	case GBT_BSM:
		if (gbt_decode_bsm(d, len, &s->bsm) < 0)
			return;
		s->bsm_us = now_us;
		on_bsm(s, now_us);
		break;
	case GBT_BMV:
		if (gbt_decode_bmv(d, len, &s->bmv) == BENCH_OK)
			s->bmv_us = now_us;
		break;
	case GBT_BMT:
		if (gbt_decode_bmt(d, len, &s->bmt) == BENCH_OK)
			s->bmt_us = now_us;
		break;
	case GBT_BSD:
		if (gbt_decode_bsd(d, len, &s->bsd) < 0)
			return;
		s->bsd_us = now_us;
		if (s->state == GBT_ST_STOPPING)
			enter(s, GBT_ST_STATISTICS, now_us);
		break;
	default:
		break;
	}
}

void gbt_session_on_msg(struct gbt_session *s, uint32_t pgn, const uint8_t *d,
			size_t len, int64_t now_us)
{
	if (!active(s))
		return;
	if (pgn == GBT_BEM)
		on_bem(s, d, len, now_us);
	else if (pgn == GBT_BST && s->state != GBT_ST_ERROR)
		on_bst(s, d, len, now_us);
	else
		on_data(s, pgn, d, len, now_us);
}

static size_t build(struct gbt_session *s, uint32_t pgn, int64_t now_us,
		    uint8_t *out)
{
	struct gbt_chm chm = {{1, 1, 0}};
	struct gbt_crm crm = {0, s->cfg.charger_no, {'\xFF', '\xFF', '\xFF'}};
	struct gbt_ccs ccs;
	struct gbt_csd csd;

	switch (pgn) {
	case GBT_CHM:
		return gbt_encode_chm(&chm, out);
	case GBT_CRM:
		crm.result =
		    s->state == GBT_ST_RECOGNISED ? GBT_RECOGNISED : 0x00;
		return gbt_encode_crm(&crm, out);
	case GBT_CTS:
		return s->cfg.send_cts ? gbt_encode_cts(&s->cfg.time, out) : 0;
	case GBT_CML:
		return gbt_encode_cml(&s->cfg.cml, s->edition, out);
	case GBT_CRO:
		if (s->bcl_seen)
			return 0;
		return gbt_encode_ready(
		    s->state == GBT_ST_CHARGING ? GBT_READY : GBT_NOT_READY,
		    out);
	case GBT_CCS:
		if (!s->bcl_seen)
			return 0;
		ccs.voltage_dV = s->out_voltage_dV;
		ccs.current_dA = s->out_current_dA;
		ccs.time_min =
		    (uint16_t)((now_us - s->charge_start_us) / (60 * S_US));
		ccs.permit = !s->pause_us;
		return gbt_encode_ccs(&ccs, s->edition, out);
	case GBT_CST:
		return gbt_codes_encode(&s->cst, out);
	case GBT_CSD:
		csd.time_min =
		    (uint16_t)((s->bsd_us - s->charge_start_us) / (60 * S_US));
		csd.energy_hWh = (uint16_t)(s->energy_Wh / 100);
		csd.charger_no = s->cfg.charger_no;
		return gbt_encode_csd(&csd, s->edition, out);
	case GBT_CEM:
		return gbt_codes_set(&s->cem) ? gbt_codes_encode(&s->cem, out)
					      : 0;
	default:
		return 0;
	}
}

static void send_due(struct gbt_session *s, int64_t now_us)
{
	uint8_t buf[GBT_MAX_LEN];
	size_t i, n;

	for (i = 0; i < NSCHED; i++) {
		if (sched[i].st != s->state || now_us < s->next_us[i])
			continue;
		s->next_us[i] += (int64_t)sched[i].period_ms * 1000;
		if (s->next_us[i] <= now_us) /* late ticks: no burst */
			s->next_us[i] =
			    now_us + (int64_t)sched[i].period_ms * 1000;
		n = build(s, sched[i].pgn, now_us, buf);
		if (n == 0)
			continue;
		s->send(s->ctx, sched[i].pgn, gbt_msg_info(sched[i].pgn)->prio,
			buf, n);
		if (sched[i].pgn == GBT_CSD && ++s->csd_sent >= CSD_COUNT)
			enter(s, GBT_ST_DONE, now_us);
	}
}

static int64_t since(int64_t now_us, int64_t a, int64_t b)
{
	return now_us - (a > b ? a : b);
}

static void check_timers(struct gbt_session *s, int64_t now_us)
{
	int64_t in_stage = now_us - s->stage_us;

	switch (s->state) {
	case GBT_ST_HANDSHAKE:
		if (in_stage >= T_BHM_US) {
			log_info("no BHM in 5 s: a 2011 BMS");
			s->edition = GBT_2011;
			enter(s, GBT_ST_RECOGNITION, now_us);
		}
		break;
	case GBT_ST_RECOGNITION:
		if (in_stage >= T_BRM_US)
			timeout(s, GBT_CEM_BRM, now_us);
		break;
	case GBT_ST_RECOGNISED:
		if (in_stage >= T_BCP_US)
			timeout(s, GBT_CEM_BCP, now_us);
		break;
	case GBT_ST_CONFIG:
		if ((!s->bro_seen && in_stage >= T_BRO_US) ||
		    in_stage >= T_BRO_AA_US)
			timeout(s, GBT_CEM_BRO, now_us);
		break;
	case GBT_ST_CHARGING:
		if (since(now_us, s->stage_us, s->bcl_us) >= T_BCL_US)
			timeout(s, GBT_CEM_BCL, now_us);
		else if (since(now_us, s->stage_us, s->bcs_us) >= T_BCS_US)
			timeout(s, GBT_CEM_BCS, now_us);
		else if (s->pause_us && now_us - s->pause_us >= T_PAUSE_US)
			STOP(s, GBT_STOP_PAUSE, now_us, GBT_CST_FAULT,
			     GBT_CST_OTHER_FAULT);
		else if (s->soc_full_us &&
			 now_us - s->soc_full_us >= T_SOC_FULL_US)
			STOP(s, GBT_STOP_SOC_FULL, now_us,
			     GBT_CST_CONDITION_REACHED);
		break;
	case GBT_ST_STOPPING:
		if (!s->bst_seen && in_stage >= T_BST_US)
			timeout(s, GBT_CEM_BST, now_us);
		else if (s->bst_seen &&
			 since(now_us, s->stage_us, s->bst_us) >= T_BSD_US)
			timeout(s, GBT_CEM_BSD, now_us);
		break;
	case GBT_ST_ERROR:
		if (in_stage < T_ERROR_US)
			break;
		if (s->fail_after_error) {
			enter(s, GBT_ST_FAILED, now_us);
		} else if (s->reconnects >= MAX_RECONNECTS) {
			log_warn("%d reconnections failed: giving up",
				 MAX_RECONNECTS);
			s->stop_by = GBT_STOP_GIVE_UP;
			enter(s, GBT_ST_FAILED, now_us);
		} else {
			s->reconnects++;
			gbt_codes_init(&s->cem, GBT_CEM);
			enter(s, GBT_ST_RECOGNITION, now_us);
		}
		break;
	default:
		break;
	}
}

void gbt_session_tick(struct gbt_session *s, int64_t now_us)
{
	double dt_h = (double)(now_us - s->last_tick_us) / 3.6e9;

	if (gbt_session_output_allowed(s) && s->out_current_dA < 0)
		s->energy_Wh +=
		    s->out_voltage_dV * 0.1 * (-s->out_current_dA * 0.1) * dt_h;
	s->last_tick_us = now_us;
	if (!active(s))
		return;
	check_timers(s, now_us);
	send_due(s, now_us);
	/* after at least one CRO 0x00 */
	if (s->state == GBT_ST_PRECHARGE && s->output_ready)
		enter(s, GBT_ST_CHARGING, now_us);
}
