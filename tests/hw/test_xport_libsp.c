/* SPDX-License-Identifier: Apache-2.0 */
/* test_xport_libsp.c - the libserialport backend on real UARTs (the QEMU
 * guest's /dev/ttyS1 <-> /dev/ttyS2 null modem): the SCPI driver
 * through libserialport on BENCH_TTY_A drives the simulated supply served
 * on BENCH_TTY_B. Not part of `make check-unit` (host ptys cannot be opened
 * by libserialport); build and run in the guest:
 *
 *   make build/tests/hw/test_xport_libsp
 *   BENCH_TTY_A=/dev/ttyS1 BENCH_TTY_B=/dev/ttyS2 \
 *       build/tests/hw/test_xport_libsp
 *
 * Unset variables fail the test: a skipped hardware test looks like a
 * passed one. Tests share the two ports, so each locks BENCH_TTY_B.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "bench/instr.h"
#include "bench/sim/scpi_server.h"
#include "serial/xport.h"
#include "common/clock.h"
#include "common/rc.h"
#include "scpi_thread.h"

static struct {
	const char *tty_a, *tty_b;
	int b_fd;
	struct scpi_server *srv;
	struct scpi_rplant plant;
	struct clock clk;
	struct scpi_thread serving;
	struct instr *in;
} h;

static const char *need_env(const char *name)
{
	const char *v = getenv(name);

	cr_assert(v && *v,
		  "%s is not set: this test needs two UARTs wired "
		  "as a null modem (BENCH_TTY_A=/dev/ttyS1 "
		  "BENCH_TTY_B=/dev/ttyS2 in the QEMU guest)",
		  name);
	return v;
}

/* Open the server's UART and take the lock on it first: the tests share
 * the two ports (Criterion runs them in parallel processes). */
static int open_raw_locked(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	cr_assert(fd >= 0, "cannot open '%s': %s", path, strerror(errno));
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	cr_assert_eq(tcgetattr(fd, &t), 0, "'%s' is not a tty", path);
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	t.c_cflag |= CLOCAL | CREAD;
	cr_assert_eq(tcsetattr(fd, TCSANOW, &t), 0);
	tcflush(fd, TCIOFLUSH);
	return fd;
}

static void setup(void)
{
	struct scpi_plant pl = {&h.plant, scpi_rplant_v, scpi_rplant_i, NULL};
	struct scpi_server_cfg cfg = {.watchdog_us = 1000000};
	struct instr_cfg ic = {.kind = "scpi",
			       .serial = "115200/8n1",
			       .model = "ea-psb",
			       .timeout_ms = 2000};

	memset(&h, 0, sizeof(h));
	h.b_fd = -1;
	h.tty_a = need_env("BENCH_TTY_A");
	h.tty_b = need_env("BENCH_TTY_B");
	h.b_fd = open_raw_locked(h.tty_b);
	h.plant = (struct scpi_rplant){45.0, 0.05, 0.0};
	clock_mono_init(&h.clk);
	cr_assert_eq(scpi_server_new(&cfg, &pl, &h.clk, &h.srv), BENCH_OK);
	scpi_thread_start(&h.serving, h.srv, h.b_fd);
	ic.port = h.tty_a; /* no prefix: the libserialport backend */
	cr_assert_eq(instr_open(&ic, &h.in), BENCH_OK,
		     "libserialport could not drive %s", h.tty_a);
}

static void teardown(void)
{
	instr_close(h.in);
	scpi_thread_stop(&h.serving);
	scpi_server_free(h.srv);
	if (h.b_fd >= 0)
		close(h.b_fd);
}

static void srv_status(struct scpi_server_status *st)
{
	scpi_thread_status(&h.serving, st);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

TestSuite(libsp, .init = setup, .fini = teardown, .timeout = 60);

Test(libsp, identification)
{
	char buf[128];

	cr_assert_str_eq(h.in->idn, "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0");
	cr_assert_eq(h.in->ops->identify(h.in, buf, sizeof(buf)), BENCH_OK);
	cr_assert_str_eq(buf, h.in->idn);
}

Test(libsp, setpoints_and_measurements)
{
	struct scpi_server_status st;
	struct instr_state m = {0};

	cr_assert_eq(h.in->ops->set_voltage(h.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(h.in->ops->set_current(h.in, -10000), BENCH_OK);
	cr_assert_eq(h.in->ops->set_output(h.in, true), BENCH_OK);
	srv_status(&st);
	cr_assert(st.remote);
	cr_assert(st.output_on);
	cr_assert_float_eq(st.voltage_set_V, 40.0, 1e-9);
	cr_assert_float_eq(st.sink_current_set_A, 10.0, 1e-9);
	for (int i = 0; i < 100 && m.current_mA != -10000; i++) {
		cr_assert_eq(h.in->ops->measure(h.in, &m), BENCH_OK);
		sleep_ms(20);
	}
	cr_assert_eq(m.current_mA, -10000);
	/* again, so the voltage (queried first) was read at that current */
	cr_assert_eq(h.in->ops->measure(h.in, &m), BENCH_OK);
	cr_assert_eq(m.voltage_mV, 44500);
	cr_assert(m.output_on);
	cr_assert_eq(instr_safe_off(h.in), BENCH_OK);
	srv_status(&st);
	cr_assert_not(st.output_on);
}

Test(libsp, safe_stop_when_the_instrument_stops_answering)
{
	struct scpi_server_status st;
	struct instr_state m;

	cr_assert_eq(h.in->ops->set_voltage(h.in, 50000, 40000), BENCH_OK);
	cr_assert_eq(h.in->ops->set_current(h.in, 5000), BENCH_OK);
	cr_assert_eq(h.in->ops->set_output(h.in, true), BENCH_OK);
	scpi_thread_fault(&h.serving, SCPI_FAULT_SILENT);
	/* the controller sees a timeout and stops safely... */
	cr_assert_eq(h.in->ops->measure(h.in, &m), BENCH_ERR_TIMEOUT);
	cr_assert_eq(instr_safe_off(h.in), BENCH_ERR_TIMEOUT);
	/* ...and the supply's own watchdog (1 s here) drops the output,
	 * since the safe-stop commands never arrived */
	for (int i = 0; i < 200; i++) {
		srv_status(&st);
		if (!st.output_on)
			break;
		sleep_ms(20);
	}
	cr_assert_not(st.output_on);
	cr_assert(st.watchdog_tripped);
}

Test(libsp, raw_exchange_crosses_the_line)
{
	struct xport *x;
	char line[128];

	/* a second libserialport handle on the same port, plain bytes */
	cr_assert_eq(xport_open(h.tty_a, "115200/8n1", &x), BENCH_OK);
	cr_assert(xport_fd(x) >= 0);
	cr_assert_eq(xport_write_line(x, "*IDN?", 1000), BENCH_OK);
	cr_assert_gt(xport_read_line(x, line, sizeof(line), 2000), 0);
	cr_assert_str_eq(line, "BENCH-SIM,SCPI-PSU-1000-500,0001,1.0");
	cr_assert_eq(xport_read_line(x, line, sizeof(line), 200),
		     BENCH_ERR_TIMEOUT);
	xport_close(x);
}
