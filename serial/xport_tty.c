/* SPDX-License-Identifier: Apache-2.0 */
/* xport_tty.c - plain termios transport on a file descriptor.
 *
 * Why it exists: libserialport finds ports through sysfs and refuses
 * pseudo-terminals ("No such file or directory" on /dev/pts/N; upstream
 * declined pty support). The host tests and the simulator talk over ptys,
 * so this backend opens any tty node ("pty:/dev/pts/N", "tty:PATH") with
 * open(2) and termios, raw mode, and the same timeout and error semantics
 * as the libserialport backend. Real instruments use libserialport.
 */
#define LOG_PREFIX "xport-tty"
#include "xport.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"

struct tty_priv {
	int fd;
	bool gone_logged; /* a vanished port does not come back: say it once */
};

static speed_t baud_code(unsigned baud)
{
	static const struct {
		unsigned baud;
		speed_t code;
	} tab[] = {
	    {1200, B1200},     {2400, B2400},	  {4800, B4800},
	    {9600, B9600},     {19200, B19200},	  {38400, B38400},
	    {57600, B57600},   {115200, B115200}, {230400, B230400},
	    {460800, B460800}, {921600, B921600},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].baud == baud)
			return tab[i].code;
	return 0;
}

static int apply_termios(int fd, const char *path,
			 const struct xport_serial *ser)
{
	static const tcflag_t sizes[] = {CS5, CS6, CS7, CS8};
	struct termios t;
	speed_t sp = baud_code(ser->baud);

	if (tcgetattr(fd, &t) < 0) {
		log_err("'%s' is not a terminal: %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (!sp) {
		log_err("'%s': baud rate %u not supported by termios", path,
			ser->baud);
		return BENCH_ERR_ARG;
	}
	cfmakeraw(&t);
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	t.c_cflag &=
	    ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS | CMSPAR);
	t.c_cflag |= sizes[ser->data_bits - 5] | CLOCAL | CREAD;
	if (ser->parity != XPORT_PARITY_NONE)
		t.c_cflag |= PARENB;
	if (ser->parity == XPORT_PARITY_ODD || ser->parity == XPORT_PARITY_MARK)
		t.c_cflag |= PARODD;
	if (ser->parity == XPORT_PARITY_MARK ||
	    ser->parity == XPORT_PARITY_SPACE)
		t.c_cflag |= CMSPAR;
	if (ser->stop_bits == 2)
		t.c_cflag |= CSTOPB;
	if (ser->flow == XPORT_FLOW_RTSCTS)
		t.c_cflag |= CRTSCTS;
	if (ser->flow == XPORT_FLOW_XONXOFF)
		t.c_iflag |= IXON | IXOFF;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		log_err("cannot configure '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

static int tty_open(struct xport *x, const char *path,
		    const struct xport_serial *ser)
{
	struct tty_priv *p;
	int fd, rc;

	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	rc = apply_termios(fd, path, ser);
	if (rc < 0)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		log_err("out of memory opening '%s'", path);
		rc = BENCH_ERR_MEM;
		goto fail;
	}
	p->fd = fd;
	xport_set_priv(x, p);
	return BENCH_OK;
fail:
	close(fd);
	return rc;
}

static void tty_close(struct xport *x)
{
	struct tty_priv *p = xport_priv(x);

	if (!p)
		return;
	close(p->fd);
	free(p);
	xport_set_priv(x, NULL);
}

static int vanished(struct xport *x, const char *what)
{
	struct tty_priv *p = xport_priv(x);

	if (!p->gone_logged)
		log_err("%s: port gone (%s)", xport_name(x), what);
	p->gone_logged = true;
	return BENCH_ERR_IO;
}

static int tty_wait(struct xport *x, short events, int timeout_ms)
{
	struct tty_priv *p = xport_priv(x);
	struct pollfd pfd = {.fd = p->fd, .events = events};
	int n;

	do
		n = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_err("%s: poll: %s", xport_name(x), strerror(errno));
		return BENCH_ERR_IO;
	}
	if (n == 0)
		return 0;
	/* Data still readable before a hangup is taken first. */
	if (pfd.revents & events)
		return 1;
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
		return vanished(x, "hangup");
	return 0;
}

static int tty_write(struct xport *x, const void *buf, size_t len,
		     int timeout_ms)
{
	struct tty_priv *p = xport_priv(x);
	const char *b = buf;

	while (len > 0) {
		ssize_t n = write(p->fd, b, len);
		int rc;

		if (n > 0) {
			b += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return vanished(x, strerror(errno));
		rc = tty_wait(x, POLLOUT, timeout_ms);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			log_err("%s: write blocked for %d ms", xport_name(x),
				timeout_ms);
			return BENCH_ERR_TIMEOUT;
		}
	}
	return BENCH_OK;
}

static int tty_read(struct xport *x, void *buf, size_t len, int timeout_ms)
{
	struct tty_priv *p = xport_priv(x);
	int rc = tty_wait(x, POLLIN, timeout_ms);
	ssize_t n;

	if (rc <= 0)
		return rc;
	do
		n = read(p->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return vanished(x, strerror(errno));
	if (n == 0)
		return vanished(x, "end of file");
	return (int)n;
}

static int tty_flush(struct xport *x)
{
	struct tty_priv *p = xport_priv(x);
	char junk[256];

	tcflush(p->fd, TCIFLUSH);
	/* A pty has no driver queue to flush: drain what is readable. */
	while (read(p->fd, junk, sizeof(junk)) > 0)
		;
	return BENCH_OK;
}

static int tty_fd(const struct xport *x)
{
	const struct tty_priv *p = xport_priv(x);

	return p->fd;
}

/* clang-format off */
const struct xport_ops xport_tty_ops = {
	.name = "tty",
	.open = tty_open,
	.close = tty_close,
	.write = tty_write,
	.read = tty_read,
	.flush = tty_flush,
	.fd = tty_fd,
};
/* clang-format on */
