/* SPDX-License-Identifier: Apache-2.0 */
/* watch.h - `bench watch`: follow a running test from another terminal,
 * through its run file (SWMR read) or its control socket. */
#ifndef BENCH_WATCH_H
#define BENCH_WATCH_H

#include <stdbool.h>
#include <stddef.h>

/* what: RUN.h5, a pack id, a socket path, or NULL (the only run in the
 * runtime directory). Returns the exit status. */
int watch_main(const char *what, bool once);
/* The single *.sock in the runtime directory; an error (logged) when
 * there is none or more than one. */
int watch_only_socket(char *path, size_t len);

#endif
