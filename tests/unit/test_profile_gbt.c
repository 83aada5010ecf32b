/* SPDX-License-Identifier: Apache-2.0 */
/* test_profile_gbt.c - a GB/T 27930 pack's profile ([bms] protocol =
 * gbt27930): no DBC or signals, what it may not be combined with, and
 * the simulated pack's profile as text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/profile.h"
#include "bench/sim/sim.h"
#include "common/rc.h"
#include "support.h"

static struct profile p;

static const char head[] = "[pack]\n"
			   "chemistry = lfp\n"
			   "series = 30\n"
			   "rated_capacity_ah = 100\n"
			   "[bms]\n";

/* a test that hangs fails instead of blocking the run */
TestSuite(profile_gbt, .timeout = 60);

Test(profile_gbt, fixture_has_no_dbc_and_ends_steps_above_the_bms)
{
	char *path = sim_fixture_path("fixtures/profiles/gbt27930.ini");

	cr_assert(path);
	cr_assert_eq(profile_load_file(path, &p), BENCH_OK, "%s", p.error);
	free(path);
	cr_assert(p.gbt);
	cr_assert_eq(p.series, 30);
	cr_assert_eq(p.n_probes, 6);
	cr_assert_str_eq(p.dbc_path, "");
	cr_assert_eq(p.cell_high_mV[PROFILE_OP], 3700);
	profile_release(&p);
}

static void expect_err(const char *bms, const char *error)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", head, bms);
	logcap_start();
	cr_expect_eq(profile_parse(text, "p.ini", NULL, &p), BENCH_ERR_PARSE,
		     "%s", bms);
	logcap_stop();
	cr_expect_str_eq(p.error, error);
	profile_release(&p);
}

Test(profile_gbt, what_it_cannot_be_combined_with)
{
	expect_err("protocol = j1939\n",
		   "p.ini:6: key 'protocol': 'j1939' is not can or gbt27930");
	expect_err("protocol = gbt27930\ndbc = x.dbc\n",
		   "p.ini:6: key 'protocol': gbt27930 takes the pack's values "
		   "from the charging session: dbc cannot be used with it");
	expect_err("protocol = gbt27930\ncell_voltage = C%u\n",
		   "p.ini:6: key 'protocol': gbt27930 takes the pack's values "
		   "from the charging session: cell_voltage cannot be used "
		   "with it");
	/* without it, the DBC is required as before */
	expect_err("probes = 0\n", "p.ini: missing key dbc in [bms]");
}

Test(profile_gbt, simulated_pack_profile_reads_back)
{
	struct profile q;

	cr_assert_eq(profile_for_sim_gbt("lfp", 30, 1, 3, 6, 100.0, &q),
		     BENCH_OK);
	cr_assert(q.gbt);
	cr_assert_eq(q.cell_high_mV[PROFILE_OP], 3700, "above the BMS's 3.65");
	cr_assert(strstr(q.text, "\n[bms]\nprotocol = gbt27930\nprobes = 6\n"),
		  "%s", q.text);
	cr_assert_eq(profile_parse(q.text, "sim.ini", NULL, &p), BENCH_OK,
		     "%s\n%s", p.error, q.text);
	cr_assert(p.gbt);
	cr_assert_eq(p.series, 30);
	cr_assert_arr_eq(p.cell_high_mV, q.cell_high_mV,
			 sizeof(q.cell_high_mV));
	cr_assert_arr_eq(p.charge_mA, q.charge_mA, sizeof(q.charge_mA));
	profile_release(&p);
	profile_release(&q);
}
