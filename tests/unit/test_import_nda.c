/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_nda.c - Neware .nda (docs/importers.md) on real files
 * (fixtures/import/real/README.md): versions 29 and 130 (BTS 9.0 and 9.1
 * records), our integration against the instrument's own counters, sign,
 * numbering, provenance, and truncated, foreign, corrupt and unsupported
 * files refused naming the file and offset, nothing written. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imptest.h"
#include "runfile/runfile.h"
#include "support.h"

TestSuite(import_nda, .timeout = 60);

#define BTS91 "fixtures/import/real/nda130_bts91_TestFile.nda"
#define BTS90 "fixtures/import/real/nda130_bts90_2-1-6_61_cut.nda"
#define V29 "fixtures/import/real/nda29_new_nda_file.nda"
#define REC91(i) (1024 + ((i)-1) * 56)	/* record i (from 1), BTS 9.1 */
#define REC29(i) (85471 + ((i)-1) * 86) /* nda29_new_nda_file.nda */

Test(import_nda, detected_from_content_whatever_the_name)
{
	const char *files[] = {BTS91, BTS90, V29};
	char *dir = tmpdir_new("ndaname");

	for (size_t i = 0; i < 3; i++) {
		size_t n;
		unsigned char *b = imptest_slurp(files[i], &n);
		char *path = imptest_write_bytes(dir, "export.csv", b, n);
		const struct import_format *f = import_detect(path);

		cr_assert_not_null(f, "%s", files[i]);
		cr_expect_str_eq(f->name, "neware_nda", "%s", files[i]);
		unlink(path);
		free(path);
		free(b);
	}
	rmdir(dir);
	free(dir);
}

/* BTS 9.1: two full cycles of a ~5.8 Ah cell. The instrument's per-step
 * counters (the signed capacity at each step's last record, mA.s) give
 * cycle 1: charge 20358316 + 561373.6 (CC, CV), discharge 20903926;
 * cycle 2: charge 20375484 + 558842.8. Ours within 0.5 % of them. */
Test(import_nda, bts91_agrees_with_the_instrument_counters)
{
	struct cycles c;
	struct import_result r;

	imptest_cycles(BTS91, NULL, &c, &r);
	cr_expect_eq(r.rows, 6670);
	cr_expect_eq(r.steps, 11);
	cr_expect_geq(r.counter_checks, 6);
	cr_expect_leq(r.counter_max_dev, 0.005, "%.4f", r.counter_max_dev);
	cr_expect_eq(r.counter_warnings, 0);
	cr_assert_eq(c.n_cycles, 3);
	/* The file counts cycle 0 until the first charge. */
	cr_expect_eq(c.cycle[0].cycle, 0);
	cr_expect_eq(c.cycle[1].cycle, 1);
	cr_expect_float_eq(c.cycle[0].chg_Ah, 0, 1e-9);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, 13644605.0 / 3.6e6,
			   0.005 * 3.79);
	cr_expect_float_eq(c.cycle[1].chg_Ah, (20358316.0 + 561373.6) / 3.6e6,
			   0.005 * 5.81);
	cr_expect_float_eq(c.cycle[1].dchg_Ah, 20903926.0 / 3.6e6,
			   0.005 * 5.81);
	cr_expect_float_eq(c.cycle[2].chg_Ah, (20375484.0 + 558842.8) / 3.6e6,
			   0.005 * 5.82);
	cycles_free(&c);
}

/* A binary file reads faster than the writer writes: a full ring waits
 * for the writer, never drops a row (here a ring of 64 samples). */
Test(import_nda, rows_never_dropped_when_the_writer_lags)
{
	struct import_opts o = {.ring_samples = 64};
	struct import_result r;
	struct cycles c;

	imptest_cycles(BTS91, &o, &c, &r);
	cr_expect_eq(r.rows, 6670);
	cr_assert_eq(c.n_cycles, 3);
	cr_expect_float_eq(c.cycle[1].dchg_Ah, 20903926.0 / 3.6e6,
			   0.005 * 5.81);
	cycles_free(&c);
}

/* BTS 9.0, a pulse test (docs/importers.md, "Neware BTS binary"): one
 * Pulse step of -1700 mA for 57.5 ms and -100 mA for 405 ms, two records a
 * period (the pulse's last sample, the base current 4 ms on). The counters
 * (-69414.56 mA.s and -280528.31 mW.s at record 1000, -138.22 and -559.39
 * at record 1, which the import leaves out as counted before the file)
 * are the step's: 299 mA on average, as the pulse's settings give. A
 * trapezoid over the edge samples gives 900 mA, three times it: the import
 * keeps the counts, charge and energy, and says why the rows differ. */
Test(import_nda, bts90_pulse_step_counted_and_explained)
{
	char *dir = tmpdir_new("ndapulse");
	char out[512];
	struct import_opts o = {0};
	struct import_result r;
	struct runfile *rf;
	struct run_step *st;
	struct run_event *ev;
	size_t n_st, n_ev, checks = 0;
	struct cycles c;

	snprintf(out, sizeof(out), "%s/run.h5", dir);
	cr_assert_eq(import_file(BTS90, out, &o, &r), 0);
	cr_expect_eq(r.rows, 1000);
	cr_expect_eq(r.steps, 1);
	cr_expect_eq(r.counter_checks, 1);
	cr_expect_eq(r.counter_warnings, 1);
	cr_expect_eq(r.counter_unresolved, 1);
	cr_expect(r.counter_max_dev > 1.9 && r.counter_max_dev < 2.1, "%f",
		  r.counter_max_dev);
	cr_assert_eq(runfile_open(out, &rf), 0);
	cr_assert_eq(runfile_steps(rf, &st, &n_st), 0);
	cr_assert_eq(runfile_events(rf, &ev, &n_ev), 0);
	cr_assert_eq(n_st, 1);
	cr_expect_str_eq(st[0].kind, "other");
	cr_expect_float_eq(st[0].discharge_Ah, (69414.5625 - 138.221) / 3.6e6,
			   1e-7);
	cr_expect_float_eq(st[0].charge_Ah, 0, 1e-9);
	cr_expect_float_eq(st[0].discharge_Wh, (280528.3125 - 559.3855) / 3.6e6,
			   1e-7);
	for (size_t i = 0; i < n_ev; i++) {
		if (strcmp(ev[i].code, "bench:IMPORT_CHECK"))
			continue;
		checks++;
		cr_expect(strstr(ev[i].message, "pulse or profile") &&
			      strstr(ev[i].message, "(kept)"),
			  "%s", ev[i].message);
	}
	cr_expect_eq(checks, 1);
	/* bench cycles: the counts, not the rows' 3 times as much. */
	cr_assert_eq(cycles_load(out, &c), 0);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, st[0].discharge_Ah, 1e-9);
	cr_expect_float_eq(c.cycle[0].dchg_Wh, st[0].discharge_Wh, 1e-9);
	cycles_free(&c);
	free(st);
	free(ev);
	runfile_close(rf);
	unlink(out);
	rmdir(dir);
	free(dir);
}

/* The whole BTS 9.0 file ends its records with a 0x81 record, then a
 * footer (the procedure, the software, a copy of the last record at no
 * record boundary): the data ends there, the footer is not read. */
Test(import_nda, bts90_footer_ends_the_data)
{
	char *dir = tmpdir_new("ndafoot");
	size_t n;
	unsigned char *b = imptest_slurp(BTS90, &n);
	unsigned char *c = malloc(n + 3 * 88);
	struct import_opts o = {0};
	struct import_result r;
	char *path;

	memcpy(c, b, n);
	memset(c + n, 0, 3 * 88);
	c[n] = 0x81;
	memset(c + n + 88, 0x77, 88); /* a corrupt record, if it were one */
	memcpy(c + n + 2 * 88, b + n - 88, 88);
	path = imptest_write_bytes(dir, "footer.nda", c, n + 3 * 88);
	cr_assert_eq(import_dry(path, &o, &r), 0);
	cr_expect_eq(r.rows, 1000);
	cr_expect_eq(r.steps, 1);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	free(c);
	free(b);
}

/* Sign, units, time base, numbering and provenance as
 * docs/importers.md says. */
Test(import_nda, sign_units_numbering_provenance)
{
	struct import_info info;
	struct imptest_seen s;

	imptest_read(BTS91, "neware_nda", &info, &s);
	cr_expect_eq(s.rows, 6670);
	cr_expect_float_eq(s.max_I, 1.2008, 1e-3);  /* 1200 mA charge */
	cr_expect_float_eq(s.min_I, -3.0002, 1e-3); /* 3000 mA discharge */
	cr_expect_eq(s.chg_neg + s.dchg_pos, 0);
	cr_expect_eq(s.max_cycle, 2);
	cr_expect_eq(s.max_step, 11);
	cr_expect_gt(s.rest_rows, 0);
	cr_expect(s.max_T > 20 && s.max_T < 40, "%f", s.max_T);
	cr_expect_float_eq(s.t0_unix, 1716796973.97, 1e-3);
	cr_expect_float_eq(s.t_end, 72373.26, 0.01); /* the test's clock */
	cr_expect_str_eq(info.instrument, "Neware BTS");
	cr_expect(strstr(info.software, "BTS 9.1 (.nda v130)"), "%s",
		  info.software);
	cr_expect(info.has_cycle && info.has_step && info.has_temperature);

	/* Version 29: step clocks laid end to end, cycles from 1, the
	 * record's date read as UTC, the server named in the header. */
	imptest_read(V29, "neware_nda", &info, &s);
	cr_expect_eq(s.rows, 439);
	cr_expect_eq(s.max_cycle, 1);
	cr_expect_eq(s.max_step, 6);
	cr_expect_float_eq(s.t0_unix, 1585135010.0, 1e-6);
	cr_expect_float_eq(s.t_end, 721.6, 0.01);
	cr_expect_eq(s.chg_neg + s.dchg_pos, 0);
	cr_expect(strstr(info.software, "BTSServer(R3)-7.6.0.301"), "%s",
		  info.software);
	cr_expect(!info.has_temperature);

	/* BTS 9.0: no cycle number in the record. */
	imptest_read(BTS90, "neware_nda", &info, &s);
	cr_expect_eq(s.rows, 1000);
	cr_expect_eq(s.max_cycle, -1);
	cr_expect_eq(s.max_step, 1);
	cr_expect(!info.has_cycle);
}

/* Refused, naming the file and want, with nothing written. */
static void refused(const char *name, const unsigned char *b, size_t n,
		    const char *want)
{
	imptest_refused_bytes(name, b, n, "neware_nda", want, NULL);
}

Test(import_nda, truncated_foreign_and_unsupported_refused)
{
	size_t n;
	unsigned char *b = imptest_slurp(BTS91, &n);

	refused("cut_head.nda", b, 10, "offset 0: truncated file");
	refused("cut_v130.nda", b, 1000, "offset 1024: truncated file");
	refused("cut_rec.nda", b, REC91(11) + 20,
		"offset 1584: truncated file: a record needs 56 bytes");
	memcpy(b, "NEWARX", 6);
	refused("magic.nda", b, n, "offset 0: not a Neware .nda file");
	memcpy(b, "NEWARE", 6);
	b[14] = 31;
	refused("version.nda", b, n, "offset 14: .nda version 31");
	b[14] = 130;
	b[REC91(2)] = 0x77; /* the 9.1 layout: no next record at 56 */
	refused("layout.nda", b, n, "unsupported record layout");
	free(b);

	b = imptest_slurp(V29, &n);
	refused("v29_head.nda", b, 4000, "no data record");
	free(b);
}

Test(import_nda, corrupt_records_refused_with_offset)
{
	size_t n;
	unsigned char *b = imptest_slurp(BTS91, &n);
	unsigned char *c = malloc(n);

	memcpy(c, b, n);
	c[REC91(10)] = 0x77;
	refused("lead.nda", c, n,
		"record 10 at offset 1528: corrupt record: lead byte 119");
	memcpy(c, b, n);
	c[REC91(5) + 3] = 99;
	refused(
	    "status.nda", c, n,
	    "record 5 at offset 1248: corrupt record: unknown step type 99");
	/* Record 10's time is record 2's: the clock goes back in a step. */
	memcpy(c, b, n);
	memcpy(c + REC91(10) + 12, c + REC91(2) + 12, 8);
	refused("back.nda", c, n, ":10: test time goes back");
	free(c);
	free(b);

	b = imptest_slurp(V29, &n);
	b[REC29(3) + 78] = 7; /* a current range nobody knows */
	refused("range.nda", b, n,
		"record 3 at offset 85643: corrupt record: unknown current "
		"range 7");
	free(b);
}
