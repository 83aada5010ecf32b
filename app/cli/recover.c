/* SPDX-License-Identifier: Apache-2.0 */
/* recover.c - `bench recover RUN.h5`: make a killed run's file open in
 * every tool (h5dump, h5py without swmr, HDFView) without resuming it. */
#define LOG_PREFIX "recover"
#include <stdio.h>
#include <string.h>

#include "runfile/h5log.h"
#include "runfile/runlock.h"
#include "cli.h"
#include "common/log.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: bench recover RUN.h5\n"
	    "\n"
	    "Clear the consistency flags a killed writer left in RUN.h5 (what\n"
	    "'h5clear -s' does), cut a half-written last row, and mark the "
	    "run\n"
	    "'interrupted' if it still says 'running'. The run is not "
	    "resumed;\n"
	    "'bench resume RUN.h5' can still continue it afterwards.\n");
}

int cli_recover(int argc, char **argv)
{
	struct runlock *lock;
	int rc;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	if (runlock_acquire(argv[1], &lock) < 0)
		return 1;
	rc = h5log_recover(argv[1], "interrupted");
	runlock_release(lock);
	if (rc < 0)
		return 1;
	printf("%s: recovered; h5dump and h5py open it now\n", argv[1]);
	return 0;
}
