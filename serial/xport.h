/* SPDX-License-Identifier: Apache-2.0 */
/* xport.h - the serial transport seam.
 *
 * Instrument protocol code talks to a struct xport and never opens a port
 * itself. The backend is chosen by the connection string (libsigrok's
 * ser_lib_functions idea):
 *
 *   "/dev/ttyUSB0", "COM3"   libserialport (xport_libsp.c, the only file that
 *                            includes <libserialport.h>); real UARTs and USB
 *                            serial adapters
 *   "tty:PATH"               plain termios on a file descriptor (xport_tty.c)
 *   "pty:/dev/pts/N"         the same, for pseudo-terminals: libserialport
 *                            looks ports up in sysfs and refuses ptys, so the
 *                            host tests and the simulator use this one
 *
 * The serial parameter string is libsigrok's "115200/8n1" (baud / data bits,
 * parity n|e|o|m|s, stop bits 1|2), optionally followed by "/flow=none",
 * "/flow=rtscts" or "/flow=xonxoff". NULL or "" means "115200/8n1".
 *
 * Errors: BENCH_ERR_TIMEOUT when nothing arrives in time, BENCH_ERR_IO when
 * the port vanished (hangup, EIO, ENXIO, EOF), each logged once here.
 */
#ifndef BENCH_XPORT_H
#define BENCH_XPORT_H

#include <stdbool.h>
#include <stddef.h>

enum xport_parity {
	XPORT_PARITY_NONE = 0,
	XPORT_PARITY_ODD,
	XPORT_PARITY_EVEN,
	XPORT_PARITY_MARK,
	XPORT_PARITY_SPACE,
};

enum xport_flow {
	XPORT_FLOW_NONE = 0,
	XPORT_FLOW_RTSCTS,
	XPORT_FLOW_XONXOFF,
};

struct xport_serial {
	unsigned baud;	    /* 50..4000000 */
	unsigned data_bits; /* 5..8 */
	enum xport_parity parity;
	unsigned stop_bits; /* 1 or 2 */
	enum xport_flow flow;
};

struct xport;

/* A backend. Every function gets the xport; backend state is xport_priv(). */
struct xport_ops {
	const char *name;
	/* Open path with the serial settings; store state with xport_set_priv.
	 */
	int (*open)(struct xport *x, const char *path,
		    const struct xport_serial *ser);
	void (*close)(struct xport *x);
	/* Write all of buf or fail; BENCH_ERR_TIMEOUT if the line stays busy.
	 */
	int (*write)(struct xport *x, const void *buf, size_t len,
		     int timeout_ms);
	/* Bytes read (> 0), 0 when nothing arrived within timeout_ms, or < 0.
	 */
	int (*read)(struct xport *x, void *buf, size_t len, int timeout_ms);
	/* Discard pending input. */
	int (*flush)(struct xport *x);
	/* Pollable descriptor for an event loop, or -1. May be NULL. */
	int (*fd)(const struct xport *x);
};

/* Parse "115200/8n1[/flow=...]"; BENCH_ERR_ARG (logged) on bad text. */
int xport_parse_serial(const char *text, struct xport_serial *out);

/* Open by connection string (see above). */
int xport_open(const char *conn, const char *serial, struct xport **out);
/* Wrap a caller-supplied backend (scripted or capturing transports in
 * tests); ops->open is not called, priv is stored as is. */
int xport_new(const struct xport_ops *ops, void *priv, struct xport **out);
void xport_close(struct xport *x);

void *xport_priv(const struct xport *x);
void xport_set_priv(struct xport *x, void *priv);
const char *xport_name(const struct xport *x); /* the connection string */
int xport_fd(const struct xport *x);

int xport_write(struct xport *x, const void *buf, size_t len, int timeout_ms);
/* Write a string followed by "\n". */
int xport_write_line(struct xport *x, const char *line, int timeout_ms);
/* Raw read, as ops->read. */
int xport_read(struct xport *x, void *buf, size_t len, int timeout_ms);
/* Read one line ending in "\n" (a "\r" before it is dropped) into line
 * (NUL-terminated, without the terminator) within timeout_ms overall.
 * Returns its length, BENCH_ERR_TIMEOUT, BENCH_ERR_IO, or BENCH_ERR_PROTO
 * for a line longer than cap - 1 or containing a NUL byte. Bytes after the
 * line are kept for the next call. A timeout is not logged here: the
 * caller knows what it asked and logs that. */
int xport_read_line(struct xport *x, char *line, size_t cap, int timeout_ms);
/* Discard buffered and pending input (before a query, so a late reply to
 * an earlier, timed-out query cannot be taken for this one's). */
int xport_flush(struct xport *x);

#endif
