/* SPDX-License-Identifier: Apache-2.0 */
/* runlock.h - who writes a run file: one writer at a time, and readers
 * can tell a live writer from a dead one.
 *
 * The writer (`bench run`, `bench resume`, `bench recover`, `bench grade
 * --write`) holds an OFD write lock (fcntl F_OFD_SETLK) on a sidecar file
 * "RUN.h5.lock" that holds its pid, for as long as it writes. The kernel
 * drops the lock when the process dies, however it dies, so a lock file
 * left behind by a kill is free, not stale. The sidecar, not the run file,
 * carries the lock: the writer builds the run file under another name and
 * renames it (h5log.h), and HDF5 takes its own flock on the run file.
 */
#ifndef BENCH_RUNFILE_RUNLOCK_H
#define BENCH_RUNFILE_RUNLOCK_H

#include <sys/types.h>

struct runlock;

/* Take the lock of run file path without waiting. BENCH_ERR_STATE (logged:
 * "'RUN.h5' is being written by pid N") when another process holds it, or
 * has the file open for writing under another name (a hard link). The
 * sidecar is named after the file's real path, so a symbolic link or
 * another relative path to the same file finds the same lock. */
int runlock_acquire(const char *path, struct runlock **out);

/* Remove the sidecar and drop the lock. NULL is fine. */
void runlock_release(struct runlock *l);

/* The pid of the live process holding path's lock, 0 when none holds it
 * (no sidecar, or one a dead writer left), -1 when held by a process
 * whose pid the sidecar does not say. */
pid_t runlock_holder(const char *path);

/* The pid of another process that has path's file open for writing
 * (compared by device and inode), or 0. */
pid_t runlock_open_writer(const char *path);

#endif
