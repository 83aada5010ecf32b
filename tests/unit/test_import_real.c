/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_real.c - real text exports from public projects
 * (fixtures/import/real/, see its README; docs/importers.md): each is
 * detected from content, read whole, signed as its step types or counters
 * say, and our per-cycle Ah matches the instrument's own counters within
 * 0.5 %. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imptest.h"
#include "support.h"

TestSuite(import_real, .timeout = 60);

#define REAL "fixtures/import/real/"

/* A cycle's charge and discharge Ah as the file itself counts them (its
 * cycle rows, or its counters summed over the cycle's steps); NAN where
 * the file cannot say (a cycle it starts inside). */
struct ref_cycle {
	long cycle;
	double chg_Ah, dchg_Ah;
};

struct real_case {
	const char *path, *fmt, *instrument;
	size_t rows, n_cycles;
	int cycling; /* holds both charge and discharge rows */
	struct ref_cycle ref[4];
	size_t n_ref;
};

static void parse(const struct real_case *k, struct import_info *info,
		  struct imptest_seen *s)
{
	const struct import_format *f;

	imptest_need(k->path);
	f = import_detect(k->path);
	cr_assert_not_null(f, "%s not detected", k->path);
	cr_assert_str_eq(f->name, k->fmt, "%s", k->path);
	imptest_read(k->path, k->fmt, info, s);
	cr_expect_eq(s->rows, k->rows, "%s: %zu rows", k->path, s->rows);
	if (k->instrument)
		cr_expect_str_eq(info->instrument, k->instrument);
	if (k->cycling) {
		cr_expect_gt(s->charge_rows, 10, "%s", k->path);
		cr_expect_gt(s->discharge_rows, 10, "%s", k->path);
	}
}

static void close_to(const char *path, long cycle, const char *what,
		     double ours, double file)
{
	if (isnan(file))
		return;
	cr_expect_lt(fabs(ours - file) / file, 0.005,
		     "%s cycle %ld %s: %.6f Ah, the file counted %.6f", path,
		     cycle, what, ours, file);
}

static void check(const struct real_case *k)
{
	struct import_result r;
	struct import_info info;
	struct imptest_seen s;
	struct cycles c;

	parse(k, &info, &s);
	imptest_cycles(k->path, NULL, &c, &r);
	cr_expect_eq(r.rows, k->rows);
	cr_expect_eq(c.n_cycles, k->n_cycles, "%s: %zu cycles", k->path,
		     c.n_cycles);
	for (size_t i = 0; i < k->n_ref; i++) {
		const struct ref_cycle *ref = &k->ref[i];
		size_t j = 0;

		while (j < c.n_cycles && c.cycle[j].cycle != ref->cycle)
			j++;
		cr_assert_lt(j, c.n_cycles, "%s: no cycle %ld", k->path,
			     ref->cycle);
		close_to(k->path, ref->cycle, "charge", c.cycle[j].chg_Ah,
			 ref->chg_Ah);
		close_to(k->path, ref->cycle, "discharge", c.cycle[j].dchg_Ah,
			 ref->dchg_Ah);
	}
	cycles_free(&c);
}

/* BTS 8 nested export: the cycle rows' Chg. Cap.(Ah), DChg. Cap.(Ah). */
Test(import_real, neware_bts8_regular_export)
{
	static const struct real_case k = {
	    .path = REAL "neware_regular_export_bts8_cut.csv",
	    .fmt = "neware_csv",
	    .instrument = "Neware BTS",
	    .rows = 1381,
	    .n_cycles = 3,
	    .cycling = 1,
	    .ref = {{1, 0.02256, 0.33067},
		    {2, 0.32780, 0.33172},
		    {3, 0.33180, 0.32663}},
	    .n_ref = 3,
	};

	check(&k);
}

/* Flat export with Cumulative Time: Chg. Cap.(Ah) and DChg. Cap.(Ah) at
 * each step's end, summed. */
Test(import_real, neware_flat_cumulative_time)
{
	static const struct real_case k = {
	    .path = REAL "neware_flat_uio_cut.csv",
	    .fmt = "neware_csv",
	    .instrument = "Neware BTS",
	    .rows = 3463,
	    .n_cycles = 1,
	    .cycling = 1,
	    .ref = {{1, 0.00424934, 0.00508628}},
	    .n_ref = 1,
	};

	check(&k);
}

/* Discharge current positive in the file; the step types set the sign.
 * The counters run per step: summed over the cycle. */
Test(import_real, bdf_hours_and_step_types)
{
	static const struct real_case k = {
	    .path = REAL "bdf_battmo_cut.csv",
	    .fmt = "bdf_csv",
	    .rows = 1248,
	    .n_cycles = 3,
	    .cycling = 1,
	    .ref = {{1, 0.158948, 0.276687},
		    {2, 0.155163, 0.146838},
		    {3, 0.147342, 0.147847}},
	    .n_ref = 3,
	};
	struct import_info info = {0};
	struct imptest_seen s;

	check(&k);
	parse(&k, &info, &s);
	/* Test Time / h: the last row at 84.394444 h. */
	cr_expect_lt(fabs(s.t_end - 303820.0), 1.0, "%g s", s.t_end);
}

/* Unit-less Arbin names; the counters run per cycle and the file starts
 * inside cycle 1 with Charge_Capacity already at 0.88 Ah: what the
 * instrument counted in the file is the rise from there, 0.1918985 Ah. */
Test(import_real, arbin_unitless_names)
{
	static const struct real_case k = {
	    .path = REAL "arbin_battdat_example.csv",
	    .fmt = "arbin_csv",
	    .rows = 2142,
	    .n_cycles = 2,
	    .cycling = 1,
	    .ref = {{1, 0.1918985, 1.0723603}, {2, 1.0725317, 1.0729095}},
	    .n_ref = 2,
	};

	check(&k);
}

/* Test (Min) as the time base, DPt Time the time of day alone, the date of
 * test alone in the preamble. */
Test(import_real, maccor_minutes_and_time_of_day)
{
	static const struct real_case k = {
	    .path = REAL "maccor_battdat_example.002",
	    .fmt = "maccor_txt",
	    .instrument = "Maccor",
	    .rows = 8,
	    .n_cycles = 1,
	};
	struct import_info info = {0};
	struct imptest_seen s;

	check(&k);
	parse(&k, &info, &s);
	cr_expect_lt(fabs(s.t_end - 70.0), 0.01, "%g s", s.t_end);
	cr_expect_str_eq(info.start_time_utc, "2016-04-01T00:00:00Z");
}

/* Logged every 30 s through a CC-CV charge whose first row catches the
 * current still rising: a trapezoid over the rows misses 1.7 % of the
 * step; the per-cycle figures are the instrument's own Amp-hr counts. The
 * file starts inside cycle 86's charge step (0.27 Ah already counted). */
Test(import_real, maccor_coarse_log_follows_the_counters)
{
	static const struct real_case k = {
	    .path = REAL "maccor_beep_PredictionDiagnostics_000109_tztest.010",
	    .fmt = "maccor_txt",
	    .instrument = "Maccor",
	    .rows = 2165,
	    .n_cycles = 4,
	    .cycling = 1,
	    .ref = {{86, NAN, 1.9377582},
		    {87, 2.5832980, 1.8394547},
		    {88, 2.4216289, 1.7460849},
		    {89, 0.7637865, 0.5225955}},
	    .n_ref = 4,
	};

	check(&k);
}

/* The "Name:/Channel:/Started" export: TestTime in minutes without a
 * unit (the last row, 2115.325667 min, is 35 h 15 min 19 s after the
 * start by its DPT Time), Cycle C the cycle, Md the state. */
Test(import_real, maccor_named_export_minutes)
{
	static const struct real_case k = {
	    .path = REAL "maccor_named_export_cut.txt",
	    .fmt = "maccor_txt",
	    .instrument = "Maccor",
	    .rows = 3996,
	    .n_cycles = 1,
	    .cycling = 1,
	    .ref = {{1, 0.00244213, 0.00225098}},
	    .n_ref = 1,
	};
	struct import_info info = {0};
	struct imptest_seen s;

	check(&k);
	parse(&k, &info, &s);
	cr_expect_lt(fabs(s.t_end - 126919.54), 0.01, "%g s", s.t_end);
	cr_expect_str_eq(info.start_time_utc, "2021-05-11T15:40:24Z");
}

/* An impedance test: FRA and paused rows are read as "other". */
Test(import_real, maccor_fra_and_pause_states)
{
	static const struct real_case k = {
	    .path = REAL "maccor_beep_4267-66-6519.041",
	    .fmt = "maccor_txt",
	    .instrument = "Maccor",
	    .rows = 74,
	    .n_cycles = 1,
	};
	struct import_info info = {0};
	struct imptest_seen s;

	check(&k);
	parse(&k, &info, &s);
	cr_expect_eq(s.other_rows, 63);
}

/* Modulo Bat with impedance steps: EC-Lab ends the header line with a tab
 * its rows lack; the impedance points are left out as biologic_mpr does,
 * but the charge the instrument counted during them is kept. Against the
 * Q charge/mA.h and Q discharge/mA.h counters' cycle maxima; in cycle 0
 * Q discharge restarts once (at the charge step), after 3.848051e-5 mAh. */
Test(import_real, biologic_mpt_modulo_bat)
{
	static const struct real_case k = {
	    .path = REAL "biologic_mb_cheminfo.mpt",
	    .fmt = "biologic_txt",
	    .instrument = "BioLogic VMP3 (SN 1083)",
	    .rows = 1028,
	    .n_cycles = 4,
	    .cycling = 1,
	    .ref = {{0, 2.801027e-6, 2.940810e-6},
		    {1, 2.801062e-6, 2.902961e-6},
		    {2, 2.801126e-6, 2.896820e-6},
		    {3, 2.801099e-6, 2.799018e-6}},
	    .n_ref = 4,
	};
	struct import_info info = {0};
	struct imptest_seen s;

	check(&k);
	parse(&k, &info, &s);
	cr_expect_eq(info.skipped_rows, 560);
	cr_expect(info.has_cycle && info.has_step);
}

/* The same test as text and as binary: the same rows and charge. */
Test(import_real, biologic_mpt_and_mpr_agree)
{
	static const struct real_case txt = {
	    .path = REAL "biologic_cp_cheminfo.mpt",
	    .fmt = "biologic_txt",
	    .rows = 121,
	    .n_cycles = 1,
	};
	static const struct real_case bin = {
	    .path = REAL "biologic_cp_cheminfo.mpr",
	    .fmt = "biologic_mpr",
	    .rows = 121,
	    .n_cycles = 1,
	};
	struct import_info info;
	struct imptest_seen s;
	struct cycles ca, cb;

	parse(&txt, &info, &s);
	cr_expect_eq(s.discharge_rows, 121);
	cr_expect_str_eq(info.start_time_utc, "2021-03-02T16:17:59Z");
	parse(&bin, &info, &s);
	cr_expect_eq(s.discharge_rows, 121);
	imptest_cycles(txt.path, NULL, &ca, NULL);
	imptest_cycles(bin.path, NULL, &cb, NULL);
	cr_assert_eq(ca.n_cycles, 1);
	cr_assert_eq(cb.n_cycles, 1);
	/* Q discharge/mA.h at the end: 3.302602 mAh. */
	close_to(txt.path, 0, "discharge", ca.cycle[0].dchg_Ah, 3.302602e-3);
	close_to(bin.path, 1, "discharge", cb.cycle[0].dchg_Ah, 3.302602e-3);
	cycles_free(&ca);
	cycles_free(&cb);
}

/* Impedance alone: nothing to import, said so, nothing written. */
Test(import_real, biologic_peis_only_refused)
{
	imptest_need(REAL "biologic_peis_cheminfo.mpt");
	imptest_refused(REAL "biologic_peis_cheminfo.mpt", NULL,
			"no rows to import", "impedance rows");
}
