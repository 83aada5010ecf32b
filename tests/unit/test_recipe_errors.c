/* SPDX-License-Identifier: Apache-2.0 */
/* test_recipe_errors.c - every recipe mistake gives
 * "FILE:LINE:COL: expected ..., found '...'", checked by text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/recipe.h"
#include "common/rc.h"
#include "support.h"

struct bad {
	const char *text;
	const char *error;
};

/* clang-format off */
static const struct bad cases[] = {
	/* unknown verb */
	{"Chrage at 1C for 1 s\n",
	 "r.txt:1:1: expected a step (Charge, Discharge, Rest, Hold, Start "
	 "charge session), 'Repeat', 'End', 'limit' or 'log every', found "
	 "'Chrage'"},
	/* a charge session's steps */
	{"Start charging\n", "r.txt:1:7: expected 'charge session', found 'charging'"},
	{"Start charge session for 1 h\n",
	 "r.txt:1:22: expected end of line or flags, found 'for'"},
	{"End charge\n", "r.txt:1:11: expected 'session', found end of line"},
	/* missing 'at' */
	{"Charge 1C for 1 s\n", "r.txt:1:8: expected 'at', found '1C'"},
	/* missing unit */
	{"Rest for 1 s\nCharge at 10 for 1 s\n",
	 "r.txt:2:14: expected a unit for a current (A, mA, 1C, C/3) or a "
	 "power (W, kW), found 'for'"},
	{"Rest for 10\n",
	 "r.txt:1:12: expected a unit for a time (s, min, h, seconds, "
	 "minutes, hours), found end of line"},
	/* wrong unit for the place */
	{"Charge at 1C for 10 V\n",
	 "r.txt:1:21: expected a unit for a time (s, min, h, seconds, "
	 "minutes, hours), found 'V'"},
	/* bad number */
	{"Charge at 1.2.3 A for 1 s\n",
	 "r.txt:1:11: expected a number, found '1.2.3'"},
	{"Rest for 1e3 s\n",
	 "r.txt:1:11: expected a unit for a time (s, min, h, seconds, "
	 "minutes, hours), found 'e3'"},
	{"Charge at abc for 1 s\n",
	 "r.txt:1:11: expected a current (A, mA, 1C, C/3) or a power (W, kW), "
	 "found 'abc'"},
	{"Charge at C/0 for 1 s\n",
	 "r.txt:1:11: expected a current (A, mA, 1C, C/3) or a power (W, kW), "
	 "found 'C/0'"},
	/* zero and negative values */
	{"Charge at 0 A for 1 s\n",
	 "r.txt:1:11: expected a current above 0, found '0 A'"},
	{"Charge at -1 A for 1 s\n",
	 "r.txt:1:11: expected a positive number, found '-1'"},
	{"Rest for 0 s\n",
	 "r.txt:1:10: expected a time above 0 and up to a year, found '0 s'"},
	/* no end */
	{"Charge at 1C\n",
	 "r.txt:1:13: expected 'for' or 'until', found end of line"},
	{"Rest\n", "r.txt:1:5: expected 'for' or 'until', found end of line"},
	{"Charge at 1C forever\n",
	 "r.txt:1:14: expected 'for' or 'until', found 'forever'"},
	{"Charge at 1C for 1 s and until 4 V\n",
	 "r.txt:1:22: expected 'or' or end of line, found 'and'"},
	{"Charge at 1C for 1 s or\n",
	 "r.txt:1:24: expected 'for' or 'until' after 'or', found end of line"},
	/* ends that do not fit the step */
	{"Discharge at 1C until max cell\n",
	 "r.txt:1:23: expected an end valid on discharge (time, voltage, "
	 "'min cell', 'pack V', Ah, Wh, temperature), found 'max cell'"},
	{"Charge at 1C until min cell\n",
	 "r.txt:1:20: expected an end valid on charge (time, voltage, "
	 "'max cell', 'pack V', Ah, Wh, temperature), found 'min cell'"},
	{"Discharge at 1C until C/20\n",
	 "r.txt:1:23: expected an end valid on discharge (time, voltage, "
	 "'min cell', 'pack V', Ah, Wh, temperature), found 'C/20'"},
	{"Rest until 3.6 V\n",
	 "r.txt:1:12: expected an end valid on rest (time, temperature), "
	 "found '3.6 V'"},
	{"Hold at 4.2 V until 4.1 V\n",
	 "r.txt:1:21: expected an end valid on hold (time, current, Ah, Wh, "
	 "temperature), found '4.1 V'"},
	{"Discharge at 1C until 380 V\n",
	 "r.txt:1:23: expected a cell voltage below 10 V (write 'pack 380 V' "
	 "for the pack), found '380 V'"},
	{"Hold at 403 V until C/20\n",
	 "r.txt:1:9: expected a cell voltage below 10 V (write 'Hold at pack "
	 "403 V' for the pack), found '403 V'"},
	{"Charge at 1C until min\n",
	 "r.txt:1:23: expected 'cell', found end of line"},
	{"Charge at 1C until temperature 45 V\n",
	 "r.txt:1:35: expected a unit for a temperature (C), found 'V'"},
	{"Charge at 1C until 3 parsecs\n",
	 "r.txt:1:22: expected a unit for an end (a voltage, 'pack V', "
	 "'min cell', 'max cell', a current, Ah, Wh or 'temperature T'), "
	 "found 'parsecs'"},
	{"Charge at 1C for 1 s or for 2 s or for 3 s or for 4 s or for 5 s\n",
	 "r.txt:1:58: expected end of line (at most 4 ends), found 'for'"},
	/* blocks */
	{"Rest for 1 s\nEnd\n",
	 "r.txt:2:1: expected 'Repeat' before this 'End', found 'End'"},
	{"Rest for 1 s\nRepeat 2 times\n  Rest for 1 s\n",
	 "r.txt:2:1: expected 'End' closing this 'Repeat', found end of file"},
	{"Repeat 2 times\nEnd\n",
	 "r.txt:2:1: expected a step inside 'Repeat', found 'End'"},
	{"Repeat 0 times\nRest for 1 s\nEnd\n",
	 "r.txt:1:8: expected a positive count (1 to 1000000), found '0'"},
	{"Repeat -2 times\nRest for 1 s\nEnd\n",
	 "r.txt:1:8: expected a positive count (1 to 1000000), found '-2'"},
	{"Repeat 2.5 times\nRest for 1 s\nEnd\n",
	 "r.txt:1:8: expected a positive count (1 to 1000000), found '2.5'"},
	{"Repeat 2\nRest for 1 s\nEnd\n",
	 "r.txt:1:9: expected 'times', found end of line"},
	{"Repeat 2 times now\nRest for 1 s\nEnd\n",
	 "r.txt:1:16: expected end of line, found 'now'"},
	{"Rest for 1 s\nEnd of test\n",
	 "r.txt:2:5: expected end of line, found 'of'"},
	{"Repeat 2 times\nRepeat 2 times\nRepeat 2 times\nRepeat 2 times\n"
	 "Repeat 2 times\nRepeat 2 times\nRepeat 2 times\nRepeat 2 times\n"
	 "Repeat 2 times\n",
	 "r.txt:9:1: expected at most 8 nested 'Repeat' blocks, found a ninth"},
	/* flags */
	{"Rest for 1 s [tag]\n",
	 "r.txt:1:18: expected a tag name (letters, digits, '-' and '_', up "
	 "to 31), found end of line"},
	{"Rest for 1 s [tag a.b]\n",
	 "r.txt:1:19: expected a tag name (letters, digits, '-' and '_', up "
	 "to 31), found 'a.b'"},
	{"Rest for 1 s [tag a b]\n", "r.txt:1:21: expected ']', found 'b'"},
	{"Rest for 1 s [tag a\n", "r.txt:1:20: expected ']', found end of line"},
	{"Rest for 1 s [colour red]\n",
	 "r.txt:1:15: expected 'tag', 'log every' or 'restart', found 'colour'"},
	{"Rest for 1 s [log 1 s]\n",
	 "r.txt:1:19: expected 'every', found '1'"},
	{"Rest for 1 s [tag a] [tag b]\n",
	 "r.txt:1:23: expected one [tag] per step, found a second"},
	{"Rest for 1 s [tag a] junk\n",
	 "r.txt:1:22: expected '[' or end of line, found 'junk'"},
	{"Repeat 2 times [tag x]\nRest for 1 s\nEnd\n",
	 "r.txt:1:16: expected flags only on step lines, found '['"},
	{"[tag x]\n", "r.txt:1:1: expected a step before its flags, found '['"},
	/* limits and log */
	{"limit cell voltage 4.25 V to 2.45 V\nRest for 1 s\n",
	 "r.txt:1:30: expected an upper bound above the lower, found '2.45 V'"},
	{"limit cell voltage 2.5 V 4.2 V\nRest for 1 s\n",
	 "r.txt:1:26: expected 'to', found '4.2'"},
	{"limit cell voltage 2.5 to 4.2 V\nRest for 1 s\n",
	 "r.txt:1:24: expected a unit for a cell voltage (V, mV), found 'to'"},
	{"limit current 1C to 2C\nRest for 1 s\n",
	 "r.txt:1:15: expected a discharge bound of 0 or below (like -1C), "
	 "found '1C'"},
	{"limit current -1C to -0.5C\nRest for 1 s\n",
	 "r.txt:1:22: expected a charge bound above 0 (like 1C), found "
	 "'-0.5C'"},
	{"limit voltage 2 V to 4 V\nRest for 1 s\n",
	 "r.txt:1:7: expected 'cell voltage', 'cell temperature', 'current' "
	 "or 'pack voltage', found 'voltage'"},
	{"limit cell current 1 A to 2 A\nRest for 1 s\n",
	 "r.txt:1:12: expected 'voltage' or 'temperature', found 'current'"},
	{"limit pack temperature 1 C to 2 C\nRest for 1 s\n",
	 "r.txt:1:12: expected 'voltage', found 'temperature'"},
	{"limit cell voltage 2.5 V to 4.2 V\n"
	 "limit cell voltage 2.6 V to 4.1 V\nRest for 1 s\n",
	 "r.txt:2:1: expected one 'limit cell voltage' line, found a second"},
	{"log every 1 s\nlog every 2 s\nRest for 1 s\n",
	 "r.txt:2:1: expected one 'log every' line, found a second"},
	{"log 1 s\nRest for 1 s\n", "r.txt:1:5: expected 'every', found '1'"},
	{"log every 0.0001 s\nRest for 1 s\n",
	 "r.txt:1:11: expected a time of at least 1 ms, found 0.0001 s"},
	/* an empty recipe */
	{"# nothing\n\n", "r.txt:1:1: expected at least one step, found end of file"},
	{"", "r.txt:1:1: expected at least one step, found end of file"},
};
/* clang-format on */

/* a test that hangs fails instead of blocking the run */
TestSuite(recipe_errors, .timeout = 60);

Test(recipe_errors, every_error_names_file_line_column)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct recipe r;
		int rc;

		logcap_start();
		rc = recipe_parse(cases[i].text, "r.txt", &r);
		logcap_stop();
		cr_expect_eq(rc, BENCH_ERR_PARSE, "case %u parsed: %s", i,
			     cases[i].text);
		cr_expect_str_eq(r.error, cases[i].error, "case %u: %s", i,
				 cases[i].text);
		/* logged exactly once */
		cr_expect_not_null(strstr(logcap_text(), cases[i].error),
				   "case %u not logged", i);
		cr_expect_null(r.ops);
		cr_expect_null(r.text);
	}
}

Test(recipe_errors, nul_byte_in_file_is_rejected)
{
	char *dir = tmpdir_new("recipe");
	char path[512];
	FILE *f;
	struct recipe r;

	snprintf(path, sizeof(path), "%s/nul.txt", dir);
	f = fopen(path, "wb");
	fwrite("Rest for 1 s\n\0x", 1, 15, f);
	fclose(f);
	logcap_start();
	cr_assert_eq(recipe_load_file(path, &r), BENCH_ERR_PARSE);
	logcap_stop();
	cr_assert(strstr(r.error, "expected text, found a NUL byte"));
	free(dir);
}
