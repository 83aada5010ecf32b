/* SPDX-License-Identifier: Apache-2.0 */
/* h5log_priv.h - what the run-file writer (h5log.c), resume
 * (h5log_resume.c) and recover (h5log_recover.c) share: the writer object
 * and its datasets. Private to those three files. */
#ifndef RUNFILE_H5LOG_PRIV_H
#define RUNFILE_H5LOG_PRIV_H

#include <hdf5.h>
#include <pthread.h>
#include <stdatomic.h>

#include "runfile/h5log.h"
#include "runfile/ring.h"

enum rec_type { REC_SAMPLE = 1, REC_STEP, REC_EVENT, REC_FRAME };

/* Raw CAN frame as stored in /can/frames. */
struct frame_row {
	double t_s;
	uint32_t id;
	uint8_t flags;
	uint8_t len;
	uint8_t data[CANFRAME_MAX_LEN];
};

/* One ring slot. A sample's cell voltages then temperatures follow in
 * cells[] (the slot is sized for them). */
struct rec {
	uint32_t type;
	union {
		struct run_sample s;
		struct run_step st;
		struct run_event ev;
		struct frame_row fr;
	} u;
	float cells[];
};

/* An appendable dataset and its current length in rows. */
struct dset {
	hid_t id;
	hsize_t rows;
	hsize_t width; /* 0: 1-D */
};

struct h5types {
	hid_t step_mem, step_file;
	hid_t event_mem, event_file;
	hid_t frame_mem, frame_file;
};

struct h5log {
	char *path;
	/* Until the first flush the file lives under this name: a run
	 * killed before its first records (the settings resume needs) are
	 * on disk leaves no file at path, so it is started afresh rather
	 * than resumed from nothing. NULL once published. */
	char *creating;
	hid_t file;
	struct h5types ty;
	struct dset ts[RUN_N_COLS];
	struct dset cell_v, cell_t, steps, events, frames;
	uint32_t series, n_probes;
	int can_frames;
	int block_when_full;

	struct ring *ring;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t wake;	/* producer -> writer */
	pthread_cond_t done_cv; /* writer -> producer (flushed, space) */
	uint64_t pushed;	/* records committed (producer) */
	uint64_t done;		/* records written and flushed (writer) */
	uint64_t flush_req;	/* flush everything up to this record */
	int stop;
	int paused;
	uint32_t flush_ms;
	uint64_t min_free_bytes;
	atomic_int failed;   /* writing stopped: pushes fail */
	atomic_int io_error; /* ... because a write failed (not reserve) */

	/* After a stop at the reserve (failed, !io_error) pushes still
	 * fail, so the controller stops safely, but what it pushes then
	 * lands here (producer only until close) and is written at close. */
	char *tail;
	size_t tail_n, slot_size;

	uint64_t dropped_pending; /* producer only: not yet evented */
	double last_t_s;	  /* producer only: newest test time seen */
	_Atomic uint64_t samples_written, samples_dropped, flushes;

	/* writer-thread batch buffers */
	int bulk;
	size_t batch_rows; /* rows per batch (a chunk's in bulk mode) */
	size_t batch_n;
	void *col_buf[RUN_N_COLS];
	float *cell_v_buf, *cell_t_buf;
};

/* A file-access property list for the latest format; clear_flags 1 also
 * clears a killed writer's consistency flags, 2 also opens a file cut
 * short (see h5log.c). -1 on failure. */
hid_t h5log_fapl(int clear_flags);

/* The writer object for a file of series x n_probes cells, without a
 * file; h5log_free closes what is open and removes an unpublished file. */
int h5log_alloc(const char *path, uint32_t series, uint32_t n_probes,
		const struct h5log_cfg *cfg, struct h5log **out);
void h5log_free(struct h5log *l);
int h5log_start_thread(struct h5log *l);

/* Open an existing bench-run/1 file for writing (swmr: straight into SWMR
 * writing) and read its root attributes into meta (h5log_resume.c). */
int h5log_open_existing(const char *path, const struct h5log_cfg *cfg, int swmr,
			struct run_meta *meta, struct h5log **out);
/* The row count the row-aligned datasets share (h5log_open_existing
 * cut them to equal length); (hsize_t)-1, logged, when they differ. */
hsize_t h5log_rows(struct h5log *l);

/* Copy the root attributes and links of src_path, except the link named
 * skip (NULL: none), into a new file dst_path; chunks are copied as
 * stored. src may be a killed writer's file. Not logged. */
int h5log_copy(const char *src_path, const char *dst_path, const char *skip);

#endif
