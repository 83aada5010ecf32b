/* SPDX-License-Identifier: Apache-2.0 */
/* test_trial_writer.c - one writer per run file, whatever the name it is
 * reached by (a symbolic link, another relative path, a hard link), and
 * the boot-time `bench resume --if-needed` leaving an ended run alone
 * (docs/deployment.md). */
#include <sys/stat.h>

#include "ctl_helpers.h"
#include "common/sha256.h"

static void wait_for(const char *path, int max_ms)
{
	for (int i = 0; i < max_ms / 10; i++) {
		if (access(path, F_OK) == 0)
			return;
		usleep(10000);
	}
	cr_assert_fail("'%s' did not appear within %d ms", path, max_ms);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(trial_writer, .timeout = 60);

Test(trial_writer, every_name_of_a_live_run_is_refused, .timeout = 60)
{
	char *dir = tmpdir_new("trial-writer");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *slink = ctl_path(dir, "slink.h5"), *hlink = ctl_path(dir, "h.h5");
	char *rlog = ctl_path(dir, "rlog");
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	const char *run[] = {"run",	"fixtures/recipes/quick.txt",
			     "--sim",	"fixtures/packs/lfp30-healthy.ini",
			     "--speed", "20",
			     "-o",	out,
			     NULL};
	const char *names[] = {slink, hlink};
	pid_t pid;

	setenv("BENCH_RUNTIME_DIR", dir, 1);
	pid = ctl_spawn(log, run);
	wait_for(sock, 10000);
	wait_for(out, 10000);
	cr_assert_eq(symlink("run.h5", slink), 0);
	cr_assert_eq(link(out, hlink), 0);
	for (unsigned i = 0; i < 2; i++) {
		const char *resume[] = {"resume", names[i], NULL};
		const char *recover[] = {"recover", names[i], NULL};
		const char *grade[] = {"grade", "--write", names[i], NULL};

		/* busy is not final: status 1, and said before anything */
		cr_expect_eq(ctl_bench(rlog, resume), 1, "%s", ctl_log(rlog));
		cr_expect(strstr(ctl_log(rlog), "is being written by pid"),
			  "%s", ctl_log(rlog));
		cr_expect_eq(ctl_bench(rlog, recover), 1, "%s", ctl_log(rlog));
		cr_expect(strstr(ctl_log(rlog), "is being written by pid"),
			  "%s", ctl_log(rlog));
		cr_expect_neq(ctl_bench(rlog, grade), 0, "%s", ctl_log(rlog));
		cr_expect(strstr(ctl_log(rlog), "is being written by pid"),
			  "%s", ctl_log(rlog));
	}
	cr_assert_eq(ctl_wait(pid), 0, "%s", ctl_log(log));
	unsetenv("BENCH_RUNTIME_DIR");
}

Test(trial_writer, boot_resume_leaves_an_ended_run_alone, .timeout = 60)
{
	char *dir = tmpdir_new("trial-ifneeded");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *run[] = {"run",   "fixtures/recipes/quick.txt",
			     "--sim", "fixtures/packs/lfp30-healthy.ini",
			     "-o",    out,
			     NULL};
	const char *if_needed[] = {"resume", "--if-needed", out, NULL};
	const char *resume[] = {"resume", out, NULL};
	char before[SHA256_HEX_LEN], after[SHA256_HEX_LEN];

	setenv("BENCH_RUNTIME_DIR", dir, 1);
	cr_assert_eq(ctl_bench(log, run), 0, "%s", ctl_log(log));
	cr_assert_eq(sha256_file_hex(out, before), 0);
	cr_expect_eq(ctl_bench(log, if_needed), 0, "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "nothing to resume"), "%s",
		  ctl_log(log));
	cr_expect_eq(ctl_bench(log, resume), 3, "%s", ctl_log(log));
	cr_assert_eq(sha256_file_hex(out, after), 0);
	cr_expect_str_eq(after, before, "an ended run file is not written");
	unsetenv("BENCH_RUNTIME_DIR");
}
