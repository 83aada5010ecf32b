/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_bms.c - the simulated BMS, cycler and faults seen from the bus:
 * frames decoded with the DBC codec over the in-process bus. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/instr.h"
#include "bench/sim/sim.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

/* the bench side of the bus: heartbeat out, everything decoded in */
struct rig {
	struct sim *s;
	struct canbus *sim_bus, *bench;
	struct dbc *db;
	int64_t t_us;
	unsigned alive;
	bool heartbeat, req_close;
	double cell_V[192], temp_C[64];
	double pack_V, pack_I, soc, ccl, dcl, vmax, vmin;
	int contactor;
	int fault[6];
	unsigned n_frames, n_cellv, n_state_ev;
	int64_t last_frame_us;
	enum canbus_state last_state;
	int64_t state_t_us;
	uint64_t hash;
};

static char *dir;

static const char *pack_text(const char *extra)
{
	static char t[4096];

	snprintf(t, sizeof(t),
		 "[pack]\nname = t\nchemistry = nmc\nseries = 12\nmodules = 2\n"
		 "rated_capacity_ah = 50\nr0_mohm = 1.2\n"
		 "capacity_sigma = 0.02\nr_sigma = 0.05\nsoc_sigma = 0.01\n"
		 "seed = 5\n%s",
		 extra);
	return t;
}

static void rig_open(struct rig *r, const char *extra, const char *bus)
{
	char *path, *dbc;
	struct canbus_opts o = {.err_frames = true};

	memset(r, 0, sizeof(*r));
	if (!dir)
		dir = tmpdir_new("sim");
	path = tmpfile_write(dir, "pack.ini", pack_text(extra));
	cr_assert_eq(sim_load(path, NULL, &r->s), BENCH_OK);
	free(path);
	cr_assert_eq(canbus_open(bus, NULL, &r->sim_bus), BENCH_OK);
	cr_assert_eq(canbus_open(bus, &o, &r->bench), BENCH_OK);
	cr_assert_eq(sim_attach_bms(r->s, r->sim_bus), BENCH_OK);
	dbc = sim_fixture_path("fixtures/dbc/sim_bms.dbc");
	cr_assert(dbc);
	cr_assert_eq(dbc_load_file(dbc, NULL, &r->db), BENCH_OK);
	free(dbc);
	r->heartbeat = true;
	r->req_close = true;
	r->contactor = -1;
}

static void rig_close(struct rig *r)
{
	sim_free(r->s);
	canbus_close(r->sim_bus);
	canbus_close(r->bench);
	dbc_free(r->db);
}

static double sig(const struct dbc_msg *m, const char *name,
		  const struct canframe *f)
{
	const struct dbc_sig *s = dbc_sig_by_name(m, name);

	cr_assert(s, "no signal %s", name);
	return cansig_decode(s, f->data, f->len);
}

static void decode(struct rig *r, const struct canbus_ev *ev)
{
	const struct canframe *f = &ev->frame;
	const struct dbc_msg *m = dbc_msg_by_id(r->db, f->id);
	char name[32];

	if (ev->kind == CANBUS_EV_STATE) {
		r->n_state_ev++;
		r->last_state = ev->state;
		r->state_t_us = ev->t_us;
		return;
	}
	cr_assert(m, "unknown id 0x%x", f->id);
	r->n_frames++;
	r->last_frame_us = ev->t_us;
	for (unsigned i = 0; i < f->len; i++)
		r->hash = (r->hash ^ f->data[i]) * 0x100000001b3ull;
	r->hash = (r->hash ^ f->id) * 0x100000001b3ull;
	if (!strcmp(m->name, "BMS_CellVoltages")) {
		unsigned blk = (unsigned)sig(m, "CellV_Block", f);
		r->n_cellv++;
		for (unsigned i = blk * 3; i < blk * 3 + 3; i++) {
			snprintf(name, sizeof(name), "Cell%03u_V", i + 1);
			r->cell_V[i] = sig(m, name, f);
		}
	} else if (!strcmp(m->name, "BMS_Temperatures")) {
		unsigned blk = (unsigned)sig(m, "Temp_Block", f);
		for (unsigned i = blk * 7; i < blk * 7 + 7 && i < 64; i++) {
			snprintf(name, sizeof(name), "Temp%03u_C", i + 1);
			r->temp_C[i] = sig(m, name, f);
		}
	} else if (!strcmp(m->name, "BMS_PackStatus")) {
		r->pack_V = sig(m, "Pack_Voltage", f);
		r->pack_I = sig(m, "Pack_Current", f);
		r->soc = sig(m, "Pack_SOC", f);
	} else if (!strcmp(m->name, "BMS_Limits")) {
		r->ccl = sig(m, "BMS_CCL", f);
		r->dcl = sig(m, "BMS_DCL", f);
		r->vmax = sig(m, "BMS_MaxCellV", f);
		r->vmin = sig(m, "BMS_MinCellV", f);
	} else if (!strcmp(m->name, "BMS_State")) {
		static const char *const fs[6] = {
		    "Fault_CellOV",	 "Fault_CellUV", "Fault_OverTemp",
		    "Fault_OverCurrent", "Fault_Comm",	 "Fault_Internal"};
		r->contactor = (int)sig(m, "Contactor_State", f);
		for (int i = 0; i < 6; i++)
			r->fault[i] = (int)sig(m, fs[i], f);
	}
}

static void rig_step(struct rig *r)
{
	struct canbus_ev ev;

	if (r->heartbeat) {
		const struct dbc_msg *m =
		    dbc_msg_by_name(r->db, "BENCH_Command");
		struct canframe f = {.id = m->id, .len = m->size};
		cansig_encode(dbc_sig_by_name(m, "Bench_ContactorReq"), f.data,
			      f.len, r->req_close);
		cansig_encode(dbc_sig_by_name(m, "Bench_Alive"), f.data, f.len,
			      r->alive++ & 15);
		cr_assert_eq(canbus_send(r->bench, &f), BENCH_OK);
	}
	r->t_us += 100000;
	cr_assert_eq(sim_advance(r->s, r->t_us), BENCH_OK);
	while (canbus_recv(r->bench, &ev, 0) == 1)
		decode(r, &ev);
}

static void rig_run(struct rig *r, double seconds)
{
	for (int i = 0; i < (int)lround(seconds * 10); i++)
		rig_step(r);
}

static void start_current(struct rig *r, double A)
{
	struct instr *in = sim_instr(r->s);

	cr_assert_eq(in->ops->set_voltage(in, 12 * 4300, 12 * 2000), 0);
	cr_assert_eq(in->ops->set_current(in, (int32_t)lround(A * 1000)), 0);
	cr_assert_eq(in->ops->set_output(in, true), 0);
}

static void keep_cycler(struct rig *r)
{
	struct instr *in = sim_instr(r->s);
	cr_assert_eq(in->ops->poll(in, r->t_us), 0);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_bms, .timeout = 60);

Test(sim_bms, cells_decoded_equal_true_state_within_quantisation)
{
	struct rig r;
	struct sim_cell c;

	rig_open(&r, "", "mem:q1");
	sim_set_noise(r.s, false);
	start_current(&r, -25);
	for (int i = 0; i < 100; i++) {
		rig_step(&r);
		keep_cycler(&r);
	}
	cr_assert_eq(r.contactor, 2);
	for (unsigned i = 0; i < 12; i++) {
		sim_cell_read(r.s, i, &c);
		cr_assert_float_eq(r.cell_V[i], c.voltage_V, 0.0005 + 1e-9,
				   "cell %u: %.4f vs %.6f", i + 1, r.cell_V[i],
				   c.voltage_V);
	}
	cr_assert_float_eq(r.pack_I, -25, 0.05 + 1e-9);
	cr_assert_float_eq(r.vmax * 1000, round(r.vmax * 1000), 1e-6);
	/* noise on: still close, but not exact */
	sim_set_noise(r.s, true);
	double err = 0;
	for (int k = 0; k < 50; k++) {
		rig_step(&r);
		keep_cycler(&r);
		for (unsigned i = 0; i < 12; i++) {
			sim_cell_read(r.s, i, &c);
			cr_assert_lt(fabs(r.cell_V[i] - c.voltage_V), 0.008);
			err += fabs(r.cell_V[i] - c.voltage_V);
		}
	}
	err /= 50 * 12;
	cr_assert(err > 0.0005 && err < 0.003, "mean |noise| %.5f V", err);
	rig_close(&r);
}

/* docs/simulator.md, "Realism": a fixed per-cell offset of what the BMS
 * reports; the cell itself is the pack without the key, draw for draw */
Test(sim_bms, sensor_offset_is_fixed_per_cell_and_only_in_the_reading)
{
	struct rig r, plain;
	struct sim_cell c, c0;
	double off_mV[12], sum2 = 0;
	bool differ = false;

	rig_open(&r, "sensor_offset_mv_sigma = 4\n", "mem:off1");
	rig_open(&plain, "", "mem:off2");
	sim_set_noise(r.s, false);
	sim_set_noise(plain.s, false);
	rig_run(&r, 2);
	rig_run(&plain, 2);
	for (unsigned i = 0; i < 12; i++) {
		sim_cell_read(r.s, i, &c);
		sim_cell_read(plain.s, i, &c0);
		cr_assert_eq(c.voltage_V, c0.voltage_V, "cell %u moved", i + 1);
		off_mV[i] = 1e3 * (r.cell_V[i] - c.voltage_V);
		sum2 += off_mV[i] * off_mV[i];
		differ |= i && fabs(off_mV[i] - off_mV[0]) > 1.5;
		/* the plain pack reads true (1 mV quantisation) */
		cr_assert_lt(fabs(plain.cell_V[i] - c0.voltage_V), 0.0006);
	}
	cr_assert(differ, "every cell has the same offset");
	double rms = sqrt(sum2 / 12);

	cr_assert(rms > 1.5 && rms < 8, "offsets' rms %.2f mV, sigma 4", rms);
	rig_run(&r, 5);
	for (unsigned i = 0; i < 12; i++) {
		sim_cell_read(r.s, i, &c);
		cr_assert_float_eq(1e3 * (r.cell_V[i] - c.voltage_V), off_mV[i],
				   1.0 + 1e-9, "cell %u: offset moved", i + 1);
	}
	rig_close(&r);
	rig_close(&plain);
}

Test(sim_bms, frames_at_real_rates)
{
	struct rig r;

	rig_open(&r, "", "mem:rates");
	rig_run(&r, 10);
	/* 50 Ah element: 1C charge, 2C discharge at rest mid-SOC */
	cr_assert_float_eq(r.ccl, 50, 1e-9);
	cr_assert_float_eq(r.dcl, 100, 1e-9);
	/* 4 cell blocks per 100 ms burst, 3 status frames, 1 temperature
	 * frame per second */
	cr_assert_eq(r.n_cellv, 100 * 4);
	cr_assert_eq(r.n_frames, 100 * (4 + 3) + 10);
	cr_assert_float_eq(r.temp_C[0], 25, 1.0);
	cr_assert_float_eq(r.temp_C[3], 25, 1.0);
	rig_close(&r);
}

Test(sim_bms, contactors_precharge_then_close_and_no_current_when_open)
{
	struct rig r;
	struct instr_state st;
	struct instr *in;

	rig_open(&r, "", "mem:cont");
	in = sim_instr(r.s);
	r.req_close = false;
	start_current(&r, 20);
	rig_run(&r, 1);
	keep_cycler(&r);
	cr_assert_eq(r.contactor, 0);
	cr_assert_eq(in->ops->measure(in, &st), 0);
	cr_assert_eq(st.current_mA, 0, "current with contactors open");
	cr_assert_eq(st.voltage_mV, 0);
	r.req_close = true;
	rig_step(&r);
	cr_assert_eq(r.contactor, 1, "precharge first");
	rig_run(&r, 0.3);
	cr_assert_eq(r.contactor, 1);
	rig_run(&r, 0.4);
	cr_assert_eq(r.contactor, 2);
	rig_run(&r, 1);
	keep_cycler(&r);
	cr_assert_eq(in->ops->measure(in, &st), 0);
	cr_assert_eq(st.current_mA, 20000, "slewed to the setpoint");
	cr_assert_gt(st.voltage_mV, 12 * 3000);
	rig_close(&r);
}

Test(sim_bms, heartbeat_loss_opens_contactors_and_flags_comm)
{
	struct rig r;

	rig_open(&r, "", "mem:hb");
	rig_run(&r, 2);
	cr_assert_eq(r.contactor, 2);
	r.heartbeat = false;
	rig_run(&r, 0.9);
	cr_assert_eq(r.contactor, 2, "opened before 1 s");
	cr_assert_eq(r.fault[4], 0);
	rig_run(&r, 0.3);
	cr_assert_eq(r.contactor, 0);
	cr_assert_eq(r.fault[4], 1, "Fault_Comm");
	/* heartbeat back with a close request: stays latched */
	r.heartbeat = true;
	rig_run(&r, 1);
	cr_assert_eq(r.contactor, 0);
	/* the bench asks for open, the fault clears, then close works */
	r.req_close = false;
	rig_run(&r, 0.3);
	cr_assert_eq(r.fault[4], 0);
	r.req_close = true;
	rig_run(&r, 1);
	cr_assert_eq(r.contactor, 2);
	rig_close(&r);
}

Test(sim_bms, over_voltage_opens_contactors)
{
	struct rig r;

	rig_open(&r, "initial_soc = 0.99\n", "mem:ov");
	start_current(&r, 50);
	for (int i = 0; i < 600 && r.contactor != 0; i++) {
		rig_step(&r);
		keep_cycler(&r);
	}
	cr_assert_eq(r.contactor, 0);
	cr_assert_eq(r.fault[0], 1, "Fault_CellOV");
	cr_assert_gt(r.vmax, 4.29);
	/* CCL derated to C/20 or less past the charge limit */
	cr_assert_leq(r.ccl, 2.5 + 0.05);
	rig_close(&r);
}

Test(sim_bms, series_cells_share_the_current)
{
	struct rig r;
	struct sim_cell a[12], b[12];

	rig_open(&r, "self_discharge_ma = 0\n", "mem:series");
	rig_run(&r, 1);
	for (unsigned i = 0; i < 12; i++)
		sim_cell_read(r.s, i, &a[i]);
	start_current(&r, -30);
	for (int i = 0; i < 600; i++) {
		rig_step(&r);
		keep_cycler(&r);
	}
	for (unsigned i = 0; i < 12; i++) {
		sim_cell_read(r.s, i, &b[i]);
		double ah = (a[i].soc - b[i].soc) * b[i].capacity_Ah;
		double ah0 = (a[0].soc - b[0].soc) * b[0].capacity_Ah;
		cr_assert_float_eq(ah, ah0, 1e-9, "cell %u: %.6f Ah vs %.6f",
				   i + 1, ah, ah0);
	}
	/* 60 s at 30 A, less the slew ramp at the start */
	double ah0 = (a[0].soc - b[0].soc) * b[0].capacity_Ah;
	cr_assert_float_eq(ah0, 30.0 * 60 / 3600, 0.01);
	rig_close(&r);
}

Test(sim_bms, same_seed_same_frames_other_seed_not)
{
	uint64_t h[3];

	for (int k = 0; k < 3; k++) {
		struct rig r;
		char bus[16];

		snprintf(bus, sizeof(bus), "mem:det%d", k);
		rig_open(&r, k == 2 ? "[cell 1]\nsoh = 0.99\n" : "", bus);
		start_current(&r, -40);
		for (int i = 0; i < 300; i++) {
			rig_step(&r);
			keep_cycler(&r);
		}
		h[k] = r.hash;
		rig_close(&r);
	}
	cr_assert_eq(h[0], h[1]);
	cr_assert_neq(h[0], h[2]);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_faults, .timeout = 60);

Test(sim_faults, bms_silent_at_its_time)
{
	struct rig r;

	rig_open(&r, "[fault bms_silent]\nat = 20 s\n", "mem:f1");
	rig_run(&r, 19.9);
	unsigned n = r.n_frames;
	cr_assert_eq(r.last_frame_us, 19900000);
	rig_run(&r, 0.1); /* silent from 20.0 s on */
	cr_assert_eq(r.n_frames, n);
	rig_run(&r, 10);
	cr_assert_eq(r.n_frames, n, "frames after bms_silent");
	rig_close(&r);
}

Test(sim_faults, sensor_stuck_at_its_time)
{
	struct rig r;

	rig_open(&r, "[fault cell_sensor_stuck]\nat = 30 s\ncell = 4\n",
		 "mem:f2");
	start_current(&r, -50);
	for (int i = 0; i < 300; i++) {
		rig_step(&r);
		keep_cycler(&r);
	}
	double c4 = r.cell_V[3], c5 = r.cell_V[4];
	for (int i = 0; i < 300; i++) {
		rig_step(&r);
		keep_cycler(&r);
		cr_assert_eq(r.cell_V[3], c4, "stuck reading moved");
	}
	cr_assert_lt(r.cell_V[4], c5 - 0.005, "other cells move on");
	rig_close(&r);
}

Test(sim_faults, cell_heating_at_its_time)
{
	struct rig r;
	struct sim_cell c;

	rig_open(&r,
		 "[fault cell_heating]\nat = 60 s\ncell = 9\n"
		 "rate_c_per_min = 6\n",
		 "mem:f3");
	rig_run(&r, 60);
	sim_cell_read(r.s, 8, &c);
	cr_assert_float_eq(c.temp_C, 25, 0.01, "heated before its time");
	rig_run(&r, 300);
	sim_cell_read(r.s, 8, &c);
	cr_assert_gt(c.temp_C, 25 + 25, "%.1f C after 5 min", c.temp_C);
	/* the probe of cell 9's zone (module 2, first zone) sees it */
	cr_assert_gt(r.temp_C[2], 45);
	cr_assert_float_eq(r.temp_C[0], 25, 1);
	rig_run(&r, 120);
	cr_assert_eq(r.fault[2], 1, "Fault_OverTemp");
	cr_assert_eq(r.contactor, 0);
	/* allowed currents derate to nothing past 55 C */
	cr_assert_eq(r.ccl, 0);
	cr_assert_eq(r.dcl, 0);
	rig_close(&r);
}

Test(sim_faults, cell_short_at_its_time)
{
	struct rig r;
	struct sim_cell a, b, o;

	rig_open(&r,
		 "self_discharge_ma = 0\n"
		 "[fault cell_short]\nat = 10 s\ncell = 2\nohm = 0.5\n",
		 "mem:f4");
	rig_run(&r, 10);
	sim_cell_read(r.s, 1, &a);
	sim_cell_read(r.s, 2, &o);
	rig_run(&r, 100);
	sim_cell_read(r.s, 1, &b);
	/* about V/0.5 ohm = 7.3 A for 100 s */
	cr_assert_float_eq((a.soc - b.soc) * b.capacity_Ah, 7.3 * 100 / 3600,
			   0.02);
	sim_cell_read(r.s, 2, &a);
	cr_assert_float_eq(a.soc, o.soc, 1e-12, "neighbour unaffected");
	rig_close(&r);
}

Test(sim_faults, cycler_timeout_at_its_time)
{
	struct rig r;
	struct instr_state st;
	struct instr *in;

	rig_open(&r, "[fault cycler_timeout]\nat = 15 s\n", "mem:f5");
	in = sim_instr(r.s);
	start_current(&r, -20);
	for (int i = 0; i < 149; i++) {
		rig_step(&r);
		cr_assert_eq(in->ops->measure(in, &st), 0, "at %d", i);
	}
	rig_step(&r); /* 15.0 s */
	logcap_start();
	cr_assert_eq(in->ops->measure(in, &st), BENCH_ERR_TIMEOUT);
	cr_assert_eq(in->ops->set_output(in, false), BENCH_ERR_TIMEOUT);
	logcap_stop();
	/* its own watchdog turns the output off 2.5 s later */
	rig_run(&r, 2.4);
	cr_assert_float_eq(r.pack_I, -20, 0.3);
	rig_run(&r, 0.3);
	cr_assert_float_eq(r.pack_I, 0, 0.3);
	rig_close(&r);
}

Test(sim_faults, bus_off_at_its_time_for_its_duration)
{
	struct rig r;

	rig_open(&r, "[fault bus_off]\nat = 30 s\nduration = 5 s\n", "mem:f6");
	rig_run(&r, 29.9);
	cr_assert_eq(r.n_state_ev, 0);
	unsigned n = r.n_frames;
	rig_run(&r, 0.1);
	cr_assert_eq(r.n_frames, n, "frames at 30.0 s");
	cr_assert_eq(r.n_state_ev, 1);
	cr_assert_eq(r.last_state, CANBUS_OFF);
	cr_assert_eq(r.state_t_us, 30000000);
	rig_run(&r, 4.9);
	cr_assert_eq(r.n_frames, n, "frames during bus-off");
	rig_run(&r, 0.1);
	cr_assert_eq(r.last_state, CANBUS_ACTIVE);
	cr_assert_eq(r.state_t_us, 35000000);
	cr_assert_gt(r.n_frames, n);
	rig_close(&r);
}

Test(sim_faults, bms_fault_raises_its_bit_and_keeps_the_contactors)
{
	struct rig r;

	rig_open(&r, "[fault bms_fault]\nat = 20 s\nsignal = Fault_Internal\n",
		 "mem:f6");
	rig_run(&r, 19.9);
	cr_assert_eq(r.contactor, 2);
	cr_assert_eq(r.fault[5], 0, "raised before its time");
	rig_run(&r, 0.2);
	cr_assert_eq(r.fault[5], 1, "Fault_Internal");
	for (int i = 0; i < 5; i++)
		cr_assert_eq(r.fault[i], 0, "other fault bit %d", i);
	rig_run(&r, 10);
	cr_assert_eq(r.fault[5], 1, "the bit stays raised");
	cr_assert_eq(r.contactor, 2, "a diagnostic: contactors stay closed");
	rig_close(&r);
}

/* The in-process cycler under the serial-line faults: what the SCPI
 * driver would return, so a run without a SCPI bench reacts alike. */
static void instr_fault_case(const char *kind, int meas_rc, int set_rc,
			     int off_rc, const char *bus)
{
	char extra[64];
	struct instr_state st;
	struct instr *in;
	struct rig r;

	snprintf(extra, sizeof(extra), "[fault %s]\nat = 15 s\n", kind);
	rig_open(&r, extra, bus);
	in = sim_instr(r.s);
	start_current(&r, -20);
	rig_run(&r, 14.9);
	cr_assert_eq(in->ops->measure(in, &st), 0);
	rig_step(&r); /* 15.0 s */
	logcap_start();
	cr_assert_eq(in->ops->measure(in, &st), meas_rc, "%s measure", kind);
	cr_assert_eq(in->ops->set_current(in, -30000), set_rc, "%s set", kind);
	cr_assert_eq(in->ops->set_output(in, false), off_rc, "%s off", kind);
	logcap_stop();
	rig_close(&r);
}

Test(sim_faults, cycler_serial_faults_in_process)
{
	instr_fault_case("cycler_unplugged", BENCH_ERR_IO, BENCH_ERR_IO,
			 BENCH_ERR_IO, "mem:f7");
	instr_fault_case("cycler_garbage", BENCH_ERR_PROTO, BENCH_ERR_PROTO,
			 BENCH_ERR_PROTO, "mem:f8");
	/* a device fault: readings go on, settings but "off" are refused */
	instr_fault_case("cycler_error", BENCH_OK, BENCH_ERR_PROTO, BENCH_OK,
			 "mem:f9");
}

Test(sim_faults, cycler_error_trips_the_output)
{
	struct rig r;

	rig_open(&r, "[fault cycler_error]\nat = 15 s\n", "mem:f10");
	start_current(&r, -20);
	for (int i = 0; i < 149; i++) {
		rig_step(&r);
		keep_cycler(&r);
	}
	cr_assert_float_eq(r.pack_I, -20, 0.3);
	rig_run(&r, 0.3);
	cr_assert_float_eq(r.pack_I, 0, 0.3, "output still on");
	rig_close(&r);
}
