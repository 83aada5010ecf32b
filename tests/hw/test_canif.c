/* SPDX-License-Identifier: Apache-2.0 */
/* test_canif.c - libsocketcan interface control on real (emulated SJA1000)
 * controllers: can0 and can1 on one QEMU CAN bus, set up by
 * tools/qemu/check-kernel.sh. Never skips. Prints each controller's state
 * and error counters, which the guest script keeps with its results.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "can/canbus.h"
#include "common/rc.h"
#include "support.h"

static void configure_500k(const char *iface)
{
	struct canif_cfg cfg = {
	    .bitrate = 500000, .sample_point = 875, .restart_ms = 100};
	struct canif_status st;

	cr_assert_eq(canif_configure(iface, &cfg), BENCH_OK,
		     "cannot configure '%s'", iface);
	cr_assert_eq(canif_get_status(iface, &st), BENCH_OK);
	printf("%s: state=%s bitrate=%u txerr=%u rxerr=%u\n", iface,
	       canbus_state_name(st.state), st.bitrate, st.txerr, st.rxerr);
	cr_assert_not(st.is_virtual, "'%s' should be a real controller", iface);
	cr_assert_eq(st.bitrate, 500000);
	cr_assert_eq(st.state, CANBUS_ACTIVE);
	/* the emulated bus never errs: any count here is a driver bug */
	cr_assert_eq(st.txerr, 0);
	cr_assert_eq(st.rxerr, 0);
}

Test(canif, both_controllers_run_at_500k)
{
	configure_500k("can0");
	configure_500k("can1");
}

Test(canif, frames_cross_between_the_controllers)
{
	struct canbus_opts o = {.err_frames = true};
	struct canbus *a = NULL, *b = NULL;
	struct canframe f;
	struct canbus_ev ev;
	int i;

	configure_500k("can0");
	configure_500k("can1");
	cr_assert_eq(canbus_open("can0", &o, &a), BENCH_OK);
	cr_assert_eq(canbus_open("can1", &o, &b), BENCH_OK);
	for (i = 0; i < 20; i++) {
		memset(&f, 0, sizeof(f));
		f.id = (i & 1) ? (CANFRAME_EFF | (0x18FF5000u + (unsigned)i))
			       : 0x100u + (unsigned)i;
		f.len = 8;
		f.data[0] = (uint8_t)i;
		cr_assert_eq(canbus_send(a, &f), BENCH_OK);
		cr_assert_eq(canbus_recv(b, &ev, 5000), 1, "frame %d lost", i);
		cr_assert_eq(ev.kind, CANBUS_EV_FRAME);
		cr_assert_eq(ev.frame.id, f.id);
		cr_assert_eq(ev.frame.data[0], i);
		cr_assert_gt(ev.t_us, 0);
	}
	canbus_close(a);
	canbus_close(b);
}

Test(canif, impossible_bitrate_is_a_clear_error)
{
	struct canif_cfg cfg = {.bitrate = 5000000};

	logcap_start();
	cr_assert_eq(canif_configure("can0", &cfg), BENCH_ERR_ARG);
	cr_assert(strstr(logcap_text(),
			 "cannot set bitrate 5000000 bit/s on 'can0': the "
			 "controller cannot time it from its 8000000 Hz clock"),
		  "%s", logcap_text());
	logcap_stop();
	configure_500k("can0");
}

Test(canif, fd_data_bitrate_on_a_classic_controller_is_refused)
{
	struct canif_cfg cfg = {.bitrate = 500000, .dbitrate = 2000000};

	logcap_start();
	cr_assert_lt(canif_configure("can1", &cfg), 0);
	cr_assert(strstr(logcap_text(), "'can1'"), "%s", logcap_text());
	cr_assert(strstr(logcap_text(), "2000000"), "%s", logcap_text());
	logcap_stop();
	configure_500k("can1");
}

Test(canif, stopped_controller_reads_back_stopped)
{
	struct canif_status st;

	configure_500k("can1");
	cr_assert_eq(system("ip2 link set can1 down"), 0);
	cr_assert_eq(canif_get_status("can1", &st), BENCH_OK);
	cr_assert_eq(st.state, CANBUS_STOPPED, "state %s",
		     canbus_state_name(st.state));
	configure_500k("can1");
}
