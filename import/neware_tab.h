/* SPDX-License-Identifier: Apache-2.0 */
/* neware_tab.h - the codes Neware's binary files share (.nda, .ndax):
 * step types and current ranges (docs/importers.md). */
#ifndef BENCH_IMPORT_NEWARE_TAB_H
#define BENCH_IMPORT_NEWARE_TAB_H

#include <stdint.h>

#include "import/import.h"

/* The step type of a status code; 0 when the code is unknown. */
int neware_status(unsigned code, enum import_kind *kind, const char **name);
/* mA per raw unit of current and of the mA.s counters for a current range
 * setting (.nda v29, .ndc v2/v5 records); 0 when the range is unknown. */
int neware_range_mA(int32_t range, double *mA);
/* The sign from the step type, whatever the stored sign: positive on
 * charge, negative on discharge (the Neware CSV importer's rule). */
void neware_sign(struct import_row *r);

/* Test time from a record clock: a clock that restarts where the step
 * changes counts the step (the steps laid end to end, as in the CSV
 * export); one that runs on counts the test. */
struct neware_clock {
	double offset_s, last_t;
	long last_cycle, last_step;
	enum import_kind last_kind;
	int started;
};
double neware_clock(struct neware_clock *c, const struct import_row *r,
		    double t_s);

#endif
