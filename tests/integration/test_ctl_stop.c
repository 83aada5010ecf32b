/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_stop.c - stopping and continuing a run from outside: SIGTERM is
 * a safe stop that leaves a resumable (interrupted) run, the control
 * socket is 0660 and `bench stop` is the operator's final stop, `bench
 * watch` follows a run, and a run killed with SIGKILL resumes to a
 * complete file equal to an uninterrupted run. */
#include <sys/stat.h>

#include "ctl_helpers.h"

/* Wait (wall time, bounded) until path exists. */
static void wait_for(const char *path, int max_ms)
{
	for (int i = 0; i < max_ms / 10; i++) {
		if (access(path, F_OK) == 0)
			return;
		usleep(10000);
	}
	cr_assert_fail("'%s' did not appear within %d ms", path, max_ms);
}

/* quick.txt lasts about five simulated minutes: at 20x about 15 s. */
static pid_t start_paced(const char *dir, char **out, char **log)
{
	const char *args[8] = {"run",	  "fixtures/recipes/quick.txt",
			       "--sim",	  "fixtures/packs/lfp30-healthy.ini",
			       "--speed", "20",
			       "-o",	  NULL};
	const char *full[9];

	*out = ctl_path(dir, "run.h5");
	*log = ctl_path(dir, "log");
	memcpy(full, args, sizeof(args));
	full[7] = *out;
	full[8] = NULL;
	return ctl_spawn(*log, full);
}

static void expect_operator_abort(const char *out)
{
	struct ctl_file f;
	const struct run_event *ev;

	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "aborted");
	ev = ctl_event_sev(&f, "abort");
	cr_assert_not_null(ev);
	cr_expect(!strncmp(ev->code, "operator:", 9), "code %s", ev->code);
	cr_expect_lt(fabs(f.last_current_A), 0.5, "last sample %.2f A",
		     f.last_current_A);
	ctl_file_free(&f);
}

/* A shutdown (systemctl stop, a reboot) or Ctrl-C: safe stop, the run is
 * interrupted, not ended, and `bench resume` completes it. */
static void signal_stop_then_resume(int sig, const char *tag)
{
	char *dir = tmpdir_new(tag), *out, *log;
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	char *rlog = ctl_path(dir, "rlog");
	const char *res[] = {"resume", NULL, NULL};
	pid_t pid = start_paced(dir, &out, &log);
	const struct run_event *ev;
	struct ctl_file f;

	wait_for(sock, 10000);
	usleep(1500000); /* 30 simulated seconds: current flows */
	kill(pid, sig);
	cr_assert_eq(ctl_wait(pid), 128 + sig, "%s", ctl_log(log));
	cr_expect_neq(access(sock, F_OK), 0, "socket removed at exit");
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "interrupted");
	ev = ctl_event_sev(&f, "abort");
	cr_assert_not_null(ev);
	cr_expect_str_eq(ev->code, "bench:SIGNAL_STOP");
	cr_expect_lt(fabs(f.last_current_A), 0.5, "last sample %.2f A",
		     f.last_current_A);
	ctl_file_free(&f);
	cr_expect(strstr(ctl_log(log), "bench resume"), "%s", ctl_log(log));

	res[1] = out;
	cr_assert_eq(ctl_bench(rlog, res), 0, "%s", ctl_log(rlog));
	ctl_file_read(out, &f);
	cr_expect_str_eq(f.meta.status, "complete");
	cr_expect_eq(f.meta.resumed_times, 1);
	cr_expect(f.monotonic, "test time runs backwards after the resume");
	ctl_file_free(&f);
	free(rlog);
	free(sock);
	free(log);
	free(out);
	free(dir);
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_stop, .timeout = 60);

Test(ctl_stop, sigterm_is_a_safe_resumable_stop, .timeout = 90)
{
	signal_stop_then_resume(SIGTERM, "ctlterm");
}

Test(ctl_stop, sigint_is_a_safe_resumable_stop, .timeout = 90)
{
	signal_stop_then_resume(SIGINT, "ctlint");
}

Test(ctl_stop, control_socket_0660_watch_and_stop, .timeout = 60)
{
	char *dir = tmpdir_new("ctlsock"), *out, *log;
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	char *wlog = ctl_path(dir, "watch.log"), *slog = ctl_path(dir, "stop");
	const char *watch[] = {"watch", sock, "--once", NULL};
	const char *watchf[] = {"watch", NULL, "--once", NULL};
	const char *stop[] = {"stop", sock, NULL};
	const char *resume[] = {"resume", NULL, NULL};
	pid_t pid = start_paced(dir, &out, &log);
	struct stat st;

	wait_for(sock, 10000);
	cr_assert_eq(stat(sock, &st), 0);
	cr_expect(S_ISSOCK(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0660, "mode %o",
		     (unsigned)(st.st_mode & 0777));
	usleep(500000);
	cr_expect_eq(ctl_bench(wlog, watch), 0, "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "lfp30") || strstr(ctl_log(wlog), "V "),
		  "watch printed: %s", ctl_log(wlog));
	watchf[1] = out;
	resume[1] = out;
	cr_expect_eq(ctl_bench(wlog, watchf), 0, "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "[running]"), "watch file: %s",
		  ctl_log(wlog));
	cr_expect_eq(ctl_bench(slog, stop), 0, "%s", ctl_log(slog));
	/* the operator's stop is final: status 3, no resume */
	cr_assert_eq(ctl_wait(pid), 3, "%s", ctl_log(log));
	expect_operator_abort(out);
	cr_expect_eq(ctl_bench(slog, resume), 3, "%s", ctl_log(slog));
	cr_expect(strstr(ctl_log(slog), "does not resume"), "%s",
		  ctl_log(slog));
	free(slog);
	free(wlog);
	free(sock);
	free(log);
	free(out);
	free(dir);
}

static const char resume_recipe[] = "log every 10 s\n"
				    "Discharge at 1C for 20 minutes\n"
				    "Rest for 5 minutes\n"
				    "Charge at 1C for 10 minutes\n";

static double step_discharge_Ah(const struct ctl_file *f)
{
	return f->n_steps ? f->steps[0].discharge_Ah : -1;
}

Test(ctl_stop, sigkill_then_resume_completes_like_an_uninterrupted_run,
     .timeout = 120)
{
	char *dir = tmpdir_new("ctlresume");
	char *recipe = tmpfile_write(dir, "r.txt", resume_recipe);
	char *ref = ctl_path(dir, "ref.h5"), *out = ctl_path(dir, "run.h5");
	char *log = ctl_path(dir, "log"), *rlog = ctl_path(dir, "rlog");
	const char *ref_args[] = {
	    "run", recipe, "--sim", "fixtures/packs/lfp30-healthy.ini",
	    "-o",  ref,	   NULL};
	/* 35 simulated minutes at 700x: 3 s of wall time */
	const char *args[] = {
	    "run",     recipe, "--sim", "fixtures/packs/lfp30-healthy.ini",
	    "--speed", "700",  "-o",	out,
	    NULL};
	const char *res[] = {"resume", out, NULL};
	const char *watchf[] = {"watch", out, "--once", NULL};
	struct ctl_file a, b;
	pid_t pid;

	cr_assert_eq(ctl_bench(log, ref_args), 0, "%s", ctl_log(log));
	pid = ctl_spawn(log, args);
	usleep(1200000);
	kill(pid, SIGKILL);
	cr_assert_eq(ctl_wait(pid), 128 + SIGKILL);
	/* a killed file is readable as it is (SWMR read), and not shown as
	 * running: its writer is gone */
	cr_expect_eq(ctl_bench(rlog, watchf), 0, "%s", ctl_log(rlog));
	cr_expect(strstr(ctl_log(rlog), "[not running]"), "%s", ctl_log(rlog));
	cr_assert_eq(ctl_bench(rlog, res), 0, "%s", ctl_log(rlog));

	ctl_file_read(ref, &a);
	ctl_file_read(out, &b);
	cr_expect_str_eq(b.meta.status, "complete");
	cr_expect_eq(b.meta.resumed_times, 1);
	cr_expect(b.monotonic, "test time runs backwards after the resume");
	cr_expect(b.lengths_equal);
	cr_expect_eq(b.n_steps, a.n_steps, "steps %zu vs %zu", b.n_steps,
		     a.n_steps);
	cr_expect_eq(b.rows, a.rows, "rows %zu vs %zu", b.rows, a.rows);
	cr_expect_lt(fabs(step_discharge_Ah(&b) - step_discharge_Ah(&a)),
		     0.005 * step_discharge_Ah(&a), "%.4f vs %.4f Ah",
		     step_discharge_Ah(&b), step_discharge_Ah(&a));
	cr_expect_lt(fabs(b.last_t - a.last_t), 0.2);
	ctl_file_free(&a);
	ctl_file_free(&b);
	free(rlog);
	free(log);
	free(out);
	free(ref);
	free(recipe);
	free(dir);
}

Test(ctl_stop, resume_refuses_a_complete_run, .timeout = 60)
{
	char *dir = tmpdir_new("ctlresdone");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *args[] = {"run",   "fixtures/recipes/quick.txt",
			      "--sim", "fixtures/packs/lfp30-healthy.ini",
			      "-o",    out,
			      NULL};
	const char *res[] = {"resume", out, NULL};

	cr_assert_eq(ctl_bench(log, args), 0, "%s", ctl_log(log));
	cr_expect_eq(ctl_bench(log, res), 3, "final: not restarted");
	cr_expect(strstr(ctl_log(log), "is complete"), "%s", ctl_log(log));
	free(log);
	free(out);
	free(dir);
}
