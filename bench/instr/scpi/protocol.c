/* SPDX-License-Identifier: Apache-2.0 */
/* protocol.c - SCPI supply wire: strict reply parsers and query helpers.
 * Never opens a port: everything goes through a struct xport. */
#define LOG_PREFIX "scpi"
#include "protocol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serial/xport.h"
#include "common/log.h"
#include "common/rc.h"

/* SCPI's "not a number" / overflow marker is 9.91E37. */
#define SCPI_NAN_MARK 9.9e37

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int scpi_parse_number(const char *s, char unit, double *out)
{
	char buf[64];
	const char *p = skip_blanks(s);
	const char *start = p;
	size_t n, digits = 0;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	while (is_digit(*p)) {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		while (is_digit(*p)) {
			p++;
			digits++;
		}
	}
	if (digits == 0)
		return BENCH_ERR_PROTO;
	if (*p == 'e' || *p == 'E') {
		size_t ed = 0;

		p++;
		if (*p == '+' || *p == '-')
			p++;
		while (is_digit(*p) && ed < 4) {
			p++;
			ed++;
		}
		if (ed == 0 || is_digit(*p))
			return BENCH_ERR_PROTO;
	}
	n = (size_t)(p - start);
	if (n >= sizeof(buf))
		return BENCH_ERR_PROTO;
	memcpy(buf, start, n);
	buf[n] = '\0';
	p = skip_blanks(p);
	if (unit && (*p == unit || *p == (unit | 0x20)))
		p = skip_blanks(p + 1);
	if (*p != '\0')
		return BENCH_ERR_PROTO;
	v = strtod(buf, NULL);
	if (!isfinite(v) || fabs(v) >= SCPI_NAN_MARK)
		return BENCH_ERR_PROTO;
	*out = v;
	return BENCH_OK;
}

int scpi_parse_bool(const char *s, bool *out)
{
	const char *p = skip_blanks(s);
	size_t n = strlen(p);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if ((n == 1 && *p == '1') || (n == 2 && !strncasecmp(p, "ON", 2))) {
		*out = true;
		return BENCH_OK;
	}
	if ((n == 1 && *p == '0') || (n == 3 && !strncasecmp(p, "OFF", 3))) {
		*out = false;
		return BENCH_OK;
	}
	return BENCH_ERR_PROTO;
}

int scpi_parse_error(const char *s, int *code, char *msg, size_t cap)
{
	const char *p = skip_blanks(s);
	const char *q;
	long v;
	char *end;
	size_t n;

	if (cap == 0)
		return BENCH_ERR_ARG;
	if (!(*p == '-' || *p == '+' || is_digit(*p)))
		return BENCH_ERR_PROTO;
	v = strtol(p, &end, 10);
	if (end == p || (end == p + 1 && !is_digit(*p)) || v < -32768 ||
	    v > 32767)
		return BENCH_ERR_PROTO;
	p = skip_blanks(end);
	if (*p++ != ',')
		return BENCH_ERR_PROTO;
	p = skip_blanks(p);
	if (*p++ != '"')
		return BENCH_ERR_PROTO;
	q = strchr(p, '"');
	if (!q || *skip_blanks(q + 1) != '\0')
		return BENCH_ERR_PROTO;
	n = (size_t)(q - p);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return BENCH_ERR_PROTO;
	if (n >= cap)
		n = cap - 1;
	memcpy(msg, p, n);
	msg[n] = '\0';
	*code = (int)v;
	return BENCH_OK;
}

int scpi_parse_idn(const char *s)
{
	unsigned commas = 0;
	size_t field_len = 0, len = 0;

	for (const char *p = s; *p; p++, len++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return BENCH_ERR_PROTO;
		if (*p == ',') {
			if (commas < 2 && field_len == 0)
				return BENCH_ERR_PROTO;
			commas++;
			field_len = 0;
		} else if (*p != ' ') {
			field_len++;
		}
	}
	if (commas != 3 || len > 127)
		return BENCH_ERR_PROTO;
	return BENCH_OK;
}

int scpi_send(struct xport *x, const char *cmd, int timeout_ms)
{
	log_dbg("%s <- %s", xport_name(x), cmd);
	return xport_write_line(x, cmd, timeout_ms);
}

int scpi_send_value(struct xport *x, const char *fmt, double value,
		    int timeout_ms)
{
	char line[128];
	int n = snprintf(line, sizeof(line), fmt, value);

	if (n < 0 || (size_t)n >= sizeof(line)) {
		log_err("%s: command '%s' too long", xport_name(x), fmt);
		return BENCH_ERR_ARG;
	}
	return scpi_send(x, line, timeout_ms);
}

int scpi_query(struct xport *x, const char *cmd, char *reply, size_t cap,
	       int timeout_ms)
{
	int rc;

	TRY(xport_flush(x));
	TRY(scpi_send(x, cmd, timeout_ms));
	rc = xport_read_line(x, reply, cap, timeout_ms);
	if (rc == BENCH_ERR_TIMEOUT)
		log_err("%s: no answer to '%s' within %d ms", xport_name(x),
			cmd, timeout_ms);
	if (rc < 0)
		return rc;
	log_dbg("%s -> %s", xport_name(x), reply);
	return rc;
}

int scpi_check_error(struct xport *x, const char *err_cmd,
		     const char *clear_cmd, const char *what, int timeout_ms)
{
	char reply[256], msg[160];
	int code;

	TRY(scpi_query(x, err_cmd, reply, sizeof(reply), timeout_ms));
	if (scpi_parse_error(reply, &code, msg, sizeof(msg)) < 0) {
		log_err("%s: bad reply '%.60s' to '%s'", xport_name(x), reply,
			err_cmd);
		return BENCH_ERR_PROTO;
	}
	if (code == 0)
		return BENCH_OK;
	log_err("%s: instrument rejected '%s': %d,\"%s\"", xport_name(x), what,
		code, msg);
	/* Leave the queue empty so the next check reports only new errors;
	 * a failure here is already logged by the transport. */
	if (clear_cmd)
		scpi_send(x, clear_cmd, timeout_ms);
	return BENCH_ERR_PROTO;
}
