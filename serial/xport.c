/* SPDX-License-Identifier: Apache-2.0 */
/* xport.c - serial transport seam: connection-string dispatch, serial
 * parameter parsing and line framing shared by every backend. */
#define LOG_PREFIX "xport"
#include "xport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rc.h"

extern const struct xport_ops xport_tty_ops;
extern const struct xport_ops xport_libsp_ops;

/* Enough for any SCPI reply line plus what may follow it. */
#define XPORT_RXBUF 1024

struct xport {
	const struct xport_ops *ops;
	void *priv;
	char *conn;
	char rx[XPORT_RXBUF];
	size_t rx_len;
	bool skip_line; /* drop input up to the next "\n": the tail of an
			 * overlong line is not a reply */
};

static int parse_uint(const char **p, unsigned *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return BENCH_ERR_ARG;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 100000000ul)
			return BENCH_ERR_ARG;
		s++;
	}
	*p = s;
	*out = (unsigned)v;
	return 0;
}

int xport_parse_serial(const char *text, struct xport_serial *out)
{
	static const char parities[] = "noems";
	static const enum xport_parity pvals[] = {
	    XPORT_PARITY_NONE, XPORT_PARITY_ODD, XPORT_PARITY_EVEN,
	    XPORT_PARITY_MARK, XPORT_PARITY_SPACE};
	struct xport_serial s = {115200, 8, XPORT_PARITY_NONE, 1,
				 XPORT_FLOW_NONE};
	const char *p = text;
	const char *pc;

	if (!text || !*text) {
		*out = s;
		return BENCH_OK;
	}
	if (parse_uint(&p, &s.baud) || s.baud < 50 || s.baud > 4000000)
		goto bad;
	if (*p == '\0')
		goto done;
	if (*p++ != '/')
		goto bad;
	if (*p < '5' || *p > '8')
		goto bad;
	s.data_bits = (unsigned)(*p++ - '0');
	pc = *p ? strchr(parities, *p | 0x20) : NULL;
	if (!pc)
		goto bad;
	s.parity = pvals[pc - parities];
	p++;
	if (*p != '1' && *p != '2')
		goto bad;
	s.stop_bits = (unsigned)(*p++ - '0');
	if (*p == '\0')
		goto done;
	if (!strcmp(p, "/flow=none"))
		s.flow = XPORT_FLOW_NONE;
	else if (!strcmp(p, "/flow=rtscts"))
		s.flow = XPORT_FLOW_RTSCTS;
	else if (!strcmp(p, "/flow=xonxoff"))
		s.flow = XPORT_FLOW_XONXOFF;
	else
		goto bad;
done:
	*out = s;
	return BENCH_OK;
bad:
	log_err("bad serial settings '%s' at '%s': expected like "
		"'115200/8n1' or '9600/7e2/flow=rtscts'",
		text, p);
	return BENCH_ERR_ARG;
}

static struct xport *xport_alloc(const struct xport_ops *ops, const char *conn)
{
	struct xport *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->ops = ops;
	x->conn = strdup(conn ? conn : ops->name);
	if (!x->conn) {
		free(x);
		return NULL;
	}
	return x;
}

int xport_open(const char *conn, const char *serial, struct xport **out)
{
	const struct xport_ops *ops = &xport_libsp_ops;
	const char *path = conn;
	struct xport_serial ser;
	struct xport *x;
	int rc;

	*out = NULL;
	if (!conn || !*conn) {
		log_err("empty serial connection string");
		return BENCH_ERR_ARG;
	}
	TRY(xport_parse_serial(serial, &ser));
	if (!strncmp(conn, "pty:", 4) || !strncmp(conn, "tty:", 4)) {
		ops = &xport_tty_ops;
		path = conn + 4;
		if (!*path) {
			log_err("'%s': missing device path", conn);
			return BENCH_ERR_ARG;
		}
	}
	x = xport_alloc(ops, conn);
	if (!x) {
		log_err("out of memory opening '%s'", conn);
		return BENCH_ERR_MEM;
	}
	rc = ops->open(x, path, &ser);
	if (rc < 0) {
		free(x->conn);
		free(x);
		return rc;
	}
	*out = x;
	return BENCH_OK;
}

int xport_new(const struct xport_ops *ops, void *priv, struct xport **out)
{
	struct xport *x = xport_alloc(ops, NULL);

	*out = NULL;
	if (!x) {
		log_err("out of memory for transport '%s'", ops->name);
		return BENCH_ERR_MEM;
	}
	x->priv = priv;
	*out = x;
	return BENCH_OK;
}

void xport_close(struct xport *x)
{
	if (!x)
		return;
	if (x->ops->close)
		x->ops->close(x);
	free(x->conn);
	free(x);
}

void *xport_priv(const struct xport *x)
{
	return x->priv;
}

void xport_set_priv(struct xport *x, void *priv)
{
	x->priv = priv;
}

const char *xport_name(const struct xport *x)
{
	return x->conn;
}

int xport_fd(const struct xport *x)
{
	return x->ops->fd ? x->ops->fd(x) : -1;
}

int xport_write(struct xport *x, const void *buf, size_t len, int timeout_ms)
{
	return x->ops->write(x, buf, len, timeout_ms);
}

int xport_write_line(struct xport *x, const char *line, int timeout_ms)
{
	char buf[512];
	size_t n = strlen(line);

	if (n + 1 > sizeof(buf)) {
		log_err("%s: command too long (%zu bytes)", x->conn, n);
		return BENCH_ERR_ARG;
	}
	memcpy(buf, line, n);
	buf[n++] = '\n';
	return x->ops->write(x, buf, n, timeout_ms);
}

int xport_read(struct xport *x, void *buf, size_t len, int timeout_ms)
{
	return x->ops->read(x, buf, len, timeout_ms);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void consume(struct xport *x, size_t used)
{
	memmove(x->rx, x->rx + used, x->rx_len - used);
	x->rx_len -= used;
}

/* Move a complete line from x->rx into line; 0 if none buffered yet. */
static int take_line(struct xport *x, char *line, size_t cap)
{
	char *nl = memchr(x->rx, '\n', x->rx_len);
	size_t n, used;

	if (x->skip_line) {
		if (!nl) {
			x->rx_len = 0;
			return 0;
		}
		consume(x, (size_t)(nl - x->rx) + 1);
		x->skip_line = false;
		nl = memchr(x->rx, '\n', x->rx_len);
	}
	if (!nl) {
		if (x->rx_len >= cap || x->rx_len == sizeof(x->rx)) {
			log_err("%s: reply longer than %zu bytes", x->conn,
				cap - 1);
			x->rx_len = 0;
			x->skip_line = true;
			return BENCH_ERR_PROTO;
		}
		return 0;
	}
	used = (size_t)(nl - x->rx) + 1;
	n = used - 1;
	if (n > 0 && x->rx[n - 1] == '\r')
		n--;
	if (n >= cap) {
		log_err("%s: reply longer than %zu bytes", x->conn, cap - 1);
		consume(x, used);
		return BENCH_ERR_PROTO;
	}
	if (memchr(x->rx, '\0', n)) {
		log_err("%s: NUL byte in reply", x->conn);
		consume(x, used);
		return BENCH_ERR_PROTO;
	}
	memcpy(line, x->rx, n);
	line[n] = '\0';
	consume(x, used);
	return 1;
}

int xport_read_line(struct xport *x, char *line, size_t cap, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	int rc;

	if (cap < 2) {
		log_err("%s: line buffer too small", x->conn);
		return BENCH_ERR_ARG;
	}
	for (;;) {
		int64_t left;

		rc = take_line(x, line, cap);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return (int)strlen(line);
		left = deadline - mono_ms();
		if (left <= 0)
			return BENCH_ERR_TIMEOUT;
		rc = x->ops->read(x, x->rx + x->rx_len,
				  sizeof(x->rx) - x->rx_len, (int)left);
		if (rc < 0)
			return rc;
		x->rx_len += (size_t)rc;
	}
}

int xport_flush(struct xport *x)
{
	x->rx_len = 0;
	x->skip_line = false;
	return x->ops->flush ? x->ops->flush(x) : BENCH_OK;
}
