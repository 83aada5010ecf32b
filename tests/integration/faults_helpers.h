/* SPDX-License-Identifier: Apache-2.0 */
/* faults_helpers.h - shared by the fault tests: run
 * bin/bench on a simulated pack with one scheduled fault, optionally with a
 * bench file and a profile, and check the reaction in the run file: the
 * event, its delay after the fault, the exit status, and for an abort the
 * file marked aborted with the last sample back at zero current. Builds on
 * ctl_helpers.h. Header-only (static). */
#ifndef BENCH_TESTS_FAULTS_HELPERS_H
#define BENCH_TESTS_FAULTS_HELPERS_H

#include "ctl_helpers.h"

/* The simulator's SCPI supply on a pty, driven through the SCPI driver. */
#define FAULTS_BENCH_SCPI                                                      \
	"[bench]\nid = sim-scpi\noperator = ci\n\n[bms]\nbus = sim\n\n"        \
	"[cycler]\nkind = scpi\nport = sim\nmodel = generic\n"

struct faults_case {
	const char *fixture; /* fixtures/packs/<fixture>.ini */
	const char *fault;   /* [fault ...] section text */
	double fault_at_s;   /* its at = */
	const char *recipe;  /* recipe text */
	const char *bench;   /* bench file text, or NULL */
	const char *profile; /* profile path, or NULL */
	int exit_status;
	const char *severity; /* the expected event */
	const char *code;     /* exact, or a prefix ending in ':' */
	double max_delay_s;   /* event time - fault time */
	/* Measure the delay from the start of this step (step_count) instead,
	 * when the fault is first met by that step's commands; 0: no. */
	uint32_t from_step;
};

/* What a case saw, for the figures a test prints. */
struct faults_seen {
	double delay_s;
	char log[8192];
};

/* The file after the reaction to fault ev: well formed; for an abort,
 * marked aborted for ev's cause with the safe state (zero current) logged
 * after it; otherwise complete with no abort at all. */
static inline void faults_expect_end(const struct ctl_file *f,
				     const struct run_event *ev,
				     const char *fault, const char *severity)
{
	cr_expect(f->monotonic);
	cr_expect(f->lengths_equal);
	if (!strcmp(severity, "abort")) {
		cr_expect_str_eq(f->meta.status, "aborted");
		cr_expect(
		    !strncmp(f->meta.end_reason, ev->code, strlen(ev->code)),
		    "end_reason '%s' does not name %s", f->meta.end_reason,
		    ev->code);
		cr_expect_lt(fabs(f->last_current_A), 0.5,
			     "%s: last sample %.2f A", fault,
			     f->last_current_A);
		cr_expect_geq(f->last_t, ev->t_s,
			      "the safe state is logged after the event");
	} else {
		cr_expect_str_eq(f->meta.status, "complete");
		cr_expect_null(ctl_event_sev(f, "abort"));
	}
}

static inline void faults_run(const struct faults_case *fc,
			      struct faults_seen *seen)
{
	char *dir = tmpdir_new("faults");
	char *pack = ctl_path(dir, "pack.ini");
	char *out = ctl_path(dir, "run.h5"), *log = ctl_path(dir, "log");
	char *recipe = tmpfile_write(dir, "r.txt", fc->recipe);
	char *bench =
	    fc->bench ? tmpfile_write(dir, "bench.ini", fc->bench) : NULL;
	const char *args[16] = {"run",	   recipe, "--sim", pack,
				"--speed", "max",  "-o",    out};
	const struct run_event *ev = NULL;
	size_t plen = strlen(fc->code), n = 8;
	bool prefix = fc->code[plen - 1] == ':';
	struct ctl_file f;
	int rc;

	free(pack);
	pack = ctl_pack_with(dir, fc->fixture, fc->fault);
	args[3] = pack;
	if (bench) {
		args[n++] = "--bench";
		args[n++] = bench;
	}
	if (fc->profile) {
		args[n++] = "--profile";
		args[n++] = fc->profile;
	}
	args[n] = NULL;
	rc = ctl_bench(log, args);
	snprintf(seen->log, sizeof(seen->log), "%s", ctl_log(log));
	cr_assert_eq(rc, fc->exit_status, "%s: exit %d\n%s", fc->fault, rc,
		     seen->log);
	ctl_file_read(out, &f);
	for (size_t i = 0; i < f.n_events && !ev; i++)
		if (!strcmp(f.events[i].severity, fc->severity) &&
		    (prefix ? !strncmp(f.events[i].code, fc->code, plen)
			    : !strcmp(f.events[i].code, fc->code)))
			ev = &f.events[i];
	cr_assert_not_null(ev, "%s: no %s event %s\n%s", fc->fault,
			   fc->severity, fc->code, seen->log);
	seen->delay_s = ev->t_s - fc->fault_at_s;
	for (size_t i = 0; fc->from_step && i < f.n_steps; i++)
		if (f.steps[i].step_count == fc->from_step)
			seen->delay_s = ev->t_s - f.steps[i].start_s;
	cr_expect_geq(ev->t_s, fc->fault_at_s, "%s: reacted before the fault",
		      fc->fault);
	cr_expect_leq(seen->delay_s, fc->max_delay_s,
		      "%s: reacted %.2f s after the fault (limit %.2f s)",
		      fc->fault, seen->delay_s, fc->max_delay_s);
	faults_expect_end(&f, ev, fc->fault, fc->severity);
	ctl_file_free(&f);
	free(recipe);
	free(bench);
	free(pack);
	free(out);
	free(log);
	free(dir);
}

/* How often a line occurs in a log. */
static inline int faults_count(const char *log, const char *what)
{
	int n = 0;

	for (const char *p = log; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

#endif
