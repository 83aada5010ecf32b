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
};

struct instr {
	const struct instr_ops *ops;
	void *priv;
	char idn[128];
};

/* Safe stop: current 0, then output off. Logs, never stops half way. */
int instr_safe_off(struct instr *in);

#endif
