/* SPDX-License-Identifier: Apache-2.0 */
/* test_recipe_check_polled.c - a pack whose cells are polled (the Leaf
 * AZE0 profile: sweep_period_s 20) sees a cell up to 20 s late, so a
 * recipe whose charge or discharge ends too close to the hard limit for
 * its current, or a cell voltage hold, is refused (docs/safety.md, "Polled
 * packs"); a recipe with room is clean. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bench/recipe_check.h"
#include "common/rc.h"
#include "support.h"

static struct profile prof;

static void setup(void)
{
	logcap_start();
	cr_assert_eq(
	    profile_load_file("fixtures/profiles/nissan-leaf-aze0.ini", &prof),
	    BENCH_OK, "%s", prof.error);
}

static void teardown(void)
{
	profile_release(&prof);
	logcap_stop();
}

static unsigned check(const char *text, char *all, size_t len)
{
	struct recipe r;
	struct recipe_problem pr[8];
	struct recipe_check_src src = {.profile = &prof,
				       .profile_name = "leaf.ini"};
	unsigned n;

	cr_assert_eq(recipe_parse(text, "t.txt", &r), BENCH_OK, "%s", r.error);
	n = recipe_check(&r, &src, pr, 8);
	all[0] = '\0';
	for (unsigned i = 0; i < n && i < 8; i++) {
		strncat(all, pr[i].msg, len - strlen(all) - 2);
		strcat(all, "\n");
	}
	recipe_release(&r);
	return n;
}

TestSuite(recipe_check_polled, .init = setup, .fini = teardown, .timeout = 10);

Test(recipe_check_polled, room_for_the_sweep_is_clean)
{
	char all[4096];

	/* hard 4.20 / 2.80 V, operating 4.10 / 3.00 V: 100 and 200 mV */
	cr_expect_eq(check("Charge at C/3 until 4.1 V\n"
			   "Discharge at 0.5C until 3.0 V\n",
			   all, sizeof(all)),
		     0, "%s", all);
}

Test(recipe_check_polled, tight_limit_for_the_current_is_refused)
{
	char all[4096];

	/* a recipe limit 2.98 V: 20 mV below the 3.0 V end; 0.5C may fall
	 * 30 mV in a 20 s sweep, C/4 15 mV; the charge has 15 mV of room
	 * and C/3 rises 7 mV */
	cr_assert_eq(check("limit cell voltage 2.98 V to 4.115 V\n"
			   "Charge at C/3 until 4.1 V\n"
			   "Discharge at 0.5C until 3.0 V\n"
			   "Discharge at C/4 for 1 h\n",
			   all, sizeof(all)),
		     1, "%s", all);
	cr_expect(strstr(all, "t.txt:3: Discharge at 0.5C until 3.0 V: ends at "
			      "3.000 V, 20 mV from the hard limit 2.980 V; at "
			      "0.50C cells may move 30 mV in the 20 s a "
			      "polled sweep takes (leaf.ini sweep_period_s)"),
		  "%s", all);
}

Test(recipe_check_polled, cell_hold_on_polled_cells_is_refused)
{
	char all[4096];

	cr_assert_eq(check("Hold at 4.05 V until C/20\n", all, sizeof(all)), 1,
		     "%s", all);
	cr_expect(strstr(all, "regulates on cell readings up to 20 s old"),
		  "%s", all);
}
