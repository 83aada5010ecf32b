/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_resume_inputs.c - `bench resume` reads the pack and bench files
 * and the profile's DBC again: one edited after the run started is refused
 * by name, and the run file is left byte for byte as the killed run left
 * it; restored, the run resumes. */
#include <sys/stat.h>

#include "ctl_helpers.h"

static const char recipe_text[] = "log every 10 s\n"
				  "Discharge at 1C for 20 minutes\n"
				  "Rest for 5 minutes\n";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open '%s'", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0'; /* callers treat it as text */
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Resume must refuse (exit 3, a person decides) naming what changed, and
 * not write a byte to the run file. */
static void expect_refused(const char *out, const char *log, const char *what,
			   const char *path)
{
	const char *res[] = {"resume", out, NULL};
	size_t n0, n1;
	char *before = slurp(out, &n0), *after;
	const char *l;

	cr_expect_eq(ctl_bench(log, res), 3, "%s", ctl_log(log));
	l = ctl_log(log);
	cr_expect(strstr(l, what), "%s", l);
	cr_expect(strstr(l, path), "%s", l);
	cr_expect(strstr(l, "changed since the run started"), "%s", l);
	cr_expect(strstr(l, "restore it or start a new run"), "%s", l);
	after = slurp(out, &n1);
	cr_expect(n0 == n1 && !memcmp(before, after, n0),
		  "the run file changed (%zu -> %zu bytes)", n0, n1);
	free(before);
	free(after);
}

/* Wait (wall time, bounded) until the run's output shows text. */
static void wait_log(const char *log, const char *text)
{
	for (int i = 0; i < 3000 && !strstr(ctl_log(log), text); i++)
		usleep(10000);
	cr_assert(strstr(ctl_log(log), text), "no '%s' in: %s", text,
		  ctl_log(log));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *text = slurp(from, &n);

	write_text(to, text);
	free(text);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_resume_inputs, .timeout = 60);

Test(ctl_resume_inputs, edited_pack_or_bench_file_is_refused, .timeout = 120)
{
	char *dir = tmpdir_new("ctlresin");
	char *recipe = tmpfile_write(dir, "r.txt", recipe_text);
	char *bench = ctl_path(dir, "bench.ini");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *rlog = ctl_path(dir, "rlog"), *pack;
	/* the profile and its DBC (dbc = ../dbc/sim_bms.dbc) copied */
	char *prof_dir = ctl_path(dir, "profiles"),
	     *dbc_dir = ctl_path(dir, "dbc");
	char *profile = ctl_path(prof_dir, "sim_bms.ini");
	char *dbc = ctl_path(dbc_dir, "sim_bms.dbc");
	static const char bench_text[] = "[bench]\nid = sim-1\n"
					 "[bms]\nbus = sim\n"
					 "[cycler]\nkind = sim\n";
	/* 25 simulated minutes at 700x: about 2 s of wall time */
	const char *args[] = {"run", recipe,	  "--sim", NULL,      "--bench",
			      bench, "--profile", NULL,	   "--speed", "700",
			      "-o",  out,	  NULL};
	const char *res[] = {"resume", out, NULL};
	struct ctl_file f;
	pid_t pid;

	pack = ctl_pack_with(dir, "nmc96-healthy", "");
	args[3] = pack;
	args[7] = profile;
	write_text(bench, bench_text);
	cr_assert_eq(mkdir(prof_dir, 0755), 0);
	cr_assert_eq(mkdir(dbc_dir, 0755), 0);
	copy_file("fixtures/profiles/sim_bms.ini", profile);
	copy_file("fixtures/dbc/sim_bms.dbc", dbc);
	pid = ctl_spawn(log, args);
	wait_log(log, "step 1 (line 2)");
	usleep(300000);
	kill(pid, SIGKILL);
	cr_assert_eq(ctl_wait(pid), 128 + SIGKILL, "%s", ctl_log(log));

	/* another pack's file under the same name */
	free(ctl_pack_with(dir, "nmc96-aged", ""));
	expect_refused(out, rlog, "pack file", pack);
	free(ctl_pack_with(dir, "nmc96-healthy", ""));

	write_text(bench, "[bench]\nid = sim-2\n[bms]\nbus = sim\n"
			  "[cycler]\nkind = sim\n");
	expect_refused(out, rlog, "bench file", bench);
	write_text(bench, bench_text);

	/* another DBC under the profile's DBC name */
	copy_file("fixtures/dbc/test/bms_mux.dbc", dbc);
	expect_refused(out, rlog, "DBC file", "sim_bms.dbc");
	copy_file("fixtures/dbc/sim_bms.dbc", dbc);

	cr_assert_eq(ctl_bench(rlog, res), 0, "%s", ctl_log(rlog));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	cr_expect_eq(f.meta.resumed_times, 1);
	ctl_file_free(&f);
	free(rlog);
	free(log);
	free(out);
	free(pack);
	free(dbc);
	free(profile);
	free(dbc_dir);
	free(prof_dir);
	free(bench);
	free(recipe);
	free(dir);
}
