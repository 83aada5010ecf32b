/* SPDX-License-Identifier: Apache-2.0 */
/* benchcfg.h - the bench file (--bench BENCH.ini): which hardware this
 * channel uses.
 *
 *   [bench]   id, operator
 *   [bms]     bus (SocketCAN interface, or "sim"), bitrate, restart_ms
 *   [cycler]  kind = scpi | can | sim
 *             scpi: port, serial (115200/8n1), model (generic|ea-psb|
 *                   itech-it6000)
 *             can:  bus, dbc (relative to the bench file's directory)
 *   [telemetry] optional MQTT publishing (docs/telemetry.md): url
 *             (mqtt://HOST:PORT or mqtts://), ca, cert, key, username,
 *             password_file (paths relative to the bench file), lab,
 *             linger_s
 *   [limits]  optional hard-limit overrides, the tighter wins:
 *             cell_voltage = 2.45 V to 4.25 V, temperature = -10 C to 55 C,
 *             current = -1C to 1C (or A), pack_voltage = 300 V to 410 V
 *
 * Unknown sections/keys and bad values are errors "FILE:LINE: key 'k': ...".
 */
#ifndef BENCH_BENCHCFG_H
#define BENCH_BENCHCFG_H

#include <stdint.h>

#include "bench/recipe.h"

#define BENCHCFG_STR_LEN 128
#define BENCHCFG_PATH_LEN 512

enum benchcfg_cycler {
	BENCHCFG_CYCLER_SIM = 0,
	BENCHCFG_CYCLER_SCPI,
	BENCHCFG_CYCLER_CAN,
};

/* [telemetry]: strings only; the process does the connecting. */
struct benchcfg_telemetry {
	char url[256]; /* "" = no telemetry */
	char ca[BENCHCFG_PATH_LEN], cert[BENCHCFG_PATH_LEN];
	char key[BENCHCFG_PATH_LEN], password_file[BENCHCFG_PATH_LEN];
	char username[64];
	char lab[64];
	double linger_s; /* < 0: the default */
};

struct benchcfg {
	char id[64];
	char operator_name[64];
	char bms_bus[64];	 /* "sim" or an interface name */
	uint32_t bms_bitrate;	 /* 0: leave as configured */
	uint32_t bms_restart_ms; /* 0: no automatic bus-off restart */
	enum benchcfg_cycler cycler;
	char scpi_port[BENCHCFG_STR_LEN];
	char scpi_serial[32]; /* "115200/8n1" */
	char scpi_model[32];  /* "generic" | "ea-psb" | "itech-it6000" */
	char cycler_bus[64];
	char cycler_dbc[BENCHCFG_PATH_LEN]; /* resolved against the file */
	struct recipe_limits limits;	    /* [limits] */
	struct benchcfg_telemetry telemetry;
	char *text; /* owned copy of the INI text */
	char error[256];
};

/* Defaults without a file: everything simulated ("sim"). */
void benchcfg_defaults(struct benchcfg *b);

int benchcfg_parse(const char *text, const char *name, const char *base_dir,
		   struct benchcfg *b);
int benchcfg_load_file(const char *path, struct benchcfg *b);
void benchcfg_release(struct benchcfg *b);

const char *benchcfg_cycler_name(enum benchcfg_cycler k); /* "scpi" ... */

#endif
