/* SPDX-License-Identifier: Apache-2.0 */
/* test_runfile_probes.c - a run file of a pack without temperature probes
 * (an import without temperatures, a pack profile with none): the reader
 * opens it, the cells temperature table reads as zero wide, and the
 * per-cycle summary has no mean temperature (NaN, not 0). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/cycles.h"
#include "common/rc.h"
#include "runfile/h5log.h"
#include "runfile/runfile.h"
#include "support.h"

TestSuite(runfile_probes, .timeout = 30);

#define ROWS 5000 /* more than one verify block */

static void write_no_probes(const char *path)
{
	struct run_meta m;
	struct h5log *l = NULL;
	struct run_step st = {.step_count = 1,
			      .step_index = 1,
			      .kind = "discharge",
			      .end_s = ROWS - 1,
			      .end_reason = "done"};
	float cv = 3.7f;

	memset(&m, 0, sizeof(m));
	snprintf(m.pack_id, sizeof(m.pack_id), "no-probes");
	m.series = m.parallel = m.modules = 1;
	m.n_probes = 0;
	snprintf(m.status, sizeof(m.status), "running");
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	for (size_t i = 0; i < ROWS; i++) {
		struct run_sample s = {0};

		s.test_time_s = (double)i;
		s.unix_time_s = 1.8e9 + (double)i;
		s.voltage_V = 3.7f;
		s.current_A = -1.0f;
		s.step_count = 1;
		s.step_index = 1;
		s.cycle_count = 1;
		s.discharge_Ah = (double)i / 3600.0;
		s.ambient_C = NAN;
		s.cell_voltage_V = &cv;
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
	cr_assert_eq(h5log_push_step(l, &st), BENCH_OK);
	cr_assert_eq(h5log_close(l, "complete", "done"), BENCH_OK);
}

Test(runfile_probes, zero_probes_open_and_summarise)
{
	char *dir = tmpdir_new("noprobe");
	char path[512];
	struct runfile *rf = NULL;
	struct cycles c;
	float cells[4] = {-1, -1, -1, -1};

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	write_no_probes(path);
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_expect_eq(runfile_meta(rf)->n_probes, 0);
	cr_expect_eq(runfile_meta(rf)->series, 1);
	cr_expect_eq(runfile_rows(rf), ROWS);
	/* Rows of nothing: nothing written. */
	cr_expect_eq(runfile_read_cells(rf, "temperature_celsius", 0, 4, cells),
		     BENCH_OK);
	cr_expect_float_eq(cells[0], -1.0f, 0);
	cr_expect_eq(runfile_read_cells(rf, "voltage_volt", 0, 4, cells),
		     BENCH_OK);
	cr_expect_float_eq(cells[0], 3.7f, 1e-6);
	runfile_close(rf);

	cr_assert_eq(cycles_load(path, &c), 0);
	cr_assert_eq(c.n_cycles, 1);
	cr_expect(isnan(c.cycle[0].temp_mean_C), "%g", c.cycle[0].temp_mean_C);
	cr_expect_float_eq(c.cycle[0].dchg_Ah, (ROWS - 1) / 3600.0, 1e-6);
	cycles_free(&c);
	unlink(path);
	rmdir(dir);
	free(dir);
}
