/* SPDX-License-Identifier: Apache-2.0 */
/* sim_bms.c - the simulated BMS: measures cells, temperatures and current
 * with noise and quantisation, publishes them per fixtures/dbc/sim_bms.dbc,
 * obeys contactor requests and the bench heartbeat, and opens its
 * contactors on its own hard limits, as a real BMS does. */
#define LOG_PREFIX "sim-bms"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "can/canbus.h"
#include "can/dbc.h"
#include "common/log.h"
#include "common/rc.h"
#include "sim_priv.h"

#define BMS_PERIOD_STEPS 1	 /* 100 ms frames */
#define BMS_TEMP_PERIOD_STEPS 10 /* 1 s temperatures */
#define BMS_PRECHARGE_US 500000
#define BMS_HEARTBEAT_TIMEOUT_US 1000000
#define BMS_DEBOUNCE 3 /* consecutive 100 ms samples */
#define BMS_NOISE_CELL_V 0.0015
#define BMS_NOISE_PACK_V 0.05
#define BMS_NOISE_I_A 0.05
#define BMS_NOISE_T_C 0.2
#define BMS_OVER_TEMP_C 60.0
#define BMS_OVER_CURRENT_C 2.5 /* C-rate, either direction */

/* hard limits, outside any controller limit (docs/safety.md: the BMS is the
 * last line, the controller's own limits trip first) */
static double hard_ov_V(const struct sim *s)
{
	return s->chem == OCV_LFP ? 3.80 : 4.30;
}

static double hard_uv_V(const struct sim *s)
{
	return s->chem == OCV_LFP ? 2.20 : 2.30;
}

static int need_sig(const struct dbc *db, const struct dbc_msg *m,
		    const char *name, const struct dbc_sig **out)
{
	*out = dbc_sig_by_name(m, name);
	if (!*out) {
		log_err("%s: message %s has no signal %s", db->path, m->name,
			name);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int need_msg(const struct dbc *db, const char *name,
		    const struct dbc_msg **out)
{
	*out = dbc_msg_by_name(db, name);
	if (!*out) {
		log_err("%s: no message %s", db->path, name);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

static int lookup(struct sim *s, struct sim_bms *b)
{
	/* clang-format off */
	static const char *const fault_sig[6] = {
		"Fault_CellOV",	 "Fault_CellUV", "Fault_OverTemp",
		"Fault_OverCurrent", "Fault_Comm",   "Fault_Internal",
	};
	/* clang-format on */
	const struct dbc *db = b->db;
	char name[32];

	TRY(need_msg(db, "BMS_CellVoltages", &b->m_cellv));
	TRY(need_msg(db, "BMS_Temperatures", &b->m_temp));
	TRY(need_msg(db, "BMS_PackStatus", &b->m_pack));
	TRY(need_msg(db, "BMS_Limits", &b->m_lim));
	TRY(need_msg(db, "BMS_State", &b->m_state));
	TRY(need_msg(db, "BENCH_Command", &b->m_cmd));
	TRY(need_sig(db, b->m_cellv, "CellV_Block", &b->s_cellblock));
	for (unsigned i = 0; i < s->n; i++) {
		snprintf(name, sizeof(name), "Cell%03u_V", i + 1);
		TRY(need_sig(db, b->m_cellv, name, &b->s_cell[i]));
	}
	TRY(need_sig(db, b->m_temp, "Temp_Block", &b->s_tblock));
	for (unsigned i = 0; i < s->n_probes; i++) {
		snprintf(name, sizeof(name), "Temp%03u_C", i + 1);
		TRY(need_sig(db, b->m_temp, name, &b->s_temp[i]));
	}
	TRY(need_sig(db, b->m_pack, "Pack_Voltage", &b->s_pack_v));
	TRY(need_sig(db, b->m_pack, "Pack_Current", &b->s_pack_i));
	TRY(need_sig(db, b->m_pack, "Pack_SOC", &b->s_soc));
	TRY(need_sig(db, b->m_pack, "BMS_Alive", &b->s_alive));
	TRY(need_sig(db, b->m_lim, "BMS_CCL", &b->s_ccl));
	TRY(need_sig(db, b->m_lim, "BMS_DCL", &b->s_dcl));
	TRY(need_sig(db, b->m_lim, "BMS_MaxCellV", &b->s_vmax));
	TRY(need_sig(db, b->m_lim, "BMS_MinCellV", &b->s_vmin));
	TRY(need_sig(db, b->m_state, "Contactor_State", &b->s_contactor));
	for (int i = 0; i < 6; i++)
		TRY(need_sig(db, b->m_state, fault_sig[i], &b->s_fault[i]));
	TRY(need_sig(db, b->m_cmd, "Bench_ContactorReq", &b->s_req));
	TRY(need_sig(db, b->m_cmd, "Bench_Alive", &b->s_bench_alive));
	return BENCH_OK;
}

int sim_bms_attach(struct sim *s, struct canbus *bus, const char *dbc_path)
{
	struct sim_bms *b = &s->bms;
	int rc;

	if (b->bus) {
		log_err("BMS already attached to '%s'", canbus_name(b->bus));
		return BENCH_ERR_STATE;
	}
	b->bus = bus;
	b->is_mem = !strncmp(canbus_name(bus), "mem:", 4);
	if (b->is_mem)
		canbus_mem_set_clock(bus, &s->clk);
	if (s->gbt) {
		sim_gbt_attach(s);
		return BENCH_OK;
	}
	if (s->persona) {
		rc = sim_persona_attach(s);
		if (rc < 0)
			b->bus = NULL;
		return rc;
	}
	rc = sim_load_dbc(dbc_path, "fixtures/dbc/sim_bms.dbc", &b->db);
	if (rc < 0) {
		b->bus = NULL;
		return rc;
	}
	rc = lookup(s, b);
	if (rc < 0) {
		b->bus = NULL;
		dbc_free(b->db);
		b->db = NULL;
		return rc;
	}
	return BENCH_OK;
}

void sim_bms_release(struct sim_bms *b)
{
	dbc_free(b->db);
	b->db = NULL;
}

bool sim_bms_closed(const struct sim *s)
{
	return s->bms.contactor == BMS_CLOSED;
}

void sim_bms_rx(struct sim *s, const struct canframe *f)
{
	struct sim_bms *b = &s->bms;

	if (s->gbt && b->bus) {
		if (!b->silent && !b->bus_off_until_us)
			sim_gbt_rx(s, f);
		return;
	}
	if (s->persona && b->bus) {
		sim_persona_rx(s, f);
		return;
	}
	if (!b->db || f->id != b->m_cmd->id || b->silent || b->bus_off_until_us)
		return;
	b->heartbeat_seen = true;
	b->last_cmd_us = s->t_us;
	b->req_close = cansig_decode(b->s_req, f->data, f->len) >= 0.5;
}

/* lround() without the libm call: this runs for every cell every 100 ms */
static inline int64_t round_i64(double x)
{
	return x >= 0 ? (int64_t)(x + 0.5) : -(int64_t)(-x + 0.5);
}

/* Intel signals on byte boundaries are written bytewise: the BMS sends a
 * few thousand of them per simulated second. */
static void put_raw(const struct dbc_sig *sig, uint8_t *data, uint64_t raw)
{
	if (!sig->big_endian && sig->start % 8 == 0 && sig->len % 8 == 0 &&
	    sig->start / 8 + sig->len / 8 <= 8) {
		for (unsigned i = 0; i < sig->len / 8; i++)
			data[sig->start / 8 + i] = (uint8_t)(raw >> (8 * i));
		return;
	}
	cansig_put_raw(sig, data, 8, raw);
}

/* Quantise to the signal's resolution, clamped to its range. */
static void put_phys(const struct dbc_sig *sig, uint8_t *data, double phys)
{
	if (sig->min < sig->max) {
		if (phys < sig->min)
			phys = sig->min;
		if (phys > sig->max)
			phys = sig->max;
	}
	put_raw(sig, data,
		(uint64_t)round_i64((phys - sig->offset) / sig->factor));
}

static double noise(struct sim *s, double sigma)
{
	return s->noise_on ? sigma * sim_rng_noise(&s->noise) : 0;
}

static void measure(struct sim *s)
{
	struct sim_bms *b = &s->bms;

	for (unsigned i = 0; i < s->n; i++) {
		if (b->stuck[i])
			continue; /* the reading freezes at its last value */
		/* the sensor's fixed offset is the BMS's, not the cell's */
		double v = s->st[i].voltage_V + s->sensor_offset_V[i] +
			   noise(s, BMS_NOISE_CELL_V);
		b->cell_mV[i] = (int32_t)round_i64(v * 1000.0);
	}
	for (unsigned p = 0; p < s->n_probes; p++) {
		/* each probe sits in one zone of its module and reads the
		 * hottest cell there */
		/* n_probes is modules x probes_per_module, or one per cell */
		unsigned ppm = s->n_probes / s->cfg.modules;
		unsigned cpm = s->cells_per_module;
		unsigned first, last;
		double t = -273;

		if (ppm) {
			first = p / ppm * cpm + p % ppm * cpm / ppm;
			last = p / ppm * cpm + (p % ppm + 1) * cpm / ppm;
		} else { /* fewer probes than modules: a span each */
			first = p * s->n / s->n_probes;
			last = (p + 1) * s->n / s->n_probes;
		}

		for (unsigned i = first; i < last; i++)
			if (s->st[i].temp_C > t)
				t = s->st[i].temp_C;
		t = round(t + noise(s, BMS_NOISE_T_C));
		b->probe_C[p] = (int8_t)(t < -128 ? -128 : t > 127 ? 127 : t);
	}
}

static double ramp(double x, double x0, double x1)
{
	double f = (x - x0) / (x1 - x0);

	return f < 0 ? 0 : f > 1 ? 1 : f;
}

static void limits(struct sim *s, int32_t vmax_mV, int32_t vmin_mV,
		   double tmax_C, double tmin_C)
{
	struct sim_bms *b = &s->bms;
	double c_A = s->info.rated_capacity_ah;
	double vmax = vmax_mV * 1e-3, vmin = vmin_mV * 1e-3;
	/* full rate until 20 mV before the charge limit, down to C/20 30 mV
	 * past it; the same near the discharge cut-off; and with
	 * temperature: no charge below 0 C, nothing above 55 C */
	double fc = 1 - 0.95 * ramp(vmax, s->v_charge_max_V - 0.02,
				    s->v_charge_max_V + 0.03);
	double fd = 1 - 0.95 * ramp(vmin, s->v_discharge_min_V + 0.02,
				    s->v_discharge_min_V - 0.03);
	double ft = 1 - ramp(tmax_C, 45, 55);

	b->ccl_A = 1.0 * c_A * fc * ft * ramp(tmin_C, 0, 10);
	b->dcl_A = 2.0 * c_A * fd * ft;
}

static void debounce(struct sim_bms *b, int which, bool bad, unsigned bit)
{
	if (!bad) {
		b->debounce[which] = 0;
		return;
	}
	if (++b->debounce[which] >= BMS_DEBOUNCE)
		b->faults |= bit;
}

static void supervise(struct sim *s, int32_t vmax_mV, int32_t vmin_mV,
		      double tmax_C, double I_meas)
{
	struct sim_bms *b = &s->bms;
	unsigned before = b->faults;

	debounce(b, 0, vmax_mV > hard_ov_V(s) * 1000, BMS_F_OV);
	debounce(b, 1, vmin_mV < hard_uv_V(s) * 1000, BMS_F_UV);
	debounce(b, 2, tmax_C > BMS_OVER_TEMP_C, BMS_F_OT);
	debounce(b, 3,
		 fabs(I_meas) > BMS_OVER_CURRENT_C * s->info.rated_capacity_ah,
		 BMS_F_OC);
	if (b->heartbeat_seen &&
	    s->t_us - b->last_cmd_us > BMS_HEARTBEAT_TIMEOUT_US)
		b->faults |= BMS_F_COMM;
	if (b->faults & ~before)
		log_info("fault flags 0x%02x at %.1f s%s", b->faults,
			 s->t_us * 1e-6,
			 b->contactor != BMS_OPEN ? ": contactors open" : "");

	/* a latched fault holds the contactors open until the bench asks
	 * for them open and the cause is gone, with some hysteresis so a
	 * noisy reading at the threshold does not toggle it */
	if (!b->req_close && b->faults) {
		bool present[4] = {
		    vmax_mV > (hard_ov_V(s) - 0.05) * 1000,
		    vmin_mV<(hard_uv_V(s) + 0.10) * 1000, tmax_C>
			    BMS_OVER_TEMP_C -
			5,
		    b->debounce[3] > 0,
		};
		unsigned keep = 0;
		for (int i = 0; i < 4; i++)
			if (present[i])
				keep |= 1u << i;
		if (b->faults & BMS_F_COMM &&
		    s->t_us - b->last_cmd_us > BMS_HEARTBEAT_TIMEOUT_US)
			keep |= BMS_F_COMM;
		b->faults &= keep;
	}
	if (b->faults || !b->req_close) {
		b->contactor = BMS_OPEN;
	} else if (b->contactor == BMS_OPEN) {
		b->contactor = BMS_PRECHARGE;
		b->precharge_done_us = s->t_us + BMS_PRECHARGE_US;
	} else if (b->contactor == BMS_PRECHARGE &&
		   s->t_us >= b->precharge_done_us) {
		b->contactor = BMS_CLOSED;
	}
}

static void send(struct sim *s, const struct dbc_msg *m, const uint8_t *data)
{
	struct canframe f;

	memset(&f, 0, sizeof(f));
	f.id = m->id;
	f.len = m->size;
	memcpy(f.data, data, m->size);
	sim_send(s->bms.bus, &f);
}

static void publish(struct sim *s, int32_t vmax_mV, int32_t vmin_mV,
		    double I_meas)
{
	struct sim_bms *b = &s->bms;
	uint8_t d[8];
	double soc = 0;

	for (unsigned blk = 0; blk * 3 < s->n; blk++) {
		memset(d, 0, sizeof(d));
		put_raw(b->s_cellblock, d, blk);
		for (unsigned i = blk * 3; i < blk * 3 + 3 && i < s->n; i++)
			put_raw(
			    b->s_cell[i], d,
			    (uint64_t)(b->cell_mV[i] < 0 ? 0 : b->cell_mV[i]));
		send(s, b->m_cellv, d);
	}
	if (b->steps % BMS_TEMP_PERIOD_STEPS == 0) {
		for (unsigned blk = 0; blk * 7 < s->n_probes; blk++) {
			memset(d, 0, sizeof(d));
			put_raw(b->s_tblock, d, blk);
			for (unsigned p = blk * 7;
			     p < blk * 7 + 7 && p < s->n_probes; p++)
				put_raw(b->s_temp[p], d,
					(uint64_t)(int64_t)b->probe_C[p]);
			send(s, b->m_temp, d);
		}
	}
	for (unsigned i = 0; i < s->n; i++)
		soc += s->st[i].soc;
	soc = 100.0 * soc / s->n;
	memset(d, 0, sizeof(d));
	put_phys(b->s_pack_v, d, s->pack_V + noise(s, BMS_NOISE_PACK_V));
	put_phys(b->s_pack_i, d, I_meas);
	put_phys(b->s_soc, d, soc < 0 ? 0 : soc > 100 ? 100 : soc);
	put_raw(b->s_alive, d, b->alive);
	send(s, b->m_pack, d);

	memset(d, 0, sizeof(d));
	put_phys(b->s_ccl, d, b->ccl_A);
	put_phys(b->s_dcl, d, b->dcl_A);
	put_raw(b->s_vmax, d, (uint64_t)(vmax_mV < 0 ? 0 : vmax_mV));
	put_raw(b->s_vmin, d, (uint64_t)(vmin_mV < 0 ? 0 : vmin_mV));
	send(s, b->m_lim, d);

	memset(d, 0, sizeof(d));
	put_raw(b->s_contactor, d, b->contactor);
	for (int i = 0; i < 6; i++)
		put_raw(b->s_fault[i], d,
			((b->faults | b->forced_faults) >> i) & 1);
	send(s, b->m_state, d);
	b->alive = (b->alive + 1) & 15;
}

void sim_bms_step(struct sim *s)
{
	struct sim_bms *b = &s->bms;
	int32_t vmax_mV = INT32_MIN, vmin_mV = INT32_MAX;
	double tmax = -1e9, tmin = 1e9;
	double I_meas;

	if (b->silent)
		return; /* a hung BMS: no measurements, no decisions */
	measure(s);
	for (unsigned i = 0; i < s->n; i++) {
		if (b->cell_mV[i] > vmax_mV)
			vmax_mV = b->cell_mV[i];
		if (b->cell_mV[i] < vmin_mV)
			vmin_mV = b->cell_mV[i];
	}
	for (unsigned p = 0; p < s->n_probes; p++) {
		if (b->probe_C[p] > tmax)
			tmax = b->probe_C[p];
		if (b->probe_C[p] < tmin)
			tmin = b->probe_C[p];
	}
	I_meas = s->current_A + noise(s, BMS_NOISE_I_A);
	limits(s, vmax_mV, vmin_mV, tmax, tmin);
	supervise(s, vmax_mV, vmin_mV, tmax, I_meas);
	if (b->bus && !b->bus_off_until_us && s->gbt) {
		sim_gbt_step(s, I_meas);
	} else if (b->bus && !b->bus_off_until_us && s->persona) {
		sim_persona_step(s);
		sim_persona_publish(s);
	} else if (b->bus && !b->bus_off_until_us &&
		   b->steps % BMS_PERIOD_STEPS == 0) {
		publish(s, vmax_mV, vmin_mV, I_meas);
	}
	b->steps++;
}
