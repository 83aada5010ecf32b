/* SPDX-License-Identifier: Apache-2.0 */
/* Resume and recover open files for writing: a file that is not a
 * bench-run/1 file (empty, text, another HDF5 file, a wrong or
 * non-string schema attribute) is refused with an error and left
 * byte-identical. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/cli/cli.h"
#include "common/rc.h"
#include "runfile/h5log.h"
#include "h5log_pack.h"
#include "support.h"

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	struct stat st;

	cr_assert_not_null(f, "%s", path);
	fstat(fileno(f), &st);
	*n = (size_t)st.st_size;
	buf = malloc(*n + 1);
	cr_assert_eq(fread(buf, 1, *n, f), *n);
	fclose(f);
	return buf;
}

/* A short aborted run (closed, flags clear). */
static void make_run(const char *path)
{
	struct run_meta m;
	struct h5log *l = NULL;
	struct run_sample s;
	float cv[SERIES], ct[PROBES] = {25};
	unsigned seed = 7;

	pack_meta(&m, "PK-FOREIGN");
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	for (size_t i = 0; i < 50; i++) {
		pack_sample(&s, i, -10.0f, cv, ct, &seed);
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
	cr_assert_eq(h5log_close(l, "aborted", "test"), BENCH_OK);
}

/* Replace the root's schema attribute: a string, or (NULL) an integer. */
static void set_schema(const char *path, const char *value)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
	hid_t sp = H5Screate(H5S_SCALAR), t, a;
	int one = 1;

	cr_assert_geq(f, 0);
	cr_assert_geq(H5Adelete(f, "schema"), 0);
	if (value) {
		t = H5Tcopy(H5T_C_S1);
		H5Tset_size(t, strlen(value) + 1);
		a = H5Acreate2(f, "schema", t, sp, H5P_DEFAULT, H5P_DEFAULT);
		cr_assert_geq(H5Awrite(a, t, value), 0);
		H5Tclose(t);
	} else {
		a = H5Acreate2(f, "schema", H5T_NATIVE_INT, sp, H5P_DEFAULT,
			       H5P_DEFAULT);
		cr_assert_geq(H5Awrite(a, H5T_NATIVE_INT, &one), 0);
	}
	H5Aclose(a);
	H5Sclose(sp);
	H5Fclose(f);
}

/* Both openers for writing refuse path, name the problem, change nothing. */
static void assert_refused(const char *path, const char *why)
{
	struct run_meta m;
	struct h5log_tail tail;
	struct h5log *l = NULL;
	size_t n0, n1, n2;
	unsigned char *before = slurp(path, &n0), *after;
	char *argv[] = {"recover", (char *)path, NULL};

	logcap_start();
	cr_assert_lt(h5log_open_resume(path, NULL, &m, &tail, &l), 0,
		     "resume took %s", path);
	cr_assert_null(l);
	cr_assert(strstr(logcap_text(), why), "resume said: %s", logcap_text());
	logcap_stop();
	after = slurp(path, &n1);
	cr_assert(n1 == n0 && memcmp(before, after, n0) == 0,
		  "resume changed %s", path);
	free(after);

	logcap_start();
	cr_assert_neq(cli_recover(2, argv), 0, "recover took %s", path);
	cr_assert(strstr(logcap_text(), why), "recover said: %s",
		  logcap_text());
	logcap_stop();
	after = slurp(path, &n2);
	cr_assert(n2 == n0 && memcmp(before, after, n0) == 0,
		  "recover changed %s (%zu -> %zu bytes)", path, n0, n2);
	free(after);
	free(before);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(h5log_foreign, .timeout = 60);

Test(h5log_foreign, empty_and_text_files_untouched, .timeout = 30)
{
	char *dir = tmpdir_new("h5foreign");
	char *empty = tmpfile_write(dir, "empty.h5", "");
	char *text = tmpfile_write(dir, "notes.h5", "not a run file\n");

	assert_refused(empty, "not an HDF5 file");
	assert_refused(text, "not an HDF5 file");
	free(empty);
	free(text);
	free(dir);
}

Test(h5log_foreign, other_hdf5_file_untouched, .timeout = 30)
{
	char *dir = tmpdir_new("h5foreign");
	char path[600];
	hid_t f;

	snprintf(path, sizeof(path), "%s/other.h5", dir);
	f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	cr_assert_geq(f, 0);
	H5Fclose(f);
	assert_refused(path, "schema is '', expected 'bench-run/1'");
	free(dir);
}

Test(h5log_foreign, wrong_schema_refused, .timeout = 30)
{
	char *dir = tmpdir_new("h5foreign");
	char path[600];

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	make_run(path);
	set_schema(path, "bench-run/2");
	assert_refused(path, "schema is 'bench-run/2', expected 'bench-run/1'");
	free(dir);
}

Test(h5log_foreign, schema_of_wrong_class_refused, .timeout = 30)
{
	char *dir = tmpdir_new("h5foreign");
	char path[600];

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	make_run(path);
	set_schema(path, NULL);
	assert_refused(path, "schema attribute is not a string");
	free(dir);
}
