/* SPDX-License-Identifier: Apache-2.0 */
/* test_e2e_leaf.c - run in the QEMU guest after scenario e2e_leaf_isotp
 * (tools/qemu/guest/e2e.sh): the controller polled the simulated Leaf pack
 * through the kernel's CAN_ISOTP socket on can0, the simulator answered
 * with its own user-space ISO-TP on can1. Checks the run file against the
 * simulator's answer log (`bench sim --answer-log`, docs/simulator.md):
 * every cell of every polled sweep, equal to what the BMS encoded within
 * the reply's resolution (1 mV). BENCH_QEMU_OUT = the folder holding
 * run-leaf.h5 and leaf-answers.txt. Every file is required.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "runfile/runfile.h"

#define SERIES 96
#define MAX_ANSWERS 256
/* half the reply's 1 mV step, plus the run file's float32 rounding */
#define MATCH_TOL_V 0.0005

struct answers {
	size_t n;
	double t_s[MAX_ANSWERS];
	double cell_V[MAX_ANSWERS][SERIES];
};

static const char *out_path(const char *name)
{
	static char path[1024];
	const char *d = getenv("BENCH_QEMU_OUT");

	cr_assert_not_null(d, "BENCH_QEMU_OUT is not set");
	snprintf(path, sizeof(path), "%s/%s", d, name);
	return path;
}

/* The "cells" answers: `T_S cells 1=MV 2=MV ... 96=MV`. */
static void read_answers(struct answers *a)
{
	char line[4096];
	FILE *f = fopen(out_path("leaf-answers.txt"), "r");

	cr_assert_not_null(f, "no answer log %s", out_path("leaf-answers.txt"));
	a->n = 0;
	while (fgets(line, sizeof(line), f)) {
		char poll[64], *p;
		double t;
		int used, seen = 0;

		cr_assert_eq(sscanf(line, "%lf %63s%n", &t, poll, &used), 2,
			     "bad answer line: %s", line);
		if (strcmp(poll, "cells"))
			continue;
		cr_assert_lt(a->n, MAX_ANSWERS);
		p = line + used;
		for (int k = 0; k < SERIES; k++) {
			unsigned idx;
			int mV, n;

			cr_assert_eq(sscanf(p, " %u=%d%n", &idx, &mV, &n), 2,
				     "answer at %.3f s: cell %d missing", t,
				     k + 1);
			cr_assert_eq(idx, (unsigned)k + 1);
			a->cell_V[a->n][k] = mV * 1e-3;
			p += n;
			seen++;
		}
		cr_assert_eq(seen, SERIES);
		a->t_s[a->n++] = t;
	}
	fclose(f);
}

/* The answer whose every cell equals the row's, or -1. */
static int matching_answer(const struct answers *a, const float *row)
{
	for (size_t i = 0; i < a->n; i++) {
		int k;

		for (k = 0; k < SERIES; k++)
			if (fabs(row[k] - a->cell_V[i][k]) > MATCH_TOL_V)
				break;
		if (k == SERIES)
			return (int)i;
	}
	return -1;
}

TestSuite(leaf, .timeout = 60);

Test(leaf, run_completes_with_both_currents)
{
	struct runfile *rf = NULL;
	size_t rows, i, dis = 0, chg = 0;
	double *cur;

	cr_assert_eq(runfile_open(out_path("run-leaf.h5"), &rf), BENCH_OK);
	cr_assert_str_eq(runfile_meta(rf)->status, "complete", "end: %s",
			 runfile_meta(rf)->end_reason);
	cr_assert_eq(runfile_meta(rf)->series, SERIES);
	rows = runfile_rows(rf);
	cr_assert_gt(rows, 25);
	cur = calloc(rows, sizeof(*cur));
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, rows, cur), 0);
	/* 0.5C and C/3 of the 66 Ah pack: -33 A and +22 A */
	for (i = 0; i < rows; i++) {
		dis += fabs(cur[i] + 33.0) < 1.5;
		chg += fabs(cur[i] - 22.0) < 1.5;
	}
	cr_assert_gt(dis, 4, "%zu rows at -33 A", dis);
	cr_assert_gt(chg, 4, "%zu rows at +22 A", chg);
	free(cur);
	runfile_close(rf);
}

/* Once the first sweep is in, every row has every cell, and each row's
 * cells are one answer of the simulated BMS, to the millivolt; the rows
 * go through the answers in order and miss none but the last (sent as
 * the run ended). */
Test(leaf, every_polled_sweep_is_the_bms_answer)
{
	static struct answers a;
	struct runfile *rf = NULL;
	size_t rows, r, first = 0, with_cells = 0;
	float *cells;
	int last = -1, distinct = 0;

	read_answers(&a);
	cr_assert_geq(a.n, 3, "only %zu cell answers in the log", a.n);
	cr_assert_eq(runfile_open(out_path("run-leaf.h5"), &rf), BENCH_OK);
	rows = runfile_rows(rf);
	cells = calloc(rows * SERIES, sizeof(*cells));
	cr_assert_eq(runfile_read_cells(rf, RUN_CELLS_VOLTAGE, 0, rows, cells),
		     0);
	while (first < rows && isnan(cells[first * SERIES]))
		first++;
	cr_assert_lt(first, rows, "no row has a cell voltage");
	for (r = first; r < rows; r++) {
		const float *row = cells + r * SERIES;
		int m;

		for (int k = 0; k < SERIES; k++)
			cr_assert(!isnan(row[k]), "row %zu: cell %d missing", r,
				  k + 1);
		m = matching_answer(&a, row);
		cr_assert_geq(m, 0,
			      "row %zu: cells (1: %.4f V, 96: %.4f V) are no "
			      "answer the BMS sent",
			      r, row[0], row[SERIES - 1]);
		cr_assert_geq(m, last, "row %zu goes back to answer %d", r, m);
		if (m != last)
			distinct++;
		last = m;
		with_cells++;
	}
	fprintf(stderr,
		"%zu rows with all %d cells, %d sweeps of %zu answers, "
		"first at row %zu\n",
		with_cells, SERIES, distinct, a.n, first);
	cr_assert_geq((size_t)distinct + 1, a.n, "sweeps missing in the run");
	free(cells);
	runfile_close(rf);
}
