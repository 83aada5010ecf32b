/* SPDX-License-Identifier: Apache-2.0 */
/* h5log.h - the bench-run/1 HDF5 writer (docs/hdf5-schema.md).
 *
 * The control loop pushes copies of samples, steps, events and (optionally)
 * raw CAN frames into a bounded ring; a writer thread appends them to the
 * file in SWMR mode and flushes at least every flush_interval_ms of wall
 * time, so a killed process loses at most that much and leaves a file that
 * SWMR readers (h5py swmr=True, runfile_open) can read.
 *
 * Pushes never block and never touch the disk. When the ring is full a
 * sample is dropped and counted; the next successful push records an event
 * "ring overflow: N samples dropped". Once the writer thread has failed
 * (disk full, I/O error) every push returns BENCH_ERR_IO so the controller
 * stops safely; what was flushed before stays readable. After a stop at
 * the min_free_bytes reserve the records pushed then (up to 256, the
 * newest sample kept) are still written, from the reserve, at close.
 *
 * Life cycle:
 *   h5log_create / h5log_open_resume   status "running", SWMR write starts
 *   h5log_push_* ... h5log_flush       (flush at step ends and before abort)
 *   h5log_close(l, "complete"|"aborted", reason)    status set in place
 * The writer is h5log.c, resume h5log_resume.c, recover h5log_recover.c.
 */
#ifndef BENCH_BENCH_H5LOG_H
#define BENCH_BENCH_H5LOG_H

#include <stddef.h>
#include <stdint.h>

#include "can/canframe.h"
#include "runfile/runschema.h"

struct h5log;

struct h5log_cfg {
	size_t ring_samples;	    /* 0: default 65536 */
	uint32_t flush_interval_ms; /* 0: default 250 (wall time) */
	int can_frames;		    /* create /can/frames (raw bus log) */
	/* Simulation on virtual time: a full ring makes the push wait for
	 * the writer instead of dropping (no real-time loop to protect). */
	int block_when_full;
	/* The writer writes nothing until the first h5log_flush/close:
	 * makes ring overflow deterministic in tests. */
	int start_paused;
	/* Stop writing (BENCH_ERR_IO) when the file system, or the process's
	 * file-size limit, leaves less than this: the file is then closed
	 * cleanly instead of cut mid-write. 0: default 16 MiB. */
	uint64_t min_free_bytes;
	/* A file built in one go under a temporary name (`bench import`):
	 * no SWMR and no flush timer (nobody reads it while it is written),
	 * so no packing at close either; larger chunks and cheaper deflate
	 * (docs/hdf5-schema.md, "Storage"). Only for h5log_create. */
	int bulk;
};

/* Create the run file, write the root attributes from meta with status
 * "running", create every dataset, start SWMR write and the writer
 * thread. cfg may be NULL for the defaults. The file is built as
 * "path.creating" and renamed to path (replacing any old file) by its
 * first flush: push what `bench resume` needs first, then h5log_flush,
 * and a kill before that leaves no file at path to resume from. */
int h5log_create(const char *path, const struct run_meta *meta,
		 const struct h5log_cfg *cfg, struct h5log **out);

/* Copy into the ring; never blocks. BENCH_ERR_IO once the writer failed. */
int h5log_push_sample(struct h5log *l, const struct run_sample *s);
int h5log_push_step(struct h5log *l, const struct run_step *st);
int h5log_push_event(struct h5log *l, const struct run_event *ev);
/* Raw frame at test time t_s; ignored (BENCH_OK) without cfg.can_frames. */
int h5log_push_frame(struct h5log *l, double t_s, const struct canframe *f);

/* Block until everything pushed so far is written and flushed to disk. */
int h5log_flush(struct h5log *l);

/* Drain, stop the thread, set status and end_reason (NULL: "") in place
 * (the file never leaves SWMR mode while open, so SWMR readers can read it
 * at every moment), close, then pack the file (a copy without the space
 * SWMR writing leaves unused, renamed over it). Returns the first error
 * seen (writer or close); the object is freed either way. */
int h5log_close(struct h5log *l, const char *status, const char *end_reason);

struct h5log_stats {
	uint64_t samples_written;
	uint64_t samples_dropped; /* ring overflow, total */
	uint64_t flushes;
};
void h5log_get_stats(struct h5log *l, struct h5log_stats *st);

/* What a resumed run continues from. last.cell_* arrays are malloc'd
 * (series and n_probes entries); release with h5log_tail_release. */
struct h5log_tail {
	size_t rows; /* timeseries rows in the file */
	int has_last;
	struct run_sample last; /* the last row */
	int has_step;
	struct run_step last_step; /* the last /steps row */
	size_t n_steps, n_events;
};
void h5log_tail_release(struct h5log_tail *t);

/* Reopen a run file for appending, straight in SWMR-write mode: clear the
 * consistency flags a killed writer left, read meta (caller releases with
 * run_meta_release) and the tail, set status "running", increment
 * resumed_times, start the writer thread. Rows in the cells datasets beyond the
 * timeseries length (a kill between the two extends) are cut back so all stay
 * equal. cfg may be NULL; can_frames follows whether the file has /can/frames.
 */
int h5log_open_resume(const char *path, const struct h5log_cfg *cfg,
		      struct run_meta *meta, struct h5log_tail *tail,
		      struct h5log **out);

/* Clear the consistency flags (what `h5clear -s` does) and, if the status
 * says "running", set it to new_status (e.g. "interrupted") and record why
 * in end_reason. Leaves the file closed; plain opens work afterwards. */
int h5log_recover(const char *path, const char *new_status);

#endif
