/* SPDX-License-Identifier: Apache-2.0 */
/* test_pollrun_mem.c - the Leaf profile's polls against a scripted LBC on
 * a mem: bus (user-space ISO-TP, the ECU in its own thread): a full sweep
 * fills every cell; a short reply, a negative response and silence are
 * named events, never a crash, and leave the snapshot untouched. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/packstate.h"
#include "bench/pollrun.h"
#include "bench/profile.h"
#include "can/dbc.h"
#include "can/isotp.h"
#include "common/rc.h"
#include "support.h"

enum script { ANSWER, SHORT, NEGATIVE, SILENT };

static struct profile p;
static struct dbc *db;
static struct packstate *ps;
static struct isotp *ours, *lbc;
static pthread_t th;
static atomic_int stop, requests, script;

#define MAX_EV 64
static struct {
	enum pollrun_ev kind;
	char msg[200];
	int requests; /* the LBC had seen when the event came */
} ev[MAX_EV];
static unsigned n_ev;

static uint16_t cell_mV(unsigned i)
{
	return (uint16_t)(3600 + 7 * i);
}

/* The LBC: answers 21 01 / 02 / 04 as docs/packs.md lays them out. */
static void *lbc_main(void *arg)
{
	static uint8_t in[64], out[256];

	(void)arg;
	while (!atomic_load(&stop)) {
		int n = isotp_recv(lbc, in, sizeof(in), 20);
		size_t len = 0;

		if (n < 2 || in[0] != 0x21)
			continue;
		atomic_fetch_add(&requests, 1);
		memset(out, 0, sizeof(out));
		out[0] = 0x61;
		out[1] = in[1];
		switch (atomic_load(&script)) {
		case SILENT:
			continue;
		case NEGATIVE:
			out[0] = 0x7F;
			out[1] = 0x21;
			out[2] = 0x12; /* subFunctionNotSupported */
			len = 3;
			break;
		case SHORT:
			len = 2 + 100;
			break;
		case ANSWER:
			if (in[1] == 0x02) {
				for (unsigned i = 0; i < 96; i++) {
					out[2 + 2 * i] =
					    (uint8_t)(cell_mV(i) >> 8);
					out[3 + 2 * i] = (uint8_t)cell_mV(i);
				}
				len = 2 + 196;
			} else if (in[1] == 0x04) {
				/* raw 500, 600, 700: 21.42, 11.22, 1.02 C */
				const uint8_t t[12] = {0x01, 0xF4, 21,	 0x02,
						       0x58, 11,   0x02, 0xBC,
						       1,    0xFF, 0xFF, 0xFF};
				memcpy(out + 2, t, sizeof(t));
				len = 2 + 12;
			} else {
				len = 2 + 41;
			}
			break;
		}
		isotp_send(lbc, out, len);
	}
	return NULL;
}

static void on_event(void *ctx, enum pollrun_ev kind, unsigned ecu,
		     const char *code, const char *msg, int64_t t_us)
{
	(void)ctx;
	(void)t_us;
	cr_assert_eq(ecu, 0);
	cr_assert_eq(code == NULL, kind == POLLRUN_OK);
	if (n_ev < MAX_EV) {
		ev[n_ev].kind = kind;
		ev[n_ev].requests = atomic_load(&requests);
		snprintf(ev[n_ev].msg, sizeof(ev[n_ev].msg), "%s", msg);
		n_ev++;
	}
}

static unsigned count(enum pollrun_ev kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_ev; i++)
		n += ev[i].kind == kind;
	return n;
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct pollrun *start(enum script sc, const char *bus)
{
	struct packstate_map m = {0};
	struct pollrun *r;

	logcap_start();
	cr_assert_eq(
	    profile_load_file("fixtures/profiles/nissan-leaf-aze0.ini", &p),
	    BENCH_OK, "%s", p.error);
	/* fast: no STmin, short P2, one retry */
	p.poll.ecus[0].tp.stmin = 0;
	p.poll.ecus[0].p2_ms = 150;
	p.poll.ecus[0].gap_ms = 5;
	for (unsigned i = 0; i < p.poll.n_polls; i++)
		p.poll.polls[i].retries = 1;
	cr_assert_eq(dbc_load_file(p.dbc_path, NULL, &db), BENCH_OK);
	m.series = p.series;
	m.n_probes = p.n_probes;
	m.pack_voltage = p.pack_voltage;
	m.pack_current = p.pack_current;
	cr_assert_eq(packstate_new(db, &m, &ps), BENCH_OK);
	cr_assert_eq(isotp_open(bus, 0x79B, 0x7BB, &p.poll.ecus[0].tp, &ours),
		     BENCH_OK);
	cr_assert_eq(isotp_open(bus, 0x7BB, 0x79B, &p.poll.ecus[0].tp, &lbc),
		     BENCH_OK);
	atomic_store(&stop, 0);
	atomic_store(&requests, 0);
	atomic_store(&script, sc);
	n_ev = 0;
	cr_assert_eq(pthread_create(&th, NULL, lbc_main, NULL), 0);
	cr_assert_eq(pollrun_new(&p.poll, &ours, ps, on_event, NULL, &r),
		     BENCH_OK);
	return r;
}

/* Tick every ms until done() or ms of wall time. */
static void run(struct pollrun *r, int ms, bool (*done)(void))
{
	int64_t t0 = mono_us();

	while (mono_us() - t0 < (int64_t)ms * 1000 && !(done && done())) {
		pollrun_tick(r, POLLER_CHARGING, mono_us() - t0 + 1);
		usleep(1000);
	}
}

static void finish(struct pollrun *r)
{
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	pollrun_free(r);
	isotp_close(ours);
	isotp_close(lbc);
	packstate_free(ps);
	dbc_free(db);
	profile_release(&p);
	logcap_stop();
}

static bool three_answers(void)
{
	return count(POLLRUN_OK) >= 3;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(pollrun, .timeout = 60);

Test(pollrun, full_sweep_fills_every_cell, .timeout = 20)
{
	struct pollrun *r = start(ANSWER, "mem:pr-full");
	const struct pack_snap *s = packstate_snap(ps);

	run(r, 5000, three_answers);
	cr_assert_eq(count(POLLRUN_OK), 3, "cells, temps, health");
	cr_assert_eq(n_ev, 3, "nothing but answers: %s", ev[n_ev - 1].msg);
	cr_assert(s->have & PACK_HAVE_CELLS);
	cr_assert(s->have & PACK_HAVE_TEMPS);
	for (unsigned i = 0; i < 96; i++)
		cr_assert_eq(s->cell_mV[i], cell_mV(i), "cell %u", i + 1);
	cr_assert_eq(s->temp_ddegC[0], 214);
	cr_assert_eq(s->temp_ddegC[1], 112);
	cr_assert_eq(s->temp_ddegC[2], 10);
	cr_assert_eq(s->cell_fresh_us[95], 30000000LL);
	finish(r);
}

static bool any_error(void)
{
	return n_ev > count(POLLRUN_OK);
}

Test(pollrun, short_reply_is_a_named_event, .timeout = 20)
{
	struct pollrun *r = start(SHORT, "mem:pr-short");

	run(r, 5000, any_error);
	cr_assert_eq(ev[0].kind, POLLRUN_REPLY_SHORT);
	cr_assert(strstr(ev[0].msg, "poll 'cells' on lbc: reply of 100 data "
				    "bytes, the layout needs 196"),
		  "%s", ev[0].msg);
	cr_assert_str_eq(pollrun_code(POLLRUN_REPLY_SHORT),
			 "bench:POLL_REPLY_SHORT");
	cr_assert_eq(packstate_snap(ps)->cells_seen, 0);
	finish(r);
}

Test(pollrun, negative_response_is_a_named_event, .timeout = 20)
{
	struct pollrun *r = start(NEGATIVE, "mem:pr-neg");

	run(r, 5000, any_error);
	cr_assert_eq(ev[0].kind, POLLRUN_NEGATIVE);
	cr_assert(strstr(ev[0].msg, "poll 'cells' on lbc: negative response "
				    "0x12 subFunctionNotSupported"),
		  "%s", ev[0].msg);
	cr_assert_eq(packstate_snap(ps)->cells_seen, 0);
	finish(r);
}

Test(pollrun, silence_is_a_timeout_after_the_retries, .timeout = 20)
{
	struct pollrun *r = start(SILENT, "mem:pr-silent");

	run(r, 5000, any_error);
	cr_assert_eq(ev[0].kind, POLLRUN_TIMEOUT);
	cr_assert(strstr(ev[0].msg, "poll 'cells' on lbc: no answer after 2 "
				    "tries"),
		  "%s", ev[0].msg);
	cr_assert_eq(ev[0].requests, 2, "sent, then one retry: %d",
		     ev[0].requests);
	cr_assert_eq(packstate_snap(ps)->last_poll_us, 0);
	finish(r);
}
