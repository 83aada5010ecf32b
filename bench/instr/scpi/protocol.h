/* SPDX-License-Identifier: Apache-2.0 */
/* protocol.h - SCPI bidirectional supply: command tables and the wire.
 *
 * A model is a table of command strings (libsigrok scpi-pps profiles.c):
 * each entry maps a wire-independent command to the model's text. Setters
 * take one printf "%.3f" value in V or A. Every model runs in CV priority:
 * a voltage setpoint with a source and a sink current limit, so a signed
 * current is programmed as
 *
 *       charge:    SINK:CURR 0, VOLT <charge V>, CURR <A>
 *       discharge: CURR 0, VOLT <discharge V>, SINK:CURR <A>
 *
 * (ITECH IT6000: CURR:LIM and CURR:LIM:NEG, the latter with a negative
 * value: scpi_profile.sink_negative).
 *
 * Every reply is parsed strictly: garbage is BENCH_ERR_PROTO.
 */
#ifndef BENCH_INSTR_SCPI_PROTOCOL_H
#define BENCH_INSTR_SCPI_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

struct xport;
struct instr;
struct instr_cfg;

/* api.c: open the supply on cfg->port with the cfg->model table (called by
 * instr_open for kind "scpi"). */
int scpi_instr_open(const struct instr_cfg *cfg, struct instr **out);
/* The same over a transport the caller opened (tests: capturing or pty
 * transports); the instrument owns x from now on, also on failure. */
int scpi_instr_open_xport(struct xport *x, const char *model, int timeout_ms,
			  struct instr **out);

enum scpi_cmd {
	SCPI_CMD_NONE = 0, /* table terminator */
	SCPI_CMD_REMOTE,   /* sent at open, before anything else */
	SCPI_CMD_MODE,	   /* sent at open after REMOTE (FUNC VOLT) */
	SCPI_CMD_LOCAL,	   /* sent at close */
	SCPI_CMD_CLEAR,	   /* clear the error queue */
	SCPI_CMD_IDN,
	SCPI_CMD_ERROR,		   /* next error: <code>,"<text>" */
	SCPI_CMD_SET_VOLTAGE,	   /* CV setpoint */
	SCPI_CMD_SET_CURRENT,	   /* source current limit */
	SCPI_CMD_SET_SINK_CURRENT, /* sink current limit */
	SCPI_CMD_OUTPUT_ON,
	SCPI_CMD_OUTPUT_OFF,
	SCPI_CMD_GET_OUTPUT,
	SCPI_CMD_MEAS_VOLTAGE,
	SCPI_CMD_MEAS_CURRENT, /* signed, + = into the pack */
	SCPI_CMD_MEAS_POWER,   /* optional */
};

struct scpi_cmd_text {
	enum scpi_cmd cmd;
	const char *text;
};

struct scpi_profile {
	const char *model; /* bench-file name: "ea-psb" */
	const char *desc;
	const struct scpi_cmd_text *cmds; /* ends with SCPI_CMD_NONE */
	bool sink_negative;   /* the sink limit is sent as a negative
			       * number */
	double voltage_max_V; /* replies beyond are garbage */
	double current_max_A;
};

extern const struct scpi_profile scpi_profiles[];
extern const size_t scpi_profiles_count;

const struct scpi_profile *scpi_profile_find(const char *model);
/* The model's text for cmd, or NULL if the model has none. */
const char *scpi_profile_cmd(const struct scpi_profile *p, enum scpi_cmd cmd);

/* --- pure reply parsers (fuzzed) --- */

/* A decimal number (NR1/NR2/NR3), optional surrounding blanks, optionally
 * followed by the unit letter (e.g. 'V'; 0 = no unit allowed). NaN, inf
 * and SCPI's 9.91E37 "not a number" are refused. */
int scpi_parse_number(const char *s, char unit, double *out);
/* "0" / "1" / "OFF" / "ON" (any case). */
int scpi_parse_bool(const char *s, bool *out);
/* <code>,"<text>"; text copied (quotes removed) into msg. */
int scpi_parse_error(const char *s, int *code, char *msg, size_t cap);
/* *IDN? reply: four comma-separated fields of printable ASCII, the first
 * (manufacturer) and second (model) non-empty. */
int scpi_parse_idn(const char *s);

/* --- wire --- */

/* Send one command line. */
int scpi_send(struct xport *x, const char *cmd, int timeout_ms);
/* Send fmt (one "%.3f"-style conversion) formatted with value. */
int scpi_send_value(struct xport *x, const char *fmt, double value,
		    int timeout_ms);
/* Discard stale input, send a query, read one reply line. */
int scpi_query(struct xport *x, const char *cmd, char *reply, size_t cap,
	       int timeout_ms);
/* Ask for the next error; BENCH_ERR_PROTO (logged with what) if the
 * instrument reports one, after clearing its queue with clear_cmd. */
int scpi_check_error(struct xport *x, const char *err_cmd,
		     const char *clear_cmd, const char *what, int timeout_ms);

#endif
