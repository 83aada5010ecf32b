/* SPDX-License-Identifier: Apache-2.0 */
/* test_trial_cycler_start.c - a cycler that refuses its first settings
 * (a `cycler_error` fault at 0, docs/simulator.md): `bench run` does not
 * start, says why, exits 1 and leaves no run file (nothing ran). */
#include "ctl_helpers.h"

static void refused_at_start(const char *bench_text, const char *tag)
{
	char *dir = tmpdir_new(tag);
	char *pack = ctl_pack_with(dir, "lfp30-healthy",
				   "[fault cycler_error]\nat = 0 s\n");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *bench = tmpfile_write(dir, "bench.ini", bench_text);
	const char *args[] = {"run",	 "fixtures/recipes/quick.txt",
			      "--sim",	 pack,
			      "--bench", bench,
			      "-o",	 out,
			      NULL};

	setenv("BENCH_RUNTIME_DIR", dir, 1);
	cr_assert_eq(ctl_bench(log, args), 1, "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "cycler refused"), "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "run not started"), "%s", ctl_log(log));
	/* no current: the contactors were never asked to close */
	cr_expect_null(strstr(ctl_log(log), "contactors closed"), "%s",
		       ctl_log(log));
	cr_expect_neq(access(out, F_OK), 0,
		      "no run file for a run that "
		      "never started");
	unsetenv("BENCH_RUNTIME_DIR");
}

/* a test that hangs fails instead of blocking the run */
TestSuite(trial_cycler_start, .timeout = 60);

Test(trial_cycler_start, in_process_cycler_refuses, .timeout = 60)
{
	refused_at_start("[bms]\nbus = sim\n[cycler]\nkind = sim\n",
			 "trial-cyc-sim");
}

Test(trial_cycler_start, scpi_supply_refuses, .timeout = 60)
{
	refused_at_start("[bms]\nbus = sim\n[cycler]\nkind = scpi\nport = "
			 "sim\nmodel = generic\n",
			 "trial-cyc-scpi");
}
