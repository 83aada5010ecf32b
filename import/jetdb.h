/* SPDX-License-Identifier: Apache-2.0 */
/* jetdb.h - one table of an MS Access (Jet) database, row by row.
 *
 * The seam to mdbtools' libmdb: only jetdb.c includes it. A cursor reads
 * the named columns of one table as text (libmdb's rendering: numbers in
 * full precision), one row at a time, so memory does not grow with the
 * table. Each cursor has its own handle on the file: libmdb keeps the page
 * being read in the handle, so two cursors on one handle would clobber
 * each other's page. Errors are logged once, naming the file and table.
 */
#ifndef BENCH_IMPORT_JETDB_H
#define BENCH_IMPORT_JETDB_H

#include <stddef.h>

/* "Standard Jet DB" at offset 4 of the first page. */
#define JETDB_MAGIC "Standard Jet DB"
#define JETDB_MAGIC_OFF 4

struct jetdb_table;

/* Open path's table with the columns cols[0..n_cols). A file that is not
 * a Jet database, not whole pages long (truncated), or without the table
 * fails (BENCH_ERR_PARSE, or BENCH_ERR_IO where it cannot be read); a
 * missing column does not: jetdb_has reports it. */
int jetdb_open(const char *path, const char *table, const char *const *cols,
	       size_t n_cols, struct jetdb_table **out);
void jetdb_close(struct jetdb_table *t);

int jetdb_has(const struct jetdb_table *t, size_t col);
/* Rows the table's definition counts. */
unsigned long jetdb_rows(const struct jetdb_table *t);
/* The next row: 1, 0 at the end. Fewer rows than jetdb_rows readable (a
 * data page lost: libmdb skips it without a word) is a truncated or
 * damaged file: logged, BENCH_ERR_PARSE. */
int jetdb_next(struct jetdb_table *t);
/* Column col of the current row as text; "" when null or missing. */
const char *jetdb_text(const struct jetdb_table *t, size_t col);

#endif
