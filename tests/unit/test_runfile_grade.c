/* SPDX-License-Identifier: Apache-2.0 */
/* /grade and resume: a grade written on an interrupted run graded an
 * unfinished run; resuming the run removes it, so the finished file never
 * carries a stale grade (docs/hdf5-schema.md). */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "runfile/h5log.h"
#include "runfile/runfile.h"
#include "runfile/runfile_grade.h"
#include "h5log_pack.h"
#include "support.h"

static void push_rows(struct h5log *l, size_t from, size_t to)
{
	struct run_sample s;
	float cv[SERIES], ct[PROBES] = {25};
	unsigned seed = 3;

	for (size_t i = from; i < to; i++) {
		pack_sample(&s, i, -10.0f, cv, ct, &seed);
		cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
	}
}

static int has_grade(const char *path)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	int yes;

	cr_assert_geq(f, 0, "plain open of %s", path);
	yes = H5Lexists(f, "grade", H5P_DEFAULT) > 0;
	H5Fclose(f);
	return yes;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(runfile_grade, .timeout = 60);

Test(runfile_grade, resume_removes_the_grade_of_the_unfinished_run,
     .timeout = 60)
{
	char *dir = tmpdir_new("rfgrade");
	char path[600];
	struct run_meta m;
	struct h5log_tail tail;
	struct h5log *l = NULL;
	struct runfile *rf = NULL;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	pack_meta(&m, "PK-GRADE");
	cr_assert_eq(h5log_create(path, &m, NULL, &l), BENCH_OK);
	push_rows(l, 0, 100);
	cr_assert_eq(h5log_close(l, "interrupted", "killed"), BENCH_OK);
	cr_assert_eq(runfile_write_grade(path, "{\"grade\":\"INCOMPLETE\"}",
					 "INCOMPLETE", "00"),
		     BENCH_OK);
	cr_assert(has_grade(path));

	cr_assert_eq(h5log_open_resume(path, NULL, &m, &tail, &l), BENCH_OK);
	cr_assert_eq(tail.rows, 100);
	push_rows(l, 100, 200);
	h5log_tail_release(&tail);
	run_meta_release(&m);
	cr_assert_eq(h5log_close(l, "complete", ""), BENCH_OK);

	cr_assert_not(has_grade(path), "the finished run kept the old /grade");
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_eq(runfile_rows(rf), 200);
	cr_assert_str_eq(runfile_meta(rf)->status, "complete");
	runfile_close(rf);
	free(dir);
}
