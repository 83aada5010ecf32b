/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_meas.c - what the controller measures: the extreme cells the
 * step engine sees, and a current nobody has reported lately is unknown
 * (not logged, not integrated, never taken for zero by the safe stop). */
#include "ctl_rig.h"

#include "bench/ctl_priv.h"

/* Both sources may stay silent for 5 s without a time-out. */
static void quiet_profile(struct profile *p)
{
	p->heartbeat_timeout_ms = 5000;
	p->cycler_timeout_ms = 5000;
}

static void setup_quiet(void)
{
	rig_profile_hook = quiet_profile;
	setup();
}

/* Ticks with the BMS and the cycler silent; returns the test time. */
static int64_t silent_for(int64_t t, int64_t us)
{
	for (int64_t end = t + us; t < end;) {
		t += TICK_US;
		ctl_tick(c, t);
	}
	return t;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_meas, .timeout = 60);

Test(ctl_meas, fill_meas_takes_the_highest_and_the_lowest_cell, .init = setup,
     .fini = teardown, .timeout = 10)
{
	struct step_meas m;
	int64_t t = TICK_US;

	burst(4.100, t);
	ctl_fill_meas(c, t, &m);
	cr_assert(m.cells_valid);
	cr_expect_eq(m.max_cell_mV, 4100);
	cr_expect_eq(m.max_cell, 50);
	cr_expect_eq(m.min_cell_mV, 3700);
	cr_expect_neq(m.min_cell, 50);
	cr_expect_eq(m.cells_t_us, t);
	cr_expect(m.temps_valid);
	cr_expect_eq(m.max_temp_ddegC, 250);
	cr_expect(m.bms_limits_valid);
	cr_expect_eq(m.ccl_mA, 150000);
	cr_expect_eq(m.dcl_mA, 300000);

	t += TICK_US;
	burst(3.100, t);
	ctl_fill_meas(c, t, &m);
	cr_assert(m.cells_valid);
	cr_expect_eq(m.min_cell_mV, 3100);
	cr_expect_eq(m.min_cell, 50);
	cr_expect_eq(m.max_cell_mV, 3700);
	cr_expect_neq(m.max_cell, 50);
}

Test(ctl_meas, stale_current_is_unknown_not_logged_nor_integrated,
     .init = setup_quiet, .fini = teardown, .timeout = 10)
{
	struct run_status st;
	struct step_meas m;
	int64_t t = run_for(start_running(), 1500000), t_quiet = t;
	double ah, a[64], t_s[64];
	size_t n, stale_rows = 0;

	/* both sources report the discharge current up to here */
	ctl_fill_meas(c, t, &m);
	cr_assert_lt(m.current_mA, -1000, "%d mA", m.current_mA);
	/* the cycler stops answering and the BMS stops talking: the current
	 * still flows, nobody knows how much */
	fk.dead = true;
	t = silent_for(t, 1600000);
	ctl_fill_meas(c, t, &m);
	cr_expect_eq(m.current_mA, 0, "stale %d mA taken as live",
		     m.current_mA);
	ctl_status(c, &st);
	cr_expect(isnan(st.pack_A), "status shows %.1f A", st.pack_A);
	cr_expect(isnan(st.pack_V), "status shows a stale %.1f V", st.pack_V);
	ah = st.discharge_Ah;
	t = silent_for(t, 1500000);
	cr_assert_eq(ctl_phase(c), CTL_RUNNING, "%s", ctl_end_reason(c));
	ctl_status(c, &st);
	cr_expect_eq(st.discharge_Ah, ah, "%.6f Ah integrated from nothing",
		     st.discharge_Ah - ah);

	cr_assert_eq(close_log(), BENCH_OK);
	n = read_rows(a, t_s, 64);
	for (size_t i = 0; i < n; i++) {
		if (t_s[i] < (t_quiet + CTL_FRESH_US) / 1e6)
			continue;
		stale_rows++;
		cr_expect(isnan(a[i]), "row at %.1f s logs %.3f A", t_s[i],
			  a[i]);
	}
	cr_expect_geq(stale_rows, 1, "no row logged while both were silent");
}

Test(ctl_meas, safe_stop_does_not_take_a_stale_zero_for_zero,
     .init = setup_quiet, .fini = teardown, .timeout = 10)
{
	/* The last BMS frame and the last cycler answer were both taken
	 * before the output went on: both read 0 A. */
	int64_t t = start_running(), t_stop;

	fk.dead = true;
	t = silent_for(t, 2000000);
	cr_assert_eq(ctl_phase(c), CTL_RUNNING, "%s", ctl_end_reason(c));
	ctl_request_stop(c, false);
	t_stop = t += TICK_US;
	ctl_tick(c, t);
	cr_assert_eq(ctl_phase(c), CTL_SAFING);
	t = silent_for(t, CTL_SAFING_MAX_US - 1000000);
	cr_expect_not(ctl_done(c), "claimed zero %.1f s after the stop",
		      (t - t_stop) / 1e6);
	t = silent_for(t, 1500000);
	cr_expect(ctl_done(c), "gave up waiting after %lld s",
		  (long long)(CTL_SAFING_MAX_US / 1000000));
	cr_assert_eq(close_log(), BENCH_OK);
	cr_expect(isnan(last_current()), "the last row claims %.3f A",
		  last_current());
}
