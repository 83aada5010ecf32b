/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_run_priv.h - one run's resources, shared by ctl_run.c (new runs)
 * and ctl_resume.c (resumed runs). */
#ifndef BENCH_CTL_RUN_PRIV_H
#define BENCH_CTL_RUN_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/benchcfg.h"
#include "bench/profile.h"
#include "bench/recipe.h"
#include "app/status.h"
#include "common/sha256.h"

struct j1939;

struct run_ctx {
	struct recipe recipe;
	bool have_recipe;
	struct profile profile;
	bool have_profile;
	struct benchcfg bench;
	bool have_bench;
	struct sim *sim;
	const struct sim_pack_info *info;
	struct dbc *dbc;
	struct canbus *bms_bus, *cyc_bus;	  /* the controller's */
	struct canbus *sim_bms_bus, *sim_cyc_bus; /* the simulator's */
	/* one ISO-TP endpoint per profile ECU (a polled pack) */
	struct isotp *poll_links[POLL_MAX_ECUS];
	struct j1939 *gbt_link; /* a GB/T pack's charger endpoint */
	/* [cycler] kind = scpi, port = sim: the simulator's supply on a pty */
	struct sim_scpi *sim_scpi;
	char sim_scpi_port[300]; /* "pty:/dev/pts/N" */
	struct instr *cycler;
	struct bms_tx *tx;
	struct ctl *ctl;
	struct h5log *log;
	struct runlock *lock; /* held from before the file opens to exit */
	const char *path;     /* the run file */
	struct ctlsock *sock;
	struct status_out out;
	int sig_fd;
	int stop_signal;
	bool quiet; /* replaying: no operator notes */
	int64_t replay_until_us;
	uint32_t file_steps;
	/* MQTT (docs/telemetry.md): --telemetry overrides [telemetry] url */
	const char *telemetry_url;
	double telemetry_linger_s; /* < 0: the bench file's or default */
	struct telemetry *tm;
};

void run_note(void *ctx, const char *msg);
/* The operator's output on stdout; on a terminal log lines end the live
 * status line first. */
void run_status_init(struct run_ctx *r);
int run_open_sim(struct run_ctx *r, const char *path, bool has_seed,
		 uint64_t seed);
/* path NULL: the simulated BMS's profile (needs the sim). */
int run_load_profile(struct run_ctx *r, const char *path);
/* The recipe against the profile and the bench file's limits
 * (bench/recipe_check.h): each problem logged, BENCH_ERR_ARG if any. The
 * paths only name the files in messages (NULL: derived, none). */
int run_check_recipe(const struct run_ctx *r, const char *profile_path,
		     const char *bench_path);
int run_signals_setup(struct run_ctx *r);
/* The control socket named by the pack id; shareable (simulated packs):
 * a live run of the same id gets "<id>-<pid>" instead of a refusal. */
int run_open_socket(struct run_ctx *r, const char *pack_id, bool shareable);
/* One "bench:CONFIG" info event: what resume needs to rebuild the run. */
void run_config_event(struct run_ctx *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int run_ctx_build(struct run_ctx *r, const char *pack_id);
int run_ctx_loop(struct run_ctx *r, int64_t t0_us, double speed);
int run_ctx_finish(struct run_ctx *r, int loop_rc);
void run_ctx_release(struct run_ctx *r);

/* A run file's own account of its run (ctl_resume.c), read by `bench
 * resume` and by `bench run --shelf-from` (ctl_shelf.c), which replays a
 * finished simulated run the same way. */
struct resume_cfg {
	char sim[PATH_MAX];
	char profile[PATH_MAX];
	char bench[PATH_MAX];
	char bms_bus[64], cycler_bus[64];
	unsigned long long seed;
	int seeded;
	double speed;
	/* sha256 of the inputs at the start ("" in files of older benches) */
	char sim_sha256[SHA256_HEX_LEN];
	char bench_sha256[SHA256_HEX_LEN];
	char cycler_dbc_sha256[SHA256_HEX_LEN];
	char dbc_sha256[SHA256_HEX_LEN]; /* root attribute */
};

/* What the killed run's file says about itself. */
struct resume_file {
	struct resume_cfg cfg;
	char status[16];
	char end_reason[160];
	char pack_id[64];
	char *recipe_text, *profile_text;
	/* Sums of the /steps rows, for a real bench's step Ah/Wh. */
	double steps_charge_Ah, steps_discharge_Ah;
	double steps_charge_Wh, steps_discharge_Wh;
	double last_step_end_s;
};

int resume_read_file(const char *path, struct resume_file *f);
/* The pack, bench and DBC files named in the run file hash as they did. */
int resume_check_inputs(const struct resume_file *f, const char *path);
/* Recipe, simulator, profile and bench file as the run file names them. */
int resume_load_setup(struct run_ctx *r, const struct resume_file *f,
		      const char *path);

/* `bench run --shelf-from FAST.h5 --shelf TIME` (ctl_shelf.c): replay
 * the finished simulated run FAST.h5 on a simulator of its own, then put
 * r->sim (the same pack, loaded by run_setup) where that run left the
 * pack, shelf_us later. *unix_start_s: the unix time the new run starts
 * at (the fast run's end plus the shelf time). */
int shelf_replay(struct run_ctx *r, const char *fast_path, int64_t shelf_us,
		 double *unix_start_s);
/* The fast run's simulator seed, for loading the same pack. */
int shelf_seed(const char *fast_path, bool *seeded, uint64_t *seed);

#endif
