/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_shelf.c - `bench run --sim PACK.ini --shelf-from FAST.h5 --shelf
 * 48h`: the same simulated pack, back on the bench after a rest off it.
 *
 * The fast run's file names its pack, seed and recipe (the "bench:CONFIG"
 * events resume reads); a simulated run is deterministic, so replaying it
 * without a log puts the pack exactly where that run left it
 * (docs/architecture.md, "Resume"). The shelf itself is the cell model's
 * leak over the time off the bench (bench/sim: sim_continue_from).
 */
#define LOG_PREFIX "shelf"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ctl_run_priv.h"
#include "bench/ctl.h"
#include "bench/sim/sim.h"
#include "common/log.h"
#include "common/rc.h"
#include "runfile/runfile.h"

/* The fast run's end: its last sample's test and unix time. */
static int last_sample(const char *path, double *t_s, double *unix_s)
{
	struct runfile *rf = NULL;
	size_t n;
	int rc;

	TRY(runfile_open(path, &rf));
	n = runfile_rows(rf);
	if (!n) {
		log_err("'%s' has no samples: no run to continue from", path);
		rc = BENCH_ERR_PROTO;
	} else {
		rc = runfile_read_col(rf, "test_time_second", n - 1, 1, t_s);
		if (rc == BENCH_OK)
			rc = runfile_read_col(rf, "unix_time_second", n - 1, 1,
					      unix_s);
	}
	runfile_close(rf);
	return rc;
}

static void file_release(struct resume_file *f)
{
	free(f->recipe_text);
	free(f->profile_text);
}

/* Only a finished simulated run leaves a pack state to continue from. */
static int read_fast(const char *path, struct resume_file *f)
{
	TRY(resume_read_file(path, f));
	if (!f->cfg.sim[0]) {
		log_err("'%s' is not a simulated run: --shelf-from continues "
			"a simulated pack",
			path);
		return BENCH_ERR_ARG;
	}
	if (strcmp(f->status, "complete")) {
		log_err("'%s' is %s, not complete: the shelf continues from "
			"a finished run",
			path, f->status);
		return BENCH_ERR_STATE;
	}
	return BENCH_OK;
}

int shelf_seed(const char *fast_path, bool *seeded, uint64_t *seed)
{
	struct resume_file f = {0};
	int rc = read_fast(fast_path, &f);

	*seeded = f.cfg.seeded != 0;
	*seed = f.cfg.seed;
	file_release(&f);
	return rc;
}

int shelf_replay(struct run_ctx *r, const char *fast_path, int64_t shelf_us,
		 double *unix_start_s)
{
	struct run_ctx rp = {.sig_fd = -1};
	struct resume_file f = {0};
	double t_last_s = 0, unix_last_s = 0, t_end_s;
	int rc;

	rc = read_fast(fast_path, &f);
	if (rc == BENCH_OK)
		rc = last_sample(fast_path, &t_last_s, &unix_last_s);
	if (rc == BENCH_OK)
		rc = resume_check_inputs(&f, fast_path);
	if (rc == BENCH_OK)
		rc = resume_load_setup(&rp, &f, fast_path);
	if (rc == BENCH_OK)
		rc = run_ctx_build(&rp, f.pack_id);
	if (rc < 0)
		goto done;
	log_info("replaying '%s' (%.1f h of test)", fast_path, t_last_s / 3600);
	rp.quiet = true;
	rp.replay_until_us = INT64_MAX; /* never logs */
	rc = run_ctx_loop(&rp, 0, 0);
	if (rc < 0)
		goto done;
	t_end_s = sim_now_us(rp.sim) * 1e-6;
	if (strcmp(ctl_end_status(rp.ctl), "complete") ||
	    t_end_s + 1.0 < t_last_s) {
		log_err("'%s' does not replay (the replay ended %s at %.1f s, "
			"the file at %.1f s): was the pack file or the bench "
			"changed?",
			fast_path, ctl_end_status(rp.ctl), t_end_s, t_last_s);
		rc = BENCH_ERR_STATE;
		goto done;
	}
	rc = sim_continue_from(r->sim, rp.sim, shelf_us);
	*unix_start_s = unix_last_s + (t_end_s - t_last_s) + shelf_us * 1e-6;
	log_info("pack '%s' off the bench for %.1f h after '%s'", f.pack_id,
		 shelf_us * 1e-6 / 3600, fast_path);
done:
	file_release(&f);
	run_ctx_release(&rp);
	return rc;
}
