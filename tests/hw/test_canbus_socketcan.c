/* SPDX-License-Identifier: Apache-2.0 */
/* test_canbus_socketcan.c - the SocketCAN backend on a real kernel.
 *
 * Runs in the QEMU guest (tools/qemu/check-kernel.sh), which creates vcan0
 * with the CAN FD MTU and vcan1 classic. Never skips: on a kernel without
 * those interfaces every test fails, naming the missing interface.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "can/canbus.h"
#include "common/rc.h"
#include "support.h"
#include "test_frame.h"

#define FD_IF "vcan0"
#define CLASSIC_IF "vcan1"

static struct canbus *open_if(const char *iface, bool fd, bool err)
{
	struct canbus_opts o = {.fd = fd, .err_frames = err};
	struct canbus *b = NULL;

	cr_assert_eq(canbus_open(iface, &o, &b), BENCH_OK,
		     "cannot open '%s' (guest setup missing?)", iface);
	return b;
}

static int64_t realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Next frame event within a generous timeout (never a speed assumption:
 * the wait ends as soon as the frame is there). */
static void expect_ev(struct canbus *b, struct canbus_ev *ev)
{
	cr_assert_eq(canbus_recv(b, ev, 5000), 1, "no event on '%s'",
		     canbus_name(b));
}

static void expect_none(struct canbus *b)
{
	struct canbus_ev ev;

	/* frames on vcan are delivered synchronously inside write(), so an
	 * immediate poll sees everything that was going to arrive */
	cr_assert_eq(canbus_recv(b, &ev, 0), 0, "unexpected id 0x%X on '%s'",
		     (unsigned)ev.frame.id, canbus_name(b));
}

Test(socketcan, classic_frames_cross_with_kernel_timestamps)
{
	struct canbus *tx = open_if(FD_IF, false, false);
	struct canbus *rx = open_if(FD_IF, false, false);
	struct canframe f = test_frame(0x1DB, 8, 0x11);
	struct canbus_ev ev;
	int64_t before, after;

	f.len8_dlc = 12;
	before = realtime_us();
	cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
	expect_ev(rx, &ev);
	after = realtime_us();
	cr_assert_eq(ev.kind, CANBUS_EV_FRAME);
	cr_assert_eq(ev.frame.id, 0x1DB);
	cr_assert_eq(ev.frame.len, 8);
	cr_assert_eq(ev.frame.len8_dlc, 12, "raw DLC kept");
	cr_assert_not(ev.frame.fd);
	cr_assert_eq(ev.frame.data[7], 0x11);
	cr_assert(ev.t_us >= before && ev.t_us <= after,
		  "kernel timestamp %lld outside [%lld, %lld]",
		  (long long)ev.t_us, (long long)before, (long long)after);
	cr_assert_str_eq(canbus_name(rx), FD_IF);
	expect_none(tx);
	canbus_close(tx);
	canbus_close(rx);
}

Test(socketcan, extended_and_rtr_ids_keep_their_flags)
{
	struct canbus *tx = open_if(FD_IF, false, false);
	struct canbus *rx = open_if(FD_IF, false, false);
	struct canframe f = test_frame(CANFRAME_EFF | 0x18FF50E5, 3, 7);
	struct canbus_ev ev;

	cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
	f = test_frame(CANFRAME_RTR | 0x123, 0, 0);
	cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
	expect_ev(rx, &ev);
	cr_assert_eq(ev.frame.id, CANFRAME_EFF | 0x18FF50E5);
	cr_assert_eq(ev.frame.len, 3);
	expect_ev(rx, &ev);
	cr_assert_eq(ev.frame.id, CANFRAME_RTR | 0x123);
	canbus_close(tx);
	canbus_close(rx);
}

Test(socketcan, fd_frames_on_an_fd_interface)
{
	struct canbus *tx = open_if(FD_IF, true, false);
	struct canbus *rx = open_if(FD_IF, true, false);
	struct canbus *classic_rx = open_if(FD_IF, false, false);
	struct canframe f = test_frame(0x321, 64, 0);
	struct canbus_ev ev;
	int i;

	for (i = 0; i < 64; i++)
		f.data[i] = (uint8_t)i;
	f.fd = true;
	f.flags = CANFRAME_FD_BRS;
	cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
	expect_ev(rx, &ev);
	cr_assert(ev.frame.fd);
	cr_assert_eq(ev.frame.len, 64);
	cr_assert_eq(ev.frame.flags, CANFRAME_FD_BRS);
	cr_assert_eq(memcmp(ev.frame.data, f.data, 64), 0);
	expect_none(classic_rx); /* a socket without FD never sees FD */
	canbus_close(tx);
	canbus_close(rx);
	canbus_close(classic_rx);
}

Test(socketcan, fd_is_refused_cleanly_on_a_classic_interface)
{
	struct canbus *b = open_if(CLASSIC_IF, true, false);
	struct canframe f = test_frame(0x321, 12, 1);

	f.fd = true;
	logcap_start();
	cr_assert_eq(canbus_send(b, &f), BENCH_ERR_SUPP);
	cr_assert(strstr(logcap_text(), CLASSIC_IF), "%s", logcap_text());
	logcap_stop();
	f = test_frame(0x321, 8, 1);
	cr_assert_eq(canbus_send(b, &f), BENCH_OK, "classic still works");
	canbus_close(b);
}

Test(socketcan, kernel_filter_passes_exact_ids_only)
{
	struct canbus *tx = open_if(FD_IF, false, false);
	struct canbus *rx = open_if(FD_IF, false, false);
	uint32_t ids[] = {0x123, CANFRAME_EFF | 0x18FF50E5};
	struct canframe f;
	struct canbus_ev ev;

	cr_assert_eq(canbus_set_filter(rx, ids, 2), BENCH_OK);
	f = test_frame(0x124, 1, 1);
	canbus_send(tx, &f);
	f = test_frame(0x0E5, 1, 2);
	canbus_send(tx, &f);
	f = test_frame(CANFRAME_EFF | 0x123, 1, 3); /* same number, extended */
	canbus_send(tx, &f);
	f = test_frame(CANFRAME_RTR | 0x123, 0, 0); /* remote request */
	canbus_send(tx, &f);
	f = test_frame(0x123, 1, 4);
	canbus_send(tx, &f);
	f = test_frame(CANFRAME_EFF | 0x18FF50E5, 1, 5);
	canbus_send(tx, &f);
	expect_ev(rx, &ev);
	cr_assert_eq(ev.frame.id, 0x123);
	cr_assert_eq(ev.frame.data[0], 4);
	expect_ev(rx, &ev);
	cr_assert_eq(ev.frame.id, CANFRAME_EFF | 0x18FF50E5);
	expect_none(rx);

	cr_assert_eq(canbus_set_filter(rx, NULL, 0), BENCH_OK);
	f = test_frame(0x124, 1, 6);
	canbus_send(tx, &f);
	expect_ev(rx, &ev);
	cr_assert_eq(ev.frame.id, 0x124, "n = 0 passes everything again");
	canbus_close(tx);
	canbus_close(rx);
}

Test(socketcan, too_many_filter_ids_is_a_clear_error)
{
	static uint32_t ids[513];
	struct canbus *b = open_if(FD_IF, false, false);

	logcap_start();
	cr_assert_eq(canbus_set_filter(b, ids, 513), BENCH_ERR_ARG);
	cr_assert(strstr(logcap_text(), "513 filter ids"), "%s", logcap_text());
	logcap_stop();
	canbus_close(b);
}

static void send_err(struct canbus *tx, uint32_t cls, uint8_t crtl)
{
	struct canframe f = test_frame(CANFRAME_ERR | cls, 8, 0);

	f.data[1] = crtl;
	cr_assert_eq(canbus_send(tx, &f), BENCH_OK);
}

/* Error frames as `cansend vcan0 20000040#...` makes them. */
Test(socketcan, error_frames_become_state_events)
{
	struct canbus *tx = open_if(FD_IF, false, false);
	struct canbus *rx = open_if(FD_IF, false, true);
	struct canbus *plain = open_if(FD_IF, false, false);
	struct canbus_ev ev;

	send_err(tx, 0x04, 0x04); /* controller: rx warning */
	expect_ev(rx, &ev);
	cr_assert_eq(ev.kind, CANBUS_EV_STATE);
	cr_assert_eq(ev.state, CANBUS_WARNING);
	cr_assert_eq(ev.frame.id, CANFRAME_ERR | 0x04);
	cr_assert_neq(ev.t_us, 0, "error frames carry a timestamp too");

	send_err(tx, 0x04, 0x20); /* tx passive */
	expect_ev(rx, &ev);
	cr_assert_eq(ev.state, CANBUS_PASSIVE);

	send_err(tx, 0x40, 0); /* bus-off */
	expect_ev(rx, &ev);
	cr_assert_eq(ev.state, CANBUS_OFF);

	send_err(tx, 0x08, 0); /* protocol error: no state change */
	expect_ev(rx, &ev);
	cr_assert_eq(ev.state, CANBUS_OFF);

	send_err(tx, 0x100, 0); /* restarted */
	expect_ev(rx, &ev);
	cr_assert_eq(ev.state, CANBUS_ACTIVE);

	expect_none(plain); /* not subscribed: no error frames */
	canbus_close(tx);
	canbus_close(rx);
	canbus_close(plain);
}

Test(socketcan, fd_is_pollable_and_timeout_returns_zero)
{
	struct canbus *tx = open_if(FD_IF, false, false);
	struct canbus *rx = open_if(FD_IF, false, false);
	struct canframe f = test_frame(0x42, 1, 0);
	struct pollfd p = {.events = POLLIN};
	struct canbus_ev ev;

	p.fd = canbus_fd(rx);
	cr_assert_geq(p.fd, 0);
	cr_assert_eq(canbus_recv(rx, &ev, 10), 0);
	canbus_send(tx, &f);
	cr_assert_eq(poll(&p, 1, 5000), 1);
	cr_assert_eq(canbus_recv(rx, &ev, 0), 1);
	canbus_close(tx);
	canbus_close(rx);
}

Test(socketcan, vcan_has_no_bit_timing_and_that_is_fine)
{
	struct canif_cfg cfg = {.bitrate = 500000, .restart_ms = 100};
	struct canif_status st;

	logcap_start();
	cr_assert_eq(canif_configure(FD_IF, &cfg), BENCH_OK);
	cr_assert(strstr(logcap_text(), "virtual"), "%s", logcap_text());
	logcap_stop();
	cr_assert_eq(canif_get_status(FD_IF, &st), BENCH_OK);
	cr_assert(st.is_virtual);
	cr_assert_eq(st.state, CANBUS_ACTIVE);
	cr_assert_eq(st.bitrate, 0);
}

Test(socketcan, mem_only_calls_refuse_a_socketcan_bus)
{
	struct canbus *b = open_if(FD_IF, false, false);
	struct clock *none = NULL;

	logcap_start();
	cr_assert_eq(canbus_mem_inject_state(b, CANBUS_OFF), BENCH_ERR_SUPP);
	cr_assert_eq(canbus_mem_set_clock(b, none), BENCH_ERR_SUPP);
	cr_assert(strstr(logcap_text(), "'" FD_IF "'"), "%s", logcap_text());
	logcap_stop();
	canbus_close(b);
}
