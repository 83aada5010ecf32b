/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_mpr.c - BioLogic .mpr (docs/importers.md): the binary file of
 * the same test as fixtures/import/biologic_cell.mpt reads to the same
 * rows, steps and cycles; our integration agrees with its Q charge and
 * Q discharge counters; impedance rows are left out; truncated, foreign
 * and corrupt files are refused naming the file and offset, nothing
 * written. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/formats.h"
#include "imptest.h"
#include "support.h"

TestSuite(import_mpr, .timeout = 60);

#define MPR "fixtures/import/biologic_cell.mpr"
#define MPR_PEIS "fixtures/import/biologic_peis_cell.mpr"
#define MPT "fixtures/import/biologic_cell.mpt"
#define MPR_GCPL "fixtures/import/biologic_gcpl_cell.mpr"
#define MPR_OCV "fixtures/import/biologic_ocv_cell.mpr"
/* biologic_cell.mpr: magic 52, "VMP Set" (header 65, 100 bytes), "VMP
 * data" header 65, then the data module: its rows start 406 bytes in. */
#define DATA_MOD 282
#define ROWS_AT (DATA_MOD + 406)
#define REC 83	   /* flags, Ns, time, 3 x f4, 2 x f8, T, 5 x f8 */
#define REC_TIME 3 /* after the flags byte and Ns */

Test(import_mpr, detected_from_content_whatever_the_name)
{
	char *dir = tmpdir_new("mprname");
	size_t n;
	unsigned char *b = imptest_slurp(MPR, &n);
	char *path = imptest_write_bytes(dir, "export.csv", b, n);
	const struct import_format *f = import_detect(path);

	cr_assert_not_null(f);
	cr_expect_str_eq(f->name, "biologic_mpr");
	cr_expect_str_eq(import_detect(MPR_PEIS)->name, "biologic_mpr");
	unlink(path);
	rmdir(dir);
	free(path);
	free(b);
	free(dir);
}

/* The binary and the text export of one test are one test. */
Test(import_mpr, same_test_as_the_text_export)
{
	const char *bins[] = {MPR, MPR_PEIS};
	struct cycles t, b;
	struct import_result rt, rb;

	imptest_cycles(MPT, NULL, &t, &rt);
	for (size_t i = 0; i < 2; i++) {
		imptest_cycles(bins[i], NULL, &b, &rb);
		cr_expect_eq(rb.rows, rt.rows, "%s: %zu rows", bins[i],
			     rb.rows);
		cr_expect_eq(rb.steps, 11, "%s: %zu steps", bins[i], rb.steps);
		cr_assert_eq(b.n_cycles, 2);
		for (size_t k = 0; k < 2; k++) {
			cr_expect_eq(b.cycle[k].cycle, t.cycle[k].cycle);
			cr_expect_float_eq(b.cycle[k].chg_Ah, t.cycle[k].chg_Ah,
					   1e-6);
			cr_expect_float_eq(b.cycle[k].dchg_Ah,
					   t.cycle[k].dchg_Ah, 1e-6);
			cr_expect_gt(b.cycle[k].dchg_Ah, 1.0);
		}
		/* Our trapezoid against the file's Q charge / Q discharge. */
		cr_expect_geq(rb.counter_checks, 6, "%s", bins[i]);
		cr_expect_leq(rb.counter_max_dev, 0.005, "%s: %.4f", bins[i],
			      rb.counter_max_dev);
		cr_expect_eq(rb.counter_warnings, 0);
		cycles_free(&b);
	}
	cycles_free(&t);
}

Test(import_mpr, impedance_rows_left_out)
{
	struct import_opts o = {0};
	struct import_result r;

	cr_assert_eq(import_dry(MPR_PEIS, &o, &r), 0);
	cr_expect_eq(r.skipped_rows, 10);
	cr_expect_eq(r.rows, 365);
	cr_assert_eq(import_dry(MPR, &o, &r), 0);
	cr_expect_eq(r.skipped_rows, 0);
}

/* Sign, units, numbering and provenance as docs/importers.md says. */
Test(import_mpr, sign_units_numbering_provenance)
{
	struct import_info info;
	struct imptest_seen s;

	imptest_read(MPR, "biologic_mpr", &info, &s);
	cr_expect_eq(s.rows, 365);
	/* I/mA to A: 1 A charge, 1 A discharge (negative) in the fixture. */
	cr_expect_float_eq(s.max_I, 1.0, 1e-6);
	cr_expect_float_eq(s.min_I, -1.0, 1e-6);
	cr_expect_eq(s.max_cycle, 1); /* cycle number from 0 */
	cr_expect_gt(s.max_step, 2);
	cr_expect_gt(s.rest_rows, 0); /* the mode bits: rest */
	cr_expect_str_eq(info.instrument, "BioLogic");
	cr_expect(strstr(info.software, "data module v3"), "%s", info.software);
	cr_expect_str_eq(info.start_time_utc, "2021-03-04T10:00:00Z");
	cr_expect_float_eq(s.t0_unix, 1614852000.0, 1e-3);
	cr_expect(info.has_cycle && info.has_step && info.has_temperature);
}

struct rows_of {
	size_t n;
	double I_A[400], t_s[400];
	long cycle[400];
};

static int keep_row(void *ctx, const struct import_row *row)
{
	struct rows_of *w = ctx;

	if (w->n < sizeof(w->I_A) / sizeof(w->I_A[0])) {
		w->I_A[w->n] = row->current_A;
		w->t_s[w->n] = row->test_time_s;
		w->cycle[w->n] = row->cycle;
	}
	w->n++;
	return 0;
}

/* A GCPL file has no current column and no cycle number: the current is
 * dq over the time since the row before, the cycle EC-Lab's half cycle / 2,
 * the step totals dq summed by sign. The same test as biologic_cell.mpr
 * (tools/gen-import-bin.py): the same currents row by row, the same
 * cycles, and each cycle's Ah exactly the dq the file holds. */
Test(import_mpr, gcpl_current_from_dq_cycles_from_half_cycles)
{
	static struct rows_of gcpl, ref;
	struct import_info info;
	struct import_result r;
	struct cycles c;

	imptest_need(MPR_GCPL);
	cr_assert_eq(biologic_mpr_parse(MPR, &info, keep_row, &ref), 0);
	cr_assert_eq(biologic_mpr_parse(MPR_GCPL, &info, keep_row, &gcpl), 0);
	cr_assert_eq(gcpl.n, 365);
	cr_assert_eq(ref.n, gcpl.n);
	for (size_t i = 1; i < gcpl.n; i++) {
		/* a row at the instant of a step change (no time since the
		 * row before) takes the current of the row after it */
		size_t at = gcpl.t_s[i] > gcpl.t_s[i - 1] || i + 1 == gcpl.n
				? i
				: i + 1;

		cr_expect_float_eq(gcpl.I_A[i], ref.I_A[at], 1e-6,
				   "row %zu: %f %f", i + 1, gcpl.I_A[i],
				   ref.I_A[at]);
		cr_expect_eq(gcpl.cycle[i], ref.cycle[i], "row %zu", i + 1);
	}
	cr_expect(info.has_cycle);

	imptest_cycles(MPR_GCPL, NULL, &c, &r);
	cr_assert_eq(c.n_cycles, 2);
	/* the file's dq summed by sign over each cycle's half cycles */
	cr_expect_float_eq(c.cycle[0].chg_Ah, 1.150582, 1e-6, "%.6f",
			   c.cycle[0].chg_Ah);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, 1.083333, 1e-6, "%.6f",
			   c.cycle[0].dchg_Ah);
	cr_expect_float_eq(c.cycle[1].dchg_Ah, 1.066667, 1e-6, "%.6f",
			   c.cycle[1].dchg_Ah);
	cycles_free(&c);
}

/* An OCV file holds time and Ewe alone: the cell at rest, 0 A. */
Test(import_mpr, ocv_without_current_is_at_rest)
{
	struct import_info info;
	struct imptest_seen s;

	imptest_read(MPR_OCV, "biologic_mpr", &info, &s);
	cr_expect_eq(s.rows, 6);
	cr_expect_eq(s.rest_rows, 6);
	cr_expect_float_eq(s.min_I, 0, 1e-12);
	cr_expect_float_eq(s.max_I, 0, 1e-12);
	cr_expect_float_eq(s.t_end, 300.0, 1e-9);
}

/* Refused, naming the file and want, with nothing written. */
static void refused(const char *name, const unsigned char *b, size_t n,
		    const char *want)
{
	imptest_refused_bytes(name, b, n, "biologic_mpr", want, NULL);
}

Test(import_mpr, truncated_files_refused_with_offset)
{
	size_t n;
	unsigned char *b = imptest_slurp(MPR, &n);

	refused("cut_magic.mpr", b, 20, "offset 0: truncated file");
	refused("cut_module.mpr", b, 100, "offset 52:");
	refused("cut_header.mpr", b, DATA_MOD + 2, "truncated");
	/* The last record half there: the module is shorter than its
	 * header says. */
	refused("cut_rows.mpr", b, n - 600 - 65 - REC / 2,
		"offset 217: truncated file: module 'VMP data'");
	/* One record more announced than the module holds. */
	b[DATA_MOD]++;
	refused("count.mpr", b, n, "366 records of 83 bytes announced");
	free(b);
}

Test(import_mpr, wrong_magic_and_corrupt_records_refused)
{
	size_t n;
	unsigned char *b = imptest_slurp(MPR, &n);
	unsigned char *c = malloc(n);
	double nan_time = NAN;

	memcpy(c, b, n);
	memcpy(c, "BIO-LOGIC MODULAR FILX", 22);
	refused("magic.mpr", c, n, "not a BioLogic .mpr");

	memcpy(c, b, n);
	memcpy(c + 52, "MODULX", 6);
	refused("module.mpr", c, n, "offset 52: corrupt file");

	/* Record 5's time is not a number. */
	memcpy(c, b, n);
	memcpy(c + ROWS_AT + 4 * REC + REC_TIME, &nan_time, 8);
	refused("nan.mpr", c, n, "record 5 at offset");

	/* A column id nobody knows: the record size is unknown. */
	memcpy(c, b, n);
	c[DATA_MOD + 5] = 0xee;
	c[DATA_MOD + 6] = 0x0e;
	refused("colid.mpr", c, n, "column id 3822 unknown");

	/* Time going back between two records. */
	memcpy(c, b, n);
	memcpy(c + ROWS_AT + 9 * REC + REC_TIME,
	       c + ROWS_AT + 2 * REC + REC_TIME, 8);
	refused("back.mpr", c, n, ":10: test time goes back");
	free(c);
	free(b);
}

/* Binary content no binary format claims is no text export either. */
Test(import_mpr, unknown_binary_refused)
{
	size_t n;
	unsigned char *b = imptest_slurp(MPR, &n);

	b[0] = 'X'; /* no magic: no format claims it */
	imptest_refused_bytes("y.mpr", b, n, NULL, "binary content", NULL);
	free(b);
}
