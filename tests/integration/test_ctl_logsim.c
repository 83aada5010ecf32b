/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_logsim.c - `bench run --sim --speed max` logs every sample:
 * simulated time waits for the writer instead of dropping (the ring holds
 * 65536 samples; this run logs more than that as fast as the CPU goes),
 * and the settings resume needs are on disk as bench:CONFIG events. */
#include "ctl_helpers.h"

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_logsim, .timeout = 60);

Test(ctl_logsim, speed_max_drops_no_sample, .timeout = 120)
{
	char *dir = tmpdir_new("logsim");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *recipe = tmpfile_write(dir, "r.txt",
				     "log every 100 ms\n"
				     "Rest for 3 hours\n");
	const char *args[] = {
	    "run",     recipe, "--sim", "fixtures/packs/nmc96-healthy.ini",
	    "--speed", "max",  "-o",	out,
	    NULL};
	struct ctl_file f;
	size_t configs = 0;
	int rc;

	rc = ctl_bench(log, args);
	cr_assert_eq(rc, 0, "exit %d\n%s", rc, ctl_log(log));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	/* 10 samples a second for 3 hours, plus the first and the last */
	cr_expect_geq(f.rows, 3 * 3600 * 10, "only %zu rows", f.rows);
	cr_expect(f.monotonic);
	for (size_t i = 0; i < f.n_events; i++) {
		cr_expect_str_neq(f.events[i].code, "ring_overflow", "%s",
				  f.events[i].message);
		configs += !strcmp(f.events[i].code, "bench:CONFIG");
	}
	cr_expect_geq(configs, 5, "%zu bench:CONFIG events", configs);
	cr_log_info("speed max: %zu rows, %zu events", f.rows, f.n_events);
	ctl_file_free(&f);
	free(out);
	free(log);
	free(recipe);
	free(dir);
}
