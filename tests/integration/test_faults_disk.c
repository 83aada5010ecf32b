/* SPDX-License-Identifier: Apache-2.0 */
/* test_faults_disk.c - a full disk during a run: the
 * controller stops safely (bench:LOG_WRITE, exit 1), the run file stays
 * readable and is marked aborted, and the error names the file and the
 * full disk.
 *
 * Two ways to fill the disk:
 * - a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored so write() fails with
 *   EFBIG instead of killing the process): needs no privileges, and
 *   bench/h5log.c counts it in its headroom like free space. Set in the
 *   test's own process (Criterion runs each test in a process of its own)
 *   and inherited by bin/bench;
 * - a small tmpfs, when running as root (CI): a real file system running
 *   out of blocks. A root that cannot mount fails the test loudly.
 *
 * The writer stops while 16 MiB are left (bench/h5log.c) and writes what
 * the controller pushes after that (the abort event, the safe stop's
 * samples) from that reserve at close: like the other fault tests, the
 * file shows the abort and ends with the current back at zero. */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ctl_helpers.h"

/* The writer stops while 16 MiB are left to close the file cleanly
 * (bench/h5log.c): 1 MiB beyond that is a few minutes of a 96-cell pack
 * logged at 10 Hz. */
#define RESERVE_KB (16 * 1024)
#define ALLOWED_KB 1024

static void full_disk_run(const char *dir, const char *out_dir, off_t max_size)
{
	char *out = ctl_path(out_dir, "run.h5"), *log = ctl_path(dir, "log");
	char *recipe = tmpfile_write(dir, "r.txt",
				     "log every 100 ms\n"
				     "Rest for 10 seconds\n"
				     "Discharge at C/3 for 2 hours\n");
	const char *args[] = {
	    "run",     recipe, "--sim", "fixtures/packs/nmc96-healthy.ini",
	    "--speed", "600",  "-o",	out,
	    NULL};
	const struct run_event *ab;
	struct ctl_file f;
	struct stat st;
	int rc;

	rc = ctl_bench(log, args);
	cr_assert_eq(rc, 1, "exit %d (a bench fault is 1)\n%s", rc,
		     ctl_log(log));
	cr_expect(strstr(ctl_log(log), "disk nearly full") ||
		      strstr(ctl_log(log), "disk full"),
		  "the error does not name the full disk:\n%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), out), "the error does not name '%s'",
		  out);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_leq(st.st_size, max_size);

	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "aborted");
	cr_expect(!strncmp(f.meta.end_reason, "bench:LOG_WRITE", 15),
		  "end_reason '%s' does not name the write failure",
		  f.meta.end_reason);
	cr_expect(f.monotonic);
	cr_expect(f.lengths_equal);
	/* stopped long before the recipe's 2 hours */
	cr_expect_lt(f.last_t, 3600, "ran on to %.0f s", f.last_t);
	ab = ctl_event_sev(&f, "abort");
	cr_assert_not_null(ab, "no abort event in the file");
	cr_expect_str_eq(ab->code, "bench:LOG_WRITE");
	cr_expect_geq(f.last_t, ab->t_s, "no sample after the abort");
	cr_expect_eq(f.last_current_A, 0.0f,
		     "the last sample's current is %.3f A, not 0",
		     f.last_current_A);
	cr_log_info("disk full: stopped at %.0f s of test time, %zu rows, "
		    "last current %.3f A, file %lld kB",
		    f.last_t, f.rows, f.last_current_A,
		    (long long)st.st_size >> 10);
	ctl_file_free(&f);
	free(out);
	free(log);
	free(recipe);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(faults_disk, .timeout = 60);

Test(faults_disk, file_size_limit_stops_safely_and_says_so, .timeout = 60)
{
	char *dir = tmpdir_new("faultdisk");
	struct rlimit rl = {.rlim_cur = (RESERVE_KB + ALLOWED_KB) * 1024ULL,
			    .rlim_max = RLIM_INFINITY};

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit: %s",
		     strerror(errno));
	full_disk_run(dir, dir, (off_t)rl.rlim_cur);
	free(dir);
}

Test(faults_disk, full_tmpfs_stops_safely_and_says_so, .timeout = 60)
{
	char *dir, *mnt;
	char opts[64];

	if (geteuid() != 0)
		cr_skip_test("mounting a tmpfs needs root (CI runs as root); "
			     "the file-size limit test covers this user");
	dir = tmpdir_new("faultdisk");
	mnt = ctl_path(dir, "mnt");
	/* a mount namespace of this test's process: the tmpfs goes away
	 * with it even when an assertion ends the test early */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0,
		     "private mounts: %s", strerror(errno));
	cr_assert_eq(mkdir(mnt, 0755), 0);
	snprintf(opts, sizeof(opts), "size=%dk", RESERVE_KB + ALLOWED_KB);
	cr_assert_eq(mount("tmpfs", mnt, "tmpfs", 0, opts), 0,
		     "running as root but cannot mount a tmpfs on %s: %s", mnt,
		     strerror(errno));
	full_disk_run(dir, mnt, (RESERVE_KB + ALLOWED_KB) * 1024LL);
	cr_expect_eq(umount(mnt), 0, "umount %s: %s", mnt, strerror(errno));
	free(mnt);
	free(dir);
}
