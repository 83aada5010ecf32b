/* SPDX-License-Identifier: Apache-2.0 */
/* imptest.h - what the import tests share: files in and out of memory, an
 * import into a temporary run file read back as cycles, a parser's rows
 * summed up, and a refused import checked for its message and for leaving
 * nothing behind (docs/importers.md). Every helper fails the test on an
 * unexpected result. */
#ifndef BENCH_TESTS_IMPTEST_H
#define BENCH_TESTS_IMPTEST_H

#include <stddef.h>

#include "analysis/cycles.h"
#include "import/import.h"
#include "import/import_write.h"

/* A whole file (malloc'd) and its size. */
unsigned char *imptest_slurp(const char *path, size_t *n);
/* n bytes as dir/name; returns the path (malloc'd). */
char *imptest_write_bytes(const char *dir, const char *name, const void *b,
			  size_t n);
/* A committed fixture: a missing one fails the test, never skips it. */
void imptest_need(const char *path);

/* Import src into a run file in a fresh directory (o NULL: detect the
 * format, default options), load its cycles (release with cycles_free);
 * res (may be NULL) gets the import's result. The run file is removed. */
void imptest_cycles(const char *src, const struct import_opts *o,
		    struct cycles *c, struct import_result *res);

#define IMPTEST_MAX_CYCLES 64

/* What a parser streamed. Extremes are NAN and numbers -1 where no row
 * had one. */
struct imptest_seen {
	size_t rows;
	size_t charge_rows, discharge_rows; /* current beyond +-1 uA */
	size_t rest_rows, other_rows;	    /* of kind rest, other */
	size_t chg_neg, dchg_pos;	    /* current against the row's kind */
	size_t temp_rows;
	double t0, t_end, t0_unix; /* first and last test time, first clock */
	double min_I, max_I, min_V, max_V, min_T, max_T;
	long max_cycle, max_step;
	/* The counters of each cycle's last row (cycles 0 to 63). */
	double last_chg_Ah[IMPTEST_MAX_CYCLES],
	    last_dchg_Ah[IMPTEST_MAX_CYCLES];
	double last_dchg_Wh[IMPTEST_MAX_CYCLES];
};

/* Parse path as format fmt (by name) into s and info. */
void imptest_read(const char *path, const char *fmt, struct import_info *info,
		  struct imptest_seen *s);

/* Import src (as format fmt; NULL: detect) and expect it refused: the log
 * names src and holds want1 and want2 (NULL: not checked), and neither the
 * run file nor a temporary is left beside it. */
void imptest_refused(const char *src, const char *fmt, const char *want1,
		     const char *want2);
/* The same for n bytes b written as a file named name. */
void imptest_refused_bytes(const char *name, const void *b, size_t n,
			   const char *fmt, const char *want1,
			   const char *want2);

#endif
