/* SPDX-License-Identifier: Apache-2.0 */
/* test_outfile_safety.c - an output file is written beside its target and
 * renamed into place: a failed command leaves the old output whole. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/outfile.h"
#include "common/rc.h"
#include "support.h"

static char *text_of(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s missing", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(outfile, .timeout = 60);

Test(outfile, discard_keeps_the_old_output_and_leaves_no_temp)
{
	char *dir = tmpdir_new("outfile");
	char *path = tmpfile_write(dir, "out.csv", "old\n");
	struct outfile o;
	char cmd[512];

	cr_assert_eq(outfile_open(&o, path, NULL, 0, NULL), BENCH_OK);
	fputs("half a new file", o.f);
	fflush(o.f);
	cr_expect_str_eq(text_of(path), "old\n",
			 "target untouched while "
			 "writing");
	outfile_discard(&o);
	cr_expect_str_eq(text_of(path), "old\n");
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 1", dir);
	cr_expect_eq(system(cmd), 0, "temporary file left behind");
	free(path);
	free(dir);
}

Test(outfile, commit_replaces_the_output)
{
	char *dir = tmpdir_new("outfile");
	char *path = tmpfile_write(dir, "out.csv", "old\n");
	struct outfile o;

	cr_assert_eq(outfile_open(&o, path, NULL, 0, NULL), BENCH_OK);
	fputs("new\n", o.f);
	cr_assert_eq(outfile_commit(&o), BENCH_OK);
	cr_expect_str_eq(text_of(path), "new\n");
	free(path);
	free(dir);
}

Test(outfile, refuses_an_input_and_an_hdf5_file)
{
	char *dir = tmpdir_new("outfile");
	char *in = tmpfile_write(dir, "in.txt", "input\n");
	char *h5 = tmpfile_write(dir, "x.h5", "\x89HDF\r\n\x1a\n rest");
	const char *inputs[] = {NULL, in};
	struct outfile o;

	cr_expect_eq(outfile_open(&o, in, inputs, 2, NULL), BENCH_ERR_ARG);
	cr_expect_eq(outfile_open(&o, h5, NULL, 0, NULL), BENCH_ERR_ARG);
	cr_expect_str_eq(text_of(in), "input\n");
	free(h5);
	free(in);
	free(dir);
}

/* `bench export RUN.h5 --bdf recipe.txt`: a file that is not an earlier
 * output of the same kind stays; an earlier one or an empty one is
 * replaced. */
Test(outfile, replaces_only_its_own_kind)
{
	char *dir = tmpdir_new("outfile");
	char *recipe =
	    tmpfile_write(dir, "r.txt", "Charge at C/3 until 4.2 V\n");
	char *old = tmpfile_write(dir, "old.csv", "Test Time / s,V\n1,2\n");
	char *empty = tmpfile_write(dir, "empty.csv", "");
	const char *own = "Test Time / s,";
	struct outfile o;

	cr_expect_eq(outfile_open(&o, recipe, NULL, 0, own), BENCH_ERR_ARG);
	cr_expect_str_eq(text_of(recipe), "Charge at C/3 until 4.2 V\n");
	cr_assert_eq(outfile_open(&o, old, NULL, 0, own), BENCH_OK);
	fputs("Test Time / s,new\n", o.f);
	cr_assert_eq(outfile_commit(&o), BENCH_OK);
	cr_expect_str_eq(text_of(old), "Test Time / s,new\n");
	cr_assert_eq(outfile_open(&o, empty, NULL, 0, own), BENCH_OK);
	outfile_discard(&o);
	free(recipe);
	free(old);
	free(empty);
	free(dir);
}
