/* SPDX-License-Identifier: Apache-2.0 */
/* test_import_cli.c - bench import, bench cycles and bench grade as a user
 * runs them (docs/importers.md): the JSON of cycles, a refused overwrite,
 * a forced wrong format, grade and report on imported data
 * (docs/importers.md, "Grading imported data"), and cycles on one of our
 * own run files against its /steps. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SY_WITH_H5LOG
#include "../unit/analysis_synth.h"
#include "support.h"

TestSuite(import_cli, .timeout = 120);

/* Run cmd; its stdout and stderr in *out (malloc'd); its exit status. */
static int run(const char *cmd, char **out)
{
	char full[2048];
	FILE *p;
	size_t n = 0, k;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	cr_assert_not_null(p);
	*out = calloc(1, 1 << 20);
	while ((k = fread(*out + n, 1, (1 << 20) - 1 - n, p)) > 0)
		n += k;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(import_cli, import_cycles_json_grade)
{
	char *dir = tmpdir_new("impcli"), cmd[1024], out_h5[512], *o;
	struct stat sb;

	snprintf(out_h5, sizeof(out_h5), "%s/arbin.h5", dir);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench import fixtures/import/arbin_cell.csv "
		 "--rated-ah 2 -o %s",
		 out_h5);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "arbin_csv, 365 rows, 11 steps"), "%s", o);
	free(o);

	snprintf(cmd, sizeof(cmd), "bin/bench cycles --json %s", out_h5);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect_eq(
	    strncmp(o, "{\"cycles\":[{\"cycle\":1,\"charge_ah\":1.158", 38), 0,
	    "%s", o);
	cr_expect(strstr(o, "\"resistance_ohm\":0.0512}"), "%s", o);
	cr_expect(strstr(o, "],\"steps\":[{\"cycle\":1,\"step\":1,"
			    "\"charge_ah\":0,"),
		  "%s", o);
	cr_expect(strstr(o, "{\"cycle\":2,\"step\":5,\"charge_ah\":0,"
			    "\"discharge_ah\":1.0666"),
		  "%s", o);
	cr_expect_eq(o[strlen(o) - 2], '}');
	free(o);

	/* rated 2 Ah at import: 1.0667 Ah is 53 % SOH, below 60 % */
	snprintf(cmd, sizeof(cmd), "bin/bench grade --json %s", out_h5);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "\"grade\":\"RECYCLE\""), "%s", o);
	cr_expect(strstr(o, "imported (arbin_csv): capacity 1.0667 Ah from "
			    "the discharge of cycle 2"),
		  "%s", o);
	cr_expect(strstr(o, "rated 2.0000 Ah from the file"), "%s", o);
	free(o);

	/* A second import to the same name is refused; the file stays. */
	cr_assert_eq(stat(out_h5, &sb), 0);
	off_t size = sb.st_size;
	snprintf(cmd, sizeof(cmd),
		 "bin/bench import fixtures/import/maccor_cell.txt -o %s",
		 out_h5);
	cr_expect_eq(run(cmd, &o), 1);
	cr_expect(strstr(o, "refusing to overwrite"), "%s", o);
	free(o);
	cr_assert_eq(stat(out_h5, &sb), 0);
	cr_expect_eq(sb.st_size, size);
	unlink(out_h5);
	rmdir(dir);
	free(dir);
}

Test(import_cli, forced_wrong_format_names_file_and_line)
{
	char *dir = tmpdir_new("impcli"), cmd[1024], out_h5[512], *o;

	snprintf(out_h5, sizeof(out_h5), "%s/x.h5", dir);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench import fixtures/import/neware_cell.csv "
		 "--format arbin_csv -o %s",
		 out_h5);
	cr_expect_eq(run(cmd, &o), 1);
	cr_expect(strstr(o, "fixtures/import/neware_cell.csv:1: no column "
			    "header with a current and a voltage column"),
		  "%s", o);
	free(o);
	cr_expect_neq(access(out_h5, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 0", dir);
	cr_expect_eq(system(cmd), 0, "a temporary file was left in %s", dir);
	snprintf(cmd, sizeof(cmd),
		 "bin/bench import fixtures/import/neware_cell.csv "
		 "--format nosuch -o %s",
		 out_h5);
	cr_expect_eq(run(cmd, &o), 2);
	free(o);
	rmdir(dir);
	free(dir);
}

/* Our own run: one cycle (no Repeat), its discharge the sum of the /steps
 * discharges, each step's figures those of its /steps row. */
Test(import_cli, cycles_of_our_own_run_match_its_steps)
{
	char *dir = tmpdir_new("impown"), path[512], cmd[1024], *o, *p;
	struct synth s;
	double dchg = 0;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	sy_init(&s, 4, 10, 0.9);
	sy_overnight(&s, 10);
	cr_assert_eq(sy_write_h5(&s, path), 0);
	for (size_t k = 0; k < s.n_steps; k++)
		dchg += s.steps[k].discharge_Ah;
	snprintf(cmd, sizeof(cmd), "bin/bench cycles --json %s", path);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	p = strstr(o, "\"discharge_ah\":");
	cr_assert_not_null(p, "%s", o);
	cr_expect(!strncmp(o, "{\"cycles\":[{\"cycle\":0,", 21), "%s", o);
	cr_expect_lt(fabs(atof(p + 15) - dchg) / dchg, 0.005, "%g vs %g",
		     atof(p + 15), dchg);
	free(o);
	sy_free(&s);
	unlink(path);
	rmdir(dir);
	free(dir);
}

/* As a user grades an old export: import without a rated capacity
 * (INCOMPLETE naming --rated-ah), grade with it, a lot of two imports in
 * CSV, the HTML report, and the options' bad values refused. */
Test(import_cli, grade_and_report_imported)
{
	char *dir = tmpdir_new("impgrade"), cmd[2048], h5[2][512], html[512];
	char *o;
	static const char *const src[2] = {"fixtures/import/neware_cell.csv",
					   "fixtures/import/maccor_cell.txt"};
	static const char *const bad[] = {"0", "-1", "abc", "1.1x", "nan"};

	for (int k = 0; k < 2; k++) {
		snprintf(h5[k], sizeof(h5[k]), "%s/%d.h5", dir, k);
		snprintf(cmd, sizeof(cmd), "bin/bench import %s -o %s", src[k],
			 h5[k]);
		cr_assert_eq(run(cmd, &o), 0, "%s", o);
		free(o);
	}
	snprintf(cmd, sizeof(cmd), "bin/bench grade %s", h5[0]);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, ": INCOMPLETE"), "%s", o);
	cr_expect(strstr(o, "give it with 'bench grade --rated-ah AH'"), "%s",
		  o);
	free(o);

	/* 1.0667 / 1.1 Ah = 97 %: REUSE, resistance not judged (60 s rows) */
	snprintf(cmd, sizeof(cmd), "bin/bench grade --rated-ah 1.1 --json %s",
		 h5[0]);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "\"grade\":\"REUSE\""), "%s", o);
	cr_expect(strstr(o, "\"soh_capacity\":0.9696"), "%s", o);
	cr_expect(strstr(o, "\"graded_cycle\":2,\"full_discharges\":2"), "%s",
		  o);
	cr_expect(strstr(o, "resistance not judged"), "%s", o);
	cr_expect(strstr(o, "self-discharge (no tagged rest)"), "%s", o);
	free(o);

	snprintf(cmd, sizeof(cmd), "bin/bench grade --rated-ah 1.5 --csv %s %s",
		 h5[0], h5[1]);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "/0.h5\",\"neware_cell.csv\",REMANUFACTURE,0.7111"),
		  "%s", o);
	cr_expect(strstr(o, "/1.h5\",\"maccor_cell.txt\",REMANUFACTURE,0.7111"),
		  "%s", o);
	free(o);

	snprintf(html, sizeof(html), "%s/r.html", dir);
	snprintf(cmd, sizeof(cmd), "bin/bench report %s --rated-ah 1.1 -o %s",
		 h5[1], html);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	free(o);
	snprintf(cmd, sizeof(cmd), "cat %s", html);
	cr_assert_eq(run(cmd, &o), 0);
	cr_expect(strstr(o, ">REUSE<"), "%.400s", o);
	cr_expect(strstr(o, "Imported data"), "no imported section");
	/* Maccor numbers its cycles from 0 */
	cr_expect(strstr(o, "<td>1</td><td>1.0667</td>"), "no cycle 1 row");
	cr_expect(strstr(o, "</html>"), "report cut short");
	free(o);
	unlink(html);

	/* no rated capacity: the report still comes, INCOMPLETE */
	snprintf(cmd, sizeof(cmd), "bin/bench report %s -o %s", h5[0], html);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	free(o);
	snprintf(cmd, sizeof(cmd), "cat %s", html);
	cr_assert_eq(run(cmd, &o), 0);
	cr_expect(strstr(o, ">INCOMPLETE<"), "%.400s", o);
	cr_expect(strstr(o, "rated capacity unknown"), "%.400s", o);
	cr_expect(strstr(o, "</html>"), "report cut short");
	free(o);
	unlink(html);

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		snprintf(cmd, sizeof(cmd), "bin/bench grade --rated-ah %s %s",
			 bad[k], h5[0]);
		cr_expect_eq(run(cmd, &o), 2, "--rated-ah %s", bad[k]);
		cr_expect(strstr(o, "--rated-ah"), "%s", o);
		cr_expect(strstr(o, "expected the rated capacity in Ah"), "%s",
			  o);
		free(o);
		snprintf(cmd, sizeof(cmd),
			 "bin/bench report --rated-ah %s %s -o %s", bad[k],
			 h5[0], html);
		cr_expect_eq(run(cmd, &o), 2, "report --rated-ah %s", bad[k]);
		free(o);
		cr_expect_neq(access(html, F_OK), 0);
	}
	snprintf(cmd, sizeof(cmd), "bin/bench grade --chemistry lto %s", h5[0]);
	cr_expect_eq(run(cmd, &o), 2);
	cr_expect(strstr(o, "--chemistry 'lto': expected nmc or lfp"), "%s", o);
	free(o);
	for (int k = 0; k < 2; k++)
		unlink(h5[k]);
	rmdir(dir);
	free(dir);
}

/* An Arbin .res without auxiliary channels: a run file of no temperature
 * probes, which cycles, report and export read; the mean temperature is
 * unknown (nan in the CSV, n/a in the report), never 0. */
Test(import_cli, res_without_temperature_zero_probes)
{
	char *dir = tmpdir_new("impres"), cmd[2048], h5[512], html[512];
	char csv[512], *o;

	snprintf(h5, sizeof(h5), "%s/res.h5", dir);
	snprintf(html, sizeof(html), "%s/res.html", dir);
	snprintf(csv, sizeof(csv), "%s/res.csv", dir);
	cr_assert_eq(access("fixtures/import/real/"
			    "20160805_test001_45_cc_01.res",
			    R_OK),
		     0, "fixture missing: see fixtures/import/real/README.md");
	snprintf(cmd, sizeof(cmd),
		 "bin/bench import "
		 "fixtures/import/real/20160805_test001_45_cc_01.res -o %s",
		 h5);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "arbin_res, 10261 rows, 103 steps"), "%s", o);
	free(o);
	snprintf(cmd, sizeof(cmd),
		 "h5dump -H -d /cells/temperature_celsius %s | "
		 "grep -q 'SIMPLE { ( 0 )'",
		 h5);
	cr_expect_eq(system(cmd), 0, "the file has a probe");

	snprintf(cmd, sizeof(cmd), "bin/bench cycles --csv %s", h5);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	cr_expect(strstr(o, "\n1,0.001625,0.001755,0.000724,0.000193,"), "%s",
		  o);
	cr_expect(strstr(o, ",3.1167,nan,14.832\n"), "%s", o);
	free(o);

	snprintf(cmd, sizeof(cmd), "bin/bench report %s -o %s", h5, html);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	free(o);
	snprintf(cmd, sizeof(cmd),
		 "grep -q 'Max temperature (C)</th><td>n/a' %s", html);
	cr_expect_eq(system(cmd), 0, "report temperature not n/a");

	snprintf(cmd, sizeof(cmd), "bin/bench export %s --bdf %s", h5, csv);
	cr_assert_eq(run(cmd, &o), 0, "%s", o);
	free(o);
	snprintf(cmd, sizeof(cmd), "test $(wc -l < %s) -eq 10262", csv);
	cr_expect_eq(system(cmd), 0);
	unlink(h5);
	unlink(html);
	unlink(csv);
	rmdir(dir);
	free(dir);
}
