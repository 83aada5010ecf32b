/* SPDX-License-Identifier: Apache-2.0 */
/* instr.h - the cycler (bidirectional DC supply) seam.
 *
 * Backends chosen by bench-file kind: "scpi" (bench/instr/scpi/, over the
 * serial transport seam), "can" (bench/instr/cancycler/, through its DBC),
 * "sim" (bench/sim/sim_instr.c, in-process simulator).
 * Current is positive on charge, in mA; voltages in mV.
 */
#ifndef BENCH_INSTR_H
#define BENCH_INSTR_H

#include <stdbool.h>
#include <stdint.h>

#define INSTR_VOLTAGE (1u << 0)
#define INSTR_CURRENT (1u << 1)
#define INSTR_POWER (1u << 2)
#define INSTR_OUTPUT (1u << 3)

/* Validity mask marks which fields the backend filled (libsigrok style). */
struct instr_state {
	uint32_t mask;
	int32_t voltage_mV;
	int32_t current_mA;
	int32_t power_mW;
	bool output_on;
};

struct instr;
struct canframe;

struct instr_ops {
	const char *name;
	/* *IDN?-style identification into buf */
	int (*identify)(struct instr *in, char *buf, int len);
	/* CC setpoint, signed (+ charge, - discharge) */
	int (*set_current)(struct instr *in, int32_t current_mA);
	/* CV setpoint / compliance voltage for charge and discharge */
	int (*set_voltage)(struct instr *in, int32_t charge_mV,
			   int32_t discharge_mV);
	int (*set_output)(struct instr *in, bool on);
	int (*measure)(struct instr *in, struct instr_state *st);
	/* Called every control tick: keepalive, async receive. May be NULL. */
	int (*poll)(struct instr *in, int64_t now_us);
	void (*close)(struct instr *in);
	/* A frame from a shared CAN bus (see instr_rx_frame). May be NULL. */
	int (*rx_frame)(struct instr *in, const struct canframe *f,
			int64_t t_us);
};

struct instr {
	const struct instr_ops *ops;
	void *priv;
	char idn[128];
};

/* Safe stop: current 0, then output off; the output goes off even when
 * the zero setpoint failed. Returns the first failure (the drivers log
 * it; the controller counts it as a failed command). */
int instr_safe_off(struct instr *in);

struct canbus;

/* What the bench file says about the cycler ([cycler] section). */
struct instr_cfg {
	const char *kind; /* "scpi" | "can" ("sim": sim_instr() instead) */
	/* scpi */
	const char *port;   /* xport connection string: "/dev/ttyUSB0",
			     * "pty:/dev/pts/3", "tty:/dev/ttyS2" */
	const char *serial; /* "115200/8n1"; NULL = that */
	const char *model;  /* "generic" | "ea-psb" | "itech-it6000";
			     * NULL = "generic" */
	/* can */
	struct canbus *bus;   /* opened by the controller, not closed here */
	const char *dbc_path; /* the cycler's DBC (sim_cycler.dbc names) */
	bool bus_shared;      /* the controller reads the bus and routes
			       * frames with instr_rx_frame(); the driver
			       * then only sends */
	int timeout_ms;	      /* reply (scpi) or status (can) timeout;
			       * 0 = 1000 */
};

/* Open the backend named by cfg->kind. The result is closed with
 * instr_close(). BENCH_ERR_ARG for an unknown kind or model. */
int instr_open(const struct instr_cfg *cfg, struct instr **out);
/* ops->close if in is not NULL. */
void instr_close(struct instr *in);

/* Give a CAN-bus backend a frame the controller read from a shared bus.
 * 1 = the frame was the instrument's, 0 = not, < 0 error. Backends without
 * CAN return 0. */
int instr_rx_frame(struct instr *in, const struct canframe *f, int64_t t_us);

#endif
