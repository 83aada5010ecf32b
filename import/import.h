/* SPDX-License-Identifier: Apache-2.0 */
/* import.h - reading other cyclers' exports (docs/importers.md).
 *
 * Each format is a row of the table in import.c: a name, a detector that
 * looks at the first bytes of the file (never its name), and a parser that
 * streams the file row by row into a callback, so memory stays bounded
 * whatever the file size. Rows are converted to one convention: SI units,
 * current positive on charge, test time in seconds from the file's start.
 */
#ifndef BENCH_IMPORT_IMPORT_H
#define BENCH_IMPORT_IMPORT_H

#include <stddef.h>

enum import_kind {
	IMPORT_KIND_UNKNOWN = 0,
	IMPORT_KIND_CHARGE,
	IMPORT_KIND_DISCHARGE,
	IMPORT_KIND_REST,
	IMPORT_KIND_OTHER, /* pulse, impedance, ...: named by the file */
};

/* One measured row. NaN where the file has no such value; cycle and step
 * are the file's own numbers, -1 where it has none. The counters are the
 * instrument's own (cumulative as the file keeps them: per step, per cycle
 * or per test; they restart where they go down). */
struct import_row {
	unsigned long line; /* line of the file, for messages */
	double test_time_s;
	double step_time_s; /* as the file has it, NaN if none */
	double unix_time_s;
	double current_A; /* positive on charge */
	double voltage_V;
	double temperature_C;
	long cycle, step;
	enum import_kind kind;
	double chg_Ah, dchg_Ah, chg_Wh, dchg_Wh;
	double resistance_ohm;
};

/* What the file says about itself; empty strings where it says nothing. */
struct import_info {
	char instrument[128];
	char software[64];
	char start_time_utc[32];
	char schedule[128];	 /* the test procedure's file, where named */
	char test_name[128];	 /* the operator's name for the test */
	int has_cycle, has_step; /* the file numbers its cycles, steps */
	int has_temperature;
	/* Rows the parser left out on purpose (impedance rows in a charge
	 * file, ...): how many and why, for a provenance event. */
	unsigned long skipped_rows;
	char skipped_why[64];
};

typedef int (*import_row_fn)(void *ctx, const struct import_row *row);

struct import_format {
	const char *name;
	/* Score >0 when head (the file's first n bytes, with a NUL after
	 * them; a binary file has NULs inside) looks like this format; the
	 * highest score wins. */
	int (*detect)(const char *head, size_t n);
	/* Stream path's rows to fn. info is filled from the header before
	 * the first row. Errors are logged as "file:line: problem". */
	int (*parse)(const char *path, struct import_info *info,
		     import_row_fn fn, void *ctx);
	int binary; /* 0: a text export, refused when it holds NUL bytes */
};

#define IMPORT_HEAD_BYTES 8192

const struct import_format *import_formats(size_t *n);
const struct import_format *import_format_by_name(const char *name);
/* Detect from content; logs and returns NULL when no format matches. */
const struct import_format *import_detect(const char *path);

/* Set every field of a row to "absent" (NaN, -1, unknown kind). */
void import_row_clear(struct import_row *r);
const char *import_kind_name(enum import_kind k);

#endif
