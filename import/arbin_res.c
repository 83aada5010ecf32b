/* SPDX-License-Identifier: Apache-2.0 */
/* arbin_res.c - Arbin MITS results file, .res (docs/importers.md).
 *
 * An MS Access (Jet) database, read through import/jetdb.h: Global_Table
 * (one row per test: name, start, channel, schedule, software),
 * Channel_Normal_Table (one row per data point: Test_Time, Step_Index,
 * Cycle_Index, Current, Voltage, the charge and discharge counters, which
 * run per cycle), Auxiliary_Table (the auxiliary channels per data point;
 * Data_Type 1 is a temperature). The rows are read in the table's order
 * and the auxiliary table alongside it, both ordered by Data_Point, so
 * memory does not grow with the file. Units and sign as the CSV export:
 * A, V, Ah, Wh, ohm, s, current positive on charge; times are OLE dates
 * (days from 1899-12-30), read as UTC as the CSV's dates are.
 */
#define LOG_PREFIX "import"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/formats.h"
#include "import/jetdb.h"

#define OLE_UNIX_DAYS 25569.0 /* 1970-01-01 as an OLE date */
#define AUX_TEMPERATURE 1     /* Auxiliary_Table Data_Type */

enum {
	G_TEST_ID,
	G_NAME,
	G_START,
	G_CHANNEL,
	G_SCHEDULE,
	G_SOFTWARE,
	G_SERIAL,
	G_N
};
static const char *const g_cols[G_N] = {
    [G_TEST_ID] = "Test_ID",
    [G_NAME] = "Test_Name",
    [G_START] = "Start_DateTime",
    [G_CHANNEL] = "Channel_Number",
    [G_SCHEDULE] = "Schedule_File_Name",
    [G_SOFTWARE] = "Software_Version",
    [G_SERIAL] = "Serial_Number",
};

enum {
	N_TEST_ID,
	N_POINT,
	N_TEST_TIME,
	N_STEP_TIME,
	N_DATETIME,
	N_STEP,
	N_CYCLE,
	N_CURRENT,
	N_VOLTAGE,
	N_CHG_AH,
	N_DCHG_AH,
	N_CHG_WH,
	N_DCHG_WH,
	N_IR,
	N_N
};
static const char *const n_cols[N_N] = {
    [N_TEST_ID] = "Test_ID",
    [N_POINT] = "Data_Point",
    [N_TEST_TIME] = "Test_Time",
    [N_STEP_TIME] = "Step_Time",
    [N_DATETIME] = "DateTime",
    [N_STEP] = "Step_Index",
    [N_CYCLE] = "Cycle_Index",
    [N_CURRENT] = "Current",
    [N_VOLTAGE] = "Voltage",
    [N_CHG_AH] = "Charge_Capacity",
    [N_DCHG_AH] = "Discharge_Capacity",
    [N_CHG_WH] = "Charge_Energy",
    [N_DCHG_WH] = "Discharge_Energy",
    [N_IR] = "Internal_Resistance",
};
static const int n_required[] = {N_POINT, N_TEST_TIME, N_STEP,
				 N_CYCLE, N_CURRENT,   N_VOLTAGE};

enum { A_TEST_ID, A_POINT, A_INDEX, A_TYPE, A_X, A_N };
static const char *const a_cols[A_N] = {
    [A_TEST_ID] = "Test_ID",
    [A_POINT] = "Data_Point",
    [A_INDEX] = "Auxiliary_Index",
    [A_TYPE] = "Data_Type",
    [A_X] = "X",
};

#define T_GLOBAL "Global_Table"
#define T_NORMAL "Channel_Normal_Table"
#define T_AUX "Auxiliary_Table"

struct res {
	const char *path;
	long test_id;
	struct jetdb_table *normal, *aux;
	int aux_row_ok; /* the aux cursor holds a row not yet consumed */
	long aux_point, aux_last_point;
	unsigned long aux_row;
};

int arbin_res_detect(const char *head, size_t n)
{
	/* The Arbin tables are in the catalog, pages further in: the parse
	 * refuses an Access file without them. */
	if (n < JETDB_MAGIC_OFF + sizeof(JETDB_MAGIC) - 1)
		return 0;
	return memcmp(head + JETDB_MAGIC_OFF, JETDB_MAGIC,
		      sizeof(JETDB_MAGIC) - 1)
		   ? 0
		   : 20;
}

/* Column col of t's current row as a number; NaN where empty if it may be
 * (an error naming the table and row where it is not a number). */
static int num(const struct res *a, const struct jetdb_table *t,
	       const char *table, const char *const *cols, unsigned long row,
	       size_t col, int required, double *out)
{
	const char *s = jetdb_text(t, col);
	char *end;

	*out = NAN;
	if (!*s && !required)
		return BENCH_OK;
	*out = strtod(s, &end);
	if (!*s || *end || !isfinite(*out)) {
		log_err("%s: %s row %lu: %s '%s' is not a number", a->path,
			table, row, cols[col], s);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

static int read_global(struct res *a, struct import_info *info)
{
	struct jetdb_table *g;
	double v;
	int rc;

	TRY(jetdb_open(a->path, T_GLOBAL, g_cols, G_N, &g));
	if (jetdb_rows(g) != 1) {
		log_err("%s: %s has %lu tests: this version reads a file of "
			"one",
			a->path, T_GLOBAL, jetdb_rows(g));
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	if ((rc = jetdb_next(g)) <= 0) {
		rc = BENCH_ERR_PARSE;
		goto out;
	}
	if ((rc = num(a, g, T_GLOBAL, g_cols, 1, G_TEST_ID, 1, &v)) < 0)
		goto out;
	a->test_id = (long)v;
	snprintf(info->instrument, sizeof(info->instrument),
		 "Arbin%s%s channel %s", *jetdb_text(g, G_SERIAL) ? " " : "",
		 jetdb_text(g, G_SERIAL), jetdb_text(g, G_CHANNEL));
	snprintf(info->software, sizeof(info->software), "%s",
		 jetdb_text(g, G_SOFTWARE));
	snprintf(info->schedule, sizeof(info->schedule), "%s",
		 jetdb_text(g, G_SCHEDULE));
	snprintf(info->test_name, sizeof(info->test_name), "%s",
		 jetdb_text(g, G_NAME));
	if ((rc = num(a, g, T_GLOBAL, g_cols, 1, G_START, 0, &v)) < 0)
		goto out;
	if (!isnan(v)) {
		time_t tt = (time_t)llround((v - OLE_UNIX_DAYS) * 86400.0);
		struct tm tm;

		if (gmtime_r(&tt, &tm))
			strftime(info->start_time_utc,
				 sizeof(info->start_time_utc),
				 "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	rc = BENCH_OK;
out:
	jetdb_close(g);
	return rc;
}

/* The next auxiliary row into the cursor (aux_row_ok 0 at the end). */
static int aux_advance(struct res *a)
{
	double v;
	int rc = jetdb_next(a->aux);

	a->aux_row_ok = rc > 0;
	if (rc <= 0)
		return rc;
	a->aux_row++;
	TRY(num(a, a->aux, T_AUX, a_cols, a->aux_row, A_POINT, 1, &v));
	a->aux_point = (long)v;
	if (a->aux_point < a->aux_last_point) {
		log_err("%s: %s row %lu: Data_Point %ld after %ld: the table "
			"is not in the order of the data points",
			a->path, T_AUX, a->aux_row, a->aux_point,
			a->aux_last_point);
		return BENCH_ERR_PARSE;
	}
	a->aux_last_point = a->aux_point;
	return BENCH_OK;
}

/* The first temperature channel at data point p, NaN if none. */
static int aux_temperature(struct res *a, long p, double *temp_C)
{
	*temp_C = NAN;
	while (a->aux_row_ok && a->aux_point <= p) {
		double type, x;

		if (a->aux_point == p && isnan(*temp_C)) {
			TRY(num(a, a->aux, T_AUX, a_cols, a->aux_row, A_TYPE, 1,
				&type));
			TRY(num(a, a->aux, T_AUX, a_cols, a->aux_row, A_X, 0,
				&x));
			if ((int)type == AUX_TEMPERATURE)
				*temp_C = x;
		}
		TRY(aux_advance(a));
	}
	return BENCH_OK;
}

static int open_tables(struct res *a, struct import_info *info)
{
	TRY(jetdb_open(a->path, T_NORMAL, n_cols, N_N, &a->normal));
	for (size_t i = 0; i < sizeof(n_required) / sizeof(n_required[0]);
	     i++) {
		if (jetdb_has(a->normal, (size_t)n_required[i]))
			continue;
		log_err("%s: %s has no column %s", a->path, T_NORMAL,
			n_cols[n_required[i]]);
		return BENCH_ERR_PARSE;
	}
	TRY(jetdb_open(a->path, T_AUX, a_cols, A_N, &a->aux));
	for (size_t i = 0; i < A_N && jetdb_rows(a->aux); i++) {
		if (jetdb_has(a->aux, i))
			continue;
		log_err("%s: %s has no column %s", a->path, T_AUX, a_cols[i]);
		return BENCH_ERR_PARSE;
	}
	a->aux_last_point = -1;
	TRY(aux_advance(a));
	info->has_cycle = info->has_step = 1;
	info->has_temperature = a->aux_row_ok;
	return BENCH_OK;
}

static int read_row(struct res *a, unsigned long row, struct import_row *r)
{
	const struct jetdb_table *t = a->normal;
	double v;

	import_row_clear(r);
	r->line = row;
#define NUM(col, req, out) TRY(num(a, t, T_NORMAL, n_cols, row, col, req, out))
	NUM(N_TEST_ID, 0, &v);
	if (!isnan(v) && (long)v != a->test_id) {
		log_err("%s: %s row %lu: Test_ID %ld, not the file's test %ld",
			a->path, T_NORMAL, row, (long)v, a->test_id);
		return BENCH_ERR_PARSE;
	}
	NUM(N_TEST_TIME, 1, &r->test_time_s);
	NUM(N_STEP_TIME, 0, &r->step_time_s);
	NUM(N_DATETIME, 0, &v);
	r->unix_time_s = (v - OLE_UNIX_DAYS) * 86400.0;
	NUM(N_CURRENT, 1, &r->current_A);
	NUM(N_VOLTAGE, 1, &r->voltage_V);
	NUM(N_CHG_AH, 0, &r->chg_Ah);
	NUM(N_DCHG_AH, 0, &r->dchg_Ah);
	NUM(N_CHG_WH, 0, &r->chg_Wh);
	NUM(N_DCHG_WH, 0, &r->dchg_Wh);
	NUM(N_IR, 0, &r->resistance_ohm);
	NUM(N_CYCLE, 1, &v);
	r->cycle = (long)v;
	NUM(N_STEP, 1, &v);
	r->step = (long)v;
#undef NUM
	if (r->cycle < 0 || r->step < 0 || r->cycle > 1000000000L ||
	    r->step > 1000000000L) {
		log_err("%s: %s row %lu: negative or huge Cycle_Index or "
			"Step_Index",
			a->path, T_NORMAL, row);
		return BENCH_ERR_PARSE;
	}
	TRY(num(a, t, T_NORMAL, n_cols, row, N_POINT, 1, &v));
	return aux_temperature(a, (long)v, &r->temperature_C);
}

/* A forced --format on another file: refused before libmdb sees it. */
static int check_magic(const char *path)
{
	char head[JETDB_MAGIC_OFF + sizeof(JETDB_MAGIC)] = "";
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	if (!arbin_res_detect(head, n)) {
		log_err("%s: offset %d: not an Access (Jet) database (no '%s')",
			path, JETDB_MAGIC_OFF, JETDB_MAGIC);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

int arbin_res_parse(const char *path, struct import_info *info,
		    import_row_fn fn, void *ctx)
{
	struct res a = {.path = path};
	struct import_row r;
	double last_s = -INFINITY;
	unsigned long row = 0;
	int rc;

	if ((rc = check_magic(path)) < 0 || (rc = read_global(&a, info)) < 0 ||
	    (rc = open_tables(&a, info)) < 0)
		goto out;
	while ((rc = jetdb_next(a.normal)) > 0) {
		if ((rc = read_row(&a, ++row, &r)) < 0)
			break;
		if (r.test_time_s < last_s) {
			log_err("%s: %s row %lu: Test_Time goes back from "
				"%.3f s to %.3f s",
				path, T_NORMAL, row, last_s, r.test_time_s);
			rc = BENCH_ERR_PARSE;
			break;
		}
		last_s = r.test_time_s;
		if ((rc = fn(ctx, &r)) < 0)
			break;
	}
out:
	jetdb_close(a.normal);
	jetdb_close(a.aux);
	return rc < 0 ? rc : BENCH_OK;
}
