/* SPDX-License-Identifier: Apache-2.0 */
/* test_cancycler_mem.c - the CAN cycler driver on an in-process bus
 * against a small fake cycler that decodes CYC_Command and answers with
 * CYC_Status / CYC_Ident, using the DBC codec directly (not the driver's
 * protocol.c). Virtual time throughout. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/instr.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

#define DBC "fixtures/dbc/sim_cycler.dbc"

static struct canbus *drv_bus, *peer_bus;
static struct dbc *db;
static struct instr *in;
static int bus_no;

static void open_driver(bool shared)
{
	struct instr_cfg cfg = {.kind = "can",
				.bus = drv_bus,
				.dbc_path = DBC,
				.timeout_ms = 500,
				.bus_shared = shared};

	cr_assert_eq(instr_open(&cfg, &in), BENCH_OK);
}

static void setup(void)
{
	char name[32];

	snprintf(name, sizeof(name), "mem:cyc%d", bus_no++);
	cr_assert_eq(canbus_open(name, NULL, &drv_bus), BENCH_OK);
	cr_assert_eq(canbus_open(name, NULL, &peer_bus), BENCH_OK);
	cr_assert_eq(dbc_load_file(DBC, NULL, &db), BENCH_OK);
	open_driver(false);
}

static void teardown(void)
{
	instr_close(in);
	in = NULL;
	canbus_close(drv_bus);
	canbus_close(peer_bus);
	dbc_free(db);
	logcap_stop();
}

static double sig(const struct canframe *f, const char *msg, const char *s)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, msg);

	cr_assert_not_null(m);
	cr_assert_eq(f->id, m->id);
	return cansig_decode(dbc_sig_by_name(m, s), f->data, f->len);
}

/* Collect the commands the driver sent; returns how many. */
static int peer_commands(struct canframe *last)
{
	struct canbus_ev ev;
	int n = 0;

	while (canbus_recv(peer_bus, &ev, 0) == 1) {
		if (ev.kind != CANBUS_EV_FRAME || ev.frame.id != 0x200)
			continue;
		if (last)
			*last = ev.frame;
		n++;
	}
	return n;
}

static void peer_status(double v, double a, bool on, bool fault, int mode)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, "CYC_Status");
	struct canframe f = {.id = m->id, .len = m->size};

	cansig_encode(dbc_sig_by_name(m, "Cyc_VoltageMeas"), f.data, f.len, v);
	cansig_encode(dbc_sig_by_name(m, "Cyc_CurrentMeas"), f.data, f.len, a);
	cansig_encode(dbc_sig_by_name(m, "Cyc_OutputOn"), f.data, f.len, on);
	cansig_encode(dbc_sig_by_name(m, "Cyc_Fault"), f.data, f.len, fault);
	cansig_encode(dbc_sig_by_name(m, "Cyc_Mode"), f.data, f.len, mode);
	cr_assert_eq(canbus_send(peer_bus, &f), BENCH_OK);
}

TestSuite(cancycler, .init = setup, .fini = teardown, .timeout = 60);

Test(cancycler, command_every_100_ms_with_alive_counter)
{
	struct canframe f;
	int total = 0;
	double alive0 = -1;

	for (int64_t t = 0; t <= 2000000; t += 10000) {
		int n;

		in->ops->poll(in, t);
		n = peer_commands(&f);
		cr_assert(n <= 1, "two commands at t=%lld us", (long long)t);
		if (n && alive0 < 0)
			alive0 = sig(&f, "CYC_Command", "Cyc_Alive");
		if (n && t > 0)
			cr_assert_eq(t % 100000, 0, "command at %lld us",
				     (long long)t);
		total += n;
	}
	cr_assert_eq(total, 21); /* t = 0, 100 ms, ..., 2 s */
	/* 21 frames: the counter wrapped past 15 and ended at 20 mod 16 */
	cr_assert_float_eq(alive0, 0, 0);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_Alive"), 4, 0);
}

Test(cancycler, setpoints_go_out_at_once)
{
	struct canframe f;

	in->ops->poll(in, 0);
	peer_commands(NULL);
	cr_assert_eq(in->ops->set_voltage(in, 403200, 288000), BENCH_OK);
	cr_assert_eq(peer_commands(&f), 1);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_VoltageMax"), 403.2,
			   1e-9);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_VoltageMin"), 288.0,
			   1e-9);
	cr_assert_eq(in->ops->set_current(in, -12340), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	cr_assert_eq(peer_commands(&f), 2);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_CurrentSet"), -12.34,
			   1e-9);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_Enable"), 1, 0);
	/* Cyc_CurrentSet is 24-bit little-endian signed at bit 8, 0.01 A:
	 * -1234 = 0xFFFB2E */
	cr_assert_eq(f.data[1], 0x2E);
	cr_assert_eq(f.data[2], 0xFB);
	cr_assert_eq(f.data[3], 0xFF);
}

Test(cancycler, current_needs_voltage_limits_first)
{
	cr_assert_eq(in->ops->set_current(in, 1000), BENCH_ERR_STATE);
	cr_assert_eq(in->ops->set_voltage(in, 300000, 400000), BENCH_ERR_ARG);
}

Test(cancycler, measure_from_status)
{
	struct instr_state st;

	in->ops->poll(in, 0);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert_eq(st.mask, 0, "nothing known before the first status");
	peer_status(401.23, -50.5, true, false, 1);
	cr_assert_eq(in->ops->poll(in, 100000), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert_eq(st.mask, INSTR_VOLTAGE | INSTR_CURRENT | INSTR_POWER |
				  INSTR_OUTPUT);
	cr_assert_eq(st.voltage_mV, 401230);
	cr_assert_eq(st.current_mA, -50500);
	cr_assert_eq(st.power_mW, -20262115);
	cr_assert(st.output_on);
}

Test(cancycler, silent_cycler_is_timeout_then_recovers)
{
	struct instr_state st;

	in->ops->poll(in, 0);
	peer_status(400, 0, false, false, 0);
	cr_assert_eq(in->ops->poll(in, 100000), BENCH_OK);
	cr_assert_eq(in->ops->poll(in, 600000), BENCH_OK); /* 500 ms: ok */
	logcap_start();
	cr_assert_eq(in->ops->poll(in, 610000), BENCH_ERR_TIMEOUT);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_ERR_TIMEOUT);
	cr_assert(strstr(logcap_text(), "no CYC_Status from the cycler"), "%s",
		  logcap_text());
	peer_status(400, 0, false, false, 0);
	cr_assert_eq(in->ops->poll(in, 700000), BENCH_OK);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
}

Test(cancycler, never_answering_cycler_is_timeout)
{
	cr_assert_eq(in->ops->poll(in, 1000000), BENCH_OK);
	cr_assert_eq(in->ops->poll(in, 1500000), BENCH_OK);
	cr_assert_eq(in->ops->poll(in, 1600000), BENCH_ERR_TIMEOUT);
}

Test(cancycler, fault_bit_is_an_error)
{
	struct instr_state st;

	in->ops->poll(in, 0);
	peer_status(400, 0, false, true, 0);
	in->ops->poll(in, 100000);
	logcap_start();
	cr_assert_eq(in->ops->measure(in, &st), BENCH_ERR_STATE);
	cr_assert(strstr(logcap_text(), "CYC_Status.Cyc_Fault"));
	cr_assert_not(st.output_on, "values still reported with the fault");
	cr_assert(st.mask & INSTR_OUTPUT);
}

Test(cancycler, ident_fills_idn)
{
	const struct dbc_msg *m = dbc_msg_by_name(db, "CYC_Ident");
	struct canframe f = {.id = m->id, .len = m->size};
	char buf[128];

	cr_assert_str_eq(in->idn, "CAN cycler,unidentified,0,0");
	cansig_encode(dbc_sig_by_name(m, "Cyc_Model"), f.data, f.len, 2);
	cansig_encode(dbc_sig_by_name(m, "Cyc_FwMajor"), f.data, f.len, 2);
	cansig_encode(dbc_sig_by_name(m, "Cyc_FwMinor"), f.data, f.len, 1);
	cansig_encode(dbc_sig_by_name(m, "Cyc_Serial"), f.data, f.len, 1234);
	cr_assert_eq(canbus_send(peer_bus, &f), BENCH_OK);
	cr_assert_eq(in->ops->identify(in, buf, sizeof(buf)), BENCH_OK);
	cr_assert_str_eq(buf, "CAN cycler,SIMCYC-1000-600,1234,2.1");
	cr_assert_str_eq(in->idn, buf);
}

Test(cancycler, shared_bus_frames_are_routed_by_the_controller)
{
	struct instr_state st;
	struct canbus_ev ev;

	instr_close(in);
	open_driver(true);
	in->ops->poll(in, 0);
	peer_status(350.5, 10, true, false, 2);
	/* the driver leaves the bus alone: the frame is still there */
	in->ops->poll(in, 10000);
	cr_assert_eq(canbus_recv(drv_bus, &ev, 0), 1);
	cr_assert_eq(instr_rx_frame(in, &ev.frame, ev.t_us), 1);
	ev.frame.id = 0x3A0;
	cr_assert_eq(instr_rx_frame(in, &ev.frame, ev.t_us), 0);
	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	cr_assert_eq(st.voltage_mV, 350500);
	cr_assert_eq(st.current_mA, 10000);
}

Test(cancycler, safe_off_and_close_send_off_frames)
{
	struct canframe f;

	in->ops->poll(in, 0);
	cr_assert_eq(in->ops->set_voltage(in, 403200, 288000), BENCH_OK);
	cr_assert_eq(in->ops->set_current(in, 50000), BENCH_OK);
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	peer_commands(NULL);
	cr_assert_eq(instr_safe_off(in), BENCH_OK);
	cr_assert_eq(peer_commands(&f), 2);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_CurrentSet"), 0, 0);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_Enable"), 0, 0);
	instr_close(in);
	in = NULL;
	cr_assert_eq(peer_commands(&f), 1);
	cr_assert_float_eq(sig(&f, "CYC_Command", "Cyc_Enable"), 0, 0);
}

Test(cancycler, open_errors)
{
	struct instr_cfg cfg = {.kind = "can",
				.bus = drv_bus,
				.dbc_path = "fixtures/dbc/nonexistent.dbc"};
	struct instr *x;

	logcap_start();
	cr_assert_lt(instr_open(&cfg, &x), 0);
	cr_assert_null(x);
	cfg.dbc_path = NULL;
	cr_assert_eq(instr_open(&cfg, &x), BENCH_ERR_ARG);
	cfg.kind = "sim";
	cr_assert_eq(instr_open(&cfg, &x), BENCH_ERR_ARG);
	cfg.kind = "modbus";
	cr_assert_eq(instr_open(&cfg, &x), BENCH_ERR_ARG);
	cr_assert(strstr(logcap_text(), "unknown cycler kind 'modbus'"));
	cfg.kind = NULL;
	cr_assert_eq(instr_open(&cfg, &x), BENCH_ERR_ARG);
}
