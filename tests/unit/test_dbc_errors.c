/* SPDX-License-Identifier: Apache-2.0 */
/* test_dbc_errors.c - every parser error and warning, with FILE:LINE:COL. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

#define MSG "BO_ 100 A: 8 X\n"
#define SIG(body) " SG_ " body "\n"

/* arrays, not pointers: Criterion runs each case in a fresh process */
struct dbc_case {
	char text[320];
	bool strict;
	int rc;		/* expected return */
	char want[200]; /* expected log text (substring) */
};

/* clang-format off */
static struct dbc_case cases[] = {
	/* syntax errors */
	{"!!", false, BENCH_ERR_PARSE, "e.dbc:1:1: expected a DBC keyword (BO_, SG_, CM_, BA_, VAL_, ...)"},
	{"BO_ X: 8 Y\n", false, BENCH_ERR_PARSE, "e.dbc:1:5: expected message id (an unsigned integer), got 'X'"},
	{"BO_ 4294967296 A: 8 X\n", false, BENCH_ERR_PARSE, "e.dbc:1:5: message id out of range 0..4294967295"},
	{"BO_ 1 A 8 X\n", false, BENCH_ERR_PARSE, "e.dbc:1:9: expected ':' after the message name, got '8'"},
	{"BO_ 1 : 8 X\n", false, BENCH_ERR_PARSE, "e.dbc:1:7: expected message name, got ':'"},
	{"BO_ 1 A: X\n", false, BENCH_ERR_PARSE, "e.dbc:1:10: expected message size (an unsigned integer), got 'X'"},
	{"BO_ 1 A: 8 -\n", false, BENCH_ERR_PARSE, "e.dbc:1:12: expected transmitter node, got '-'"},
	{SIG("a : 0|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:1:6: SG_ outside a message (expected BO_ before it)"},
	{MSG SIG("a X : 0|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:8: expected ':' or a multiplexer indicator (M, m<n> or m<n>M) after the signal name"},
	{MSG SIG("a m1X : 0|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:8: expected ':' or a multiplexer indicator"},
	{MSG SIG("a : 0|0@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:2:6: signal 'a' length 0 is outside 1..64"},
	{MSG SIG("a : 0|65@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:2:6: signal 'a' length 65 is outside 1..64"},
	{MSG SIG("a : 0|1600@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:2:6: signal 'a' length 1600 is outside 1..64; dropped"},
	{MSG SIG("a : x|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:10: expected start bit (an unsigned integer), got 'x'"},
	{MSG SIG("a : 0 8@1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:12: expected '|' between start bit and length, got '8'"},
	{MSG SIG("a : 0|8 1+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:14: expected '@' after the signal length, got '1'"},
	{MSG SIG("a : 0|8@2+ (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:14: expected byte order 0 (Motorola) or 1 (Intel) after '@'"},
	{MSG SIG("a : 0|8@1x (1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:15: expected '+' (unsigned) or '-' (signed) after the byte order"},
	{MSG SIG("a : 0|8@1+ 1,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:17: expected '(' before factor,offset, got '1'"},
	{MSG SIG("a : 0|8@1+ (x,0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:18: expected factor (a number), got 'x'"},
	{MSG SIG("a : 0|8@1+ (1 0) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:20: expected ',' between factor and offset, got '0'"},
	{MSG SIG("a : 0|8@1+ (1,-) [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:20: expected offset (a number), got '-'"},
	{MSG SIG("a : 0|8@1+ (1,0 [0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:22: expected ')' after the offset, got '['"},
	{MSG SIG("a : 0|8@1+ (1,0) 0|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:23: expected '[' before minimum|maximum, got '0'"},
	{MSG SIG("a : 0|8@1+ (1,0) [a|0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:24: expected minimum (a number), got 'a'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0 0] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:26: expected '|' between minimum and maximum, got '0'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|] \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:26: expected maximum (a number), got ']'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0 \"\" X"), false, BENCH_ERR_PARSE, "e.dbc:2:28: expected ']' after the maximum, got '\"'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] V X"), false, BENCH_ERR_PARSE, "e.dbc:2:29: expected unit (a quoted string), got 'V'"},
	{"CM_ \"never ends;\n", false, BENCH_ERR_PARSE, "e.dbc:1:5: unterminated string (comment text)"},
	{"CM_ XX_ \"c\";\n", false, BENCH_ERR_PARSE, "e.dbc:1:9: expected BU_, BO_, SG_, EV_ or a string after CM_"},
	{"BA_DEF_ BO_ \"A\" BOOL;\n", false, BENCH_ERR_PARSE, "e.dbc:1:17: expected attribute type INT, HEX, FLOAT, STRING or ENUM"},
	{"BA_DEF_ BO_ A INT 0 1;\n", false, BENCH_ERR_PARSE, "e.dbc:1:13: expected attribute name (a quoted string), got 'A'"},
	{"BA_ \"A\" XX_ 1;\n", false, BENCH_ERR_PARSE, "e.dbc:1:9: expected BU_, BO_, SG_, EV_ or a value after the attribute name"},
	{"BA_ \"A\" BO_ 100 ;\n", false, BENCH_ERR_PARSE, "e.dbc:1:17: expected attribute value (a number), got ';'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") "SIG_VALTYPE_ 100 a : 4;\n", false, BENCH_ERR_PARSE, "e.dbc:3:22: value type (0 integer, 1 float32, 2 float64) out of range 0..3"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") "VAL_ 100 a 1 \"x\" two \"y\";\n", false, BENCH_ERR_PARSE, "e.dbc:3:18: expected value (a number), got 'two'"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") "VAL_ 100 a 1.5 \"x\";\n", false, BENCH_ERR_PARSE, "e.dbc:3:12: value must be an integer"},
	{MSG SIG("m M : 0|8@1+ (1,0) [0|0] \"\" X") SIG("a m1 : 8|8@1+ (1,0) [0|0] \"\" X") "SG_MUL_VAL_ 100 a m 1 3;\n", false, BENCH_ERR_PARSE, "e.dbc:4:23: expected '-' in the value range, got '3'"},
	{MSG SIG("m M : 0|8@1+ (1,0) [0|0] \"\" X") SIG("a m1 : 8|8@1+ (1,0) [0|0] \"\" X") "SG_MUL_VAL_ 100 a nope 1-1;\n", false, BENCH_ERR_PARSE, "e.dbc:4:19: SG_MUL_VAL_: 'nope' is not a multiplexor signal of message 'A'"},
	{MSG SIG("p m1M : 0|8@1+ (1,0) [0|0] \"\" X") SIG("q m1M : 8|8@1+ (1,0) [0|0] \"\" X") "SG_MUL_VAL_ 100 p q 1-1;\nSG_MUL_VAL_ 100 q p 1-1;\n", false, BENCH_ERR_PARSE, "e.dbc:2:6: signal 'p' of message 'A': multiplexors select each other in a loop"},
	/* strict mode */
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") SIG("b : 4|8@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:3:6: signal 'b' of message 'A' overlaps signal 'a'"},
	{MSG SIG("a : 7|16@0+ (1,0) [0|0] \"\" X") SIG("b : 8|8@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:3:6: signal 'b' of message 'A' overlaps signal 'a'"},
	{MSG SIG("m M : 0|8@1+ (1,0) [0|0] \"\" X") SIG("a m1 : 8|8@1+ (1,0) [0|0] \"\" X") SIG("b m2 : 8|8@1+ (1,0) [0|0] \"\" X"), true, BENCH_OK, ""},
	{MSG SIG("a : 60|8@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:2:6: signal 'a' of message 'A' needs 9 bytes, the message has 8"},
	{MSG SIG("a : 600|8@1+ (1,0) [0|0] \"\" X"), true, BENCH_ERR_PARSE, "e.dbc:2:6: signal 'a' (start 600, length 8) lies beyond a 64-byte payload"},
	/* lenient mode: the same problems are warnings */
	{MSG SIG("a : 60|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:2:6: signal 'a' of message 'A' needs 9 bytes, the message has 8"},
	{MSG SIG("a : 600|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:2:6: signal 'a' (start 600, length 8) lies beyond a 64-byte payload; dropped"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") SIG("b : 4|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, ""},
	/* warnings */
	{"BO_ 4096 A: 8 X\n", false, BENCH_OK, "e.dbc:1:5: message 'A' id 4096 (0x1000) is above 0x7FF without the extended bit 31; taken as 29-bit extended"},
	{"BO_ 3758096385 A: 8 X\n", false, BENCH_OK, "e.dbc:1:5: message 'A' id 3758096385 has bits 29-30 set; ignored"},
	{MSG MSG, false, BENCH_OK, "e.dbc:2:5: message 'A' repeats id 100; lookups by id find the first"},
	{"BO_ 100 A: 65 X\n", false, BENCH_OK, "e.dbc:1:5: message 'A' size 65 is above 64 bytes; using 64"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") SIG("a : 8|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:3:6: message 'A' repeats signal 'a'; lookups by name find the first"},
	{MSG SIG("a : 0|8@1+ (0,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:2:10: signal 'a' has factor 0; it cannot be encoded"},
	{MSG SIG("a m1 : 0|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:2:6: signal 'a' of message 'A' is multiplexed but the message has no multiplexor; always decoded"},
	{MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X") "SIG_VALTYPE_ 100 a : 1;\n", false, BENCH_OK, "e.dbc:3:22: signal 'a': value type 1 does not fit length 8; kept as integer"},
	{"CM_ BO_ 7 \"c\";\n", false, BENCH_OK, "e.dbc:1:9: CM_ BO_ refers to unknown message id 7"},
	{MSG "CM_ SG_ 100 zz \"c\";\n", false, BENCH_OK, "e.dbc:2:13: CM_ SG_ refers to unknown signal 'zz' of message 'A'"},
	{"BA_DEF_DEF_ \"Nope\" 1;\n", false, BENCH_OK, "e.dbc:1:13: default for undefined attribute 'Nope' ignored"},
	{"BA_DEF_ \"A\" INT 0 1;\nBA_DEF_ \"A\" STRING;\n", false, BENCH_OK, "e.dbc:2:9: attribute 'A' defined twice; the first definition is kept"},
	{"FOO_ 1 2 3;\n" MSG, false, BENCH_OK, "e.dbc:1:1: unknown statement 'FOO_' skipped"},
	{"FOO_ no semicolon\n" MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X"), false, BENCH_OK, "e.dbc:1:1: unknown statement 'FOO_' skipped"},
};
/* clang-format on */

ParameterizedTestParameters(dbc_errors, each)
{
	return cr_make_param_array(struct dbc_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

/* a test that hangs fails instead of blocking the run */
TestSuite(dbc_errors, .timeout = 60);

ParameterizedTest(struct dbc_case *c, dbc_errors, each)
{
	struct dbc_opts o = {.strict = c->strict};
	struct dbc *db = NULL;
	int rc;

	logcap_start();
	rc = dbc_parse(c->text, strlen(c->text), "e.dbc", &o, &db);
	logcap_stop();
	cr_expect_eq(rc, c->rc, "rc %d for:\n%s\nlog: %s", rc, c->text,
		     logcap_text());
	if (c->want[0])
		cr_expect(strstr(logcap_text(), c->want) != NULL,
			  "want '%s'\ngot '%s'\nfor:\n%s", c->want,
			  logcap_text(), c->text);
	else
		cr_expect_str_eq(logcap_text(), "", "for:\n%s", c->text);
	if (rc == BENCH_OK)
		cr_expect_not_null(db);
	else
		cr_expect_null(db);
	dbc_free(db);
}

Test(dbc_errors, unknown_statement_skip_keeps_following_statements)
{
	static const char text[] =
	    "FOO_ no semicolon\n" MSG SIG("a : 0|8@1+ (1,0) [0|0] \"\" X");
	struct dbc_opts o = {.quiet = true};
	struct dbc *db;

	cr_assert_eq(dbc_parse(text, strlen(text), "e.dbc", &o, &db), BENCH_OK);
	cr_expect_eq(db->n_msgs, 1);
	cr_expect_eq(db->msgs[0].n_sigs, 1);
	cr_expect_eq(db->n_warnings, 1);
	dbc_free(db);
}

Test(dbc_errors, quiet_counts_but_does_not_log)
{
	static const char text[] = "BO_ 4096 A: 8 X\n";
	struct dbc_opts o = {.quiet = true};
	struct dbc *db;

	logcap_start();
	cr_assert_eq(dbc_parse(text, strlen(text), "e.dbc", &o, &db), BENCH_OK);
	logcap_stop();
	cr_expect_str_eq(logcap_text(), "");
	cr_expect_eq(db->n_warnings, 1);
	dbc_free(db);
}

Test(dbc_errors, missing_file)
{
	struct dbc *db = (struct dbc *)1;

	logcap_start();
	cr_expect_eq(dbc_load_file("/nonexistent/x.dbc", NULL, &db),
		     BENCH_ERR_IO);
	logcap_stop();
	cr_expect_null(db);
	cr_expect(strstr(logcap_text(), "cannot open '/nonexistent/x.dbc': No "
					"such file or directory") != NULL,
		  "%s", logcap_text());
}
