/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_scpi_reply.c - everything that parses text from a serial line:
 * the driver's strict reply parsers, the driver itself reading replies
 * (line framing included) through a transport that returns the input, and
 * the simulated supply's command parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/instr.h"
#include "bench/instr/scpi/protocol.h"
#include "bench/sim/scpi_server.h"
#include "serial/xport.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *feed;
static size_t feed_len;

static int fz_write(struct xport *x, const void *b, size_t n, int t)
{
	(void)x;
	(void)b;
	(void)n;
	(void)t;
	return 0;
}

/* Hand out the input in small pieces, then silence (a timeout). */
static int fz_read(struct xport *x, void *buf, size_t len, int t)
{
	size_t n = feed_len < len ? feed_len : len;

	(void)x;
	(void)t;
	if (n == 0)
		return BENCH_ERR_TIMEOUT; /* silence, without waiting */
	if (n > 7)
		n = 7;
	memcpy(buf, feed, n);
	feed += n;
	feed_len -= n;
	return (int)n;
}

static const struct xport_ops fz_ops = {
    .name = "fuzz",
    .write = fz_write,
    .read = fz_read,
};

static double plant_v(void *ctx)
{
	(void)ctx;
	return 48.0;
}

static void parsers(const char *s)
{
	double v;
	bool b;
	int code;
	char msg[64];

	scpi_parse_number(s, 0, &v);
	scpi_parse_number(s, 'V', &v);
	scpi_parse_bool(s, &b);
	scpi_parse_error(s, &code, msg, sizeof(msg));
	scpi_parse_idn(s);
}

static void driver(const uint8_t *data, size_t size, const char *model)
{
	struct instr_state st;
	struct instr *in;
	struct xport *x;
	char idn[128];

	/* the open handshake reads *IDN? and SYST:ERR? replies from the
	 * input too; most inputs fail there, the rest reach measure */
	feed = data;
	feed_len = size;
	if (xport_new(&fz_ops, NULL, &x) < 0)
		return;
	if (scpi_instr_open_xport(x, model, 1, &in) < 0)
		return;
	in->ops->measure(in, &st);
	in->ops->identify(in, idn, sizeof(idn));
	in->ops->set_voltage(in, 50000, 40000);
	in->ops->set_current(in, -1000);
	instr_close(in);
}

static void server(const uint8_t *data, size_t size)
{
	struct scpi_plant plant = {NULL, plant_v, NULL, NULL};
	struct scpi_server *s;
	struct clock clk;
	struct clock_virt vt;
	char out[4096];

	clock_virt_init(&clk, &vt);
	if (scpi_server_new(NULL, &plant, &clk, &s) < 0)
		return;
	scpi_server_input(s, "SYST:REM\n", 9);
	scpi_server_input(s, (const char *)data, size);
	scpi_server_input(s, "\n", 1);
	clock_virt_set(&vt, 50000);
	scpi_server_step(s);
	while (scpi_server_output(s, out, sizeof(out)) > 0)
		;
	scpi_server_free(s);
}

static void quiet(void *ctx, enum log_level lvl, const char *prefix,
		  const char *msg)
{
	(void)ctx;
	(void)lvl;
	(void)prefix;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	log_set_sink(quiet, NULL);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	parsers(s);
	free(s);
	driver(data, size, size % 2 ? "generic" : "itech-it6000");
	server(data, size);
	return 0;
}
