/* SPDX-License-Identifier: Apache-2.0 */
/* test_scpi_pty.c - the SCPI driver against the simulated supply over a
 * real pseudo-terminal: driver through the xport "pty:" backend on the
 * slave, scpi_server on the master in a thread (libserialport cannot open
 * ptys). Timeouts here are only upper bounds, never speed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/instr.h"
#include "bench/sim/scpi_server.h"
#include "common/clock.h"
#include "common/rc.h"
#include "scpi_thread.h"
#include "support.h"

static struct {
	struct scpi_server *srv;
	struct scpi_rplant plant;
	struct clock clk;
	struct scpi_thread serving;
	int master, keep;
	char path[64];
	char conn[80];
	struct instr *in;
} t;

static void setup(void)
{
	struct scpi_plant pl = {&t.plant, scpi_rplant_v, scpi_rplant_i, NULL};
	struct instr_cfg cfg = {
	    .kind = "scpi", .model = "generic", .timeout_ms = 1000};

	memset(&t, 0, sizeof(t));
	t.plant = (struct scpi_rplant){45.0, 0.05, 0.0};
	clock_mono_init(&t.clk);
	cr_assert_eq(scpi_server_new(NULL, &pl, &t.clk, &t.srv), BENCH_OK);
	cr_assert_eq(
	    scpi_server_open_pty(t.path, sizeof(t.path), &t.master, &t.keep),
	    BENCH_OK);
	scpi_thread_start(&t.serving, t.srv, t.master);
	snprintf(t.conn, sizeof(t.conn), "pty:%s", t.path);
	cfg.port = t.conn;
	cr_assert_eq(instr_open(&cfg, &t.in), BENCH_OK);
}

static void teardown(void)
{
	instr_close(t.in);
	scpi_thread_stop(&t.serving);
	if (t.master >= 0)
		close(t.master);
	if (t.keep >= 0)
		close(t.keep);
	scpi_server_free(t.srv);
	logcap_stop();
}

static void status(struct scpi_server_status *st)
{
	scpi_thread_status(&t.serving, st);
}

static void set_fault(enum scpi_fault f)
{
	scpi_thread_fault(&t.serving, f);
}

/* Measure until the current reaches want_mA (the supply slews), at most
 * 5 s of wall time: an upper bound only. */
static void measure_until(int32_t want_mA, struct instr_state *st)
{
	struct timespec ts = {0, 10 * 1000 * 1000};

	for (int i = 0; i < 500; i++) {
		cr_assert_eq(t.in->ops->measure(t.in, st), BENCH_OK);
		if (st->current_mA == want_mA) {
			/* once more, so the voltage was read at that current
			 * too (it is queried first) */
			cr_assert_eq(t.in->ops->measure(t.in, st), BENCH_OK);
			return;
		}
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("current never reached %d mA (last %d mA)", want_mA,
		       st->current_mA);
}

TestSuite(scpi_pty, .init = setup, .fini = teardown, .timeout = 30);

Test(scpi_pty, identification_goes_into_idn)
{
	char buf[128];

	cr_assert_str_eq(t.in->idn, "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0");
	cr_assert_eq(t.in->ops->identify(t.in, buf, sizeof(buf)), BENCH_OK);
	cr_assert_str_eq(buf, t.in->idn);
}

Test(scpi_pty, open_puts_supply_in_remote)
{
	struct scpi_server_status st;

	status(&st);
	cr_assert(st.remote);
	cr_assert_eq(st.errors_queued, 0);
}

Test(scpi_pty, charge_setpoints_reach_the_supply)
{
	struct scpi_server_status st;

	cr_assert_eq(t.in->ops->set_voltage(t.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_current(t.in, 10000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_output(t.in, true), BENCH_OK);
	status(&st);
	cr_assert(st.output_on);
	cr_assert_float_eq(st.voltage_set_V, 50.0, 1e-9);
	cr_assert_float_eq(st.current_set_A, 10.0, 1e-9);
	cr_assert_float_eq(st.sink_current_set_A, 0.0, 1e-9);
}

Test(scpi_pty, discharge_programs_sink_and_low_voltage)
{
	struct scpi_server_status st;

	cr_assert_eq(t.in->ops->set_voltage(t.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_current(t.in, 10000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_current(t.in, -5000), BENCH_OK);
	status(&st);
	cr_assert_float_eq(st.voltage_set_V, 40.0, 1e-9);
	cr_assert_float_eq(st.current_set_A, 0.0, 1e-9);
	cr_assert_float_eq(st.sink_current_set_A, 5.0, 1e-9);
}

Test(scpi_pty, measurements_are_signed_and_complete)
{
	struct instr_state st;

	cr_assert_eq(t.in->ops->set_voltage(t.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_current(t.in, 10000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_output(t.in, true), BENCH_OK);
	measure_until(10000, &st);
	cr_assert_eq(st.mask, INSTR_VOLTAGE | INSTR_CURRENT | INSTR_POWER |
				  INSTR_OUTPUT);
	cr_assert_eq(st.voltage_mV, 45500); /* 45 V + 0.05 ohm * 10 A */
	cr_assert_eq(st.power_mW, 455000);
	cr_assert(st.output_on);

	cr_assert_eq(t.in->ops->set_current(t.in, -5000), BENCH_OK);
	measure_until(-5000, &st);
	cr_assert_eq(st.voltage_mV, 44750);
	cr_assert_eq(st.power_mW, -223750);
}

Test(scpi_pty, current_without_voltage_limits_is_refused)
{
	cr_assert_eq(t.in->ops->set_current(t.in, 1000), BENCH_ERR_STATE);
	cr_assert_eq(t.in->ops->set_current(t.in, 0), BENCH_OK);
}

Test(scpi_pty, instrument_error_is_proto)
{
	struct instr_state st;

	/* The simulated supply is rated 1000 V: it queues -222. */
	logcap_start();
	cr_assert_eq(t.in->ops->set_voltage(t.in, 1500000, 0), BENCH_ERR_PROTO);
	cr_assert(strstr(logcap_text(), "-222"), "log: %s", logcap_text());
	cr_assert(strstr(logcap_text(), "voltage limits 1500000/0 mV"));
	logcap_stop();
	/* The queue was cleared: the next change is checked afresh. */
	cr_assert_eq(t.in->ops->set_voltage(t.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(t.in->ops->measure(t.in, &st), BENCH_OK);
}

Test(scpi_pty, silent_instrument_is_timeout)
{
	struct instr_state st;
	struct instr_cfg cfg = {.kind = "scpi",
				.model = "generic",
				.timeout_ms = 200,
				.port = t.conn};
	struct instr *fast;

	/* a second handle with a short timeout on the same line */
	cr_assert_eq(instr_open(&cfg, &fast), BENCH_OK);
	set_fault(SCPI_FAULT_SILENT);
	cr_assert_eq(fast->ops->measure(fast, &st), BENCH_ERR_TIMEOUT);
	cr_assert_eq(instr_safe_off(fast), BENCH_ERR_TIMEOUT);
	instr_close(fast);
	set_fault(SCPI_FAULT_NONE);
	/* the line works again (1 s timeout: robust on a loaded machine) */
	cr_assert_eq(t.in->ops->measure(t.in, &st), BENCH_OK);
}

Test(scpi_pty, garbage_reply_is_proto)
{
	struct instr_state st;
	char buf[128];

	set_fault(SCPI_FAULT_GARBAGE);
	cr_assert_eq(t.in->ops->measure(t.in, &st), BENCH_ERR_PROTO);
	cr_assert_eq(t.in->ops->identify(t.in, buf, sizeof(buf)),
		     BENCH_ERR_PROTO);
	cr_assert_eq(t.in->ops->set_output(t.in, false), BENCH_ERR_PROTO);
}

Test(scpi_pty, closed_pty_is_io)
{
	struct instr_state st;

	scpi_thread_stop(&t.serving);
	close(t.master);
	close(t.keep);
	t.master = t.keep = -1;
	cr_assert_eq(t.in->ops->measure(t.in, &st), BENCH_ERR_IO);
	cr_assert_eq(t.in->ops->set_output(t.in, false), BENCH_ERR_IO);
}

Test(scpi_pty, safe_off_stops_current_and_output)
{
	struct scpi_server_status st;
	struct instr_state m;

	cr_assert_eq(t.in->ops->set_voltage(t.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_current(t.in, -20000), BENCH_OK);
	cr_assert_eq(t.in->ops->set_output(t.in, true), BENCH_OK);
	cr_assert_eq(instr_safe_off(t.in), BENCH_OK);
	status(&st);
	cr_assert_not(st.output_on);
	cr_assert_float_eq(st.current_set_A, 0.0, 1e-9);
	cr_assert_float_eq(st.sink_current_set_A, 0.0, 1e-9);
	cr_assert_eq(t.in->ops->measure(t.in, &m), BENCH_OK);
	cr_assert_eq(m.current_mA, 0);
	cr_assert_not(m.output_on);
}

Test(scpi_pty, poll_keeps_the_watchdog_fed)
{
	struct scpi_server_status before, after;

	/* poll() after a quiet second sends a command (SYST:ERR?). */
	cr_assert_eq(t.in->ops->poll(t.in, 0), BENCH_OK);
	status(&before);
	cr_assert_eq(t.in->ops->poll(t.in, 500000), BENCH_OK);
	cr_assert_eq(t.in->ops->poll(t.in, 1600000), BENCH_OK);
	status(&after);
	cr_assert_eq(after.commands, before.commands + 1);
}
