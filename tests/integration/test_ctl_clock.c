/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_clock.c - wall-clock jumps do not touch test time: a paced
 * simulated run under a preloaded shim whose CLOCK_REALTIME (and time(),
 * gettimeofday()) jumps back one hour, then forward two, half-way through.
 * Test time, step durations and pacing come from the monotonic clock only;
 * if they did not, pacing would stall for an hour (the timeout fails the
 * test) or steps would end early. */
#include "ctl_helpers.h"

static const char shim_src[] =
    "#define _GNU_SOURCE\n"
    "#include <dlfcn.h>\n"
    "#include <sys/time.h>\n"
    "#include <time.h>\n"
    "static long long offset_s(void)\n"
    "{\n"
    "	static int (*real)(clockid_t, struct timespec *);\n"
    "	static long long t0 = -1;\n"
    "	struct timespec m;\n"
    "	if (!real)\n"
    "		real = dlsym(RTLD_NEXT, \"clock_gettime\");\n"
    "	real(CLOCK_MONOTONIC, &m);\n"
    "	if (t0 < 0)\n"
    "		t0 = m.tv_sec * 1000LL + m.tv_nsec / 1000000;\n"
    "	long long ms = m.tv_sec * 1000LL + m.tv_nsec / 1000000 - t0;\n"
    "	return ms < 400 ? 0 : ms < 800 ? -3600 : 7200;\n"
    "}\n"
    "int clock_gettime(clockid_t c, struct timespec *ts)\n"
    "{\n"
    "	int (*real)(clockid_t, struct timespec *) =\n"
    "		dlsym(RTLD_NEXT, \"clock_gettime\");\n"
    "	int rc = real(c, ts);\n"
    "	if (c == CLOCK_REALTIME)\n"
    "		ts->tv_sec += offset_s();\n"
    "	return rc;\n"
    "}\n"
    "int gettimeofday(struct timeval *tv, void *tz)\n"
    "{\n"
    "	struct timespec ts;\n"
    "	(void)tz;\n"
    "	clock_gettime(CLOCK_REALTIME, &ts);\n"
    "	tv->tv_sec = ts.tv_sec;\n"
    "	tv->tv_usec = ts.tv_nsec / 1000;\n"
    "	return 0;\n"
    "}\n"
    "time_t time(time_t *t)\n"
    "{\n"
    "	struct timespec ts;\n"
    "	clock_gettime(CLOCK_REALTIME, &ts);\n"
    "	if (t)\n"
    "		*t = ts.tv_sec;\n"
    "	return ts.tv_sec;\n"
    "}\n";

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_clock, .timeout = 60);

Test(ctl_clock, wall_clock_jumps_do_not_move_test_time, .timeout = 60)
{
	char *dir = tmpdir_new("ctlclock");
	char *src = tmpfile_write(dir, "shim.c", shim_src);
	char *so = ctl_path(dir, "shim.so");
	char *recipe = tmpfile_write(dir, "r.txt",
				     "log every 1 s\n"
				     "Rest for 20 seconds\n"
				     "Discharge at 1C for 30 seconds\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	/* about 55 simulated seconds at 40x: 1.4 s of wall time, the jumps
	 * at 0.4 s and 0.8 s land mid-run */
	const char *args[] = {
	    "run",     recipe, "--sim", "fixtures/packs/lfp30-healthy.ini",
	    "--speed", "40",   "-o",	out,
	    NULL};
	char cmd[1024];
	struct ctl_file f;
	int rc;

	snprintf(cmd, sizeof(cmd), "cc -shared -fPIC -o %s %s -ldl", so, src);
	cr_assert_eq(system(cmd), 0, "cannot build the clock shim: %s", cmd);
	setenv("LD_PRELOAD", so, 1);
	rc = ctl_bench(log, args);
	unsetenv("LD_PRELOAD");
	cr_assert_eq(rc, 0, "%s", ctl_log(log));

	ctl_file_read(out, &f);
	cr_expect(f.monotonic, "test time went backwards");
	cr_assert_eq(f.n_steps, 2);
	cr_expect_float_eq(f.steps[0].end_s - f.steps[0].start_s, 20.0, 0.15,
			   "rest lasted %.2f s",
			   f.steps[0].end_s - f.steps[0].start_s);
	cr_expect_float_eq(f.steps[1].end_s - f.steps[1].start_s, 30.0, 0.15,
			   "discharge lasted %.2f s",
			   f.steps[1].end_s - f.steps[1].start_s);
	ctl_file_free(&f);
	{
		struct runfile *rf;
		size_t n;
		double u[2];

		cr_assert_eq(runfile_open(out, &rf), BENCH_OK);
		n = runfile_rows(rf);
		runfile_read_col(rf, "unix_time_second", 0, 1, &u[0]);
		runfile_read_col(rf, "unix_time_second", n - 1, 1, &u[1]);
		/* unix time is the start's wall time plus test time: the
		 * jumps do not show up in it either */
		cr_expect_float_eq(u[1] - u[0], f.last_t - f.first_t, 0.01);
		runfile_close(rf);
	}
}
