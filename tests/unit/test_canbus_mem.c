/* SPDX-License-Identifier: Apache-2.0 */
/* test_canbus_mem.c - the in-process bus: fan-out, order, filters, FD,
 * overflow, state injection, error frames, sender clock. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "can/canbus.h"
#include "common/clock.h"
#include "common/rc.h"
#include "support.h"
#include "test_frame.h"

static struct canbus *open_bus(const char *conn, bool fd, bool own, bool err)
{
	struct canbus_opts o = {.fd = fd, .recv_own = own, .err_frames = err};
	struct canbus *b = NULL;

	cr_assert_eq(canbus_open(conn, &o, &b), BENCH_OK);
	cr_assert_not_null(b);
	return b;
}

/* a test that hangs fails instead of blocking the run */
TestSuite(canbus_mem, .timeout = 60);

Test(canbus_mem, every_other_endpoint_receives_in_order)
{
	struct canbus *a = open_bus("mem:t1", false, false, false);
	struct canbus *b = open_bus("mem:t1", false, false, false);
	struct canbus *c = open_bus("mem:t1", false, false, false);
	struct canbus_ev ev;
	uint32_t i;

	for (i = 0; i < 10; i++) {
		struct canframe f = test_frame(0x100 + i, 8, (uint8_t)i);
		cr_assert_eq(canbus_send(a, &f), BENCH_OK);
	}
	for (i = 0; i < 10; i++) {
		cr_assert_eq(canbus_recv(b, &ev, 0), 1);
		cr_assert_eq(ev.kind, CANBUS_EV_FRAME);
		cr_assert_eq(ev.frame.id, 0x100 + i);
		cr_assert_eq(ev.frame.data[7], i);
		cr_assert_eq(canbus_recv(c, &ev, 0), 1);
		cr_assert_eq(ev.frame.id, 0x100 + i);
	}
	cr_assert_eq(canbus_recv(b, &ev, 0), 0);
	cr_assert_eq(canbus_recv(a, &ev, 0), 0, "sender must not see own");
	cr_assert_str_eq(canbus_name(a), "mem:t1");
	cr_assert_eq(canbus_fd(a), -1);
	canbus_close(a);
	canbus_close(b);
	canbus_close(c);
}

Test(canbus_mem, buses_with_other_names_are_separate)
{
	struct canbus *a = open_bus("mem:x", false, false, false);
	struct canbus *b = open_bus("mem:y", false, false, false);
	struct canframe f = test_frame(0x1, 1, 0);
	struct canbus_ev ev;

	cr_assert_eq(canbus_send(a, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(b, &ev, 0), 0);
	canbus_close(a);
	canbus_close(b);
}

Test(canbus_mem, recv_own_delivers_to_sender)
{
	struct canbus *a = open_bus("mem:own", false, true, false);
	struct canframe f = test_frame(0x7FF, 2, 0xAA);
	struct canbus_ev ev;

	cr_assert_eq(canbus_send(a, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(a, &ev, 0), 1);
	cr_assert_eq(ev.frame.id, 0x7FF);
	canbus_close(a);
}

Test(canbus_mem, filter_passes_exact_ids_only)
{
	struct canbus *tx = open_bus("mem:flt", false, false, false);
	struct canbus *rx = open_bus("mem:flt", false, false, false);
	uint32_t ids[] = {0x1DB, CANFRAME_EFF | 0x18FF50E5};
	struct canframe f;
	struct canbus_ev ev;

	cr_assert_eq(canbus_set_filter(rx, ids, 2), BENCH_OK);
	f = test_frame(0x1DB, 8, 1);
	canbus_send(tx, &f);
	f = test_frame(0x1DC, 8, 2);
	canbus_send(tx, &f);
	f = test_frame(0x18FF50E5, 8, 3); /* same number, standard: no match */
	canbus_send(tx, &f);
	f = test_frame(CANFRAME_EFF | 0x18FF50E5, 8, 4);
	canbus_send(tx, &f);
	cr_assert_eq(canbus_recv(rx, &ev, 0), 1);
	cr_assert_eq(ev.frame.data[0], 1);
	cr_assert_eq(canbus_recv(rx, &ev, 0), 1);
	cr_assert_eq(ev.frame.data[0], 4);
	cr_assert_eq(canbus_recv(rx, &ev, 0), 0);

	/* n = 0 opens the filter again */
	cr_assert_eq(canbus_set_filter(rx, NULL, 0), BENCH_OK);
	f = test_frame(0x1DC, 8, 5);
	canbus_send(tx, &f);
	cr_assert_eq(canbus_recv(rx, &ev, 0), 1);
	canbus_close(tx);
	canbus_close(rx);
}

Test(canbus_mem, fd_frames_need_fd_on_both_ends)
{
	struct canbus *fdtx = open_bus("mem:fd", true, false, false);
	struct canbus *fdrx = open_bus("mem:fd", true, false, false);
	struct canbus *classic = open_bus("mem:fd", false, false, false);
	struct canframe f = test_frame(0x123, 64, 0x5A);
	struct canbus_ev ev;

	f.fd = true;
	f.flags = CANFRAME_FD_BRS;
	cr_assert_eq(canbus_send(fdtx, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(fdrx, &ev, 0), 1);
	cr_assert(ev.frame.fd);
	cr_assert_eq(ev.frame.len, 64);
	cr_assert_eq(ev.frame.data[63], 0x5A);
	cr_assert_eq(ev.frame.flags, CANFRAME_FD_BRS);
	cr_assert_eq(canbus_recv(classic, &ev, 0), 0);

	logcap_start();
	cr_assert_eq(canbus_send(classic, &f), BENCH_ERR_SUPP);
	cr_assert(strstr(logcap_text(), "mem:fd"), "%s", logcap_text());
	f.fd = false;
	cr_assert_eq(canbus_send(classic, &f), BENCH_ERR_ARG, "64 > 8");
	logcap_stop();
	canbus_close(fdtx);
	canbus_close(fdrx);
	canbus_close(classic);
}

Test(canbus_mem, full_queue_drops_newest_and_says_so)
{
	struct canbus *tx = open_bus("mem:full", false, false, false);
	struct canbus *rx = open_bus("mem:full", false, false, false);
	struct canbus_ev ev;
	int i, n = 0;

	logcap_start();
	for (i = 0; i < 5000; i++) {
		struct canframe f = test_frame(0x10, 4, 0);
		memcpy(f.data, &i, sizeof(i));
		cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
	}
	cr_assert(strstr(logcap_text(), "queue full"), "%s", logcap_text());
	while (canbus_recv(rx, &ev, 0) == 1) {
		int seq;
		memcpy(&seq, ev.frame.data, sizeof(seq));
		cr_assert_eq(seq, n, "oldest frames kept, in order");
		n++;
	}
	cr_assert_eq(n, 4096);
	canbus_close(rx);
	cr_assert(strstr(logcap_text(), "904 frames dropped"), "%s",
		  logcap_text());
	logcap_stop();
	canbus_close(tx);
}

Test(canbus_mem, injected_bus_off_reaches_subscribers_and_silences_bus)
{
	struct canbus *sim = open_bus("mem:boff", false, false, false);
	struct canbus *ctl = open_bus("mem:boff", false, false, true);
	struct canbus *quiet = open_bus("mem:boff", false, false, false);
	struct canframe f = test_frame(0x1DB, 8, 1);
	struct canbus_ev ev;

	cr_assert_eq(canbus_mem_inject_state(sim, CANBUS_OFF), BENCH_OK);
	cr_assert_eq(canbus_recv(ctl, &ev, 0), 1);
	cr_assert_eq(ev.kind, CANBUS_EV_STATE);
	cr_assert_eq(ev.state, CANBUS_OFF);
	cr_assert_eq(ev.frame.id, CANFRAME_ERR | 0x40, "bus-off error frame");
	cr_assert_eq(canbus_recv(quiet, &ev, 0), 0, "not subscribed");

	cr_assert_eq(canbus_send(sim, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(ctl, &ev, 0), 0, "dead bus carries nothing");

	cr_assert_eq(canbus_mem_inject_state(sim, CANBUS_ACTIVE), BENCH_OK);
	cr_assert_eq(canbus_recv(ctl, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_ACTIVE);
	cr_assert_eq(ev.frame.id, CANFRAME_ERR | 0x100, "restarted");
	cr_assert_eq(canbus_send(sim, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(ctl, &ev, 0), 1);
	cr_assert_eq(ev.kind, CANBUS_EV_FRAME);
	canbus_close(sim);
	canbus_close(ctl);
	canbus_close(quiet);
}

Test(canbus_mem, warning_and_passive_frames)
{
	struct canbus *a = open_bus("mem:warn", false, false, false);
	struct canbus *b = open_bus("mem:warn", false, false, true);
	struct canbus_ev ev;

	canbus_mem_inject_state(a, CANBUS_WARNING);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_WARNING);
	cr_assert_eq(ev.frame.id, CANFRAME_ERR | 0x04);
	cr_assert_eq(ev.frame.data[1], 0x0C);
	canbus_mem_inject_state(a, CANBUS_PASSIVE);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_PASSIVE);
	cr_assert_eq(ev.frame.data[1], 0x30);
	canbus_mem_inject_state(a, CANBUS_ACTIVE);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_ACTIVE);
	cr_assert_eq(ev.frame.id, CANFRAME_ERR | 0x04, "back to active: crtl");
	cr_assert_eq(ev.frame.data[1], 0x40);
	canbus_close(a);
	canbus_close(b);
}

/* As on vcan: an error frame sent on the bus is seen as a state change. */
Test(canbus_mem, sent_error_frames_become_state_events)
{
	struct canbus *a = open_bus("mem:errf", false, false, false);
	struct canbus *b = open_bus("mem:errf", false, false, true);
	struct canframe f = test_frame(CANFRAME_ERR | 0x40, 8, 0);
	struct canbus_ev ev;

	cr_assert_eq(canbus_send(a, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.kind, CANBUS_EV_STATE);
	cr_assert_eq(ev.state, CANBUS_OFF);

	/* a protocol-violation frame (class 0x08) keeps the state */
	f = test_frame(CANFRAME_ERR | 0x08, 8, 0);
	cr_assert_eq(canbus_send(a, &f), BENCH_OK);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_OFF);

	f = test_frame(CANFRAME_ERR | 0x04, 8, 0);
	f.data[1] = 0x10; /* rx passive */
	canbus_send(a, &f);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.state, CANBUS_PASSIVE);
	canbus_close(a);
	canbus_close(b);
}

Test(canbus_mem, sender_clock_stamps_frames)
{
	struct canbus *a = open_bus("mem:clk", false, false, false);
	struct canbus *b = open_bus("mem:clk", false, false, false);
	struct clock clk;
	struct clock_virt v;
	struct canframe f = test_frame(0x5, 1, 0);
	struct canbus_ev ev;

	clock_virt_init(&clk, &v);
	cr_assert_eq(canbus_mem_set_clock(a, &clk), BENCH_OK);
	clock_virt_set(&v, 123456789);
	canbus_send(a, &f);
	cr_assert_eq(canbus_recv(b, &ev, 0), 1);
	cr_assert_eq(ev.t_us, 123456789);
	canbus_close(a);
	canbus_close(b);
}

Test(canbus_mem, recv_timeout_returns_zero_when_idle)
{
	struct canbus *a = open_bus("mem:idle", false, false, false);
	struct canbus_ev ev;

	cr_assert_eq(canbus_recv(a, &ev, 20), 0);
	canbus_close(a);
}

static void *send_later(void *arg)
{
	struct canframe f = test_frame(0x77, 1, 9);
	struct timespec ts = {.tv_nsec = 20 * 1000000L};

	nanosleep(&ts, NULL);
	canbus_send(arg, &f);
	return NULL;
}

/* A receiver blocked with a timeout wakes when another thread sends (the
 * simulator may run in its own thread). */
Test(canbus_mem, blocked_recv_wakes_on_send_from_another_thread)
{
	struct canbus *a = open_bus("mem:thr", false, false, false);
	struct canbus *b = open_bus("mem:thr", false, false, false);
	struct canbus_ev ev;
	pthread_t th;

	cr_assert_eq(pthread_create(&th, NULL, send_later, a), 0);
	cr_assert_eq(canbus_recv(b, &ev, 60000), 1);
	cr_assert_eq(ev.frame.id, 0x77);
	pthread_join(th, NULL);
	canbus_close(a);
	canbus_close(b);
}

Test(canbus_mem, bad_connection_strings_are_clear_errors)
{
	struct canbus *b = (struct canbus *)1;

	logcap_start();
	cr_assert_eq(canbus_open("mem:", NULL, &b), BENCH_ERR_ARG);
	cr_assert_null(b);
	cr_assert(strstr(logcap_text(), "mem:NAME"), "%s", logcap_text());
	cr_assert_eq(canbus_open("", NULL, &b), BENCH_ERR_ARG);
	logcap_stop();
}

Test(canbus_mem, state_names)
{
	cr_assert_str_eq(canbus_state_name(CANBUS_ACTIVE), "error-active");
	cr_assert_str_eq(canbus_state_name(CANBUS_WARNING), "error-warning");
	cr_assert_str_eq(canbus_state_name(CANBUS_PASSIVE), "error-passive");
	cr_assert_str_eq(canbus_state_name(CANBUS_OFF), "bus-off");
	cr_assert_str_eq(canbus_state_name(CANBUS_STOPPED), "stopped");
	cr_assert_str_eq(canbus_state_name(CANBUS_UNKNOWN), "unknown");
}

/* a test that hangs fails instead of blocking the run */
TestSuite(canbus_dispatch, .timeout = 60);

/* Dispatch: anything not "mem:" goes to SocketCAN, whose errors name the
 * interface (this host has no CAN interfaces at all). */
Test(canbus_dispatch, missing_interface_is_named)
{
	struct canbus *b = NULL;

	logcap_start();
	cr_assert_lt(canbus_open("nosuchcan7", NULL, &b), 0);
	cr_assert_null(b);
	cr_assert(strstr(logcap_text(), "no CAN interface 'nosuchcan7'"), "%s",
		  logcap_text());
	logcap_stop();
}

Test(canbus_dispatch, non_can_interface_is_refused)
{
	struct canbus *b = NULL;
	struct canif_cfg cfg = {.bitrate = 500000};
	struct canif_status st;

	logcap_start();
	cr_assert_eq(canbus_open("lo", NULL, &b), BENCH_ERR_ARG);
	cr_assert(strstr(logcap_text(), "'lo' is not a CAN interface"), "%s",
		  logcap_text());
	cr_assert_eq(canif_configure("lo", &cfg), BENCH_ERR_ARG);
	cr_assert_eq(canif_get_status("lo", &st), BENCH_ERR_ARG);
	logcap_stop();
}

Test(canbus_dispatch, mem_only_calls_check_their_arguments)
{
	struct canbus *b = open_bus("mem:only", false, false, false);
	struct clock clk;

	clock_mono_init(&clk);
	cr_assert_eq(canbus_mem_set_clock(b, &clk), BENCH_OK);
	logcap_start();
	cr_assert_eq(canbus_mem_inject_state(b, (enum canbus_state)42),
		     BENCH_ERR_ARG);
	cr_assert(strstr(logcap_text(), "'mem:only': cannot inject state 42"),
		  "%s", logcap_text());
	logcap_stop();
	canbus_close(b);
}
