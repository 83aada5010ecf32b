/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_gbt.c - the simulated GB/T 27930 BMS (bms = gbt27930) against
 * the charger's session (bench/gbt_session.h) in-process, in virtual time:
 * a full charge from handshake to BSD/CSD, the BMV cells against the
 * simulator's, each fault with its BST code and every BMS-side timeout
 * with its BEM field. The charger's transport is the pure J1939 engine on
 * the same virtual clock, so nothing depends on wall time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/gbt_session.h"
#include "bench/instr.h"
#include "bench/sim/packini.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "can/j1939_engine.h"
#include "common/rc.h"
#include "support.h"

#define MS 1000LL
#define S_US 1000000LL
#define SERIES 16
#define HIST 4 /* sim steps of cell voltages kept */

struct rig {
	struct sim *s;
	struct canbus *sim_bus, *chg_bus;
	struct j1939_engine eng; /* the charger's transport, at 0x56 */
	struct gbt_session ses;
	struct j1939_msg m;
	int64_t t_us;
	/* the charger falls silent on receiving this group (0 = never) */
	uint32_t freeze_on;
	bool frozen;
	int64_t frozen_us;
	/* what came from the BMS */
	int64_t bem_us;
	uint16_t bem_set;
	double max_cell_V, max_current_A;
	bool current_outside; /* current seen outside CRO 0xAA .. stop */
	enum gbt_state step_state;
	bool bmv_checked;
	double hist_V[HIST][192];
	unsigned n, per_module; /* series elements, elements a module */
	double charged_Ah;
	double bmv_err_max_V;
};

static char *dir;

static void rig_open_file(struct rig *r, const char *path)
{
	const struct sim_pack_info *in;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(sim_load(path, NULL, &r->s), BENCH_OK);
	sim_set_noise(r->s, false);
	in = sim_info(r->s);
	r->n = in->series;
	r->per_module = in->series / in->modules;
	cr_assert_eq(canbus_open("mem:gbt", NULL, &r->sim_bus), BENCH_OK);
	cr_assert_eq(canbus_open("mem:gbt", NULL, &r->chg_bus), BENCH_OK);
	cr_assert_eq(sim_attach_bms(r->s, r->sim_bus), BENCH_OK);
}

static void rig_open(struct rig *r, const char *extra, double soc)
{
	char text[2048], *path;

	if (!dir)
		dir = tmpdir_new("simgbt");
	snprintf(text, sizeof(text),
		 "[pack]\nname = g\nchemistry = lfp\nseries = %d\n"
		 "modules = 4\nrated_capacity_ah = 20\nr0_mohm = 2\n"
		 "capacity_sigma = 0.02\nr_sigma = 0.05\nsoc_sigma = 0.005\n"
		 "initial_soc = %.3f\nseed = 3\nbms = gbt27930\n%s",
		 SERIES, soc, extra);
	path = tmpfile_write(dir, "gbt.ini", text);
	rig_open_file(r, path);
	free(path);
}

static void rig_close(struct rig *r)
{
	sim_free(r->s);
	canbus_close(r->sim_bus);
	canbus_close(r->chg_bus);
}

static int chg_emit(void *ctx, const struct canframe *f)
{
	struct rig *r = ctx;

	return canbus_send(r->chg_bus, f);
}

static int chg_send(void *ctx, uint32_t pgn, uint8_t prio, const uint8_t *d,
		    size_t len)
{
	struct rig *r = ctx;

	if (r->frozen)
		return BENCH_OK;
	return j1939_engine_send(&r->eng, prio, pgn, GBT_ADDR_BMS, d, len,
				 r->t_us);
}

static void start(struct rig *r)
{
	static const struct gbt_session_cfg cfg = {
	    .cml = {7500, 200, -2000, 0}, /* 750 V, 20 V, 200 A */
	    .charger_no = 0xFFFFFFFF,
	    .auto_ready = true,
	};

	j1939_engine_init(&r->eng, GBT_ADDR_CHARGER, chg_emit, r);
	gbt_session_init(&r->ses, &cfg, chg_send, r);
	gbt_session_start(&r->ses, r->t_us);
}

/* The decoded BMV against the simulator's cells as they were when it was
 * built: a transfer takes a step or two, and in CV the cells move by more
 * than the 0.01 V resolution in that time. */
static void check_bmv(struct rig *r, const uint8_t *d, size_t len)
{
	static struct gbt_bmv bmv;
	double best = 1e9;

	cr_assert_eq(gbt_decode_bmv(d, len, &bmv), BENCH_OK);
	cr_assert_eq(bmv.n, r->n);
	for (unsigned k = 0; k < HIST; k++) {
		double err = 0;

		for (unsigned i = 0; i < r->n; i++) {
			double e =
			    fabs(bmv.cell_cV[i] * 0.01 - r->hist_V[k][i]);
			err = e > err ? e : err;
		}
		best = err < best ? err : best;
	}
	for (unsigned i = 0; i < r->n; i++)
		cr_assert_eq(bmv.group[i], i / r->per_module, "cell %u", i + 1);
	if (best > r->bmv_err_max_V)
		r->bmv_err_max_V = best;
	r->bmv_checked = true;
}

static void on_group(struct rig *r, const struct j1939_msg *m)
{
	struct gbt_codes c;

	if (m->pgn == GBT_BEM && !r->bem_us) {
		cr_assert_eq(gbt_codes_decode(m->data, m->len, &c), BENCH_OK);
		r->bem_us = r->t_us;
		r->bem_set = gbt_codes_set(&c);
	}
	if (m->pgn == GBT_BMV)
		check_bmv(r, m->data, m->len);
	if (r->freeze_on == m->pgn && !r->frozen) {
		r->frozen = true;
		r->frozen_us = r->t_us;
	}
	if (!r->frozen)
		gbt_session_on_msg(&r->ses, m->pgn, m->data, m->len, r->t_us);
}

/* The charger's cycler: the session's demand, set every 100 ms. */
static void cycler(struct rig *r)
{
	struct instr *in = sim_instr(r->s);
	uint16_t v_dV, i_dA;

	gbt_session_demand(&r->ses, &v_dV, &i_dA);
	cr_assert_eq(in->ops->set_voltage(in, v_dV ? v_dV * 100 : 1000000,
					  (int32_t)r->n * 2000),
		     BENCH_OK);
	cr_assert_eq(in->ops->set_current(in, i_dA * 100), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, i_dA > 0), BENCH_OK);
}

static void rig_step(struct rig *r)
{
	struct canbus_ev ev;
	struct sim_plant p;
	struct sim_cell c;

	r->t_us += 10 * MS;
	cr_assert_eq(sim_advance(r->s, r->t_us), BENCH_OK);
	while (canbus_recv(r->chg_bus, &ev, 0) == 1)
		if (ev.kind == CANBUS_EV_FRAME)
			j1939_engine_on_frame(&r->eng, &ev.frame, r->t_us);
	j1939_engine_tick(&r->eng, r->t_us);
	while (j1939_engine_take(&r->eng, &r->m) == 1)
		on_group(r, &r->m);
	sim_plant_read(r->s, &p);
	if (!r->frozen) {
		gbt_session_set_output(&r->ses,
				       (uint16_t)lround(p.voltage_V * 10),
				       (int16_t)lround(-p.current_A * 10));
		gbt_session_tick(&r->ses, r->t_us);
	}
	if (r->t_us % (100 * MS) == 0 && !r->frozen)
		cycler(r);
	if (p.current_A > r->max_current_A)
		r->max_current_A = p.current_A;
	r->charged_Ah += p.current_A * 0.01 / 3600;
	/* the current of the sim step just done, against the session's
	 * state as that step began */
	if (r->t_us % (100 * MS) == 0) {
		if (fabs(p.current_A) > 0.01 &&
		    r->step_state != GBT_ST_CHARGING)
			r->current_outside = true;
		r->step_state = r->ses.state;
	}
	for (unsigned i = 0; i < r->n; i++) {
		sim_cell_read(r->s, i, &c);
		if (c.voltage_V > r->max_cell_V)
			r->max_cell_V = c.voltage_V;
		r->hist_V[r->t_us / (100 * MS) % HIST][i] = c.voltage_V;
	}
}

static void run_for(struct rig *r, int64_t us)
{
	int64_t end = r->t_us + us;

	while (r->t_us < end)
		rig_step(r);
}

static void run_until_done(struct rig *r, int64_t limit_us)
{
	while (r->ses.state != GBT_ST_DONE && r->ses.state != GBT_ST_FAILED &&
	       r->t_us < limit_us)
		rig_step(r);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_gbt, .timeout = 120);

Test(sim_gbt, full_session_cc_cv_to_bst_and_csd)
{
	struct rig r;
	struct sim_cell c;
	double soc_min = 1;

	rig_open(&r, "", 0.80);
	run_for(&r, 5 * S_US); /* the BMS sleeps until the charger speaks */
	cr_assert_eq(r.max_current_A, 0);
	start(&r);
	run_until_done(&r, 3 * 3600 * S_US);
	cr_assert_eq(r.ses.state, GBT_ST_DONE, "state %s",
		     gbt_state_name(r.ses.state));
	/* identity and limits from the pack file */
	cr_assert_eq(r.ses.brm.len, 49);
	cr_assert_eq(r.ses.brm.battery_type, 3); /* LFP */
	cr_assert_eq(r.ses.brm.capacity_dAh, 200);
	cr_assert_eq(r.ses.bcp.cell_max_cV, 365);
	cr_assert_eq(r.ses.bcp.max_voltage_dV, SERIES * 365 / 10);
	cr_assert_eq(r.ses.bcp.max_current_dA, -200); /* 1C */
	/* charged at 1C, stopped by the BMS at its cell limit */
	cr_assert_gt(r.max_current_A, 19.0);
	cr_assert_leq(r.max_current_A, 20.05);
	cr_assert_eq(r.ses.stop_by, GBT_STOP_BMS);
	cr_assert_eq(r.ses.bst_set, 1u << GBT_BST_CELL_VOLTAGE_REACHED,
		     "BST 0x%04X", r.ses.bst_set);
	cr_assert_eq(r.ses.bcl.mode, 1, "CV at the end");
	cr_assert_lt(r.max_cell_V, 3.66, "highest cell %.3f V", r.max_cell_V);
	for (unsigned i = 0; i < SERIES; i++) {
		sim_cell_read(r.s, i, &c);
		if (c.soc < soc_min)
			soc_min = c.soc;
	}
	cr_assert_gt(soc_min, 0.95, "lowest cell at %.3f", soc_min);
	cr_assert_geq(r.ses.bsd.soc_pct, 97);
	/* no current outside CRO 0xAA .. the stop */
	cr_assert_not(r.current_outside);
	/* the BMV cells are the simulator's cells: 0.5 mV + 5 mV rounding */
	cr_assert(r.bmv_checked);
	cr_assert_leq(r.bmv_err_max_V, 0.0056, "BMV off by %.4f V",
		      r.bmv_err_max_V);
	cr_assert_eq(r.ses.bmt.n, 8); /* 4 modules x 2 probes */
	cr_assert_eq(r.ses.bsm.status[GBT_BSM_PERMIT], 1);
	/* the BMS's SOC and measured values in BCS */
	cr_assert_geq(r.ses.bcs.soc_pct, 95);
	/* after CSD the BMS is done and quiet */
	run_for(&r, 20 * S_US);
	cr_assert_eq(r.bem_us, 0);
	rig_close(&r);
}

/* The fixture pack, from its lower limit to full: what the charger put
 * in is what its cells hold. */
Test(sim_gbt, fixture_pack_from_lower_limit_to_full)
{
	char *path = sim_fixture_path("fixtures/packs/gbt-lfp-aged.ini");
	struct rig r;
	struct sim_cell c;
	double cap_min = 1e9, soc0[192];

	cr_assert(path);
	rig_open_file(&r, path);
	free(path);
	for (unsigned i = 0; i < r.n; i++) {
		sim_cell_read(r.s, i, &c);
		soc0[i] = c.soc;
	}
	start(&r);
	run_until_done(&r, 3 * 3600 * S_US);
	cr_assert_eq(r.ses.state, GBT_ST_DONE,
		     "%s at %.0f s: %.1f Ah, BCL %d dA mode %d, BCS %u %%, "
		     "max cell %u cV",
		     gbt_state_name(r.ses.state), r.t_us * 1e-6, r.charged_Ah,
		     r.ses.bcl.current_dA, r.ses.bcl.mode, r.ses.bcs.soc_pct,
		     r.ses.bcs.cell_max_cV);
	cr_assert_eq(r.ses.bst_set, 1u << GBT_BST_CELL_VOLTAGE_REACHED);
	cr_assert_gt(r.max_current_A, 99.0, "1C of 100 Ah");
	for (unsigned i = 0; i < r.n; i++) {
		sim_cell_read(r.s, i, &c);
		/* each cell took the charge the charger measured */
		cr_assert_lt(
		    fabs((c.soc - soc0[i]) * c.capacity_Ah - r.charged_Ah), 0.2,
		    "cell %u", i + 1);
		if (c.capacity_Ah < cap_min)
			cap_min = c.capacity_Ah;
	}
	/* the smallest cell full, from about 5 %: ~95 % of it went in */
	cr_assert(r.charged_Ah > 0.92 * cap_min && r.charged_Ah < cap_min,
		  "%.2f Ah into a pack of %.2f Ah", r.charged_Ah, cap_min);
	cr_assert_lt(r.max_cell_V, 3.66);
	rig_close(&r);
}

Test(sim_gbt, no_cell_reports_without_bmv_bmt)
{
	struct rig r;

	rig_open(&r, "[gbt]\ncell_reports = no\n", 0.5);
	start(&r);
	run_for(&r, 30 * S_US);
	cr_assert_eq(r.ses.state, GBT_ST_CHARGING);
	cr_assert_gt(r.ses.bcs_us, 0);
	cr_assert_eq(r.ses.bmv_us, 0);
	cr_assert_eq(r.ses.bmt_us, 0);
	rig_close(&r);
}

/* A scheduled fault ends the session with its BST reason (and BSM flag). */
static void fault_case(const char *section, unsigned bst_field, int bsm_status)
{
	struct rig r;
	struct sim_plant p;

	rig_open(&r, section, 0.5);
	start(&r);
	run_until_done(&r, 120 * S_US);
	cr_assert_eq(r.ses.state, GBT_ST_DONE, "state %s",
		     gbt_state_name(r.ses.state));
	cr_assert(r.ses.bst_set & (1u << bst_field), "BST 0x%04X",
		  r.ses.bst_set);
	if (bsm_status >= 0)
		cr_assert_eq(r.ses.bsm.status[bsm_status], 1);
	cr_assert_gt(r.max_current_A, 19.0, "it charged before the fault");
	sim_plant_read(r.s, &p);
	cr_assert_not(p.contactors_closed);
	cr_assert_not(r.current_outside);
	rig_close(&r);
}

Test(sim_gbt, insulation_fault_stops_with_bst_insulation)
{
	fault_case("[fault gbt_insulation]\nat = 40 s\n", GBT_BST_INSULATION,
		   GBT_BSM_INSULATION);
}

Test(sim_gbt, overtemp_fault_stops_with_bsm_and_bst_overtemp)
{
	fault_case("[fault gbt_overtemp]\nat = 40 s\n", GBT_BST_PACK_OVERTEMP,
		   GBT_BSM_OVERTEMP);
}

Test(sim_gbt, stop_fault_stops_with_its_reason)
{
	fault_case("[fault gbt_stop]\nat = 40 s\nreason = connector_overtemp\n",
		   GBT_BST_CONNECTOR_OVERTEMP, -1);
}

/* The charger falls silent once it receives `on`: BEM with the field of
 * what the BMS waited for, `limit` after its wait began, and no current. */
static void timeout_case(uint32_t on, const char *extra, unsigned bem_field,
			 int64_t limit_us)
{
	struct rig r;
	struct sim_plant p;
	int64_t dt;

	rig_open(&r, extra, 0.5);
	r.freeze_on = on;
	start(&r);
	while (!r.bem_us && r.t_us < 200 * S_US)
		rig_step(&r);
	cr_assert(r.frozen);
	cr_assert_gt(r.bem_us, 0, "no BEM");
	cr_assert_eq(r.bem_set, 1u << bem_field, "BEM 0x%04X", r.bem_set);
	dt = r.bem_us - r.frozen_us;
	cr_assert(dt > limit_us - 600 * MS && dt <= limit_us + 300 * MS,
		  "BEM %.2f s after the charger fell silent", dt * 1e-6);
	run_for(&r, 1 * S_US);
	sim_plant_read(r.s, &p);
	cr_assert_not(p.contactors_closed);
	cr_assert_eq(p.current_A, 0);
	rig_close(&r);
}

Test(sim_gbt, timeout_crm_after_chm)
{
	timeout_case(GBT_BHM, "", GBT_BEM_CRM_00, 30 * S_US);
}

Test(sim_gbt, timeout_crm_aa_after_brm)
{
	timeout_case(GBT_BRM, "", GBT_BEM_CRM_AA, 5 * S_US);
}

Test(sim_gbt, timeout_cml_after_bcp)
{
	timeout_case(GBT_BCP, "", GBT_BEM_CML, 5 * S_US);
}

Test(sim_gbt, timeout_cro_after_bro)
{
	timeout_case(GBT_BRO, "", GBT_BEM_CRO, 5 * S_US);
}

Test(sim_gbt, timeout_ccs_while_charging)
{
	timeout_case(GBT_BCS, "", GBT_BEM_CCS, 1 * S_US);
}

Test(sim_gbt, timeout_cst_after_bst)
{
	timeout_case(GBT_BST, "[fault gbt_stop]\nat = 20 s\nreason = relay\n",
		     GBT_BEM_CST, 5 * S_US);
}

Test(sim_gbt, timeout_csd_after_bsd)
{
	timeout_case(GBT_BSD, "[fault gbt_stop]\nat = 20 s\nreason = relay\n",
		     GBT_BEM_CSD, 10 * S_US);
}

static void expect_load_err(const char *text, const char *needle)
{
	struct sim *s = NULL;
	char *path;
	int rc;

	if (!dir)
		dir = tmpdir_new("simgbt");
	path = tmpfile_write(dir, "bad.ini", text);
	logcap_start();
	rc = sim_load(path, NULL, &s);
	logcap_stop();
	free(path);
	sim_free(s);
	cr_assert_lt(rc, 0, "accepted: %s", text);
	cr_assert(strstr(logcap_text(), needle), "wanted '%s' in '%s'", needle,
		  logcap_text());
}

#define PACK "[pack]\nchemistry = lfp\nseries = 4\nrated_capacity_ah = 10\n"

Test(sim_gbt, ini_errors_name_line_and_key)
{
	expect_load_err(PACK "bms = gbt27930\n[fault gbt_stop]\nat = 1 s\n"
			     "reason = tired\n",
			"bad.ini:8: key 'reason': 'tired' is not a BST reason");
	expect_load_err(PACK "bms = gbt27930\n[fault gbt_stop]\nat = 1 s\n",
			"bad.ini:6: key 'reason': missing in [fault gbt_stop]");
	expect_load_err(PACK "[fault gbt_insulation]\nat = 1 s\n",
			"bad.ini:5: section [fault gbt_insulation]: only for "
			"a GB/T BMS (bms = gbt27930)");
	expect_load_err(PACK "[gbt]\ncell_reports = no\n",
			"bad.ini:5: section [gbt]: only for a GB/T BMS");
	expect_load_err(PACK "bms = gbt27930\n[gbt]\ncell_reports = maybe\n",
			"bad.ini:7: key 'cell_reports': 'maybe' is not yes "
			"or no");
	expect_load_err(PACK "bms = gbt27930\n[gbt]\nbmv = no\n",
			"bad.ini:7: key 'bmv': unknown key in [gbt]");
}

/* `bench sim --answer-log`: every group the BMS sends, `T_S NAME HEX`, as
 * the charger received it. */
Test(sim_gbt, answer_log_holds_every_group_sent)
{
	static struct gbt_bmv bmv;
	static char line[4096];
	static uint8_t d[GBT_MAX_LEN];
	struct rig r;
	struct gbt_brm brm;
	char *path;
	FILE *f;
	unsigned seen = 0, last_bmv_len = 0;
	double t_prev = 0;

	rig_open(&r, "", 0.5);
	if (!dir)
		dir = tmpdir_new("simgbt");
	path = tmpfile_write(dir, "answers.txt", "");
	f = fopen(path, "w");
	cr_assert_not_null(f);
	sim_set_answer_log(r.s, f);
	start(&r);
	run_for(&r, 25 * S_US);
	cr_assert_eq(r.ses.state, GBT_ST_CHARGING);
	fclose(f);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		static const char *const names[] = {"BHM", "BRM", "BCP",
						    "BRO", "BCL", "BCS",
						    "BSM", "BMV", "BMT"};
		char name[8], hex[4000];
		double t;
		size_t n;

		cr_assert_eq(sscanf(line, "%lf %7s %3999s", &t, name, hex), 3,
			     "bad line: %s", line);
		cr_assert_geq(t, t_prev);
		t_prev = t;
		n = strlen(hex) / 2;
		for (size_t i = 0; i < n; i++) {
			unsigned b;

			cr_assert_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
			d[i] = (uint8_t)b;
		}
		for (unsigned k = 0; k < 9; k++)
			if (!strcmp(name, names[k]))
				seen |= 1u << k;
		if (!strcmp(name, "BRM")) {
			cr_assert_eq(gbt_decode_brm(d, n, &brm), BENCH_OK);
			cr_assert_eq(brm.capacity_dAh, r.ses.brm.capacity_dAh);
			cr_assert_eq(memcmp(brm.vin, r.ses.brm.vin, 17), 0);
		}
		if (!strcmp(name, "BMV")) {
			cr_assert_eq(gbt_decode_bmv(d, n, &bmv), BENCH_OK);
			last_bmv_len = (unsigned)n;
		}
	}
	fclose(f);
	cr_assert_eq(seen, 0x1FFu, "groups seen: 0x%03X", seen);
	/* the last BMV logged is the last the charger has */
	cr_assert_eq(last_bmv_len, 2 * SERIES);
	cr_assert_eq(bmv.n, r.ses.bmv.n);
	cr_assert_eq(memcmp(bmv.cell_cV, r.ses.bmv.cell_cV,
			    SERIES * sizeof(bmv.cell_cV[0])),
		     0);
	rig_close(&r);
	free(path);
}
