/* SPDX-License-Identifier: Apache-2.0 */
/* test_grade_rules.c - rules INI, grading outcomes on synthetic per-cell
 * results, JSON shape. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gradejson.h"
#include "common/sha256.h"
#include "support.h"

static struct rules R;

static void load_rules(void)
{
	cr_assert_eq(rules_load(NULL, &R), 0);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(grade_rules, .timeout = 60);

Test(grade_rules, builtin_equals_fixture_file_and_hash)
{
	char hex[SHA256_HEX_LEN];

	cr_assert_eq(sha256_file_hex("fixtures/rules/default.ini", hex), 0);
	load_rules();
	cr_assert_str_eq(R.sha256, hex,
			 "built-in rules text drifted from "
			 "fixtures/rules/default.ini");
	cr_assert_float_eq(R.soh_reuse_min, 0.80, 1e-12);
	cr_assert_float_eq(R.r_reuse_max_ratio, 1.5, 1e-12);
	cr_assert_float_eq(R.module_max_weak_fraction, 0.2, 1e-12);
	cr_assert(R.module_single_ok);
}

Test(grade_rules, override_subset_and_errors_name_line_key)
{
	char *dir = tmpdir_new("rules");
	char *ok = tmpfile_write(dir, "ok.ini", "[soh]\nreuse_min = 0.85\n");
	char *bad =
	    tmpfile_write(dir, "bad.ini", "[soh]\n\nreuse_mni = 0.85\n");
	char *val = tmpfile_write(dir, "val.ini",
				  "[soh]\nreuse_min = 1.5\n[nosuch]\nx = 1\n");

	cr_assert_eq(rules_load(ok, &R), 0);
	cr_assert_float_eq(R.soh_reuse_min, 0.85, 1e-12);
	cr_assert_float_eq(R.soh_recycle_below, 0.60, 1e-12);
	logcap_start();
	cr_assert_lt(rules_load(bad, &R), 0);
	cr_assert(strstr(logcap_text(), "bad.ini:3"), "%s", logcap_text());
	cr_assert(strstr(logcap_text(), "reuse_mni"));
	cr_assert_lt(rules_load(val, &R), 0);
	cr_assert(
	    strstr(logcap_text(), "val.ini:2: [soh] reuse_min: bad value"),
	    "the first error, with its own text: %s", logcap_text());
	logcap_stop();
	free(ok);
	free(bad);
	free(val);
	free(dir);
}

/* A healthy 24-cell, 4-module NMC pack at 90 % SOH. */
static struct pack_result P;
static struct cell_result cells[24];

static void healthy(void)
{
	load_rules();
	memset(&P, 0, sizeof(P));
	snprintf(P.pack_id, sizeof(P.pack_id), "p1");
	snprintf(P.status, sizeof(P.status), "complete");
	snprintf(P.chemistry, sizeof(P.chemistry), "nmc");
	P.chem = CHEM_NMC;
	P.series = 24;
	P.parallel = 1;
	P.modules = 4;
	P.rated_ah = 100;
	P.capacity_ah = 90;
	P.soh_capacity = 0.9;
	P.soh_energy = 0.89;
	P.energy_wh = 7700;
	P.round_trip_eff = 0.95;
	P.dcir_mohm = 24 * 0.7;
	P.ref_r0_mohm = 0.62;
	P.rest_spread_mV = 8;
	P.soc_spread = 0.005;
	P.cap_median_ah = 90.5;
	P.cap_spread_rel = 0.02;
	P.r_median_mohm = 0.7;
	P.r_spread_ratio = 1.05;
	P.sd_fit_h = 22;
	P.temp_max_C = 31;
	P.temp_spread_C = 3;
	P.rebalance_gain_ah = 0.3;
	P.cells = cells;
	for (unsigned c = 0; c < 24; c++) {
		cells[c] = (struct cell_result){
		    .module = c / 6 + 1,
		    .capacity_ah = 90.5 + 0.05 * (c % 3),
		    .offset_soc = 0.0,
		    .r_0s1_mohm = 0.7,
		    .r_10s_mohm = 1.0,
		    .rest_V = 3.63,
		    .min_rest_V = 3.0,
		    .capacity_lb_ah = NAN,
		    .sd_mv_per_day = 0.05 + 0.01 * (c % 4),
		    .leak_ma = 0.3,
		};
	}
}

static enum grade run(struct grade_result *g)
{
	cr_assert_eq(grade_pack(&P, &R, NULL, g), 0);
	return g->grade;
}

Test(grade_rules, healthy_is_reuse_with_no_flags, .init = healthy)
{
	struct grade_result g;

	cr_assert_eq(run(&g), GRADE_REUSE);
	for (unsigned c = 0; c < 24; c++)
		cr_assert_eq(g.cell_flags[c], 0);
	cr_assert_eq(g.n_replace, 0);
	cr_assert_float_eq(g.r_ratio, 0.7 / 0.62, 1e-9);
	grade_result_release(&g);
}

Test(grade_rules, g1_g5_g6_soh_gates, .init = healthy)
{
	struct grade_result g;

	P.soh_capacity = 0.75;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert(strstr(g.reasons[0], "75.0 %"), "%s", g.reasons[0]);
	grade_result_release(&g);
	P.soh_capacity = 0.55;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	grade_result_release(&g);
}

Test(grade_rules, g2_like_with_like, .init = healthy)
{
	struct grade_result g;

	for (unsigned c = 0; c < 24; c++)
		cells[c].r_0s1_mohm = 1.0; /* 1.61 x R0 */
	P.r_median_mohm = 1.0;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	grade_result_release(&g);
	for (unsigned c = 0; c < 24; c++)
		cells[c].r_0s1_mohm = 1.3; /* 2.1 x */
	P.r_median_mohm = 1.3;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	grade_result_release(&g);
	/* the 10 s measure: 1.0 mOhm at 10 s vs 1.42 x 0.62 = 0.88: 1.14 */
	R.r_measure = R_MEASURE_10S;
	cr_assert_eq(run(&g), GRADE_REUSE);
	cr_assert_float_eq(g.r_ratio, 1.0 / (1.42 * 0.62), 1e-9);
	grade_result_release(&g);
	/* no profile reference: R0 = 62 mOhm.Ah / 100 Ah */
	R.r_measure = R_MEASURE_OHMIC;
	P.ref_r0_mohm = NAN;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	cr_assert_float_eq(g.r_ref_mohm, 0.62, 1e-9);
	grade_result_release(&g);
}

Test(grade_rules, g3_dispersion_blocks_reuse, .init = healthy)
{
	struct grade_result g;

	cells[0].rest_V = 3.63 + 0.045;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	grade_result_release(&g);
	cells[0].rest_V = 3.63;
	P.cap_spread_rel = 0.07;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	grade_result_release(&g);
	P.cap_spread_rel = 0.02;
	P.r_spread_ratio = 1.25;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	grade_result_release(&g);
	/* LFP is judged by SOC windows, not rested volts */
	P.r_spread_ratio = 1.05;
	P.chem = CHEM_LFP;
	cells[0].rest_V = 3.63 + 0.045;
	cr_assert_eq(run(&g), GRADE_REUSE);
	grade_result_release(&g);
	cells[0].offset_soc = 0.025;  /* each below the offset flag ... */
	cells[1].offset_soc = -0.025; /* ... but 5 % apart */
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[0], 0);
	grade_result_release(&g);
}

Test(grade_rules, g4_single_weak_module_is_remanufacture, .init = healthy)
{
	struct grade_result g;

	cells[13].capacity_ah = 70; /* module 3 */
	P.soh_capacity = 0.70;	    /* the weak cell limits the pack */
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[13], CELL_WEAK);
	cr_assert_eq(g.n_replace, 1);
	cr_assert_eq(g.replace_modules[0], 3);
	cr_assert(g.soh_graded > 0.9, "graded on the rest: %.3f", g.soh_graded);
	for (unsigned c = 0; c < 24; c++)
		if (c != 13)
			cr_assert_eq(g.cell_flags[c], 0, "cell %u flagged",
				     c + 1);
	grade_result_release(&g);
}

Test(grade_rules, g4_lfp_weak_module_against_lower_bounds, .init = healthy)
{
	struct grade_result g;

	/* LFP: module 2's cells hit both ends (capacity known, 70 Ah); the
	 * others sat on the plateau at the top: only a lower bound (80 Ah) */
	P.chem = CHEM_LFP;
	for (unsigned c = 0; c < 24; c++) {
		bool weak = cells[c].module == 2;

		cells[c].capacity_ah = weak ? 70 : NAN;
		cells[c].capacity_lb_ah = weak ? NAN : 80;
	}
	P.cap_median_ah = 80; /* the upper median analyze computes */
	P.soh_capacity = 0.70;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.n_replace, 1);
	cr_assert_eq(g.replace_modules[0], 2);
	cr_assert_eq(g.cell_flags[6], CELL_WEAK);
	cr_assert_eq(g.cell_flags[0], 0);
	cr_assert_float_eq(g.soh_graded, 0.80, 1e-9,
			   "rest judged on its bound");
	grade_result_release(&g);
}

Test(grade_rules, g4_too_many_weak_modules_is_recycle, .init = healthy)
{
	struct grade_result g;

	cells[1].capacity_ah = 70;
	cells[13].capacity_ah = 70;
	cells[20].r_0s1_mohm = 1.2;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	cr_assert_eq(g.n_replace, 0);
	cr_assert(g.cell_flags[20] & CELL_HIGH_R);
	grade_result_release(&g);
}

Test(grade_rules, offset_cell_is_rebalance_not_replace, .init = healthy)
{
	struct grade_result g;

	cells[5].offset_soc = -0.08;
	P.rest_spread_mV = 55;
	P.discharge_end_cell = 6;
	P.charge_end_cell = 2;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[5], CELL_OFFSET);
	cr_assert_eq(g.n_replace, 0);
	bool said = false;

	for (size_t k = 0; k < g.n_reasons; k++)
		said |= strstr(g.reasons[k],
			       "ends the discharge but not the charge") != NULL;
	cr_assert(said);
	grade_result_release(&g);
}

Test(grade_rules, s4_self_discharge_needs_outlier_and_floor, .init = healthy)
{
	struct grade_result g;

	cells[9].sd_mv_per_day = 1.4;
	cells[9].leak_ma = 8;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert_eq(g.cell_flags[9], CELL_SELF_DISCHARGE);
	cr_assert_eq(g.replace_modules[0], 2);
	grade_result_release(&g);
	/* an outlier below both the floor and the leak limit is noise */
	cells[9].sd_mv_per_day = 0.5;
	cells[9].leak_ma = 1.5;
	cr_assert_eq(run(&g), GRADE_REUSE);
	grade_result_release(&g);
}

Test(grade_rules, s4_not_judged_on_a_plateau, .init = healthy)
{
	struct grade_result g;

	P.chem = CHEM_LFP;
	P.sd_unjudged = true;
	P.sd_soc = 0.45;
	cells[9].sd_mv_per_day = 1.4;
	cells[9].leak_ma = 8;
	cr_assert_eq(run(&g), GRADE_REUSE);
	cr_assert_eq(g.cell_flags[9], 0);
	cr_assert(strstr(g.reasons[0], "not judged"), "%s", g.reasons[0]);
	grade_result_release(&g);
}

Test(grade_rules, lot_statistics_judge_self_discharge, .init = healthy)
{
	struct grade_result g;
	/* a lot whose cells all drift ~1.4 mV/day: this pack's 1.4 is normal */
	struct sd_stats lot = {.mean = 1.3, .sd = 0.2, .median = 1.3, .n = 960};

	cells[9].sd_mv_per_day = 1.4;
	cells[9].leak_ma = 8;
	cr_assert_eq(grade_pack(&P, &R, &lot, &g), 0);
	cr_assert_eq(g.cell_flags[9], 0);
	grade_result_release(&g);
	cr_assert_eq(grade_pack(&P, &R, NULL, &g), 0);
	cr_assert_eq(g.cell_flags[9], CELL_SELF_DISCHARGE);
	grade_result_release(&g);
}

Test(grade_rules, s3_low_rested_voltage_is_unsafe, .init = healthy)
{
	struct grade_result g;

	cells[3].min_rest_V = 2.2;
	cr_assert_eq(run(&g), GRADE_REMANUFACTURE);
	cr_assert(g.cell_flags[3] & CELL_UNSAFE);
	grade_result_release(&g);
}

Test(grade_rules, s5_temperature, .init = healthy)
{
	struct grade_result g;

	P.temp_max_C = 58;
	P.temp_max_probe = 3;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	grade_result_release(&g);
}

Test(grade_rules, aborts_safety_recycle_bench_incomplete, .init = healthy)
{
	struct grade_result g;

	snprintf(P.status, sizeof(P.status), "aborted");
	P.abort_class = ABORT_SAFETY;
	snprintf(P.abort_code, sizeof(P.abort_code), "safety:CELL_OT_HARD");
	P.abort_cell = 17;
	cr_assert_eq(run(&g), GRADE_RECYCLE);
	cr_assert(strstr(g.reasons[0], "CELL_OT_HARD"));
	cr_assert_eq(g.cell_flags[16], CELL_UNSAFE);
	grade_result_release(&g);
	P.abort_class = ABORT_BENCH;
	snprintf(P.abort_code, sizeof(P.abort_code), "bench:CYCLER_TIMEOUT");
	cr_assert_eq(run(&g), GRADE_INCOMPLETE);
	cr_assert(strstr(g.reasons[0], "CYCLER_TIMEOUT"));
	grade_result_release(&g);
	P.abort_class = ABORT_OPERATOR;
	cr_assert_eq(run(&g), GRADE_INCOMPLETE);
	grade_result_release(&g);
	P.abort_class = ABORT_NONE;
	snprintf(P.status, sizeof(P.status), "interrupted");
	cr_assert_eq(run(&g), GRADE_INCOMPLETE);
	grade_result_release(&g);
}

Test(grade_rules, json_shape_exact, .init = healthy)
{
	struct grade_result g;
	char *js;

	cells[13].capacity_ah = 70;
	P.soh_capacity = 0.70;
	run(&g);
	js = grade_json_string(&P, &g);
	cr_assert_not_null(js);
	cr_assert_eq(strchr(js, '\n'), NULL, "one line");
	cr_assert_eq(strncmp(js,
			     "{\"pack_id\":\"p1\",\"grade\":\"REMANUFACTURE\","
			     "\"status\":\"graded\",\"reasons\":[",
			     67),
		     0, "%s", js);
	cr_assert(
	    strstr(js,
		   "\"cells\":[{\"index\":1,\"module\":1,\"capacity_ah\":90.5,"
		   "\"dcir_mohm\":0.7,\"self_discharge_mv_per_day\":0.05,"
		   "\"flags\":[]}"),
	    "%s", js);
	cr_assert(strstr(js, "{\"index\":14,\"module\":3,\"capacity_ah\":70,"));
	cr_assert(strstr(js, "\"flags\":[\"weak\"]}"));
	cr_assert(strstr(js, "\"replace_modules\":[3]"));
	cr_assert(strstr(js, "\"passport\":{\"remaining_capacity_ah\":90,"
			     "\"state_of_certified_energy\":0.89,"));
	cr_assert(strstr(js, "\"negative_events\":0}"));
	char tail[100];

	snprintf(tail, sizeof(tail), "\"rules\":\"%s\"}", R.sha256);
	cr_assert_str_eq(js + strlen(js) - strlen(tail), tail);
	for (const char *k =
		 "soh_capacity\0capacity_ah\0energy_wh\0dcir_mohm\0";
	     *k; k += strlen(k) + 1)
		cr_assert(strstr(js, k), "missing %s", k);
	free(js);
	grade_result_release(&g);
}

Test(grade_rules, csv_row_doubles_quotes_in_its_text_fields, .init = healthy)
{
	struct grade_result g;
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	snprintf(P.pack_id, sizeof(P.pack_id), "%s", "a,\"b\"");
	run(&g);
	grade_csv_row(o, "run \"1\".h5", &P, &g);
	fclose(o);
	cr_assert(strncmp(buf, "\"run \"\"1\"\".h5\",\"a,\"\"b\"\"\",REUSE,",
			  31) == 0,
		  "%s", buf);
	free(buf);
	grade_result_release(&g);
}

/* docs/grading.md: REUSE at or above soh reuse_min, RECYCLE only below
 * recycle_below, REUSE up to reuse_max_ratio: the thresholds themselves
 * belong to the better grade. */
Test(grade_rules, thresholds_belong_to_the_better_grade, .init = healthy)
{
	struct grade_result g;

	P.soh_capacity = R.soh_reuse_min;
	cr_expect_eq(run(&g), GRADE_REUSE, "SOH exactly at reuse_min");
	grade_result_release(&g);
	P.soh_capacity = nextafter(R.soh_reuse_min, 0);
	cr_expect_eq(run(&g), GRADE_REMANUFACTURE, "SOH just below reuse_min");
	grade_result_release(&g);
	P.soh_capacity = R.soh_recycle_below;
	cr_expect_eq(run(&g), GRADE_REMANUFACTURE, "SOH at recycle_below");
	grade_result_release(&g);
	P.soh_capacity = nextafter(R.soh_recycle_below, 0);
	cr_expect_eq(run(&g), GRADE_RECYCLE, "SOH just below recycle_below");
	grade_result_release(&g);

	P.soh_capacity = 0.9;
	R.r_reuse_max_ratio = 0.7 / 0.62;
	cr_expect_eq(run(&g), GRADE_REUSE, "resistance exactly at the limit");
	grade_result_release(&g);
	R.r_reuse_max_ratio = nextafter(0.7 / 0.62, 0);
	cr_expect_eq(run(&g), GRADE_REMANUFACTURE, "resistance just above");
	grade_result_release(&g);
	R.r_reuse_max_ratio = 1.0;
	R.r_recycle_above_ratio = 0.7 / 0.62;
	cr_expect_eq(run(&g), GRADE_REMANUFACTURE, "at the recycle limit");
	grade_result_release(&g);
	R.r_recycle_above_ratio = nextafter(0.7 / 0.62, 0);
	cr_expect_eq(run(&g), GRADE_RECYCLE, "just above the recycle limit");
	grade_result_release(&g);
}
