/* SPDX-License-Identifier: Apache-2.0 */
/* support.h - helpers shared by the Criterion tests. */
#ifndef BENCH_TESTS_SUPPORT_H
#define BENCH_TESTS_SUPPORT_H

#include <stddef.h>

/* Make a fresh temporary directory; returns its path (malloc'd). The
 * directory and everything in it go when the process that made it exits
 * (each Criterion test is a process of its own). */
char *tmpdir_new(const char *tag);
/* Write text to dir/name; returns malloc'd full path. */
char *tmpfile_write(const char *dir, const char *name, const char *text);
/* Capture log messages: start, then read the concatenated text. */
void logcap_start(void);
const char *logcap_text(void);
void logcap_stop(void);

#endif
