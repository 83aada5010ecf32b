/* SPDX-License-Identifier: Apache-2.0 */
/* test_analysis_files.c - the analysis on real run files: a synthetic run
 * written through the HDF5 writer, read back by the reader, graded by
 * bin/bench (JSON, --write), exported to BDF and re-read, reported as HTML
 * and rendered in headless Chromium. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SY_WITH_H5LOG
#include "../unit/analysis_synth.h"
#include "analysis/analyze.h"
#include "analysis/bdf.h"
#include "support.h"

static char *dir, *run;
static struct synth s;

static void setup(void)
{
	char path[512];

	dir = tmpdir_new("anafile");
	snprintf(path, sizeof(path), "%s/run.h5", dir);
	run = strdup(path);
	sy_init(&s, 8, 94, 0.85);
	s.cap_ah[2] = 94 * 0.70;
	s.sd_ma[7] = 8;
	sy_overnight(&s, 94);
	cr_assert_eq(sy_write_h5(&s, run), 0);
}

static void teardown(void)
{
	sy_free(&s);
}

TestSuite(analysis_files, .init = setup, .fini = teardown, .timeout = 120);

static char *slurp_cmd(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n = 0, k;

	cr_assert_not_null(p, "cannot run %s", cmd);
	while ((k = fread(buf + n, 1, (1 << 20) - 1 - n, p)) > 0)
		n += k;
	pclose(p);
	return buf;
}

Test(analysis_files, file_and_memory_agree)
{
	struct rundata *rd;
	struct pack_result pr;
	struct rd_opts o;

	rd_opts_default(&o);
	cr_assert_eq(rundata_load(run, &o, &rd), 0);
	cr_assert_eq(rd->rows, s.rows);
	cr_assert_eq(analyze_run(rd, &pr), 0);
	cr_assert(fabs(pr.capacity_ah - 65.8) < 0.1, "%.3f", pr.capacity_ah);
	for (unsigned c = 0; c < 8; c++)
		cr_assert(fabs(pr.cells[c].capacity_ah - s.cap_ah[c]) /
				  s.cap_ah[c] <
			      0.005,
			  "cell %u %.3f", c + 1, pr.cells[c].capacity_ah);
	cr_assert(fabs(pr.cells[7].leak_ma - 8) < 0.5);
	pack_result_release(&pr);
	rundata_free(rd);
}

Test(analysis_files, grade_json_and_write)
{
	char cmd[1024];
	char *out;

	snprintf(cmd, sizeof(cmd), "bin/bench grade --json --write %s", run);
	out = slurp_cmd(cmd);
	/* the weak cell 3 (module 2) and the 8 mA leak of cell 8 (module 4):
	 * 2 of 4 modules weak is more than G4 lets replace */
	cr_assert(strstr(out, "\"grade\":\"RECYCLE\""), "%s", out);
	cr_assert(strstr(out, "\"index\":3,\"module\":2,"), "%s", out);
	cr_assert(strstr(out, "cell 8 (module 4) self-discharges"), "%s", out);
	cr_assert_eq(strchr(out, '\n') - out + 1, (long)strlen(out),
		     "one line");
	free(out);
	snprintf(cmd, sizeof(cmd), "h5dump -a /grade/grade %s", run);
	out = slurp_cmd(cmd);
	cr_assert(strstr(out, "\"RECYCLE\""), "no /grade: %s", out);
	free(out);
}

Test(analysis_files, bdf_export_reads_back)
{
	char csv[600], line[4096];
	FILE *f;
	size_t rows = 0;

	snprintf(csv, sizeof(csv), "%s/out.csv", dir);
	cr_assert_eq(bdf_export(run, csv), 0);
	f = fopen(csv, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	cr_assert_eq(
	    strncmp(line, "Test Time / s,Voltage / V,Current / A,", 38), 0,
	    "%s", line);
	cr_assert(strstr(line, "Discharging Capacity / Ah"));
	while (fgets(line, sizeof(line), f)) {
		double t, v, i;

		cr_assert_eq(sscanf(line, "%lf,%lf,%lf", &t, &v, &i), 3);
		cr_assert_float_eq(t, s.t[rows], 1e-9);
		cr_assert(fabs(v - s.v[rows]) < 1e-4 * fabs(s.v[rows]));
		/* positive on charge, as in the run */
		cr_assert(fabs(i - s.i[rows]) < 1e-4 * (fabs(s.i[rows]) + 1));
		rows++;
	}
	fclose(f);
	cr_assert_eq(rows, s.rows);
}

Test(analysis_files, report_html_with_svgs_renders)
{
	char cmd[2048], html[600];
	char *out;
	int n_svg = 0;

	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(cmd, sizeof(cmd), "bin/bench report %s -o %s && cat %s", run,
		 html, html);
	out = slurp_cmd(cmd);
	for (const char *p = out; (p = strstr(p, "<svg")); p++)
		n_svg++;
	cr_assert_eq(n_svg, 6,
		     "pack V, pack I, envelope, capacity, resistance, "
		     "dQ/dV: %d",
		     n_svg);
	cr_assert(strstr(out, "RECYCLE"));
	cr_assert(strstr(out, "<polyline"));
	cr_assert(strstr(out, "stroke-dasharray"), "threshold lines");
	cr_assert_null(strstr(out, "nan"), "a NaN leaked into the report");
	cr_assert_null(strstr(out, "src="), "self-contained");
	cr_assert_null(strstr(out, "<link"), "self-contained");
	free(out);
	snprintf(cmd, sizeof(cmd), "tools/report-screenshot.sh %s 2>&1", html);
	out = slurp_cmd(cmd);
	cr_assert(strstr(out, "screenshot ok"), "%s", out);
	free(out);
}
