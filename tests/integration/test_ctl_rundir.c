/* SPDX-License-Identifier: Apache-2.0 */
/* test_ctl_rundir.c - talking to the right run: clients look only in the
 * user's own runtime directory, which must be private; several runs and
 * no id is refused with the list; `bench watch` on a file whose writer
 * died says it is not running instead of showing it running forever. */
#include <sys/stat.h>

#include "ctl_helpers.h"

#define PACK "fixtures/packs/lfp30-healthy.ini"
#define QUICK "fixtures/recipes/quick.txt"

/* bin/bench with the default runtime directory of a user whose
 * XDG_RUNTIME_DIR is xdg (no BENCH_RUNTIME_DIR, not a service). */
static pid_t spawn_xdg(const char *xdg, const char *logpath,
		       const char *const *args)
{
	char *argv[32];
	pid_t pid;
	int n = 0;

	argv[n++] = (char *)BENCH_BIN;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		unsetenv("BENCH_RUNTIME_DIR");
		unsetenv("RUNTIME_DIRECTORY");
		setenv("XDG_RUNTIME_DIR", xdg, 1);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(BENCH_BIN, argv);
		_exit(127);
	}
	return pid;
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

/* quick.txt at 20x: about 15 s of wall time */
static const char *const *paced(const char *out)
{
	static const char *args[] = {"run", QUICK, "--sim", PACK, "--speed",
				     "20",  "-o",  NULL,    NULL};

	args[7] = out;
	return args;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(ctl_rundir, .timeout = 60);

Test(ctl_rundir, clients_see_only_their_own_directory, .timeout = 90)
{
	char *dir = tmpdir_new("rundirown");
	char *mine = ctl_path(dir, "mine"), *theirs = ctl_path(dir, "theirs");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *clog = ctl_path(dir, "clog");
	char *sock = ctl_path(dir, "theirs/bench/lfp30-healthy.sock");
	char *rt = ctl_path(dir, "theirs/bench");
	const char *stop[] = {"stop", NULL};
	const char *watch[] = {"watch", "--once", NULL};
	struct stat sb;
	pid_t pid;

	cr_assert_eq(mkdir(mine, 0700), 0);
	cr_assert_eq(mkdir(theirs, 0700), 0);
	pid = spawn_xdg(theirs, log, paced(out));
	wait_for(sock, 10000);
	cr_assert_eq(stat(sock, &sb), 0);
	cr_expect_eq(stat(rt, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0700, "mode %o",
		     (unsigned)(sb.st_mode & 0777));
	cr_expect_eq(ctl_wait(spawn_xdg(mine, clog, stop)), 1, "%s",
		     ctl_log(clog));
	cr_expect(strstr(ctl_log(clog), "no run in"), "%s", ctl_log(clog));
	cr_expect_eq(ctl_wait(spawn_xdg(mine, clog, watch)), 1, "%s",
		     ctl_log(clog));
	usleep(200000);
	cr_expect_eq(kill(pid, 0), 0, "the other run was stopped");
	/* its own user's client finds it */
	cr_expect_eq(ctl_wait(spawn_xdg(theirs, clog, stop)), 0, "%s",
		     ctl_log(clog));
	cr_expect_eq(ctl_wait(pid), 3, "%s", ctl_log(log));
	free(rt);
	free(sock);
	free(clog);
	free(log);
	free(out);
	free(theirs);
	free(mine);
	free(dir);
}

Test(ctl_rundir, a_runtime_directory_not_private_is_refused, .timeout = 30)
{
	char *dir = tmpdir_new("rundirpriv");
	char *xdg = ctl_path(dir, "xdg"), *rt = ctl_path(dir, "xdg/bench");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	const char *run[] = {"run", QUICK, "--sim", PACK, "-o", out, NULL};
	const char *stop[] = {"stop", NULL};

	cr_assert_eq(mkdir(xdg, 0700), 0);
	cr_assert_eq(mkdir(rt, 0700), 0);
	cr_assert_eq(chmod(rt, 0777), 0); /* anyone could plant a socket */
	cr_expect_eq(ctl_wait(spawn_xdg(xdg, log, stop)), 1, "%s",
		     ctl_log(log));
	cr_expect(strstr(ctl_log(log), "only it can write"), "%s",
		  ctl_log(log));
	cr_expect_eq(ctl_wait(spawn_xdg(xdg, log, run)), 1, "%s", ctl_log(log));
	cr_expect(strstr(ctl_log(log), "only it can write"), "%s",
		  ctl_log(log));
	cr_expect_neq(access(out, F_OK), 0, "run started anyway");
	free(log);
	free(out);
	free(rt);
	free(xdg);
	free(dir);
}

Test(ctl_rundir, several_runs_and_no_id_are_listed_not_guessed, .timeout = 90)
{
	char *dir = tmpdir_new("rundirmany");
	char *a = ctl_path(dir, "a.h5"), *b = ctl_path(dir, "b.h5");
	char *la = ctl_path(dir, "la"), *lb = ctl_path(dir, "lb");
	char *clog = ctl_path(dir, "clog");
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	const char *stop[] = {"stop", NULL};
	char other[64];
	pid_t pa, pb;

	pa = ctl_spawn(la, paced(a));
	wait_for(sock, 10000);
	pb = ctl_spawn(lb, paced(b));
	snprintf(other, sizeof(other), "lfp30-healthy-%d", (int)pb);
	{
		char *sb = ctl_path(dir, other);
		char sp[300];

		snprintf(sp, sizeof(sp), "%s.sock", sb);
		wait_for(sp, 10000);
		free(sb);
	}
	cr_expect_eq(ctl_bench(clog, stop), 1, "%s", ctl_log(clog));
	cr_expect(strstr(ctl_log(clog), "2 runs"), "%s", ctl_log(clog));
	cr_expect(strstr(ctl_log(clog), other), "%s", ctl_log(clog));
	cr_expect(strstr(ctl_log(clog), "lfp30-healthy\n"), "%s",
		  ctl_log(clog));
	cr_expect_eq(kill(pa, 0), 0);
	cr_expect_eq(kill(pb, 0), 0);
	kill(pa, SIGTERM);
	kill(pb, SIGTERM);
	cr_expect_eq(ctl_wait(pa), 128 + SIGTERM, "%s", ctl_log(la));
	cr_expect_eq(ctl_wait(pb), 128 + SIGTERM, "%s", ctl_log(lb));
	free(sock);
	free(clog);
	free(lb);
	free(la);
	free(b);
	free(a);
	free(dir);
}

Test(ctl_rundir, watch_says_a_dead_writer_is_not_running, .timeout = 60)
{
	char *dir = tmpdir_new("rundirdead");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *wlog = ctl_path(dir, "wlog");
	char *sock = ctl_path(dir, "lfp30-healthy.sock");
	const char *watch[] = {"watch", out, NULL};
	const char *once[] = {"watch", out, "--once", NULL};
	pid_t pid = ctl_spawn(log, paced(out));

	wait_for(sock, 10000);
	usleep(1500000); /* current flows */
	cr_expect_eq(ctl_bench(wlog, once), 0, "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "[running]"), "%s", ctl_log(wlog));
	kill(pid, SIGKILL);
	ctl_wait(pid);
	/* without --once too: it must not follow a dead run forever */
	cr_expect_eq(ctl_bench(wlog, watch), 0, "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "[not running]"), "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "not running: its writer stopped"),
		  "%s", ctl_log(wlog));
	cr_expect(strstr(ctl_log(wlog), "last sample 20"), "%s", ctl_log(wlog));
	cr_expect_null(strstr(ctl_log(wlog), "[running]"), "%s", ctl_log(wlog));
	free(sock);
	free(wlog);
	free(log);
	free(out);
	free(dir);
}
