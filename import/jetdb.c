/* SPDX-License-Identifier: Apache-2.0 */
/* jetdb.c - Access (Jet) tables through mdbtools' libmdb (the only file
 * that includes it). */
#define LOG_PREFIX "import"
#include <errno.h>
#include <mdbtools.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/jetdb.h"

/* libmdb copies each bound value into a buffer of its bind size. */
#define JETDB_BIND MDB_BIND_SIZE
#define JETDB_MAX_COLS 32

struct jetdb_table {
	const char *path;
	MdbHandle *mdb;
	MdbTableDef *def;
	size_t n_cols;
	int have[JETDB_MAX_COLS];
	int len[JETDB_MAX_COLS];
	char *val[JETDB_MAX_COLS];
	unsigned long fetched;
};

void jetdb_close(struct jetdb_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_cols; i++)
		free(t->val[i]);
	if (t->def)
		mdb_free_tabledef(t->def);
	if (t->mdb)
		mdb_close(t->mdb);
	free(t);
}

/* A file cut short ends inside a page; libmdb would read the pages it has
 * and stop early without a word. */
static int whole_pages(struct jetdb_table *t)
{
	struct stat sb;
	long pg = (long)t->mdb->fmt->pg_size;

	if (stat(t->path, &sb) < 0) {
		log_err("%s: %s", t->path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (pg <= 0 || sb.st_size % pg) {
		log_err("%s: %lld bytes is not a whole number of %ld-byte "
			"pages (truncated file?)",
			t->path, (long long)sb.st_size, pg);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

static int bind_cols(struct jetdb_table *t, const char *const *cols)
{
	mdb_read_columns(t->def);
	mdb_rewind_table(t->def);
	for (size_t i = 0; i < t->n_cols; i++) {
		t->val[i] = calloc(1, JETDB_BIND);
		if (!t->val[i])
			return BENCH_ERR_MEM;
		for (unsigned k = 0; k < t->def->num_cols; k++) {
			MdbColumn *c = g_ptr_array_index(t->def->columns, k);

			if (strcmp(c->name, cols[i]))
				continue;
			mdb_bind_column(t->def, (int)k + 1, t->val[i],
					&t->len[i]);
			t->have[i] = 1;
			break;
		}
	}
	return BENCH_OK;
}

int jetdb_open(const char *path, const char *table, const char *const *cols,
	       size_t n_cols, struct jetdb_table **out)
{
	struct jetdb_table *t;
	int rc = BENCH_ERR_PARSE;

	*out = NULL;
	if (n_cols > JETDB_MAX_COLS)
		return BENCH_ERR_ARG;
	t = calloc(1, sizeof(*t));
	if (!t)
		return BENCH_ERR_MEM;
	t->path = path;
	t->n_cols = n_cols;
	t->mdb = mdb_open(path, MDB_NOFLAGS);
	if (!t->mdb) {
		log_err("%s: not an Access (Jet) database libmdb can open",
			path);
		goto out;
	}
	if ((rc = whole_pages(t)) < 0)
		goto out;
	rc = BENCH_ERR_PARSE;
	if (!mdb_read_catalog(t->mdb, MDB_TABLE)) {
		log_err("%s: the database's catalog cannot be read", path);
		goto out;
	}
	t->def = mdb_read_table_by_name(t->mdb, (gchar *)table, MDB_TABLE);
	if (!t->def) {
		log_err("%s: %s table %s", path,
			mdb_get_catalogentry_by_name(t->mdb, table)
			    ? "cannot read (truncated or damaged file?) the"
			    : "no",
			table);
		goto out;
	}
	if ((rc = bind_cols(t, cols)) < 0)
		goto out;
	*out = t;
	return BENCH_OK;
out:
	jetdb_close(t);
	return rc;
}

int jetdb_has(const struct jetdb_table *t, size_t col)
{
	return col < t->n_cols && t->have[col];
}

unsigned long jetdb_rows(const struct jetdb_table *t)
{
	return t->def->num_rows;
}

int jetdb_next(struct jetdb_table *t)
{
	if (mdb_fetch_row(t->def)) {
		t->fetched++;
		return 1;
	}
	if (t->fetched < t->def->num_rows) {
		log_err("%s: table %s: %lu of its %u rows readable "
			"(truncated or damaged file?)",
			t->path, t->def->name, t->fetched, t->def->num_rows);
		return BENCH_ERR_PARSE;
	}
	return 0;
}

const char *jetdb_text(const struct jetdb_table *t, size_t col)
{
	if (!jetdb_has(t, col) || t->len[col] <= 0)
		return "";
	return t->val[col];
}
