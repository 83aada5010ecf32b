/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_abort.c - the controller core on hand-made BMS frames and a
 * recording fake cycler: the abort sequence in its exact order, the safe
 * state logged last, stop requests and the BMS heartbeat. */
#include "ctl_rig.h"

/* The run file shows current flowing before the stop at t_stop_us, and one
 * row after it: the last, at zero (the safe state, logged by the stop). */
static void expect_safe_row_after(int64_t t_stop_us)
{
	double a[64], t_s[64];
	size_t n = read_rows(a, t_s, 64);
	bool flowing = false;

	for (size_t i = 0; i + 1 < n; i++)
		flowing |= t_s[i] < t_stop_us / 1e6 && a[i] < -1.0;
	cr_assert(flowing, "no row with current flowing before the stop");
	cr_assert_geq(t_s[n - 1], t_stop_us / 1e6,
		      "last row at %.1f s, stop at %.1f s", t_s[n - 1],
		      t_stop_us / 1e6);
	cr_assert_lt(fabs(a[n - 1]), 0.001, "last row %.3f A", a[n - 1]);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_abort, .timeout = 60);

Test(ctl_abort, over_voltage_abort_in_exact_order, .init = setup,
     .fini = teardown)
{
	int64_t t = run_for(start_running(), 1500000);
	const char *seq;

	calls[0] = '\0';
	for (int k = 0; k < 10 && !strstr(calls, "event"); k++) {
		t += TICK_US;
		burst(4.400, t);
		ctl_tick(c, t);
	}
	/* zero current, output off, contactors open, then the event */
	seq = strstr(calls, "zero;off;event(open_sent=1);");
	cr_assert_not_null(seq, "order was: %s", calls);
	cr_expect_str_eq(ctl_end_code(c), "safety:CELL_OV_HARD");
	cr_expect(strstr(ctl_end_reason(c), "cell 50"), "%s",
		  ctl_end_reason(c));
	cr_expect_eq(ctl_end(c), CTL_END_ABORTED);
	finish(t);
	cr_expect_str_eq(ctl_end_status(c), "aborted");
	cr_expect_lt(fabs(last_current()), 0.001,
		     "the last sample shows the current back at zero");
	expect_safe_row_after(t);
}

Test(ctl_abort, operator_and_signal_stops, .init = setup, .fini = teardown)
{
	int64_t t = run_for(start_running(), 1500000);

	ctl_request_stop(c, false);
	t += TICK_US;
	ctl_tick(c, t);
	cr_expect_str_eq(ctl_end_code(c), "operator:OPERATOR_STOP");
	cr_expect(strstr(calls, "zero;off;event(open_sent=1);"), "%s", calls);
	finish(t);
	cr_expect_str_eq(ctl_end_status(c), "aborted",
			 "operator stop is final");
	cr_expect_lt(fabs(last_current()), 0.001);
	expect_safe_row_after(t);
}

Test(ctl_abort, signal_stop_is_safe_and_resumable, .init = setup,
     .fini = teardown)
{
	int64_t t = start_running();

	ctl_request_stop(c, true);
	ctl_tick(c, t + TICK_US);
	cr_expect_str_eq(ctl_end_code(c), "bench:SIGNAL_STOP");
	cr_expect(strstr(calls, "zero;off;event(open_sent=1);"), "%s", calls);
	finish(t + TICK_US);
	/* a shutdown, not a verdict: the run resumes */
	cr_expect_str_eq(ctl_end_status(c), "interrupted");
}

Test(ctl_abort, silent_bms_stops_on_heartbeat, .init = setup, .fini = teardown)
{
	int64_t t = start_running(), t_last = t;

	/* the BMS stops talking; only ticks */
	for (int k = 0; k < 100 && ctl_phase(c) < CTL_SAFING; k++) {
		t += TICK_US;
		ctl_tick(c, t);
	}
	cr_expect_str_eq(ctl_end_code(c), "bench:BMS_TIMEOUT");
	cr_expect_leq(t - t_last,
		      (int64_t)prof.heartbeat_timeout_ms * 1000 + 2 * TICK_US,
		      "reacted after %lld ms", (long long)(t - t_last) / 1000);
	cr_expect(strstr(calls, "zero;off;"), "%s", calls);
	finish(t);
}

Test(ctl_abort, dead_cycler_stops_and_still_logs_zero, .init = setup,
     .fini = teardown)
{
	int64_t t = start_running();

	fk.dead = true;
	fk.on = false; /* its own watchdog: no current */
	fk.current_mA = 0;
	for (int k = 0; k < 100 && ctl_phase(c) < CTL_SAFING; k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_expect_str_eq(ctl_end_code(c), "bench:CYCLER_TIMEOUT");
	finish(t);
	/* the cycler cannot answer: the BMS's current is logged */
	cr_expect_lt(fabs(last_current()), 0.001);
}

/* Run to the step's first setpoint; returns the test time. */
static int64_t start_commanding(void)
{
	int64_t t = 0;

	for (int k = 0; k < 100 && !fk.current_mA; k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_assert_lt(fk.current_mA, 0, "no discharge setpoint: %s", calls);
	return t;
}

Test(ctl_abort, refused_command_stops_at_the_next_tick, .init = setup,
     .fini = teardown)
{
	int64_t t;

	/* SYST:ERR? reported an error after the setpoint (the SCPI driver's
	 * BENCH_ERR_PROTO): what the cycler drives is unknown */
	fk.refuse = true;
	t = start_commanding();
	cr_assert_lt(ctl_phase(c), CTL_SAFING, "not from inside the command");
	calls[0] = '\0';
	t += TICK_US;
	burst(3.700, t);
	ctl_tick(c, t);
	cr_expect(strstr(calls, "zero;off;event(open_sent=1);"), "%s", calls);
	cr_expect_str_eq(ctl_end_code(c), "bench:CYCLER_ERROR");
	cr_expect(strstr(ctl_end_reason(c), "current setpoint"), "%s",
		  ctl_end_reason(c));
	finish(t);
	cr_expect_str_eq(ctl_end_status(c), "aborted");
	cr_expect_lt(fabs(last_current()), 0.001);
}

Test(ctl_abort, refused_setpoint_never_switches_the_output_on, .init = setup,
     .fini = teardown)
{
	/* the cycler did not take the step's setpoint: what it would drive
	 * is unknown, so its output must stay off until the stop */
	fk.refuse = true;
	start_commanding();
	cr_expect_not(fk.on, "output switched on after a refused setpoint: %s",
		      calls);
	cr_expect_null(strstr(calls, "on;"), "%s", calls);
}

Test(ctl_abort, cycler_refusing_its_limits_at_start_stops_the_start,
     .init = setup, .fini = teardown)
{
	cr_expect_eq(ctl_cycler_prepare(c), BENCH_OK);
	cr_expect_not(fk.on);
	fk.refuse = true;
	cr_expect_lt(ctl_cycler_prepare(c), 0);
	cr_expect_not(fk.on);
}

Test(ctl_abort, loop_failure_stops_at_once, .init = setup, .fini = teardown)
{
	int64_t t = run_for(start_running(), 1500000);

	calls[0] = '\0';
	ctl_fail(c, "CAN interface 'can0' went away");
	cr_expect(strstr(calls, "zero;off;event(open_sent=1);"), "%s", calls);
	cr_assert(ctl_done(c), "no ticks needed after a loop failure");
	cr_expect_str_eq(ctl_end_code(c), "bench:LOOP_ERROR");
	cr_expect(strstr(ctl_end_reason(c), "can0"));
	cr_assert_eq(close_log(), BENCH_OK);
	cr_expect_lt(fabs(last_current()), 0.001);
	expect_safe_row_after(t);
}

Test(ctl_abort, bus_off_without_restart_stops_at_once, .init = setup,
     .fini = teardown)
{
	int64_t t = start_running();

	calls[0] = '\0';
	ctl_on_bus_state(c, CANBUS_OFF, t);
	cr_expect_str_eq(ctl_end_code(c), "bench:BUS_OFF");
	cr_expect(strstr(calls, "zero;off;event(open_sent=1);"), "%s", calls);
	finish(t);
}

static void setup_restart(void)
{
	rig_bus_restart_ms = 100;
	setup();
}

Test(ctl_abort, bus_off_with_restart_rides_through, .init = setup_restart,
     .fini = teardown)
{
	int64_t t = start_running();

	ctl_on_bus_state(c, CANBUS_OFF, t);
	cr_expect_eq(ctl_phase(c), CTL_RUNNING, "waits for the restart");
	/* the BMS is back 300 ms later: frames again */
	for (int k = 0; k < 3; k++)
		ctl_tick(c, t += TICK_US);
	burst(3.700, t += TICK_US);
	ctl_tick(c, t);
	for (int k = 0; k < 20; k++) {
		burst(3.700, t += TICK_US);
		ctl_tick(c, t);
	}
	cr_expect_eq(ctl_phase(c), CTL_RUNNING, "%s", ctl_end_reason(c));
	cr_expect(fk.on);
}

/* A BMS_State frame with Fault_CellOV set, contactors as requested. */
static void fault_frame(bool fault, int64_t t)
{
	struct canframe f;

	memset(&f, 0, sizeof(f));
	put("BMS_State", "Contactor_State", &f, 2);
	put("BMS_State", "Fault_CellOV", &f, fault ? 1 : 0);
	ctl_on_frame(c, &f, t);
}

Test(ctl_abort, one_corrupted_fault_frame_is_ridden_through, .init = setup,
     .fini = teardown)
{
	int64_t t = start_running();

	/* checked on the frame and again on each tick: still one frame */
	t += TICK_US;
	fault_frame(true, t);
	ctl_tick(c, t);
	for (int k = 0; k < 20; k++) {
		t += TICK_US;
		burst(3.700, t);
		ctl_tick(c, t);
	}
	cr_assert_eq(ctl_phase(c), CTL_RUNNING, "aborted: %s",
		     ctl_end_reason(c));
	/* a persistent bit: two frames, 100 ms */
	t += TICK_US;
	fault_frame(true, t);
	ctl_tick(c, t);
	cr_assert_eq(ctl_phase(c), CTL_RUNNING);
	t += TICK_US;
	fault_frame(true, t);
	cr_assert_eq(ctl_phase(c), CTL_SAFING);
	cr_expect_str_eq(ctl_end_code(c), "safety:BMS_FAULT");
	cr_expect(strstr(ctl_end_reason(c), "Fault_CellOV for 2 samples "
					    "(100 ms)"),
		  "%s", ctl_end_reason(c));
	finish(t);
}
