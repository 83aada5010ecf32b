/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_run.c - wire one run: recipe, profile, bench file, buses, cycler,
 * simulator, run file, control socket, loop. */
#define LOG_PREFIX "run"

#include "app/ctl_run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchcfg.h"
#include "bench/bms_tx.h"
#include "bench/ctl.h"
#include "app/ctlsock.h"
#include "runfile/h5log.h"
#include "runfile/runlock.h"
#include "bench/instr.h"
#include "app/loop.h"
#include "bench/profile.h"
#include "bench/recipe.h"
#include "bench/recipe_check.h"
#include "bench/sim/sim.h"
#include "bench/sim/sim_scpi.h"
#include "app/status.h"
#include "app/telemetry.h"
#include "can/canbus.h"
#include "can/isotp.h"
#include "can/j1939.h"
#include "bench/gbt.h"
#include "can/dbc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"
#include "common/sha256.h"

#include "app/ctl_run_priv.h"

/* Real benches tick at 10 ms: the BMS sends every 100 ms, safety runs on
 * every frame anyway, the tick drives the step engine and heartbeat. */
#define REAL_TICK_US 10000

void run_note(void *ctx, const char *msg)
{
	struct run_ctx *r = ctx;

	if (r->quiet)
		return;
	status_out_note(&r->out, msg);
}

/* Log lines go to stderr as usual, but first end the live status line on
 * the terminal so a warning does not land in the middle of it. */
static void run_log_sink(void *ctx, enum log_level lvl, const char *prefix,
			 const char *msg)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	struct status_out *o = ctx;

	if (o->line_open) {
		fputs("\r\033[K", o->f);
		fflush(o->f);
		o->line_open = false;
		o->last_wall_s = -1e9; /* redraw at the next update */
	}
	fprintf(stderr, "bench: %s: %s: %s\n", names[lvl], prefix, msg);
}

void run_status_init(struct run_ctx *r)
{
	status_out_init(&r->out, stdout, 10.0);
	if (r->out.tty)
		log_set_sink(run_log_sink, &r->out);
}

/* Resolve a path for the config record (resume may run elsewhere). */
static void abs_path(const char *p, char *buf, size_t len)
{
	char *rp = realpath(p, NULL);

	snprintf(buf, len, "%s", rp ? rp : p);
	free(rp);
}

int run_open_sim(struct run_ctx *r, const char *path, bool has_seed,
		 uint64_t seed)
{
	struct sim_opts so = {.seed_override = seed,
			      .has_seed_override = has_seed};

	TRY(sim_load(path, &so, &r->sim));
	r->info = sim_info(r->sim);
	return BENCH_OK;
}

int run_load_profile(struct run_ctx *r, const char *path)
{
	const struct sim_pack_info *in = r->info;
	char *dbc;
	int rc;

	/* a simulated pack that speaks a real pack's protocol is read with
	 * that pack's profile */
	if (!path && r->sim)
		path = sim_bms_profile(r->sim);
	if (path) {
		if (profile_load_file(path, &r->profile) < 0)
			return BENCH_ERR_ARG;
		r->have_profile = true;
		return BENCH_OK;
	}
	if (sim_bms_gbt_line(r->sim)) {
		/* its BMS speaks GB/T 27930: the bench is its charger */
		rc = profile_for_sim_gbt(
		    in->chemistry, in->series, in->parallel, in->modules,
		    in->n_probes, in->rated_capacity_ah, &r->profile);
	} else {
		dbc = sim_fixture_path("fixtures/dbc/sim_bms.dbc");
		if (!dbc)
			return BENCH_ERR_ARG;
		rc = profile_for_sim(in->chemistry, in->series, in->parallel,
				     in->modules, in->n_probes,
				     in->rated_capacity_ah, dbc, &r->profile);
		free(dbc);
	}
	if (rc < 0)
		return rc;
	/* the fresh-cell resistance the grading compares pulses against */
	rc = profile_set_ref_r0(&r->profile, in->fresh_r0_mohm);
	if (rc < 0)
		return rc;
	r->have_profile = true;
	return BENCH_OK;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int run_check_recipe(const struct run_ctx *r, const char *profile_path,
		     const char *bench_path)
{
	struct recipe_problem pr[16];
	const char *sim_prof = r->sim ? sim_bms_profile(r->sim) : NULL;
	struct recipe_check_src src = {
	    .profile = &r->profile,
	    .profile_name = profile_path ? base_name(profile_path)
			    : sim_prof	 ? base_name(sim_prof)
					 : "the simulated BMS's profile",
	    .bench = bench_path ? &r->bench.limits : NULL,
	    .bench_name = bench_path ? base_name(bench_path) : NULL,
	};
	unsigned n = recipe_check(&r->recipe, &src, pr, 16);

	for (unsigned i = 0; i < n && i < 16; i++)
		log_err("%s", pr[i].msg);
	if (n > 16)
		log_err("... and %u more", n - 16);
	return n ? BENCH_ERR_ARG : BENCH_OK;
}

/* The BMS bus: in-process for "sim", else a SocketCAN interface whose
 * bitrate the bench file may set (only while it is down; vcan has none). */
static int open_bms_bus(struct run_ctx *r)
{
	struct canbus_opts bo = {.err_frames = true};
	const char *bus = r->bench.bms_bus;
	char name[64];

	if (!strcmp(bus, "sim")) {
		if (!r->sim) {
			log_err("bench file: [bms] bus = sim needs --sim "
				"PACK.ini");
			return BENCH_ERR_ARG;
		}
		snprintf(name, sizeof(name), "mem:bms-%d", (int)getpid());
		TRY(canbus_open(name, &bo, &r->sim_bms_bus));
		TRY(canbus_open(name, &bo, &r->bms_bus));
		return sim_attach_bms(r->sim, r->sim_bms_bus);
	}
	if (r->bench.bms_bitrate) {
		struct canif_status st;
		struct canif_cfg cc = {.bitrate = r->bench.bms_bitrate,
				       .restart_ms = r->bench.bms_restart_ms};

		if (canif_get_status(bus, &st) < 0)
			return BENCH_ERR_IO;
		if (!st.is_virtual && st.state == CANBUS_STOPPED)
			TRY(canif_configure(bus, &cc));
		else if (!st.is_virtual && st.bitrate != cc.bitrate)
			log_warn("'%s' is up at %u bit/s, bench file says %u: "
				 "left as is (set it down to reconfigure)",
				 bus, st.bitrate, cc.bitrate);
	}
	TRY(canbus_open(bus, &bo, &r->bms_bus));
	if (!r->sim)
		return BENCH_OK;
	/* The simulated BMS on a real interface: its own socket (a socket
	 * does not receive what it sends itself). */
	TRY(canbus_open(bus, &bo, &r->sim_bms_bus));
	return sim_attach_bms(r->sim, r->sim_bms_bus);
}

/* A polled pack: one ISO-TP endpoint per profile ECU on the BMS bus (for
 * "sim" the in-process bus the simulated BMS answers on). */
static int open_poll_links(struct run_ctx *r)
{
	const struct poll_set *s = &r->profile.poll;
	const char *bus = r->bench.bms_bus;

	if (!s->n_ecus)
		return BENCH_OK;
	if (!strcmp(bus, "sim"))
		bus = canbus_name(r->bms_bus);
	for (unsigned i = 0; i < s->n_ecus; i++) {
		TRY(isotp_open(bus, s->ecus[i].tx_id, s->ecus[i].rx_id,
			       &s->ecus[i].tp, &r->poll_links[i]));
		log_info("ECU %s: ISO-TP 0x%X -> 0x%X on %s, %s",
			 s->ecus[i].name,
			 (unsigned)(s->ecus[i].tx_id & CANFRAME_EFF_MASK),
			 (unsigned)(s->ecus[i].rx_id & CANFRAME_EFF_MASK), bus,
			 isotp_kind(r->poll_links[i]));
	}
	return BENCH_OK;
}

/* A GB/T pack: the charger's J1939 endpoint (0x56) on the BMS bus. */
static int open_gbt_link(struct run_ctx *r)
{
	const char *bus = r->bench.bms_bus;

	if (!r->profile.gbt)
		return BENCH_OK;
	if (!strcmp(bus, "sim"))
		bus = canbus_name(r->bms_bus);
	TRY(j1939_open(bus, GBT_ADDR_CHARGER, &r->gbt_link));
	log_info("GB/T charger: J1939 0x%02X on %s, %s", GBT_ADDR_CHARGER, bus,
		 j1939_kind(r->gbt_link));
	return BENCH_OK;
}

/* The simulator's SCPI supply, served on a pty from a thread: the SCPI
 * driver and the serial seam run as on a real bench. */
static int open_sim_scpi(struct run_ctx *r)
{
	char slave[256];

	if (!r->sim) {
		log_err("bench file: [cycler] port = sim needs --sim PACK.ini");
		return BENCH_ERR_ARG;
	}
	TRY(sim_scpi_start(r->sim, slave, sizeof(slave), &r->sim_scpi));
	snprintf(r->sim_scpi_port, sizeof(r->sim_scpi_port), "pty:%s", slave);
	return BENCH_OK;
}

static int open_cycler(struct run_ctx *r)
{
	struct instr_cfg ic = {0};
	struct canbus_opts bo = {.err_frames = true};
	char name[64];
	char *dbc = NULL;
	int rc;

	switch (r->bench.cycler) {
	case BENCHCFG_CYCLER_SIM:
		if (!r->sim) {
			log_err("cycler kind sim needs --sim PACK.ini");
			return BENCH_ERR_ARG;
		}
		r->cycler = sim_instr(r->sim);
		return BENCH_OK;
	case BENCHCFG_CYCLER_SCPI:
		ic.kind = "scpi";
		ic.port = r->bench.scpi_port;
		if (!strcmp(ic.port, "sim")) {
			TRY(open_sim_scpi(r));
			ic.port = r->sim_scpi_port;
		}
		ic.serial =
		    r->bench.scpi_serial[0] ? r->bench.scpi_serial : NULL;
		ic.model = r->bench.scpi_model[0] ? r->bench.scpi_model : NULL;
		return instr_open(&ic, &r->cycler);
	case BENCHCFG_CYCLER_CAN:
		break;
	}
	ic.kind = "can";
	if (!strcmp(r->bench.cycler_bus, "sim") || !r->bench.cycler_bus[0]) {
		if (!r->sim) {
			log_err("cycler bus sim needs --sim PACK.ini");
			return BENCH_ERR_ARG;
		}
		snprintf(name, sizeof(name), "mem:cyc-%d", (int)getpid());
		TRY(canbus_open(name, &bo, &r->sim_cyc_bus));
		TRY(canbus_open(name, &bo, &r->cyc_bus));
		TRY(sim_attach_cycler_can(r->sim, r->sim_cyc_bus));
		ic.bus = r->cyc_bus;
	} else if (!strcmp(r->bench.cycler_bus, r->bench.bms_bus)) {
		ic.bus = r->bms_bus;
		if (r->sim)
			TRY(sim_attach_cycler_can(r->sim, r->sim_bms_bus));
	} else {
		TRY(canbus_open(r->bench.cycler_bus, &bo, &r->cyc_bus));
		if (r->sim) {
			TRY(canbus_open(r->bench.cycler_bus, &bo,
					&r->sim_cyc_bus));
			TRY(sim_attach_cycler_can(r->sim, r->sim_cyc_bus));
		}
		ic.bus = r->cyc_bus;
	}
	if (r->bench.cycler_dbc[0]) {
		ic.dbc_path = r->bench.cycler_dbc;
	} else {
		dbc = sim_fixture_path("fixtures/dbc/sim_cycler.dbc");
		ic.dbc_path = dbc;
	}
	/* The loop reads the cycler's bus and routes its frames. */
	ic.bus_shared = true;
	rc = instr_open(&ic, &r->cycler);
	free(dbc);
	return rc;
}

static void iso_at(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int fill_meta(struct run_ctx *r, const char *pack_id, struct run_meta *m)
{
	const struct profile *p = &r->profile;

	memset(m, 0, sizeof(*m));
	snprintf(m->pack_id, sizeof(m->pack_id), "%s", pack_id);
	snprintf(m->pack_model, sizeof(m->pack_model), "%s",
		 r->info ? r->info->name : p->model);
	snprintf(m->chemistry, sizeof(m->chemistry), "%s", p->chemistry);
	m->series = p->series;
	m->parallel = p->parallel;
	m->modules = p->modules;
	m->n_probes = p->n_probes;
	m->rated_capacity_ah = p->rated_capacity_ah;
	if (p->ocv.n &&
	    ocvtab_format(&p->ocv, m->ocv_curve, sizeof(m->ocv_curve)) < 0)
		return BENCH_ERR_ARG;
	snprintf(m->software_version, sizeof(m->software_version), "%s",
		 BENCH_VERSION);
	m->recipe_text = strdup(r->recipe.text);
	sha256_hex(r->recipe.text, strlen(r->recipe.text), m->recipe_sha256);
	m->profile_text = p->text ? strdup(p->text) : NULL;
	if (!p->gbt && sha256_file_hex(p->dbc_path, m->dbc_sha256) < 0)
		return BENCH_ERR_IO;
	snprintf(m->instrument_id, sizeof(m->instrument_id), "%s",
		 r->cycler->idn);
	snprintf(m->bench_id, sizeof(m->bench_id), "%s", r->bench.id);
	snprintf(m->operator_name, sizeof(m->operator_name), "%s",
		 r->bench.operator_name);
	iso_at(m->start_time_utc, sizeof(m->start_time_utc), time(NULL));
	snprintf(m->status, sizeof(m->status), "running");
	if (!m->recipe_text || (p->text && !m->profile_text)) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	return BENCH_OK;
}

/* One "bench:CONFIG" info row per setting resume needs (kept as events:
 * the root attributes are fixed by the schema, and SWMR forbids adding
 * any later). */
void run_config_event(struct run_ctx *r, const char *fmt, ...)
{
	struct run_event ev = {.t_s = 0};
	va_list ap;

	snprintf(ev.severity, sizeof(ev.severity), "info");
	snprintf(ev.code, sizeof(ev.code), "bench:CONFIG");
	va_start(ap, fmt);
	vsnprintf(ev.message, sizeof(ev.message), fmt, ap);
	va_end(ap);
	h5log_push_event(r->log, &ev);
}

/* The sha256 of every input file resume reads again (the simulated pack,
 * the bench file, the cycler's DBC; the BMS DBC has its root attribute
 * dbc_sha256, the profile and recipe are stored whole), so a resume can
 * refuse one that changed instead of splicing two setups into one run. */
struct run_input_hashes {
	char sim[SHA256_HEX_LEN];
	char bench[SHA256_HEX_LEN];
	char cycler_dbc[SHA256_HEX_LEN];
};

static int hash_inputs(const struct run_ctx *r, const struct run_opts *o,
		       struct run_input_hashes *h)
{
	memset(h, 0, sizeof(*h));
	if (o->sim_path)
		TRY(sha256_file_hex(o->sim_path, h->sim));
	if (o->bench_path)
		TRY(sha256_file_hex(o->bench_path, h->bench));
	if (r->bench.cycler == BENCHCFG_CYCLER_CAN && r->bench.cycler_dbc[0])
		TRY(sha256_file_hex(r->bench.cycler_dbc, h->cycler_dbc));
	return BENCH_OK;
}

/* SIGINT/SIGTERM blocked before any thread starts (the writer thread
 * inherits the mask) and read through a signalfd by the loop. */
int run_signals_setup(struct run_ctx *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_err("sigprocmask: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	r->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sig_fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

int run_open_socket(struct run_ctx *r, const char *pack_id, bool shareable)
{
	char sock_id[96];

	/* A simulated pack is only a name: two runs of one pack file
	 * (parallel tests) get distinct sockets. */
	if (shareable && ctlsock_live(pack_id)) {
		snprintf(sock_id, sizeof(sock_id), "%s-%d", pack_id,
			 (int)getpid());
		log_warn("a run of '%s' is already going: this one's control "
			 "socket is '%s'",
			 pack_id, sock_id);
	} else {
		snprintf(sock_id, sizeof(sock_id), "%s", pack_id);
	}
	return ctlsock_open(sock_id, &r->sock);
}

void run_ctx_release(struct run_ctx *r)
{
	ctl_free(r->ctl);
	for (unsigned i = 0; i < POLL_MAX_ECUS; i++)
		isotp_close(r->poll_links[i]);
	j1939_close(r->gbt_link);
	bms_tx_free(r->tx);
	if (r->cycler && (!r->sim || r->cycler != sim_instr(r->sim)))
		instr_close(r->cycler);
	sim_scpi_stop(r->sim_scpi);
	canbus_close(r->bms_bus);
	canbus_close(r->cyc_bus);
	canbus_close(r->sim_bms_bus);
	canbus_close(r->sim_cyc_bus);
	sim_free(r->sim);
	dbc_free(r->dbc);
	if (r->have_profile)
		profile_release(&r->profile);
	if (r->have_recipe)
		recipe_release(&r->recipe);
	if (r->have_bench)
		benchcfg_release(&r->bench);
	ctlsock_close(r->sock);
	telemetry_close(r->tm);
	r->tm = NULL;
	if (r->sig_fd >= 0)
		close(r->sig_fd);
	if (r->out.tty)
		log_set_sink(NULL, NULL);
	runlock_release(r->lock);
}

/* Lock the new run file's name and make sure no run file is lost to it:
 * an existing file stays unless the operator said --overwrite. */
static int claim_out_path(struct run_ctx *r, const struct run_opts *o)
{
	struct stat sb;

	TRY(runlock_acquire(o->out_path, &r->lock));
	if (lstat(o->out_path, &sb) < 0) {
		if (errno == ENOENT)
			return BENCH_OK;
		log_err("'%s': %s", o->out_path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (!o->overwrite || !S_ISREG(sb.st_mode)) {
		log_err("'%s' exists: choose a new name%s", o->out_path,
			S_ISREG(sb.st_mode) ? ", or --overwrite to replace it"
					    : "");
		return BENCH_ERR_STATE;
	}
	log_warn("'%s' exists: replacing it (--overwrite)", o->out_path);
	return BENCH_OK;
}

/* --telemetry or the bench file's [telemetry]: the publisher thread. The
 * topic names the bench file's id, or the pack without a bench file. */
static int start_telemetry(struct run_ctx *r, const char *pack_id)
{
	const struct benchcfg_telemetry *bt = &r->bench.telemetry;
	struct telemetry_cfg tc = {
	    .url = r->telemetry_url ? r->telemetry_url : bt->url,
	    .ca = bt->ca,
	    .cert = bt->cert,
	    .key = bt->key,
	    .username = bt->username,
	    .password_file = bt->password_file,
	    .lab = bt->lab,
	    .bench_id = r->bench.text ? r->bench.id : pack_id,
	    .linger_s = r->telemetry_linger_s >= 0 ? r->telemetry_linger_s
						   : bt->linger_s,
	    .announce = true,
	};

	if (!tc.url[0])
		return BENCH_OK;
	TRY(telemetry_start(&tc, &r->tm));
	log_info("telemetry to %s as bench/%s/", tc.url, tc.bench_id);
	return BENCH_OK;
}

/* Everything but the run file: buses, cycler, controller. */
int run_ctx_build(struct run_ctx *r, const char *pack_id)
{
	struct ctl_cfg cc = {0};
	struct dbc_opts dopts = {.quiet = true};
	char idn[sizeof(r->cycler->idn)] = "";

	if (!r->profile.gbt) /* a GB/T pack has no DBC */
		TRY(dbc_load_file(r->profile.dbc_path, &dopts, &r->dbc));
	TRY(start_telemetry(r, pack_id));
	TRY(open_bms_bus(r));
	TRY(open_poll_links(r));
	TRY(open_gbt_link(r));
	TRY(open_cycler(r));
	if (r->cycler->ops->identify &&
	    r->cycler->ops->identify(r->cycler, idn, sizeof(idn)) < 0)
		log_warn("cycler did not identify itself");
	else if (idn[0])
		snprintf(r->cycler->idn, sizeof(r->cycler->idn), "%s", idn);
	TRY(bms_tx_new(r->dbc, &r->profile, r->bms_bus, &r->tx));
	cc.recipe = &r->recipe;
	cc.profile = &r->profile;
	cc.bench_limits = &r->bench.limits;
	cc.bms_dbc = r->dbc;
	cc.cycler = r->cycler;
	cc.bms_tx = r->tx;
	cc.bms_bus = r->bms_bus;
	cc.pack_id = pack_id;
	cc.ambient_C = r->info ? r->info->ambient_C : NAN;
	/* The in-process bus comes back by itself when its fault ends. */
	cc.bus_restart_ms =
	    strcmp(r->bench.bms_bus, "sim") ? r->bench.bms_restart_ms : 100;
	cc.note = run_note;
	cc.note_ctx = r;
	if (r->tm) {
		cc.event_tap = telemetry_event;
		cc.event_tap_ctx = r->tm;
	}
	cc.can_ifaces[0] = r->bench.bms_bus;
	cc.poll_links = r->poll_links;
	cc.gbt_link = r->gbt_link;
	if (r->bench.cycler == BENCHCFG_CYCLER_CAN &&
	    strcmp(r->bench.cycler_bus, r->bench.bms_bus))
		cc.can_ifaces[1] = r->bench.cycler_bus;
	TRY(ctl_new(&cc, &r->ctl));
	return ctl_cycler_prepare(r->ctl);
}

int run_ctx_loop(struct run_ctx *r, int64_t t0_us, double speed)
{
	/* clang-format off */
	struct loop_io io = {
		.ctl = r->ctl,
		.bms_bus = r->bms_bus,
		.cyc_bus = r->cyc_bus,
		.sock = r->sock,
		.out = &r->out,
		.sig_fd = r->sig_fd,
		.t0_us = t0_us,
		.replay_until_us = r->replay_until_us,
		.log = r->log,
		.log_skip_steps = r->file_steps,
		.quiet = &r->quiet,
		.tm = r->tm,
	};
	/* clang-format on */
	int rc;

	if (r->sim)
		rc = loop_sim_run(&io, r->sim, speed);
	else
		rc = loop_real_run(&io, REAL_TICK_US);
	r->stop_signal = io.stop_signal;
	if (rc < 0 && !ctl_done(r->ctl)) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "control loop failed (%s): "
			 "stopped safely",
			 bench_strerror(rc));
		ctl_fail(r->ctl, msg);
		rc = BENCH_OK;
	}
	status_out_end(&r->out);
	return rc;
}

/* Telemetry's last words before the file closes: what it could not
 * publish (an event in the file and on the broker), the final status. */
static void telemetry_end(struct run_ctx *r)
{
	struct run_event ev = {0};
	struct run_status st;
	uint64_t n = telemetry_dropped(r->tm);

	if (!r->tm)
		return;
	if (n) {
		ctl_status(r->ctl, &st);
		ev.t_s = st.test_s;
		snprintf(ev.severity, sizeof(ev.severity), "warning");
		snprintf(ev.code, sizeof(ev.code), "bench:TELEMETRY");
		snprintf(ev.message, sizeof(ev.message),
			 "%llu telemetry messages not published (broker "
			 "unreachable or slow)",
			 (unsigned long long)n);
		log_warn("%s", ev.message);
		h5log_push_event(r->log, &ev);
		telemetry_event(r->tm, &ev);
	}
	ctl_status(r->ctl, &st);
	telemetry_final(r->tm, &st);
}

/* Close the file with the controller's verdict; the exit status. */
int run_ctx_finish(struct run_ctx *r, int loop_rc)
{
	const char *status = "aborted";
	const char *reason = "controller error";
	int rc;

	if (loop_rc >= 0 && ctl_done(r->ctl)) {
		status = ctl_end_status(r->ctl);
		reason = ctl_end_reason(r->ctl);
	}
	ctl_can_status(r->ctl);
	telemetry_end(r);
	rc = h5log_close(r->log, status, reason);
	r->log = NULL;
	if (rc < 0)
		log_err("run file not closed cleanly: %s", bench_strerror(rc));
	/* the file is safe: now wait (linger) for the broker */
	telemetry_close(r->tm);
	r->tm = NULL;
	if (!strcmp(status, "complete") && rc >= 0) {
		log_info("run complete: %s", reason);
		return 0;
	}
	log_err("run %s: %s", status, reason);
	if (r->stop_signal) {
		if (!strcmp(status, "interrupted"))
			log_info("'bench resume %s' continues it", r->path);
		return 128 + r->stop_signal;
	}
	/* Safety aborts and the operator's stop are final: a supervisor
	 * must not restart them. */
	if (loop_rc >= 0 && (!strncmp(ctl_end_code(r->ctl), "safety:", 7) ||
			     !strncmp(ctl_end_code(r->ctl), "operator:", 9)))
		return CTL_EXIT_FINAL;
	return 1;
}

/* Recipe, simulator, profile and bench file, checked against each other:
 * nothing is opened that could move current. */
static int run_setup(struct run_ctx *r, const struct run_opts *o)
{
	if (recipe_load_file(o->recipe_path, &r->recipe) < 0)
		return BENCH_ERR_ARG;
	r->have_recipe = true;
	if (o->sim_path &&
	    run_open_sim(r, o->sim_path, o->has_seed, o->seed) < 0)
		return BENCH_ERR_ARG;
	if (!o->sim_path && !o->profile_path) {
		log_err("--profile is required without --sim");
		return BENCH_ERR_ARG;
	}
	if (run_load_profile(r, o->profile_path) < 0)
		return BENCH_ERR_ARG;
	if (o->bench_path) {
		if (benchcfg_load_file(o->bench_path, &r->bench) < 0)
			return BENCH_ERR_ARG;
	} else {
		benchcfg_defaults(&r->bench);
	}
	r->have_bench = true;
	return run_check_recipe(r, o->profile_path, o->bench_path);
}

int ctl_recipe_check(const struct run_opts *o)
{
	struct run_ctx r = {.sig_fd = -1};
	int rc = run_setup(&r, o);

	if (rc >= 0)
		printf("%s: every step inside the limits of %s%s%s\n",
		       o->recipe_path,
		       o->profile_path ? o->profile_path : "the simulated pack",
		       o->bench_path ? " and " : "",
		       o->bench_path ? o->bench_path : "");
	run_ctx_release(&r);
	return rc < 0 ? 1 : 0;
}

/* The shelf run loads the pack with the fast run's seed; it never
 * writes over the file it continues from. */
static int shelf_opts(const struct run_opts *o, struct run_opts *so)
{
	struct stat a, b;
	bool seeded;
	uint64_t seed;

	if (!stat(o->shelf_from, &a) && !stat(o->out_path, &b) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		log_err("'%s' is the run --shelf-from continues: write the "
			"shelf run to another file",
			o->out_path);
		return BENCH_ERR_ARG;
	}
	TRY(shelf_seed(o->shelf_from, &seeded, &seed));
	if (o->has_seed && (!seeded || seed != o->seed)) {
		log_err("--seed %llu: '%s' ran the pack with another seed; the "
			"shelf continues the same pack (leave --seed out)",
			(unsigned long long)o->seed, o->shelf_from);
		return BENCH_ERR_ARG;
	}
	*so = *o;
	so->has_seed = seeded;
	so->seed = seed;
	return BENCH_OK;
}

int ctl_run_new(const struct run_opts *o)
{
	struct run_ctx r = {.sig_fd = -1,
			    .telemetry_url = o->telemetry_url,
			    .telemetry_linger_s = o->telemetry_linger_s};
	struct run_meta meta = {0};
	struct h5log_cfg log_cfg = {0};
	struct run_input_hashes hashes;
	struct run_opts shelf_o;
	double unix_start = 0; /* a shelf run's start; others start now */
	const char *pack_id = o->pack_id;
	char path[PATH_MAX];
	int rc;

	run_status_init(&r);
	r.path = o->out_path;
	if (claim_out_path(&r, o) < 0) {
		run_ctx_release(&r);
		return 1;
	}
	rc = BENCH_ERR_ARG;
	if (!o->sim_path &&
	    (!o->profile_path || !o->pack_id || !o->bench_path)) {
		log_err("--profile, --pack-id and --bench are required "
			"without --sim");
		goto out;
	}
	if (o->shelf_from) {
		rc = shelf_opts(o, &shelf_o);
		if (rc < 0)
			goto out;
		o = &shelf_o;
		rc = BENCH_ERR_ARG;
	}
	/* a recipe the pack or bench cannot take never starts */
	if (run_setup(&r, o) < 0)
		goto out;
	if (o->shelf_from) {
		rc = shelf_replay(&r, o->shelf_from, o->shelf_us, &unix_start);
		if (rc < 0)
			goto out;
	}
	if (!pack_id)
		pack_id = r.info->name;
	if (o->can_iface)
		snprintf(r.bench.bms_bus, sizeof(r.bench.bms_bus), "%s",
			 o->can_iface);
	if (o->cycler_can)
		snprintf(r.bench.cycler_bus, sizeof(r.bench.cycler_bus), "%s",
			 o->cycler_can);
	rc = run_signals_setup(&r);
	if (rc < 0)
		goto out;
	/* The socket first: a pack already on a bench must not lose its
	 * run file to a second start. */
	rc = run_open_socket(&r, pack_id, r.sim && !o->pack_id);
	if (rc < 0)
		goto out;
	rc = run_ctx_build(&r, pack_id);
	if (rc < 0)
		goto out;
	if (o->truth_path && r.sim) {
		rc = sim_write_truth(r.sim, o->truth_path);
		if (rc < 0)
			goto out;
	}
	rc = fill_meta(&r, pack_id, &meta);
	if (rc < 0)
		goto out;
	if (o->shelf_from) /* the shelf run starts after the shelf time */
		iso_at(meta.start_time_utc, sizeof(meta.start_time_utc),
		       (time_t)unix_start);
	rc = hash_inputs(&r, o, &hashes);
	if (rc < 0)
		goto out;
	/* Simulated time waits for the writer rather than drop a sample
	 * (--speed max outruns any disk); a real-time loop must not wait. */
	log_cfg.block_when_full = r.sim != NULL;
	rc = h5log_create(o->out_path, &meta, &log_cfg, &r.log);
	if (rc < 0)
		goto out;
	if (r.sim) {
		abs_path(o->sim_path, path, sizeof(path));
		run_config_event(&r, "sim=%s", path);
		run_config_event(&r, "seed=%llu", (unsigned long long)o->seed);
		run_config_event(&r, "seeded=%d", o->has_seed ? 1 : 0);
		run_config_event(&r, "sim_sha256=%s", hashes.sim);
	}
	if (o->profile_path) {
		abs_path(o->profile_path, path, sizeof(path));
		run_config_event(&r, "profile=%s", path);
	}
	if (o->bench_path) {
		abs_path(o->bench_path, path, sizeof(path));
		run_config_event(&r, "bench=%s", path);
		run_config_event(&r, "bench_sha256=%s", hashes.bench);
	}
	if (hashes.cycler_dbc[0])
		run_config_event(&r, "cycler_dbc_sha256=%s", hashes.cycler_dbc);
	run_config_event(&r, "bms_bus=%s", r.bench.bms_bus);
	run_config_event(&r, "cycler_bus=%s", r.bench.cycler_bus);
	run_config_event(&r, "speed=%g", o->speed);
	if (o->shelf_from) {
		abs_path(o->shelf_from, path, sizeof(path));
		run_config_event(&r, "shelf_from=%s", path);
		run_config_event(&r, "shelf_s=%.0f", o->shelf_us * 1e-6);
	}
	/* on disk (and the file published) before the first sample: a kill
	 * from here on leaves a file resume can read its settings from */
	rc = h5log_flush(r.log);
	if (rc < 0)
		goto out;
	ctl_attach_log(r.ctl, r.log, 0);
	ctl_can_status(r.ctl);
	/* wall time of test time 0 taken as the loop starts, not before the
	 * set-up (buses, cycler), or every row's unix time would lag */
	ctl_set_unix_start(r.ctl, o->shelf_from ? unix_start : clock_wall_s());
	log_info("run of pack '%s' to '%s'; control socket '%s'", pack_id,
		 o->out_path, ctlsock_name(r.sock));
	rc = run_ctx_finish(&r, run_ctx_loop(&r, 0, o->speed));
	run_meta_release(&meta);
	run_ctx_release(&r);
	return rc;
out:
	if (r.log)
		h5log_close(r.log, "aborted", "setup failed");
	run_meta_release(&meta);
	run_ctx_release(&r);
	return 1;
}
