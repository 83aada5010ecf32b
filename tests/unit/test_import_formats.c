/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_formats.c - every text format read from its fixture
 * (fixtures/import/), detected from content, converted to our convention,
 * and our integration checked against the instrument's own counters; bad
 * input refused with file, line and the problem (docs/importers.md). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/csvtok.h"
#include "imptest.h"
#include "support.h"

TestSuite(import, .timeout = 60);

/* clang-format off */
static const struct {
	const char *path, *format;
	int counters;
	size_t steps;
} fx[] = {
	{"fixtures/import/arbin_cell.csv",       "arbin_csv",    1, 11},
	{"fixtures/import/neware_cell.csv",      "neware_csv",   1, 11},
	{"fixtures/import/neware_flat_cell.csv", "neware_csv",   1, 11},
	{"fixtures/import/biologic_cell.mpt",    "biologic_txt", 1, 11},
	{"fixtures/import/maccor_cell.txt",      "maccor_txt",   1, 11},
	/* no step numbers: CC and CV are one charge by the current */
	{"fixtures/import/bdf_cell.csv",         "bdf_csv",      0, 9},
};
/* clang-format on */

Test(import, every_fixture_detected_from_content)
{
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		const struct import_format *f = import_detect(fx[i].path);

		cr_assert_not_null(f, "%s not detected", fx[i].path);
		cr_expect_str_eq(f->name, fx[i].format, "%s", fx[i].path);
	}
}

Test(import, detection_ignores_the_file_name)
{
	char *dir = tmpdir_new("impname");
	char path[512], cmd[1100];

	/* An Arbin export saved as .mpt is still Arbin. */
	snprintf(path, sizeof(path), "%s/looks_like_biologic.mpt", dir);
	snprintf(cmd, sizeof(cmd), "cp fixtures/import/arbin_cell.csv %s",
		 path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_str_eq(import_detect(path)->name, "arbin_csv");
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* Every fixture holds the same two-cycle test: 365 rows, 11 steps (a rest,
 * then CC charge, CV charge, rest, discharge, rest per cycle); our
 * integration agrees with the instrument's step totals within 0.5 %. */
Test(import, every_format_same_rows_and_counters_agree)
{
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		struct import_opts o = {0};
		struct import_result r;

		cr_assert_eq(import_dry(fx[i].path, &o, &r), 0, "%s",
			     fx[i].path);
		cr_expect_eq(r.rows, 365, "%s: %zu rows", fx[i].path, r.rows);
		cr_expect_eq(r.steps, fx[i].steps, "%s: %zu steps", fx[i].path,
			     r.steps);
		if (!fx[i].counters)
			continue;
		/* 2 charge steps + 1 CV + 1 discharge per cycle. */
		cr_expect_geq(r.counter_checks, 6, "%s: %zu checks", fx[i].path,
			      r.counter_checks);
		cr_expect_lt(r.counter_max_dev, IMPORT_COUNTER_TOL, "%s: %.4f",
			     fx[i].path, r.counter_max_dev);
		cr_expect_eq(r.counter_warnings, 0);
	}
}

struct first_rows {
	size_t n;
	struct import_row row[400];
};

static int keep(void *ctx, const struct import_row *r)
{
	struct first_rows *f = ctx;

	if (f->n < 400)
		f->row[f->n++] = *r;
	return 0;
}

/* The discharge is 1 A: negative after conversion whatever the file's
 * convention (signed A, unsigned A with state D, mA magnitudes under a
 * DChg step, mA with a decimal comma). */
Test(import, discharge_current_is_negative_in_every_format)
{
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		const struct import_format *f = import_detect(fx[i].path);
		struct import_info info = {0};
		struct first_rows *fr = calloc(1, sizeof(*fr));
		int seen = 0;

		cr_assert_eq(f->parse(fx[i].path, &info, keep, fr), 0);
		for (size_t k = 0; k < fr->n; k++) {
			/* 5 min rest, 60 min CC, 30 min CV, 10 min rest: the
			 * discharge of cycle 1 runs 6300..10200 s. */
			if (fr->row[k].test_time_s > 6400 &&
			    fr->row[k].test_time_s < 10000) {
				cr_expect(
				    fabs(fr->row[k].current_A + 1.0) < 1e-3,
				    "%s line %lu: %g A", fx[i].path,
				    fr->row[k].line, fr->row[k].current_A);
				seen++;
			}
			if (fr->row[k].test_time_s > 400 &&
			    fr->row[k].test_time_s < 3800)
				cr_expect(
				    fabs(fr->row[k].current_A - 1.0) < 1e-3,
				    "%s line %lu: %g A", fx[i].path,
				    fr->row[k].line, fr->row[k].current_A);
		}
		cr_expect_gt(seen, 50, "%s", fx[i].path);
		free(fr);
	}
}

Test(import, biologic_preamble_and_decimal_comma)
{
	struct import_info info = {0};
	struct first_rows *fr = calloc(1, sizeof(*fr));

	cr_assert_eq(
	    import_format_by_name("biologic_txt")
		->parse("fixtures/import/biologic_cell.mpt", &info, keep, fr),
	    0);
	cr_expect(strstr(info.software, "EC-Lab for Windows v11.36"), "%s",
		  info.software);
	cr_expect(strstr(info.instrument, "VMP3"), "%s", info.instrument);
	cr_expect_str_eq(info.start_time_utc, "2021-03-04T10:00:00Z");
	cr_expect_float_eq(fr->row[1].test_time_s, 60.0, 1e-9);
	cr_expect_float_eq(fr->row[0].voltage_V, 3.12, 1e-9);
	cr_expect_float_eq(fr->row[0].temperature_C, 25.0, 1e-9);
	free(fr);
}

/* Cycle totals of our integration against the instrument's per-cycle
 * figures: the Neware cycle rows (Cap_Chg, Cap_DChg in mAh) and the last
 * Arbin row of each cycle (Charge_Capacity(Ah) runs per cycle). */
Test(import, neware_cycle_rows_match_our_cycles)
{
	struct cycles c;
	char line[512];
	FILE *f = fopen("fixtures/import/neware_cell.csv", "r");
	size_t k = 0;

	cr_assert_not_null(f);
	imptest_cycles("fixtures/import/neware_cell.csv", NULL, &c, NULL);
	cr_assert_eq(c.n_cycles, 2);
	while (fgets(line, sizeof(line), f)) {
		long cyc;
		double chg_mAh, dchg_mAh;

		if (sscanf(line, "%ld,%lf,%lf", &cyc, &chg_mAh, &dchg_mAh) != 3)
			continue;
		cr_assert_lt(k, c.n_cycles);
		cr_expect_eq(c.cycle[k].cycle, cyc);
		cr_expect_lt(fabs(c.cycle[k].chg_Ah * 1e3 - chg_mAh) / chg_mAh,
			     0.005, "cycle %ld: %g vs %g mAh", cyc,
			     c.cycle[k].chg_Ah * 1e3, chg_mAh);
		cr_expect_lt(fabs(c.cycle[k].dchg_Ah * 1e3 - dchg_mAh) /
				 dchg_mAh,
			     0.005);
		k++;
	}
	cr_expect_eq(k, 2);
	fclose(f);
	cycles_free(&c);
}

Test(import, arbin_cycle_counters_match_our_cycles)
{
	struct cycles c;
	struct import_info info = {0};
	struct first_rows *fr = calloc(1, sizeof(*fr));

	imptest_cycles("fixtures/import/arbin_cell.csv", NULL, &c, NULL);
	cr_assert_eq(
	    import_format_by_name("arbin_csv")
		->parse("fixtures/import/arbin_cell.csv", &info, keep, fr),
	    0);
	for (size_t k = 0; k < c.n_cycles; k++) {
		const struct import_row *last = NULL;

		for (size_t i = 0; i < fr->n; i++)
			if (fr->row[i].cycle == c.cycle[k].cycle)
				last = &fr->row[i];
		cr_assert_not_null(last);
		cr_expect_lt(fabs(c.cycle[k].chg_Ah - last->chg_Ah) /
				 last->chg_Ah,
			     0.005, "cycle %ld: %g vs %g Ah", c.cycle[k].cycle,
			     c.cycle[k].chg_Ah, last->chg_Ah);
		cr_expect_lt(fabs(c.cycle[k].dchg_Ah - last->dchg_Ah) /
				 last->dchg_Ah,
			     0.005);
		cr_expect_lt(fabs(c.cycle[k].dchg_Wh - last->dchg_Wh) /
				 last->dchg_Wh,
			     0.005);
		cr_expect_float_eq(c.cycle[k].resistance_ohm, 0.0512, 1e-9);
	}
	cr_expect_eq(c.n_cycles, 2);
	cycles_free(&c);
	free(fr);
}

/* A file without cycle or step numbers: our cycles (a charge after a
 * discharge starts the next), steps unknown. */
Test(import, bdf_without_numbering_derives_cycles)
{
	struct cycles c;

	imptest_cycles("fixtures/import/bdf_cell.csv", NULL, &c, NULL);
	cr_assert_eq(c.n_cycles, 2);
	cr_expect_eq(c.cycle[0].cycle, 1);
	cr_expect_eq(c.cycle[1].cycle, 2);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, 3900.0 / 3600.0, 1e-3);
	for (size_t k = 0; k < c.n_steps; k++)
		cr_expect_eq(c.step[k].step, -1);
	cycles_free(&c);
}

/* ---- the tokenizer ---- */

Test(import, tokenizer_quotes_separators_decimal_comma)
{
	struct csvtok c;
	char text[] = "\"a;b\";\" x \";3,5\n";
	FILE *f = fmemopen(text, sizeof(text) - 1, "r");
	double v;

	csvtok_init_stream(&c, f, "mem");
	cr_assert_eq(csvtok_next(&c), 1);
	csvtok_guess_sep(&c, c.buf);
	cr_assert_eq(c.sep, ';');
	cr_assert_eq(csvtok_split(&c), 3);
	cr_expect_str_eq(c.field[0], "a;b");
	cr_expect_str_eq(c.field[1], " x ");
	cr_assert_eq(csvtok_num(&c, c.field[2], &v), 0);
	cr_expect_float_eq(v, 3.5, 1e-12);
	cr_expect_lt(csvtok_num(&c, "3,5,1", &v), 0);
	cr_expect_lt(csvtok_num(&c, "", &v), 0);
	cr_expect_lt(csvtok_num(&c, "nan", &v), 0);
	cr_assert_eq(csvtok_next(&c), 0);
	csvtok_close(&c);
	fclose(f);
}

Test(import, durations_and_dates)
{
	double s;

	cr_assert_eq(csvtok_duration(NULL, "1-02:03:04.5", &s), 0);
	cr_expect_float_eq(s, 86400 + 7384.5, 1e-9);
	cr_assert_eq(csvtok_duration(NULL, "00:01:00.000", &s), 0);
	cr_expect_float_eq(s, 60, 1e-9);
	cr_expect_lt(csvtok_duration(NULL, "00:61:00", &s), 0);
	cr_assert_eq(csvtok_datetime("03/04/2021 01:00:00 PM", &s), 0);
	cr_expect_float_eq(s, 1614862800.0, 1e-6);
	cr_assert_eq(csvtok_datetime("2021-03-04 13:00:00", &s), 0);
	cr_expect_float_eq(s, 1614862800.0, 1e-6);
}

/* ---- bad input: refused with file:line and what was expected ---- */

static void refused(const char *name, const char *text, const char *format,
		    const char *want1, const char *want2)
{
	char *dir = tmpdir_new("impbad");
	char *src = tmpfile_write(dir, name, text);
	char loc[600];

	snprintf(loc, sizeof(loc), "%s:%s", src, want1);
	imptest_refused(src, format, loc, want2);
	unlink(src);
	rmdir(dir);
	free(src);
	free(dir);
}

#define ARBIN_HDR                                                              \
	"Data_Point,Test_Time(s),Date_Time,Step_Index,Cycle_Index,"            \
	"Current(A),Voltage(V),Charge_Capacity(Ah),Discharge_Capacity(Ah)\n"

Test(import, truncated_row_refused)
{
	refused("cut.csv",
		ARBIN_HDR "1,0,03/04/2021 10:00:00,1,1,1.0,3.5,0,0\n"
			  "2,60,03/04/2021 10:01:00,1,1,1.0,3.51,0.0167,0\n"
			  "3,120,03/04/2021 10:02:00,1,1,1.0",
		NULL, "4:", "truncated");
}

Test(import, header_only_refused)
{
	refused("empty.csv", ARBIN_HDR, NULL, " ", "no data rows");
}

Test(import, mixed_units_refused)
{
	refused("mixed.csv",
		"DataPoint,Cycle Index,Step Index,Step Type,Time,Total Time,"
		"Current(A),Voltage(V),Current(mA)\n"
		"1,1,1,CC Chg,00:00:00,00:00:00,1,3.5,1000\n",
		NULL, "1:", "mixed units");
}

Test(import, unknown_current_unit_refused)
{
	refused("ua.csv",
		"Data_Point,Test_Time(s),Step_Index,Cycle_Index,Current(uA),"
		"Voltage(V)\n1,0,1,1,1000,3.5\n",
		NULL, "1:", "no current column");
}

/* An EC-Lab OCV export holds time and Ewe alone: the cell at rest, 0 A;
 * a current in a unit not known is still refused, never read as 0 A. */
Test(import, eclab_ocv_text_at_rest)
{
	char *dir = tmpdir_new("impocv");
	char *src = tmpfile_write(dir, "ocv.mpt",
				  "EC-Lab ASCII FILE\nNb header lines : 3\n"
				  "mode\ttime/s\tEwe/V\t\n3\t0\t3.5\t\n"
				  "3\t60\t3.51\t\n3\t120\t3.52\t\n");
	struct import_info info;
	struct imptest_seen s;

	imptest_read(src, "biologic_txt", &info, &s);
	cr_expect_eq(s.rows, 3);
	cr_expect_eq(s.rest_rows, 3);
	cr_expect_float_eq(s.max_I, 0, 1e-12);
	cr_expect_float_eq(s.min_I, 0, 1e-12);
	cr_expect_float_eq(s.max_V, 3.52, 1e-9);
	unlink(src);
	rmdir(dir);
	free(src);
	free(dir);

	refused("ua.mpt",
		"EC-Lab ASCII FILE\nNb header lines : 3\n"
		"mode\ttime/s\tEwe/V\tI/uA\t\n1\t0\t3.5\t100\t\n",
		"biologic_txt", "3:", "no current column");
}

Test(import, time_going_back_refused)
{
	refused("back.csv",
		"Test Time / s,Voltage / V,Current / A\n0,3.5,1\n60,3.6,1\n"
		"30,3.7,1\n",
		NULL, "4:", "test time goes back");
}

Test(import, forced_wrong_format_refused)
{
	char text[8192] = "";
	FILE *f = fopen("fixtures/import/biologic_cell.mpt", "r");
	size_t n = fread(text, 1, sizeof(text) - 1, f);

	text[n] = '\0';
	fclose(f);
	refused("bio.mpt", text, "maccor_txt", "", "no column header");
}

Test(import, not_a_number_refused)
{
	refused("nan.csv",
		"Test Time / s,Voltage / V,Current / A\n0,3.5,1\n60,abc,1\n",
		NULL, "3:", "'abc' is not a number");
}

Test(import, neware_record_before_its_step_refused)
{
	refused("nested.csv",
		"Cycle ID,Cap_Chg(mAh),Cap_DChg(mAh)\n"
		",Step ID,Step Name,Step Time(h:min:s.ms)\n"
		",,Record ID,Time(h:min:s.ms),Voltage(V),Current(mA)\n"
		",,1,00:00:00.000,3.5,1000\n",
		NULL, "4:", "before its cycle and step rows");
}

Test(import, unknown_format_refused)
{
	refused("notes.txt", "hello\nworld\n", NULL,
		"1:", "not a format this version reads");
}

Test(import, existing_output_never_overwritten)
{
	char *dir = tmpdir_new("impexist");
	char *out = tmpfile_write(dir, "run.h5", "precious");
	struct import_opts o = {0};
	struct import_result r;
	char buf[16] = "";
	FILE *f;

	logcap_start();
	cr_expect_lt(import_file("fixtures/import/arbin_cell.csv", out, &o, &r),
		     0);
	logcap_stop();
	cr_expect(strstr(logcap_text(), "refusing to overwrite"));
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_expect_eq(fread(buf, 1, sizeof(buf) - 1, f), 8);
	cr_expect_str_eq(buf, "precious");
	fclose(f);
	unlink(out);
	rmdir(dir);
	free(out);
	free(dir);
}

/* ---- temperature column spellings ---- */

/* The first row's temperature of a one-row export with header hdr. */
static double first_temperature(const char *hdr, const char *row)
{
	char *dir = tmpdir_new("imptemp");
	char text[1024];
	char *src;
	struct import_info info = {0};
	struct first_rows *fr = calloc(1, sizeof(*fr));
	const struct import_format *f;
	double t;

	snprintf(text, sizeof(text), "%s\n%s\n", hdr, row);
	src = tmpfile_write(dir, "t.csv", text);
	f = import_detect(src);
	cr_assert_not_null(f, "%s", hdr);
	cr_assert_eq(f->parse(src, &info, keep, fr), 0, "%s", hdr);
	cr_assert_eq(fr->n, 1);
	cr_expect(info.has_temperature, "%s", hdr);
	t = fr->row[0].temperature_C;
	free(fr);
	unlink(src);
	rmdir(dir);
	free(src);
	free(dir);
	return t;
}

/* Neware BTS 8 writes the degree Celsius sign U+2103 ("T1(℃)"); Arbin's
 * auxiliary channel "Aux_Temperature_1(C)", in MITS Pro 8 with blanks. */
Test(import, temperature_column_spellings)
{
	static const char nw_hdr[] =
	    "DataPoint,Cycle Index,Step Index,Step Type,Time,Total Time,"
	    "Current(A),Voltage(V),%s,Date";
	static const char nw_row[] = "1,1,1,Rest,00:00:00.000,00:00:00.000,0,"
				     "3.12,24.5,2021-03-04 10:00:00";
	static const char ar_hdr[] =
	    "Data_Point,Test_Time(s),Date_Time,Step_Index,Cycle_Index,"
	    "Current(A),Voltage(V),%s";
	static const char ar_row[] = "1,0,03/04/2021 10:00:00,1,1,0,3.12,24.5";
	static const char *const nw[] = {"T1(\xe2\x84\x83)",
					 "Temperature(\xe2\x84\x83)",
					 "Temperature(\xc2\xb0"
					 "C)",
					 "T1(C)"};
	static const char *const ar[] = {
	    "Aux_Temperature_1(C)", "Aux_Temperature_1 (C)",
	    "Aux_Temperature_1(\xe2\x84\x83)", "Temperature(\xe2\x84\x83)"};
	char hdr[512];

	for (size_t i = 0; i < sizeof(nw) / sizeof(nw[0]); i++) {
		snprintf(hdr, sizeof(hdr), nw_hdr, nw[i]);
		cr_expect_float_eq(first_temperature(hdr, nw_row), 24.5, 1e-9,
				   "%s", nw[i]);
	}
	for (size_t i = 0; i < sizeof(ar) / sizeof(ar[0]); i++) {
		snprintf(hdr, sizeof(hdr), ar_hdr, ar[i]);
		cr_expect_float_eq(first_temperature(hdr, ar_row), 24.5, 1e-9,
				   "%s", ar[i]);
	}
}
