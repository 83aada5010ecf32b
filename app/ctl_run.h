/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_run.h - `bench run` and `bench resume`: build the backends a bench
 * file (or --sim) names, open the run file, run the loop, close. */
#ifndef BENCH_CTL_RUN_H
#define BENCH_CTL_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct run_opts {
	const char *recipe_path;
	const char *profile_path; /* NULL with --sim: derived */
	const char *pack_id;	  /* NULL with --sim: the pack's name */
	const char *out_path;
	const char *bench_path; /* NULL (--sim only): all in-process */
	const char *can_iface;	/* overrides [bms] bus */
	const char *cycler_can; /* overrides [cycler] bus */
	const char *sim_path;
	const char *truth_path;
	double speed; /* 0 = max (no pacing) */
	bool has_seed;
	uint64_t seed;
	bool overwrite;		   /* replace an existing out_path */
	const char *telemetry_url; /* NULL: the bench file's [telemetry] */
	double telemetry_linger_s; /* < 0: the bench file's or default */
	/* --shelf-from FAST.h5 --shelf TIME (--sim only): the pack as the
	 * finished simulated run FAST.h5 left it, shelf_us later */
	const char *shelf_from;
	int64_t shelf_us;
};

/* Both return the process exit status: 0 complete, 1 aborted for a bench
 * cause (cycler, BMS link, disk) or failed (the run file exists or another
 * process writes it), CTL_EXIT_FINAL after a safety abort, the operator's
 * `bench stop`, or when a file cannot be resumed (a supervisor must not
 * restart: bench@.service has RestartPreventExitStatus=3), 128 + signo
 * after a SIGINT/SIGTERM safe stop (the file is "interrupted": resumable).
 * docs/operator.md lists them. */
#define CTL_EXIT_FINAL 3
int ctl_run_new(const struct run_opts *o);
/* `bench recipe check`: load what `bench run` would (recipe, profile or
 * --sim pack, bench file) and check the recipe against them, nothing
 * opened that moves current. 0: fit to run, 1: problems (logged). */
int ctl_recipe_check(const struct run_opts *o);
/* if_needed: a file that does not resume (complete, a safety or operator
 * stop) is left alone and the exit status is 0 (a boot-time unit). */
int ctl_run_resume(const char *path, bool if_needed);

#endif
