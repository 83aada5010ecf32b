/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_ndax.c - Neware .ndax (docs/importers.md) on real files
 * (fixtures/import/real/README.md): the .ndc version 14, 16 and 17 streams
 * joined by
 * record index, our integration against the instrument's step counters,
 * sign, time base, numbering, provenance, and archives that are cut,
 * corrupt, lack an entry or hold an unknown version refused naming the
 * file and entry, nothing written (fixtures/import/ndax_bad/, written by
 * tools/gen-ndax-bad.py). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/formats.h"
#include "imptest.h"
#include "support.h"

TestSuite(import_ndax, .timeout = 60);

#define BTS85 "fixtures/import/real/ndax_ndc14_BTS85_cut.ndax"
#define UNIT27 "fixtures/import/real/ndax_ndc14_Unit27_Example.ndax"
#define NDC16 "fixtures/import/real/ndax_ndc16_46_1_5_60.ndax"
#define NDC17 "fixtures/import/real/ndax_ndc17_TESTCELL0001.ndax"
#define NDC11 "fixtures/import/ndax_v11.ndax"
#define BAD "fixtures/import/ndax_bad/"

Test(import_ndax, detected_from_content_whatever_the_name)
{
	const char *files[] = {BTS85, UNIT27, BAD "no_data.ndax"};
	char *dir = tmpdir_new("ndaxname");

	for (size_t i = 0; i < 3; i++) {
		size_t n;
		unsigned char *b = imptest_slurp(files[i], &n);
		char *path = imptest_write_bytes(dir, "export.csv", b, n);
		const struct import_format *f = import_detect(path);

		cr_assert_not_null(f, "%s", files[i]);
		cr_expect_str_eq(f->name, "neware_ndax", "%s", files[i]);
		unlink(path);
		free(path);
		free(b);
	}
	rmdir(dir);
	free(dir);
}

/* BTS 8.5, a coin cell: rest, a full charge, the first 11,741 s of the
 * discharge. The instrument's counters (data_runInfo.ndc, the step's last
 * record): charge 0.0010570274 Ah, 0.0033708264 Wh; discharge at record
 * 69273 0.00021648106 Ah. Ours within 0.5 % of them. */
Test(import_ndax, agrees_with_the_instrument_counters)
{
	struct import_result r;
	struct cycles c;

	imptest_cycles(BTS85, NULL, &c, &r);
	cr_expect_eq(r.rows, 69300);
	cr_expect_eq(r.steps, 3);
	cr_expect_eq(r.skipped_rows, 0);
	cr_expect_geq(r.counter_checks, 1);
	cr_expect_leq(r.counter_max_dev, 0.005, "%.4f", r.counter_max_dev);
	cr_expect_eq(r.counter_warnings, 0);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_eq(c.cycle[0].cycle, 1);
	cr_expect_float_eq(c.cycle[0].chg_Ah, 0.0010570274, 0.005 * 0.00106);
	cr_expect_float_eq(c.cycle[0].chg_Wh, 0.0033708264, 0.005 * 0.00337);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, 0.00021648106, 0.005 * 0.000217);
	cycles_free(&c);
}

Test(import_ndax, sign_units_time_numbering_provenance)
{
	struct import_info info;
	struct imptest_seen s;

	/* A 5-minute rest sampled each second; data_runInfo.ndc times 8 of
	 * the 301 records, the others get theirs by record index. */
	imptest_read(UNIT27, "neware_ndax", &info, &s);
	cr_expect_eq(s.rows, 301);
	cr_expect_eq(s.rest_rows, 301);
	cr_expect_float_eq(s.t_end, 300.0, 1e-6);
	cr_expect_float_eq(s.t0_unix, 1731933825.422, 1e-3);
	cr_expect(s.min_V > 2.98 && s.max_V < 2.99, "%f %f", s.min_V, s.max_V);
	cr_expect_float_eq(s.max_I, 0, 1e-9);
	cr_expect(s.min_T > 25.0 && s.max_T < 26.0, "%f %f", s.min_T, s.max_T);
	cr_expect_eq(s.max_cycle, 1);
	cr_expect_eq(s.max_step, 1);
	cr_expect(info.has_cycle && info.has_step && info.has_temperature);
	cr_expect_str_eq(info.software, "BTS Client 8.0.0.513(2023.11.27)");
	cr_expect(strstr(info.instrument,
			 "BTSServer(R3)-8.0.0.390 (2024.06.24), unit "
			 "4S_8.0.8.0_20240613_154744"),
		  "%s", info.instrument);

	/* Charge positive, discharge negative; the steps' clocks laid end
	 * to end (rest 61 s, charge 57316.4 s, discharge to 11768 s). */
	imptest_read(BTS85, "neware_ndax", &info, &s);
	cr_expect_eq(s.rows, 69300);
	cr_expect_gt(s.max_I, 0);
	cr_expect_lt(s.min_I, 0);
	cr_expect_eq(s.chg_neg + s.dchg_pos, 0);
	cr_expect_eq(s.max_step, 3);
	cr_expect(s.t_end > 69000 && s.t_end < 69300, "%f", s.t_end);
	cr_expect(!info.has_temperature);
}

/* BTS 8.0.1 with .ndc version 16 (0.1 mV, mA, mAs counters, the aux
 * channel as data_1.ndc with temperature in 0.1 degC): rest 10 s, charge
 * and discharge 30 s at 1.98 A, rest 10 s; and version 17 (V, A, Ah) with
 * data_AUX_225_3_1.ndc: rest, charge, rest, discharge, rest of 15 s. The
 * instrument's counters: 16.681528 and 16.640799 mAh; 4.166538 and
 * 4.166531 mAh. */
Test(import_ndax, versions_16_and_17)
{
	struct {
		const char *path;
		size_t rows;
		long steps;
		double chg_Ah, dchg_Ah, T_lo, T_hi;
	} f[] = {
	    {NDC16, 84, 4, 0.016681528, 0.016640799, 23.0, 24.5},
	    {NDC17, 80, 5, 0.004166538, 0.004166531, 27.0, 29.0},
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct import_result r;
		struct import_info info;
		struct imptest_seen s;
		struct cycles c;

		imptest_read(f[i].path, "neware_ndax", &info, &s);
		cr_expect_eq(s.rows, f[i].rows, "%s", f[i].path);
		cr_expect_eq(s.max_step, f[i].steps, "%s", f[i].path);
		cr_expect_eq(s.chg_neg + s.dchg_pos, 0, "%s", f[i].path);
		/* amperes, not milliamperes; volts, not 0.1 mV */
		cr_expect(s.max_I > 0.2 && s.max_I < 2.5, "%s: %f", f[i].path,
			  s.max_I);
		cr_expect(s.min_V > 2.5 && s.max_V < 4.3, "%s: %f %f",
			  f[i].path, s.min_V, s.max_V);
		cr_expect(info.has_temperature && s.temp_rows == s.rows, "%s",
			  f[i].path);
		cr_expect(s.min_T > f[i].T_lo && s.max_T < f[i].T_hi,
			  "%s: %f %f", f[i].path, s.min_T, s.max_T);
		cr_expect_str_eq(info.software,
				 "BTS Client 8.0.1.492(2025.01.23)");

		imptest_cycles(f[i].path, NULL, &c, &r);
		cr_expect_eq(r.skipped_rows, 0, "%s", f[i].path);
		cr_expect_geq(r.counter_checks, 2, "%s", f[i].path);
		cr_expect_leq(r.counter_max_dev, 0.005, "%s: %.4f", f[i].path,
			      r.counter_max_dev);
		cr_assert_eq(c.n_cycles, 1, "%s", f[i].path);
		cr_expect_float_eq(c.cycle[0].chg_Ah, f[i].chg_Ah,
				   0.005 * f[i].chg_Ah, "%s: %f", f[i].path,
				   c.cycle[0].chg_Ah);
		cr_expect_float_eq(c.cycle[0].dchg_Ah, f[i].dchg_Ah,
				   0.005 * f[i].dchg_Ah, "%s: %f", f[i].path,
				   c.cycle[0].dchg_Ah);
		cycles_free(&c);
	}
}

/* Version 11 as NewareNDA describes it (no real file was at hand): the
 * version-16 sample laid out in its 37- and 47-byte records by
 * tools/gen-ndax-v11.py. The same rows, steps and counters; its aux
 * channel is not read, and the import says so rather than failing. */
Test(import_ndax, version_11_layout)
{
	struct import_result r;
	struct import_info info;
	struct imptest_seen s;
	struct cycles c;

	imptest_read(NDC11, "neware_ndax", &info, &s);
	cr_expect_eq(s.rows, 84);
	cr_expect_eq(s.max_step, 4);
	cr_expect(!info.has_temperature && s.temp_rows == 0);
	cr_expect(s.max_I > 1.9 && s.max_I < 2.1, "%f", s.max_I);
	imptest_cycles(NDC11, NULL, &c, &r);
	cr_expect_geq(r.counter_checks, 2);
	cr_expect_leq(r.counter_max_dev, 0.005, "%.4f", r.counter_max_dev);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_float_eq(c.cycle[0].chg_Ah, 0.016681528, 1e-4 * 0.0167);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, 0.016640799, 1e-4 * 0.0166);
	cycles_free(&c);
}

/* A version 14 or 17 aux float means what TestInfo.xml's channel type
 * says: the same archive with its channels called humidity (345) imports
 * without temperature, never with humidity read as degrees. */
Test(import_ndax, aux_read_only_as_a_temperature_channel)
{
	struct import_info info;
	struct imptest_seen s;

	imptest_read(BAD "aux_humidity.ndax", "neware_ndax", &info, &s);
	cr_expect_eq(s.rows, 301);
	cr_expect(!info.has_temperature);
	cr_expect_eq(s.temp_rows, 0);
	imptest_read(UNIT27, "neware_ndax", &info, &s);
	cr_expect(info.has_temperature && s.temp_rows == 301);
}

struct clock_of {
	unsigned long line;
	double unix_s;
};

static int clock_of_row(void *ctx, const struct import_row *row)
{
	struct clock_of *w = ctx;

	if (row->line == w->line)
		w->unix_s = row->unix_time_s;
	return 0;
}

/* A runInfo page holds 72 records of 55 bytes (bytes 132 to 4092): the
 * last one of each page is read too. Record 433 is page 1's 72nd: its own
 * clock, 1714979143.738, not one interpolated from 431 and 460. */
Test(import_ndax, last_runinfo_record_of_a_page)
{
	struct import_info info;
	struct clock_of w = {.line = 433, .unix_s = NAN};

	imptest_need(BTS85);
	cr_assert_eq(neware_ndax_parse(BTS85, &info, clock_of_row, &w), 0);
	cr_expect_float_eq(w.unix_s, 1714979143.738, 1e-4, "%.4f", w.unix_s);
	w.line = 432; /* halfway between 431 (142.238) and 433 */
	w.unix_s = NAN;
	cr_assert_eq(neware_ndax_parse(BTS85, &info, clock_of_row, &w), 0);
	cr_expect_float_eq(w.unix_s, 1714979142.988, 1e-4, "%.4f", w.unix_s);
}

/* Refused, naming the file and want, with nothing written. */
static void refused(const char *src, const char *want)
{
	imptest_refused(src, "neware_ndax", want, NULL);
}

Test(import_ndax, bad_archives_refused)
{
	refused(BAD "no_data.ndax", "no 'data.ndc' in the archive");
	refused(BAD "no_runinfo.ndax", "no 'data_runInfo.ndc' in the archive");
	refused(BAD "cut_page.ndax",
		"'data.ndc': offset 4096: truncated entry: page 1 needs 4096 "
		"bytes, has 1000");
	refused(BAD "ndc_v5.ndax",
		"'data.ndc': offset 0: .ndc file type 1 version 5: this "
		"version reads file type 1 versions 11, 14, 16 and 17");
	refused(BAD "bad_status.ndax", "'data_step.ndc' record 1 at offset "
				       "4228: corrupt record: unknown step "
				       "type 99");
}

Test(import_ndax, cut_and_corrupt_zip_refused)
{
	char *dir = tmpdir_new("ndaxzip");
	size_t n;
	unsigned char *b = imptest_slurp(UNIT27, &n);
	unsigned char *name = memmem(b, n, "data.ndc", 8);
	char *src;

	src = imptest_write_bytes(dir, "cut.ndax", b, n / 2);
	refused(src, "not a readable zip archive");
	unlink(src);
	free(src);
	/* data.ndc's deflated bytes changed: the entry does not inflate to
	 * what its CRC says. */
	cr_assert_not_null(name);
	for (int i = 40; i < 80; i++)
		name[i] ^= 0x5a;
	src = imptest_write_bytes(dir, "corrupt.ndax", b, n);
	refused(src, "'data.ndc': offset 0: corrupt entry");
	unlink(src);
	free(src);
	rmdir(dir);
	free(dir);
	free(b);
}
