/* SPDX-License-Identifier: Apache-2.0 */
/* xport_libsp.c - serial transport through libserialport, for real UARTs
 * and USB serial adapters. The only file that includes <libserialport.h>;
 * SP_ERR_* are mapped to enum bench_rc here and nowhere else.
 *
 * libserialport cannot open pseudo-terminals (see xport_tty.c); this
 * backend is tested on the QEMU guest's emulated 16550 UARTs
 * (tests/hw/test_xport_libsp.c).
 */
#define LOG_PREFIX "xport-libsp"
#include "xport.h"

#include <libserialport.h>
#include <poll.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/rc.h"

static int sp_fail(struct xport *x, const char *what, enum sp_return r)
{
	char *msg = r == SP_ERR_FAIL ? sp_last_error_message() : NULL;

	log_err("%s: %s: %s", xport_name(x), what,
		msg		   ? msg
		: r == SP_ERR_ARG  ? "invalid argument"
		: r == SP_ERR_MEM  ? "out of memory"
		: r == SP_ERR_SUPP ? "not supported"
				   : "failed");
	if (msg)
		sp_free_error_message(msg);
	switch (r) {
	case SP_ERR_ARG:
		return BENCH_ERR_ARG;
	case SP_ERR_MEM:
		return BENCH_ERR_MEM;
	case SP_ERR_SUPP:
		return BENCH_ERR_SUPP;
	default:
		return BENCH_ERR_IO;
	}
}

static int libsp_configure(struct xport *x, struct sp_port *port,
			   const struct xport_serial *ser)
{
	/* clang-format off */
	static const enum sp_parity par[] = {
		[XPORT_PARITY_NONE] = SP_PARITY_NONE,
		[XPORT_PARITY_ODD] = SP_PARITY_ODD,
		[XPORT_PARITY_EVEN] = SP_PARITY_EVEN,
		[XPORT_PARITY_MARK] = SP_PARITY_MARK,
		[XPORT_PARITY_SPACE] = SP_PARITY_SPACE,
	};
	/* clang-format on */
	/* clang-format off */
	static const enum sp_flowcontrol flow[] = {
		[XPORT_FLOW_NONE] = SP_FLOWCONTROL_NONE,
		[XPORT_FLOW_RTSCTS] = SP_FLOWCONTROL_RTSCTS,
		[XPORT_FLOW_XONXOFF] = SP_FLOWCONTROL_XONXOFF,
	};
	/* clang-format on */
	enum sp_return r;

	r = sp_set_baudrate(port, (int)ser->baud);
	if (r != SP_OK)
		return sp_fail(x, "set baud rate", r);
	r = sp_set_bits(port, (int)ser->data_bits);
	if (r != SP_OK)
		return sp_fail(x, "set data bits", r);
	r = sp_set_parity(port, par[ser->parity]);
	if (r != SP_OK)
		return sp_fail(x, "set parity", r);
	r = sp_set_stopbits(port, (int)ser->stop_bits);
	if (r != SP_OK)
		return sp_fail(x, "set stop bits", r);
	r = sp_set_flowcontrol(port, flow[ser->flow]);
	if (r != SP_OK)
		return sp_fail(x, "set flow control", r);
	return BENCH_OK;
}

static int libsp_open(struct xport *x, const char *path,
		      const struct xport_serial *ser)
{
	struct sp_port *port = NULL;
	enum sp_return r;
	int rc;

	r = sp_get_port_by_name(path, &port);
	if (r != SP_OK) {
		/* libserialport answers SP_ERR_ARG for a missing device and
		 * for a pty alike: to the bench both are a port not there. */
		log_err("no serial port '%s' (libserialport looks ports up "
			"in sysfs; a pseudo-terminal needs 'pty:%s')",
			path, path);
		return BENCH_ERR_IO;
	}
	r = sp_open(port, SP_MODE_READ_WRITE);
	if (r != SP_OK) {
		rc = sp_fail(x, "cannot open", r);
		goto fail;
	}
	rc = libsp_configure(x, port, ser);
	if (rc < 0) {
		sp_close(port);
		goto fail;
	}
	xport_set_priv(x, port);
	return BENCH_OK;
fail:
	sp_free_port(port);
	return rc;
}

static void libsp_close(struct xport *x)
{
	struct sp_port *port = xport_priv(x);

	if (!port)
		return;
	sp_close(port);
	sp_free_port(port);
	xport_set_priv(x, NULL);
}

static int libsp_write(struct xport *x, const void *buf, size_t len,
		       int timeout_ms)
{
	enum sp_return r;

	r = sp_blocking_write(xport_priv(x), buf, len,
			      timeout_ms > 0 ? (unsigned)timeout_ms : 1);
	if (r < 0)
		return sp_fail(x, "write", r);
	if ((size_t)r < len) {
		log_err("%s: write blocked for %d ms (%d of %zu bytes sent)",
			xport_name(x), timeout_ms, (int)r, len);
		return BENCH_ERR_TIMEOUT;
	}
	return BENCH_OK;
}

/* libserialport reports a hung-up line (USB adapter unplugged) as a plain
 * timeout: select() says readable, read() returns 0. Ask poll() instead. */
static bool hung_up(struct xport *x)
{
	struct pollfd pfd = {.fd = -1, .events = POLLIN};

	if (sp_get_port_handle(xport_priv(x), &pfd.fd) != SP_OK)
		return false;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
		log_err("%s: port gone (hangup)", xport_name(x));
		return true;
	}
	return false;
}

static int libsp_read(struct xport *x, void *buf, size_t len, int timeout_ms)
{
	enum sp_return r;

	/* Returns as soon as one byte is there, like read() with VMIN = 1;
	 * a timeout of 0 would mean "wait forever" to libserialport. */
	r = sp_blocking_read_next(xport_priv(x), buf, len,
				  timeout_ms > 0 ? (unsigned)timeout_ms : 1);
	if (r < 0)
		return sp_fail(x, "read", r);
	if (r == 0 && hung_up(x))
		return BENCH_ERR_IO;
	return (int)r;
}

static int libsp_flush(struct xport *x)
{
	enum sp_return r = sp_flush(xport_priv(x), SP_BUF_INPUT);

	if (r != SP_OK)
		return sp_fail(x, "flush", r);
	return BENCH_OK;
}

static int libsp_fd(const struct xport *x)
{
	int fd = -1;

	if (sp_get_port_handle(xport_priv(x), &fd) != SP_OK)
		return -1;
	return fd;
}

/* clang-format off */
const struct xport_ops xport_libsp_ops = {
	.name = "libserialport",
	.open = libsp_open,
	.close = libsp_close,
	.write = libsp_write,
	.read = libsp_read,
	.flush = libsp_flush,
	.fd = libsp_fd,
};
/* clang-format on */
