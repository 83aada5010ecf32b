/* SPDX-License-Identifier: Apache-2.0 */
/* test_json_escape.c - RFC 8259 string escaping of the JSON writer. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "common/json.h"
#include "common/rc.h"

static char buf[256];

/* s as one JSON string value */
static const char *esc(const char *s)
{
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_str(&j, s);
	cr_assert_gt(json_finish(&j), 0);
	return buf;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(json_escape, .timeout = 60);

Test(json_escape, quote_and_backslash)
{
	cr_assert_str_eq(esc("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

Test(json_escape, control_characters_as_u00xx)
{
	cr_assert_str_eq(esc("\n\t\x01\x1f"),
			 "\"\\u000a\\u0009\\u0001\\u001f\"");
	/* DEL and '/' need no escape */
	cr_assert_str_eq(esc("a/\x7f"), "\"a/\x7f\"");
}

Test(json_escape, pack_name_with_a_quote)
{
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	json_key_str(&j, "pack_id", "PK \"7\" \\ A");
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	cr_assert_str_eq(buf, "{\"pack_id\":\"PK \\\"7\\\" \\\\ A\"}");
}

Test(json_escape, valid_utf8_passes_through)
{
	/* 2-, 3- and 4-byte sequences: "°C", "Ω", an emoji */
	cr_assert_str_eq(esc("25 \xc2\xb0"
			     "C \xe2\x84\xa6 \xf0\x9f\x94\x8b"),
			 "\"25 \xc2\xb0"
			 "C \xe2\x84\xa6 \xf0\x9f\x94\x8b\"");
}

Test(json_escape, invalid_utf8_becomes_replacement_character)
{
	/* a lone continuation byte, a truncated sequence, an overlong '/',
	 * a UTF-16 surrogate */
	cr_assert_str_eq(esc("a\x80"
			     "b"),
			 "\"a\\ufffdb\"");
	cr_assert_str_eq(esc("\xe2\x84"), "\"\\ufffd\\ufffd\"");
	cr_assert_str_eq(esc("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	cr_assert_str_eq(esc("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
}

Test(json_escape, keys_are_escaped_too)
{
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	json_key_uint(&j, "a\"b", 1);
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	cr_assert_str_eq(buf, "{\"a\\\"b\":1}");
}

Test(json_escape, scan_reads_back_what_was_written)
{
	const char *nasty = "line 3 \"Rest\" C:\\x\ttab";
	char out[64];
	struct json j;

	json_init_buf(&j, buf, sizeof(buf));
	json_obj(&j);
	json_key_str(&j, "state", "RUNNING");
	json_key_str(&j, "line", nasty);
	json_end(&j);
	cr_assert_gt(json_finish(&j), 0);
	cr_assert_eq(json_scan_str(buf, "line", out, sizeof(out)), BENCH_OK);
	cr_assert_str_eq(out, nasty);
	cr_assert_eq(json_scan_str(buf, "state", out, sizeof(out)), BENCH_OK);
	cr_assert_str_eq(out, "RUNNING");
	cr_assert_eq(json_scan_str(buf, "absent", out, sizeof(out)),
		     BENCH_ERR_PARSE);
}

/* The numbers `bench lab` reads back from a telemetry status. */
Test(json_escape, scan_num_reads_numbers_and_null)
{
	const char *js = "{\"t\":280.9,\"step\":\"t: 1\",\"voltage_volt\":"
			 "-1.5e2,\"soc_percent\":null,\"step_count\":8}";
	double v;

	cr_assert_eq(json_scan_num(js, "t", &v), BENCH_OK);
	cr_assert_float_eq(v, 280.9, 1e-9);
	cr_assert_eq(json_scan_num(js, "voltage_volt", &v), BENCH_OK);
	cr_assert_float_eq(v, -150.0, 1e-9);
	cr_assert_eq(json_scan_num(js, "soc_percent", &v), BENCH_OK);
	cr_assert(isnan(v));
	cr_assert_eq(json_scan_num(js, "step", &v), BENCH_ERR_PARSE);
	cr_assert(isnan(v));
	cr_assert_eq(json_scan_num(js, "absent", &v), BENCH_ERR_PARSE);
}
