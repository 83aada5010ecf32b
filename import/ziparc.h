/* SPDX-License-Identifier: Apache-2.0 */
/* ziparc.h - reading entries of a zip archive as streams (the libzip
 * backend: the only file that includes <zip.h>). An entry is decompressed
 * as it is read, never whole into memory. Errors are logged naming the
 * archive and the entry. */
#ifndef BENCH_IMPORT_ZIPARC_H
#define BENCH_IMPORT_ZIPARC_H

#include <stddef.h>
#include <stdint.h>

struct ziparc;
struct zipent;

/* BENCH_ERR_PARSE when path is not a zip archive. */
int ziparc_open(const char *path, struct ziparc **a);
void ziparc_close(struct ziparc *a);
/* The first entry whose name matches the fnmatch(3) pattern into name;
 * 0 when none does, 1 when one does. */
int ziparc_find(struct ziparc *a, const char *pattern, char *name, size_t n);
/* Open an entry by its name; BENCH_ERR_PARSE when the archive has none. */
int ziparc_entry(struct ziparc *a, const char *name, struct zipent **e,
		 uint64_t *size);
/* Up to n bytes into buf; *got 0 at the end of the entry. */
int zipent_read(struct zipent *e, void *buf, size_t n, size_t *got);
void zipent_close(struct zipent *e);

#endif
