/* SPDX-License-Identifier: Apache-2.0 */
/* rundata_file.c - build a rundata from a run file through the reader. */
#define LOG_PREFIX "rundata"
#include "rundata.h"

#include <stdlib.h>

#include "runfile/runfile.h"
#include "common/log.h"
#include "common/rc.h"

static int rf_col(void *ctx, const char *name, size_t start, size_t n,
		  double *out)
{
	return runfile_read_col(ctx, name, start, n, out);
}

static int rf_cells(void *ctx, const char *name, size_t start, size_t n,
		    float *out)
{
	return runfile_read_cells(ctx, name, start, n, out);
}

int rundata_load(const char *path, const struct rd_opts *o,
		 struct rundata **out)
{
	struct runfile *rf = NULL;
	struct run_step *steps = NULL;
	struct run_event *events = NULL;
	struct rd_source src = {.read_col = rf_col, .read_cells = rf_cells};
	int rc;

	rc = runfile_open(path, &rf);
	if (rc < 0)
		return rc;
	src.ctx = rf;
	src.meta = runfile_meta(rf);
	src.rows = runfile_rows(rf);
	rc = runfile_steps(rf, &steps, &src.n_steps);
	if (rc >= 0)
		rc = runfile_events(rf, &events, &src.n_events);
	if (rc >= 0) {
		src.steps = steps;
		src.events = events;
		rc = rundata_build(&src, o, out);
	}
	free(steps);
	free(events);
	runfile_close(rf);
	return rc;
}
