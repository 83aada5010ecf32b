/* SPDX-License-Identifier: Apache-2.0 */
/* test_scpi_profiles.c - each model's command table produces exactly the
 * right strings (a capturing transport with scripted replies), replies are
 * parsed strictly, and every model drives the simulated supply in-process
 * (a loopback transport into scpi_server). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/instr.h"
#include "bench/instr/scpi/protocol.h"
#include "bench/sim/scpi_server.h"
#include "serial/xport.h"
#include "common/clock.h"
#include "common/rc.h"

/* ---------- capturing transport ---------- */

struct cap {
	char sent[64][64];
	int n_sent;
	char pending[1024];
	size_t pending_len;
	const char *(*answer)(const char *query);
};

static struct cap cap;
static const char *override_cmd, *override_reply;

static const char *default_answer(const char *q)
{
	if (override_cmd && !strcmp(q, override_cmd))
		return override_reply;
	if (!strcmp(q, "*IDN?"))
		return "ACME,PSU-9000,SN42,1.02";
	if (!strcmp(q, "SYST:ERR?"))
		return "0,\"No error\"";
	if (!strcmp(q, "MEAS:VOLT?"))
		return "48.125 V";
	if (!strcmp(q, "MEAS:CURR?"))
		return "-5.000 A";
	if (!strcmp(q, "MEAS:POW?"))
		return "-240.6";
	if (!strcmp(q, "OUTP?"))
		return "ON";
	return NULL;
}

static int cap_write(struct xport *x, const void *buf, size_t len, int tmo)
{
	const char *b = buf;
	const char *a;

	(void)x;
	(void)tmo;
	cr_assert(len > 0 && b[len - 1] == '\n');
	cr_assert(cap.n_sent < 64);
	snprintf(cap.sent[cap.n_sent], sizeof(cap.sent[0]), "%.*s",
		 (int)len - 1, b);
	if (b[len - 2] == '?') {
		a = default_answer(cap.sent[cap.n_sent]);
		if (a)
			cap.pending_len += (size_t)snprintf(
			    cap.pending + cap.pending_len,
			    sizeof(cap.pending) - cap.pending_len, "%s\r\n", a);
	}
	cap.n_sent++;
	return BENCH_OK;
}

static int cap_read(struct xport *x, void *buf, size_t len, int tmo)
{
	size_t n = cap.pending_len < len ? cap.pending_len : len;

	(void)x;
	(void)tmo;
	memcpy(buf, cap.pending, n);
	memmove(cap.pending, cap.pending + n, cap.pending_len - n);
	cap.pending_len -= n;
	return (int)n;
}

static int cap_flush(struct xport *x)
{
	(void)x;
	cap.pending_len = 0;
	return BENCH_OK;
}

/* clang-format off */
static const struct xport_ops cap_ops = {
	.name = "capture", .write = cap_write, .read = cap_read,
	.flush = cap_flush,
};
/* clang-format on */

static struct instr *open_model(const char *model)
{
	struct xport *x;
	struct instr *in;

	memset(&cap, 0, sizeof(cap));
	override_cmd = override_reply = NULL;
	cr_assert_eq(xport_new(&cap_ops, NULL, &x), BENCH_OK);
	cr_assert_eq(scpi_instr_open_xport(x, model, 100, &in), BENCH_OK);
	return in;
}

/* Compare what was sent since index *from with want (NULL-terminated). */
static void expect_sent(int *from, const char *const *want)
{
	int i = *from;

	for (; *want; want++, i++) {
		cr_assert(i < cap.n_sent, "missing '%s'", *want);
		cr_assert_str_eq(cap.sent[i], *want);
	}
	cr_assert_eq(i, cap.n_sent, "extra command '%s'",
		     i < cap.n_sent ? cap.sent[i] : "");
	*from = i;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(scpi_profiles, .timeout = 60);

Test(scpi_profiles, generic_strings)
{
	struct instr *in = open_model("generic");
	int at = 0;

	expect_sent(&at, (const char *[]){"SYST:REM", "*CLS", "*IDN?",
					  "SYST:ERR?", NULL});
	cr_assert_str_eq(in->idn, "ACME,PSU-9000,SN42,1.02");
	cr_assert_eq(in->ops->set_voltage(in, 50000, 40000), BENCH_OK);
	expect_sent(&at, (const char *[]){"VOLT 50.000", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_current(in, 10000), BENCH_OK);
	expect_sent(&at, (const char *[]){"SINK:CURR 0.000", "CURR 10.000",
					  "SYST:ERR?", NULL});
	/* only what changed goes out */
	cr_assert_eq(in->ops->set_current(in, 12500), BENCH_OK);
	expect_sent(&at, (const char *[]){"CURR 12.500", "SYST:ERR?", NULL});
	/* discharge: source off first, then the low voltage, then sink */
	cr_assert_eq(in->ops->set_current(in, -5000), BENCH_OK);
	expect_sent(&at,
		    (const char *[]){"CURR 0.000", "VOLT 40.000",
				     "SINK:CURR 5.000", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_current(in, 0), BENCH_OK);
	expect_sent(&at, (const char *[]){"SINK:CURR 0.000", "VOLT 50.000",
					  "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_output(in, true), BENCH_OK);
	expect_sent(&at, (const char *[]){"OUTP ON", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_output(in, false), BENCH_OK);
	expect_sent(&at, (const char *[]){"OUTP OFF", "SYST:ERR?", NULL});
	instr_close(in);
	expect_sent(&at, (const char *[]){"SYST:LOC", NULL});
}

Test(scpi_profiles, ea_psb_strings)
{
	struct instr *in = open_model("ea-psb");
	int at = 0;

	expect_sent(&at, (const char *[]){"SYST:LOCK ON", "*CLS", "*IDN?",
					  "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_voltage(in, 403200, 288000), BENCH_OK);
	expect_sent(&at,
		    (const char *[]){"SOUR:VOLT 403.200", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_current(in, -31333), BENCH_OK);
	expect_sent(&at,
		    (const char *[]){"SOUR:CURR 0.000", "SOUR:VOLT 288.000",
				     "SINK:CURR 31.333", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_current(in, 31333), BENCH_OK);
	expect_sent(&at,
		    (const char *[]){"SINK:CURR 0.000", "SOUR:VOLT 403.200",
				     "SOUR:CURR 31.333", "SYST:ERR?", NULL});
	instr_close(in);
	expect_sent(&at, (const char *[]){"SYST:LOCK OFF", NULL});
}

Test(scpi_profiles, itech_it6000_strings)
{
	struct instr *in = open_model("itech-it6000");
	int at = 0;

	expect_sent(&at, (const char *[]){"SYST:REM", "FUNC VOLT", "*CLS",
					  "*IDN?", "SYST:ERR?", NULL});
	cr_assert_eq(in->ops->set_voltage(in, 403200, 288000), BENCH_OK);
	expect_sent(&at, (const char *[]){"VOLT 403.200", "SYST:ERR?", NULL});
	/* the sink limit goes out as a negative number */
	cr_assert_eq(in->ops->set_current(in, -31333), BENCH_OK);
	expect_sent(&at, (const char *[]){"CURR:LIM 0.000", "VOLT 288.000",
					  "CURR:LIM:NEG -31.333", "SYST:ERR?",
					  NULL});
	cr_assert_eq(in->ops->set_current(in, 2000), BENCH_OK);
	expect_sent(&at, (const char *[]){"CURR:LIM:NEG 0.000", "VOLT 403.200",
					  "CURR:LIM 2.000", "SYST:ERR?", NULL});
	instr_close(in);
	expect_sent(&at, (const char *[]){"SYST:LOC", NULL});
}

Test(scpi_profiles, measure_parses_units_and_signs)
{
	struct instr *in = open_model("generic");
	struct instr_state st;
	int at = 4;

	cr_assert_eq(in->ops->measure(in, &st), BENCH_OK);
	expect_sent(&at, (const char *[]){"MEAS:VOLT?", "MEAS:CURR?",
					  "MEAS:POW?", "OUTP?", NULL});
	cr_assert_eq(st.mask, INSTR_VOLTAGE | INSTR_CURRENT | INSTR_POWER |
				  INSTR_OUTPUT);
	cr_assert_eq(st.voltage_mV, 48125);
	cr_assert_eq(st.current_mA, -5000);
	cr_assert_eq(st.power_mW, -240600);
	cr_assert(st.output_on);
	instr_close(in);
}

struct badreply {
	const char *cmd, *reply;
	int want;
};

Test(scpi_profiles, bad_replies_are_proto_or_timeout)
{
	/* clang-format off */
	static const struct badreply cases[] = {
		{"MEAS:VOLT?", "9.91E37", BENCH_ERR_PROTO},
		{"MEAS:VOLT?", "48.0 A", BENCH_ERR_PROTO},
		{"MEAS:VOLT?", "", BENCH_ERR_PROTO},
		{"MEAS:VOLT?", "48,0", BENCH_ERR_PROTO},
		{"MEAS:VOLT?", "nan", BENCH_ERR_PROTO},
		{"MEAS:VOLT?", "5000", BENCH_ERR_PROTO}, /* beyond 2000 V */
		{"MEAS:CURR?", "-3000.5", BENCH_ERR_PROTO},
		{"MEAS:CURR?", "1.5.2", BENCH_ERR_PROTO},
		{"OUTP?", "2", BENCH_ERR_PROTO},
		{"OUTP?", "ONN", BENCH_ERR_PROTO},
		{"MEAS:POW?", NULL, BENCH_ERR_TIMEOUT},
	};
	/* clang-format on */
	struct instr_state st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct instr *in = open_model("generic");

		override_cmd = cases[i].cmd;
		override_reply = cases[i].reply;
		cr_assert_eq(in->ops->measure(in, &st), cases[i].want,
			     "%s -> '%s'", cases[i].cmd,
			     cases[i].reply ? cases[i].reply : "(silence)");
		instr_close(in);
	}
}

Test(scpi_profiles, rejected_setpoint_is_proto_and_clears_queue)
{
	struct instr *in = open_model("generic");
	int at = 4;

	cr_assert_eq(in->ops->set_voltage(in, 50000, 40000), BENCH_OK);
	expect_sent(&at, (const char *[]){"VOLT 50.000", "SYST:ERR?", NULL});
	override_cmd = "SYST:ERR?";
	override_reply = "-222,\"Data out of range\"";
	cr_assert_eq(in->ops->set_current(in, 10000), BENCH_ERR_PROTO);
	expect_sent(&at, (const char *[]){"SINK:CURR 0.000", "CURR 10.000",
					  "SYST:ERR?", "*CLS", NULL});
	/* after a refusal every setter is sent again */
	override_cmd = NULL;
	cr_assert_eq(in->ops->set_current(in, 10000), BENCH_OK);
	expect_sent(&at, (const char *[]){"SINK:CURR 0.000", "VOLT 50.000",
					  "CURR 10.000", "SYST:ERR?", NULL});
	instr_close(in);
}

Test(scpi_profiles, unknown_model_is_refused)
{
	struct xport *x;
	struct instr *in;

	cr_assert_eq(xport_new(&cap_ops, NULL, &x), BENCH_OK);
	cr_assert_eq(scpi_instr_open_xport(x, "keysight-n6705", 100, &in),
		     BENCH_ERR_ARG);
	cr_assert_null(in);
}

Test(scpi_profiles, every_model_has_the_commands_the_driver_needs)
{
	/* clang-format off */
	static const enum scpi_cmd need[] = {
		SCPI_CMD_REMOTE,       SCPI_CMD_IDN,        SCPI_CMD_ERROR,
		SCPI_CMD_SET_VOLTAGE,  SCPI_CMD_SET_CURRENT,
		SCPI_CMD_SET_SINK_CURRENT, SCPI_CMD_OUTPUT_ON,
		SCPI_CMD_OUTPUT_OFF,   SCPI_CMD_MEAS_VOLTAGE,
		SCPI_CMD_MEAS_CURRENT,
	};
	/* clang-format on */

	for (size_t m = 0; m < scpi_profiles_count; m++) {
		const struct scpi_profile *p = &scpi_profiles[m];

		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			cr_assert_not_null(scpi_profile_cmd(p, need[i]),
					   "%s lacks command %d", p->model,
					   need[i]);
		cr_assert_eq(scpi_profile_find(p->model), p);
	}
}

/* ---------- loopback into the simulated supply ---------- */

static struct scpi_server *lb_srv;

static int lb_write(struct xport *x, const void *buf, size_t len, int tmo)
{
	(void)x;
	(void)tmo;
	return scpi_server_input(lb_srv, buf, len);
}

static int lb_read(struct xport *x, void *buf, size_t len, int tmo)
{
	(void)x;
	(void)tmo;
	return (int)scpi_server_output(lb_srv, buf, len);
}

static const struct xport_ops lb_ops = {
    .name = "loopback",
    .write = lb_write,
    .read = lb_read,
};

static double lb_v(void *ctx)
{
	(void)ctx;
	return 350.0;
}

Test(scpi_profiles, every_model_drives_the_simulated_supply)
{
	struct scpi_plant plant = {NULL, lb_v, NULL, NULL};
	struct clock clk;
	struct clock_virt vt;

	clock_virt_init(&clk, &vt);
	for (size_t m = 0; m < scpi_profiles_count; m++) {
		const char *model = scpi_profiles[m].model;
		struct scpi_server_status st;
		struct xport *x;
		struct instr *in;

		cr_assert_eq(scpi_server_new(NULL, &plant, &clk, &lb_srv),
			     BENCH_OK);
		cr_assert_eq(xport_new(&lb_ops, NULL, &x), BENCH_OK);
		cr_assert_eq(scpi_instr_open_xport(x, model, 100, &in),
			     BENCH_OK, "%s", model);
		cr_assert_eq(in->ops->set_voltage(in, 403000, 290000), BENCH_OK,
			     "%s", model);
		cr_assert_eq(in->ops->set_current(in, -30000), BENCH_OK, "%s",
			     model);
		cr_assert_eq(in->ops->set_output(in, true), BENCH_OK, "%s",
			     model);
		scpi_server_step(lb_srv);
		clock_virt_set(&vt, 1000000);
		scpi_server_step(lb_srv);
		scpi_server_get_status(lb_srv, &st);
		cr_assert(st.output_on, "%s", model);
		cr_assert_float_eq(st.current_A, -30.0, 1e-6, "%s", model);
		cr_assert_eq(instr_safe_off(in), BENCH_OK, "%s", model);
		scpi_server_get_status(lb_srv, &st);
		cr_assert_not(st.output_on, "%s", model);
		cr_assert_eq(st.errors_queued, 0, "%s", model);
		instr_close(in);
		scpi_server_free(lb_srv);
		clock_virt_set(&vt, 0);
	}
}
