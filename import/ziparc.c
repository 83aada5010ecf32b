/* SPDX-License-Identifier: Apache-2.0 */
/* ziparc.c - zip entries as streams, through libzip. */
#define LOG_PREFIX "import"
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "common/log.h"
#include "common/rc.h"
#include "import/ziparc.h"

struct ziparc {
	zip_t *z;
	const char *path;
};

struct zipent {
	zip_file_t *f;
	const struct ziparc *a;
	char name[128];
	uint64_t pos; /* bytes read: where an error is */
};

int ziparc_open(const char *path, struct ziparc **a)
{
	int err = 0;
	zip_t *z = zip_open(path, ZIP_RDONLY, &err);
	zip_error_t ze;

	*a = NULL;
	if (!z) {
		zip_error_init_with_code(&ze, err);
		log_err("%s: not a readable zip archive: %s", path,
			zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return BENCH_ERR_PARSE;
	}
	*a = calloc(1, sizeof(**a));
	if (!*a) {
		zip_discard(z);
		return BENCH_ERR_MEM;
	}
	(*a)->z = z;
	(*a)->path = path;
	return BENCH_OK;
}

void ziparc_close(struct ziparc *a)
{
	if (!a)
		return;
	zip_discard(a->z); /* read only: nothing to write back */
	free(a);
}

int ziparc_find(struct ziparc *a, const char *pattern, char *name, size_t n)
{
	zip_int64_t count = zip_get_num_entries(a->z, 0);

	for (zip_int64_t i = 0; i < count; i++) {
		const char *s = zip_get_name(a->z, (zip_uint64_t)i, 0);

		if (s && !fnmatch(pattern, s, 0) && strlen(s) < n) {
			snprintf(name, n, "%s", s);
			return 1;
		}
	}
	return 0;
}

int ziparc_entry(struct ziparc *a, const char *name, struct zipent **e,
		 uint64_t *size)
{
	zip_stat_t st;

	*e = NULL;
	zip_stat_init(&st);
	if (zip_stat(a->z, name, 0, &st) < 0) {
		log_err("%s: no '%s' in the archive", a->path, name);
		return BENCH_ERR_PARSE;
	}
	*e = calloc(1, sizeof(**e));
	if (!*e)
		return BENCH_ERR_MEM;
	(*e)->a = a;
	snprintf((*e)->name, sizeof((*e)->name), "%s", name);
	(*e)->f = zip_fopen(a->z, name, 0);
	if (!(*e)->f) {
		log_err("%s: cannot read '%s': %s", a->path, name,
			zip_strerror(a->z));
		free(*e);
		*e = NULL;
		return BENCH_ERR_PARSE;
	}
	*size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
	return BENCH_OK;
}

int zipent_read(struct zipent *e, void *buf, size_t n, size_t *got)
{
	zip_int64_t r = zip_fread(e->f, buf, n);

	*got = 0;
	if (r < 0) {
		log_err("%s: '%s': offset %llu: corrupt entry: %s", e->a->path,
			e->name, (unsigned long long)e->pos,
			zip_file_strerror(e->f));
		return BENCH_ERR_PARSE;
	}
	*got = (size_t)r;
	e->pos += (uint64_t)r;
	return BENCH_OK;
}

void zipent_close(struct zipent *e)
{
	if (!e)
		return;
	zip_fclose(e->f);
	free(e);
}
