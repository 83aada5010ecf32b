/* SPDX-License-Identifier: Apache-2.0 */
/* h5log.c - bench-run/1 writer: ring -> writer thread -> HDF5 in SWMR mode.
 *
 * Resuming a run is h5log_resume.c, bench recover h5log_recover.c; the
 * three share h5log_priv.h. Debian's libhdf5 is built
 * thread-safe, and only one thread touches a given file at a time anyway:
 * the caller before the thread starts and after it is joined, the writer
 * thread in between.
 */
#define LOG_PREFIX "h5log"
#include "h5log_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"
#include "runfile/h5attr.h"
#include "runfile/h5schema.h"

#define DEFAULT_RING_SAMPLES 65536
#define DEFAULT_FLUSH_MS 250
#define BATCH_ROWS 256
#define TS_CHUNK_ROWS 1024
#define CELLS_CHUNK_BYTES 65536
#define TABLE_CHUNK_ROWS 64
#define FRAME_CHUNK_ROWS 1024
#define DEFLATE_LEVEL 4
/* Bulk files (imports): a batch is one chunk of every /timeseries
 * column, written whole, and deflate's fastest level: level 4 took twice
 * as long to compress for a file 12 % smaller, no compression saved
 * little time for a file 20 times larger. */
#define BULK_CHUNK_ROWS 16384
#define BULK_DEFLATE_LEVEL 1
#define DEFAULT_MIN_FREE_BYTES (16u << 20)
/* Records taken after writing stopped at the reserve (the abort, the
 * steps it ends, the samples of the safe stop): written from the
 * reserve at close. A few kB per record, far below the reserve. */
#define TAIL_RECS 256

/* ---------- HDF5 helpers (shared by create, resume, recover, close) ---- */

hid_t h5log_fapl(int clear_flags)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	hbool_t yes = 1;

	if (fapl < 0)
		return H5I_INVALID_HID;
	if (H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) <
	    0)
		goto fail;
	/* What h5clear -s does: the library's file-access property that
	 * clears the superblock status flags a killed SWMR writer left. */
	if (clear_flags && H5Pset(fapl, "clear_status_flags", &yes) < 0)
		goto fail;
	/* And what h5clear --increment needs: open a file that a write
	 * failing half way (disk full) left shorter than its recorded end. */
	if (clear_flags > 1 && H5Pset(fapl, "skip_eof_check", &yes) < 0)
		goto fail;
	return fapl;
fail:
	H5Pclose(fapl);
	return H5I_INVALID_HID;
}

static int types_build(struct h5types *ty)
{
	hid_t t;
	hsize_t n64 = CANFRAME_MAX_LEN;

	memset(ty, 0xff, sizeof(*ty)); /* all -1 */
	ty->step_mem = h5schema_step_type();
	ty->event_mem = h5schema_event_type();
	if (ty->step_mem < 0 || ty->event_mem < 0)
		return BENCH_ERR_IO;

	t = H5Tcreate(H5T_COMPOUND, sizeof(struct frame_row));
	ty->frame_mem = t;
	if (t < 0 ||
	    H5Tinsert(t, "test_time_second", HOFFSET(struct frame_row, t_s),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "id", HOFFSET(struct frame_row, id),
		      H5T_NATIVE_UINT32) < 0 ||
	    H5Tinsert(t, "flags", HOFFSET(struct frame_row, flags),
		      H5T_NATIVE_UINT8) < 0 ||
	    H5Tinsert(t, "len", HOFFSET(struct frame_row, len),
		      H5T_NATIVE_UINT8) < 0)
		return BENCH_ERR_IO;
	{
		hid_t arr = H5Tarray_create2(H5T_NATIVE_UINT8, 1, &n64);
		herr_t e;

		if (arr < 0)
			return BENCH_ERR_IO;
		e = H5Tinsert(t, "data", HOFFSET(struct frame_row, data), arr);
		H5Tclose(arr);
		if (e < 0)
			return BENCH_ERR_IO;
	}

	/* On disk without the compiler's padding. */
	ty->step_file = H5Tcopy(ty->step_mem);
	ty->event_file = H5Tcopy(ty->event_mem);
	ty->frame_file = H5Tcopy(ty->frame_mem);
	if (ty->step_file < 0 || ty->event_file < 0 || ty->frame_file < 0 ||
	    H5Tpack(ty->step_file) < 0 || H5Tpack(ty->event_file) < 0 ||
	    H5Tpack(ty->frame_file) < 0)
		return BENCH_ERR_IO;
	return 0;
}

static void types_close(struct h5types *ty)
{
	hid_t *all[] = {&ty->step_mem,	 &ty->step_file, &ty->event_mem,
			&ty->event_file, &ty->frame_mem, &ty->frame_file};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] >= 0)
			H5Tclose(*all[i]);
		*all[i] = -1;
	}
}

static size_t col_size(enum run_col_type t)
{
	return t == RUN_COL_F64 ? 8 : 4;
}

static hid_t dset_create(const struct h5log *l, hid_t loc, const char *name,
			 hid_t type, hsize_t width, hsize_t chunk_rows,
			 const char *units)
{
	hsize_t dims[2] = {0, width};
	hsize_t maxdims[2] = {H5S_UNLIMITED, width};
	hsize_t chunk[2] = {chunk_rows, width};
	int rank = width ? 2 : 1;
	hid_t sp = -1, dcpl = -1, dapl = -1, ds = -1;

	sp = H5Screate_simple(rank, dims, maxdims);
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	dapl = H5Pcreate(H5P_DATASET_ACCESS);
	if (sp < 0 || dcpl < 0 || dapl < 0 ||
	    H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
	    H5Pset_deflate(dcpl, l->bulk ? BULK_DEFLATE_LEVEL : DEFLATE_LEVEL) <
		0 ||
	    /* Last, over the compressed bytes: a damaged chunk fails its
	     * read instead of decoding to plausible-looking numbers. */
	    H5Pset_fletcher32(dcpl) < 0 ||
	    /* The growing last chunk is stored raw, so flushing it every
	     * 250 ms rewrites it in place; compressed, every flush moved it
	     * and the file grew 60x faster than its data (SWMR writers never
	     * reuse freed space). It is compressed once full. A bulk
	     * file is not flushed before its end. */
	    (!l->bulk && H5Pset_chunk_opts(
			     dcpl, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) < 0) ||
	    /* A bulk file's sample batches are whole chunks: straight
	     * to the file, none kept (the cache held 1 MB per dataset).
	     * Steps and events come a row at a time: cached. */
	    (l->bulk && chunk_rows == l->batch_rows &&
	     H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
				H5D_CHUNK_CACHE_W0_DEFAULT) < 0))
		goto out;
	ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, dapl);
	if (ds >= 0 && units && h5attr_put_str(ds, "units", units, 0) < 0) {
		H5Dclose(ds);
		ds = -1;
	}
out:
	if (sp >= 0)
		H5Sclose(sp);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (dapl >= 0)
		H5Pclose(dapl);
	if (ds < 0)
		log_err("cannot create dataset '%s'", name);
	return ds;
}

static void dset_close(struct dset *d)
{
	if (d->id >= 0)
		H5Dclose(d->id);
	d->id = -1;
}

static int dset_append(struct dset *d, hid_t memtype, hsize_t n,
		       const void *buf)
{
	hsize_t newdims[2] = {d->rows + n, d->width};
	hsize_t start[2] = {d->rows, 0};
	hsize_t count[2] = {n, d->width};
	int rank = d->width ? 2 : 1;
	hid_t fsp = -1, msp = -1;
	int rc = BENCH_ERR_IO;

	if (n == 0)
		return 0;
	if (H5Dset_extent(d->id, newdims) < 0)
		goto out;
	fsp = H5Dget_space(d->id);
	msp = H5Screate_simple(rank, count, NULL);
	if (fsp < 0 || msp < 0 ||
	    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL) <
		0 ||
	    H5Dwrite(d->id, memtype, msp, fsp, H5P_DEFAULT, buf) < 0)
		goto out;
	d->rows += n;
	rc = 0;
out:
	if (fsp >= 0)
		H5Sclose(fsp);
	if (msp >= 0)
		H5Sclose(msp);
	return rc;
}

/* ---------- object life cycle ---------- */

static void h5log_init_ids(struct h5log *l)
{
	l->file = -1;
	memset(&l->ty, 0xff, sizeof(l->ty));
	for (int i = 0; i < RUN_N_COLS; i++)
		l->ts[i].id = -1;
	l->cell_v.id = l->cell_t.id = l->steps.id = l->events.id = -1;
	l->frames.id = -1;
}

static void h5log_close_objects(struct h5log *l)
{
	for (int i = 0; i < RUN_N_COLS; i++)
		dset_close(&l->ts[i]);
	dset_close(&l->cell_v);
	dset_close(&l->cell_t);
	dset_close(&l->steps);
	dset_close(&l->events);
	dset_close(&l->frames);
	if (l->file >= 0)
		H5Fclose(l->file);
	l->file = -1;
}

void h5log_free(struct h5log *l)
{
	if (!l)
		return;
	h5log_close_objects(l);
	types_close(&l->ty);
	ring_free(l->ring);
	for (int i = 0; i < RUN_N_COLS; i++)
		free(l->col_buf[i]);
	free(l->cell_v_buf);
	free(l->cell_t_buf);
	free(l->tail);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->wake);
	pthread_cond_destroy(&l->done_cv);
	if (l->creating)
		unlink(l->creating);
	free(l->creating);
	free(l->path);
	free(l);
}

int h5log_alloc(const char *path, uint32_t series, uint32_t n_probes,
		const struct h5log_cfg *cfg, struct h5log **out)
{
	struct h5log *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;
	size_t slot, n_slots;

	if (!l) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	h5log_init_ids(l);
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wake, &ca);
	pthread_cond_init(&l->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&l->failed, 0);
	atomic_init(&l->io_error, 0);
	atomic_init(&l->samples_written, 0);
	atomic_init(&l->samples_dropped, 0);
	atomic_init(&l->flushes, 0);
	l->series = series;
	l->n_probes = n_probes;
	l->path = strdup(path);
	n_slots =
	    cfg && cfg->ring_samples ? cfg->ring_samples : DEFAULT_RING_SAMPLES;
	l->flush_ms = cfg && cfg->flush_interval_ms ? cfg->flush_interval_ms
						    : DEFAULT_FLUSH_MS;
	l->min_free_bytes = cfg && cfg->min_free_bytes ? cfg->min_free_bytes
						       : DEFAULT_MIN_FREE_BYTES;
	l->block_when_full = cfg ? cfg->block_when_full : 0;
	l->bulk = cfg ? cfg->bulk : 0;
	l->batch_rows = l->bulk ? BULK_CHUNK_ROWS : BATCH_ROWS;
	if (l->bulk) /* no flush timer: written when the ring fills */
		l->flush_ms = UINT32_MAX;
	l->paused = cfg ? cfg->start_paused : 0;
	slot = sizeof(struct rec) + (size_t)(series + n_probes) * sizeof(float);
	slot = (slot + _Alignof(struct rec) - 1) / _Alignof(struct rec) *
	       _Alignof(struct rec);
	l->slot_size = slot;
	l->tail = malloc(TAIL_RECS * slot);
	for (int i = 0; i < RUN_N_COLS; i++)
		l->col_buf[i] = malloc(l->batch_rows * 8);
	l->cell_v_buf =
	    malloc(l->batch_rows * (series ? series : 1) * sizeof(float));
	l->cell_t_buf =
	    malloc(l->batch_rows * (n_probes ? n_probes : 1) * sizeof(float));
	if (!l->path || !l->cell_v_buf || !l->cell_t_buf || !l->tail) {
		log_err("out of memory");
		h5log_free(l);
		return BENCH_ERR_MEM;
	}
	for (int i = 0; i < RUN_N_COLS; i++) {
		if (!l->col_buf[i]) {
			log_err("out of memory");
			h5log_free(l);
			return BENCH_ERR_MEM;
		}
	}
	if (ring_new(n_slots, slot, &l->ring) < 0 || types_build(&l->ty) < 0) {
		log_err("cannot set up the writer for '%s'", path);
		h5log_free(l);
		return BENCH_ERR_MEM;
	}
	*out = l;
	return BENCH_OK;
}

static int create_layout(struct h5log *l)
{
	const struct run_col *cols = run_cols();
	hid_t g = -1;
	hsize_t cw = CELLS_CHUNK_BYTES / (4 * (l->series ? l->series : 1));
	hsize_t tw = CELLS_CHUNK_BYTES / (4 * (l->n_probes ? l->n_probes : 1));
	hsize_t ts_rows = l->bulk ? BULK_CHUNK_ROWS : TS_CHUNK_ROWS;
	int rc = BENCH_ERR_IO;

	if (cw < 16)
		cw = 16;
	if (tw > ts_rows)
		tw = ts_rows;
	g = H5Gcreate2(l->file, "/timeseries", H5P_DEFAULT, H5P_DEFAULT,
		       H5P_DEFAULT);
	if (g < 0)
		goto out;
	for (int i = 0; i < RUN_N_COLS; i++) {
		l->ts[i].id = dset_create(l, g, cols[i].name,
					  h5schema_col_type(cols[i].type), 0,
					  ts_rows, cols[i].units);
		if (l->ts[i].id < 0)
			goto out;
	}
	H5Gclose(g);
	g = H5Gcreate2(l->file, "/cells", H5P_DEFAULT, H5P_DEFAULT,
		       H5P_DEFAULT);
	if (g < 0)
		goto out;
	l->cell_v.width = l->series;
	l->cell_t.width = l->n_probes;
	l->cell_v.id = dset_create(l, g, "voltage_volt", H5T_IEEE_F32LE,
				   l->series, cw, "V");
	l->cell_t.id = dset_create(l, g, "temperature_celsius", H5T_IEEE_F32LE,
				   l->n_probes, tw, "degC");
	if (l->cell_v.id < 0 || l->cell_t.id < 0)
		goto out;
	l->steps.id = dset_create(
	    l, l->file, "steps", l->ty.step_file, 0, TABLE_CHUNK_ROWS,
	    "start_test_time_second,end_test_time_second=s; "
	    "charging_capacity_ah,discharging_capacity_ah=Ah; "
	    "charging_energy_wh,discharging_energy_wh=Wh; "
	    "start_voltage_volt,end_voltage_volt=V; step_count,step_index=1");
	l->events.id = dset_create(l, l->file, "events", l->ty.event_file, 0,
				   TABLE_CHUNK_ROWS, "test_time_second=s");
	if (l->steps.id < 0 || l->events.id < 0)
		goto out;
	if (l->can_frames) {
		H5Gclose(g);
		g = H5Gcreate2(l->file, "/can", H5P_DEFAULT, H5P_DEFAULT,
			       H5P_DEFAULT);
		if (g < 0)
			goto out;
		l->frames.id = dset_create(
		    l, g, "frames", l->ty.frame_file, 0, FRAME_CHUNK_ROWS,
		    "test_time_second=s; id,flags,len=1; "
		    "data=bytes");
		if (l->frames.id < 0)
			goto out;
	}
	rc = 0;
out:
	if (g >= 0)
		H5Gclose(g);
	return rc;
}

static void *writer_main(void *arg);

int h5log_start_thread(struct h5log *l)
{
	int e = pthread_create(&l->thread, NULL, writer_main, l);

	if (e) {
		log_err("cannot start the writer thread: %s", strerror(e));
		return BENCH_ERR_IO;
	}
	l->thread_started = 1;
	return BENCH_OK;
}

int h5log_create(const char *path, const struct run_meta *meta,
		 const struct h5log_cfg *cfg, struct h5log **out)
{
	struct h5log *l = NULL;
	struct run_meta m;
	char *tmp = NULL;
	hid_t fapl = -1;
	int rc;

	if (!path || !meta || meta->series == 0) {
		log_err("h5log_create: bad arguments");
		return BENCH_ERR_ARG;
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	TRY(h5log_alloc(path, meta->series, meta->n_probes, cfg, &l));
	l->can_frames = cfg ? cfg->can_frames : 0;
	rc = BENCH_ERR_IO;
	if (asprintf(&tmp, "%s.creating", path) < 0) {
		tmp = NULL;
		rc = BENCH_ERR_MEM;
		goto fail;
	}
	fapl = h5log_fapl(0);
	if (fapl < 0)
		goto fail;
	l->file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	if (l->file < 0) {
		log_err("cannot create '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	m = *meta;
	snprintf(m.status, sizeof(m.status), "running");
	m.end_reason[0] = '\0';
	m.resumed_times = 0;
	if (h5attr_meta_write(l->file, &m) < 0 || create_layout(l) < 0) {
		log_err("cannot lay out '%s'", tmp);
		goto fail;
	}
	if (!l->bulk && H5Fstart_swmr_write(l->file) < 0) {
		log_err("cannot start SWMR writing on '%s'", tmp);
		goto fail;
	}
	l->creating = tmp;
	tmp = NULL;
	rc = h5log_start_thread(l);
	if (rc < 0)
		goto fail;
	H5Pclose(fapl);
	*out = l;
	return BENCH_OK;
fail:
	if (fapl >= 0)
		H5Pclose(fapl);
	h5log_free(l); /* removes the half-made file */
	if (tmp)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Give the file its real name (after its first flush, or at close). */
static int publish(struct h5log *l)
{
	if (!l->creating)
		return 0;
	if (rename(l->creating, l->path) < 0) {
		log_err("cannot rename '%s' to '%s': %s", l->creating, l->path,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	free(l->creating);
	l->creating = NULL;
	return 0;
}

/* ---------- producer side ---------- */

static int writer_failed(struct h5log *l)
{
	return atomic_load(&l->failed);
}

/* Next free slot; blocks only with block_when_full (simulation). */
static struct rec *slot_get(struct h5log *l)
{
	struct rec *r = ring_reserve(l->ring);

	if (r || !l->block_when_full)
		return r;
	pthread_mutex_lock(&l->mu);
	l->paused = 0; /* a paused writer would never make room */
	while (!(r = ring_reserve(l->ring)) && !writer_failed(l)) {
		pthread_cond_signal(&l->wake);
		pthread_cond_wait(&l->done_cv, &l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	return r;
}

/* A slot for a record pushed after writing stopped, or NULL: only after
 * a stop at the reserve, and while the tail has room. A full tail keeps
 * taking samples over its last sample, so the newest (the current back
 * at zero) is the one the file ends with. */
static struct rec *tail_slot(struct h5log *l, enum rec_type type)
{
	struct rec *last;

	if (atomic_load(&l->io_error))
		return NULL;
	if (l->tail_n < TAIL_RECS)
		return (struct rec *)(l->tail + l->slot_size * l->tail_n++);
	last = (struct rec *)(l->tail + l->slot_size * (TAIL_RECS - 1));
	if (type == REC_SAMPLE && last->type == REC_SAMPLE)
		return last;
	log_err("'%s': writing stopped and its reserve of %d records is "
		"used: a record of type %d is lost",
		l->path, TAIL_RECS, (int)type);
	return NULL;
}

static void slot_commit(struct h5log *l)
{
	ring_commit(l->ring);
	/* Wake the writer early when a quarter of the ring is used, so a
	 * burst does not wait for the flush timer. */
	pthread_mutex_lock(&l->mu);
	l->pushed++;
	if (ring_count(l->ring) >= ring_capacity(l->ring) / 4)
		pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
}

static int push_event_raw(struct h5log *l, const struct run_event *ev)
{
	struct rec *r = slot_get(l);

	if (!r)
		return BENCH_ERR_IO;
	r->type = REC_EVENT;
	r->u.ev = *ev;
	slot_commit(l);
	return BENCH_OK;
}

static void fill_sample(struct h5log *l, struct rec *r,
			const struct run_sample *s)
{
	r->type = REC_SAMPLE;
	r->u.s = *s;
	r->u.s.cell_voltage_V = NULL;
	r->u.s.cell_temperature_C = NULL;
	if (l->series)
		memcpy(r->cells, s->cell_voltage_V, l->series * sizeof(float));
	if (l->n_probes)
		memcpy(r->cells + l->series, s->cell_temperature_C,
		       l->n_probes * sizeof(float));
}

/* Record dropped samples as an event as soon as a slot is free. */
static void overflow_event(struct h5log *l)
{
	struct run_event ev = {.t_s = l->last_t_s};

	if (!l->dropped_pending)
		return;
	snprintf(ev.severity, sizeof(ev.severity), "warning");
	snprintf(ev.code, sizeof(ev.code), "ring_overflow");
	snprintf(ev.message, sizeof(ev.message),
		 "ring overflow: %llu samples dropped",
		 (unsigned long long)l->dropped_pending);
	if (push_event_raw(l, &ev) == BENCH_OK) {
		log_warn("'%s': %s", l->path, ev.message);
		l->dropped_pending = 0;
	}
}

int h5log_push_sample(struct h5log *l, const struct run_sample *s)
{
	struct rec *r;

	if (writer_failed(l)) {
		r = tail_slot(l, REC_SAMPLE);
		if (r)
			fill_sample(l, r, s);
		return BENCH_ERR_IO;
	}
	l->last_t_s = s->test_time_s;
	overflow_event(l);
	r = slot_get(l);
	if (!r) {
		l->dropped_pending++;
		atomic_fetch_add(&l->samples_dropped, 1);
		return BENCH_OK;
	}
	fill_sample(l, r, s);
	slot_commit(l);
	return BENCH_OK;
}

int h5log_push_step(struct h5log *l, const struct run_step *st)
{
	struct rec *r;

	if (writer_failed(l)) {
		r = tail_slot(l, REC_STEP);
		if (r) {
			r->type = REC_STEP;
			r->u.st = *st;
		}
		return BENCH_ERR_IO;
	}
	overflow_event(l);
	r = slot_get(l);
	if (!r) {
		log_err("'%s': ring full, step %u lost", l->path,
			st->step_count);
		return BENCH_ERR_IO;
	}
	r->type = REC_STEP;
	r->u.st = *st;
	slot_commit(l);
	return BENCH_OK;
}

int h5log_push_event(struct h5log *l, const struct run_event *ev)
{
	if (writer_failed(l)) {
		struct rec *r = tail_slot(l, REC_EVENT);

		if (r) {
			r->type = REC_EVENT;
			r->u.ev = *ev;
		}
		return BENCH_ERR_IO;
	}
	overflow_event(l);
	if (push_event_raw(l, ev) < 0) {
		log_err("'%s': ring full, event '%s' lost", l->path, ev->code);
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

int h5log_push_frame(struct h5log *l, double t_s, const struct canframe *f)
{
	struct rec *r;

	if (writer_failed(l))
		return BENCH_ERR_IO;
	if (!l->can_frames)
		return BENCH_OK;
	r = slot_get(l);
	if (!r) {
		/* Raw frames are a debugging aid: count them with samples. */
		l->dropped_pending++;
		atomic_fetch_add(&l->samples_dropped, 1);
		return BENCH_OK;
	}
	r->type = REC_FRAME;
	memset(&r->u.fr, 0, sizeof(r->u.fr));
	r->u.fr.t_s = t_s;
	r->u.fr.id = f->id;
	r->u.fr.flags = f->flags | (f->fd ? CANFRAME_FD_FDF : 0);
	r->u.fr.len = f->len > CANFRAME_MAX_LEN ? CANFRAME_MAX_LEN : f->len;
	memcpy(r->u.fr.data, f->data, r->u.fr.len);
	slot_commit(l);
	return BENCH_OK;
}

/* Wait until every record pushed so far is written and flushed. */
static int flush_wait(struct h5log *l)
{
	uint64_t want;
	int rc;

	pthread_mutex_lock(&l->mu);
	l->paused = 0;
	want = l->pushed;
	l->flush_req = want;
	pthread_cond_signal(&l->wake);
	while (l->done < want && !writer_failed(l))
		pthread_cond_wait(&l->done_cv, &l->mu);
	rc = writer_failed(l) ? BENCH_ERR_IO : BENCH_OK;
	pthread_mutex_unlock(&l->mu);
	return rc;
}

int h5log_flush(struct h5log *l)
{
	if (writer_failed(l))
		return BENCH_ERR_IO;
	overflow_event(l);
	TRY(flush_wait(l));
	if (!l->dropped_pending)
		return BENCH_OK;
	/* The ring was too full to take the overflow event: it has room
	 * now. */
	overflow_event(l);
	return flush_wait(l);
}

void h5log_get_stats(struct h5log *l, struct h5log_stats *st)
{
	st->samples_written = atomic_load(&l->samples_written);
	st->samples_dropped = atomic_load(&l->samples_dropped);
	st->flushes = atomic_load(&l->flushes);
}

/* ---------- writer thread ---------- */

static int write_batch(struct h5log *l)
{
	const struct run_col *cols = run_cols();
	hsize_t n = l->batch_n;

	if (n == 0)
		return 0;
	/* Cells last: a kill between the extends leaves the cells shorter,
	 * and readers take the minimum length. */
	for (int i = 0; i < RUN_N_COLS; i++)
		if (dset_append(&l->ts[i], h5schema_col_type(cols[i].type), n,
				l->col_buf[i]) < 0)
			return BENCH_ERR_IO;
	if (dset_append(&l->cell_v, H5T_NATIVE_FLOAT, n, l->cell_v_buf) < 0)
		return BENCH_ERR_IO;
	if (l->n_probes &&
	    dset_append(&l->cell_t, H5T_NATIVE_FLOAT, n, l->cell_t_buf) < 0)
		return BENCH_ERR_IO;
	if (!l->n_probes)
		l->cell_t.rows += n;
	atomic_fetch_add(&l->samples_written, n);
	l->batch_n = 0;
	return 0;
}

static void batch_add(struct h5log *l, const struct rec *r)
{
	const struct run_col *cols = run_cols();
	size_t k = l->batch_n++;

	/* Constant sizes: plain moves, not a memcpy call per value. */
	for (int i = 0; i < RUN_N_COLS; i++) {
		const char *v = (const char *)&r->u.s + cols[i].offset;

		if (col_size(cols[i].type) == 8)
			memcpy((char *)l->col_buf[i] + k * 8, v, 8);
		else
			memcpy((char *)l->col_buf[i] + k * 4, v, 4);
	}
	memcpy(l->cell_v_buf + k * l->series, r->cells,
	       l->series * sizeof(float));
	memcpy(l->cell_t_buf + k * l->n_probes, r->cells + l->series,
	       l->n_probes * sizeof(float));
}

static int write_rec(struct h5log *l, const struct rec *r)
{
	switch (r->type) {
	case REC_SAMPLE:
		batch_add(l, r);
		return l->batch_n == l->batch_rows ? write_batch(l) : 0;
	case REC_STEP:
		return dset_append(&l->steps, l->ty.step_mem, 1, &r->u.st);
	case REC_EVENT:
		return dset_append(&l->events, l->ty.event_mem, 1, &r->u.ev);
	case REC_FRAME:
		return dset_append(&l->frames, l->ty.frame_mem, 1, &r->u.fr);
	}
	return 0;
}

static int headroom_ok(struct h5log *l);

/* Write everything the ring holds now (a bulk file's partial batch only
 * when final: it waits to fill its chunk); returns records consumed or
 * -1. The space left is checked again every batch: one drain of a full
 * ring could otherwise write far more than the reserve. */
static long drain(struct h5log *l, int final)
{
	const struct rec *r;
	long n = 0;

	while ((r = ring_front(l->ring))) {
		int e = 0;

		if (n && n % (long)l->batch_rows == 0 && !writer_failed(l))
			headroom_ok(l);
		if (!writer_failed(l))
			e = write_rec(l, r);
		ring_pop(l->ring);
		n++;
		if (e < 0)
			return BENCH_ERR_IO;
	}
	if ((final || !l->bulk) && !writer_failed(l) && write_batch(l) < 0)
		return BENCH_ERR_IO;
	return n;
}

static void deadline_after(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void writer_fail(struct h5log *l, const char *what)
{
	atomic_store(&l->failed, 1);
	if (atomic_exchange(&l->io_error, 1))
		return;
	log_err("'%s': cannot %s (disk full or I/O error): %s; data up to "
		"the last flush is kept",
		l->path, what, errno ? strerror(errno) : "HDF5 error");
}

/* Bytes the file may still grow by: free space on its file system and
 * the process's file-size limit, whichever is less. */
static uint64_t headroom_bytes(const struct h5log *l)
{
	uint64_t room = UINT64_MAX;
	struct statvfs vfs;
	struct rlimit rl;
	struct stat st;

	if (statvfs(l->path, &vfs) == 0)
		room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    stat(l->path, &st) == 0) {
		uint64_t left = rl.rlim_cur > (rlim_t)st.st_size
				    ? (uint64_t)(rl.rlim_cur - st.st_size)
				    : 0;
		if (left < room)
			room = left;
	}
	return room;
}

/* Stop writing while there is still room to close the file cleanly: a
 * write that fails half way leaves a file only h5clear can half mend. */
static int headroom_ok(struct h5log *l)
{
	uint64_t room = headroom_bytes(l);

	if (room >= l->min_free_bytes)
		return 1;
	if (!atomic_exchange(&l->failed, 1))
		log_err("'%s': disk nearly full (%llu kB left, %llu kB kept "
			"to close the file): writing stopped, data up to the "
			"last flush is kept",
			l->path, (unsigned long long)(room >> 10),
			(unsigned long long)(l->min_free_bytes >> 10));
	return 0;
}

static void *writer_main(void *arg)
{
	struct h5log *l = arg;
	struct timespec next;
	uint64_t consumed = 0, unflushed = 0;
	int stop;

	/* The error-stack switch is per thread in thread-safe HDF5. */
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	deadline_after(&next, l->flush_ms);
	for (;;) {
		uint64_t req;
		long n;

		pthread_mutex_lock(&l->mu);
		while (!l->stop &&
		       (l->paused ||
			(l->flush_req <= l->done && !past(&next) &&
			 ring_count(l->ring) < ring_capacity(l->ring) / 4)))
			if (pthread_cond_timedwait(&l->wake, &l->mu, &next) ==
				ETIMEDOUT &&
			    !l->paused)
				break;
		stop = l->stop;
		req = l->flush_req;
		pthread_mutex_unlock(&l->mu);

		if (!writer_failed(l))
			headroom_ok(l);
		errno = 0;
		n = drain(l, stop || req > l->done);
		if (n < 0) {
			writer_fail(l, "append to the file");
			n = 0;
		}
		consumed += (uint64_t)n;
		unflushed += (uint64_t)n;
		if (unflushed && !writer_failed(l) &&
		    (past(&next) || req > l->done || stop)) {
			errno = 0;
			if (H5Fflush(l->file, H5F_SCOPE_LOCAL) < 0)
				writer_fail(l, "flush the file");
			else if (publish(l) < 0)
				writer_fail(l, "name the file");
			atomic_fetch_add(&l->flushes, 1);
			unflushed = 0;
		}
		if (past(&next))
			deadline_after(&next, l->flush_ms);

		pthread_mutex_lock(&l->mu);
		if (!unflushed || writer_failed(l))
			l->done = consumed;
		pthread_cond_broadcast(&l->done_cv);
		if (stop && ring_count(l->ring) == 0) {
			pthread_mutex_unlock(&l->mu);
			break;
		}
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

/* ---------- close ---------- */

static herr_t copy_attr(hid_t src, const char *name, const H5A_info_t *info,
			void *dst_p)
{
	hid_t dst = *(hid_t *)dst_p;
	hid_t a = H5Aopen(src, name, H5P_DEFAULT);
	hid_t t = a < 0 ? -1 : H5Aget_type(a);
	hid_t sp = a < 0 ? -1 : H5Aget_space(a);
	hid_t b = -1;
	void *buf = NULL;
	herr_t e = -1;

	(void)info;
	/* only fixed-size types: this file has no variable-length data */
	if (t < 0 || sp < 0 || H5Tis_variable_str(t) != 0 ||
	    H5Tdetect_class(t, H5T_VLEN) != 0)
		goto out;
	buf = calloc(1, H5Aget_storage_size(a) + 1);
	b = H5Acreate2(dst, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	if (buf && b >= 0 && H5Aread(a, t, buf) >= 0 &&
	    H5Awrite(b, t, buf) >= 0)
		e = 0;
out:
	free(buf);
	if (b >= 0)
		H5Aclose(b);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return e;
}

struct copy_to {
	hid_t dst;
	const char *skip;
};

static herr_t copy_link(hid_t src, const char *name, const H5L_info_t *info,
			void *to_p)
{
	const struct copy_to *to = to_p;

	(void)info;
	if (to->skip && strcmp(name, to->skip) == 0)
		return 0;
	return H5Ocopy(src, name, to->dst, name, H5P_DEFAULT, H5P_DEFAULT);
}

int h5log_copy(const char *src_path, const char *dst_path, const char *skip)
{
	/* read-only: a killed writer's flags and a short end are ignored */
	hid_t src_fapl = h5log_fapl(2), fapl = h5log_fapl(0);
	hid_t src = -1, dst = -1;
	struct copy_to to = {-1, skip};
	int rc = BENCH_ERR_IO;

	if (src_fapl < 0 || fapl < 0)
		goto out;
	src = H5Fopen(src_path, H5F_ACC_RDONLY, src_fapl);
	dst = src < 0 ? -1
		      : H5Fcreate(dst_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	to.dst = dst;
	if (dst >= 0 &&
	    H5Aiterate2(src, H5_INDEX_CRT_ORDER, H5_ITER_INC, NULL, copy_attr,
			&dst) >= 0 &&
	    H5Literate(src, H5_INDEX_NAME, H5_ITER_INC, NULL, copy_link, &to) >=
		0)
		rc = BENCH_OK;
out:
	if (dst >= 0 && H5Fclose(dst) < 0)
		rc = BENCH_ERR_IO;
	if (src >= 0)
		H5Fclose(src);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (src_fapl >= 0)
		H5Pclose(src_fapl);
	return rc;
}

/* Rewrite a closed run file without the space SWMR writing left unused
 * (every chunk's uncompressed draft: about 7/8 of the file). The copy
 * is built beside it and renamed over it, so a failure or a kill keeps
 * the original; chunks are copied as stored, not recompressed. */
static void compact(const char *path)
{
	char *tmp = NULL;
	struct stat before, after;

	if (asprintf(&tmp, "%s.compact", path) < 0)
		tmp = NULL;
	if (tmp && h5log_copy(path, tmp, NULL) == BENCH_OK &&
	    stat(path, &before) == 0 && stat(tmp, &after) == 0 &&
	    rename(tmp, path) == 0) {
		log_info("'%s': packed from %lld to %lld kB", path,
			 (long long)before.st_size >> 10,
			 (long long)after.st_size >> 10);
	} else if (tmp) {
		log_warn("'%s': could not pack the file (it stays as written, "
			 "about 7x its data)",
			 path);
		unlink(tmp);
	}
	free(tmp);
}

/* After a stop at the reserve: write what was pushed since (the abort
 * event, the safe stop's samples) from the reserve. */
static void write_tail(struct h5log *l)
{
	size_t i;
	int e = 0;

	if (atomic_load(&l->io_error) || !l->tail_n)
		return;
	errno = 0;
	for (i = 0; i < l->tail_n && e == 0; i++)
		e = write_rec(l,
			      (const struct rec *)(l->tail + l->slot_size * i));
	if (e == 0)
		e = write_batch(l);
	if (e < 0)
		writer_fail(l, "write the final records from the reserve");
	else
		log_info("'%s': %zu final records written from the reserve",
			 l->path, l->tail_n);
}

int h5log_close(struct h5log *l, const char *status, const char *end_reason)
{
	int rc = BENCH_OK;

	if (!l)
		return BENCH_OK;
	if (!writer_failed(l))
		overflow_event(l);
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	l->paused = 0;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
	if (l->thread_started)
		pthread_join(l->thread, NULL);
	if (writer_failed(l)) {
		rc = BENCH_ERR_IO;
		write_tail(l);
	}
	if (publish(l) < 0)
		rc = BENCH_ERR_IO;
	/* Everything else reaches the disk before the status does: a flush
	 * that fails (no space left) leaves "running" for bench recover
	 * to mark interrupted, and a run whose records did not all reach
	 * the file is never marked complete. */
	errno = 0;
	if (H5Fflush(l->file, H5F_SCOPE_LOCAL) < 0) {
		writer_fail(l, "flush the file before closing it");
		rc = BENCH_ERR_IO;
	}
	if (rc < 0 && status && strcmp(status, "complete") == 0) {
		log_err("'%s': not all records reached the file: marked "
			"aborted, not complete",
			l->path);
		status = "aborted";
		end_reason = "bench:LOG_WRITE run file incomplete";
	}
	/* Still in SWMR mode: overwrite status and end_reason in place and
	 * close. Reopening the file normally to set them, as first
	 * planned, left a window in which a kill made the file unreadable
	 * to SWMR readers. */
	if (h5attr_set_status(l->file, status, end_reason) < 0) {
		log_err("'%s': cannot set its status to '%s'", l->path,
			status ? status : "");
		rc = BENCH_ERR_IO;
	}
	if (H5Fflush(l->file, H5F_SCOPE_LOCAL) < 0)
		rc = BENCH_ERR_IO;
	h5log_close_objects(l);
	if (rc == BENCH_OK && !l->bulk)
		compact(l->path);
	h5log_free(l);
	return rc;
}
