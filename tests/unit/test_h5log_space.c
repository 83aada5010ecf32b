/* SPDX-License-Identifier: Apache-2.0 */
/* Running out of space: after the writer stops at its
 * reserve, what the controller pushes then (the abort event, the sample
 * with the current back at zero) still reaches the file at close; and a
 * close whose writes fail never leaves the file marked complete. Writers
 * run in a child process (a file-size limit, HDF5 started after fork). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "runfile/h5log.h"
#include "common/rc.h"
#include "h5log_pack.h"
#include "support.h"

static void meta_fill(struct run_meta *m)
{
	pack_meta(m, "PK-FULL");
}

static void sample_at(struct run_sample *s, size_t i, float current_A,
		      float *cv, float *ct, unsigned *seed)
{
	pack_sample(s, i, current_A, cv, ct, seed);
	for (int p = 0; p < PROBES; p++)
		ct[p] = 25.0f;
}

static int child_exit(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(h5log_space, .timeout = 120);

Test(h5log_space, records_after_the_reserve_stop_reach_the_file)
{
	char *dir = tmpdir_new("h5tail");
	char path[512];
	pid_t pid;
	int rc;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* a reserve larger than any disk: the writer stops at once */
		struct h5log_cfg cfg = {.min_free_bytes = UINT64_MAX / 2};
		struct run_event ev = {0};
		struct run_meta m;
		struct h5log *l = NULL;
		struct run_sample s;
		float cv[SERIES], ct[PROBES];
		unsigned seed = 5;
		size_t i;

		meta_fill(&m);
		if (h5log_create(path, &m, &cfg, &l) < 0)
			_exit(3);
		for (i = 0; i < 100000; i++) {
			sample_at(&s, i, -30.0f, cv, ct, &seed);
			if (h5log_push_sample(l, &s) < 0)
				break;
			if (h5log_flush(l) < 0)
				break;
		}
		if (i == 100000)
			_exit(4);
		ev.t_s = (double)i * 0.1;
		snprintf(ev.severity, sizeof(ev.severity), "abort");
		snprintf(ev.code, sizeof(ev.code), "bench:LOG_WRITE");
		/* still failing (the controller must stop), yet kept */
		if (h5log_push_event(l, &ev) != BENCH_ERR_IO)
			_exit(5);
		/* more samples than the reserve holds: the newest wins */
		for (size_t k = 1; k <= 1000; k++) {
			sample_at(&s, i + k, k == 1000 ? 0.0f : -1.0f, cv, ct,
				  &seed);
			if (h5log_push_sample(l, &s) != BENCH_ERR_IO)
				_exit(6);
		}
		if (h5log_close(l, "aborted", "bench:LOG_WRITE") !=
		    BENCH_ERR_IO)
			_exit(7);
		_exit(0);
	}
	rc = child_exit(pid);
	cr_assert_eq(rc, 0, "child exit %d", rc);

	struct runfile *rf = NULL;
	struct run_event *evs = NULL;
	size_t n_ev = 0, rows;
	double *cur, *t;
	int found = 0;

	cr_assert_eq(runfile_open(path, &rf), BENCH_OK);
	cr_expect_str_eq(runfile_meta(rf)->status, "aborted");
	rows = runfile_rows(rf);
	cr_assert_gt(rows, 1);
	cur = calloc(rows, sizeof(*cur));
	t = calloc(rows, sizeof(*t));
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, rows, cur),
		     BENCH_OK);
	cr_assert_eq(runfile_read_col(rf, "test_time_second", 0, rows, t),
		     BENCH_OK);
	cr_expect_eq(cur[rows - 1], 0.0, "last current %.3f A", cur[rows - 1]);
	for (size_t k = 1; k < rows; k++)
		cr_assert_gt(t[k], t[k - 1], "time goes back at row %zu", k);
	cr_assert_eq(runfile_events(rf, &evs, &n_ev), BENCH_OK);
	for (size_t k = 0; k < n_ev; k++)
		found |= !strcmp(evs[k].severity, "abort") &&
			 !strcmp(evs[k].code, "bench:LOG_WRITE");
	cr_expect(found, "no abort event among %zu events", n_ev);
	free(evs);
	free(cur);
	free(t);
	runfile_close(rf);
	free(dir);
}

Test(h5log_space, a_close_that_cannot_write_never_says_complete)
{
	char *dir = tmpdir_new("h5close");
	char path[512], creating[600];
	pid_t pid;
	int rc;

	snprintf(path, sizeof(path), "%s/run.h5", dir);
	snprintf(creating, sizeof(creating), "%s.creating", path);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		/* Paused: nothing is written until close, which then runs
		 * into a file-size limit 64 kB above the empty file. */
		struct h5log_cfg cfg = {.min_free_bytes = 1, .start_paused = 1};
		struct run_meta m;
		struct h5log *l = NULL;
		struct run_sample s;
		struct rlimit rl;
		struct stat st;
		float cv[SERIES], ct[PROBES];
		unsigned seed = 7;

		meta_fill(&m);
		if (h5log_create(path, &m, &cfg, &l) < 0)
			_exit(3);
		if (stat(creating, &st) < 0)
			_exit(4);
		rl.rlim_cur = rl.rlim_max = (rlim_t)st.st_size + (64 << 10);
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(5);
		for (size_t i = 0; i < 5000; i++) {
			sample_at(&s, i, -30.0f, cv, ct, &seed);
			if (h5log_push_sample(l, &s) < 0)
				_exit(6);
		}
		if (h5log_close(l, "complete", "recipe complete") !=
		    BENCH_ERR_IO)
			_exit(7);
		_exit(0);
	}
	rc = child_exit(pid);
	cr_assert_eq(rc, 0, "child exit %d", rc);

	/* whatever state the failed writes left: recover, then read */
	struct runfile *rf = NULL;

	h5log_recover(path, "interrupted");
	if (runfile_open(path, &rf) == BENCH_OK) {
		cr_expect_str_neq(runfile_meta(rf)->status, "complete");
		cr_log_info("status after a failed close: %s",
			    runfile_meta(rf)->status);
		runfile_close(rf);
	} else {
		cr_log_info("the failed close left an unreadable file");
	}
	free(dir);
}
