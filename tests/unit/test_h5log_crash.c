/* SPDX-License-Identifier: Apache-2.0 */
/* Kill -9 a writer mid-run: the file reads in SWMR mode, plain opens are
 * refused until h5log_recover clears the flags, and h5log_open_resume
 * appends after the last row. Disk full surfaces as BENCH_ERR_IO. The
 * writer always runs in a child process that starts HDF5 after fork. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "app/cli/cli.h"
#include "runfile/h5log.h"
#include "common/rc.h"
#include "h5log_pack.h"
#include "support.h"

static void meta_fill(struct run_meta *m)
{
	pack_meta(m, "PK-KILL");
}

static void sample_at(struct run_sample *s, size_t i, float *cv, float *ct,
		      unsigned *seed)
{
	pack_sample(s, i, -30.0f, cv, ct, seed);
	s->discharge_Ah = (double)i * 0.1 * 30.0 / 3600.0;
	s->step_count = 1 + (uint32_t)(i / 1000);
	for (int p = 0; p < PROBES; p++)
		ct[p] = 25.0f + (float)(rand_r(seed) % 10) * 0.1f;
}

/* Child: write forever, report each flushed row count on fd. */
static void writer_child(const char *path, int fd, size_t flush_every)
{
	struct run_meta m;
	struct h5log *l = NULL;
	struct run_sample s;
	float cv[SERIES], ct[PROBES];
	unsigned seed = 1;

	meta_fill(&m);
	if (h5log_create(path, &m, NULL, &l) < 0)
		_exit(3);
	for (size_t i = 0;; i++) {
		sample_at(&s, i, cv, ct, &seed);
		if (h5log_push_sample(l, &s) < 0)
			_exit(4);
		if (i % flush_every == flush_every - 1) {
			struct run_step st = {.step_count =
						  (uint32_t)(i / 1000)};
			uint64_t rows = i + 1;

			snprintf(st.kind, sizeof(st.kind), "discharge");
			if (h5log_push_step(l, &st) < 0 || h5log_flush(l) < 0)
				_exit(5);
			if (write(fd, &rows, sizeof(rows)) != sizeof(rows))
				_exit(6);
		}
	}
}

static uint64_t kill_after_flushes(const char *path, int n_flushes)
{
	int p[2];
	pid_t pid;
	uint64_t rows = 0;
	int status;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(p[0]);
		writer_child(path, p[1], 300);
	}
	close(p[1]);
	for (int i = 0; i < n_flushes; i++)
		cr_assert_eq(read(p[0], &rows, sizeof(rows)), sizeof(rows),
			     "writer child died early");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(p[0]);
	cr_assert(WIFSIGNALED(status));
	return rows;
}

static void check_consistent(const char *path, uint64_t min_rows)
{
	struct runfile *rf = NULL;
	size_t rows;
	double *t;

	cr_assert_eq(runfile_open(path, &rf), BENCH_OK,
		     "SWMR read of a killed file");
	rows = runfile_rows(rf);
	cr_assert_geq(rows, min_rows, "flushed rows lost: %zu < %llu", rows,
		      (unsigned long long)min_rows);
	t = calloc(rows, sizeof(double));
	cr_assert_eq(runfile_read_col(rf, "test_time_second", 0, rows, t),
		     BENCH_OK);
	for (size_t i = 1; i < rows; i++)
		cr_assert(t[i] > t[i - 1], "time not monotonic at row %zu", i);
	free(t);
	runfile_close(rf);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(h5log_crash, .timeout = 120);

Test(h5log_crash, killed_writer_reads_swmr_then_recover_opens_plainly)
{
	char *dir = tmpdir_new("h5kill");
	char path[512];
	uint64_t flushed;
	hid_t f;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	flushed = kill_after_flushes(path, 5);
	check_consistent(path, flushed);

	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	cr_assert_lt(f, 0, "a plain open must refuse the flagged file");

	cr_assert_eq(h5log_recover(path, "interrupted"), BENCH_OK);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	cr_assert_geq(f, 0, "plain open after recover");
	H5Fclose(f);

	struct runfile *rf = NULL;
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_str_eq(runfile_meta(rf)->status, "interrupted");
	cr_assert_geq(runfile_rows(rf), flushed);
	runfile_close(rf);

	/* a second recover leaves a non-running status alone */
	cr_assert_eq(h5log_recover(path, "interrupted"), BENCH_OK);
	free(dir);
}

Test(h5log_crash, resume_appends_after_last_row_and_counts)
{
	char *dir = tmpdir_new("h5res");
	char path[512];
	uint64_t flushed;
	struct run_meta m;
	struct h5log_tail tail;
	struct h5log *l = NULL;
	struct run_sample s;
	float cv[SERIES], ct[PROBES];
	unsigned seed = 9;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	for (int round = 1; round <= 2; round++) {
		size_t rows;

		if (round == 1) {
			flushed = kill_after_flushes(path, 3);
		} else {
			/* second crash of the resumed run: kill a child that
			 * resumes and appends */
			int p[2];
			pid_t pid;
			int status;

			cr_assert_eq(pipe(p), 0);
			pid = fork();
			if (pid == 0) {
				if (h5log_open_resume(path, NULL, &m, &tail,
						      &l) < 0)
					_exit(3);
				for (size_t i = tail.rows;; i++) {
					sample_at(&s, i, cv, ct, &seed);
					if (h5log_push_sample(l, &s) < 0)
						_exit(4);
					if (i == tail.rows + 500) {
						uint64_t r = i + 1;
						if (h5log_flush(l) < 0 ||
						    write(p[1], &r,
							  sizeof(r)) !=
							sizeof(r))
							_exit(5);
					}
				}
			}
			close(p[1]);
			cr_assert_eq(read(p[0], &flushed, sizeof(flushed)),
				     sizeof(flushed));
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			close(p[0]);
		}
		check_consistent(path, flushed);
		cr_assert_eq(h5log_open_resume(path, NULL, &m, &tail, &l),
			     BENCH_OK);
		/* round 2: the killed child resumed once already */
		cr_assert_eq(m.resumed_times, round == 1 ? 1u : 3u);
		cr_assert_str_eq(m.status, "running");
		cr_assert_str_eq(m.pack_id, "PK-KILL");
		cr_assert_eq(m.series, SERIES);
		cr_assert_eq(m.n_probes, PROBES);
		cr_assert_geq(tail.rows, flushed);
		cr_assert(tail.has_last);
		cr_assert_float_eq(tail.last.test_time_s,
				   (double)(tail.rows - 1) * 0.1, 1e-9);
		cr_assert_float_eq(
		    tail.last.discharge_Ah,
		    (double)(tail.rows - 1) * 0.1 * 30.0 / 3600.0, 1e-9);
		cr_assert(tail.last.cell_voltage_V[95] > 3.69f);
		if (round == 1)
			cr_assert(tail.has_step);
		rows = tail.rows;
		h5log_tail_release(&tail);
		run_meta_release(&m);
		if (round == 1) {
			/* close cleanly as interrupted, then crash it again
			 * in round 2 */
			cr_assert_eq(h5log_close(l, "interrupted", "test"),
				     BENCH_OK);
			continue;
		}
		for (size_t i = rows; i < rows + 100; i++) {
			sample_at(&s, i, cv, ct, &seed);
			cr_assert_eq(h5log_push_sample(l, &s), BENCH_OK);
		}
		cr_assert_eq(h5log_close(l, "complete", "recipe finished"),
			     BENCH_OK);
		check_consistent(path, rows + 100);

		struct runfile *rf = NULL;
		cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
		cr_assert_eq(runfile_rows(rf), rows + 100);
		cr_assert_str_eq(runfile_meta(rf)->status, "complete");
		cr_assert_eq(runfile_meta(rf)->resumed_times, 3);
		runfile_close(rf);
	}
	free(dir);
}

Test(h5log_crash, disk_full_surfaces_as_io_error_and_file_stays_readable)
{
	char *dir = tmpdir_new("h5full");
	char path[512];
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* A file-size limit stands in for a full disk: write() then
		 * fails with EFBIG, as it fails with ENOSPC on a full one. */
		struct rlimit rl = {6u << 20, 6u << 20};
		struct h5log_cfg cfg = {.min_free_bytes = 4u << 20};
		struct run_meta m;
		struct h5log *l = NULL;
		struct run_sample s;
		float cv[SERIES], ct[PROBES];
		unsigned seed = 3;
		int rc = 0;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		meta_fill(&m);
		if (h5log_create(path, &m, &cfg, &l) < 0)
			_exit(3);
		for (size_t i = 0; i < 200000 && rc == 0; i++) {
			sample_at(&s, i, cv, ct, &seed);
			rc = h5log_push_sample(l, &s);
			if (rc == 0 && i % 500 == 499)
				rc = h5log_flush(l);
		}
		if (rc != BENCH_ERR_IO)
			_exit(4);
		if (h5log_push_sample(l, &s) != BENCH_ERR_IO)
			_exit(5);
		if (h5log_close(l, "aborted", "disk full") != BENCH_ERR_IO)
			_exit(6);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child exit %d", WEXITSTATUS(status));
	check_consistent(path, 500);

	/* closed cleanly: plain opens work and the status says why */
	struct runfile *rf = NULL;
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);

	cr_assert_geq(f, 0, "plain open of the disk-full file");
	H5Fclose(f);
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_assert_str_eq(runfile_meta(rf)->status, "aborted");
	cr_assert_str_eq(runfile_meta(rf)->end_reason, "disk full");
	runfile_close(rf);
	free(dir);
}

Test(h5log_crash, bench_recover_command)
{
	char *dir = tmpdir_new("h5cli");
	char path[512], missing[600];
	char *help[] = {"recover", "--help", NULL};
	char *none[] = {"recover", NULL};
	char *bad[] = {"recover", missing, NULL};
	char *ok[] = {"recover", path, NULL};
	hid_t f;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	snprintf(missing, sizeof(missing), "%s/none.h5", dir);
	cr_assert_eq(cli_recover(2, help), 0);
	cr_assert_eq(cli_recover(1, none), 2, "usage error");
	cr_assert_eq(cli_recover(2, bad), 1, "missing file");

	kill_after_flushes(path, 2);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	cr_assert_eq(cli_recover(2, ok), 0);
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	cr_assert_geq(f, 0, "plain open after bench recover");
	H5Fclose(f);
	free(dir);
}

Test(h5log_crash, recover_and_resume_refuse_a_file_a_live_writer_has_open)
{
	char *dir = tmpdir_new("h5live");
	char path[512];
	int p[2];
	pid_t pid;
	uint64_t rows;
	struct run_meta m;
	struct h5log_tail tail;
	struct h5log *l = NULL;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(p[0]);
		writer_child(path, p[1], 300);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &rows, sizeof(rows)), sizeof(rows));
	cr_assert_eq(h5log_recover(path, "interrupted"), BENCH_ERR_STATE);
	cr_assert_eq(h5log_open_resume(path, NULL, &m, &tail, &l),
		     BENCH_ERR_STATE);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	cr_assert_eq(h5log_recover(path, "interrupted"), BENCH_OK,
		     "once the writer is gone");
	free(dir);
}

/* Lengthen one timeseries column by extra rows: what a kill between two
 * extends of the writer's flush leaves. */
static void lengthen_one_column(const char *path, hsize_t extra)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f, ds, sp;
	hbool_t yes = 1;
	hsize_t dims[1];

	cr_assert_geq(
	    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST),
	    0);
	cr_assert_geq(H5Pset(fapl, "clear_status_flags", &yes), 0);
	f = H5Fopen(path, H5F_ACC_RDWR, fapl);
	cr_assert_geq(f, 0);
	ds = H5Dopen2(f, "/timeseries/voltage_volt", H5P_DEFAULT);
	sp = H5Dget_space(ds);
	cr_assert_eq(H5Sget_simple_extent_dims(sp, dims, NULL), 1);
	H5Sclose(sp);
	dims[0] += extra;
	/* the new rows read as the fill value: only the length matters */
	cr_assert_geq(H5Dset_extent(ds, dims), 0);
	H5Dclose(ds);
	H5Fclose(f);
	H5Pclose(fapl);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	cr_assert_not_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len);
	cr_assert_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*n = (size_t)len;
	return buf;
}

/* A resume that finds a half-written row cuts it on a copy renamed over
 * the file: the killed writer's file is never changed in place (a kill
 * during an in-place cut once left a chunk index pointing past the end of
 * the file), so a kill at any moment of the resume leaves a whole file. */
Test(h5log_crash, resume_cuts_a_half_written_row_on_a_copy_not_in_place)
{
	char *dir = tmpdir_new("h5cut");
	char path[512], old[512];
	uint64_t flushed;
	struct run_meta m;
	struct h5log_tail tail;
	struct h5log *l = NULL;
	char *before, *after;
	size_t n_before, n_after;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	snprintf(old, sizeof(old), "%s/killed-file.h5", dir);
	flushed = kill_after_flushes(path, 3);
	lengthen_one_column(path, 5);
	/* a second name for the killed file's bytes */
	cr_assert_eq(link(path, old), 0);
	before = slurp(old, &n_before);

	cr_assert_eq(h5log_open_resume(path, NULL, &m, &tail, &l), BENCH_OK);
	cr_assert_geq(tail.rows, flushed);
	h5log_tail_release(&tail);
	run_meta_release(&m);
	cr_assert_eq(h5log_close(l, "interrupted", "test"), BENCH_OK);

	after = slurp(old, &n_after);
	cr_assert(n_after == n_before && memcmp(before, after, n_before) == 0,
		  "the killed file was changed in place");
	check_consistent(path, flushed);
	free(before);
	free(after);
	free(dir);
}
