/* SPDX-License-Identifier: Apache-2.0 */
/* test_step_engine.c - the step engine on a fake clock: every end condition,
 * nesting and counters, clamping, integration, resume. The "cycler" here is
 * ideal: the measured current is the last command. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/recipe.h"
#include "bench/step.h"
#include "common/rc.h"
#include "support.h"

#define S 1000000LL /* us per s */

static struct recipe r;
static struct step_engine e;
static struct step_meas m;
static struct step_out o;
/* clang-format off */
static const struct step_cfg cfg = {
	.rated_capacity_mAh = 10000, /* 1C = 10 A */
	.cell_op_low_mV = 2500,
	.cell_op_high_mV = 4200,
	.charge_max_mA = 10000,
	.discharge_max_mA = 20000,
	.pack_high_mV = 4 * 4230,
	.pack_low_mV = 4 * 2450,
};
/* clang-format on */

static void load(const char *text)
{
	cr_assert_eq(recipe_parse(text, "t.txt", &r), BENCH_OK, "%s", r.error);
	cr_assert_eq(step_init(&e, &r, &cfg), BENCH_OK);
	memset(&m, 0, sizeof(m));
	m.pack_mV = 4 * 3700;
	m.cells_valid = true;
	m.max_cell_mV = m.min_cell_mV = 3700;
	m.max_cell = m.min_cell = 1;
	m.temps_valid = true;
	m.max_temp_ddegC = 250;
	m.max_temp_probe = 1;
}

static void fini(void)
{
	recipe_release(&r);
}

TestSuite(step, .fini = fini, .timeout = 60);

/* One tick; the ideal cycler follows the command. */
static void tick(int64_t t_us)
{
	cr_assert_eq(step_tick(&e, t_us, &m, &o), BENCH_OK);
	m.current_mA = o.cmd.output_on ? o.cmd.current_mA : 0;
}

/* Tick every dt until a step ends or t_end; returns the end time. */
static int64_t run_until_end(int64_t t0, int64_t dt, int64_t t_end)
{
	for (int64_t t = t0; t <= t_end; t += dt) {
		tick(t);
		if (o.ended)
			return t;
	}
	cr_assert_fail("no step ended by %lld us", (long long)t_end);
	return -1;
}

Test(step, time_end_and_rest_command)
{
	load("Rest for 10 s\n");
	tick(0);
	cr_assert(o.started);
	cr_assert_eq(o.step_count, 1);
	cr_assert_eq(o.step_index, 1);
	cr_assert_eq(o.cmd.mode, STEP_MODE_OFF);
	cr_assert_not(o.cmd.output_on);
	cr_assert_eq(run_until_end(100000, 100000, 20 * S), 10 * S);
	cr_assert_str_eq(o.ended_step.end_reason, "time 10.0 s reached");
	cr_assert(o.complete);
	cr_assert_null(o.step);
	cr_assert_eq(step_tick(&e, 11 * S, &m, &o), BENCH_ERR_STATE);
	cr_assert_not(o.complete, "completion is reported once");
}

Test(step, cell_voltage_end_uses_lowest_on_discharge)
{
	load("Discharge at 1C until 2.5 V\n");
	tick(0);
	cr_assert_eq(o.cmd.mode, STEP_MODE_CC);
	cr_assert_eq(o.cmd.current_mA, -10000);
	cr_assert(o.cmd.output_on);
	m.max_cell_mV = 2400; /* the highest cell does not matter */
	m.min_cell_mV = 2501;
	tick(S);
	cr_assert_not(o.ended);
	m.min_cell_mV = 2500;
	m.min_cell = 17;
	tick(2 * S);
	cr_assert(o.ended);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "cell voltage 2.500 V reached (cell 17)");
}

Test(step, cell_voltage_end_uses_highest_on_charge)
{
	load("Charge at 1C until 4.1 V\n");
	tick(0);
	cr_assert_eq(o.cmd.current_mA, 10000);
	m.min_cell_mV = 4150; /* only the highest counts */
	m.max_cell_mV = 4099;
	tick(S);
	cr_assert_not(o.ended);
	m.max_cell_mV = 4101;
	m.max_cell = 5;
	tick(2 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "cell voltage 4.100 V reached (cell 5)");
}

Test(step, min_and_max_cell_use_the_profile_limits)
{
	load("Discharge at 1C until min cell\nCharge at 1C until max cell\n");
	tick(0);
	m.min_cell_mV = 2500;
	m.min_cell = 3;
	tick(S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "min cell 2.500 V reached (cell 3)");
	cr_assert(o.started);
	m.min_cell_mV = 3000;
	m.max_cell_mV = 4200;
	m.max_cell = 9;
	tick(2 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "max cell 4.200 V reached (cell 9)");
}

Test(step, pack_voltage_end)
{
	load("Discharge at 1C until pack 12 V\nCharge at 1C until pack 16 V\n");
	tick(0);
	m.pack_mV = 12001;
	tick(S);
	cr_assert_not(o.ended);
	m.pack_mV = 12000;
	tick(2 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "pack voltage 12.0 V reached");
	m.pack_mV = 16000;
	tick(3 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "pack voltage 16.0 V reached");
}

Test(step, ah_end_integrates_current)
{
	load("Discharge at 1C until 1 Ah\n");
	/* 10 A after a first 0.1 s ramp (the cycler follows a tick late):
	 * 1 Ah at 360.05 s, seen on the 360.1 s tick */
	cr_assert_eq(run_until_end(0, 100000, 400 * S), 360 * S + 100000);
	cr_assert_str_eq(o.ended_step.end_reason, "1.000 Ah reached");
	cr_assert_float_eq(o.ended_step.discharge_Ah, (3601.0 - 0.5) / 3600,
			   1e-9);
	cr_assert_float_eq(o.ended_step.charge_Ah, 0.0, 1e-12);
	cr_assert_float_eq(step_get_state(&e)->discharge_Ah,
			   (3601.0 - 0.5) / 3600, 1e-9);
}

Test(step, wh_end_integrates_power)
{
	load("Discharge at 1C until 37 Wh\n");
	/* 10 A at 14.8 V = 148 W after a 1 s ramp: 37 Wh at 900.5 s */
	cr_assert_eq(run_until_end(0, S, 1000 * S), 901 * S);
	cr_assert_str_eq(o.ended_step.end_reason, "37.0 Wh reached");
	cr_assert_float_eq(o.ended_step.discharge_Wh, (148.0 * 901 - 74) / 3600,
			   1e-9);
}

Test(step, temperature_end_rises_on_charge_falls_on_rest)
{
	load("Charge at 1C until temperature 45 C\n"
	     "Rest until temperature 30 C\n");
	tick(0);
	m.max_temp_ddegC = 449;
	tick(S);
	cr_assert_not(o.ended);
	m.max_temp_ddegC = 450;
	m.max_temp_probe = 4;
	tick(2 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "temperature 45.0 C reached (probe 4)");
	tick(3 * S);
	cr_assert_not(o.ended, "rest waits for cooling");
	m.max_temp_ddegC = 300;
	tick(4 * S);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "temperature 30.0 C reached (probe 4)");
}

Test(step, current_end_on_hold_settles_and_persists)
{
	load("Hold at pack 16.8 V until 1 A\n");
	tick(0);
	cr_assert_eq(o.cmd.mode, STEP_MODE_CV_PACK);
	cr_assert_eq(o.cmd.cv_mV, 16800);
	cr_assert_eq(o.cmd.current_mA, 10000, "limit: operating charge");
	cr_assert_eq(o.cmd.volt_high_mV, 16800);
	/* a hold starting near 0 A does not end at once */
	for (int64_t t = 100000; t < 10 * S; t += 100000) {
		tick(t);
		m.current_mA = 500;
		cr_assert_not(o.ended);
	}
	m.current_mA = 500;
	tick(10 * S);
	m.current_mA = 500;
	tick(10 * S + 900000);
	cr_assert_not(o.ended, "must stay below for 1 s");
	m.current_mA = 500;
	tick(11 * S);
	cr_assert(o.ended);
	cr_assert_str_eq(o.ended_step.end_reason,
			 "current 0.50 A below 1.00 A");
}

Test(step, current_end_resets_when_current_rises_again)
{
	load("Hold at pack 16.8 V until C/10\n");
	tick(0);
	m.current_mA = 500;
	tick(20 * S);
	m.current_mA = 5000;
	tick(20 * S + 500000);
	m.current_mA = 500;
	tick(21 * S);
	cr_assert_not(o.ended);
	m.current_mA = 500;
	tick(22 * S);
	cr_assert(o.ended);
}

Test(step, operating_limit_ends_a_step_without_its_own)
{
	load("Charge at 1 A for 1 h\nDischarge at 1 A for 1 h\n");
	tick(0);
	m.max_cell_mV = 4200;
	m.max_cell = 3;
	tick(S);
	cr_assert_str_eq(
	    o.ended_step.end_reason,
	    "cell voltage operating limit 4.200 V reached (cell 3)");
	m.max_cell_mV = 3700;
	m.min_cell_mV = 2499;
	m.min_cell = 8;
	tick(2 * S);
	cr_assert_str_eq(
	    o.ended_step.end_reason,
	    "cell voltage operating limit 2.500 V reached (cell 8)");
}

Test(step, nested_loops_counters_and_lines)
{
	static const uint32_t lines[] = {2, 4, 4, 4, 2, 4, 4, 4, 7};
	static const uint32_t cycles[] = {0, 0, 0, 0, 1, 1, 1, 1, 2};
	unsigned n = 0;

	load("Repeat 2 times\n"
	     " Rest for 1 s\n"
	     " Repeat 3 times\n"
	     "  Rest for 1 s\n"
	     " End\n"
	     "End\n"
	     "Rest for 1 s\n");
	for (int64_t t = 0; t <= 20 * S && !o.complete; t += S) {
		tick(t);
		if (o.started) {
			cr_assert_lt(n, 9);
			cr_assert_eq(o.step_index, lines[n], "step %u", n);
			cr_assert_eq(o.step_count, n + 1);
			cr_assert_eq(o.cycle_count, cycles[n], "step %u", n);
			n++;
		}
	}
	cr_assert_eq(n, 9);
	cr_assert(o.complete);
	cr_assert_eq(step_get_state(&e)->cycle_count, 2);
}

Test(step, bms_limits_clamp_setpoints)
{
	load("Charge at 1C for 10 s\nDischarge at 1.5C for 10 s\n");
	m.bms_limits_valid = true;
	m.ccl_mA = 4000;
	m.dcl_mA = 30000;
	tick(0);
	cr_assert_eq(o.cmd.current_mA, 4000);
	cr_assert_eq(o.cmd.requested_mA, 10000);
	cr_assert(o.cmd.clamped);
	cr_assert(o.clamp_started);
	tick(S);
	cr_assert(o.cmd.clamped);
	cr_assert_not(o.clamp_started, "reported once");
	m.ccl_mA = 20000;
	tick(2 * S);
	cr_assert_eq(o.cmd.current_mA, 10000);
	cr_assert_not(o.cmd.clamped);
	m.ccl_mA = 0; /* BMS forbids charging */
	tick(3 * S);
	cr_assert_eq(o.cmd.current_mA, 0);
	cr_assert_eq(o.cmd.clamp_by, STEP_CLAMP_BMS);
	cr_assert_not(o.clamp_started, "one report per step and reason");
	run_until_end(4 * S, S, 20 * S);
	/* discharge 15 A: the DCL of 30 A does not bind */
	cr_assert_eq(o.cmd.current_mA, -15000);
	cr_assert_not(o.cmd.clamped);
	m.dcl_mA = 12000;
	tick(11 * S);
	cr_assert_eq(o.cmd.current_mA, -12000);
	cr_assert_eq(o.cmd.requested_mA, -15000);
	cr_assert(o.clamp_started, "a new step reports again");
}

Test(step, each_clamp_reason_reported_once_per_step)
{
	load("Charge at 2C for 10 s\n");
	m.bms_limits_valid = true;
	m.ccl_mA = 30000;
	tick(0); /* 20 A wanted, operating current 10 A binds */
	cr_assert_eq(o.cmd.clamp_by, STEP_CLAMP_OPERATING);
	cr_assert(o.clamp_started);
	m.ccl_mA = 6000;
	tick(S);
	cr_assert_eq(o.cmd.current_mA, 6000);
	cr_assert_eq(o.cmd.clamp_by, STEP_CLAMP_BMS);
	cr_assert(o.clamp_started, "a new reason is reported");
	m.ccl_mA = 30000;
	tick(2 * S);
	cr_assert_not(o.clamp_started);
	m.ccl_mA = 6000;
	tick(3 * S);
	cr_assert(o.cmd.clamped);
	cr_assert_not(o.clamp_started);
}

Test(step, operating_current_clamps_too)
{
	load("Charge at 2C for 10 s\nDischarge at 3C for 10 s\n");
	tick(0);
	cr_assert_eq(o.cmd.current_mA, 10000);
	cr_assert(o.cmd.clamped);
	run_until_end(S, S, 20 * S);
	cr_assert_eq(o.cmd.current_mA, -20000);
	cr_assert(o.cmd.clamped);
}

Test(step, power_setpoint_follows_pack_voltage)
{
	load("Discharge at 74 W for 10 s\n");
	m.pack_mV = 14800;
	tick(0);
	cr_assert_eq(o.cmd.current_mA, -5000);
	m.pack_mV = 7400;
	tick(S);
	cr_assert_eq(o.cmd.current_mA, -10000);
}

Test(step, trapezoid_splits_charge_and_discharge)
{
	load("Rest for 10 s\n");
	m.current_mA = 1000;
	cr_assert_eq(step_tick(&e, 0, &m, &o), BENCH_OK);
	m.current_mA = -1000;
	cr_assert_eq(step_tick(&e, S, &m, &o), BENCH_OK);
	/* a line from +1 A to -1 A over 1 s: 0.25 As each way */
	cr_assert_float_eq(step_get_state(&e)->charge_Ah, 0.25 / 3600, 1e-12);
	cr_assert_float_eq(step_get_state(&e)->discharge_Ah, 0.25 / 3600,
			   1e-12);
	m.current_mA = -1000;
	cr_assert_eq(step_tick(&e, 2 * S, &m, &o), BENCH_OK);
	cr_assert_float_eq(step_get_state(&e)->discharge_Ah, 1.25 / 3600,
			   1e-12);
}

Test(step, ended_step_record)
{
	load("Discharge at 1C for 2 s [tag capacity]\nRest for 1 s\n");
	m.pack_mV = 15000;
	tick(0);
	m.pack_mV = 14000;
	tick(S);
	tick(2 * S);
	cr_assert(o.ended);
	cr_assert_eq(o.ended_step.step_count, 1);
	cr_assert_eq(o.ended_step.step_index, 1);
	cr_assert_str_eq(o.ended_step.kind, "discharge");
	cr_assert_str_eq(o.ended_step.tag, "capacity");
	cr_assert_float_eq(o.ended_step.start_s, 0.0, 1e-9);
	cr_assert_float_eq(o.ended_step.end_s, 2.0, 1e-9);
	cr_assert_float_eq(o.ended_step.start_V, 15.0, 1e-6);
	cr_assert_float_eq(o.ended_step.end_V, 14.0, 1e-6);
	/* first second: 0 -> 10 A ramp (ideal cycler lags a tick) */
	cr_assert_float_eq(o.ended_step.discharge_Ah, 15.0 / 3600, 1e-9);
	cr_assert(o.started, "the next step starts in the same tick");
	cr_assert_eq(o.step_count, 2);
	cr_assert_str_eq(o.step->tag, "");
}

Test(step, log_interval_per_step_or_global)
{
	load("log every 5 s\nRest for 1 s [log every 100 ms]\nRest for 1 s\n");
	tick(0);
	cr_assert_eq(o.log_interval_ms, 100);
	tick(S);
	cr_assert_eq(o.log_interval_ms, 5000);
}

static const char nested[] = "Repeat 2 times\n"
			     " Discharge at 1C for 10 s\n"
			     " Rest for 10 s [restart]\n"
			     "End\n";

Test(step, resume_continues_the_interrupted_step)
{
	struct step_state saved;

	load(nested);
	/* steps: 1 dis(l2) 2 rest(l3) 3 dis(l2): interrupt 4 s into step 3 */
	for (int64_t t = 0; t <= 24 * S; t += S)
		tick(t);
	cr_assert_eq(o.step_count, 3);
	saved = *step_get_state(&e);
	cr_assert_eq(saved.step_elapsed_us, 4 * S);

	cr_assert_eq(step_init(&e, &r, &cfg), BENCH_OK);
	cr_assert_eq(step_resume(&e, 3, 2, &saved, 100 * S), BENCH_OK);
	m.current_mA = 0;
	tick(100 * S);
	cr_assert_not(o.started, "continues, no new start");
	cr_assert_eq(o.step_count, 3);
	cr_assert_eq(o.step_index, 2);
	cr_assert_eq(o.cycle_count, 1);
	cr_assert_eq(o.cmd.current_mA, -10000);
	/* 6 s left of the 10 s */
	cr_assert_eq(run_until_end(101 * S, S, 200 * S), 106 * S);
	cr_assert_float_eq(step_get_state(&e)->discharge_Ah,
			   saved.discharge_Ah + 6 * 10.0 / 3600 - 5.0 / 3600,
			   1e-9);
}

Test(step, resume_restarts_a_restart_step)
{
	struct step_state saved;

	load(nested);
	for (int64_t t = 0; t <= 14 * S; t += S)
		tick(t);
	cr_assert_eq(o.step_count, 2); /* the rest, 4 s in */
	saved = *step_get_state(&e);
	cr_assert_eq(step_init(&e, &r, &cfg), BENCH_OK);
	cr_assert_eq(step_resume(&e, 2, 3, &saved, 50 * S), BENCH_OK);
	tick(50 * S);
	cr_assert(o.started, "a [restart] step starts over");
	cr_assert_eq(o.step_count, 2);
	cr_assert_eq(run_until_end(51 * S, S, 100 * S), 60 * S);
}

Test(step, resume_rejects_a_changed_recipe)
{
	struct step_state saved;

	memset(&saved, 0, sizeof(saved));
	load(nested);
	logcap_start();
	cr_assert_eq(step_resume(&e, 3, 3, &saved, 0), BENCH_ERR_STATE);
	cr_assert_eq(step_resume(&e, 9, 2, &saved, 0), BENCH_ERR_STATE);
	logcap_stop();
	cr_assert(strstr(logcap_text(), "cannot resume at step 9 (line 2)"));
}

Test(step, restore_saved_state_verbatim)
{
	struct step_state saved;

	load(nested);
	for (int64_t t = 0; t <= 12 * S; t += S)
		tick(t);
	saved = *step_get_state(&e);
	cr_assert_eq(step_init(&e, &r, &cfg), BENCH_OK);
	cr_assert_eq(step_restore(&e, &saved), BENCH_OK);
	tick(30 * S);
	cr_assert_not(o.started);
	cr_assert_eq(o.step_count, 2);
	cr_assert_eq(run_until_end(31 * S, S, 60 * S), 38 * S);
	saved.op = 0; /* a REPEAT, not a step */
	logcap_start();
	cr_assert_eq(step_restore(&e, &saved), BENCH_ERR_STATE);
	logcap_stop();
}

Test(step, stop_ends_the_current_step)
{
	load("Rest for 1 h\nRest for 1 h\n");
	tick(0);
	step_stop(&e, 5 * S, 14000, "stopped by the operator", &o);
	cr_assert(o.ended);
	cr_assert(o.complete);
	cr_assert_str_eq(o.ended_step.end_reason, "stopped by the operator");
	cr_assert_float_eq(o.ended_step.end_s, 5.0, 1e-9);
	cr_assert_eq(step_tick(&e, 6 * S, &m, &o), BENCH_ERR_STATE);
	cr_assert_eq(o.cmd.current_mA, 0);
	cr_assert_not(o.cmd.output_on);
}

Test(step, init_rejects_zero_capacity)
{
	struct step_cfg bad = cfg;

	load("Rest for 1 s\n");
	bad.rated_capacity_mAh = 0;
	logcap_start();
	cr_assert_eq(step_init(&e, &r, &bad), BENCH_ERR_ARG);
	logcap_stop();
}
