/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_helpers.h - shared by the controller's integration tests: run
 * bin/bench as a child, read the run file back through analysis/runfile.h,
 * write pack files with scheduled faults. Header-only (static), so each
 * test binary stays one file. */
#ifndef BENCH_TESTS_CTL_HELPERS_H
#define BENCH_TESTS_CTL_HELPERS_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runfile/runfile.h"
#include "common/rc.h"
#include "support.h"

#define BENCH_BIN "bin/bench"

/* Start bin/bench with args (NULL-terminated); output to logpath. */
static inline pid_t ctl_spawn(const char *logpath, const char *const *args)
{
	char *argv[32];
	pid_t pid;
	int n = 0;

	cr_assert_eq(access(BENCH_BIN, X_OK), 0,
		     "%s missing: run the tests from the repo root after make",
		     BENCH_BIN);
	argv[n++] = (char *)BENCH_BIN;
	for (; args[n - 1] && n < 31; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char *rt = strdup(logpath);

		/* control sockets next to the log: tests run in parallel */
		*strrchr(rt, '/') = '\0';
		setenv("BENCH_RUNTIME_DIR", rt, 1);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(BENCH_BIN, argv);
		_exit(127);
	}
	return pid;
}

static inline int ctl_wait(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static inline int ctl_bench(const char *logpath, const char *const *args)
{
	return ctl_wait(ctl_spawn(logpath, args));
}

/* The child's output, for failure messages (static buffer). */
static inline const char *ctl_log(const char *logpath)
{
	static char buf[8192];
	FILE *f = fopen(logpath, "r");
	size_t n = 0;
	long sz;

	buf[0] = '\0';
	if (!f)
		return buf;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	/* the end matters most */
	fseek(f, sz > (long)sizeof(buf) - 1 ? sz - (long)sizeof(buf) + 1 : 0,
	      SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static inline char *ctl_path(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* A pack file: a fixture's [pack] section plus extra text (faults). */
static inline char *ctl_pack_with(const char *dir, const char *fixture,
				  const char *extra)
{
	char src[256], *out = ctl_path(dir, "pack.ini");
	FILE *in, *o;
	char line[512];

	snprintf(src, sizeof(src), "fixtures/packs/%s.ini", fixture);
	in = fopen(src, "r");
	cr_assert_not_null(in, "fixture %s missing", src);
	o = fopen(out, "w");
	while (fgets(line, sizeof(line), in))
		fputs(line, o);
	fprintf(o, "\n%s\n", extra);
	fclose(in);
	fclose(o);
	return out;
}

/* What a test checks in a finished run file. */
struct ctl_file {
	struct run_meta meta;
	size_t rows;
	double first_t, last_t, last_current_A;
	bool monotonic, lengths_equal;
	struct run_event *events;
	size_t n_events;
	struct run_step *steps;
	size_t n_steps;
};

static inline void ctl_file_read(const char *path, struct ctl_file *f)
{
	struct runfile *rf = NULL;
	double *t, *cur;
	float *cells;
	const struct run_meta *m;

	memset(f, 0, sizeof(*f));
	cr_assert_eq(runfile_open(path, &rf), BENCH_OK, "cannot open %s", path);
	m = runfile_meta(rf);
	f->meta = *m;
	f->meta.recipe_text = NULL;
	f->meta.profile_text = NULL;
	f->rows = runfile_rows(rf);
	cr_assert_gt(f->rows, 0, "no samples in %s", path);
	t = calloc(f->rows, sizeof(double));
	cur = calloc(f->rows, sizeof(double));
	cells = calloc(f->rows * (m->series ? m->series : 1), sizeof(float));
	cr_assert_eq(runfile_read_col(rf, "test_time_second", 0, f->rows, t),
		     BENCH_OK);
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, f->rows, cur),
		     BENCH_OK);
	/* every column readable for every row: the lengths agree */
	f->lengths_equal =
	    runfile_read_col(rf, "voltage_volt", 0, f->rows, cur) == 0 &&
	    runfile_read_col(rf, "discharging_capacity_ah", 0, f->rows, cur) ==
		0 &&
	    runfile_read_cells(rf, "voltage_volt", 0, f->rows, cells) == 0;
	cr_assert_eq(runfile_read_col(rf, "current_ampere", 0, f->rows, cur),
		     BENCH_OK);
	f->monotonic = true;
	for (size_t i = 1; i < f->rows; i++)
		if (!(t[i] > t[i - 1]))
			f->monotonic = false;
	f->first_t = t[0];
	f->last_t = t[f->rows - 1];
	f->last_current_A = cur[f->rows - 1];
	cr_assert_eq(runfile_events(rf, &f->events, &f->n_events), BENCH_OK);
	cr_assert_eq(runfile_steps(rf, &f->steps, &f->n_steps), BENCH_OK);
	free(t);
	free(cur);
	free(cells);
	runfile_close(rf);
}

static inline void ctl_file_free(struct ctl_file *f)
{
	free(f->events);
	free(f->steps);
}

/* The first event with this severity, NULL if none. */
static inline const struct run_event *ctl_event_sev(const struct ctl_file *f,
						    const char *severity)
{
	for (size_t i = 0; i < f->n_events; i++)
		if (!strcmp(f->events[i].severity, severity))
			return &f->events[i];
	return NULL;
}

#endif
