/* SPDX-License-Identifier: Apache-2.0 */
/* test_e2e_gbt.c - run in the QEMU guest after scenario e2e_gbt_j1939
 * (tools/qemu/guest/e2e.sh): the controller charged the simulated GB/T
 * pack as the charger through the kernel's CAN_J1939 socket on can0, the
 * simulated BMS answered with its own user-space J1939 on can1. Checks the
 * run file against the simulator's answer log (`bench sim --answer-log`,
 * docs/simulator.md: `T_S NAME HEX`, each group as the BMS sent it): the
 * session's events hold what the multi-packet BRM, BCP and BSD said, and
 * every row's cells are one BMV (with the highest cell from a BCS), to
 * the BMV's 10 mV. BENCH_QEMU_OUT = the folder holding run-gbt.h5 and
 * gbt-answers.txt. Every file is required.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gbt.h"
#include "common/rc.h"
#include "runfile/runfile.h"

#define SERIES 30
#define MAX_ANSWERS 4096
/* the run file holds cV x 10 mV as float32 volts */
#define MATCH_TOL_V 0.0005

struct answer {
	char name[8];
	size_t len;
	uint8_t data[GBT_MAX_LEN];
};

static struct answer answers[MAX_ANSWERS];
static size_t n_answers;

static const char *out_path(const char *name)
{
	static char path[1024];
	const char *d = getenv("BENCH_QEMU_OUT");

	cr_assert_not_null(d, "BENCH_QEMU_OUT is not set");
	snprintf(path, sizeof(path), "%s/%s", d, name);
	return path;
}

static void read_answers(void)
{
	static char line[2 * GBT_MAX_LEN + 64];
	FILE *f = fopen(out_path("gbt-answers.txt"), "r");

	cr_assert_not_null(f, "no answer log %s", out_path("gbt-answers.txt"));
	n_answers = 0;
	while (fgets(line, sizeof(line), f)) {
		static char hex[2 * GBT_MAX_LEN + 2];
		struct answer *a;
		double t;
		size_t n;

		cr_assert_lt(n_answers, MAX_ANSWERS);
		a = &answers[n_answers++];
		cr_assert_eq(sscanf(line, "%lf %7s %s", &t, a->name, hex), 3,
			     "bad answer line: %s", line);
		n = strlen(hex);
		cr_assert(n % 2 == 0 && n / 2 <= GBT_MAX_LEN, "bad hex: %s",
			  line);
		for (size_t i = 0; i < n / 2; i++) {
			unsigned b;

			cr_assert_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
			a->data[i] = (uint8_t)b;
		}
		a->len = n / 2;
	}
	fclose(f);
}

static size_t count(const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < n_answers; i++)
		n += !strcmp(answers[i].name, name);
	return n;
}

static const struct answer *first(const char *name)
{
	for (size_t i = 0; i < n_answers; i++)
		if (!strcmp(answers[i].name, name))
			return &answers[i];
	cr_assert_fail("no %s in the answer log", name);
	return NULL;
}

static struct run_event *events;
static size_t n_events;

static const char *event_with(const char *text)
{
	for (size_t i = 0; i < n_events; i++)
		if (!strcmp(events[i].code, "bench:GBT_SESSION") &&
		    strstr(events[i].message, text))
			return events[i].message;
	return NULL;
}

static struct runfile *open_run(void)
{
	struct runfile *rf = NULL;

	cr_assert_eq(runfile_open(out_path("run-gbt.h5"), &rf), BENCH_OK);
	return rf;
}

TestSuite(gbt, .timeout = 60);

/* Handshake to BSD, in the run file, with what the BMS sent: BRM and BCP
 * (multi-packet: the kernel's RTS/CTS) decoded field for field. */
Test(gbt, session_events_hold_what_the_bms_sent)
{
	struct runfile *rf = open_run();
	struct gbt_brm brm;
	struct gbt_bcp bcp;
	const struct answer *a;
	char want[200];
	bool bsd_seen = false;

	read_answers();
	cr_assert_str_eq(runfile_meta(rf)->status, "complete", "end: %s",
			 runfile_meta(rf)->end_reason);
	cr_assert_eq(runfile_meta(rf)->series, SERIES);
	cr_assert_eq(runfile_events(rf, &events, &n_events), BENCH_OK);
	cr_assert(event_with("charge session: handshake (CHM)"));
	a = first("BRM");
	cr_assert_gt(a->len, 8, "BRM of %zu bytes is not multi-packet", a->len);
	cr_assert_eq(gbt_decode_brm(a->data, a->len, &brm), BENCH_OK);
	snprintf(want, sizeof(want),
		 "BMS recognised (BRM: battery type %u, %.1f Ah, %.1f V, VIN "
		 "%.17s)",
		 brm.battery_type, brm.capacity_dAh / 10.0,
		 brm.voltage_dV / 10.0, brm.vin);
	cr_assert(event_with(want), "no event '%s'", want);
	a = first("BCP");
	cr_assert_gt(a->len, 8);
	cr_assert_eq(gbt_decode_bcp(a->data, a->len, &bcp), BENCH_OK);
	snprintf(want, sizeof(want), "BCP cell %.2f V, pack %.1f V, %.1f A",
		 bcp.cell_max_cV / 100.0, bcp.max_voltage_dV / 10.0,
		 -bcp.max_current_dA / 10.0);
	cr_assert(event_with(want), "no event '%s'", want);
	cr_assert(event_with("charge session: charging"));
	cr_assert(event_with("charge session: stop (CST"));
	/* the BSD the run reports is one the BMS sent */
	for (size_t i = 0; i < n_answers; i++) {
		struct gbt_bsd bsd;

		if (strcmp(answers[i].name, "BSD"))
			continue;
		cr_assert_eq(
		    gbt_decode_bsd(answers[i].data, answers[i].len, &bsd),
		    BENCH_OK);
		snprintf(want, sizeof(want),
			 "ended (BSD: SOC %u %%, cells %.2f-%.2f V, %d-%d C)",
			 bsd.soc_pct, bsd.cell_min_cV / 100.0,
			 bsd.cell_max_cV / 100.0, bsd.temp_min_C,
			 bsd.temp_max_C);
		bsd_seen |= event_with(want) != NULL;
	}
	cr_assert(bsd_seen, "the run's BSD is none the BMS sent");
	free(events);
	runfile_close(rf);
}

/* cells of BMV answer i in volts; false if it is no BMV */
static bool bmv_cells(size_t i, double *cell_V)
{
	struct gbt_bmv *m;

	if (strcmp(answers[i].name, "BMV"))
		return false;
	m = calloc(1, sizeof(*m));
	cr_assert_eq(gbt_decode_bmv(answers[i].data, answers[i].len, m),
		     BENCH_OK);
	cr_assert_eq(m->n, SERIES, "BMV of %u cells", m->n);
	for (int k = 0; k < SERIES; k++)
		cell_V[k] = m->cell_cV[k] * 0.01;
	free(m);
	return true;
}

/* a highest cell some BCS reported */
static bool bcs_value(double v)
{
	for (size_t i = 0; i < n_answers; i++) {
		struct gbt_bcs m;

		if (strcmp(answers[i].name, "BCS"))
			continue;
		cr_assert_eq(
		    gbt_decode_bcs(answers[i].data, answers[i].len, &m),
		    BENCH_OK);
		if (fabs(m.cell_max_cV * 0.01 - v) < MATCH_TOL_V)
			return true;
	}
	return false;
}

/* The BMV answer (from `from` on) whose cells the row has, all but those
 * a later BCS reported as the highest (the BSM names which; under current
 * it moves between a few cells, each kept until the next BMV); -1 if
 * none. */
#define MAX_BCS_CELLS (SERIES / 3)
static int matching_bmv(size_t from, const float *row)
{
	double cell_V[SERIES];

	for (size_t i = from; i < n_answers; i++) {
		int n_odd = 0, k;

		if (!bmv_cells(i, cell_V))
			continue;
		for (k = 0; k < SERIES; k++) {
			if (fabs(row[k] - cell_V[k]) <= MATCH_TOL_V)
				continue;
			if (++n_odd > MAX_BCS_CELLS || !bcs_value(row[k]))
				break;
		}
		if (k == SERIES)
			return (int)i;
	}
	return -1;
}

/* BMVs that say something new: a rest repeats its cells */
static size_t bmv_changes(void)
{
	const struct answer *prev = NULL;
	size_t n = 0;

	for (size_t i = 0; i < n_answers; i++) {
		const struct answer *a = &answers[i];

		if (strcmp(a->name, "BMV"))
			continue;
		n += !prev || prev->len != a->len ||
		     memcmp(prev->data, a->data, a->len);
		prev = a;
	}
	return n;
}

/* Once the first BMV is in, every row has every cell, each row's cells
 * are what one BMV said (the highest may be a BCS's), the rows go through
 * the BMVs in order and miss no new one but the last. */
Test(gbt, every_cell_is_what_a_bmv_said)
{
	struct runfile *rf = open_run();
	size_t rows, r, first_row = 0, with_cells = 0, n_bmv;
	float *cells;
	int last = 0, distinct = 0;

	read_answers();
	n_bmv = count("BMV");
	cr_assert_geq(n_bmv, 3, "only %zu BMV in the answer log", n_bmv);
	cr_assert_geq(count("BCS"), 10);
	rows = runfile_rows(rf);
	cells = calloc(rows * SERIES, sizeof(*cells));
	cr_assert_eq(runfile_read_cells(rf, RUN_CELLS_VOLTAGE, 0, rows, cells),
		     0);
	/* before the first BMV only the BCS's highest cell is known */
	while (first_row < rows) {
		int k = 0;

		while (k < SERIES && !isnan(cells[first_row * SERIES + k]))
			k++;
		if (k == SERIES)
			break;
		first_row++;
	}
	cr_assert_lt(first_row, rows, "no row has every cell");
	for (r = first_row; r < rows; r++) {
		const float *row = cells + r * SERIES;
		int m;

		for (int k = 0; k < SERIES; k++)
			cr_assert(!isnan(row[k]), "row %zu: cell %d missing", r,
				  k + 1);
		m = matching_bmv((size_t)last, row);
		cr_assert_geq(m, 0,
			      "row %zu: cells (1: %.3f V, 30: %.3f V) are no "
			      "BMV the BMS sent after answer %d",
			      r, row[0], row[SERIES - 1], last);
		if (m != last || !with_cells)
			distinct++;
		last = m;
		with_cells++;
	}
	fprintf(stderr,
		"%zu rows with all %d cells, %d BMVs of %zu, first at row "
		"%zu\n",
		with_cells, SERIES, distinct, n_bmv, first_row);
	cr_assert_geq((size_t)distinct + 1, bmv_changes(),
		      "BMVs missing in the run");
	free(cells);
	runfile_close(rf);
}
