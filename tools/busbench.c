/* SPDX-License-Identifier: Apache-2.0 */
/* busbench.c - bus load and cell sweep time of each pack profile
 * (docs/profiles.md, "Bus load and sweep time"): the simulated pack
 * speaking the profile (bench/sim/sim_persona.c) and the bench's side as
 * the controller runs it (pollrun over ISO-TP, the heartbeat frame, the
 * car's frames) on one in-process bus, 60 s of simulated discharge, every
 * frame either side sends counted by a listening node. Prints one row per
 * profile. Built and run by tools/bench.d/bus.sh.
 *
 * Frame length in bits, classic CAN with 3 bits of interframe space:
 * 8n + g + 13 without stuffing, plus (g + 8n - 1) / 4 stuff bits in the
 * worst case, g = 34 (11-bit id) or 54 (29-bit id) (Davis et al., "CAN
 * schedulability analysis: refuted, revisited and revised", 2007).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bms_tx.h"
#include "bench/packstate.h"
#include "bench/pollrun.h"
#include "bench/profile.h"
#include "bench/profile_veh.h"
#include "bench/sim/sim.h"
#include "bench/vehframe.h"
#include "can/canbus.h"
#include "can/dbc.h"
#include "can/isotp.h"
#include "common/log.h"

#define BITRATE 500000.0
#define RUN_US 60000000LL
#define TICK_US 5000
#define MAX_SWEEPS 1024

struct tally {
	double bits, bits_worst;
	unsigned long frames;
	int64_t wire_free_us; /* the bus is busy until then */
	int64_t sweep_start_us, last_done_us;
	bool in_sweep;
	double sweep_s[MAX_SWEEPS];
	unsigned n_sweeps;
};

static unsigned frame_bits(const struct canframe *f, bool worst)
{
	unsigned g = (f->id & CANFRAME_EFF) ? 54 : 34, d = 8u * f->len;

	return d + g + 13 + (worst ? (g + d - 1) / 4 : 0);
}

/* Does f carry, as a single frame, the request of a poll with cells? */
static bool cell_request(const struct profile *p, const struct canframe *f)
{
	const struct poll_set *ps = &p->poll;

	for (unsigned i = 0; i < ps->n_polls; i++) {
		const struct poll_def *d = &ps->polls[i];
		const struct poll_ecu_def *e = &ps->ecus[d->ecu];
		unsigned off = e->tp.ext_addr ? 1 : 0;
		bool cells = false;

		for (unsigned k = 0; k < ps->n_fields; k++)
			cells |= ps->fields[k].poll == i &&
				 ps->fields[k].role == POLL_ROLE_CELL_V;
		if (!cells || f->id != e->tx_id || f->len < off + 1 ||
		    (f->data[off] >> 4) != 0 ||
		    (f->data[off] & 15) != d->req.len ||
		    f->len < off + 1 + d->req.len)
			continue;
		if (!memcmp(f->data + off + 1, d->req.data, d->req.len))
			return true;
	}
	return false;
}

static double frame_s(bool ext, unsigned len)
{
	struct canframe f = {.id = ext ? CANFRAME_EFF : 0, .len = (uint8_t)len};

	return frame_bits(&f, false) / BITRATE;
}

/* The wire's floor for one sweep: each poll with cells asked in turn, its
 * answer at once, consecutive frames at the STmin our flow control asks
 * for, the ECU's quiet gap between polls; the simulated ECU adds up to a
 * 100 ms step to its first frame and to each flow control. */
static double wire_sweep_s(const struct profile *p)
{
	const struct poll_set *ps = &p->poll;
	double total = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < ps->n_polls; i++) {
		const struct poll_def *d = &ps->polls[i];
		const struct poll_ecu_def *e = &ps->ecus[d->ecu];
		unsigned room = e->tp.ext_addr ? 6 : 7; /* single frame data */
		unsigned len = 1 + d->req.echo_len + d->min_len, n_cf;
		bool cells = false, ext = e->id29;
		double cf_s;

		for (unsigned k = 0; k < ps->n_fields; k++)
			cells |= ps->fields[k].poll == i &&
				 ps->fields[k].role == POLL_ROLE_CELL_V;
		if (!cells)
			continue;
		if (n++)
			total += e->gap_ms * 1e-3;
		total += frame_s(ext, 8); /* the request, padded or not */
		if (len <= room) {
			total += frame_s(ext, 8);
			continue;
		}
		/* first frame (room - 1 bytes), our flow control, then
		 * consecutive frames of room bytes */
		n_cf = (len - (room - 1) + room - 1) / room;
		cf_s = isotp_stmin_us(e->tp.stmin) * 1e-6;
		if (cf_s < frame_s(ext, 8))
			cf_s = frame_s(ext, 8);
		total += 2 * frame_s(ext, 8) + n_cf * cf_s;
	}
	return total;
}

/* A sweep starts at a cell request (polled) or at the first cell value
 * after the last sweep (broadcast), and ends when every cell has a value
 * read since its start. */
static void sweep_check(struct tally *t, const struct pack_snap *s,
			unsigned series, int64_t now_us)
{
	unsigned i;

	if (!t->in_sweep) {
		for (i = 0; i < series; i++)
			if (s->cell_seen_us[i] > t->last_done_us)
				break;
		if (i == series)
			return;
		t->in_sweep = true;
		t->sweep_start_us = s->cell_seen_us[i];
	}
	for (i = 0; i < series; i++)
		if (s->cell_seen_us[i] < t->sweep_start_us)
			return;
	if (t->n_sweeps < MAX_SWEEPS)
		t->sweep_s[t->n_sweeps++] = (now_us - t->sweep_start_us) * 1e-6;
	t->in_sweep = false;
	t->last_done_us = now_us;
}

/* A pack file for the profile: its size and chemistry, bms = the profile
 * (none for a profile of the simulator's own sim_bms.dbc). */
static int write_pack(const char *profile_path, const struct profile *p,
		      char *path, size_t len)
{
	char abs[4096];
	FILE *f;

	if (!realpath(profile_path, abs))
		return -1;
	snprintf(path, len, "/tmp/busbench-%d.ini", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"[pack]\nname = %s\nchemistry = %s\nseries = %u\n"
		"parallel = %u\nmodules = 1\nprobes_per_module = 1\n"
		"rated_capacity_ah = %.3f\ninitial_soc = 0.5\nseed = 1\n",
		p->model, p->chemistry, p->series, p->parallel,
		p->rated_capacity_ah / p->parallel);
	if (!strstr(p->dbc_path, "/sim_bms.dbc"))
		fprintf(f, "bms = %s\n", abs);
	return fclose(f) ? -1 : 0;
}

static void drain(struct canbus *tap, struct packstate *ps,
		  const struct profile *p, struct tally *t, int64_t now_us)
{
	struct canbus_ev ev;

	while (canbus_recv(tap, &ev, 0) == 1) {
		if (ev.kind != CANBUS_EV_FRAME)
			continue;
		unsigned bits = frame_bits(&ev.frame, false);
		int64_t start_us =
		    t->wire_free_us > now_us ? t->wire_free_us : now_us;

		/* frames queued together go out one after the other */
		t->wire_free_us = start_us + (int64_t)(bits * 1e6 / BITRATE);
		t->bits += bits;
		t->bits_worst += frame_bits(&ev.frame, true);
		t->frames++;
		packstate_on_frame(ps, &ev.frame, t->wire_free_us);
		if (!t->in_sweep && cell_request(p, &ev.frame)) {
			t->in_sweep = true;
			t->sweep_start_us = start_us;
		}
		sweep_check(t, packstate_snap(ps), p->series, t->wire_free_us);
	}
}

static void on_poll_event(void *ctx, enum pollrun_ev kind, unsigned ecu,
			  const char *code, const char *msg, int64_t t_us)
{
	(void)ctx;
	(void)ecu;
	(void)t_us;
	if (kind != POLLRUN_OK)
		printf("  %s: %s\n", code, msg);
}

static void print_row(const char *name, const struct profile *p,
		      const struct tally *t)
{
	double mean = 0, max = 0, run_s = RUN_US * 1e-6;

	for (unsigned i = 0; i < t->n_sweeps; i++) {
		mean += t->sweep_s[i] / t->n_sweeps;
		max = t->sweep_s[i] > max ? t->sweep_s[i] : max;
	}
	printf("%-20s %-9s %7.0f %7.1f %% %7.1f %% %6u", name,
	       p->poll.n_polls ? "polled" : "broadcast", t->frames / run_s,
	       100.0 * t->bits / (BITRATE * run_s),
	       100.0 * t->bits_worst / (BITRATE * run_s), t->n_sweeps);
	if (t->n_sweeps && p->poll.n_polls)
		printf(" %8.3f %8.3f %8.3f\n", mean, max, wire_sweep_s(p));
	else if (t->n_sweeps)
		printf(" %8.3f %8.3f %8s\n", mean, max, "-");
	else
		printf("  no sweep: the simulated BMS does not send every "
		       "cell\n");
}

static int bench_profile(const char *path)
{
	static struct profile p;
	static struct tally t;
	static struct vehframe_def defs[VEH_MAX_FRAMES];
	struct vehframe_model vm;
	struct vehframe *veh = NULL;
	struct isotp *links[POLL_MAX_ECUS] = {0};
	struct canbus *sim_bus = NULL, *tap = NULL, *bench_bus = NULL;
	struct packstate_map map;
	struct packstate *ps = NULL;
	struct pollrun *pr = NULL;
	struct bms_tx *tx = NULL;
	struct canbus_ev ev;
	struct dbc *db = NULL;
	struct sim *s = NULL;
	char pack[256], bus[64];
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (profile_load_file(path, &p) < 0)
		return -1;
	snprintf(bus, sizeof(bus), "mem:busbench-%s", name);
	if (write_pack(path, &p, pack, sizeof(pack)) < 0 ||
	    sim_load(pack, NULL, &s) < 0 ||
	    dbc_load_file(p.dbc_path, NULL, &db) < 0 ||
	    canbus_open(bus, NULL, &sim_bus) < 0 ||
	    canbus_open(bus, NULL, &tap) < 0 ||
	    canbus_open(bus, NULL, &bench_bus) < 0 ||
	    sim_attach_bms(s, sim_bus) < 0) {
		printf("%-20s not simulated (see the error above)\n", name);
		rc = 0; /* a limit of the simulator, not of the profile */
		goto out;
	}
	packstate_map_from_profile(&p, &map);
	if (packstate_new(db, &map, &ps) < 0)
		goto out;
	for (unsigned i = 0; i < p.poll.n_ecus; i++)
		if (isotp_open(bus, p.poll.ecus[i].tx_id, p.poll.ecus[i].rx_id,
			       &p.poll.ecus[i].tp, &links[i]) < 0)
			goto out;
	if (p.poll.n_polls &&
	    pollrun_new(&p.poll, links, ps, on_poll_event, NULL, &pr) < 0)
		goto out;
	if (p.tx_message[0] && (bms_tx_new(db, &p, bench_bus, &tx) < 0 ||
				bms_tx_set_contactor(tx, true, 0) < 0))
		goto out;
	if (p.veh.n_frames) {
		profile_veh_model(&p.veh, defs, &vm);
		if (vehframe_new(&vm, &veh) < 0)
			goto out;
		vehframe_start(veh, 0);
	}
	/* from one tick in: a cell time of 0 means never seen */
	for (int64_t now = TICK_US; now <= RUN_US; now += TICK_US) {
		if (sim_advance(s, now) < 0)
			goto out;
		if (pr)
			pollrun_tick(pr, POLLER_DISCHARGING, now);
		if (tx)
			bms_tx_poll(tx, now);
		if (veh) {
			struct canframe out[VEH_MAX_FRAMES];
			size_t n = vehframe_due(veh, now, out, VEH_MAX_FRAMES);

			for (size_t i = 0; i < n; i++)
				canbus_send(bench_bus, &out[i]);
		}
		while (canbus_recv(bench_bus, &ev, 0) == 1)
			; /* the bench's own node reads nothing */
		drain(tap, ps, &p, &t, now);
		sweep_check(&t, packstate_snap(ps), p.series,
			    t.wire_free_us > now ? t.wire_free_us : now);
	}
	print_row(name, &p, &t);
	rc = 0;
out:
	vehframe_free(veh);
	bms_tx_free(tx);
	pollrun_free(pr);
	for (unsigned i = 0; i < POLL_MAX_ECUS; i++)
		isotp_close(links[i]);
	packstate_free(ps);
	if (bench_bus)
		canbus_close(bench_bus);
	if (tap)
		canbus_close(tap);
	if (s)
		sim_free(s);
	if (sim_bus)
		canbus_close(sim_bus);
	dbc_free(db);
	profile_release(&p);
	unlink(pack);
	return rc;
}

int main(int argc, char **argv)
{
	int fails = 0;

	printf("bus load at %.0f kbit/s over 60 s of simulated discharge "
	       "(goal <= 30 %%), cell sweep time\n",
	       BITRATE / 1000);
	printf("%-20s %-9s %7s %9s %9s %6s %8s %8s %8s\n", "profile", "cells",
	       "frame/s", "load", "worst", "sweeps", "mean s", "max s",
	       "wire s");
	for (int i = 1; i < argc; i++)
		fails += bench_profile(argv[i]) < 0;
	return fails ? 1 : 0;
}
