/* SPDX-License-Identifier: Apache-2.0 */
/* scpi_server.h - the simulated SCPI bidirectional DC supply.
 *
 * The instrument side of a serial line: it parses SCPI commands, answers
 * them, and drives a "plant" (the simulated pack) through callbacks. It
 * serves any file descriptor: a pty master on the host (the driver opens
 * the slave through the xport "pty:" backend), /dev/ttyS2 in the QEMU
 * guest. It does no I/O of its own outside scpi_server_serve_fd().
 *
 * Command set (case-insensitive, short or long forms such as MEAS:VOLT? /
 * MEASure:VOLTage?, optional SOURce: prefix, optional leading ':', several
 * commands per line separated by ';', one line per "\n"):
 *   *IDN?  *RST  *CLS  *OPC?  SYST:ERR?  SYST:REM  SYST:LOC  SYST:LOCK ON|OFF
 *   VOLT <V>  CURR <A>  SINK:CURR <A>  VOLT?  CURR?  SINK:CURR?
 *   OUTP ON|OFF|1|0  OUTP?  MEAS:VOLT?  MEAS:CURR?  MEAS:POW?
 *   CURR:LIM <A>, CURR:LIM:NEG <-A> (ITECH IT6000-like source and sink
 *   limits, the sink one negative), FUNC VOLT|CURR, VOLT:LIM <V>,
 *   VOLT:LIM:LOW <V> (CC priority: CURR is then signed, negative = sink)
 * Unknown or malformed commands queue an error (-113 "Undefined header",
 * -102 "Syntax error", -222 "Data out of range", ...) read by SYST:ERR?.
 *
 * Sign convention: MEAS:CURR? and MEAS:POW? are signed from the pack's
 * point of view: positive = the supply sources current into the pack
 * (charge), negative = it sinks current from the pack (discharge).
 *
 * Regulation (CV priority, EA PSB-like): the output is a CC/CV source with
 * source limit CURR, sink limit SINK:CURR and voltage setpoint VOLT: below
 * VOLT it pushes up to CURR into the pack, above it sinks up to SINK:CURR.
 * An integrating loop on (VOLT - pack voltage) finds the current, then a
 * slew limit (slew_A_per_s) applies. OUTP OFF drops the current to zero at
 * once (the output relay opens).
 *
 * Watchdog: with the output on, no command for watchdog_us turns the output
 * off (the supply's own communication timeout), so a dead controller never
 * leaves current flowing.
 */
#ifndef BENCH_SIM_SCPI_SERVER_H
#define BENCH_SIM_SCPI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct clock;

/* The pack as the supply sees it. pack_voltage_V returns the terminal
 * voltage with the last applied current flowing; apply_current_A sets the
 * current (+ charge) the plant carries from now on. pack_current_A, if
 * set, is the current that really flows (0 with the pack's contactors
 * open): MEAS:CURR? and MEAS:POW? report it instead of the output's. */
struct scpi_plant {
	void *ctx;
	double (*pack_voltage_V)(void *ctx);
	void (*apply_current_A)(void *ctx, double current_A);
	double (*pack_current_A)(void *ctx);
};

struct scpi_server_cfg {
	const char *idn;      /* *IDN? answer; NULL = a simulated one */
	double voltage_max_V; /* ratings: setpoints above are -222 */
	double current_max_A;
	double power_max_W;	 /* 0 = no power limit */
	double slew_A_per_s;	 /* 0 = 100 A/s */
	double cv_gain_A_per_Vs; /* CV loop integral gain; 0 = 50 */
	int64_t watchdog_us;	 /* 0 = 3 s; < 0 = no watchdog */
	double noise_V, noise_A; /* measurement noise (uniform +-), 0 = none */
	uint32_t seed;
};

enum scpi_fault {
	SCPI_FAULT_NONE = 0,
	SCPI_FAULT_SILENT,  /* reads commands, answers nothing
			     * (cycler_timeout) */
	SCPI_FAULT_GARBAGE, /* answers every query with junk */
	SCPI_FAULT_ERROR,   /* device fault (cycler_error): output off,
			     * every setting but OUTP OFF and *CLS
			     * refused with -300 in SYST:ERR? */
};

/* What the supply is doing, for tests and the simulator's log. */
struct scpi_server_status {
	bool output_on;
	bool remote;	       /* SYST:REM or SYST:LOCK ON seen */
	bool cc_priority;      /* FUNC CURR */
	bool watchdog_tripped; /* output was turned off by the watchdog */
	double voltage_set_V;  /* VOLT (CV priority) */
	double current_set_A;  /* CURR (CC priority: signed) */
	double sink_current_set_A;
	double voltage_limit_low_V; /* VOLT:LIM:LOW (CC priority) */
	double current_A;	    /* actual output current, + charge */
	unsigned commands;	    /* commands handled */
	unsigned errors_queued;
};

struct scpi_server;

/* cfg may be NULL (defaults: 1000 V, 500 A). clk supplies "now" for slew
 * and watchdog (virtual in tests and the simulator). */
int scpi_server_new(const struct scpi_server_cfg *cfg,
		    const struct scpi_plant *plant, const struct clock *clk,
		    struct scpi_server **out);
void scpi_server_free(struct scpi_server *s);

/* Feed bytes received from the line; complete lines are executed and their
 * replies appended to the output (fetch with scpi_server_output). Partial
 * lines are kept. Never fails on bad input: errors are queued as SCPI
 * errors. Returns BENCH_OK, or BENCH_ERR_MEM. */
int scpi_server_input(struct scpi_server *s, const char *buf, size_t len);
/* Execute one command line (no "\n") and write its reply, if any, with a
 * trailing "\n", into reply; returns the reply length (0 = none). */
size_t scpi_server_exec_line(struct scpi_server *s, const char *line,
			     char *reply, size_t cap);
/* Take up to cap pending reply bytes; returns how many. */
size_t scpi_server_output(struct scpi_server *s, char *buf, size_t cap);

/* Advance slew, regulation and watchdog to the clock's now, and apply the
 * resulting current to the plant. Call it at least every 100 ms. */
void scpi_server_step(struct scpi_server *s);

/* Wait up to timeout_ms for input on fd, execute it, write the replies,
 * then step. BENCH_OK, or BENCH_ERR_IO when the line is gone (hangup, EOF,
 * EIO): the caller stops serving. */
int scpi_server_serve_fd(struct scpi_server *s, int fd, int timeout_ms);

void scpi_server_set_fault(struct scpi_server *s, enum scpi_fault f);
void scpi_server_get_status(const struct scpi_server *s,
			    struct scpi_server_status *st);

/* Open a pseudo-terminal for serving: raw mode, the slave's path in
 * slave_path, the master in *master_fd. *slave_keep_fd is a slave
 * descriptor the server process keeps open so the master sees no hangup
 * while no driver has the slave open; close it when done. */
int scpi_server_open_pty(char *slave_path, size_t cap, int *master_fd,
			 int *slave_keep_fd);

#endif
