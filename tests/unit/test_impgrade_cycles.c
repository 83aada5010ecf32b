/* SPDX-License-Identifier: Apache-2.0 */
/* test_impgrade_cycles.c - grading imported files (docs/importers.md,
 * "Grading imported data"): the full discharges of every two-cycle fixture
 * against the instrument's own per-cycle counters, the rated capacity from
 * the grade or the import, the chemistry's window, and a generated
 * multi-cycle file with a known fade, a partial cycle and current pulses
 * of a known resistance. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analyze.h"
#include "analysis/grade.h"
#include "analysis/impgrade.h"
#include "analysis/rules.h"
#include "analysis/rundata.h"
#include "import/import.h"
#include "import/import_write.h"
#include "support.h"

TestSuite(impgrade, .timeout = 60);

struct graded {
	char *dir;
	char path[512];
	struct rundata *rd;
	struct pack_result pr;
	struct grade_result g;
};

/* Import src (rated_Ah 0: none), analyse it with the grade's options,
 * grade it with the default rules. */
static void grade_import(const char *src, double import_rated,
			 double grade_rated, const char *chem, struct graded *x)
{
	struct import_opts o = {.rated_Ah = import_rated};
	struct import_result res;
	struct rd_opts ro;
	struct rules r;

	memset(x, 0, sizeof(*x));
	x->dir = tmpdir_new("impgrade");
	snprintf(x->path, sizeof(x->path), "%s/run.h5", x->dir);
	cr_assert_eq(import_file(src, x->path, &o, &res), 0, "%s", src);
	rd_opts_default(&ro);
	cr_assert_eq(rundata_load(x->path, &ro, &x->rd), 0);
	x->rd->rated_ah_given = grade_rated;
	if (chem)
		snprintf(x->rd->chem_given, sizeof(x->rd->chem_given), "%s",
			 chem);
	cr_assert_eq(analyze_run(x->rd, &x->pr), 0);
	cr_assert_not_null(x->pr.imp, "%s: not analysed as imported", src);
	cr_assert_eq(rules_load(NULL, &r), 0);
	cr_assert_eq(grade_pack(&x->pr, &r, NULL, &x->g), 0);
}

static void graded_free(struct graded *x)
{
	grade_result_release(&x->g);
	pack_result_release(&x->pr);
	rundata_free(x->rd);
	unlink(x->path);
	rmdir(x->dir);
	free(x->dir);
}

static bool has_reason(const struct grade_result *g, const char *text)
{
	for (size_t k = 0; k < g->n_reasons; k++)
		if (strstr(g->reasons[k], text))
			return true;
	return false;
}

/* The Neware cycle rows: Cap_DChg(mAh) of each cycle. */
Test(impgrade, neware_full_discharges_match_its_cycle_rows)
{
	struct graded x;
	char line[512];
	FILE *f = fopen("fixtures/import/neware_cell.csv", "r");
	size_t k = 0;

	cr_assert_not_null(f);
	grade_import("fixtures/import/neware_cell.csv", 0, 1.1, NULL, &x);
	cr_assert_eq(x.pr.imp->n_dis, 2);
	cr_expect_eq(x.pr.imp->n_full, 2);
	while (fgets(line, sizeof(line), f)) {
		long cyc;
		double chg_mAh, dchg_mAh;

		if (sscanf(line, "%ld,%lf,%lf", &cyc, &chg_mAh, &dchg_mAh) != 3)
			continue;
		cr_assert_lt(k, x.pr.imp->n_dis);
		const struct imp_discharge *d = &x.pr.imp->dis[k++];

		cr_expect_eq(d->cycle, cyc);
		cr_expect_lt(fabs(d->capacity_ah * 1e3 - dchg_mAh) / dchg_mAh,
			     0.005, "cycle %ld: %g vs %g mAh", cyc,
			     d->capacity_ah * 1e3, dchg_mAh);
		cr_expect(d->full, "cycle %ld", cyc);
	}
	fclose(f);
	cr_expect_eq(k, 2);
	/* the latest full cycle, 1066.667 mAh */
	cr_expect_eq(x.pr.imp->dis[x.pr.imp->graded].cycle, 2);
	cr_expect_lt(fabs(x.pr.capacity_ah - 1.066667), 0.005);
	cr_expect_float_eq(x.pr.soh_capacity, x.pr.capacity_ah / 1.1, 1e-12);
	cr_expect_eq(x.g.grade, GRADE_REUSE);
	cr_expect(has_reason(&x.g, "rated 1.1000 Ah from --rated-ah"));
	cr_expect(has_reason(&x.g, "resistance not judged"));
	cr_expect(has_reason(&x.g, "self-discharge (no tagged rest)"));
	cr_expect(isnan(x.pr.imp->fade_ah_per_cycle), "two cycles: no fade");
	graded_free(&x);
}

/* Arbin's Discharge_Capacity(Ah) runs within the cycle: its last row per
 * cycle is the cycle's discharge. */
struct arbin_last {
	double dchg_Ah[4];
	double r_ohm;
};

static int keep_arbin(void *ctx, const struct import_row *row)
{
	struct arbin_last *a = ctx;

	if (row->cycle >= 1 && row->cycle <= 3)
		a->dchg_Ah[row->cycle] = row->dchg_Ah;
	if (row->resistance_ohm > 0)
		a->r_ohm = row->resistance_ohm;
	return 0;
}

Test(impgrade, arbin_full_discharges_match_its_counters)
{
	struct graded x;
	struct import_info info = {0};
	struct arbin_last a = {{0}, 0};

	cr_assert_eq(import_format_by_name("arbin_csv")
			 ->parse("fixtures/import/arbin_cell.csv", &info,
				 keep_arbin, &a),
		     0);
	grade_import("fixtures/import/arbin_cell.csv", 0, 1.1, NULL, &x);
	cr_assert_eq(x.pr.imp->n_dis, 2);
	for (size_t k = 0; k < 2; k++) {
		const struct imp_discharge *d = &x.pr.imp->dis[k];

		cr_expect_eq(d->cycle, (long)k + 1);
		cr_expect_lt(fabs(d->capacity_ah - a.dchg_Ah[k + 1]) /
				 a.dchg_Ah[k + 1],
			     0.005, "cycle %zu: %g vs %g Ah", k + 1,
			     d->capacity_ah, a.dchg_Ah[k + 1]);
	}
	/* the instrument's resistance beside ours (none: 60 s rows) */
	cr_expect_float_eq(x.pr.imp->instr_r_mohm, 1000 * a.r_ohm, 1e-9);
	cr_expect_eq(x.pr.imp->n_steps_found, 0);
	cr_expect(isnan(x.pr.dcir_mohm));
	cr_expect(has_reason(&x.g, "the instrument's own resistance: 51.200"));
	graded_free(&x);
}

/* Every format's fixture is the same test: the same two full cycles, the
 * second graded. */
Test(impgrade, every_fixture_graded_on_its_second_cycle)
{
	static const char *const src[] = {
	    "fixtures/import/arbin_cell.csv",
	    "fixtures/import/neware_cell.csv",
	    "fixtures/import/neware_flat_cell.csv",
	    "fixtures/import/biologic_cell.mpt",
	    "fixtures/import/biologic_cell.mpr",
	    "fixtures/import/maccor_cell.txt",
	    "fixtures/import/bdf_cell.csv",
	};

	for (size_t k = 0; k < sizeof(src) / sizeof(src[0]); k++) {
		struct graded x;

		grade_import(src[k], 0, 1.5, NULL, &x);
		cr_expect_eq(x.pr.imp->n_full, 2, "%s", src[k]);
		cr_expect_eq(x.pr.imp->graded, 1, "%s", src[k]);
		cr_expect_lt(fabs(x.pr.capacity_ah - 1.066667), 0.005, "%s",
			     src[k]);
		cr_expect_str_eq(x.pr.chemistry, "nmc", "%s", src[k]);
		cr_expect(x.pr.imp->chem_inferred);
		/* 71 % of 1.5 Ah: REMANUFACTURE by the SOH gate */
		cr_expect_eq(x.g.grade, GRADE_REMANUFACTURE, "%s", src[k]);
		graded_free(&x);
	}
}

Test(impgrade, rated_from_the_import_else_incomplete)
{
	struct graded x;

	grade_import("fixtures/import/maccor_cell.txt", 2.0, 0, NULL, &x);
	cr_expect_float_eq(x.pr.rated_ah, 2.0, 1e-12);
	cr_expect(has_reason(&x.g, "rated 2.0000 Ah from the file"));
	cr_expect_eq(x.g.grade, GRADE_RECYCLE, "53 %% SOH");
	graded_free(&x);

	/* the grade's --rated-ah wins over the import's */
	grade_import("fixtures/import/maccor_cell.txt", 2.0, 1.1, NULL, &x);
	cr_expect_eq(x.g.grade, GRADE_REUSE);
	graded_free(&x);

	grade_import("fixtures/import/maccor_cell.txt", 0, 0, NULL, &x);
	cr_expect_eq(x.g.grade, GRADE_INCOMPLETE);
	cr_expect(has_reason(&x.g, "'bench grade --rated-ah AH'"));
	cr_expect(has_reason(&x.g, "capacity 1.0667 Ah from the discharge "
				   "of cycle 1"),
		  "Maccor numbers cycles from 0");
	graded_free(&x);
}

/* The fixtures charge to 3.86 V: in NMC's 3.0-4.2 V window no discharge
 * is full, so the capacity is not judged. */
Test(impgrade, given_chemistry_window_is_used)
{
	struct graded x;

	grade_import("fixtures/import/neware_flat_cell.csv", 0, 1.1, "nmc", &x);
	cr_expect_eq(x.pr.imp->n_full, 0);
	cr_expect_eq(x.g.grade, GRADE_INCOMPLETE);
	cr_expect(has_reason(&x.g, "no full discharge"));
	cr_expect(has_reason(&x.g, "3.000-4.200 V window (nmc given)"));
	cr_expect(!x.pr.imp->chem_inferred);
	graded_free(&x);
}

/* A generated BDF file: OCV 3.0 + 1.2 x SOC, an ohmic cell of r_ohm,
 * cycles of capacity 1.0 - 0.0025 (cycle - 1) Ah, each: a 1 A charge to
 * full (30 s rows), a rest and a 2 A, 10 s discharge pulse (1 s rows), a
 * rest, a 1 A discharge to empty (30 s rows), a rest. Cycle 4 is charged
 * to 60 % only: not a full discharge. The pulse is part of the
 * discharge: the charge the cell gave from top to bottom. */
#define SYN_CYCLES 6
#define SYN_PARTIAL 4
#define PULSE_AH (2.0 * 10 / 3600)

struct syn {
	FILE *f;
	double t, soc, r_ohm;
	int step, series;
};

static double syn_cap(int cycle)
{
	return 1.0 - 0.0025 * (cycle - 1);
}

static void syn_row(struct syn *s, int cycle, double i_A)
{
	double v = s->series * (3.0 + 1.2 * s->soc) + i_A * s->r_ohm;

	fprintf(s->f, "%.3f,%.6f,%.4f,%d,%d\n", s->t, v, i_A, cycle, s->step);
}

/* Constant current for dur_s at rows every dt_s (and one at the end);
 * the SOC follows (the pulse's is left out: it only shifts the OCV). */
static void syn_cc(struct syn *s, int cycle, double i_A, double dur_s,
		   double dt_s, double cap_Ah, bool track)
{
	double t0 = s->t, soc0 = s->soc;

	s->step++;
	for (double u = 0;; u = fmin(u + dt_s, dur_s)) {
		s->t = t0 + u;
		if (track)
			s->soc = soc0 + i_A * u / 3600.0 / cap_Ah;
		syn_row(s, cycle, i_A);
		if (u >= dur_s)
			break;
	}
	s->t += dt_s > 1 ? 1 : dt_s; /* the next step starts 1 s later */
}

static void write_syn(const char *path, double r_ohm, int series)
{
	struct syn s = {
	    .f = fopen(path, "w"), .r_ohm = r_ohm, .series = series};

	cr_assert_not_null(s.f);
	fputs("Test Time / s,Voltage / V,Current / A,Cycle Count / 1,"
	      "Step Index / 1\n",
	      s.f);
	for (int c = 1; c <= SYN_CYCLES; c++) {
		double q = syn_cap(c), full = c == SYN_PARTIAL ? 0.6 : 1.0;

		syn_cc(&s, c, 1.0, full * q * 3600, 30, q, true);
		syn_cc(&s, c, 0.0, 60, 1, q, false);
		syn_cc(&s, c, -2.0, 10, 1, q, false);
		syn_cc(&s, c, 0.0, 60, 1, q, false);
		syn_cc(&s, c, -1.0, full * q * 3600, 30, q, true);
		syn_cc(&s, c, 0.0, 120, 30, q, false);
	}
	cr_assert_eq(fclose(s.f), 0);
}

Test(impgrade, generated_fade_partial_cycle_and_pulses)
{
	char *dir = tmpdir_new("impsyn"), src[512];
	struct graded x;

	snprintf(src, sizeof(src), "%s/cycles.csv", dir);
	write_syn(src, 0.050, 1);
	grade_import(src, 0, 1.0, NULL, &x);
	/* one discharge per cycle, its pulse included (2 A for 10 s) */
	cr_expect_eq(x.pr.imp->n_dis, SYN_CYCLES);
	cr_expect_eq(x.pr.imp->n_full, SYN_CYCLES - 1);
	for (size_t k = 0; k < x.pr.imp->n_dis; k++) {
		const struct imp_discharge *d = &x.pr.imp->dis[k];

		cr_expect_eq(d->cycle, (long)k + 1);
		cr_expect_eq(d->full, d->cycle != SYN_PARTIAL, "cycle %ld",
			     d->cycle);
		if (d->full)
			cr_expect_float_eq(d->capacity_ah,
					   syn_cap(d->cycle) + PULSE_AH, 1e-6,
					   "cycle %ld", d->cycle);
	}
	cr_expect_eq(x.pr.imp->dis[x.pr.imp->graded].cycle, SYN_CYCLES);
	cr_expect_float_eq(x.pr.capacity_ah, syn_cap(SYN_CYCLES) + PULSE_AH,
			   1e-6);
	/* -0.0025 Ah per cycle: 25 % of the 1 Ah rated per 100 cycles; the
	 * partial cycle 4 (0.6 Ah) left out */
	cr_expect_float_eq(x.pr.imp->fade_ah_per_cycle, -0.0025, 1e-7);
	cr_expect_float_eq(x.pr.imp->fade_pct_per_100, 25.0, 1e-4);
	cr_expect(has_reason(&x.g, "capacity fades 0.0025 Ah per cycle "
				   "(25.00 % of rated per 100 cycles) over 5 "
				   "full discharges"));
	/* each pulse's two edges; the discharges' edges (30 s rows) are no
	 * step */
	cr_expect_eq(x.pr.imp->n_steps_found, 2 * SYN_CYCLES);
	cr_expect_float_eq(x.pr.imp->r_0s1_mohm, 50.0, 0.05);
	cr_expect_float_eq(x.pr.imp->r_10s_mohm, 50.0, 0.05);
	/* 50 mOhm against 62 mOhm fresh for 1 Ah: within limits */
	cr_expect_eq(x.g.grade, GRADE_REUSE);
	cr_expect(isnan(x.pr.imp->instr_r_mohm));
	graded_free(&x);

	/* 150 mOhm: 2.4 x fresh, RECYCLE on resistance alone */
	write_syn(src, 0.150, 1);
	grade_import(src, 0, 1.0, NULL, &x);
	cr_expect_float_eq(x.pr.imp->r_0s1_mohm, 150.0, 0.15);
	cr_expect_eq(x.g.grade, GRADE_RECYCLE);
	cr_expect(has_reason(&x.g, "median cell ohmic (0.1 s) resistance"));
	graded_free(&x);

	/* the same 150 mOhm from a 4-cell module (up to 17 V): a cell's
	 * fresh reference does not apply, the resistance is not judged */
	write_syn(src, 0.150, 4);
	grade_import(src, 0, 1.0, NULL, &x);
	cr_expect(x.pr.imp->multi_cell);
	cr_expect_eq(x.pr.imp->n_full, SYN_CYCLES - 1);
	cr_expect_float_eq(x.pr.imp->r_0s1_mohm, 150.0, 0.15);
	cr_expect_eq(x.g.grade, GRADE_REUSE);
	cr_expect(has_reason(&x.g, "150.000 mOhm measured, not judged"));
	graded_free(&x);
	unlink(src);
	rmdir(dir);
	free(dir);
}
