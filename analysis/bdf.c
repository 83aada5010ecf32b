/* SPDX-License-Identifier: Apache-2.0 */
/* bdf.c - Battery Data Format CSV export, by chunks of the run file. */
#define LOG_PREFIX "bdf"
#include "bdf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"
#include "common/outfile.h"
#include "common/log.h"
#include "common/rc.h"

/* Required (time, voltage, current) first, then the recommended ones. */
/* clang-format off */
const struct bdf_col bdf_cols[] = {
	{"Test Time / s", "test_time_second", 1},
	{"Voltage / V", "voltage_volt", 0},
	{"Current / A", "current_ampere", 0},
	{"Unix Time / s", "unix_time_second", 1},
	{"Power / W", "power_watt", 0},
	{"Cycle Count / 1", "cycle_count", 0},
	{"Step Count / 1", "step_count", 0},
	{"Step Index / 1", "step_index", 0},
	{"Charging Capacity / Ah", "charging_capacity_ah", 1},
	{"Discharging Capacity / Ah", "discharging_capacity_ah", 1},
	{"Charging Energy / Wh", "charging_energy_wh", 1},
	{"Discharging Energy / Wh", "discharging_energy_wh", 1},
	{"Ambient Temperature / degC", "ambient_temperature_celsius", 0},
};
/* clang-format on */
const size_t bdf_n_cols = sizeof(bdf_cols) / sizeof(bdf_cols[0]);

#define CHUNK 16384

int bdf_export(const char *run_path, const char *csv_path)
{
	struct runfile *rf = NULL;
	struct outfile of = {0};
	FILE *o = NULL;
	double *buf = NULL;
	int rc;
	size_t rows;

	rc = runfile_open(run_path, &rf);
	if (rc < 0)
		return rc;
	rows = runfile_rows(rf);
	buf = malloc(bdf_n_cols * CHUNK * sizeof(double));
	if (!buf) {
		log_err("out of memory exporting '%s'", run_path);
		rc = BENCH_ERR_MEM;
		goto out;
	}
	rc = outfile_open(&of, csv_path, &run_path, 1, "Test Time / s,");
	if (rc < 0)
		goto out;
	o = of.f;
	for (size_t c = 0; c < bdf_n_cols; c++)
		fprintf(o, "%s%s", c ? "," : "", bdf_cols[c].label);
	fputc('\n', o);
	for (size_t r0 = 0; r0 < rows; r0 += CHUNK) {
		size_t n = rows - r0 < CHUNK ? rows - r0 : CHUNK;

		for (size_t c = 0; c < bdf_n_cols; c++) {
			rc = runfile_read_col(rf, bdf_cols[c].machine, r0, n,
					      buf + c * CHUNK);
			if (rc < 0)
				goto out;
		}
		for (size_t k = 0; k < n; k++) {
			for (size_t c = 0; c < bdf_n_cols; c++)
				fprintf(o,
					bdf_cols[c].is_double ? "%s%.15g"
							      : "%s%.9g",
					c ? "," : "", buf[c * CHUNK + k]);
			fputc('\n', o);
		}
	}
	rc = outfile_commit(&of);
out:
	outfile_discard(&of);
	free(buf);
	runfile_close(rf);
	return rc;
}
