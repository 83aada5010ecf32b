/* SPDX-License-Identifier: Apache-2.0 */
/* h5log_resume.c - reopen a run file for appending (see h5log.h): refuse
 * anything but a bench-run/1 file nobody is writing, cut a half-written
 * row, read the tail, continue in SWMR mode. */
#define LOG_PREFIX "h5log"
#include "h5log_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"
#include "runfile/h5attr.h"
#include "runfile/h5schema.h"
#include "runfile/runlock.h"

static int dset_open(hid_t file, const char *path, struct dset *d)
{
	hid_t sp;
	hsize_t dims[2] = {0, 0};
	int rank;

	d->id = H5Dopen2(file, path, H5P_DEFAULT);
	if (d->id < 0) {
		log_err("dataset '%s' missing", path);
		return BENCH_ERR_ARG;
	}
	sp = H5Dget_space(d->id);
	rank = sp < 0 ? -1 : H5Sget_simple_extent_dims(sp, dims, NULL);
	if (sp >= 0)
		H5Sclose(sp);
	if (rank < 1 || rank > 2) {
		log_err("dataset '%s' has a bad shape", path);
		return BENCH_ERR_ARG;
	}
	d->rows = dims[0];
	d->width = rank == 2 ? dims[1] : 0;
	return 0;
}

static int dset_read_rows(struct dset *d, hid_t memtype, hsize_t start_row,
			  hsize_t n, void *buf)
{
	hsize_t start[2] = {start_row, 0};
	hsize_t count[2] = {n, d->width};
	int rank = d->width ? 2 : 1;
	hid_t fsp = H5Dget_space(d->id);
	hid_t msp = H5Screate_simple(rank, count, NULL);
	int rc = BENCH_ERR_IO;

	if (fsp >= 0 && msp >= 0 &&
	    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count,
				NULL) >= 0 &&
	    H5Dread(d->id, memtype, msp, fsp, H5P_DEFAULT, buf) >= 0)
		rc = 0;
	if (fsp >= 0)
		H5Sclose(fsp);
	if (msp >= 0)
		H5Sclose(msp);
	return rc;
}

static int open_all(struct h5log *l)
{
	char p[96];
	const struct run_col *cols = run_cols();

	for (int i = 0; i < RUN_N_COLS; i++) {
		snprintf(p, sizeof(p), "/timeseries/%s", cols[i].name);
		if (dset_open(l->file, p, &l->ts[i]) < 0)
			return BENCH_ERR_ARG;
	}
	if (dset_open(l->file, RUN_CELLS_VOLTAGE, &l->cell_v) < 0 ||
	    dset_open(l->file, RUN_CELLS_TEMPERATURE, &l->cell_t) < 0 ||
	    dset_open(l->file, "/steps", &l->steps) < 0 ||
	    dset_open(l->file, "/events", &l->events) < 0)
		return BENCH_ERR_ARG;
	if (l->can_frames && dset_open(l->file, "/can/frames", &l->frames) < 0)
		return BENCH_ERR_ARG;
	if (l->cell_v.width != l->series || l->cell_t.width != l->n_probes) {
		log_err("'%s': cells tables are %llu and %llu wide, expected "
			"%u and %u",
			l->path, (unsigned long long)l->cell_v.width,
			(unsigned long long)l->cell_t.width, l->series,
			l->n_probes);
		return BENCH_ERR_ARG;
	}
	return 0;
}

hsize_t h5log_rows(struct h5log *l)
{
	const struct dset *cells_t = l->n_probes ? &l->cell_t : &l->cell_v;

	for (int i = 0; i < RUN_N_COLS; i++)
		if (l->ts[i].rows != l->cell_v.rows)
			goto unequal;
	if (cells_t->rows != l->cell_v.rows)
		goto unequal;
	if (!l->n_probes)
		l->cell_t.rows = l->cell_v.rows;
	return l->cell_v.rows;
unequal:
	log_err("'%s': its tables have different lengths", l->path);
	return (hsize_t)-1;
}

static int read_tail(struct h5log *l, hsize_t rows, struct h5log_tail *t)
{
	const struct run_col *cols = run_cols();

	memset(t, 0, sizeof(*t));
	t->rows = rows;
	t->n_steps = l->steps.rows;
	t->n_events = l->events.rows;
	t->last.cell_voltage_V =
	    calloc(l->series ? l->series : 1, sizeof(float));
	t->last.cell_temperature_C =
	    calloc(l->n_probes ? l->n_probes : 1, sizeof(float));
	if (!t->last.cell_voltage_V || !t->last.cell_temperature_C)
		return BENCH_ERR_MEM;
	if (rows) {
		for (int i = 0; i < RUN_N_COLS; i++)
			if (dset_read_rows(
				&l->ts[i], h5schema_col_type(cols[i].type),
				rows - 1, 1,
				(char *)&t->last + cols[i].offset) < 0)
				return BENCH_ERR_IO;
		if (dset_read_rows(&l->cell_v, H5T_NATIVE_FLOAT, rows - 1, 1,
				   t->last.cell_voltage_V) < 0 ||
		    (l->n_probes &&
		     dset_read_rows(&l->cell_t, H5T_NATIVE_FLOAT, rows - 1, 1,
				    t->last.cell_temperature_C) < 0))
			return BENCH_ERR_IO;
		t->has_last = 1;
	}
	if (t->n_steps) {
		if (dset_read_rows(&l->steps, l->ty.step_mem, t->n_steps - 1, 1,
				   &t->last_step) < 0)
			return BENCH_ERR_IO;
		t->has_step = 1;
	}
	return BENCH_OK;
}

void h5log_tail_release(struct h5log_tail *t)
{
	free(t->last.cell_voltage_V);
	free(t->last.cell_temperature_C);
	t->last.cell_voltage_V = NULL;
	t->last.cell_temperature_C = NULL;
}

/* Open path for writing with the flags cleared and read what is needed
 * to continue: shape, meta. */
/* Refuse, read-only and before any open for writing, a file that is not
 * a bench-run/1 file: HDF5 opened read-write writes a superblock even
 * into an empty file, so a mistaken path would be overwritten. Tells
 * whether the file has a /grade. */
static int check_run_file(const char *path, int *has_grade)
{
	struct run_meta m;
	hid_t fapl, f;
	int rc;

	if (access(path, R_OK | W_OK) < 0) {
		log_err("cannot open '%s' for writing: %s", path,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	if (H5Fis_hdf5(path) <= 0) {
		log_err("'%s' is not an HDF5 file (empty or something else): "
			"not a %s run file, left untouched",
			path, RUN_SCHEMA);
		return BENCH_ERR_IO;
	}
	/* flags and a short end ignored: read-only, nothing is changed */
	fapl = h5log_fapl(2);
	f = fapl < 0 ? -1 : H5Fopen(path, H5F_ACC_RDONLY, fapl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (f < 0) {
		log_err("cannot open '%s': damaged HDF5 file, left untouched",
			path);
		return BENCH_ERR_IO;
	}
	rc = h5attr_meta_read(f, path, &m) < 0 ? BENCH_ERR_PROTO : BENCH_OK;
	*has_grade = H5Lexists(f, "grade", H5P_DEFAULT) > 0;
	if (rc == BENCH_OK)
		run_meta_release(&m);
	else
		log_err("'%s': not a %s run file, left untouched", path,
			RUN_SCHEMA);
	H5Fclose(f);
	return rc;
}

/* The path of row-aligned dataset i of RUN_N_COLS + 2: every timeseries
 * column, then the two cells tables. */
static const char *row_dset_name(int i, char *p, size_t n)
{
	if (i < RUN_N_COLS)
		snprintf(p, n, "/timeseries/%s", run_cols()[i].name);
	else
		snprintf(p, n, "%s",
			 i == RUN_N_COLS ? RUN_CELLS_VOLTAGE
					 : RUN_CELLS_TEMPERATURE);
	return p;
}

/* The shortest and the longest of f's row-aligned datasets. */
static int row_lengths(hid_t f, hsize_t *min, hsize_t *max)
{
	char p[96];

	*min = (hsize_t)-1;
	*max = 0;
	for (int i = 0; i < RUN_N_COLS + 2; i++) {
		struct dset d = {.id = -1};

		if (dset_open(f, row_dset_name(i, p, sizeof(p)), &d) < 0) {
			if (d.id >= 0)
				H5Dclose(d.id);
			return BENCH_ERR_PROTO;
		}
		H5Dclose(d.id);
		if (i == RUN_N_COLS + 1 && d.width == 0)
			continue; /* no probes: the table stays empty */
		if (d.rows < *min)
			*min = d.rows;
		if (d.rows > *max)
			*max = d.rows;
	}
	return BENCH_OK;
}

/* Cut the row-aligned datasets of f to rows. */
static int cut_rows(hid_t f, hsize_t rows)
{
	char p[96];

	for (int i = 0; i < RUN_N_COLS + 2; i++) {
		struct dset d = {.id = -1};
		hsize_t dims[2];
		int e;

		if (dset_open(f, row_dset_name(i, p, sizeof(p)), &d) < 0) {
			if (d.id >= 0)
				H5Dclose(d.id);
			return BENCH_ERR_IO;
		}
		dims[0] = rows;
		dims[1] = d.width;
		e = d.rows > rows ? H5Dset_extent(d.id, dims) : 0;
		H5Dclose(d.id);
		if (e < 0)
			return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

/* A kill between two extends leaves the tables of unequal length (cut
 * them to the shortest: no half row), and a /grade written before this
 * resume graded an unfinished run (drop it: the finished file never
 * carries a stale grade, docs/hdf5-schema.md). Both change the file's
 * structure, which HDF5 does not order for a kill the way it orders
 * appends (a kill during an in-place cut once left a chunk index
 * pointing past the end of the file). So the change is made on a copy,
 * closed cleanly and renamed over the file: a kill at any moment leaves
 * the old file or the new one, whole. */
static int repair_by_copy(const char *path, int drop_grade)
{
	hid_t fapl = h5log_fapl(2), f = -1;
	hsize_t min = 0, max = 0;
	char *tmp = NULL;
	int rc = BENCH_ERR_IO;

	f = fapl < 0 ? -1 : H5Fopen(path, H5F_ACC_RDONLY, fapl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (f < 0) {
		log_err("cannot open '%s': damaged HDF5 file, left untouched",
			path);
		return BENCH_ERR_IO;
	}
	rc = row_lengths(f, &min, &max);
	H5Fclose(f);
	if (rc < 0 || (min == max && !drop_grade))
		return rc;
	rc = BENCH_ERR_IO;
	if (asprintf(&tmp, "%s.repair", path) < 0) {
		tmp = NULL;
		goto out;
	}
	if (h5log_copy(path, tmp, drop_grade ? "grade" : NULL) < 0)
		goto out;
	fapl = h5log_fapl(0);
	f = fapl < 0 ? -1 : H5Fopen(tmp, H5F_ACC_RDWR, fapl);
	if (fapl >= 0)
		H5Pclose(fapl);
	if (f < 0 || cut_rows(f, min) < 0) {
		if (f >= 0)
			H5Fclose(f);
		goto out;
	}
	if (H5Fclose(f) < 0 || rename(tmp, path) < 0)
		goto out;
	if (max > min)
		log_warn("'%s': cut a half-written row (tables of %llu to "
			 "%llu rows, now %llu)",
			 path, (unsigned long long)min, (unsigned long long)max,
			 (unsigned long long)min);
	if (drop_grade)
		log_info("'%s': removed /grade: it graded the run before this "
			 "resume",
			 path);
	rc = BENCH_OK;
out:
	if (rc < 0) {
		log_err("'%s': cannot %s on a copy of it (left untouched)",
			path,
			max > min ? "cut its half-written row"
				  : "remove its /grade");
		if (tmp)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* swmr: open straight into SWMR writing (resume: the flags go from a
 * killed writer's to ours, never through a state SWMR readers refuse). */
int h5log_open_existing(const char *path, const struct h5log_cfg *cfg, int swmr,
			struct run_meta *meta, struct h5log **out)
{
	unsigned mode = H5F_ACC_RDWR | (swmr ? H5F_ACC_SWMR_WRITE : 0);
	pid_t writer = runlock_open_writer(path);
	struct h5log *l = NULL;
	hid_t fapl = -1, f = -1, ds;
	hsize_t dims[2] = {0, 0};
	uint32_t series = 0, probes = 0;
	int frames, has_grade, rc = BENCH_ERR_PROTO;

	if (writer) {
		log_err("'%s' is open for writing in process %d (a running "
			"bench?): stop it first",
			path, (int)writer);
		return BENCH_ERR_STATE;
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	TRY(check_run_file(path, &has_grade));
	TRY(repair_by_copy(path, swmr && has_grade));
	fapl = h5log_fapl(1);
	if (fapl < 0)
		return BENCH_ERR_IO;
	f = H5Fopen(path, mode, fapl);
	H5Pclose(fapl);
	if (f < 0 && H5Fis_hdf5(path) > 0) {
		fapl = h5log_fapl(2);
		f = fapl < 0 ? -1 : H5Fopen(path, mode, fapl);
		if (fapl >= 0)
			H5Pclose(fapl);
		if (f >= 0 && H5Fincrement_filesize(f, 0) < 0) {
			H5Fclose(f);
			f = -1;
		}
		if (f >= 0)
			log_warn("'%s' was cut short (disk full?): its end is "
				 "restored, rows written after the last good "
				 "flush may read as damaged",
				 path);
	}
	if (f < 0) {
		log_err("cannot open '%s' for writing: not a readable HDF5 run "
			"file",
			path);
		return BENCH_ERR_IO;
	}
	ds = H5Dopen2(f, RUN_CELLS_VOLTAGE, H5P_DEFAULT);
	if (ds >= 0) {
		hid_t sp = H5Dget_space(ds);
		if (sp >= 0 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2)
			series = (uint32_t)dims[1];
		if (sp >= 0)
			H5Sclose(sp);
		H5Dclose(ds);
	}
	ds = H5Dopen2(f, RUN_CELLS_TEMPERATURE, H5P_DEFAULT);
	if (ds >= 0) {
		hid_t sp = H5Dget_space(ds);
		if (sp >= 0 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2)
			probes = (uint32_t)dims[1];
		if (sp >= 0)
			H5Sclose(sp);
		H5Dclose(ds);
	}
	if (series == 0) {
		log_err("'%s': no %s table: not a %s file", path,
			RUN_CELLS_VOLTAGE, RUN_SCHEMA);
		H5Fclose(f);
		return BENCH_ERR_PROTO;
	}
	frames = H5Lexists(f, "/can", H5P_DEFAULT) > 0 &&
		 H5Lexists(f, "/can/frames", H5P_DEFAULT) > 0;
	rc = h5log_alloc(path, series, probes, cfg, &l);
	if (rc < 0) {
		H5Fclose(f);
		return rc;
	}
	l->file = f;
	l->can_frames = frames;
	if (h5attr_meta_read(f, path, meta) < 0) {
		h5log_free(l);
		return BENCH_ERR_PROTO;
	}
	meta->n_probes = probes;
	if (open_all(l) < 0) {
		run_meta_release(meta);
		h5log_free(l);
		return BENCH_ERR_PROTO;
	}
	*out = l;
	return BENCH_OK;
}

int h5log_open_resume(const char *path, const struct h5log_cfg *cfg,
		      struct run_meta *meta, struct h5log_tail *tail,
		      struct h5log **out)
{
	struct h5log *l = NULL;
	hsize_t rows;
	uint32_t resumed;
	int rc;

	TRY(h5log_open_existing(path, cfg, 1, meta, &l));
	memset(tail, 0, sizeof(*tail));
	rc = BENCH_ERR_IO;
	rows = h5log_rows(l);
	if (rows == (hsize_t)-1)
		goto fail;
	rc = read_tail(l, rows, tail);
	if (rc < 0) {
		log_err("'%s': cannot read the last row", path);
		goto fail;
	}
	rc = BENCH_ERR_IO;
	resumed = meta->resumed_times + 1;
	/* in place: the file is already in SWMR mode */
	if (h5attr_set_status(l->file, "running", "") < 0 ||
	    h5attr_put_num(l->file, "resumed_times", H5T_NATIVE_UINT32,
			   &resumed) < 0 ||
	    H5Fflush(l->file, H5F_SCOPE_LOCAL) < 0) {
		log_err("'%s': cannot mark it running again", path);
		goto fail;
	}
	meta->resumed_times = resumed;
	snprintf(meta->status, sizeof(meta->status), "running");
	meta->end_reason[0] = '\0';
	rc = h5log_start_thread(l);
	if (rc < 0)
		goto fail;
	*out = l;
	return BENCH_OK;
fail:
	h5log_tail_release(tail);
	run_meta_release(meta);
	h5log_free(l);
	return rc;
}
