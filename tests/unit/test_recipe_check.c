/* SPDX-License-Identifier: Apache-2.0 */
/* test_recipe_check.c - a recipe against the profile and the bench before
 * any current flows: every target or end outside the operating window and
 * every current the pack or bench cannot take is a problem naming the
 * recipe line and the limit (docs/recipes.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/recipe_check.h"
#include "common/rc.h"

static struct profile prof;

/* NMC 96s 94 Ah: cells 2.50..4.20 V operating, charge 1C, discharge 2C. */
static void setup(void)
{
	cr_assert_eq(
	    profile_for_sim("nmc", 96, 1, 8, 16, 94.0, "sim_bms.dbc", &prof),
	    BENCH_OK);
}

static void teardown(void)
{
	profile_release(&prof);
}

/* Problems of recipe text against prof (and bench limits), joined. */
static unsigned check(const char *text, const struct recipe_limits *bench,
		      char *all, size_t len)
{
	struct recipe r;
	struct recipe_problem pr[16];
	struct recipe_check_src src = {.profile = &prof,
				       .profile_name = "nmc96.ini",
				       .bench = bench,
				       .bench_name = "lab.ini"};
	unsigned n;

	cr_assert_eq(recipe_parse(text, "overnight.txt", &r), BENCH_OK, "%s",
		     r.error);
	n = recipe_check(&r, &src, pr, 16);
	all[0] = '\0';
	for (unsigned i = 0; i < n && i < 16; i++) {
		strncat(all, pr[i].msg, len - strlen(all) - 2);
		strcat(all, "\n");
	}
	recipe_release(&r);
	return n;
}

TestSuite(recipe_check, .init = setup, .fini = teardown, .timeout = 10);

Test(recipe_check, fixture_style_recipe_is_clean)
{
	char all[8192];

	cr_expect_eq(check("limit cell temperature -10 C to 55 C\n"
			   "limit current -1C to 1C\n"
			   "Discharge at C/3 until min cell\n"
			   "Charge at C/3 until max cell\n"
			   "Hold at max cell until C/20\n"
			   "Hold at 4.1 V until C/20\n"
			   "Discharge at 1C for 10 seconds\n"
			   "Charge at 1C until 4.2 V\n"
			   "Discharge at 20 kW until pack 300 V\n"
			   "Rest for 1 hour\n",
			   NULL, all, sizeof(all)),
		     0, "%s", all);
}

Test(recipe_check, hold_above_the_cell_operating_maximum)
{
	char all[8192];

	cr_assert_eq(check("Rest for 1 s\nHold at 4.6 V until C/20\n", NULL,
			   all, sizeof(all)),
		     1, "%s", all);
	cr_expect_str_eq(all,
			 "overnight.txt:2: Hold at 4.6 V until C/20: above "
			 "the profile's cell operating maximum 4.20 V "
			 "(nmc96.ini cell_voltage_high)\n");
}

Test(recipe_check, every_class_of_target_and_end)
{
	char all[8192];
	unsigned n = check("Charge at 2C for 1 h\n"		    /* 1 */
			   "Discharge at 3C for 1 h\n"		    /* 2 */
			   "Hold at 2.0 V for 1 h\n"		    /* 3 */
			   "Hold at pack 410 V until 5 A\n"	    /* 4 */
			   "Charge at C/3 until 4.3 V\n"	    /* 5 */
			   "Discharge at C/3 until 2.2 V\n"	    /* 6 */
			   "Discharge at C/3 until pack 200 V\n"    /* 7 */
			   "Charge at C/3 until temperature 70 C\n" /* 8 */
			   "Discharge at 100 kW for 1 h\n",	    /* 9 */
			   NULL, all, sizeof(all));

	cr_expect_eq(n, 9, "%s", all);
	cr_expect(strstr(all, "overnight.txt:1: Charge at 2C for 1 h: 188.0 A "
			      "above the profile's operating charge current "
			      "94.0 A (nmc96.ini charge_current)"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:2:") &&
		      strstr(all, "discharge_current"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:3: Hold at 2.0 V for 1 h: below "
			      "the profile's cell operating minimum 2.50 V"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:4:") &&
		      strstr(all, "pack operating maximum (96 cells) 403.2 V"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:5: Charge at C/3 until 4.3 V: "
			      "end 4.30 V above"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:6:"), "%s", all);
	cr_expect(strstr(all, "overnight.txt:7:"), "%s", all);
	cr_expect(strstr(all, "overnight.txt:8:") &&
		      strstr(all, "temperature_high"),
		  "%s", all);
	cr_expect(strstr(all, "overnight.txt:9:") &&
		      strstr(all, "at the pack's operating minimum 240.0 V"),
		  "%s", all);
}

Test(recipe_check, recipe_and_bench_hard_limits_count)
{
	struct recipe_limits bench = {.has_cell_mV = true,
				      .cell_low_mV = 2800,
				      .cell_high_mV = 4100,
				      .has_current = true};
	char all[8192];

	bench.charge_max.current_mA = 50000;
	bench.discharge_max.current_mA = 50000;
	/* inside the profile, but beyond the recipe's own limit line */
	cr_assert_eq(check("limit cell voltage 2.5 V to 4.15 V\n"
			   "Hold at 4.145 V until C/20\n",
			   NULL, all, sizeof(all)),
		     1, "%s", all);
	cr_expect(strstr(all, "too close to the recipe's hard limit 4.15 V "
			      "(overnight.txt limit cell voltage)"),
		  "%s", all);
	/* and beyond the bench file's */
	cr_assert_eq(check("Hold at 4.15 V until C/20\n"
			   "Charge at 60 A for 1 h\n"
			   "Discharge at C/3 until 2.6 V\n",
			   &bench, all, sizeof(all)),
		     3, "%s", all);
	cr_expect(strstr(all, "above the bench file's hard limit 4.10 V "
			      "(lab.ini cell_voltage)"),
		  "%s", all);
	cr_expect(strstr(all, "60.0 A above the bench file's hard limit 50.0 A "
			      "(lab.ini current)"),
		  "%s", all);
	cr_expect(strstr(all, "end 2.60 V below the bench file's"), "%s", all);
}

Test(recipe_check, a_recipes_own_current_limit_is_a_cap)
{
	char all[8192];

	/* the run clamps the steps under it: one recipe for several packs */
	cr_expect_eq(check("limit current -0.5C to 0.5C\n"
			   "Charge at 1C for 2 minutes\n",
			   NULL, all, sizeof(all)),
		     0, "%s", all);
}

Test(recipe_check, one_line_for_the_grading)
{
	struct recipe r;
	struct recipe_problem pr;
	struct recipe_check_src src = {.profile = &prof,
				       .profile_name = "p.ini"};

	cr_assert_eq(recipe_parse("Charge at C/3 until max cell\n"
				  "Hold at 4.6 V until C/20\n",
				  "r.txt", &r),
		     BENCH_OK);
	cr_expect_eq(recipe_check_line(&r, &src, 1, &pr), 0);
	cr_expect_eq(recipe_check_line(&r, &src, 2, &pr), 1);
	cr_expect_eq(pr.line, 2);
	recipe_release(&r);
}
