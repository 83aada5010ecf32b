/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_counters.c - the instrument's Ah counters as the imported
 * steps' charge (docs/importers.md, "Instrument counters"): taken over a
 * trapezoid of coarse rows, the file's first value left out, a counter
 * column left at zero ignored. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imptest.h"
#include "support.h"

TestSuite(import_counters, .timeout = 30);

#define HEADER                                                                 \
	"Data_Point,Test_Time(s),Step_Index,Cycle_Index,Current(A),"           \
	"Voltage(V),Charge_Capacity(Ah),Discharge_Capacity(Ah)\n"

/* Import text as an Arbin CSV; the cycles of the run. */
static void import_text(const char *text, struct cycles *c)
{
	char *dir = tmpdir_new("impcnt");
	char *src = tmpfile_write(dir, "cell.csv", text);

	imptest_cycles(src, NULL, c, NULL);
	unlink(src);
	rmdir(dir);
	free(src);
	free(dir);
}

/* A charge logged at 0 s (the current still rising, 0.5 A) and every
 * 360 s at 2 A: the trapezoid gives 0.125 + 0.2 + 0.2 = 0.525 Ah where the
 * instrument counted 0.6 Ah. */
Test(import_counters, coarse_rows_take_the_count)
{
	struct cycles c;

	import_text(HEADER "1,0,1,1,0.5,3.6,0,0\n"
			   "2,360,1,1,2,3.9,0.2,0\n"
			   "3,720,1,1,2,4.0,0.4,0\n"
			   "4,1080,1,1,2,4.1,0.6,0\n",
		    &c);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_lt(fabs(c.cycle[0].chg_Ah - 0.6), 1e-9, "%g",
		     c.cycle[0].chg_Ah);
	cr_assert_eq(c.n_steps, 1);
	cr_expect_lt(fabs(c.step[0].chg_Ah - 0.6), 1e-9);
	cycles_free(&c);
}

/* The file starts inside a discharge already counted to 1.0 Ah: only the
 * 0.5 Ah counted in the file are the file's. */
Test(import_counters, first_value_not_the_files)
{
	struct cycles c;

	import_text(HEADER "1,100,2,1,-1,3.6,0,1.0\n"
			   "2,1000,2,1,-1,3.5,0,1.25\n"
			   "3,1900,2,1,-1,3.4,0,1.5\n",
		    &c);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_lt(fabs(c.cycle[0].dchg_Ah - 0.5), 1e-9, "%g",
		     c.cycle[0].dchg_Ah);
	cycles_free(&c);
}

/* Capacity columns the instrument left at zero: our integration stands
 * (1 A over 1800 s: 0.5 Ah). */
Test(import_counters, zero_filled_counter_ignored)
{
	struct cycles c;

	import_text(HEADER "1,0,1,1,1,3.6,0,0\n"
			   "2,900,1,1,1,3.8,0,0\n"
			   "3,1800,1,1,1,4.0,0,0\n",
		    &c);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_lt(fabs(c.cycle[0].chg_Ah - 0.5), 1e-9, "%g",
		     c.cycle[0].chg_Ah);
	cycles_free(&c);
}
