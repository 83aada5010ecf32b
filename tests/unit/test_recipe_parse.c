/* SPDX-License-Identifier: Apache-2.0 */
/* test_recipe_parse.c - every construct of the recipe language. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/recipe.h"
#include "common/rc.h"
#include "support.h"

static struct recipe r;

static void parse_ok(const char *text)
{
	int rc = recipe_parse(text, "t.txt", &r);

	cr_assert_eq(rc, BENCH_OK, "parse failed: %s", r.error);
}

static const struct recipe_step *step_at(uint32_t op)
{
	cr_assert_lt(op, r.n_ops);
	cr_assert_eq(r.ops[op].kind, RECIPE_OP_STEP);
	return &r.ops[op].step;
}

static void fini(void)
{
	recipe_release(&r);
}

TestSuite(recipe_parse, .fini = fini, .timeout = 60);

Test(recipe_parse, design_example)
{
	parse_ok(
	    "# residual capacity\n"
	    "limit cell voltage 2.45 V to 4.25 V\n"
	    "limit cell temperature -10 C to 55 C\n"
	    "limit current -1C to 1C\n"
	    "log every 1 s\n"
	    "\n"
	    "Discharge at C/3 until 2.5 V\n"
	    "Rest for 30 minutes\n"
	    "Charge at C/3 until 4.2 V\n"
	    "Hold at 4.2 V until C/20\n"
	    "Discharge at C/3 until 2.5 V            [tag capacity]\n"
	    "Charge at C/3 for 90 minutes\n"
	    "Repeat 2 times\n"
	    "    Rest for 1 hour                     [tag ocv]\n"
	    "    Discharge at 1C for 10 seconds      [tag pulse] [log every "
	    "100 ms]\n"
	    "    Rest for 40 seconds                 [log every 100 ms]\n"
	    "End\n"
	    "Rest for 24 hours                        [tag self-discharge]\n");
	cr_assert_eq(r.n_steps, 10);
	cr_assert_eq(r.n_ops, 12);
	cr_assert(r.limits.has_cell_mV);
	cr_assert_eq(r.limits.cell_low_mV, 2450);
	cr_assert_eq(r.limits.cell_high_mV, 4250);
	cr_assert_eq(r.limits.temp_low_ddegC, -100);
	cr_assert_eq(r.limits.temp_high_ddegC, 550);
	cr_assert(r.limits.has_current);
	cr_assert(r.limits.charge_max.is_c_rate);
	cr_assert_float_eq(r.limits.charge_max.c_rate, 1.0, 1e-9);
	cr_assert_float_eq(r.limits.discharge_max.c_rate, 1.0, 1e-9);
	cr_assert_eq(r.log_interval_ms, 1000);
	/* step line numbers are the recipe lines */
	cr_assert_eq(r.ops[0].line, 7);
	cr_assert_eq(step_at(0)->kind, RECIPE_DISCHARGE);
	cr_assert_float_eq(step_at(0)->current.c_rate, 1.0 / 3.0, 1e-9);
	cr_assert_eq(step_at(0)->ends[0].kind, RECIPE_END_CELL_V);
	cr_assert_eq(step_at(0)->ends[0].value, 2500);
	cr_assert_eq(step_at(1)->ends[0].kind, RECIPE_END_TIME);
	cr_assert_eq(step_at(1)->ends[0].value, 30 * 60 * 1000);
	cr_assert_eq(step_at(3)->kind, RECIPE_HOLD_CELL);
	cr_assert_eq(step_at(3)->hold_mV, 4200);
	cr_assert_eq(step_at(3)->ends[0].kind, RECIPE_END_CURRENT);
	cr_assert_float_eq(step_at(3)->ends[0].current.c_rate, 0.05, 1e-9);
	cr_assert_str_eq(step_at(4)->tag, "capacity");
	cr_assert_eq(r.ops[6].kind, RECIPE_OP_REPEAT);
	cr_assert_eq(r.ops[6].count, 2);
	cr_assert_eq(r.ops[6].match, 10);
	cr_assert_eq(r.ops[10].kind, RECIPE_OP_END);
	cr_assert_eq(r.ops[10].match, 6);
	cr_assert_str_eq(step_at(8)->tag, "pulse");
	cr_assert_eq(step_at(8)->log_interval_ms, 100);
	cr_assert_eq(step_at(9)->log_interval_ms, 100);
	cr_assert_str_eq(step_at(11)->tag, "self-discharge");
	cr_assert_eq(step_at(11)->ends[0].value, 24LL * 3600 * 1000);
	cr_assert_not_null(r.text);
	cr_assert_str_eq(r.name, "t.txt");
}

Test(recipe_parse, currents_in_every_unit)
{
	parse_ok("Charge at 10 A for 1 s\n"
		 "Charge at 10A for 1 s\n"
		 "Discharge at 500 mA for 1 s\n"
		 "Charge at 1C for 1 s\n"
		 "Charge at 0.5C for 1 s\n"
		 "Discharge at C/3 for 1 s\n"
		 "Discharge at 2 kW for 1 s\n"
		 "Charge at 750 W for 1 s\n");
	cr_assert_eq(step_at(0)->current.current_mA, 10000);
	cr_assert_not(step_at(0)->current.is_c_rate);
	cr_assert_eq(step_at(1)->current.current_mA, 10000);
	cr_assert_eq(step_at(2)->current.current_mA, 500);
	cr_assert(step_at(3)->current.is_c_rate);
	cr_assert_float_eq(step_at(3)->current.c_rate, 1.0, 1e-9);
	cr_assert_float_eq(step_at(4)->current.c_rate, 0.5, 1e-9);
	cr_assert_float_eq(step_at(5)->current.c_rate, 1.0 / 3, 1e-9);
	cr_assert_eq(step_at(6)->set_kind, RECIPE_SET_POWER);
	cr_assert_eq(step_at(6)->power_mW, 2000000);
	cr_assert_eq(step_at(7)->power_mW, 750000);
	cr_assert_eq(step_at(0)->set_kind, RECIPE_SET_CURRENT);
}

Test(recipe_parse, c_rates_resolve_against_capacity)
{
	struct recipe_current c = {.is_c_rate = true, .c_rate = 1.0 / 3};
	struct recipe_current a = {.current_mA = 1234};

	cr_assert_eq(recipe_current_mA(&c, 94000), 31333);
	cr_assert_eq(recipe_current_mA(&a, 94000), 1234);
}

Test(recipe_parse, times_in_every_unit)
{
	parse_ok("Rest for 5 s\nRest for 5 sec\nRest for 1 second\n"
		 "Rest for 2 seconds\nRest for 3 min\nRest for 1 minute\n"
		 "Rest for 2 minutes\nRest for 1 h\nRest for 1 hour\n"
		 "Rest for 1.5 hours\nRest for 250 ms\nRest for 10s\n");
	static const int64_t ms[] = {5000,    5000,    1000,   2000,
				     180000,  60000,   120000, 3600000,
				     3600000, 5400000, 250,    10000};

	for (unsigned i = 0; i < 12; i++)
		cr_assert_eq(step_at(i)->ends[0].value, ms[i], "step %u", i);
}

Test(recipe_parse, every_end_kind)
{
	parse_ok("Charge at 1C until 4.2 V\n"
		 "Charge at 1C until 4150 mV\n"
		 "Discharge at 1C until pack 380 V\n"
		 "Discharge at 1C until min cell\n"
		 "Charge at 1C until max cell\n"
		 "Hold at 4.2 V until 5 A\n"
		 "Discharge at 1C until 2 Ah\n"
		 "Discharge at 1C until 50 Wh\n"
		 "Charge at 1C until temperature 45 C\n"
		 "Rest until temperature 30 C\n");
	cr_assert_eq(step_at(0)->ends[0].kind, RECIPE_END_CELL_V);
	cr_assert_eq(step_at(1)->ends[0].value, 4150);
	cr_assert_eq(step_at(2)->ends[0].kind, RECIPE_END_PACK_V);
	cr_assert_eq(step_at(2)->ends[0].value, 380000);
	cr_assert_eq(step_at(3)->ends[0].kind, RECIPE_END_CELL_MIN);
	cr_assert_eq(step_at(4)->ends[0].kind, RECIPE_END_CELL_MAX);
	cr_assert_eq(step_at(5)->ends[0].kind, RECIPE_END_CURRENT);
	cr_assert_eq(step_at(5)->ends[0].current.current_mA, 5000);
	cr_assert_eq(step_at(6)->ends[0].kind, RECIPE_END_AH);
	cr_assert_eq(step_at(6)->ends[0].value, 2000);
	cr_assert_eq(step_at(7)->ends[0].kind, RECIPE_END_WH);
	cr_assert_eq(step_at(7)->ends[0].value, 50000);
	cr_assert_eq(step_at(8)->ends[0].kind, RECIPE_END_TEMP);
	cr_assert_eq(step_at(8)->ends[0].value, 450);
	cr_assert_eq(step_at(9)->ends[0].value, 300);
}

Test(recipe_parse, combined_ends)
{
	parse_ok("Discharge at C/10 for 10 hours or until 3.3 V\n"
		 "Charge at 1 A until 4.1 V or 2 Ah\n"
		 "Hold at 4.1 V until 10 mA or for 2 hours\n"
		 "Discharge at 1C until 2.5 V or until temperature 50 C or "
		 "for 1 h\n");
	cr_assert_eq(step_at(0)->n_ends, 2);
	cr_assert_eq(step_at(0)->ends[0].kind, RECIPE_END_TIME);
	cr_assert_eq(step_at(0)->ends[1].kind, RECIPE_END_CELL_V);
	cr_assert_eq(step_at(0)->ends[1].value, 3300);
	cr_assert_eq(step_at(1)->n_ends, 2);
	cr_assert_eq(step_at(1)->ends[1].kind, RECIPE_END_AH);
	cr_assert_eq(step_at(2)->ends[0].current.current_mA, 10);
	cr_assert_eq(step_at(2)->ends[1].kind, RECIPE_END_TIME);
	cr_assert_eq(step_at(3)->n_ends, 3);
}

Test(recipe_parse, holds)
{
	parse_ok("Hold at 4.2 V until C/20\n"
		 "Hold at pack 403 V until C/20\n"
		 "Hold at max cell until 2 A\n");
	cr_assert_eq(step_at(0)->kind, RECIPE_HOLD_CELL);
	cr_assert_eq(step_at(1)->kind, RECIPE_HOLD_PACK);
	cr_assert_eq(step_at(1)->hold_mV, 403000);
	cr_assert_eq(step_at(2)->kind, RECIPE_HOLD_CELL);
	cr_assert_eq(step_at(2)->hold_mV, 0);
	cr_assert_str_eq(recipe_step_kind_name(RECIPE_HOLD_PACK), "hold_pack");
}

Test(recipe_parse, nested_repeat)
{
	parse_ok("Repeat 3 times\n"
		 "  Rest for 1 s\n"
		 "  Repeat 2 times\n"
		 "    Charge at 1 A for 1 s\n"
		 "  End\n"
		 "End\n"
		 "Repeat 1 time\n Rest for 1 s\nEnd\n");
	cr_assert_eq(r.ops[0].count, 3);
	cr_assert_eq(r.ops[0].match, 5);
	cr_assert_eq(r.ops[2].match, 4);
	cr_assert_eq(r.ops[4].match, 2);
	cr_assert_eq(r.ops[6].count, 1);
}

Test(recipe_parse, flags_case_comments_blank_lines)
{
	parse_ok("\n   \n# only a comment\n"
		 "charge AT 1C FOR 1 S  # trailing comment\n"
		 "REST FOR 1 HOUR [tag my_tag-2] [restart]\n"
		 "Rest for 1 s\t[log every 2 s][tag x]\r\n"
		 "limit pack voltage 300 V to 410 V\n");
	cr_assert_eq(r.n_steps, 3);
	cr_assert_eq(r.ops[0].line, 4);
	cr_assert_str_eq(step_at(1)->tag, "my_tag-2");
	cr_assert(step_at(1)->restart_on_resume);
	cr_assert_not(step_at(0)->restart_on_resume);
	cr_assert_eq(step_at(2)->log_interval_ms, 2000);
	cr_assert_str_eq(step_at(2)->tag, "x");
	cr_assert(r.limits.has_pack_mV);
	cr_assert_eq(r.limits.pack_low_mV, 300000);
	cr_assert_eq(r.limits.pack_high_mV, 410000);
	cr_assert_eq(r.log_interval_ms, 1000, "default log interval");
}

Test(recipe_parse, bom_crlf_and_degree_sign)
{
	parse_ok("\xef\xbb\xbfRest for 1 s\r\n"
		 "limit cell temperature -10 \xc2\xb0"
		 "C to 55 \xc2\xb0"
		 "C\r\n");
	cr_assert_eq(r.n_steps, 1);
	cr_assert_eq(r.limits.temp_high_ddegC, 550);
}

Test(recipe_parse, current_limits_in_amperes_and_columns)
{
	parse_ok("limit current -150 A to 100 A\nRest for 1 s\n");
	cr_assert_not(r.limits.charge_max.is_c_rate);
	cr_assert_eq(r.limits.charge_max.current_mA, 100000);
	cr_assert_eq(r.limits.discharge_max.current_mA, 150000);
	cr_assert_eq(r.ops[0].col, 1);
}

Test(recipe_parse, every_fixture_recipe_parses)
{
	/* clang-format off */
	static const char *const files[] = {
		"capacity_c3.txt", "capacity_c5.txt", "hppc.txt",
		"selfdischarge.txt", "quick.txt", "acceptance.txt",
		"overnight.txt", "overnight_lfp.txt", "selfdischarge_lfp.txt",
	};
	/* clang-format on */

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];
		bool has_capacity = false;

		snprintf(path, sizeof(path), "fixtures/recipes/%s", files[i]);
		cr_assert_eq(recipe_load_file(path, &r), BENCH_OK, "%s: %s",
			     path, r.error);
		for (uint32_t k = 0; k < r.n_ops; k++)
			if (r.ops[k].kind == RECIPE_OP_STEP &&
			    !strcmp(r.ops[k].step.tag, "capacity"))
				has_capacity = true;
		if (!strncmp(files[i], "capacity", 8) ||
		    !strncmp(files[i], "overnight", 9))
			cr_assert(has_capacity, "%s has no capacity step",
				  path);
		recipe_release(&r);
	}
}

Test(recipe_parse, overnight_has_the_tags_analysis_needs)
{
	unsigned pulse = 0, ocv = 0, sd = 0, cap = 0;

	cr_assert_eq(recipe_load_file("fixtures/recipes/overnight.txt", &r),
		     BENCH_OK);
	for (uint32_t k = 0; k < r.n_ops; k++) {
		const char *tag = r.ops[k].step.tag;

		if (r.ops[k].kind != RECIPE_OP_STEP)
			continue;
		pulse += !strcmp(tag, "pulse");
		ocv += !strcmp(tag, "ocv");
		sd += !strcmp(tag, "self-discharge");
		cap += !strcmp(tag, "capacity");
	}
	cr_assert_eq(cap, 1);
	cr_assert_eq(pulse, 2);
	cr_assert_eq(ocv, 1);
	cr_assert_eq(sd, 1);
}

Test(recipe_parse, load_missing_file_is_io_error)
{
	logcap_start();
	cr_assert_eq(recipe_load_file("/nonexistent/x.txt", &r), BENCH_ERR_IO);
	logcap_stop();
	cr_assert(strstr(r.error, "cannot open '/nonexistent/x.txt'"));
}

Test(recipe_parse, charge_session_steps)
{
	parse_ok("Start charge session [tag session]\n"
		 "Repeat 2 times\n"
		 "    Charge at 0.2C for 10 s\n"
		 "End\n"
		 "end CHARGE session\n");
	cr_assert_eq(r.n_steps, 3);
	cr_assert_eq(step_at(0)->kind, RECIPE_SESSION_START);
	cr_assert_str_eq(step_at(0)->tag, "session");
	cr_assert_eq(step_at(0)->n_ends, 0);
	cr_assert_eq(r.ops[3].kind, RECIPE_OP_END);
	cr_assert_eq(step_at(4)->kind, RECIPE_SESSION_END);
}
