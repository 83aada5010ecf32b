/* SPDX-License-Identifier: Apache-2.0 */
/* test_scpi_parse.c - the strict SCPI reply parsers. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/instr/scpi/protocol.h"
#include "common/rc.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(scpi_parse, .timeout = 60);

Test(scpi_parse, numbers_accepted)
{
	static const struct {
		const char *s;
		char unit;
		double v;
	} ok[] = {
	    {"0", 0, 0.0},	     {"12", 0, 12.0},
	    {"-12.5", 0, -12.5},     {"+3.25", 0, 3.25},
	    {".5", 0, 0.5},	     {"5.", 0, 5.0},
	    {"1.2E+02", 0, 120.0},   {"1e-3", 0, 0.001},
	    {"  48.000  ", 0, 48.0}, {"48.000 V", 'V', 48.0},
	    {"48.000V", 'V', 48.0},  {"48.000 v", 'V', 48.0},
	    {"-5.0 A", 'A', -5.0},   {"48.0", 'V', 48.0},
	    {"\t7\t", 'W', 7.0},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v = -1;

		cr_assert_eq(scpi_parse_number(ok[i].s, ok[i].unit, &v),
			     BENCH_OK, "'%s'", ok[i].s);
		cr_assert_float_eq(v, ok[i].v, 1e-12, "'%s'", ok[i].s);
	}
}

Test(scpi_parse, numbers_refused)
{
	static const struct {
		const char *s;
		char unit;
	} bad[] = {
	    {"", 0},
	    {" ", 0},
	    {"-", 0},
	    {".", 0},
	    {"abc", 0},
	    {"1,5", 0},
	    {"1.5.2", 0},
	    {"1e", 0},
	    {"1e+", 0},
	    {"1e99999", 0},
	    {"nan", 0},
	    {"inf", 0},
	    {"-inf", 0},
	    {"9.91E37", 0},
	    {"-9.91E+37", 0},
	    {"0x10", 0},
	    {"12 V", 0},
	    {"12 A", 'V'},
	    {"12 VV", 'V'},
	    {"12 V 3", 'V'},
	    {"1 2", 0},
	    {"12\n", 0},
	    {"++1", 0},
	    {"1e5.5", 0},
	    {"00000000000000000000000000000000000000000000000000000000000000000"
	     "01",
	     0},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = 42;

		cr_assert_eq(scpi_parse_number(bad[i].s, bad[i].unit, &v),
			     BENCH_ERR_PROTO, "'%s'", bad[i].s);
		cr_assert_float_eq(v, 42, 0, "'%s' changed the output",
				   bad[i].s);
	}
}

Test(scpi_parse, booleans)
{
	bool b;

	cr_assert_eq(scpi_parse_bool("1", &b), BENCH_OK);
	cr_assert(b);
	cr_assert_eq(scpi_parse_bool("on ", &b), BENCH_OK);
	cr_assert(b);
	cr_assert_eq(scpi_parse_bool("0", &b), BENCH_OK);
	cr_assert_not(b);
	cr_assert_eq(scpi_parse_bool(" OFF", &b), BENCH_OK);
	cr_assert_not(b);
	cr_assert_eq(scpi_parse_bool("2", &b), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_bool("", &b), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_bool("ONN", &b), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_bool("10", &b), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_bool("O", &b), BENCH_ERR_PROTO);
}

Test(scpi_parse, error_replies)
{
	char msg[64];
	int code = 1;

	cr_assert_eq(
	    scpi_parse_error("0,\"No error\"", &code, msg, sizeof(msg)),
	    BENCH_OK);
	cr_assert_eq(code, 0);
	cr_assert_str_eq(msg, "No error");
	cr_assert_eq(scpi_parse_error("-113,\"Undefined header\"", &code, msg,
				      sizeof(msg)),
		     BENCH_OK);
	cr_assert_eq(code, -113);
	cr_assert_str_eq(msg, "Undefined header");
	cr_assert_eq(scpi_parse_error(" -222 , \"Data out of range;VOLT\" ",
				      &code, msg, sizeof(msg)),
		     BENCH_OK);
	cr_assert_eq(code, -222);
	/* a long text is cut, not overrun */
	cr_assert_eq(scpi_parse_error("-100,\"0123456789\"", &code, msg, 5),
		     BENCH_OK);
	cr_assert_str_eq(msg, "0123");

	/* clang-format off */
	static const char *const bad[] = {
		"",          "0",          "0,",       "0,No error",
		"0,\"open",  "x,\"a\"",    "-,\"a\"",  "0,\"a\" junk",
		"99999,\"a\"", "0;\"a\"",  "0,\"\x01\"",
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(scpi_parse_error(bad[i], &code, msg, sizeof(msg)),
			     BENCH_ERR_PROTO, "'%s'", bad[i]);
}

Test(scpi_parse, idn_replies)
{
	cr_assert_eq(scpi_parse_idn("EA Elektro-Automatik,PSB 10080-120,"
				    "2080420001,V2.01"),
		     BENCH_OK);
	cr_assert_eq(
	    scpi_parse_idn("ITECH Ltd.,IT6018C-500-90,60121,1.02-1.03"),
	    BENCH_OK);
	cr_assert_eq(scpi_parse_idn("A,B,,"), BENCH_OK);
	cr_assert_eq(scpi_parse_idn(""), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_idn("A,B,C"), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_idn("A,B,C,D,E"), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_idn(",B,C,D"), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_idn("A, ,C,D"), BENCH_ERR_PROTO);
	cr_assert_eq(scpi_parse_idn("A,B\x7f,C,D"), BENCH_ERR_PROTO);
	char longer[200];
	memset(longer, 'x', sizeof(longer));
	memcpy(longer, "A,B,C,", 6);
	longer[sizeof(longer) - 1] = '\0';
	cr_assert_eq(scpi_parse_idn(longer), BENCH_ERR_PROTO);
}
