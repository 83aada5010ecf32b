/* SPDX-License-Identifier: Apache-2.0 */
/* test_sim_persona.c - a simulated pack whose BMS speaks the Nissan Leaf
 * LBC protocol (pack file bms = nissan-leaf-aze0, docs/simulator.md): bench
 * run polls it over ISO-TP on the in-process bus and logs every cell and
 * probe; a profile the simulator cannot serve is refused with file:line. */
#include <math.h>

#include "ctl_helpers.h"

Test(sim_persona, leaf_quick_run_logs_every_cell, .timeout = 120)
{
	char *dir = tmpdir_new("persona");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run",   "fixtures/recipes/quick_leaf.txt",
			      "--sim", "fixtures/packs/leaf-aze0-aged.ini",
			      "-o",    out,
			      NULL};
	struct runfile *rf = NULL;
	const struct run_meta *m;
	size_t rows;
	float *cells;
	unsigned logged = 0;
	int rc = ctl_bench(log, args);

	cr_assert_eq(rc, 0, "exit %d\n%s", rc, ctl_log(log));
	cr_assert_eq(runfile_open(out, &rf), BENCH_OK);
	m = runfile_meta(rf);
	cr_expect_str_eq(m->status, "complete");
	cr_assert_eq(m->series, 96);
	cr_expect_eq(m->n_probes, 3, "the Leaf's three thermistors");
	cr_expect(strstr(m->profile_text, "[poll cells]") != NULL,
		  "the run is read with the Leaf profile");
	rows = runfile_rows(rf);
	cr_assert_gt(rows, 100);
	cells = calloc(96, sizeof(float));
	/* the last row: every cell answered a poll, with a value near the
	 * simulated cell's (aged NMC at mid SOC) */
	cr_assert_eq(runfile_read_cells(rf, "voltage_volt", rows - 1, 1, cells),
		     BENCH_OK);
	for (unsigned i = 0; i < 96; i++)
		if (cells[i] > 3.0f && cells[i] < 4.2f)
			logged++;
	cr_expect_eq(logged, 96, "cells logged from the polls: %u of 96",
		     logged);
	cr_assert_eq(
	    runfile_read_cells(rf, "temperature_celsius", rows - 1, 1, cells),
	    BENCH_OK);
	for (unsigned i = 0; i < 3; i++)
		cr_expect(cells[i] > 15 && cells[i] < 40,
			  "probe %u reads %.1f C (ambient 25 C)", i + 1,
			  cells[i]);
	free(cells);
	runfile_close(rf);
	free(out);
	free(log);
	free(dir);
}

Test(sim_persona, poll_without_reply_layout_is_refused_with_file_line,
     .timeout = 30)
{
	char *dir = tmpdir_new("persona");
	char *prof = ctl_path(dir, "nolayout.ini"), *log = ctl_path(dir, "log");
	char *out = ctl_path(dir, "run.h5"), *pack, extra[600];
	FILE *in = fopen("fixtures/profiles/nissan-leaf-aze0.ini", "r");
	FILE *o = fopen(prof, "w");
	char line[512], cwd[256];
	unsigned n = 0, poll_line = 0;
	int rc;

	cr_assert(in && o && getcwd(cwd, sizeof(cwd)));
	while (fgets(line, sizeof(line), in)) {
		n++;
		if (!strncmp(line, "dbc = ", 6)) {
			fprintf(o, "dbc = %s/fixtures/dbc/nissan_leaf.dbc\n",
				cwd);
			continue;
		}
		fputs(line, o);
	}
	/* a poll the profile loader accepts (it feeds nothing) but whose
	 * reply the simulator has no layout for */
	fprintf(o, "\n[poll dtc]\necu = lbc\nrequest = 21 06\n"
		   "period_s = 60 60 60\n");
	poll_line = n + 3; /* its first key */
	fclose(in);
	fclose(o);
	snprintf(extra, sizeof(extra), "bms = %s", prof);
	pack = ctl_pack_with(dir, "leaf-aze0-aged", extra);
	/* the fixture names bms already: the copy's second key is refused,
	 * so drop the first */
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd),
			 "sed -i '/^bms = nissan-leaf-aze0$/d' %s", pack);
		cr_assert_eq(system(cmd), 0);
	}
	const char *args[] = {
	    "run", "fixtures/recipes/quick_leaf.txt", "--sim", pack, "-o", out,
	    NULL};

	rc = ctl_bench(log, args);
	cr_expect_neq(rc, 0);
	char want[600];

	snprintf(want, sizeof(want), "%s:%u: poll 'dtc' has no reply layout",
		 prof, poll_line);
	cr_expect(strstr(ctl_log(log), want) != NULL, "expected '%s' in:\n%s",
		  want, ctl_log(log));
	cr_expect(access(out, F_OK) != 0, "no run file");
	free(pack);
	free(prof);
	free(out);
	free(log);
	free(dir);
}

Test(sim_persona, profile_of_another_pack_size_is_refused, .timeout = 30)
{
	char *dir = tmpdir_new("persona");
	char *log = ctl_path(dir, "log"), *out = ctl_path(dir, "run.h5");
	char *pack =
	    ctl_pack_with(dir, "lfp30-healthy", "bms = nissan-leaf-aze0");
	const char *args[] = {
	    "run", "fixtures/recipes/quick_leaf.txt", "--sim", pack, "-o", out,
	    NULL};
	int rc = ctl_bench(log, args);

	cr_expect_neq(rc, 0);
	cr_expect(strstr(ctl_log(log), "key 'bms': profile") != NULL &&
		      strstr(ctl_log(log), "this pack is 30s"),
		  "%s", ctl_log(log));
	free(pack);
	free(out);
	free(log);
	free(dir);
}
