/* SPDX-License-Identifier: Apache-2.0 */
/* coltab.h - the table-driven parser of one-header-line exports.
 *
 * A format is data: which header names it accepts for which quantity and
 * with which scale to SI (a table per format), how to recognise its header
 * line, what its preamble says about the instrument, and how its rows turn
 * into our sign convention. Arbin, BioLogic, Maccor and BDF use it; the
 * Neware nested export has its own loop but the same column tables.
 */
#ifndef BENCH_IMPORT_COLTAB_H
#define BENCH_IMPORT_COLTAB_H

#include "import/csvtok.h"
#include "import/import.h"

enum coltab_field {
	CF_TEST_TIME, /* s or h:m:s */
	CF_STEP_TIME,
	CF_DATETIME,  /* date and time text */
	CF_UNIX_TIME, /* s */
	CF_CURRENT,
	CF_VOLTAGE,
	CF_TEMP,
	CF_CYCLE,
	CF_STEP,
	CF_STATE, /* step type or state text, mapped by the format */
	CF_CHG_AH,
	CF_DCHG_AH,
	CF_CHG_WH,
	CF_DCHG_WH,
	CF_CAP_AH,    /* unsigned, charge or discharge by the row's kind */
	CF_ENERGY_WH, /* likewise */
	CF_IR,
	CF_FREQ, /* Hz: a row measured at a frequency is an impedance point */
	CF_N
};

struct coltab_col {
	const char *name; /* normalised (csvtok_norm) header name */
	enum coltab_field field;
	double scale; /* to SI (A, V, Ah, Wh, s, ohm); 1 for text */
};

struct coltab_map {
	int idx[CF_N]; /* field index, -1 absent */
	double scale[CF_N];
	size_t width; /* fields in the header */
};

struct coltab_fmt {
	const struct coltab_col *cols;
	size_t n_cols;
	/* Is the split line the column header? NULL: a line with a known
	 * current or voltage column is. */
	int (*is_header)(const struct csvtok *c);
	/* A line before the header: take what it says (may be NULL). */
	void (*preamble)(const char *line, struct import_info *info);
	/* The file's state text to a kind (may be NULL). */
	enum import_kind (*kind)(const char *state);
	unsigned long max_preamble; /* lines to look for the header */
	int current_unsigned;	    /* sign from the kind (Maccor) */
	int no_current_at_rest;	    /* no current column: 0 A (EC-Lab OCV) */
};

/* Map a split header line. Logs and fails on a required column missing
 * (test time or date, current, voltage), on one quantity given twice in
 * different units ("mixed units"). */
int coltab_map(const struct coltab_fmt *fmt, const struct csvtok *c,
	       struct coltab_map *m);
/* Fill a row from a split data line (logged failure: field count, a value
 * that is not a number, an unknown state). */
int coltab_row(const struct coltab_fmt *fmt, const struct coltab_map *m,
	       const struct csvtok *c, struct import_row *r);
/* The whole parse of a flat export. */
int coltab_parse(const struct coltab_fmt *fmt, const char *path,
		 struct import_info *info, import_row_fn fn, void *ctx);

/* Column index of a normalised header name in the split line, or -1. */
int coltab_find(const struct csvtok *c, const char *norm_name);

/* Test time from a step-time column alone: the running sum of the steps'
 * lengths. Keeps the state between rows; start zeroed. */
struct coltab_steptime {
	double offset_s, last_step_s;
	long last_cycle, last_step;
	int started;
};
void coltab_steptime(struct coltab_steptime *st, struct import_row *r,
		     double step_time_s);

#endif
