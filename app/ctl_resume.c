/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_resume.c - `bench resume RUN.h5`: rebuild a run from its file and
 * continue it.
 *
 * Everything comes from the file: recipe_text, profile_text, and the
 * "bench:CONFIG" events a run writes at its start (simulator pack and
 * seed, bench file, buses, speed). A simulated run replays the simulation
 * from the start without logging (same pack, seed and recipe give the same
 * run, bit for bit) up to the file's last sample, then logs on: the pack is
 * exactly where the killed run left it. A real bench cannot replay: the
 * step engine is put back at the recorded step with its Ah/Wh and the pack
 * is checked (cells, BMS faults) before the contactors close again.
 *
 * Files read again (pack, bench file, DBCs) must be the ones the run
 * started with: their sha256 in the file says so, and a changed one is
 * refused before the run file is touched.
 */
#define LOG_PREFIX "resume"

#include "app/ctl_run.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"
#include "bench/ctl.h"
#include "app/ctl_run_priv.h"
#include "runfile/h5log.h"
#include "runfile/runlock.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/sha256.h"

static void parse_config(struct resume_cfg *c, const char *msg)
{
	const char *eq = strchr(msg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t k = eq ? (size_t)(eq - msg) : 0;

#define KEY(s) (k == sizeof(s) - 1 && !strncmp(msg, s, k))
	if (KEY("sim"))
		snprintf(c->sim, sizeof(c->sim), "%s", v);
	else if (KEY("profile"))
		snprintf(c->profile, sizeof(c->profile), "%s", v);
	else if (KEY("bench"))
		snprintf(c->bench, sizeof(c->bench), "%s", v);
	else if (KEY("bms_bus"))
		snprintf(c->bms_bus, sizeof(c->bms_bus), "%s", v);
	else if (KEY("cycler_bus"))
		snprintf(c->cycler_bus, sizeof(c->cycler_bus), "%s", v);
	else if (KEY("seed"))
		c->seed = strtoull(v, NULL, 10);
	else if (KEY("seeded"))
		c->seeded = atoi(v);
	else if (KEY("speed"))
		c->speed = strtod(v, NULL);
	else if (KEY("sim_sha256"))
		snprintf(c->sim_sha256, sizeof(c->sim_sha256), "%s", v);
	else if (KEY("bench_sha256"))
		snprintf(c->bench_sha256, sizeof(c->bench_sha256), "%s", v);
	else if (KEY("cycler_dbc_sha256"))
		snprintf(c->cycler_dbc_sha256, sizeof(c->cycler_dbc_sha256),
			 "%s", v);
#undef KEY
}

int resume_read_file(const char *path, struct resume_file *f)
{
	struct runfile *rf = NULL;
	struct run_event *ev = NULL;
	struct run_step *st = NULL;
	const struct run_meta *m;
	size_t n_ev = 0, n_st = 0;
	int rc;

	TRY(runfile_open(path, &rf));
	m = runfile_meta(rf);
	snprintf(f->status, sizeof(f->status), "%s", m->status);
	snprintf(f->end_reason, sizeof(f->end_reason), "%s", m->end_reason);
	snprintf(f->pack_id, sizeof(f->pack_id), "%s", m->pack_id);
	snprintf(f->cfg.dbc_sha256, sizeof(f->cfg.dbc_sha256), "%s",
		 m->dbc_sha256);
	f->recipe_text = m->recipe_text ? strdup(m->recipe_text) : NULL;
	f->profile_text = m->profile_text ? strdup(m->profile_text) : NULL;
	rc = runfile_events(rf, &ev, &n_ev);
	if (rc == BENCH_OK)
		rc = runfile_steps(rf, &st, &n_st);
	for (size_t i = 0; rc == BENCH_OK && i < n_ev; i++)
		if (!strcmp(ev[i].code, "bench:CONFIG"))
			parse_config(&f->cfg, ev[i].message);
	for (size_t i = 0; i < n_st; i++) {
		f->steps_charge_Ah += st[i].charge_Ah;
		f->steps_discharge_Ah += st[i].discharge_Ah;
		f->steps_charge_Wh += st[i].charge_Wh;
		f->steps_discharge_Wh += st[i].discharge_Wh;
		f->last_step_end_s = st[i].end_s;
	}
	free(ev);
	free(st);
	runfile_close(rf);
	if (rc == BENCH_OK && !f->recipe_text) {
		log_err("'%s' has no recipe_text: cannot resume", path);
		rc = BENCH_ERR_PROTO;
	}
	return rc;
}

/* Running (killed) and interrupted runs resume; so does a run aborted
 * for a bench cause (a cable, the cycler, the BMS link: fixed, then
 * resumed, e.g. by systemd). Safety and operator stops are final. */
static int check_status(const char *path, const char *status,
			const char *end_reason, bool if_needed)
{
	if (!strcmp(status, "running") || !strcmp(status, "interrupted") ||
	    (!strcmp(status, "aborted") && !strncmp(end_reason, "bench:", 6)))
		return BENCH_OK;
	if (if_needed) {
		log_info("'%s' is %s%s%s: nothing to resume", path, status,
			 end_reason[0] ? ": " : "", end_reason);
		return BENCH_ERR_STATE;
	}
	log_err("'%s' is %s%s%s: it does not resume (start a new run)", path,
		status, end_reason[0] ? ": " : "", end_reason);
	return BENCH_ERR_STATE;
}

/* An input resume reads again must hash as it did at the start: a
 * changed pack or bench file would continue one run on another setup.
 * Files of older benches carry no hash: warned, not checked. */
static int check_input(const char *run_path, const char *what, const char *path,
		       const char *want)
{
	char now[SHA256_HEX_LEN];

	if (!want[0]) {
		log_warn("'%s' records no sha256 of %s %s (an older bench "
			 "wrote it): not checked",
			 run_path, what, path);
		return BENCH_OK;
	}
	TRY(sha256_file_hex(path, now));
	if (!strcmp(now, want))
		return BENCH_OK;
	log_err("%s %s changed since the run started (sha256 now %s, at "
		"the start %s); restore it or start a new run",
		what, path, now, want);
	return BENCH_ERR_STATE;
}

/* The files named in the run file, before any is loaded. */
int resume_check_inputs(const struct resume_file *f, const char *path)
{
	const struct resume_cfg *c = &f->cfg;

	if (c->sim[0])
		TRY(check_input(path, "pack file", c->sim, c->sim_sha256));
	if (c->bench[0])
		TRY(check_input(path, "bench file", c->bench, c->bench_sha256));
	return BENCH_OK;
}

/* The DBCs, whose paths the profile and bench file give. */
static int check_dbcs(const struct run_ctx *r, const struct resume_file *f,
		      const char *path)
{
	const struct resume_cfg *c = &f->cfg;

	if (!r->profile.gbt) /* a GB/T pack has none */
		TRY(check_input(path, "DBC file", r->profile.dbc_path,
				c->dbc_sha256));
	if (c->cycler_dbc_sha256[0])
		TRY(check_input(path, "cycler DBC file", r->bench.cycler_dbc,
				c->cycler_dbc_sha256));
	return BENCH_OK;
}

int resume_load_setup(struct run_ctx *r, const struct resume_file *f,
		      const char *path)
{
	const struct resume_cfg *c = &f->cfg;
	char dir[PATH_MAX];

	if (recipe_parse(f->recipe_text, path, &r->recipe) < 0)
		return BENCH_ERR_PARSE;
	r->have_recipe = true;
	if (c->sim[0])
		TRY(run_open_sim(r, c->sim, c->seeded, c->seed));
	if (c->profile[0] && f->profile_text) {
		snprintf(dir, sizeof(dir), "%s", c->profile);
		if (profile_parse(f->profile_text, c->profile, dirname(dir),
				  &r->profile) < 0)
			return BENCH_ERR_PARSE;
		r->have_profile = true;
	} else if (r->sim) {
		TRY(run_load_profile(r, NULL));
	} else {
		log_err("'%s' names neither a profile nor a simulated pack",
			path);
		return BENCH_ERR_PROTO;
	}
	if (c->bench[0]) {
		if (benchcfg_load_file(c->bench, &r->bench) < 0)
			return BENCH_ERR_ARG;
	} else {
		benchcfg_defaults(&r->bench);
	}
	r->have_bench = true;
	/* the bench file or the profile may have changed since the start */
	TRY(run_check_recipe(r, c->profile[0] ? c->profile : NULL,
			     c->bench[0] ? c->bench : NULL));
	if (c->bms_bus[0])
		snprintf(r->bench.bms_bus, sizeof(r->bench.bms_bus), "%s",
			 c->bms_bus);
	if (c->cycler_bus[0])
		snprintf(r->bench.cycler_bus, sizeof(r->bench.cycler_bus), "%s",
			 c->cycler_bus);
	return BENCH_OK;
}

/* A real bench: put the step engine back at the recorded step. */
static int position_real(struct run_ctx *r, const struct resume_file *f,
			 const struct h5log_tail *t, int64_t t_us)
{
	const struct run_sample *l = &t->last;
	struct ctl_resume_point p = {
	    .step_count = l->step_count,
	    .step_index = l->step_index,
	    .step_start_s = f->last_step_end_s,
	    .step_charge_Ah = l->charge_Ah - f->steps_charge_Ah,
	    .step_discharge_Ah = l->discharge_Ah - f->steps_discharge_Ah,
	    .step_charge_Wh = l->charge_Wh - f->steps_charge_Wh,
	    .step_discharge_Wh = l->discharge_Wh - f->steps_discharge_Wh,
	    .charge_Ah = l->charge_Ah,
	    .discharge_Ah = l->discharge_Ah,
	    .charge_Wh = l->charge_Wh,
	    .discharge_Wh = l->discharge_Wh,
	};

	if (!t->has_last || l->step_count == 0)
		return BENCH_OK; /* killed before the first step: start over */
	return ctl_resume_at(r->ctl, &p, t_us);
}

int ctl_run_resume(const char *path, bool if_needed)
{
	struct run_ctx r = {.sig_fd = -1, .telemetry_linger_s = -1};
	struct resume_file f = {0};
	struct h5log_tail tail = {0};
	struct run_meta meta = {0};
	int64_t t0 = 0, t_last = 0;
	int rc;

	run_status_init(&r);
	r.path = path;
	/* another writer is not a reason to give the run up: status 1 */
	if (runlock_acquire(path, &r.lock) < 0) {
		run_ctx_release(&r);
		return 1;
	}
	rc = resume_read_file(path, &f);
	if (rc == BENCH_OK) {
		rc = check_status(path, f.status, f.end_reason, if_needed);
		if (rc == BENCH_ERR_STATE && if_needed) {
			rc = 0;
			goto done;
		}
	}
	if (rc == BENCH_OK)
		rc = resume_check_inputs(&f, path);
	if (rc == BENCH_OK)
		rc = resume_load_setup(&r, &f, path);
	if (rc == BENCH_OK)
		rc = check_dbcs(&r, &f, path);
	if (rc == BENCH_OK)
		rc = run_signals_setup(&r);
	if (rc == BENCH_OK)
		rc = run_open_socket(&r, f.pack_id, r.sim != NULL);
	if (rc == BENCH_OK)
		rc = run_ctx_build(&r, f.pack_id);
	if (rc == BENCH_OK)
		rc = h5log_open_resume(path, NULL, &meta, &tail, &r.log);
	if (rc < 0)
		goto out;
	if (tail.has_last)
		t_last = (int64_t)(tail.last.test_time_s * 1e6);
	log_info("resuming '%s' at test time %.1f s (resume %u)", path,
		 t_last / 1e6, meta.resumed_times);
	{
		struct run_event ev = {.t_s = t_last / 1e6};

		snprintf(ev.severity, sizeof(ev.severity), "info");
		snprintf(ev.code, sizeof(ev.code), "bench:RESUMED");
		snprintf(ev.message, sizeof(ev.message),
			 "resumed at test time %.3f s (resume %u)",
			 t_last / 1e6, meta.resumed_times);
		h5log_push_event(r.log, &ev);
	}
	ctl_set_unix_start(r.ctl, clock_wall_s() - t_last / 1e6);
	if (r.sim) {
		r.replay_until_us = t_last;
		r.file_steps = (uint32_t)tail.n_steps;
		r.quiet = t_last > 0;
		if (!t_last)
			ctl_attach_log(r.ctl, r.log, r.file_steps);
	} else {
		t0 = t_last;
		rc = position_real(&r, &f, &tail, t0);
		if (rc < 0)
			goto out;
		ctl_attach_log(r.ctl, r.log, 0);
	}
	rc = run_ctx_finish(&r, run_ctx_loop(&r, t0, f.cfg.speed));
	goto done;
out:
	if (r.log)
		h5log_close(r.log, "interrupted", "resume failed");
	r.log = NULL;
	rc = rc == BENCH_ERR_STATE ? CTL_EXIT_FINAL : 1;
done:
	h5log_tail_release(&tail);
	run_meta_release(&meta);
	free(f.recipe_text);
	free(f.profile_text);
	run_ctx_release(&r);
	return rc;
}
