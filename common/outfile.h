/* SPDX-License-Identifier: Apache-2.0 */
/* outfile.h - an output file (report, export, truth) that never destroys
 * a run file or an input, and never leaves half a file.
 *
 * outfile_open refuses an output that is one of the command's inputs
 * (same device and inode, whatever the name: a hard or symbolic link is
 * caught), an existing HDF5 file (a run file) or an existing file that is
 * not an earlier output of the same kind, then writes to a
 * temporary file in the output's directory; outfile_commit renames it
 * into place, outfile_discard removes it. A failed or killed command
 * leaves the old output (if any) as it was.
 */
#ifndef BENCH_COMMON_OUTFILE_H
#define BENCH_COMMON_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f; /* write here */
	char *path;
	char *tmp;
};

/* inputs: the paths the command reads (NULL entries are skipped).
 * own_start: how every output of this kind begins; an existing file that
 * does not (and is not empty) is refused, so a mistaken name never
 * replaces a recipe or profile. NULL: any regular file is replaced. */
int outfile_open(struct outfile *o, const char *path, const char *const *inputs,
		 size_t n_inputs, const char *own_start);
/* Flush, sync, close and rename into place; on any failure the
 * temporary file is removed. Releases o either way. */
int outfile_commit(struct outfile *o);
/* Remove the temporary file; the old output stays. NULL-safe, idempotent. */
void outfile_discard(struct outfile *o);

#endif
