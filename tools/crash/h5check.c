/* SPDX-License-Identifier: Apache-2.0 */
/* h5check - is a run file readable and consistent right now?
 *
 *   h5check [--final] RUN.h5
 *
 * Opens RUN.h5 the way a QA engineer's h5py.File(p, "r", swmr=True) does
 * (SWMR read: works on a file whose writer was just killed), reads every
 * row of the time column by chunks and checks: time strictly increasing,
 * every row-aligned dataset at least as long as the rows the reader
 * reports. swmr_open says whether a bare SWMR-read open worked (it does
 * not in the milliseconds a resume or close writes attributes outside
 * SWMR mode; runfile_open reads such a file anyway). --final also wants
 * equal lengths, status "complete" and a plain (non-SWMR) open to work. Prints
 * one key=value line; exit 0 when consistent, 1 when not, 2 when unreadable.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"

#define CHUNK 65536

/* Does the open h5py.File(p, "r", swmr=True) does work? */
static int swmr_opens(const char *path)
{
	hid_t f =
	    H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);

	if (f < 0)
		return 0;
	H5Fclose(f);
	return 1;
}

static int lengths(const char *path, unsigned long long *min,
		   unsigned long long *max)
{
	const struct run_col *cols = run_cols();
	const char *cells[] = {RUN_CELLS_VOLTAGE, RUN_CELLS_TEMPERATURE};
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	hbool_t yes = 1;
	hid_t f;
	char p[96];

	/* as runfile_open: read-only, also past a non-SWMR writer's flag */
	H5Pset(fapl, "clear_status_flags", &yes);
	f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
	if (f < 0)
		f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (f < 0)
		return -1;
	*min = ~0ull;
	*max = 0;
	for (int i = 0; i < RUN_N_COLS + 2; i++) {
		hsize_t dims[2];
		hid_t d, sp;

		if (i < RUN_N_COLS)
			snprintf(p, sizeof(p), "/timeseries/%s", cols[i].name);
		else
			snprintf(p, sizeof(p), "%s", cells[i - RUN_N_COLS]);
		d = H5Dopen2(f, p, H5P_DEFAULT);
		sp = d < 0 ? -1 : H5Dget_space(d);
		if (sp < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
			H5Fclose(f);
			return -1;
		}
		if (dims[0] < *min)
			*min = dims[0];
		if (dims[0] > *max)
			*max = dims[0];
		H5Sclose(sp);
		H5Dclose(d);
	}
	H5Fclose(f);
	return 0;
}

static double capacity_ah(struct runfile *rf)
{
	struct run_step *st;
	size_t n;
	double cap = -1;

	if (runfile_steps(rf, &st, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].tag, "capacity") == 0)
			cap = st[i].discharge_Ah;
	free(st);
	return cap;
}

int main(int argc, char **argv)
{
	int final = argc == 3 && strcmp(argv[1], "--final") == 0;
	const char *path = argv[argc - 1];
	struct runfile *rf = NULL;
	double *t = malloc(CHUNK * sizeof(double));
	double prev = -1e300, unix_last = 0, step_last = 0;
	unsigned long long lmin = 0, lmax = 0;
	size_t rows, bad_at = 0;
	int bad = 0, plain_ok = 1, swmr_ok;
	char status[16];
	unsigned resumed;
	double cap;

	if (argc < 2 || (argc == 3 && !final) || argc > 3 || !t) {
		fprintf(stderr, "usage: h5check [--final] RUN.h5\n");
		return 2;
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	swmr_ok = swmr_opens(path);
	if (runfile_open(path, &rf) < 0) {
		printf("readable=0\n");
		return 2;
	}
	rows = runfile_rows(rf);
	for (size_t s = 0; s < rows && !bad; s += CHUNK) {
		size_t n = rows - s < CHUNK ? rows - s : CHUNK;

		if (runfile_read_col(rf, "test_time_second", s, n, t) < 0) {
			printf("readable=0 rows=%zu at=%zu\n", rows, s);
			return 2;
		}
		for (size_t i = 0; i < n; i++) {
			if (!(t[i] > prev)) {
				bad = 1;
				bad_at = s + i;
				break;
			}
			prev = t[i];
		}
	}
	if (rows &&
	    (runfile_read_col(rf, "unix_time_second", rows - 1, 1, &unix_last) <
		 0 ||
	     runfile_read_col(rf, "step_count", rows - 1, 1, &step_last) < 0)) {
		printf("readable=0 rows=%zu\n", rows);
		return 2;
	}
	snprintf(status, sizeof(status), "%s", runfile_meta(rf)->status);
	resumed = runfile_meta(rf)->resumed_times;
	cap = capacity_ah(rf);
	runfile_close(rf);
	if (lengths(path, &lmin, &lmax) < 0) {
		printf("readable=0 rows=%zu lengths=?\n", rows);
		return 2;
	}
	if (final) {
		hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);

		plain_ok = f >= 0;
		if (f >= 0)
			H5Fclose(f);
	}
	printf("readable=1 rows=%zu lengths=%llu..%llu monotonic=%d%s%zu "
	       "t_last=%.3f unix_last=%.6f step=%.0f status=%s resumed=%u "
	       "capacity_ah=%.6f plain_open=%d swmr_open=%d\n",
	       rows, lmin, lmax, !bad,
	       bad ? " bad_at=" : " n=", bad ? bad_at : rows, rows ? prev : 0.0,
	       unix_last, step_last, status, resumed, cap, plain_ok, swmr_ok);
	free(t);
	if (bad || lmin < rows)
		return 1;
	if (final &&
	    (lmin != lmax || strcmp(status, "complete") != 0 || !plain_ok))
		return 1;
	return 0;
}
