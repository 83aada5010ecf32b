/* SPDX-License-Identifier: Apache-2.0 */
/* runfile.c - bench-run/1 reader (see runfile.h).
 *
 * Opens in SWMR-read mode first (works on running files and on files
 * whose writer was killed), then plain read-only (files made by other
 * tools). Every dataset's shape and type class is checked before use and
 * every value read against physical bounds, so a damaged file is an
 * error, never a wrong read.
 */
#define LOG_PREFIX "runfile"
#include "runfile.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/h5attr.h"
#include "runfile/h5schema.h"
#include "common/log.h"
#include "common/rc.h"

struct rdset {
	hid_t id;
	hsize_t rows;
	hsize_t width;
	char name[64]; /* its path, for errors */
};

struct runfile {
	char *path;
	hid_t file;
	struct run_meta meta;
	struct rdset ts[RUN_N_COLS];
	struct rdset cell_v, cell_t, steps, events;
	size_t rows;
};

static void quiet_hdf5(void)
{
	/* HDF5 prints its error stack on every failure; we log one line. */
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Open a dataset and check its rank, width and type class. */
static int rd_open(hid_t f, const char *path, int rank_want, H5T_class_t cls,
		   struct rdset *d)
{
	hsize_t dims[2] = {0, 0};
	hid_t sp = -1, t = -1;
	int rank, rc = BENCH_ERR_ARG;

	snprintf(d->name, sizeof(d->name), "%s", path);
	d->id = H5Dopen2(f, path, H5P_DEFAULT);
	if (d->id < 0) {
		log_err("dataset '%s' missing", path);
		return BENCH_ERR_ARG;
	}
	sp = H5Dget_space(d->id);
	t = H5Dget_type(d->id);
	rank = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
	if (rank < 1 || rank > 2 ||
	    H5Sget_simple_extent_dims(sp, dims, NULL) < 0)
		rank = -1;
	/* A cells table of no columns (a pack without temperature probes)
	 * is written as an empty one-dimensional set: zero wide. */
	if (rank == 1 && rank_want == 2 && dims[0] == 0)
		rank = 2;
	if (rank != rank_want || t < 0 || H5Tget_class(t) != cls) {
		log_err("dataset '%s' has the wrong shape or type", path);
		goto out;
	}
	d->rows = dims[0];
	d->width = rank == 2 ? dims[1] : 0;
	rc = 0;
out:
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	return rc;
}

static int rd_refresh(struct rdset *d)
{
	hsize_t dims[2] = {0, 0};
	hid_t sp;
	int rc = BENCH_ERR_IO;

	if (d->id < 0)
		return 0;
	/* H5Drefresh fails on files not opened for SWMR read: keep the old
	 * extent then (nothing can have changed). */
	H5Drefresh(d->id);
	sp = H5Dget_space(d->id);
	if (sp >= 0 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0) {
		d->rows = dims[0];
		rc = 0;
	}
	if (sp >= 0)
		H5Sclose(sp);
	return rc;
}

static void compute_rows(struct runfile *rf)
{
	hsize_t min = rf->ts[0].rows;

	for (int i = 1; i < RUN_N_COLS; i++)
		if (rf->ts[i].rows < min)
			min = rf->ts[i].rows;
	if (rf->cell_v.rows < min)
		min = rf->cell_v.rows;
	if (rf->cell_t.width && rf->cell_t.rows < min)
		min = rf->cell_t.rows;
	rf->rows = (size_t)min;
}

static void rd_close(struct rdset *d)
{
	if (d->id >= 0)
		H5Dclose(d->id);
	d->id = -1;
}

void runfile_close(struct runfile *rf)
{
	if (!rf)
		return;
	for (int i = 0; i < RUN_N_COLS; i++)
		rd_close(&rf->ts[i]);
	rd_close(&rf->cell_v);
	rd_close(&rf->cell_t);
	rd_close(&rf->steps);
	rd_close(&rf->events);
	if (rf->file >= 0)
		H5Fclose(rf->file);
	run_meta_release(&rf->meta);
	free(rf->path);
	free(rf);
}

/* SWMR readers retry a metadata read whose checksum fails (the writer
 * may be mid-write), sleeping twice as long each time: the default 100
 * attempts would sleep for hours on a really damaged file. 20 attempts
 * back off to about 1 ms, far longer than any torn write lasts. */
#define READ_ATTEMPTS 20

static hid_t open_file(const char *path)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	hbool_t ignore_flags = 1;
	hid_t f;

	if (fapl < 0)
		return BENCH_ERR_IO;
	H5Pset_metadata_read_attempts(fapl, READ_ATTEMPTS);
	f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
	if (f < 0) /* not a SWMR-capable (v3 superblock) file */
		f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	if (f < 0 && H5Pset(fapl, "clear_status_flags", &ignore_flags) >= 0) {
		/* A writer killed outside SWMR mode (during the few
		 * milliseconds a resume or close rewrites the attributes)
		 * leaves a flag SWMR readers refuse; read-only, this ignores
		 * it without touching the file (bench recover clears it). */
		f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
		if (f >= 0)
			log_warn("'%s': its writer stopped outside SWMR mode; "
				 "reading it anyway ('bench recover' fixes "
				 "the file for other tools)",
				 path);
	}
	H5Pclose(fapl);
	return f;
}

static int verify(struct runfile *rf);

int runfile_open(const char *path, struct runfile **out)
{
	const struct run_col *cols = run_cols();
	struct runfile *rf;
	char p[96];
	int rc = BENCH_ERR_PROTO;

	quiet_hdf5();
	rf = calloc(1, sizeof(*rf));
	if (!rf) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	rf->file = -1;
	for (int i = 0; i < RUN_N_COLS; i++)
		rf->ts[i].id = -1;
	rf->cell_v.id = rf->cell_t.id = rf->steps.id = rf->events.id = -1;
	rf->path = strdup(path);
	if (!rf->path) {
		rc = BENCH_ERR_MEM;
		goto fail;
	}
	if (H5Fis_hdf5(path) <= 0) {
		log_err("cannot open '%s': not an HDF5 file, or truncated",
			path);
		rc = BENCH_ERR_IO;
		goto fail;
	}
	rf->file = open_file(path);
	if (rf->file < 0) {
		log_err("cannot open '%s': damaged HDF5 file", path);
		rc = BENCH_ERR_IO;
		goto fail;
	}
	if (h5attr_meta_read(rf->file, path, &rf->meta) < 0)
		goto bad;
	for (int i = 0; i < RUN_N_COLS; i++) {
		H5T_class_t cls =
		    cols[i].type == RUN_COL_U32 ? H5T_INTEGER : H5T_FLOAT;

		snprintf(p, sizeof(p), "/timeseries/%s", cols[i].name);
		if (rd_open(rf->file, p, 1, cls, &rf->ts[i]) < 0)
			goto bad;
	}
	if (rd_open(rf->file, RUN_CELLS_VOLTAGE, 2, H5T_FLOAT, &rf->cell_v) <
		0 ||
	    rd_open(rf->file, RUN_CELLS_TEMPERATURE, 2, H5T_FLOAT,
		    &rf->cell_t) < 0 ||
	    rd_open(rf->file, "/steps", 1, H5T_COMPOUND, &rf->steps) < 0 ||
	    rd_open(rf->file, "/events", 1, H5T_COMPOUND, &rf->events) < 0)
		goto bad;
	if (rf->cell_v.width == 0 || rf->cell_v.width > 100000 ||
	    rf->cell_t.width > 100000 ||
	    (rf->meta.series && rf->cell_v.width != rf->meta.series)) {
		log_err("'%s': %s is %llu wide but series is %u", path,
			RUN_CELLS_VOLTAGE, (unsigned long long)rf->cell_v.width,
			rf->meta.series);
		goto bad;
	}
	rf->meta.series = (uint32_t)rf->cell_v.width;
	rf->meta.n_probes = (uint32_t)rf->cell_t.width;
	compute_rows(rf);
	/* A finished file is read whole once, so a damaged chunk or an
	 * impossible value anywhere stops every use of it; a file still
	 * being written is checked as it is read. */
	if (strcmp(rf->meta.status, "running") != 0) {
		rc = verify(rf);
		if (rc < 0)
			goto fail;
	}
	*out = rf;
	return BENCH_OK;
bad:
	log_err("'%s' is not a readable %s run file", path, RUN_SCHEMA);
fail:
	runfile_close(rf);
	return rc;
}

const struct run_meta *runfile_meta(const struct runfile *rf)
{
	return &rf->meta;
}

size_t runfile_rows(const struct runfile *rf)
{
	return rf->rows;
}

size_t runfile_refresh(struct runfile *rf)
{
	char status[sizeof(rf->meta.status)];

	for (int i = 0; i < RUN_N_COLS; i++)
		rd_refresh(&rf->ts[i]);
	rd_refresh(&rf->cell_v);
	rd_refresh(&rf->cell_t);
	rd_refresh(&rf->steps);
	rd_refresh(&rf->events);
	compute_rows(rf);
	/* The status only changes once the writer has closed the file;
	 * refresh the root group so a reader sees it then. */
	{
		hid_t root = H5Gopen2(rf->file, "/", H5P_DEFAULT);

		if (root >= 0) {
			H5Orefresh(root);
			if (h5attr_get_str(root, "status", status,
					   sizeof(status), NULL) == 0 &&
			    status[0])
				snprintf(rf->meta.status,
					 sizeof(rf->meta.status), "%s", status);
			H5Gclose(root);
		}
	}
	return rf->rows;
}

static int read_rows(struct runfile *rf, struct rdset *d, hid_t memtype,
		     size_t start, size_t n, void *out)
{
	hsize_t s[2] = {start, 0};
	hsize_t c[2] = {n, d->width};
	int rank = d->width ? 2 : 1;
	hid_t fsp = -1, msp = -1;
	int rc = BENCH_ERR_IO;

	if (start > d->rows || n > d->rows - start) {
		log_err("'%s': rows %zu..%zu of '%s' beyond its %llu rows",
			rf->path, start, start + n, d->name,
			(unsigned long long)d->rows);
		return BENCH_ERR_ARG;
	}
	if (n == 0)
		return BENCH_OK;
	fsp = H5Dget_space(d->id);
	msp = H5Screate_simple(rank, c, NULL);
	if (fsp < 0 || msp < 0 ||
	    H5Sselect_hyperslab(fsp, H5S_SELECT_SET, s, NULL, c, NULL) < 0 ||
	    H5Dread(d->id, memtype, msp, fsp, H5P_DEFAULT, out) < 0) {
		/* also a chunk failing its Fletcher32 checksum */
		log_err("'%s': cannot read rows %zu..%zu of '%s': damaged file "
			"(checksum or structure)",
			rf->path, start, start + n, d->name);
		goto out;
	}
	rc = BENCH_OK;
out:
	if (fsp >= 0)
		H5Sclose(fsp);
	if (msp >= 0)
		H5Sclose(msp);
	return rc;
}

/* Bounds no real sample reaches: a value outside them is damage (a bit
 * flip in a chunk too small to be checksummed), never data. NaN means
 * "not measured" and passes, except in test_time_second. */
struct bounds {
	const char *name;
	double lo, hi;
};

static const struct bounds col_bounds[] = {
    {"test_time_second", 0, 1e9}, /* 30 years */
    {"unix_time_second", 0, 1e10},
    {"voltage_volt", -100, 5000},
    {"current_ampere", -1e5, 1e5},
    {"power_watt", -1e8, 1e8},
    {"charging_capacity_ah", -1e6, 1e6},
    {"discharging_capacity_ah", -1e6, 1e6},
    {"charging_energy_wh", -1e9, 1e9},
    {"discharging_energy_wh", -1e9, 1e9},
    {"ambient_temperature_celsius", -100, 300},
};
static const struct bounds cell_v_bounds = {RUN_CELLS_VOLTAGE, -1, 10};
static const struct bounds cell_t_bounds = {RUN_CELLS_TEMPERATURE, -100, 300};

/* prev: the row before start (NAN if none), for a time that must not go
 * back. width values per row. */
static int check_values(struct runfile *rf, const struct rdset *d,
			const struct bounds *b, const void *vals, int is_float,
			size_t start, size_t n, size_t width, double prev)
{
	int is_time = strcmp(b->name, "test_time_second") == 0;

	for (size_t i = 0; i < n * width; i++) {
		double v = is_float ? ((const float *)vals)[i]
				    : ((const double *)vals)[i];
		size_t row = start + i / width;

		if (isnan(v) && !is_time)
			continue;
		if (!(v >= b->lo && v <= b->hi)) {
			log_err("'%s': '%s' row %zu holds %g, outside "
				"[%g, %g]: damaged file (rows %zu..%zu read)",
				rf->path, d->name, row, v, b->lo, b->hi, start,
				start + n);
			return BENCH_ERR_PROTO;
		}
		if (is_time && v < prev) {
			log_err("'%s': '%s' goes back from %.15g to %.15g at "
				"row %zu: damaged file",
				rf->path, d->name, prev, v, row);
			return BENCH_ERR_PROTO;
		}
		if (is_time)
			prev = v;
	}
	return BENCH_OK;
}

static const struct bounds *bounds_of(const char *name)
{
	for (size_t i = 0; i < sizeof(col_bounds) / sizeof(col_bounds[0]); i++)
		if (strcmp(col_bounds[i].name, name) == 0)
			return &col_bounds[i];
	return NULL;
}

int runfile_read_col(struct runfile *rf, const char *name, size_t start,
		     size_t n, double *out)
{
	const struct run_col *cols = run_cols();
	const struct bounds *b;
	double prev = NAN;
	int i;

	for (i = 0; i < RUN_N_COLS; i++)
		if (strcmp(cols[i].name, name) == 0)
			break;
	if (i == RUN_N_COLS) {
		log_err("'%s': no timeseries column '%s'", rf->path, name);
		return BENCH_ERR_ARG;
	}
	TRY(read_rows(rf, &rf->ts[i], H5T_NATIVE_DOUBLE, start, n, out));
	b = bounds_of(name);
	if (!b || n == 0)
		return BENCH_OK;
	if (start > 0 && strcmp(name, "test_time_second") == 0)
		TRY(read_rows(rf, &rf->ts[i], H5T_NATIVE_DOUBLE, start - 1, 1,
			      &prev));
	return check_values(rf, &rf->ts[i], b, out, 0, start, n, 1, prev);
}

int runfile_read_cells(struct runfile *rf, const char *name, size_t start,
		       size_t n, float *out)
{
	struct rdset *d = NULL;
	const struct bounds *b = NULL;

	if (strcmp(name, RUN_CELLS_VOLTAGE) == 0 ||
	    strcmp(name, "voltage_volt") == 0) {
		d = &rf->cell_v;
		b = &cell_v_bounds;
	} else if (strcmp(name, RUN_CELLS_TEMPERATURE) == 0 ||
		   strcmp(name, "temperature_celsius") == 0) {
		d = &rf->cell_t;
		b = &cell_t_bounds;
	}
	if (!d) {
		log_err("'%s': no cells table '%s'", rf->path, name);
		return BENCH_ERR_ARG;
	}
	if (d->width == 0) /* no probes: n rows of nothing */
		return BENCH_OK;
	TRY(read_rows(rf, d, H5T_NATIVE_FLOAT, start, n, out));
	return check_values(rf, d, b, out, 1, start, n, (size_t)d->width, NAN);
}

/* Read every row of every timeseries column and cells table (checksums
 * and bounds), VERIFY_ROWS rows at a time. */
#define VERIFY_ROWS 4096

static int verify(struct runfile *rf)
{
	const struct run_col *cols = run_cols();
	size_t width = rf->cell_v.width > rf->cell_t.width
			   ? (size_t)rf->cell_v.width
			   : (size_t)rf->cell_t.width;
	double *col = malloc(VERIFY_ROWS * sizeof(double));
	float *cells = malloc(VERIFY_ROWS * width * sizeof(float));
	int rc = BENCH_OK;

	if (!col || !cells) {
		log_err("out of memory checking '%s'", rf->path);
		rc = BENCH_ERR_MEM;
	}
	for (size_t r0 = 0; rc == BENCH_OK && r0 < rf->rows;
	     r0 += VERIFY_ROWS) {
		size_t n =
		    rf->rows - r0 < VERIFY_ROWS ? rf->rows - r0 : VERIFY_ROWS;

		for (int i = 0; rc == BENCH_OK && i < RUN_N_COLS; i++)
			rc = runfile_read_col(rf, cols[i].name, r0, n, col);
		if (rc == BENCH_OK)
			rc = runfile_read_cells(rf, RUN_CELLS_VOLTAGE, r0, n,
						cells);
		if (rc == BENCH_OK)
			rc = runfile_read_cells(rf, RUN_CELLS_TEMPERATURE, r0,
						n, cells);
	}
	free(col);
	free(cells);
	return rc;
}

/* Read a whole small table; strings are forced to end in NUL. */
static int read_table(struct runfile *rf, struct rdset *d, hid_t memtype,
		      size_t rec_size, void **out, size_t *n, const char *name)
{
	void *buf = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (memtype < 0) {
		log_err("cannot build the '%s' record type", name);
		return BENCH_ERR_MEM;
	}
	rd_refresh(d);
	if (d->rows > (1u << 24)) {
		log_err("'%s': '%s' has %llu rows: damaged file", rf->path,
			name, (unsigned long long)d->rows);
		H5Tclose(memtype);
		return BENCH_ERR_PROTO;
	}
	if (d->rows) {
		buf = calloc((size_t)d->rows, rec_size);
		if (!buf) {
			log_err("out of memory reading '%s'", name);
			H5Tclose(memtype);
			return BENCH_ERR_MEM;
		}
	}
	rc = read_rows(rf, d, memtype, 0, (size_t)d->rows, buf);
	H5Tclose(memtype);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*n = (size_t)d->rows;
	return BENCH_OK;
}

int runfile_steps(struct runfile *rf, struct run_step **out, size_t *n)
{
	struct run_step *st;
	int rc = read_table(rf, &rf->steps, h5schema_step_type(), sizeof(*st),
			    (void **)&st, n, "/steps");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		st[i].kind[sizeof(st[i].kind) - 1] = '\0';
		st[i].tag[sizeof(st[i].tag) - 1] = '\0';
		st[i].end_reason[sizeof(st[i].end_reason) - 1] = '\0';
	}
	*out = st;
	return BENCH_OK;
}

int runfile_events(struct runfile *rf, struct run_event **out, size_t *n)
{
	struct run_event *ev;
	int rc = read_table(rf, &rf->events, h5schema_event_type(), sizeof(*ev),
			    (void **)&ev, n, "/events");

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		ev[i].severity[sizeof(ev[i].severity) - 1] = '\0';
		ev[i].code[sizeof(ev[i].code) - 1] = '\0';
		ev[i].message[sizeof(ev[i].message) - 1] = '\0';
	}
	*out = ev;
	return BENCH_OK;
}
