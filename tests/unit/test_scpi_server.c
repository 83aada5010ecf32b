/* SPDX-License-Identifier: Apache-2.0 */
/* test_scpi_server.c - the simulated SCPI supply on its own, on a virtual
 * clock: command forms, the error queue, slew, CC/CV regulation, sink,
 * CC priority, watchdog, faults. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "bench/sim/scpi_server.h"
#include "common/clock.h"
#include "common/rc.h"

struct plant {
	double ocv_V, r_ohm, current_A;
};

static double plant_v(void *ctx)
{
	struct plant *p = ctx;

	return p->ocv_V + p->r_ohm * p->current_A;
}

static void plant_i(void *ctx, double a)
{
	((struct plant *)ctx)->current_A = a;
}

static struct plant pl;
static struct clock clk;
static struct clock_virt vt;
static struct scpi_server *srv;
static char reply[512];

static void setup(void)
{
	struct scpi_plant p = {&pl, plant_v, plant_i, NULL};
	struct scpi_server_cfg cfg = {.voltage_max_V = 100,
				      .current_max_A = 50};

	pl = (struct plant){48.0, 0.1, 0.0};
	clock_virt_init(&clk, &vt);
	cr_assert_eq(scpi_server_new(&cfg, &p, &clk, &srv), BENCH_OK);
}

static void teardown(void)
{
	scpi_server_free(srv);
}

static const char *ex(const char *line)
{
	scpi_server_exec_line(srv, line, reply, sizeof(reply));
	return reply;
}

/* Advance virtual time in 10 ms steps up to t_ms. */
static void run_to_ms(int64_t t_ms)
{
	while (vt.t_us < t_ms * 1000) {
		clock_virt_set(&vt, vt.t_us + 10000);
		scpi_server_step(srv);
	}
}

static struct scpi_server_status st(void)
{
	struct scpi_server_status s;

	scpi_server_get_status(srv, &s);
	return s;
}

TestSuite(scpi_server, .init = setup, .fini = teardown, .timeout = 60);

Test(scpi_server, idn_and_empty_error_queue)
{
	cr_assert_str_eq(ex("*IDN?"), "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0\n");
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n");
}

struct form {
	char line[64];
	char want[32];
};

ParameterizedTestParameters(scpi_server, forms)
{
	/* clang-format off */
	static struct form f[] = {
		{"VOLT?", "12.500\n"},
		{"volt?", "12.500\n"},
		{"SOUR:VOLT?", "12.500\n"},
		{":SOURce:VOLTage:LEVel:IMMediate:AMPLitude?", "12.500\n"},
		{"source:voltage?", "12.500\n"},
		{"CURR?", "3.000\n"},
		{"SINK:CURR?", "2.000\n"},
		{"SINK:CURRent:LEVel?", "2.000\n"},
		{"OUTP?", "0\n"},
		{"OUTPut:STATe?", "0\n"},
		{"MEAS:VOLT?", "48.000\n"},
		{"MEASure:VOLTage?", "48.000\n"},
		{"meas:scal:volt:dc?", "48.000\n"},
		{"MEAS:CURR?", "0.000\n"},
		{"MEAS:POW?", "0.00\n"},
		{"*OPC?", "1\n"},
		{"VOLT?;CURR?", "12.500;3.000\n"},
		{"  VOLT?  ", "12.500\n"},
		{"FUNC?", "VOLT\n"},
		{"CURR:LIM?", "3.000\n"},
		{"SOUR:CURR:LIM:POS?", "3.000\n"},
		{"CURR:LIM:NEG?", "-2.000\n"},
		{"CURRent:LIMit:NEGative?", "-2.000\n"},
	};
	/* clang-format on */
	return cr_make_param_array(struct form, f, sizeof(f) / sizeof(f[0]));
}

ParameterizedTest(struct form *f, scpi_server, forms)
{
	ex("SYST:REM");
	ex("VOLT 12.5;CURR 3;SINK:CURR 2 A");
	cr_assert_str_eq(ex(f->line), f->want, "%s", f->line);
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n", "%s", f->line);
}

struct bad {
	char line[64];
	char err[48];
};

ParameterizedTestParameters(scpi_server, errors)
{
	/* clang-format off */
	static struct bad b[] = {
		{"FOO", "-113,\"Undefined header\"\n"},
		{"MEAS:VOLT", "-113,\"Undefined header\"\n"},
		{"*IDN", "-113,\"Undefined header\"\n"},
		{"VOLT", "-109,\"Missing parameter\"\n"},
		{"VOLT abc", "-104,\"Data type error\"\n"},
		{"VOLT 1e999", "-104,\"Data type error\"\n"},
		{"VOLT nan", "-104,\"Data type error\"\n"},
		{"VOLT 12 A", "-104,\"Data type error\"\n"},
		{"VOLT 101", "-222,\"Data out of range\"\n"},
		{"CURR -1", "-222,\"Data out of range\"\n"},
		{"SINK:CURR 51", "-222,\"Data out of range\"\n"},
		{"MEAS:VOLT? 3", "-108,\"Parameter not allowed\"\n"},
		{"*RST 1", "-108,\"Parameter not allowed\"\n"},
		{"OUTP MAYBE", "-104,\"Data type error\"\n"},
		{"VO$LT 1", "-102,\"Syntax error\"\n"},
		{"MEAS::VOLT?", "-102,\"Syntax error\"\n"},
		{"FUNC POWER", "-224,\"Illegal parameter value\"\n"},
		{"CURR:LIM:NEG 5", "-222,\"Data out of range\"\n"},
		{"CURR:LIM -5", "-222,\"Data out of range\"\n"},
	};
	/* clang-format on */
	return cr_make_param_array(struct bad, b, sizeof(b) / sizeof(b[0]));
}

ParameterizedTest(struct bad *b, scpi_server, errors)
{
	ex("SYST:REM");
	cr_assert_str_eq(ex(b->line), "", "%s", b->line);
	cr_assert_str_eq(ex("SYST:ERR?"), b->err, "%s", b->line);
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n", "%s", b->line);
}

Test(scpi_server, setpoints_need_remote)
{
	ex("VOLT 10");
	cr_assert_str_eq(ex("SYST:ERR?"),
			 "-221,\"Settings conflict; not in remote\"\n");
	ex("SYST:LOCK ON");
	cr_assert(st().remote);
	ex("VOLT 10");
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n");
	ex("SYST:LOCK OFF");
	cr_assert_not(st().remote);
}

Test(scpi_server, error_queue_is_fifo_and_cls_clears)
{
	ex("FOO");
	ex("VOLT");
	cr_assert_str_eq(ex("SYST:ERR?"), "-113,\"Undefined header\"\n");
	ex("BAR");
	ex("*CLS");
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n");
	for (int i = 0; i < 40; i++)
		ex("FOO");
	for (int i = 0; i < 15; i++)
		cr_assert_str_eq(ex("SYST:ERR?"),
				 "-113,\"Undefined header\"\n");
	cr_assert_str_eq(ex("SYST:ERR?"), "-350,\"Queue overflow\"\n");
}

Test(scpi_server, current_slews)
{
	ex("SYST:REM;VOLT 60;CURR 20;OUTP ON");
	scpi_server_step(srv);
	run_to_ms(50);
	/* 100 A/s default slew: 5 A after 50 ms, 20 A after 200 ms */
	cr_assert_float_eq(st().current_A, 5.0, 1e-6);
	cr_assert_float_eq(pl.current_A, 5.0, 1e-6);
	run_to_ms(300);
	cr_assert_float_eq(st().current_A, 20.0, 1e-6);
	cr_assert_str_eq(ex("MEAS:CURR?"), "20.000\n");
	cr_assert_str_eq(ex("MEAS:VOLT?"), "50.000\n");
	cr_assert_str_eq(ex("MEAS:POW?"), "1000.00\n");
}

Test(scpi_server, cv_limits_charge_at_the_setpoint)
{
	/* 48 V + 0.1 ohm * I reaches 49 V at 10 A: CV below the 20 A CC */
	ex("SYST:REM;VOLT 49;CURR 20;OUTP ON");
	scpi_server_step(srv);
	run_to_ms(2900); /* inside the 3 s watchdog */
	cr_assert(st().output_on);
	cr_assert_float_eq(st().current_A, 10.0, 0.05);
	cr_assert_float_eq(plant_v(&pl), 49.0, 0.005);
}

Test(scpi_server, sink_discharges_to_the_low_voltage)
{
	ex("SYST:REM;VOLT 40;CURR 0;SINK:CURR 30;OUTP ON");
	scpi_server_step(srv);
	run_to_ms(1000);
	cr_assert_float_eq(st().current_A, -30.0, 1e-6);
	cr_assert_str_eq(ex("MEAS:CURR?"), "-30.000\n");
	/* 48 - 0.1 * 30 = 45 V: above 40 V, so CC sink */
	cr_assert_str_eq(ex("MEAS:VOLT?"), "45.000\n");
	cr_assert_str_eq(ex("MEAS:POW?"), "-1350.00\n");
	ex("VOLT 46");
	run_to_ms(2900); /* inside the 3 s watchdog */
	cr_assert_float_eq(st().current_A, -20.0, 0.05);
}

Test(scpi_server, itech_limits_are_source_and_negative_sink)
{
	ex("SYST:REM;VOLT 40;CURR:LIM 0;CURR:LIM:NEG -30;OUTP ON");
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n");
	cr_assert_float_eq(st().sink_current_set_A, 30.0, 1e-9);
	scpi_server_step(srv);
	run_to_ms(1000);
	cr_assert_float_eq(st().current_A, -30.0, 1e-6);
	ex("FUNC CURR;CURR:LIM 5");
	cr_assert_str_eq(ex("SYST:ERR?"),
			 "-221,\"Settings conflict; CC priority\"\n");
}

Test(scpi_server, cc_priority_takes_signed_current)
{
	ex("SYST:REM;FUNC CURR;VOLT:LIM 60;VOLT:LIM:LOW 30;CURR -12;OUTP ON");
	cr_assert_str_eq(ex("SYST:ERR?"), "0,\"No error\"\n");
	cr_assert(st().cc_priority);
	cr_assert_float_eq(st().voltage_limit_low_V, 30.0, 1e-9);
	scpi_server_step(srv);
	run_to_ms(1000);
	cr_assert_float_eq(st().current_A, -12.0, 1e-6);
	ex("CURR 8");
	run_to_ms(2000);
	cr_assert_float_eq(st().current_A, 8.0, 1e-6);
	/* back in CV priority a negative CURR is out of range */
	ex("FUNC VOLT;CURR -1");
	cr_assert_str_eq(ex("SYST:ERR?"), "-222,\"Data out of range\"\n");
}

static double open_circuit(void *ctx)
{
	(void)ctx;
	return 0.0;
}

Test(scpi_server, measures_what_the_plant_really_carries)
{
	struct scpi_plant p = {&pl, plant_v, plant_i, open_circuit};
	struct scpi_server *open_srv;
	char r[64];

	/* contactors open: the output drives, nothing flows */
	cr_assert_eq(scpi_server_new(NULL, &p, &clk, &open_srv), BENCH_OK);
	scpi_server_exec_line(open_srv, "SYST:REM;VOLT 60;CURR 20;OUTP ON", r,
			      sizeof(r));
	scpi_server_step(open_srv);
	clock_virt_set(&vt, 500000);
	scpi_server_step(open_srv);
	scpi_server_exec_line(open_srv, "MEAS:CURR?;MEAS:POW?", r, sizeof(r));
	cr_assert_str_eq(r, "0.000;0.00\n");
	scpi_server_free(open_srv);
}

Test(scpi_server, output_off_drops_current_at_once)
{
	ex("SYST:REM;VOLT 60;CURR 20;OUTP ON");
	scpi_server_step(srv);
	run_to_ms(500);
	ex("OUTP OFF");
	scpi_server_step(srv);
	cr_assert_float_eq(st().current_A, 0.0, 1e-12);
	cr_assert_float_eq(pl.current_A, 0.0, 1e-12);
}

Test(scpi_server, watchdog_turns_output_off)
{
	ex("SYST:REM;VOLT 60;CURR 20;OUTP ON");
	scpi_server_step(srv);
	run_to_ms(2900);
	cr_assert(st().output_on);
	ex("MEAS:VOLT?"); /* any command feeds it */
	run_to_ms(5800);
	cr_assert(st().output_on);
	cr_assert_float_eq(pl.current_A, 20.0, 1e-6);
	run_to_ms(6000);
	cr_assert_not(st().output_on);
	cr_assert(st().watchdog_tripped);
	cr_assert_float_eq(pl.current_A, 0.0, 1e-12);
	cr_assert_str_eq(ex("OUTP?"), "0\n");
}

Test(scpi_server, silent_fault_answers_nothing_and_starves_watchdog)
{
	ex("SYST:REM;VOLT 60;CURR 20;OUTP ON");
	scpi_server_set_fault(srv, SCPI_FAULT_SILENT);
	cr_assert_str_eq(ex("*IDN?"), "");
	run_to_ms(3100);
	cr_assert_not(st().output_on);
	scpi_server_set_fault(srv, SCPI_FAULT_NONE);
	cr_assert_str_eq(ex("OUTP?"), "0\n");
}

Test(scpi_server, input_frames_lines_and_keeps_partials)
{
	char out[256];
	size_t n;

	cr_assert_eq(scpi_server_input(srv, "*ID", 3), BENCH_OK);
	cr_assert_eq(scpi_server_output(srv, out, sizeof(out)), 0);
	cr_assert_eq(scpi_server_input(srv, "N?\r\n*OPC?\n", 11), BENCH_OK);
	n = scpi_server_output(srv, out, sizeof(out) - 1);
	out[n] = '\0';
	cr_assert_str_eq(out, "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0\n1\n");
}

Test(scpi_server, overlong_line_is_an_error_not_a_crash)
{
	char big[600];

	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	cr_assert_eq(scpi_server_input(srv, big, sizeof(big)), BENCH_OK);
	cr_assert_str_eq(ex("SYST:ERR?"),
			 "-112,\"Program mnemonic too long\"\n");
}

Test(scpi_server, rst_returns_to_safe_state)
{
	ex("SYST:REM;VOLT 60;CURR 20;SINK:CURR 5;OUTP ON;FUNC CURR");
	ex("*RST");
	cr_assert_not(st().output_on);
	cr_assert_not(st().cc_priority);
	cr_assert_float_eq(st().current_set_A, 0.0, 1e-12);
	cr_assert_float_eq(st().sink_current_set_A, 0.0, 1e-12);
	cr_assert(st().remote);
}
