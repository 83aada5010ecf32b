/* test_faults_disk.c - a full disk during a run (issue 7 item 3): the
 * controller stops safely, the run file stays readable and is marked
 * aborted, and the error says the disk is full.
 *
 * A file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored so write() fails with
 * EFBIG instead of killing the process) stands in for the full disk: it
 * needs no privileges, and bench/h5log.c counts it in its headroom like
 * free space.
 *
 * Unlike the other fault tests this one cannot see the current back at
 * zero in the file: once writing has stopped the safe state is only in the
 * log and the root attributes. The
 * limit is set in the test's own process (Criterion runs
 * each test in a process of its own) and inherited by bin/bench. */
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ctl_helpers.h"

/* The writer stops while 16 MiB are left to close the file cleanly
 * (bench/h5log.c): 1 MiB beyond that is a few minutes of a 96-cell pack
 * logged at 10 Hz. */
#define RESERVE_KB (16 * 1024)
#define ALLOWED_KB 1024

Test(faults_disk, full_disk_stops_safely_and_says_so, .timeout = 60)
{
	char *dir = tmpdir_new("faultdisk");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *recipe = tmpfile_write(dir, "r.txt",
				     "log every 100 ms\n"
				     "Rest for 10 seconds\n"
				     "Discharge at C/3 for 2 hours\n");
	const char *args[] = {"run", recipe, "--sim",
			      "fixtures/packs/nmc96-healthy.ini", "--speed",
			      "600", "-o", out, NULL};
	struct rlimit rl = {.rlim_cur = (RESERVE_KB + ALLOWED_KB) * 1024ULL,
			    .rlim_max = RLIM_INFINITY};
	struct ctl_file f;
	struct stat st;
	int rc;

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0, "setrlimit: %s",
		     strerror(errno));
	rc = ctl_bench(log, args);
	cr_assert_eq(rc, 1, "exit %d (a bench fault is 1)\n%s", rc,
		     ctl_log(log));
	cr_expect(strstr(ctl_log(log), "disk nearly full") ||
			  strstr(ctl_log(log), "disk full"),
		  "the error does not name the full disk:\n%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), out), "the error does not name '%s'",
		  out);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_leq(st.st_size, (off_t)rl.rlim_cur);

	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "aborted");
	cr_expect(!strncmp(f.meta.end_reason, "bench:LOG_WRITE", 15),
		  "end_reason '%s' does not name the write failure",
		  f.meta.end_reason);
	cr_expect(f.monotonic);
	cr_expect(f.lengths_equal);
	/* stopped long before the recipe's 2 hours */
	cr_expect_lt(f.last_t, 3600, "ran on to %.0f s", f.last_t);
	/* The writer stops before the abort: no event or safe-state sample
	 * reaches the file (bench/h5log.c keeps its 16 MiB reserve for the
	 * close only), so the root attributes are what records the stop. */
	cr_expect_null(ctl_event_sev(&f, "abort"));
	ctl_file_free(&f);
}
