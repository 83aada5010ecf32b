/* SPDX-License-Identifier: Apache-2.0 */
/* run_status.h - what an operator sees of a running test, as the
 * controller (or `bench watch`, from a run file) fills it. Rendered by
 * app/status.h (status line, log lines, control socket JSON). */
#ifndef BENCH_RUN_STATUS_H
#define BENCH_RUN_STATUS_H

#include <stdbool.h>
#include <stdint.h>

struct run_status {
	char pack_id[64];
	char state[16];	    /* running | stopping | complete | aborted */
	unsigned step_line; /* recipe line of the current step */
	char step_text[80]; /* "Discharge at C/3 until 2.5 V" */
	uint32_t step_count, cycle_count;
	double test_s;	       /* test time */
	double pack_V, pack_A; /* current + on charge */
	bool have_soc;
	double soc_pct;
	int min_cell, max_cell; /* 1-based, 0 = not seen yet */
	double min_cell_V, max_cell_V;
	int max_probe; /* 1-based, 0 = none */
	double max_temp_C;
	double charge_Ah, discharge_Ah;
};

#endif
