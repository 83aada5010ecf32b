/* SPDX-License-Identifier: Apache-2.0 */
/* protocol.h - CAN-controlled cycler: the frames, through its DBC.
 *
 * Message and signal names (fixtures/dbc/sim_cycler.dbc; a real cycler
 * gets a DBC with the same names):
 *
 *   CYC_Command 0x200, bench -> cycler, every 100 ms
 *     Cyc_Enable      1 bit      output on
 *     Cyc_CurrentSet  0.01 A     signed, + = charge
 *     Cyc_VoltageMax  0.01 V     CV limit on charge
 *     Cyc_VoltageMin  0.01 V     CV limit on discharge
 *     Cyc_Alive       4 bit      counts up per frame
 *   CYC_Status 0x210, cycler -> bench, every 100 ms
 *     Cyc_VoltageMeas 0.01 V, Cyc_CurrentMeas 0.01 A signed,
 *     Cyc_OutputOn, Cyc_Fault, Cyc_Mode (0 off, 1 CC, 2 CV)
 *   CYC_Ident 0x211, cycler -> bench
 *     Cyc_Model (optional: Cyc_FwMajor, Cyc_FwMinor, Cyc_Serial)
 *
 * Ids come from the DBC, so a cycler at other ids needs only its DBC.
 */
#ifndef BENCH_INSTR_CANCYCLER_PROTOCOL_H
#define BENCH_INSTR_CANCYCLER_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

struct canbus;
struct canframe;
struct dbc;
struct dbc_msg;
struct dbc_sig;
struct instr;
struct instr_cfg;

#define CYC_PERIOD_US 100000

enum cyc_mode { CYC_MODE_OFF = 0, CYC_MODE_CC = 1, CYC_MODE_CV = 2 };

struct cyc_cmd {
	bool enable;
	int32_t current_mA;
	int32_t voltage_max_mV;
	int32_t voltage_min_mV;
	uint8_t alive; /* 0..15 */
};

struct cyc_status {
	int32_t voltage_mV;
	int32_t current_mA;
	bool output_on;
	bool fault;
	uint8_t mode; /* enum cyc_mode */
};

struct cyc_ident {
	unsigned model;
	unsigned fw_major, fw_minor;
	uint32_t serial;
	bool has_fw, has_serial;
};

/* The DBC's messages and signals, resolved once by name. */
struct cyc_db {
	const struct dbc_msg *cmd, *status, *ident;
	const struct dbc_sig *enable, *current_set, *voltage_max, *voltage_min,
	    *alive;
	const struct dbc_sig *voltage_meas, *current_meas, *output_on, *fault,
	    *mode;
	const struct dbc_sig *model, *fw_major, *fw_minor, *serial;
};

/* Resolve every name; BENCH_ERR_ARG naming the first one missing. */
int cyc_db_bind(const struct dbc *db, struct cyc_db *out);

int cyc_encode_command(const struct cyc_db *c, const struct cyc_cmd *cmd,
		       struct canframe *f);
/* 1 = decoded, 0 = the frame is not that message. */
int cyc_decode_status(const struct cyc_db *c, const struct canframe *f,
		      struct cyc_status *st);
int cyc_decode_ident(const struct cyc_db *c, const struct canframe *f,
		     struct cyc_ident *id);

/* api.c: open for instr_open kind "can" (cfg->bus, cfg->dbc_path). */
int cancycler_instr_open(const struct instr_cfg *cfg, struct instr **out);

#endif
