/* SPDX-License-Identifier: Apache-2.0 */
/* sim_gbt.c - the simulated BMS speaking GB/T 27930 (2015) at 0xF4 on the
 * simulator's bus (docs/simulator.md, "GB/T BMS"): the BMS side of the
 * session the bench runs as the charger (bench/gbt_session.h), over the
 * user-space J1939 transport on the simulator's virtual clock. It asks
 * for current (BCL) from its own cells, closes its contactors only from
 * the charger's CRO 0xAA to the stop, stops (BST) when full or on a
 * fault, and answers a charger that falls silent with BEM. */
#define LOG_PREFIX "sim-gbt"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gbt.h"
#include "can/j1939_engine.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

#define MS 1000LL
#define S_US 1000000LL

/* the BMS's side of the session */
enum sim_gbt_state {
	SG_SLEEP = 0,	/* no charger yet: wakes on CHM or CRM */
	SG_HANDSHAKE,	/* BHM until CRM 0x00 */
	SG_RECOGNITION, /* BRM until CRM 0xAA */
	SG_PARAM,	/* BCP until CML */
	SG_CONFIG,	/* BRO until CRO 0xAA */
	SG_CHARGING,	/* BCL, BCS, BSM, BMV, BMT */
	SG_STOPPING,	/* BST until CST */
	SG_STATISTICS,	/* BSD until CSD */
	SG_ERROR,	/* BEM (or quiet after CEM) until CRM 0x00 */
	SG_DONE,
	SG_NSTATES
};

/* what the BMS sends in each state, and how often; periods under the
 * simulator's 100 ms step go out once a step */
/* clang-format off */
static const struct {
	enum sim_gbt_state st;
	uint32_t pgn;
	uint32_t period_ms;
} sched[] = {
	{SG_HANDSHAKE, GBT_BHM, 250},
	{SG_RECOGNITION, GBT_BRM, 250},
	{SG_PARAM, GBT_BCP, 500},
	{SG_CONFIG, GBT_BRO, 250},
	{SG_CHARGING, GBT_BCL, 50},
	{SG_CHARGING, GBT_BSM, 250},
	{SG_CHARGING, GBT_BCS, 250},
	{SG_CHARGING, GBT_BMV, 10000},
	{SG_CHARGING, GBT_BMT, 10000},
	{SG_STOPPING, GBT_BST, 10},
	{SG_STATISTICS, GBT_BSD, 250},
	{SG_ERROR, GBT_BEM, 250},
};
/* clang-format on */
#define NSCHED (sizeof(sched) / sizeof(sched[0]))

/* The BMS's time-outs (docs/gbt27930.md, "BMS-side"): waiting in a state
 * for the charger's message, BEM with its field when it does not come. */
#define T_CRM_US (30 * S_US)	/* CRM 0x00 after CHM, or after BEM/CEM */
#define T_CRM_AA_US (5 * S_US)	/* CRM 0xAA after BRM */
#define T_CML_US (5 * S_US)	/* CML after BCP */
#define T_CRO_US (5 * S_US)	/* any CRO after BRO */
#define T_CRO_AA_US (60 * S_US) /* CRO 0xAA */
#define T_CCS_US (1 * S_US)
#define T_CST_US (5 * S_US) /* after our BST */
#define T_CSD_US (10 * S_US)
#define BRO_READY_US (500 * MS) /* its contactor checks before 0xAA */
#define FULL_STEPS 10		/* demand under C/20 this long: full */

/* faults that make the BMS stop (BSM flag, BST field) */
enum sim_gbt_flag {
	SGF_INSULATION = 1 << 0,
	SGF_OVERTEMP = 1 << 1,
	SGF_STOP = 1 << 2, /* gbt_stop: BST with its reason only */
};

struct sim_gbt {
	struct j1939_engine eng;
	struct sim *s;
	enum sim_gbt_state st;
	int64_t stage_us, next_us[NSCHED];
	int64_t last_rx_us; /* the charger's awaited message: CCS, CML */
	bool cro_seen, send_bem, cell_reports;
	struct gbt_codes bst, bem;
	unsigned flags;	 /* SGF_*, from scheduled faults */
	unsigned reason; /* gbt_stop's BST field */
	/* the charge current asked for: CC, then CV on the highest cell */
	double demand_A;
	bool cv;
	unsigned low_steps;
	struct gbt_bmv bmv;	  /* too big for the stack of a step */
	uint8_t buf[GBT_MAX_LEN]; /* the group being built */
	/* measured this step */
	int32_t vmax_mV, vmin_mV;
	unsigned vmax_i, tmax_i, tmin_i;
	double I_meas, soc;
};

static const char *const state_names[SG_NSTATES] = {
    [SG_SLEEP] = "sleep",
    [SG_HANDSHAKE] = "handshake",
    [SG_RECOGNITION] = "recognition",
    [SG_PARAM] = "parameters",
    [SG_CONFIG] = "config",
    [SG_CHARGING] = "charging",
    [SG_STOPPING] = "stopping",
    [SG_STATISTICS] = "statistics",
    [SG_ERROR] = "error",
    [SG_DONE] = "done",
};

static int emit(void *ctx, const struct canframe *f)
{
	struct sim_gbt *g = ctx;

	return sim_send(g->s->bms.bus, f);
}

int sim_gbt_load(struct sim *s)
{
	struct sim_gbt *g = calloc(1, sizeof(*g));

	if (!g) {
		log_err("out of memory loading the GB/T BMS");
		return BENCH_ERR_MEM;
	}
	g->s = s;
	g->cell_reports = !s->cfg.gbt_no_cell_reports;
	gbt_codes_init(&g->bst, GBT_BST);
	gbt_codes_init(&g->bem, GBT_BEM);
	s->gbt = g;
	return BENCH_OK;
}

void sim_gbt_attach(struct sim *s)
{
	j1939_engine_init(&s->gbt->eng, GBT_ADDR_BMS, emit, s->gbt);
}

void sim_gbt_free(struct sim_gbt *g)
{
	free(g);
}

static void enter(struct sim_gbt *g, enum sim_gbt_state st)
{
	int64_t now = g->s->t_us;

	if (g->st != st)
		log_info("%s -> %s at %.2f s", state_names[g->st],
			 state_names[st], now * 1e-6);
	g->st = st;
	g->stage_us = now;
	g->last_rx_us = now;
	for (size_t i = 0; i < NSCHED; i++)
		if (sched[i].st == st)
			g->next_us[i] = now;
	if (st == SG_CONFIG)
		g->cro_seen = false;
	if (st == SG_CHARGING) {
		g->demand_A = g->s->info.rated_capacity_ah;
		g->cv = false;
		g->low_steps = 0;
	}
	/* current flows only from CRO 0xAA to the stop: the contactors
	 * open at once, before the next step's current */
	g->s->bms.req_close = st == SG_CHARGING;
	if (st != SG_CHARGING)
		g->s->bms.contactor = BMS_OPEN;
}

/* a charger message did not come in time: BEM with its field */
static void timeout(struct sim_gbt *g, enum gbt_bem_field f, const char *what)
{
	log_warn("no %s from the charger in time (%s): BEM", what,
		 state_names[g->st]);
	gbt_codes_init(&g->bem, GBT_BEM);
	g->bem.c[f] = 1;
	g->send_bem = true;
	enter(g, SG_ERROR);
}

static void check_timers(struct sim_gbt *g)
{
	int64_t waited = g->s->t_us - g->last_rx_us;
	int64_t in_stage = g->s->t_us - g->stage_us;

	switch (g->st) {
	case SG_HANDSHAKE:
		if (in_stage >= T_CRM_US)
			timeout(g, GBT_BEM_CRM_00, "CRM");
		break;
	case SG_RECOGNITION:
		if (in_stage >= T_CRM_AA_US)
			timeout(g, GBT_BEM_CRM_AA, "CRM 0xAA");
		break;
	case SG_PARAM:
		if (waited >= T_CML_US)
			timeout(g, GBT_BEM_CML, "CML");
		break;
	case SG_CONFIG:
		if ((!g->cro_seen && in_stage >= T_CRO_US) ||
		    in_stage >= T_CRO_AA_US)
			timeout(g, GBT_BEM_CRO, "CRO");
		break;
	case SG_CHARGING:
		if (waited >= T_CCS_US)
			timeout(g, GBT_BEM_CCS, "CCS");
		break;
	case SG_STOPPING:
		if (in_stage >= T_CST_US)
			timeout(g, GBT_BEM_CST, "CST");
		break;
	case SG_STATISTICS:
		if (in_stage >= T_CSD_US)
			timeout(g, GBT_BEM_CSD, "CSD");
		break;
	case SG_ERROR:
		if (in_stage >= T_CRM_US) {
			log_info("no CRM in %lld s after the break: the BMS "
				 "ends the session",
				 T_CRM_US / S_US);
			enter(g, SG_DONE);
		}
		break;
	default:
		break;
	}
}

static unsigned module_of(const struct sim *s, unsigned cell)
{
	unsigned m = cell / s->cells_per_module;

	return m > 15 ? 15 : m; /* 4-bit group number, raw */
}

static double pack_nominal_V(const struct sim *s)
{
	return s->n * (s->chem == OCV_LFP ? 3.2 : 3.65);
}

static uint16_t dV(double v)
{
	v = round(v * 10);
	return (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
}

/* charge current (A, >= 0) in the GB/T sign (0.1 A, charge negative) */
static int16_t charge_dA(double a)
{
	a = round(a * 10);
	return (int16_t) - (a > 4000 ? 4000 : a);
}

static uint8_t soc_pct(const struct sim_gbt *g)
{
	return (uint8_t)lround(g->soc < 0   ? 0
			       : g->soc > 1 ? 100
					    : g->soc * 100);
}

/* BSM status and BST fields from the BMS's faults */
static void fault_status(const struct sim_gbt *g, uint8_t *bsm,
			 struct gbt_codes *bst)
{
	unsigned f = g->s->bms.faults | g->s->bms.forced_faults;

	if (f & BMS_F_OV || f & BMS_F_UV) {
		bsm[GBT_BSM_CELL_VOLTAGE] = f & BMS_F_OV ? 1 : 2;
		bst->c[GBT_BST_VOLTAGE_ABNORMAL] = 1;
	}
	if (f & BMS_F_OT || g->flags & SGF_OVERTEMP) {
		bsm[GBT_BSM_OVERTEMP] = 1;
		bst->c[GBT_BST_PACK_OVERTEMP] = 1;
	}
	if (f & BMS_F_OC) {
		bsm[GBT_BSM_OVERCURRENT] = 1;
		bst->c[GBT_BST_OVERCURRENT] = 1;
	}
	if (f & (BMS_F_INTERNAL | BMS_F_COMM))
		bst->c[GBT_BST_OTHER_FAULT] = 1;
	if (g->flags & SGF_INSULATION) {
		bsm[GBT_BSM_INSULATION] = 1;
		bst->c[GBT_BST_INSULATION] = 1;
	}
	if (g->flags & SGF_STOP)
		bst->c[g->reason] = 1;
}

static size_t build(struct sim_gbt *g, uint32_t pgn, uint8_t *out)
{
	const struct sim *s = g->s;
	const struct sim_bms *b = &s->bms;
	double cap_Ah = s->info.rated_capacity_ah;

	switch (pgn) {
	case GBT_BHM: {
		struct gbt_bhm m = {dV(s->n * s->v_charge_max_V)};
		return gbt_encode_bhm(&m, out);
	}
	case GBT_BRM: {
		struct gbt_brm m;

		memset(&m, 0, sizeof(m));
		m.ver = (struct gbt_version){1, 1, 0};
		m.battery_type = s->chem == OCV_LFP ? 3 : 6; /* LFP, NMC */
		m.capacity_dAh = (uint16_t)lround(cap_Ah * 10);
		m.voltage_dV = dV(pack_nominal_V(s));
		memcpy(m.maker, "SIMB", 4);
		for (int i = 0; i < 4; i++)
			m.serial[i] = (uint8_t)(s->cfg.seed >> (8 * i));
		m.year = 2019;
		m.month = 6;
		m.day = 1;
		m.ownership = 1;
		memcpy(m.vin, "LSIMBENCHPACK0001", 17);
		memset(m.sw_version, 0xFF, sizeof(m.sw_version));
		return gbt_encode_brm(&m, GBT_2015, out);
	}
	case GBT_BCP: {
		struct gbt_bcp m = {
		    .cell_max_cV = (uint16_t)lround(s->v_charge_max_V * 100),
		    .max_current_dA = charge_dA(cap_Ah),
		    .energy_hWh =
			(uint16_t)lround(cap_Ah * pack_nominal_V(s) / 100),
		    .max_voltage_dV = dV(s->n * s->v_charge_max_V),
		    .max_temp_C = 55,
		    .soc_permille = (uint16_t)(soc_pct(g) * 10),
		    .voltage_dV = dV(s->pack_V),
		};
		return gbt_encode_bcp(&m, out);
	}
	case GBT_BRO:
		return gbt_encode_ready(s->t_us - g->stage_us >= BRO_READY_US
					    ? GBT_READY
					    : GBT_NOT_READY,
					out);
	case GBT_BCL: {
		struct gbt_bcl m = {dV(s->n * s->v_charge_max_V),
				    charge_dA(g->demand_A), g->cv ? 1 : 2};
		return gbt_encode_bcl(&m, out);
	}
	case GBT_BCS: {
		double left_min = g->demand_A > 0.1
				      ? (1 - g->soc) * cap_Ah * 60 / g->demand_A
				      : 0;
		struct gbt_bcs m = {
		    .voltage_dV = dV(s->pack_V),
		    .current_dA = charge_dA(g->I_meas),
		    .cell_max_cV =
			(uint16_t)(g->vmax_mV < 0 ? 0 : (g->vmax_mV + 5) / 10),
		    .cell_max_group = (uint8_t)module_of(s, g->vmax_i),
		    .soc_pct = soc_pct(g),
		    .remaining_min =
			(uint16_t)lround(left_min < 0	  ? 0
					 : left_min > 600 ? 600
							  : left_min),
		};
		return gbt_encode_bcs(&m, out);
	}
	case GBT_BSM: {
		struct gbt_codes unused;
		struct gbt_bsm m = {
		    .cell_max_no = (uint16_t)(g->vmax_i + 1),
		    .temp_max_C = b->probe_C[g->tmax_i],
		    .temp_max_probe = (uint8_t)(g->tmax_i + 1),
		    .temp_min_C = b->probe_C[g->tmin_i],
		    .temp_min_probe = (uint8_t)(g->tmin_i + 1),
		};
		m.status[GBT_BSM_PERMIT] = b->ccl_A > 0;
		gbt_codes_init(&unused, GBT_BST);
		fault_status(g, m.status, &unused);
		return gbt_encode_bsm(&m, out);
	}
	case GBT_BMV:
		if (!g->cell_reports)
			return 0;
		g->bmv.n = (uint16_t)s->n;
		for (unsigned i = 0; i < s->n; i++) {
			int32_t mv = b->cell_mV[i];
			g->bmv.cell_cV[i] =
			    (uint16_t)(mv < 0 ? 0 : (mv + 5) / 10);
			g->bmv.group[i] = (uint8_t)module_of(s, i);
		}
		return gbt_encode_bmv(&g->bmv, out);
	case GBT_BMT: {
		struct gbt_bmt m = {.n = (uint16_t)s->n_probes};

		if (!g->cell_reports)
			return 0;
		for (unsigned i = 0; i < s->n_probes; i++)
			m.temp_C[i] = b->probe_C[i];
		return gbt_encode_bmt(&m, out);
	}
	case GBT_BST:
		return gbt_codes_encode(&g->bst, out);
	case GBT_BSD: {
		struct gbt_bsd m = {
		    soc_pct(g),
		    (uint16_t)(g->vmin_mV < 0 ? 0 : (g->vmin_mV + 5) / 10),
		    (uint16_t)(g->vmax_mV < 0 ? 0 : (g->vmax_mV + 5) / 10),
		    b->probe_C[g->tmin_i], b->probe_C[g->tmax_i]};
		return gbt_encode_bsd(&m, out);
	}
	case GBT_BEM:
		return g->send_bem ? gbt_codes_encode(&g->bem, out) : 0;
	default:
		return 0;
	}
}

/* --answer-log: `T_S NAME HEX`, each group as it goes on the wire */
static void log_answer(const struct sim_gbt *g, uint32_t pgn, size_t n)
{
	FILE *f = g->s->answer_log;

	fprintf(f, "%.3f %s ", g->s->t_us * 1e-6, gbt_msg_name(pgn));
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", g->buf[i]);
	fputc('\n', f);
	fflush(f);
}

/* 0 = sent or nothing to send, <0 = the transport is busy: try again */
static int send_msg(struct sim_gbt *g, uint32_t pgn)
{
	size_t n = build(g, pgn, g->buf);
	int rc;

	if (!n)
		return BENCH_OK;
	rc = j1939_engine_send(&g->eng, gbt_msg_info(pgn)->prio, pgn,
			       GBT_ADDR_CHARGER, g->buf, n, g->s->t_us);
	if (rc == BENCH_ERR_STATE)
		return rc;
	if (rc < 0)
		log_warn("cannot send %s", gbt_msg_name(pgn));
	else if (g->s->answer_log)
		log_answer(g, pgn, n);
	return BENCH_OK;
}

static void send_due(struct sim_gbt *g)
{
	int64_t now = g->s->t_us;

	for (size_t i = 0; i < NSCHED; i++) {
		int64_t period = (int64_t)sched[i].period_ms * MS;

		if (sched[i].st != g->st || now < g->next_us[i])
			continue;
		if (send_msg(g, sched[i].pgn) < 0)
			continue; /* a transfer runs: next step */
		g->next_us[i] += period;
		if (g->next_us[i] <= now)
			g->next_us[i] = now + period;
	}
}

#define NO_REASON (-1)

/* The stop: BST with the reasons (why, a BST field, and the faults) until
 * the charger's CST. A gbt_stop fault stops one session. */
static void bms_stop(struct sim_gbt *g, int why)
{
	uint8_t bsm[GBT_BSM_NSTATUS] = {0};

	gbt_codes_init(&g->bst, GBT_BST);
	fault_status(g, bsm, &g->bst);
	if (why != NO_REASON)
		g->bst.c[why] = 1;
	g->flags &= ~(unsigned)SGF_STOP;
	log_info("stop: BST 0x%04X at %.1f s", gbt_codes_set(&g->bst),
		 g->s->t_us * 1e-6);
	enter(g, SG_STOPPING);
}

/* CC at the BMS's limit, then CV on its highest cell: the demand falls
 * as that cell reaches its limit, and under C/20 the pack is full. */
static void regulate(struct sim_gbt *g)
{
	const struct sim *s = g->s;
	double cap_Ah = s->info.rated_capacity_ah;
	double cc_A = s->bms.ccl_A < cap_Ah ? s->bms.ccl_A : cap_Ah;
	double lim_mV = s->v_charge_max_V * 1000;
	/* what the BMS knows of its cells: the element's R0 as built */
	double r_ohm =
	    s->cfg.r0_mohm * 1e-3 / s->cfg.parallel * s->cfg.r_growth;

	if (!g->cv && g->vmax_mV >= lim_mV - 10) {
		g->cv = true;
		if (g->I_meas < g->demand_A)
			g->demand_A = g->I_meas > 0 ? g->I_meas : 0;
	}
	if (g->cv)
		g->demand_A += 0.3 * (lim_mV - g->vmax_mV) * 1e-3 / r_ohm;
	if (g->demand_A > cc_A)
		g->demand_A = cc_A;
	if (g->demand_A < 0)
		g->demand_A = 0;
	g->low_steps =
	    g->cv && g->demand_A < cap_Ah / 20 ? g->low_steps + 1 : 0;
}

static void measure(struct sim_gbt *g, double I_meas)
{
	const struct sim *s = g->s;
	const struct sim_bms *b = &s->bms;
	double soc = 0;

	g->vmax_mV = INT32_MIN;
	g->vmin_mV = INT32_MAX;
	for (unsigned i = 0; i < s->n; i++) {
		if (b->cell_mV[i] > g->vmax_mV) {
			g->vmax_mV = b->cell_mV[i];
			g->vmax_i = i;
		}
		if (b->cell_mV[i] < g->vmin_mV)
			g->vmin_mV = b->cell_mV[i];
		soc += s->st[i].soc;
	}
	g->tmax_i = g->tmin_i = 0;
	for (unsigned p = 0; p < s->n_probes; p++) {
		if (b->probe_C[p] > b->probe_C[g->tmax_i])
			g->tmax_i = p;
		if (b->probe_C[p] < b->probe_C[g->tmin_i])
			g->tmin_i = p;
	}
	g->soc = soc / s->n;
	g->I_meas = I_meas;
}

void sim_gbt_step(struct sim *s, double I_meas)
{
	struct sim_gbt *g = s->gbt;
	uint8_t bsm[GBT_BSM_NSTATUS] = {0};
	struct gbt_codes any;
	int64_t t;

	while ((t = j1939_engine_next_us(&g->eng)) <= s->t_us)
		j1939_engine_tick(&g->eng, t);
	measure(g, I_meas);
	check_timers(g);
	if (g->st == SG_CHARGING) {
		gbt_codes_init(&any, GBT_BST);
		fault_status(g, bsm, &any);
		regulate(g);
		if (gbt_codes_set(&any)) {
			/* the BSM that shows the fault goes before the BST */
			send_msg(g, GBT_BSM);
			bms_stop(g, NO_REASON);
		} else if (g->low_steps >= FULL_STEPS) {
			bms_stop(g, GBT_BST_CELL_VOLTAGE_REACHED);
		}
	}
	send_due(g);
}

static void on_msg(struct sim_gbt *g, const struct j1939_msg *m)
{
	uint8_t v = m->len ? m->data[0] : 0xFF;

	if (m->src != GBT_ADDR_CHARGER)
		return;
	switch (m->pgn) {
	case GBT_CHM:
		if (g->st == SG_SLEEP || g->st == SG_DONE)
			enter(g, SG_HANDSHAKE);
		break;
	case GBT_CRM:
		if (v == 0x00 && (g->st == SG_SLEEP || g->st == SG_HANDSHAKE ||
				  g->st == SG_ERROR || g->st == SG_DONE))
			enter(g, SG_RECOGNITION);
		else if (v == GBT_RECOGNISED && g->st == SG_RECOGNITION)
			enter(g, SG_PARAM);
		break;
	case GBT_CML:
	case GBT_CTS:
		if (g->st == SG_PARAM)
			enter(g, SG_CONFIG);
		break;
	case GBT_CRO:
		if (g->st != SG_CONFIG)
			break;
		g->cro_seen = true;
		if (v == GBT_READY)
			enter(g, SG_CHARGING);
		break;
	case GBT_CCS:
		if (g->st == SG_CHARGING)
			g->last_rx_us = g->s->t_us;
		break;
	case GBT_CST:
		if (g->st == SG_CHARGING) {
			bms_stop(g, GBT_BST_CHARGER_STOP);
			send_msg(g, GBT_BST);
			enter(g, SG_STATISTICS);
		} else if (g->st == SG_STOPPING) {
			enter(g, SG_STATISTICS);
		}
		break;
	case GBT_CSD:
		if (g->st == SG_STATISTICS)
			enter(g, SG_DONE);
		break;
	case GBT_CEM:
		if (g->st != SG_SLEEP && g->st != SG_DONE &&
		    g->st != SG_ERROR) {
			log_warn("CEM: the charger missed our messages");
			g->send_bem = false;
			enter(g, SG_ERROR);
		}
		break;
	default:
		break;
	}
}

void sim_gbt_rx(struct sim *s, const struct canframe *f)
{
	struct sim_gbt *g = s->gbt;
	struct j1939_msg *m = malloc(sizeof(*m));

	if (!m) {
		log_err("out of memory receiving a J1939 group");
		return;
	}
	j1939_engine_on_frame(&g->eng, f, s->t_us);
	while (j1939_engine_take(&g->eng, m) == 1)
		on_msg(g, m);
	free(m);
}

void sim_gbt_fault(struct sim *s, const struct pack_fault *f)
{
	struct sim_gbt *g = s->gbt;

	switch (f->kind) {
	case SIM_FAULT_GBT_INSULATION:
		g->flags |= SGF_INSULATION;
		break;
	case SIM_FAULT_GBT_OVERTEMP:
		g->flags |= SGF_OVERTEMP;
		break;
	case SIM_FAULT_GBT_STOP:
		g->flags |= SGF_STOP;
		g->reason = f->bst_field;
		break;
	default:
		break;
	}
}
