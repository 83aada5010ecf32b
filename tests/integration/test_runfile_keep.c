/* SPDX-License-Identifier: Apache-2.0 */
/* test_runfile_keep.c - no command destroys a run file: `run` refuses an
 * existing path (unless --overwrite) and a path another run is writing;
 * `resume`, `recover` and `grade --write` refuse a file a live process
 * writes; `report` and `export` never write onto a run file or one of
 * their inputs, whatever its name. */
#include <sys/stat.h>

#include "ctl_helpers.h"

#define PACK "fixtures/packs/lfp30-healthy.ini"
#define QUICK "fixtures/recipes/quick.txt"

/* The whole file's bytes, malloc'd; *len set. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	cr_assert_not_null(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void expect_same_bytes(const char *path, const char *was, size_t len)
{
	size_t n;
	char *now = slurp(path, &n);

	cr_expect(n == len && !memcmp(now, was, len),
		  "'%s' changed (%zu -> %zu bytes)", path, len, n);
	free(now);
}

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
TestSuite(runfile_keep, .timeout = 60);

Test(runfile_keep, run_refuses_an_existing_file_unless_overwrite, .timeout = 60)
{
	char *dir = tmpdir_new("keepexist");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run", QUICK, "--sim", PACK, "-o", out, NULL};
	const char *over[] = {"run", QUICK, "--sim",	   PACK,
			      "-o",  out,   "--overwrite", NULL};
	size_t len;
	char *was;

	cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	was = slurp(out, &len);
	cr_expect_eq(ctl_bench(log, args), 1, "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "exists"), "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "--overwrite"), "%s", ctl_log(log));
	expect_same_bytes(out, was, len);
	cr_expect_eq(ctl_bench(log, over), 0, "%s", ctl_log(log));
	free(was);
	free(log);
	free(out);
	free(dir);
}

/* A paced run (quick.txt at 20x: about 15 s of wall time). */
static pid_t start_paced(const char *dir, const char *out, const char *log)
{
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	const char *args[] = {"run", QUICK, "--sim", PACK, "--speed",
			      "20",  "-o",  out,     NULL};
	pid_t pid = ctl_spawn(log, args);

	wait_for(sock, 10000);
	free(sock);
	return pid;
}

static void stop_paced(pid_t pid)
{
	kill(pid, SIGTERM);
	ctl_wait(pid);
}

Test(runfile_keep, a_file_being_written_is_refused_by_every_writer,
     .timeout = 90)
{
	char *dir = tmpdir_new("keeplive");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *log2 = ctl_path(dir, "log2"),
	     *lock = ctl_path(dir, "run.h5.lock");
	const char *second[] = {"run", QUICK, "--sim", PACK, "-o", out, NULL};
	const char *over[] = {"run", QUICK, "--sim",	   PACK,
			      "-o",  out,   "--overwrite", NULL};
	const char *resume[] = {"resume", out, NULL};
	const char *recover[] = {"recover", out, NULL};
	const char *grade[] = {"grade", "--write", out, NULL};
	const char *const *cmds[] = {second, over, resume, recover, grade};
	pid_t pid = start_paced(dir, out, log);
	char want[64];
	struct ctl_file f;

	snprintf(want, sizeof(want), "being written by pid %d", (int)pid);
	wait_for(out, 10000);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		cr_expect_eq(ctl_bench(log2, cmds[i]), 1, "%s: %s", cmds[i][0],
			     ctl_log(log2));
		cr_expect(strstr(ctl_log(log2), want), "%s: %s", cmds[i][0],
			  ctl_log(log2));
	}
	stop_paced(pid);
	/* the first run's file, closed by its own writer */
	ctl_file_read(out, &f);
	cr_expect_str_neq(f.meta.status, "running");
	cr_expect_str_neq(f.meta.status, "complete", "second run's file");
	ctl_file_free(&f);
	cr_expect_neq(access(lock, F_OK), 0, "lock file removed at exit");
	free(lock);
	free(log2);
	free(log);
	free(out);
	free(dir);
}

Test(runfile_keep, a_killed_writer_leaves_no_lock, .timeout = 90)
{
	char *dir = tmpdir_new("keepkill");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *recover[] = {"recover", out, NULL};
	pid_t pid = start_paced(dir, out, log);

	wait_for(out, 10000);
	kill(pid, SIGKILL);
	ctl_wait(pid);
	/* the sidecar is still there, but nobody holds its lock */
	cr_expect_eq(ctl_bench(log, recover), 0, "%s", ctl_log(log));
	free(log);
	free(out);
	free(dir);
}

Test(runfile_keep, report_and_export_never_write_onto_a_run_or_input,
     .timeout = 60)
{
	char *dir = tmpdir_new("keepreport");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *other = ctl_path(dir, "other.h5"), *link = ctl_path(dir, "alias");
	char *html = ctl_path(dir, "r.html");
	char *rules = tmpfile_write(dir, "rules.ini", "");
	const char *args[] = {"run", QUICK, "--sim", PACK, "-o", out, NULL};
	const char *args2[] = {"run", QUICK, "--sim", PACK, "-o", other, NULL};
	const char *self[] = {"report", out, "-o", out, NULL};
	const char *onto_run[] = {"report", out, "-o", other, NULL};
	const char *via_link[] = {"report", out, "-o", link, NULL};
	const char *onto_rules[] = {"report",  out,   "-o", rules,
				    "--rules", rules, NULL};
	const char *export_self[] = {"export", out, "--bdf", out, NULL};
	const char *export_link[] = {"export", out, "--bdf", link, NULL};
	const char *export_run[] = {"export", out, "--bdf", other, NULL};
	const char *const *bad[] = {self,	onto_run,    via_link,
				    onto_rules, export_self, export_link,
				    export_run};
	const char *good[] = {"report", out, "-o", html, NULL};
	size_t len, olen;
	char *was, *owas;

	cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	cr_assert_eq(ctl_bench(log, args2), 0, "%s", ctl_log(log));
	cr_assert_eq(symlink(out, link), 0);
	was = slurp(out, &len);
	owas = slurp(other, &olen);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(ctl_bench(log, bad[i]), 1, "%s %s: %s", bad[i][0],
			     bad[i][3], ctl_log(log));
		cr_expect(strstr(ctl_log(log), "refusing"), "%s", ctl_log(log));
	}
	expect_same_bytes(out, was, len);
	expect_same_bytes(other, owas, olen);
	/* an old report is replaced whole (a file that is not a report is
	 * refused: test_outfile_safety.c) */
	tmpfile_write(dir, "r.html", "<!DOCTYPE html>\n<p>old</p>\n");
	cr_expect_eq(ctl_bench(log, good), 0, "%s", ctl_log(log));
	free(slurp(html, &len));
	cr_expect_gt(len, 1000, "report written (%zu bytes)", len);
	free(owas);
	free(was);
	free(rules);
	free(html);
	free(link);
	free(other);
	free(log);
	free(out);
	free(dir);
}
