/* SPDX-License-Identifier: Apache-2.0 */
/* test_soa_checks.c - every safety check, tiers, tighter-limit-wins,
 * debouncing by distinct readings, abort decisions and cause classes. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/profile.h"
#include "bench/recipe.h"
#include "bench/soa.h"
#include "common/rc.h"
#include "support.h"

#define MS 1000LL
#define NC 4

static struct profile p;
static struct soa_limits lim;
static struct soa s;
static struct soa_snapshot x;
static struct soa_result res;
static int32_t cells[NC], temps[2];
static bool faults[PROFILE_MAX_FAULTS];
static int64_t now;

static void setup(void)
{
	logcap_start();
	/* NMC 4s, 10 Ah: hard 2.40-4.25 V, warn 2.45-4.23 V, 0-60 C... */
	cr_assert_eq(profile_for_sim("nmc", NC, 1, 1, 2, 10.0, "x.dbc", &p),
		     BENCH_OK);
	soa_limits_build(&lim, &p, NULL, 0);
	soa_init(&s, &lim, &p);
	memset(&x, 0, sizeof(x));
	for (int i = 0; i < NC; i++)
		cells[i] = 3700;
	temps[0] = temps[1] = 250;
	x.n_cells = NC;
	x.cell_mV = cells;
	x.n_temps = 2;
	x.temp_ddegC = temps;
	x.pack_mV_valid = true;
	x.pack_mV = 14800;
	x.current_valid = true;
	x.bms_last_us = 0;
	x.cycler_last_us = 0;
	x.contactor = SOA_CONTACTOR_UNKNOWN;
	x.n_faults = p.n_faults;
	x.fault_active = faults;
	memset(faults, 0, sizeof(faults));
	now = 0;
}

static void teardown(void)
{
	logcap_stop();
	profile_release(&p);
}

TestSuite(soa, .init = setup, .fini = teardown, .timeout = 60);

/* A new reading of every group, 100 ms later; liveness kept fresh. */
static void sample(void)
{
	now += 100 * MS;
	x.cells_seq++;
	x.temps_seq++;
	x.pack_seq++;
	x.state_seq++;
	x.bms_last_us = now;
	x.cycler_last_us = now;
	soa_check(&s, &x, now, &res);
}

static const struct diag_event *find(const char *full_code)
{
	for (unsigned i = 0; i < res.n_events; i++)
		if (!strcmp(res.events[i].full_code, full_code))
			return &res.events[i];
	return NULL;
}

Test(soa, healthy_pack_is_quiet)
{
	for (int i = 0; i < 50; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
		cr_assert_eq(res.n_events, 0);
	}
}

Test(soa, cell_over_voltage_hard_aborts_after_three_readings)
{
	cells[2] = 4262;
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE, "debouncing");
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_not_null(find("safety:CELL_OV_HARD"));
	cr_assert_str_eq(find("safety:CELL_OV_HARD")->message,
			 "cell 3 voltage 4.262 V above hard limit 4.250 V for "
			 "3 samples (200 ms)");
	/* the warning tier tripped in the same reading */
	cr_assert_not_null(find("safety:CELL_OV_WARN"));
	cr_assert_str_eq(diag_abort_event(&s.diag)->code, "CELL_OV_HARD");
}

Test(soa, one_noisy_reading_does_not_abort)
{
	for (int i = 0; i < NC; i++)
		cells[i] = 4200;
	for (int i = 0; i < 20; i++) {
		cells[1] = i % 3 == 0 ? 4260 : 4200;
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE, "reading %d", i);
	}
}

Test(soa, a_stale_reading_is_not_counted_twice)
{
	cells[0] = 4300;
	sample();
	/* many frames/ticks without a new cell set */
	for (int i = 0; i < 10; i++) {
		now += 10 * MS;
		soa_check(&s, &x, now, &res);
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	}
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
}

Test(soa, cell_under_voltage_hard_and_warning)
{
	cells[3] = 2440; /* below warning 2.45, above hard 2.40 */
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_WARN);
	cr_assert_str_eq(find("safety:CELL_UV_WARN")->message,
			 "cell 4 voltage 2.440 V below warning limit 2.450 V "
			 "for 3 samples (200 ms)");
	cells[3] = 2390;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_not_null(find("safety:CELL_UV_HARD"));
}

Test(soa, unknown_cells_are_skipped)
{
	cells[0] = SOA_UNKNOWN;
	cells[1] = SOA_UNKNOWN;
	for (int i = 0; i < 5; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	x.cell_mV = NULL;
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
}

Test(soa, cell_spread_warns_then_aborts)
{
	p.spread_hard_mV = 400;
	soa_limits_build(&lim, &p, NULL, 0);
	soa_init(&s, &lim, &p);
	for (int i = 1; i < NC; i++)
		cells[i] = 3800;
	cells[0] = 3500; /* 300 mV below the others: no warning yet */
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.n_events, 0);
	cells[0] = 3450;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_WARN);
	cr_assert_str_eq(find("safety:CELL_SPREAD_WARN")->message,
			 "cell spread 350 mV (cell 2 3.800 V, cell 1 3.450 V) "
			 "above warning limit 300 mV for 3 samples (200 ms)");
	cells[0] = 3350;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_not_null(find("safety:CELL_SPREAD_HARD"));
}

Test(soa, spread_is_not_judged_near_empty_or_full)
{
	/* NMC window 3.30-4.15 V: at the knee of the curve a healthy
	 * cell's 1 % smaller capacity reads as hundreds of mV */
	cr_assert_eq(lim.spread_window_mV.low, 3300);
	cr_assert_eq(lim.spread_window_mV.high, 4150);
	cells[0] = 2600;
	cells[1] = cells[2] = cells[3] = 2950;
	for (int i = 0; i < 10; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	cells[0] = 4190;
	cells[1] = cells[2] = cells[3] = 3800;
	for (int i = 0; i < 10; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	cells[0] = 4100; /* inside again: 300+ mV is an imbalance */
	cells[1] = cells[2] = cells[3] = 3700;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_not_null(find("safety:CELL_SPREAD_WARN"));
}

Test(soa, temperatures_high_and_low)
{
	temps[1] = 560; /* warning 55, hard 60 */
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_WARN);
	cr_assert_str_eq(
	    find("safety:TEMP_HIGH_WARN")->message,
	    "probe 2 temperature 56.0 C above warning limit 55.0 C "
	    "for 2 samples (100 ms)");
	temps[1] = 250;
	temps[0] = -150; /* warning -10, hard -20 */
	sample();
	sample();
	cr_assert_not_null(find("safety:TEMP_LOW_WARN"));
	temps[0] = 610;
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(find("safety:TEMP_HIGH_HARD")->message,
			 "probe 1 temperature 61.0 C above hard limit 60.0 C "
			 "for 2 samples (100 ms)");
}

Test(soa, temperature_low_hard)
{
	temps[0] = -210;
	sample();
	sample();
	cr_assert_not_null(find("safety:TEMP_LOW_HARD"));
}

Test(soa, charge_and_discharge_current_tiers)
{
	/* 10 Ah: charge 1C/1.5C/2C, discharge 2C/3C/4C */
	x.cv_mode = true; /* no mismatch check here */
	x.current_mA = 16000;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_WARN);
	cr_assert_str_eq(find("safety:CHARGE_CURRENT_WARN")->message,
			 "charge current 16.0 A above warning limit 15.0 A for "
			 "3 samples (200 ms)");
	x.current_mA = -41000;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_not_null(find("safety:DISCHARGE_CURRENT_HARD"));
}

Test(soa, charge_current_hard)
{
	x.cv_mode = true;
	x.current_mA = 21000;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_not_null(find("safety:CHARGE_CURRENT_HARD"));
}

Test(soa, current_above_bms_ccl_for_two_seconds_aborts)
{
	x.cv_mode = true;
	x.bms_limits_valid = true;
	x.ccl_mA = 5000;
	x.dcl_mA = 20000;
	x.current_mA = 5900; /* inside the 1 A margin */
	for (int i = 0; i < 30; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	x.current_mA = 8000;
	for (int i = 0; i < 20; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE, "i %d", i);
	}
	sample(); /* 2000 ms after the first excess reading */
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert(strstr(find("safety:CCL_EXCEEDED")->message,
			 "charge current 8.0 A above BMS CCL 5.0 A for 21 "
			 "samples (2000 ms)"));
}

Test(soa, current_above_bms_dcl_aborts)
{
	x.cv_mode = true;
	x.bms_limits_valid = true;
	x.ccl_mA = 5000;
	x.dcl_mA = 10000;
	x.current_mA = -12000;
	for (int i = 0; i < 21; i++)
		sample();
	cr_assert_not_null(find("safety:DCL_EXCEEDED"));
}

Test(soa, pack_voltage_limits_from_a_recipe)
{
	struct recipe_limits rl = {
	    .has_pack_mV = true, .pack_low_mV = 10000, .pack_high_mV = 16000};
	const struct recipe_limits *extra[] = {&rl};

	soa_limits_build(&lim, &p, extra, 1);
	soa_init(&s, &lim, &p);
	x.pack_mV = 16100;
	for (int i = 0; i < 3; i++)
		sample();
	cr_assert_str_eq(find("safety:PACK_OV_HARD")->message,
			 "pack voltage 16.1 V above hard limit 16.0 V for 3 "
			 "samples (200 ms)");
}

Test(soa, measured_current_far_from_setpoint)
{
	x.output_on = true;
	x.setpoint_mA = 10000;
	x.setpoint_t_us = 0;
	x.current_mA = 0; /* the cycler does not follow */
	for (int i = 0; i < 29; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE, "settling %d", i);
	}
	for (int i = 0; i < 20; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE, "2 s debounce");
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_eq(diag_abort_event(&s.diag)->cause, DIAG_CAUSE_BENCH);
	cr_assert(strstr(find("bench:CURRENT_MISMATCH")->message,
			 "current 0.0 A while the setpoint is 10.0 A "
			 "(tolerance 2.0 A)"));
}

Test(soa, current_with_the_output_off)
{
	x.output_on = false;
	x.current_mA = -5000;
	for (int i = 0; i < 60 && res.reaction == DIAG_REACT_NONE; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert(strstr(find("bench:CURRENT_MISMATCH")->message,
			 "current -5.0 A with the cycler output off"));
}

Test(soa, following_current_is_fine)
{
	x.output_on = true;
	x.setpoint_mA = 10000;
	x.current_mA = 9000;
	for (int i = 0; i < 100; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
}

Test(soa, bms_heartbeat_lost)
{
	x.start_us = 0;
	x.bms_last_us = -1; /* nothing yet: grace from the start */
	now = 900 * MS;
	soa_check(&s, &x, now, &res);
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	x.bms_last_us = 500 * MS;
	now = 1500 * MS;
	soa_check(&s, &x, now, &res);
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	now = 1501 * MS;
	soa_check(&s, &x, now, &res);
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(find("bench:BMS_TIMEOUT")->message,
			 "no BMS frame for 1001 ms (limit 1000 ms)");
}

Test(soa, cycler_not_answering)
{
	x.bms_last_us = 3500 * MS;
	x.cycler_last_us = 400 * MS;
	now = 3500 * MS;
	soa_check(&s, &x, now, &res);
	cr_assert_str_eq(find("bench:CYCLER_TIMEOUT")->message,
			 "no cycler answer for 3100 ms (limit 3000 ms)");
}

Test(soa, contactors_not_closing_in_time)
{
	x.contactor_close_req = true;
	x.contactor_req_t_us = 0;
	x.contactor = SOA_CONTACTOR_PRECHARGE;
	for (int i = 0; i < 30; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	}
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(find("bench:CONTACTOR_TIMEOUT")->message,
			 "contactors precharge 3100 ms after the close request "
			 "(limit 3000 ms)");
}

Test(soa, contactors_opening_by_themselves)
{
	x.contactor_close_req = true;
	x.contactor = SOA_CONTACTOR_PRECHARGE;
	sample();
	x.contactor = SOA_CONTACTOR_CLOSED;
	for (int i = 0; i < 100; i++)
		sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	x.contactor = SOA_CONTACTOR_OPEN;
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(find("safety:CONTACTOR_MISMATCH")->message,
			 "contactors went open without an open request for 2 "
			 "samples (100 ms)");
}

Test(soa, contactors_welded_or_not_opening)
{
	x.contactor_close_req = false;
	x.contactor_req_t_us = 0;
	x.contactor = SOA_CONTACTOR_CLOSED;
	for (int i = 0; i < 31; i++)
		sample();
	cr_assert_not_null(find("bench:CONTACTOR_TIMEOUT"));
	teardown(); /* a fresh start: release the first profile */
	setup();
	x.contactor = SOA_CONTACTOR_WELDED;
	sample();
	sample();
	cr_assert_str_eq(find("safety:CONTACTOR_MISMATCH")->message,
			 "contactors welded (BMS reports welded) for 2 samples "
			 "(100 ms)");
}

Test(soa, bms_fault_bits_follow_the_profile_reaction)
{
	/* sim profile: Fault_CellOV safety abort, Fault_Comm bench abort */
	faults[0] = true;
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(
	    find("safety:BMS_FAULT")->message,
	    "BMS fault signal Fault_CellOV for 2 samples (100 ms)");
}

Test(soa, one_corrupted_state_frame_does_not_abort)
{
	/* the controller checks on the frame and again on its tick: the
	 * same frame must count once */
	faults[0] = true;
	sample();
	for (int i = 0; i < 5; i++) {
		now += 10 * MS;
		soa_check(&s, &x, now, &res);
		cr_assert_eq(res.reaction, DIAG_REACT_NONE, "re-check %d", i);
	}
	faults[0] = false;
	for (int i = 0; i < 20; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	}
	faults[0] = true;
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT, "persistent bit");
}

Test(soa, contactors_opened_by_a_bms_fault_name_the_fault)
{
	x.contactor_close_req = true;
	x.contactor = SOA_CONTACTOR_CLOSED;
	sample();
	/* the frame that raises the bit also reports the contactors open */
	faults[2] = true;
	temps[1] = 580;
	x.contactor = SOA_CONTACTOR_OPEN;
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(diag_abort_event(&s.diag)->full_code,
			 "safety:BMS_FAULT");
	cr_assert_str_eq(diag_abort_event(&s.diag)->message,
			 "BMS fault signal Fault_OverTemp (probe 2 at 58.0 C) "
			 "for 2 samples (100 ms)");
}

/* Discharge: every cell but cell 2 falls by 1 mV per reading. */
static void discharge_with_stuck_cell(int readings)
{
	for (int i = 0; i < readings; i++) {
		for (int c = 0; c < NC; c++)
			if (c != 1)
				cells[c]--;
		sample();
		if (res.reaction == DIAG_REACT_ABORT)
			return;
	}
}

Test(soa, stuck_cell_sensor_aborts_naming_the_cell)
{
	cells[1] = 3700;
	/* 30 mV of the others take 3 s, the check wants 30 s still (from
	 * the first reading), then 3 readings */
	discharge_with_stuck_cell(302);
	cr_assert_eq(res.reaction, DIAG_REACT_NONE, "judged before 30 s");
	discharge_with_stuck_cell(1);
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(diag_abort_event(&s.diag)->message,
			 "cell 2 voltage sensor stuck at 3.700 V for 30 s "
			 "while the other cells moved 302 mV on average for 3 "
			 "samples (200 ms)");
	cr_assert_eq(diag_abort_event(&s.diag)->cause, DIAG_CAUSE_SAFETY);
}

/* Charge in CV on the highest cell (a GB/T BMS's, or a cell hold): that
 * cell reads steady by design while the others rise; any other steady
 * cell is still stuck. */
static void cv_charge_with_steady_cell(int steady, int readings)
{
	for (int i = 0; i < readings; i++) {
		for (int c = 0; c < NC; c++)
			if (c != steady && i % 2)
				cells[c]++;
		sample();
		if (res.reaction == DIAG_REACT_ABORT)
			return;
	}
}

Test(soa, the_cell_a_cv_loop_holds_is_not_stuck)
{
	/* 40 s of readings, the others 200 mV up and still below it */
	x.cv_mode = true;
	cells[1] = 3950; /* the highest, held */
	cv_charge_with_steady_cell(1, 400);
	cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	cr_assert_lt(cells[0], cells[1]);
	cells[2] = 4000; /* now the highest: cell 2 steady below it */
	cv_charge_with_steady_cell(1, 400);
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert(strstr(diag_abort_event(&s.diag)->message, "cell 2 voltage "
							     "sensor stuck"),
		  "%s", diag_abort_event(&s.diag)->message);
}

Test(soa, resting_or_moving_cells_are_not_stuck)
{
	/* at rest nothing moves: not judged */
	for (int i = 0; i < 600; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	}
	/* every cell moving, one five times slower: alive */
	for (int i = 0; i < 600; i++) {
		for (int c = 0; c < NC; c++)
			if (c != 1 ? i % 2 == 0 : i % 10 == 0)
				cells[c]--;
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE, "reading %d", i);
	}
}

Test(soa, bms_comm_fault_is_a_bench_cause)
{
	faults[4] = true;
	cr_assert_str_eq(p.faults[4].signal, "Fault_Comm");
	sample();
	sample();
	cr_assert_eq(diag_abort_event(&s.diag)->cause, DIAG_CAUSE_BENCH);
	cr_assert_not_null(find("bench:BMS_FAULT_BENCH"));
}

Test(soa, bms_fault_with_warn_reaction_only_warns)
{
	p.faults[5].row = DIAG_BMS_FAULT_WARN;
	faults[5] = true;
	sample();
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_WARN);
	cr_assert_str_eq(find("safety:BMS_FAULT_WARN")->message,
			 "BMS fault signal Fault_Internal for 2 samples "
			 "(100 ms)");
}

Test(soa, operator_and_signal_stops)
{
	x.operator_stop = true;
	sample();
	cr_assert_eq(res.reaction, DIAG_REACT_ABORT);
	cr_assert_str_eq(find("operator:OPERATOR_STOP")->message,
			 "stop requested by the operator");
	teardown(); /* a fresh start: release the first profile */
	setup();
	x.signal_stop = true;
	sample();
	cr_assert_str_eq(diag_abort_event(&s.diag)->full_code,
			 "bench:SIGNAL_STOP");
}

Test(soa, nothing_new_after_an_abort)
{
	x.operator_stop = true;
	sample();
	x.operator_stop = false;
	cells[0] = 5000;
	for (int i = 0; i < 5; i++) {
		sample();
		cr_assert_eq(res.reaction, DIAG_REACT_NONE);
	}
	cr_assert_str_eq(diag_abort_event(&s.diag)->code, "OPERATOR_STOP");
}

Test(soa, tighter_limit_wins)
{
	/* clang-format off */
	struct recipe_limits rec = {
		.has_cell_mV = true, .cell_low_mV = 2450, .cell_high_mV = 4300,
		.has_temp = true, .temp_low_ddegC = -100, .temp_high_ddegC = 450,
		.has_current = true,
		.charge_max = {.is_c_rate = true, .c_rate = 1.0},
		.discharge_max = {.current_mA = 50000},
	};
	/* clang-format on */
	struct recipe_limits bench = {
	    .has_cell_mV = true,
	    .cell_low_mV = 2300,
	    .cell_high_mV = 4240,
	};
	const struct recipe_limits *extra[] = {&rec, NULL, &bench};

	soa_limits_build(&lim, &p, extra, 3);
	/* cell high: profile 4250, recipe 4300 (looser), bench 4240 */
	cr_assert_eq(lim.cell_hard_mV.high, 4240);
	/* cell low: profile 2400, recipe 2450 (tighter), bench 2300 */
	cr_assert_eq(lim.cell_hard_mV.low, 2450);
	/* warning bands pulled inside the hard ones */
	cr_assert_eq(lim.cell_warn_mV.high, 4230);
	cr_assert_eq(lim.cell_warn_mV.low, 2450);
	cr_assert_eq(lim.temp_hard_ddegC.high, 450);
	cr_assert_eq(lim.temp_warn_ddegC.high, 450);
	cr_assert_eq(lim.temp_hard_ddegC.low, -100);
	cr_assert_eq(lim.charge_hard_mA, 10000);
	cr_assert_eq(lim.charge_warn_mA, 10000);
	cr_assert_eq(lim.discharge_hard_mA, 40000, "recipe 50 A is looser");
	cr_assert_eq(lim.pack_hard_mV.high, 0, "no pack limit given");
	cr_assert_eq(lim.bms_timeout_ms, 1000);
	cr_assert_eq(lim.contactor_timeout_ms, 3000);
}

/* One limit: the value the check reads, where it is at the limit, and the
 * direction of one LSB (1 mV, 0.1 C, 1 mA) past it. */
struct edge {
	enum diag_id id;
	int32_t *value;
	int32_t at;
	int32_t past;
};

/* Readings at the limit for 3 s never trip; one LSB past it trips. */
static void expect_edge(const struct edge *e, const struct soa_limits *l)
{
	int32_t keep = *e->value;

	for (int k = 0; k < 2; k++) {
		soa_init(&s, l, &p);
		*e->value = k ? e->at + e->past : e->at;
		for (int i = 0; i < 30; i++)
			sample();
		cr_expect_eq(diag_active(&s.diag, e->id), k == 1, "%s at %d%s",
			     diag_table[e->id].code, e->at,
			     k ? " + 1 LSB did not trip" : " tripped");
	}
	*e->value = keep;
}

Test(soa, a_reading_at_a_limit_passes_one_lsb_past_trips)
{
	struct edge edges[] = {
	    {DIAG_CELL_OV_HARD, &cells[1], lim.cell_hard_mV.high, 1},
	    {DIAG_CELL_OV_WARN, &cells[1], lim.cell_warn_mV.high, 1},
	    {DIAG_CELL_UV_HARD, &cells[1], lim.cell_hard_mV.low, -1},
	    {DIAG_CELL_UV_WARN, &cells[1], lim.cell_warn_mV.low, -1},
	    {DIAG_TEMP_HIGH_HARD, &temps[0], lim.temp_hard_ddegC.high, 1},
	    {DIAG_TEMP_HIGH_WARN, &temps[0], lim.temp_warn_ddegC.high, 1},
	    {DIAG_TEMP_LOW_HARD, &temps[0], lim.temp_hard_ddegC.low, -1},
	    {DIAG_TEMP_LOW_WARN, &temps[0], lim.temp_warn_ddegC.low, -1},
	    {DIAG_CHARGE_CURRENT_HARD, &x.current_mA, lim.charge_hard_mA, 1},
	    {DIAG_CHARGE_CURRENT_WARN, &x.current_mA, lim.charge_warn_mA, 1},
	    {DIAG_DISCHARGE_CURRENT_HARD, &x.current_mA, -lim.discharge_hard_mA,
	     -1},
	    {DIAG_DISCHARGE_CURRENT_WARN, &x.current_mA, -lim.discharge_warn_mA,
	     -1},
	    {DIAG_CELL_SPREAD_WARN, &cells[1], 3700 + lim.spread_warn_mV, 1},
	};
	struct soa_limits pl = lim;

	x.cv_mode = true; /* no setpoint to follow here */
	for (unsigned i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		expect_edge(&edges[i], &lim);

	/* the BMS's limits, with their margin */
	x.bms_limits_valid = true;
	x.ccl_mA = 5000;
	x.dcl_mA = 6000;
	expect_edge(&(struct edge){DIAG_CCL_EXCEEDED, &x.current_mA,
				   5000 + lim.bms_limit_margin_mA, 1},
		    &lim);
	expect_edge(&(struct edge){DIAG_DCL_EXCEEDED, &x.current_mA,
				   -(6000 + lim.bms_limit_margin_mA), -1},
		    &lim);
	x.bms_limits_valid = false;

	/* a hard spread limit (a profile's cell_spread) */
	pl.spread_hard_mV = 500;
	pl.spread_window_mV.high = 0; /* judged everywhere */
	expect_edge(&(struct edge){DIAG_CELL_SPREAD_HARD, &cells[1], 4200, 1},
		    &pl);

	/* a pack limit (from a recipe or the bench file) */
	pl.pack_hard_mV = (struct soa_band){12000, 16000};
	expect_edge(&(struct edge){DIAG_PACK_OV_HARD, &x.pack_mV, 16000, 1},
		    &pl);
	expect_edge(&(struct edge){DIAG_PACK_UV_HARD, &x.pack_mV, 12000, -1},
		    &pl);
}

/* A polled pack reporting cells in 20 mV counts (the Kona's one byte per
 * cell): a live cell may sit on one count while the others' average
 * crosses two, so the stuck check waits for three counts; a 1 mV pack
 * keeps 30 mV. */
Test(soa, stuck_check_scales_with_a_coarse_polled_reading)
{
	struct profile kona;
	struct soa_limits kl;

	cr_assert_eq(
	    profile_load_file("fixtures/profiles/hyundai-kona-64.ini", &kona),
	    BENCH_OK);
	soa_limits_build(&kl, &kona, NULL, 0);
	cr_expect_eq(kl.stuck_others_mV, 60);
	cr_expect_eq(lim.stuck_others_mV, 30);
	profile_release(&kona);
}
