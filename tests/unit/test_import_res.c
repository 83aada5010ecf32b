/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_res.c - Arbin .res results files (docs/importers.md): two
 * real files (fixtures/import/real/, see its README) detected from content,
 * read through libmdb, our integration per cycle against the file's own
 * cumulative counters within 0.5 %, the auxiliary temperature, provenance;
 * damaged, truncated, foreign and out-of-order files refused naming the
 * file, table and row, with nothing written. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imptest.h"
#include "support.h"

TestSuite(import_res, .timeout = 60);

#define RES_CYCLING "fixtures/import/real/20160805_test001_45_cc_01.res"
#define RES_AUX "fixtures/import/real/aux_one_x_dx.res"

Test(import_res, detected_from_content_whatever_the_name)
{
	char *dir = tmpdir_new("resname");
	char path[512], cmd[1200];

	imptest_need(RES_CYCLING);
	imptest_need(RES_AUX);
	cr_assert_str_eq(import_detect(RES_CYCLING)->name, "arbin_res");
	cr_assert_str_eq(import_detect(RES_AUX)->name, "arbin_res");
	snprintf(path, sizeof(path), "%s/export.csv", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", RES_CYCLING, path);
	cr_assert_eq(system(cmd), 0);
	cr_expect_str_eq(import_detect(path)->name, "arbin_res");
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(import_res, provenance_from_global_table)
{
	struct import_info info;
	struct imptest_seen *s = calloc(1, sizeof(*s));

	imptest_need(RES_CYCLING);
	imptest_read(RES_CYCLING, "arbin_res", &info, s);
	cr_expect_str_eq(info.software, "4.32 Build: 130904");
	cr_expect_str_eq(info.instrument, "Arbin 176075 channel 96");
	cr_expect_str_eq(info.schedule,
			 "SiNODE\\24h_rest_3cyc_C20_100cyc_c10_MR.sdu");
	cr_expect_str_eq(info.test_name, "20160805_sic006_45_cc_01-01-003");
	/* Start_DateTime 42587.67804398148 (an OLE date). */
	cr_expect_str_eq(info.start_time_utc, "2016-08-05T16:16:23Z");
	cr_expect(info.has_cycle && info.has_step);
	cr_expect_not(info.has_temperature);
	free(s);
}

/* Our per-cycle integration against the last row's Charge_Capacity and
 * Discharge_Capacity of each cycle (they run per cycle), within 0.5 %. */
Test(import_res, cycles_match_the_files_counters)
{
	struct import_result r;
	struct import_info info;
	struct imptest_seen *s = calloc(1, sizeof(*s));
	struct cycles c;
	size_t checked = 0;

	imptest_need(RES_CYCLING);
	imptest_cycles(RES_CYCLING, NULL, &c, &r);
	cr_expect_str_eq(r.fmt->name, "arbin_res");
	cr_expect_eq(r.rows, 10261);
	cr_expect_eq(r.counter_warnings, 0);
	cr_expect_lt(r.counter_max_dev, IMPORT_COUNTER_TOL);
	cr_expect_geq(r.counter_checks, 30);
	imptest_read(RES_CYCLING, "arbin_res", &info, s);
	cr_expect_eq(s->rows, 10261);
	cr_expect_gt(s->charge_rows, 1000);
	cr_expect_gt(s->discharge_rows, 1000);
	cr_expect_eq(c.n_cycles, 18);
	for (size_t k = 0; k < c.n_cycles; k++) {
		long n = c.cycle[k].cycle;

		cr_assert(n >= 0 && n < IMPTEST_MAX_CYCLES);
		/* The last cycle stops early: too little to compare. */
		if (s->last_chg_Ah[n] < 1e-4 || s->last_dchg_Ah[n] < 1e-4)
			continue;
		cr_expect_lt(fabs(c.cycle[k].chg_Ah - s->last_chg_Ah[n]) /
				 s->last_chg_Ah[n],
			     0.005, "cycle %ld: %g vs %g Ah", n,
			     c.cycle[k].chg_Ah, s->last_chg_Ah[n]);
		cr_expect_lt(fabs(c.cycle[k].dchg_Ah - s->last_dchg_Ah[n]) /
				 s->last_dchg_Ah[n],
			     0.005, "cycle %ld: %g vs %g Ah", n,
			     c.cycle[k].dchg_Ah, s->last_dchg_Ah[n]);
		cr_expect_lt(fabs(c.cycle[k].dchg_Wh - s->last_dchg_Wh[n]) /
				 s->last_dchg_Wh[n],
			     0.005, "cycle %ld: %g vs %g Wh", n,
			     c.cycle[k].dchg_Wh, s->last_dchg_Wh[n]);
		cr_expect(isnan(c.cycle[k].temp_mean_C));
		cr_expect_gt(c.cycle[k].resistance_ohm, 0);
		checked++;
	}
	cr_expect_geq(checked, 17);
	cycles_free(&c);
	free(s);
}

/* Auxiliary_Table's temperature joined to its data points. */
Test(import_res, auxiliary_temperature)
{
	struct import_info info;
	struct imptest_seen *s = calloc(1, sizeof(*s));
	struct cycles c;

	imptest_need(RES_AUX);
	imptest_read(RES_AUX, "arbin_res", &info, s);
	cr_expect(info.has_temperature);
	cr_expect_eq(s->temp_rows, s->rows);
	cr_expect_eq(s->rows, 7235);
	cr_expect_gt(s->min_T, 20.0);
	cr_expect_lt(s->max_T, 35.0);
	cr_expect_str_eq(info.software, "7.00 Build: 180119USB");
	imptest_cycles(RES_AUX, NULL, &c, NULL);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect(c.cycle[0].temp_mean_C > 20.0 &&
		      c.cycle[0].temp_mean_C < 35.0,
		  "%g", c.cycle[0].temp_mean_C);
	cr_expect_lt(fabs(c.cycle[0].chg_Ah - s->last_chg_Ah[1]) /
			 s->last_chg_Ah[1],
		     0.005);
	cycles_free(&c);
	free(s);
}

/* ---- bad input: a damaged copy of the real file ---- */

struct blob {
	unsigned char *b;
	size_t n;
};

static struct blob load(const char *path)
{
	struct blob x;

	x.b = imptest_slurp(path, &x.n);
	return x;
}

/* Replace every UTF-16LE occurrence of from by to (same length). */
static size_t rename16(struct blob *x, const char *from, const char *to)
{
	size_t len = strlen(from), hits = 0;

	for (size_t i = 0; i + 2 * len <= x->n; i++) {
		size_t k = 0;

		while (k < len && x->b[i + 2 * k] == (unsigned char)from[k] &&
		       x->b[i + 2 * k + 1] == 0)
			k++;
		if (k < len)
			continue;
		for (k = 0; k < len; k++)
			x->b[i + 2 * k] = (unsigned char)to[k];
		hits++;
	}
	return hits;
}

/* Write n bytes of x as dir/name, import it, expect the messages. */
static void refused(const struct blob *x, size_t n, const char *want1,
		    const char *want2)
{
	imptest_refused_bytes("bad.res", x->b, n, NULL, want1, want2);
}

Test(import_res, truncated_file_refused)
{
	struct blob x = load(RES_CYCLING);

	refused(&x, x.n / 2 + 100, "not a whole number of 4096-byte pages",
		"truncated");
	free(x.b);
}

/* A lost data page: libmdb skips it silently, the row count does not. */
Test(import_res, lost_data_page_refused)
{
	struct blob x = load(RES_CYCLING);

	memset(x.b + 50 * 4096, 0, 4096);
	refused(&x, x.n, "Channel_Normal_Table", "of its 10261 rows readable");
	free(x.b);
}

/* An Access file without Arbin's tables. */
Test(import_res, foreign_access_file_refused)
{
	struct blob x = load(RES_CYCLING);

	cr_assert_gt(rename16(&x, "Global_Table", "Glxbal_Table"), 0);
	refused(&x, x.n, "no table", "Global_Table");
	free(x.b);
}

Test(import_res, missing_column_refused)
{
	struct blob x = load(RES_CYCLING);

	/* Column names are stored with their byte length before them. */
	cr_assert_gt(rename16(&x, "Voltage", "Voltagx"), 0);
	refused(&x, x.n, "Channel_Normal_Table", "no column Voltage");
	free(x.b);
}

/* Row 3's Test_Time (900.03 s) set to 100 s. */
Test(import_res, time_going_back_refused)
{
	struct blob x = load(RES_CYCLING);
	size_t hits = 0;

	for (size_t i = 0; i + 8 <= x.n; i++) {
		double v;

		memcpy(&v, x.b + i, 8);
		if (fabs(v - 900.026371146586) < 1e-9) {
			v = 100.0;
			memcpy(x.b + i, &v, 8);
			hits++;
		}
	}
	cr_assert_eq(hits, 1);
	refused(&x, x.n, "Channel_Normal_Table row 3:",
		"Test_Time goes back from 600.015 s to 100.000 s");
	free(x.b);
}

Test(import_res, forced_on_a_text_export_refused)
{
	imptest_refused("fixtures/import/arbin_cell.csv", "arbin_res",
			"fixtures/import/arbin_cell.csv: offset 4: not an "
			"Access (Jet) database",
			NULL);
}
