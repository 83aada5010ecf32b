/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_runfile: the run-file reader on arbitrary bytes. The input goes to
 * a temporary file (HDF5 reads files, not buffers), then everything the
 * analysis code reads is read. Errors are fine; crashes, leaks and hangs
 * are not. Seeds: fixtures/fuzz/runfile/ (small valid, truncated and
 * corrupted run files). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libhdf5 1.10 leaks internal buffers on some of its error paths in
 * damaged files; that is not ours to fix, everything else is checked. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libhdf5_serial.so\n";
}

/* Errors are expected on every other input: keep stderr for crashes. */
static void quiet_sink(void *ctx, enum log_level lvl, const char *prefix,
		       const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)prefix;
	(void)msg;
}

static void read_everything(const char *path)
{
	const struct run_col *cols = run_cols();
	struct runfile *rf = NULL;
	struct run_step *st;
	struct run_event *ev;
	size_t rows, n, w;
	double *col;
	float *cells;

	if (runfile_open(path, &rf) < 0)
		return;
	rows = runfile_rows(rf);
	if (rows > 4096)
		rows = 4096; /* bounded memory: the reader streams by chunks */
	w = runfile_meta(rf)->series;
	col = calloc(rows + 1, sizeof(double));
	cells = calloc((rows + 1) * (w + 1), sizeof(float));
	if (col && cells) {
		for (int c = 0; c < RUN_N_COLS; c++)
			runfile_read_col(rf, cols[c].name, 0, rows, col);
		runfile_read_cells(rf, RUN_CELLS_VOLTAGE, 0, rows, cells);
	}
	free(col);
	free(cells);
	if (runfile_steps(rf, &st, &n) == 0)
		free(st);
	if (runfile_events(rf, &ev, &n) == 0)
		free(ev);
	runfile_refresh(rf);
	runfile_close(rf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz_runfile.%d.h5",
			 (int)getpid());
		log_set_sink(quiet_sink, NULL);
	}
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	read_everything(path);
	unlink(path);
	return 0;
}
