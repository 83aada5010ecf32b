/* SPDX-License-Identifier: Apache-2.0 */
/* The reader on damaged files: not HDF5, truncated at every sixteenth,
 * seeded byte corruption, wrong schema. Each must be an error or a clean
 * read, never a crash (the test process would die). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "runfile/h5log.h"
#include "app/cli/cli.h"
#include "common/rc.h"
#include "support.h"

#define SERIES 12

/* `make asan`: libhdf5 1.10 leaks a buffer on an error path for some
 * corrupted files; that is not ours to fix (see tests/fuzz/fuzz_runfile.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libhdf5_serial.so\n";
}

static char *make_valid(const char *dir)
{
	static char path[512];
	struct run_meta m = {.series = SERIES,
			     .parallel = 1,
			     .modules = 2,
			     .n_probes = 2,
			     .rated_capacity_ah = 50};
	struct h5log *l = NULL;
	float cv[SERIES], ct[2] = {25, 26};
	struct run_sample s = {.cell_voltage_V = cv, .cell_temperature_C = ct};
	struct run_step st = {.step_count = 1, .kind = "rest"};
	struct run_event ev = {.severity = "info", .code = "start"};

	snprintf(path, sizeof(path), "%s/valid.h5", dir);
	snprintf(m.pack_id, sizeof(m.pack_id), "PK-D");
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	for (int i = 0; i < 3000; i++) {
		s.test_time_s = i;
		s.voltage_V = 40.0f + (float)(i % 7);
		for (int c = 0; c < SERIES; c++)
			cv[c] = 3.3f + 0.01f * (float)((i + c) % 13);
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
	h5log_push_step(l, &st);
	h5log_push_event(l, &ev);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);
	return path;
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	struct stat st;

	cr_assert_not_null(f);
	fstat(fileno(f), &st);
	*n = (size_t)st.st_size;
	buf = malloc(*n);
	cr_assert_eq(fread(buf, 1, *n, f), *n);
	fclose(f);
	return buf;
}

static void spit(const char *path, const unsigned char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(buf, 1, n, f), n);
	fclose(f);
}

/* Open and read everything; returns the open's result. */
static int read_all(const char *path)
{
	struct runfile *rf = NULL;
	const struct run_col *cols = run_cols();
	struct run_step *st;
	struct run_event *ev;
	size_t rows, n;
	double *col;
	float *cells;
	int rc = runfile_open(path, &rf);

	if (rc < 0)
		return rc;
	rows = runfile_rows(rf);
	if (rows > 100000)
		rows = 100000;
	col = calloc(rows + 1, sizeof(double));
	cells = calloc((rows + 1) * runfile_meta(rf)->series, sizeof(float));
	for (int c = 0; c < RUN_N_COLS; c++)
		runfile_read_col(rf, cols[c].name, 0, rows, col);
	runfile_read_cells(rf, "/cells/voltage_volt", 0, rows, cells);
	if (runfile_steps(rf, &st, &n) == BENCH_OK)
		free(st);
	if (runfile_events(rf, &ev, &n) == BENCH_OK)
		free(ev);
	free(col);
	free(cells);
	runfile_close(rf);
	return BENCH_OK;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(runfile_damaged, .timeout = 60);

Test(runfile_damaged, not_hdf5_and_missing_are_errors)
{
	char *dir = tmpdir_new("rfbad");
	char *p = tmpfile_write(dir, "x.h5", "this is not an HDF5 file\n");
	char missing[600];

	snprintf(missing, sizeof(missing), "%s/none.h5", dir);
	cr_assert_lt(read_all(p), 0);
	cr_assert_lt(read_all(missing), 0);
	free(dir);
	free(p);
}

Test(runfile_damaged, truncated_files_are_errors)
{
	char *dir = tmpdir_new("rftrunc");
	char *valid = make_valid(dir);
	char cut[600];
	size_t n;
	unsigned char *buf = slurp(valid, &n);

	snprintf(cut, sizeof(cut), "%s/cut.h5", dir);
	cr_assert_eq(read_all(valid), BENCH_OK);
	for (int k = 0; k < 16; k++) {
		spit(cut, buf, n * (size_t)k / 16);
		cr_assert_lt(read_all(cut), 0, "truncated to %d/16 opened", k);
	}
	free(buf);
	free(dir);
}

Test(runfile_damaged, corrupted_bytes_never_crash)
{
	char *dir = tmpdir_new("rfcorrupt");
	char *valid = make_valid(dir);
	char bad[600];
	size_t n;
	unsigned char *buf = slurp(valid, &n);
	unsigned char *copy = malloc(n);
	unsigned seed = 12345;
	int opened = 0, refused = 0;

	snprintf(bad, sizeof(bad), "%s/bad.h5", dir);
	for (int round = 0; round < 150; round++) {
		memcpy(copy, buf, n);
		/* a few bytes in the first 8 kB (superblock, object
		 * headers), elsewhere at random */
		for (int k = 0; k < 4; k++) {
			size_t off = (size_t)rand_r(&seed) %
				     (k < 2 && n > 8192 ? 8192 : n);
			copy[off] ^= (unsigned char)(1 + rand_r(&seed) % 255);
		}
		spit(bad, copy, n);
		if (read_all(bad) == BENCH_OK)
			opened++;
		else
			refused++;
	}
	cr_log_info("corrupted: %d opened, %d refused", opened, refused);
	cr_assert_gt(refused, 0, "no corruption was ever detected");
	free(buf);
	free(copy);
	free(dir);
}

Test(runfile_damaged, wrong_schema_is_refused)
{
	char *dir = tmpdir_new("rfschema");
	char path[600];
	hid_t f, sp, a, t;
	const char *v = "something-else/2";
	int fd;

	snprintf(path, sizeof(path), "%s/other.h5", dir);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	sp = H5Screate(H5S_SCALAR);
	t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	a = H5Acreate2(f, "schema", t, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(a, t, &v);
	H5Aclose(a);
	H5Tclose(t);
	H5Sclose(sp);
	H5Fclose(f);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(read_all(path), BENCH_ERR_PROTO);
	free(dir);
}

/* Run a subcommand in-process; returns its exit status, log in *log. */
static int run_cli(int (*fn)(int, char **), char **argv, char **log)
{
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	logcap_start();
	rc = fn(argc, argv);
	*log = strdup(logcap_text());
	logcap_stop();
	return rc;
}

/* grade, export and report all refuse path with an error naming what. */
static void assert_cli_refuse(const char *dir, const char *path,
			      const char *what)
{
	char csv[600], html[600];
	char *grade[] = {"grade", (char *)path, NULL};
	char *export[] = {"export", (char *)path, "--bdf", csv, NULL};
	char *report[] = {"report", (char *)path, "-o", html, NULL};
	char *log;

	snprintf(csv, sizeof(csv), "%s/out.csv", dir);
	snprintf(html, sizeof(html), "%s/out.html", dir);
	cr_assert_neq(run_cli(cli_grade, grade, &log), 0, "grade took it");
	cr_assert(strstr(log, what), "grade said: %s", log);
	free(log);
	cr_assert_neq(run_cli(cli_export, export, &log), 0, "export took it");
	cr_assert(strstr(log, what), "export said: %s", log);
	free(log);
	cr_assert_neq(run_cli(cli_report, report, &log), 0, "report took it");
	cr_assert(strstr(log, what), "report said: %s", log);
	free(log);
}

/* One byte flipped inside a full (compressed, checksummed) chunk of a
 * finished file: every reader of it stops with the dataset named. */
Test(runfile_damaged, flipped_byte_in_a_chunk_is_an_error, .timeout = 60)
{
	char *dir = tmpdir_new("rfchunk");
	char *path = make_valid(dir);
	const char *ds_name = "/timeseries/voltage_volt";
	const char *checked[] = {ds_name,
				 "/timeseries/test_time_second",
				 "/cells/voltage_volt",
				 "/cells/temperature_celsius",
				 "/steps",
				 "/events"};
	hsize_t coord[1];
	unsigned mask;
	haddr_t addr;
	hsize_t size;
	hid_t f, ds, sp;
	size_t n;
	unsigned char *buf;

	cr_assert_eq(read_all(path), BENCH_OK);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		hid_t d = H5Dopen2(f, checked[i], H5P_DEFAULT), dcpl;
		unsigned flags, cd[4];
		size_t ncd = 4;

		cr_assert_geq(d, 0, "%s", checked[i]);
		dcpl = H5Dget_create_plist(d);
		cr_assert_geq(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32,
						   &flags, &ncd, cd, 0, NULL,
						   NULL),
			      0, "%s has no Fletcher32 checksum", checked[i]);
		H5Pclose(dcpl);
		H5Dclose(d);
	}
	ds = H5Dopen2(f, ds_name, H5P_DEFAULT);
	cr_assert_geq(ds, 0);
	sp = H5Dget_space(ds);
	cr_assert_geq(H5Dget_chunk_info(ds, sp, 0, coord, &mask, &addr, &size),
		      0);
	H5Sclose(sp);
	cr_assert_eq(mask, 0, "chunk 0 is not filtered");
	H5Dclose(ds);
	H5Fclose(f);
	buf = slurp(path, &n);
	cr_assert_lt(addr + size, n);
	buf[addr + size / 2] ^= 0x10;
	spit(path, buf, n);
	free(buf);
	assert_cli_refuse(dir, path, ds_name);
	free(dir);
}

/* A file whose chunks are intact but whose values are not physical (the
 * last, partial chunk is stored without checksum; or another tool wrote
 * it): an error naming dataset and row, never numbers in an export. */
static void write_with(const char *path, int bad_row, float ambient_C,
		       double t_back_s)
{
	struct run_meta m = {.series = SERIES, .n_probes = 2};
	struct h5log *l = NULL;
	float cv[SERIES], ct[2] = {25, 26};
	struct run_sample s = {.cell_voltage_V = cv, .cell_temperature_C = ct};

	snprintf(m.pack_id, sizeof(m.pack_id), "PK-P");
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	for (int i = 0; i < 500; i++) {
		s.test_time_s = i;
		s.unix_time_s = 1.7e9 + i;
		s.voltage_V = 40.0f;
		s.ambient_C = 25.0f;
		if (i == bad_row) {
			s.ambient_C = ambient_C;
			s.test_time_s -= t_back_s;
		}
		for (int c = 0; c < SERIES; c++)
			cv[c] = 3.6f;
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);
}

Test(runfile_damaged, implausible_values_are_errors, .timeout = 60)
{
	char *dir = tmpdir_new("rfimpl");
	char hot[600], back[600];

	snprintf(hot, sizeof(hot), "%s/hot.h5", dir);
	snprintf(back, sizeof(back), "%s/back.h5", dir);
	write_with(hot, 321, 1.6e29f, 0);
	write_with(back, 321, 25.0f, 100);
	assert_cli_refuse(dir, hot,
			  "'/timeseries/ambient_temperature_celsius' row 321");
	assert_cli_refuse(dir, back,
			  "'/timeseries/test_time_second' goes back");
	free(dir);
}
