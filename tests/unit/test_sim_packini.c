/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_packini.c - the pack file: parsed values and errors that name
 * file, line and key. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "bench/sim/packini.h"
#include "bench/sim/sim.h"
#include "common/rc.h"
#include "support.h"

static const char *base = "[pack]\n"
			  "name = p\n"
			  "chemistry = nmc\n"
			  "series = 12\n"
			  "modules = 3\n"
			  "rated_capacity_ah = 50\n";

static int parse(const char *extra, struct pack_cfg *cfg)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", base, extra);
	return packini_parse(text, strlen(text), "p.ini", cfg);
}

static void expect_err(const char *text, const char *needle)
{
	struct pack_cfg cfg;
	int rc;

	logcap_start();
	rc = packini_parse(text, strlen(text), "p.ini", &cfg);
	logcap_stop();
	packini_release(&cfg);
	cr_assert_lt(rc, 0, "accepted: %s", text);
	cr_assert(strstr(logcap_text(), needle), "wanted '%s' in '%s'", needle,
		  logcap_text());
}

/* a test that hangs fails instead of blocking the run */
TestSuite(sim_packini, .timeout = 60);

Test(sim_packini, defaults_and_values)
{
	struct pack_cfg cfg;

	cr_assert_eq(parse("seed = 42\n[cell 3]\nsoh = 0.6\n"
			   "[fault bus_off]\nat = 90 s\nduration = 5 s\n",
			   &cfg),
		     BENCH_OK);
	cr_assert_str_eq(cfg.name, "p");
	cr_assert_eq(cfg.series, 12);
	cr_assert_eq(cfg.modules, 3);
	cr_assert_eq(cfg.parallel, 1);
	cr_assert_eq(cfg.seed, 42);
	cr_assert_float_eq(cfg.r0_mohm, 62.0 / 50, 1e-9);
	cr_assert_eq(cfg.n_ovr, 1);
	cr_assert_eq(cfg.ovr[0].index, 3);
	cr_assert(cfg.ovr[0].has_soh);
	cr_assert_eq(cfg.n_faults, 1);
	cr_assert_eq(cfg.faults[0].kind, SIM_FAULT_BUS_OFF);
	cr_assert_eq(cfg.faults[0].at_us, 90000000);
	cr_assert_eq(cfg.faults[0].duration_us, 5000000);
	packini_release(&cfg);
}

Test(sim_packini, durations)
{
	int64_t us;

	cr_assert_eq(packini_parse_duration("90 s", &us), 0);
	cr_assert_eq(us, 90000000);
	cr_assert_eq(packini_parse_duration("30 min", &us), 0);
	cr_assert_eq(us, 1800000000);
	cr_assert_eq(packini_parse_duration("2 h", &us), 0);
	cr_assert_eq(us, 7200000000);
	cr_assert_eq(packini_parse_duration("1.5 hours", &us), 0);
	cr_assert_eq(us, 5400000000);
	cr_assert_lt(packini_parse_duration("90", &us), 0);
	cr_assert_lt(packini_parse_duration("2 days", &us), 0);
	cr_assert_lt(packini_parse_duration("-1 s", &us), 0);
}

Test(sim_packini, repeated_fault_sections_are_two_faults)
{
	struct pack_cfg cfg;

	cr_assert_eq(parse("[fault cell_heating]\nat = 1 h\ncell = 2\n"
			   "rate_c_per_min = 1\n"
			   "[fault cell_heating]\nat = 2 h\ncell = 5\n"
			   "rate_c_per_min = 3\n",
			   &cfg),
		     BENCH_OK);
	cr_assert_eq(cfg.n_faults, 2);
	cr_assert_eq(cfg.faults[1].cell, 5);
	cr_assert_eq(cfg.faults[1].line, 11);
	packini_release(&cfg);
}

Test(sim_packini, unknown_key_names_file_line_key)
{
	char t[1024];

	snprintf(t, sizeof(t), "%sbogus = 1\n", base);
	expect_err(t, "p.ini:7: key 'bogus': unknown key");
	snprintf(t, sizeof(t), "%s[cell 2]\nsoh = 0.9\ncolour = red\n", base);
	expect_err(t, "p.ini:9: key 'colour'");
	snprintf(t, sizeof(t), "%s[fault bms_silent]\nat = 1 h\ncell = 3\n",
		 base);
	expect_err(t, "p.ini:9: key 'cell': unknown key for fault bms_silent");
}

Test(sim_packini, bad_values)
{
	char t[1024];

	snprintf(t, sizeof(t), "%ssoh = 0\n", base);
	expect_err(t, "p.ini:7: key 'soh'");
	snprintf(t, sizeof(t), "%ssoh = abc\n", base);
	expect_err(t, "p.ini:7: key 'soh': 'abc' is not a number");
	snprintf(t, sizeof(t), "%sseries = 12\n", base);
	expect_err(t, "p.ini:7: key 'series': given twice (line 4)");
	expect_err("[pack]\nchemistry = nca\n", "p.ini:2: key 'chemistry'");
	snprintf(t, sizeof(t), "%s[cell 4]\nsoh = -0.5\n", base);
	expect_err(t, "p.ini:8: key 'soh'");
	snprintf(t, sizeof(t), "%s[fault cell_heating]\nat = soon\n", base);
	expect_err(t, "p.ini:8: key 'at'");
	snprintf(t, sizeof(t), "%ssensor_offset_mv_sigma = -1\n", base);
	expect_err(t, "p.ini:7: key 'sensor_offset_mv_sigma': '-1' is not a "
		      "number in 0..20");
	snprintf(t, sizeof(t), "%ssensor_offset_mv_sigma = 500\n", base);
	expect_err(t, "p.ini:7: key 'sensor_offset_mv_sigma'");
	snprintf(t, sizeof(t), "%shysteresis_mv = -5\n", base);
	expect_err(t, "p.ini:7: key 'hysteresis_mv': '-5' is not a number");
	snprintf(t, sizeof(t), "%shysteresis_mv = 250\n", base);
	expect_err(t, "p.ini:7: key 'hysteresis_mv'");
}

Test(sim_packini, realism_keys_default_off)
{
	struct pack_cfg cfg;

	cr_assert_eq(parse("", &cfg), BENCH_OK);
	cr_assert_eq(cfg.sensor_offset_mV_sigma, 0);
	cr_assert_eq(cfg.hysteresis_mV, 0);
	packini_release(&cfg);
	cr_assert_eq(
	    parse("sensor_offset_mv_sigma = 2\nhysteresis_mv = 20\n", &cfg),
	    BENCH_OK);
	cr_assert_float_eq(cfg.sensor_offset_mV_sigma, 2, 1e-12);
	cr_assert_float_eq(cfg.hysteresis_mV, 20, 1e-12);
	packini_release(&cfg);
}

Test(sim_packini, bad_cell_index)
{
	char t[1024];

	snprintf(t, sizeof(t), "%s\n[cell 13]\nsoh = 0.9\n", base);
	expect_err(t, "p.ini:8: section [cell 13]: cell index out of range "
		      "1..12");
	snprintf(t, sizeof(t), "%s[cell 0]\nsoh = 0.9\n", base);
	expect_err(t, "p.ini:7: section [cell 0]");
	snprintf(t, sizeof(t),
		 "%s[fault cell_short]\nat = 1 s\ncell = 40\nohm = 1\n", base);
	expect_err(t, "p.ini:7: key 'cell': cell 40 out of range");
}

Test(sim_packini, impossible_packs)
{
	expect_err("[pack]\nchemistry = nmc\nseries = 10\nmodules = 3\n"
		   "rated_capacity_ah = 5\n",
		   "p.ini:4: key 'modules': series 10 is not divisible by "
		   "modules 3");
	expect_err("[pack]\nchemistry = nmc\nseries = 10\n",
		   "p.ini:1: key 'rated_capacity_ah': missing");
	expect_err("[pack]\nseries = 10\nrated_capacity_ah = 5\n",
		   "key 'chemistry': missing");
	char t[1024];
	snprintf(t, sizeof(t), "%s[fault cell_short]\nat = 1 s\ncell = 4\n",
		 base);
	expect_err(t, "p.ini:7: key 'ohm': missing in [fault cell_short]");
	snprintf(t, sizeof(t), "%s[fault meltdown]\nat = 1 s\n", base);
	expect_err(t, "p.ini:7: section [fault meltdown]: unknown fault kind");
	expect_err("[cell 1]\nsoh = 1\n", "section [pack]: missing");
	expect_err("[pack]\nthis line has no equals sign\n",
		   "p.ini:2: syntax error");
}

Test(sim_packini, every_fixture_pack_parses)
{
	char *dir = sim_fixture_path("fixtures/packs"), pat[4200];
	glob_t g;
	struct pack_cfg cfg;

	cr_assert(dir, "no fixtures/packs");
	snprintf(pat, sizeof(pat), "%s/*.ini", dir);
	free(dir);
	cr_assert_eq(glob(pat, 0, NULL, &g), 0, "no fixture packs in %s", pat);
	cr_assert_geq(g.gl_pathc, 29);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		cr_assert_eq(packini_load(g.gl_pathv[i], &cfg), BENCH_OK, "%s",
			     g.gl_pathv[i]);
		packini_release(&cfg);
	}
	globfree(&g);
}

Test(sim_packini, bms_fault_and_cycler_line_faults)
{
	struct pack_cfg cfg;
	char text[1024];

	cr_assert_eq(parse("[fault bms_fault]\nat = 1 min\n"
			   "signal = Fault_OverTemp\n"
			   "[fault cycler_garbage]\nat = 2 min\n"
			   "[fault cycler_error]\nat = 3 min\n"
			   "[fault cycler_unplugged]\nat = 4 min\n",
			   &cfg),
		     BENCH_OK);
	cr_assert_eq(cfg.n_faults, 4);
	cr_assert_eq(cfg.faults[0].kind, SIM_FAULT_BMS_FAULT);
	cr_assert_str_eq(packini_bms_faults[cfg.faults[0].bms_fault_bit],
			 "Fault_OverTemp");
	cr_assert_eq(cfg.faults[3].kind, SIM_FAULT_CYCLER_UNPLUGGED);
	cr_assert_eq(cfg.faults[3].at_us, 240000000);
	packini_release(&cfg);

	snprintf(text, sizeof(text), "%s[fault bms_fault]\nat = 1 s\n", base);
	expect_err(text, "p.ini:7: key 'signal': missing in [fault bms_fault]");
	snprintf(text, sizeof(text),
		 "%s[fault bms_fault]\nat = 1 s\nsignal = Fault_Smoke\n", base);
	expect_err(text, "'Fault_Smoke' is not a fault signal");
	snprintf(text, sizeof(text),
		 "%s[fault cycler_garbage]\nat = 1 s\nsignal = Fault_Comm\n",
		 base);
	expect_err(text, "unknown key for fault cycler_garbage");
	snprintf(text, sizeof(text), "%s[fault cycler_gone]\nat = 1 s\n", base);
	expect_err(text,
		   "cycler_unplugged, gbt_insulation, gbt_overtemp, gbt_stop)");
}
