/* SPDX-License-Identifier: Apache-2.0 */
/* gbt.h - GB/T 27930 (China DC charging, charger <-> BMS) message codec.
 *
 * Pure byte layouts (docs/gbt27930.md): little-endian, voltages 0.1 V/bit,
 * currents 0.1 A/bit with -400 A offset (GB/T sign: positive = discharge,
 * negative = charge), temperatures 1 degC/bit with -50 degC offset. Unused
 * and absent bits are sent as 1; decoders accept 0 or 1 there. Lengths
 * that differ between the 2011 and 2015 editions (BRM, CML, CCS, CSD)
 * follow the edition on encode and are all accepted on decode.
 * Every encoder returns the length written to out (at most
 * GBT_MAX_LEN); every decoder returns BENCH_OK or BENCH_ERR_PROTO for a
 * payload too short for its mandatory fields.
 */
#ifndef BENCH_GBT_H
#define BENCH_GBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GBT_ADDR_CHARGER 0x56
#define GBT_ADDR_BMS 0xF4
#define GBT_MAX_LEN 512 /* BMV: 256 cells of 2 bytes */
#define GBT_BMV_MAX 256
#define GBT_BMT_MAX 128
#define GBT_BSP_MAX 16

enum gbt_edition { GBT_2011 = 0, GBT_2015 };

enum gbt_pgn {
	GBT_CRM = 0x0100,
	GBT_BRM = 0x0200,
	GBT_BCP = 0x0600,
	GBT_CTS = 0x0700,
	GBT_CML = 0x0800,
	GBT_BRO = 0x0900,
	GBT_CRO = 0x0A00,
	GBT_BCL = 0x1000,
	GBT_BCS = 0x1100,
	GBT_CCS = 0x1200,
	GBT_BSM = 0x1300,
	GBT_BMV = 0x1500,
	GBT_BMT = 0x1600,
	GBT_BSP = 0x1700,
	GBT_BST = 0x1900,
	GBT_CST = 0x1A00,
	GBT_BSD = 0x1C00,
	GBT_CSD = 0x1D00,
	GBT_BEM = 0x1E00,
	GBT_CEM = 0x1F00,
	GBT_CHM = 0x2600,
	GBT_BHM = 0x2700,
};

/* The table row of one message: its name, priority, sender, lengths. */
struct gbt_msg_info {
	uint32_t pgn;
	const char *name;
	uint8_t prio;
	bool from_bms;
	bool variable;		     /* BMV, BMT, BSP: any length */
	uint16_t len_2015, len_2011; /* len_2011 0 = not in 2011 */
};

const struct gbt_msg_info *gbt_msg_info(uint32_t pgn);
const char *gbt_msg_name(uint32_t pgn); /* "PGN?" when unknown */

#define GBT_RECOGNISED 0xAA /* CRM */
#define GBT_READY 0xAA	    /* BRO, CRO */
#define GBT_NOT_READY 0x00

/* 2-bit status fields of BST, CST, BEM and CEM: field i is byte i/4,
 * bits 2*(i%4)..; codes 0 normal, 1 set (timeout, fault, reached),
 * 2 untrusted, 3 unused. */
#define GBT_FIELD(byte, pair) ((byte)*4 + (pair))
enum gbt_bem_field {
	GBT_BEM_CRM_00 = GBT_FIELD(0, 0),
	GBT_BEM_CRM_AA = GBT_FIELD(0, 1),
	GBT_BEM_CML = GBT_FIELD(1, 0), /* CTS/CML */
	GBT_BEM_CRO = GBT_FIELD(1, 1),
	GBT_BEM_CCS = GBT_FIELD(2, 0),
	GBT_BEM_CST = GBT_FIELD(2, 1),
	GBT_BEM_CSD = GBT_FIELD(3, 0),
};
enum gbt_cem_field {
	GBT_CEM_BRM = GBT_FIELD(0, 0),
	GBT_CEM_BCP = GBT_FIELD(1, 0),
	GBT_CEM_BRO = GBT_FIELD(1, 1),
	GBT_CEM_BCS = GBT_FIELD(2, 0),
	GBT_CEM_BCL = GBT_FIELD(2, 1),
	GBT_CEM_BST = GBT_FIELD(2, 2),
	GBT_CEM_BSD = GBT_FIELD(3, 0),
};
enum gbt_bst_field {
	GBT_BST_SOC_REACHED = GBT_FIELD(0, 0),
	GBT_BST_VOLTAGE_REACHED = GBT_FIELD(0, 1),
	GBT_BST_CELL_VOLTAGE_REACHED = GBT_FIELD(0, 2),
	GBT_BST_CHARGER_STOP = GBT_FIELD(0, 3),
	GBT_BST_INSULATION = GBT_FIELD(1, 0),
	GBT_BST_CONNECTOR_OVERTEMP = GBT_FIELD(1, 1),
	GBT_BST_COMPONENT_OVERTEMP = GBT_FIELD(1, 2),
	GBT_BST_CONNECTOR_FAULT = GBT_FIELD(1, 3),
	GBT_BST_PACK_OVERTEMP = GBT_FIELD(2, 0),
	GBT_BST_RELAY = GBT_FIELD(2, 1),
	GBT_BST_CC2 = GBT_FIELD(2, 2),
	GBT_BST_OTHER_FAULT = GBT_FIELD(2, 3),
	GBT_BST_OVERCURRENT = GBT_FIELD(3, 0),
	GBT_BST_VOLTAGE_ABNORMAL = GBT_FIELD(3, 1),
};
enum gbt_cst_field {
	GBT_CST_CONDITION_REACHED = GBT_FIELD(0, 0),
	GBT_CST_MANUAL = GBT_FIELD(0, 1),
	GBT_CST_FAULT = GBT_FIELD(0, 2),
	GBT_CST_BMS_STOP = GBT_FIELD(0, 3),
	GBT_CST_OVERTEMP = GBT_FIELD(1, 0),
	GBT_CST_CONNECTOR_FAULT = GBT_FIELD(1, 1),
	GBT_CST_INTERNAL_OVERTEMP = GBT_FIELD(1, 2),
	GBT_CST_NO_ENERGY = GBT_FIELD(1, 3),
	GBT_CST_ESTOP = GBT_FIELD(2, 0),
	GBT_CST_OTHER_FAULT = GBT_FIELD(2, 1),
	GBT_CST_CURRENT_MISMATCH = GBT_FIELD(3, 0),
	GBT_CST_VOLTAGE_ABNORMAL = GBT_FIELD(3, 1),
};

struct gbt_codes {
	uint8_t c[16];
};

/* All fields the message defines 0 (normal), the others 3 (unused). */
void gbt_codes_init(struct gbt_codes *s, uint32_t pgn);
/* Fields with code 1 as a bit mask (bit i = field i). */
uint16_t gbt_codes_set(const struct gbt_codes *s);
size_t gbt_codes_encode(const struct gbt_codes *s, uint8_t *out);
int gbt_codes_decode(const uint8_t *d, size_t len, struct gbt_codes *s);

struct gbt_version {
	uint8_t major, minor, patch; /* V1.1 = 1,1,0 */
};

struct gbt_chm {
	struct gbt_version ver;
};
struct gbt_bhm {
	uint16_t max_voltage_dV;
};
struct gbt_crm {
	uint8_t result; /* 0x00 or GBT_RECOGNISED */
	uint32_t charger_no;
	char region[3];
};
struct gbt_brm {
	struct gbt_version ver;
	uint8_t battery_type; /* 1 lead-acid .. 8 LTO, 0xFF other */
	uint16_t capacity_dAh, voltage_dV;
	char maker[4];
	uint8_t serial[4];
	uint16_t year; /* 0 = absent */
	uint8_t month, day;
	uint32_t cycles; /* 24 bits */
	uint8_t ownership;
	char vin[17];
	uint8_t sw_version[8];
	uint8_t len; /* as received: 8, 41 (2011) or 49 (2015) */
};
struct gbt_bcp {
	uint16_t cell_max_cV; /* 0.01 V */
	int16_t max_current_dA;
	uint16_t energy_hWh; /* 0.1 kWh */
	uint16_t max_voltage_dV;
	int16_t max_temp_C;
	uint16_t soc_permille;
	uint16_t voltage_dV;
};
struct gbt_cts {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};
struct gbt_cml {
	uint16_t max_voltage_dV, min_voltage_dV;
	int16_t max_current_dA, min_current_dA; /* min: 2015 only */
};
struct gbt_bcl {
	uint16_t voltage_dV;
	int16_t current_dA;
	uint8_t mode; /* 1 constant voltage, 2 constant current */
};
struct gbt_bcs {
	uint16_t voltage_dV;
	int16_t current_dA;
	uint16_t cell_max_cV;
	uint8_t cell_max_group;
	uint8_t soc_pct;
	uint16_t remaining_min;
};
struct gbt_ccs {
	uint16_t voltage_dV;
	int16_t current_dA;
	uint16_t time_min;
	bool permit; /* 2015 only */
};
enum gbt_bsm_status {
	GBT_BSM_CELL_VOLTAGE, /* 0 normal, 1 high, 2 low */
	GBT_BSM_SOC,	      /* 0 normal, 1 high, 2 low */
	GBT_BSM_OVERCURRENT,
	GBT_BSM_OVERTEMP,
	GBT_BSM_INSULATION,
	GBT_BSM_CONNECTOR,
	GBT_BSM_PERMIT, /* 0 forbid, 1 permit */
	GBT_BSM_NSTATUS
};
struct gbt_bsm {
	uint16_t cell_max_no; /* 1..256 */
	int16_t temp_max_C;
	uint8_t temp_max_probe; /* 1..128 */
	int16_t temp_min_C;
	uint8_t temp_min_probe;
	uint8_t status[GBT_BSM_NSTATUS];
};
struct gbt_bmv {
	uint16_t n;
	uint16_t cell_cV[GBT_BMV_MAX];
	uint8_t group[GBT_BMV_MAX];
};
struct gbt_bmt {
	uint16_t n;
	int16_t temp_C[GBT_BMT_MAX];
};
struct gbt_bsp {
	uint16_t n;
	uint8_t data[GBT_BSP_MAX];
};
struct gbt_bsd {
	uint8_t soc_pct;
	uint16_t cell_min_cV, cell_max_cV;
	int16_t temp_min_C, temp_max_C;
};
struct gbt_csd {
	uint16_t time_min;
	uint16_t energy_hWh;
	uint32_t charger_no; /* as on the wire (2011: one byte) */
};

/* encoders (the edition matters for BRM, CML, CCS, CSD) */
size_t gbt_encode_chm(const struct gbt_chm *m, uint8_t *out);
size_t gbt_encode_bhm(const struct gbt_bhm *m, uint8_t *out);
size_t gbt_encode_crm(const struct gbt_crm *m, uint8_t *out);
size_t gbt_encode_brm(const struct gbt_brm *m, enum gbt_edition ed,
		      uint8_t *out);
size_t gbt_encode_bcp(const struct gbt_bcp *m, uint8_t *out);
size_t gbt_encode_cts(const struct gbt_cts *m, uint8_t *out);
size_t gbt_encode_cml(const struct gbt_cml *m, enum gbt_edition ed,
		      uint8_t *out);
size_t gbt_encode_ready(uint8_t ready, uint8_t *out); /* BRO, CRO */
size_t gbt_encode_bcl(const struct gbt_bcl *m, uint8_t *out);
size_t gbt_encode_bcs(const struct gbt_bcs *m, uint8_t *out);
size_t gbt_encode_ccs(const struct gbt_ccs *m, enum gbt_edition ed,
		      uint8_t *out);
size_t gbt_encode_bsm(const struct gbt_bsm *m, uint8_t *out);
size_t gbt_encode_bmv(const struct gbt_bmv *m, uint8_t *out);
size_t gbt_encode_bmt(const struct gbt_bmt *m, uint8_t *out);
size_t gbt_encode_bsp(const struct gbt_bsp *m, uint8_t *out);
size_t gbt_encode_bsd(const struct gbt_bsd *m, uint8_t *out);
size_t gbt_encode_csd(const struct gbt_csd *m, enum gbt_edition ed,
		      uint8_t *out);

/* decoders */
int gbt_decode_chm(const uint8_t *d, size_t len, struct gbt_chm *m);
int gbt_decode_bhm(const uint8_t *d, size_t len, struct gbt_bhm *m);
int gbt_decode_crm(const uint8_t *d, size_t len, struct gbt_crm *m);
int gbt_decode_brm(const uint8_t *d, size_t len, struct gbt_brm *m);
int gbt_decode_bcp(const uint8_t *d, size_t len, struct gbt_bcp *m);
int gbt_decode_cts(const uint8_t *d, size_t len, struct gbt_cts *m);
int gbt_decode_cml(const uint8_t *d, size_t len, struct gbt_cml *m);
int gbt_decode_ready(const uint8_t *d, size_t len, uint8_t *ready);
int gbt_decode_bcl(const uint8_t *d, size_t len, struct gbt_bcl *m);
int gbt_decode_bcs(const uint8_t *d, size_t len, struct gbt_bcs *m);
int gbt_decode_ccs(const uint8_t *d, size_t len, struct gbt_ccs *m);
int gbt_decode_bsm(const uint8_t *d, size_t len, struct gbt_bsm *m);
int gbt_decode_bmv(const uint8_t *d, size_t len, struct gbt_bmv *m);
int gbt_decode_bmt(const uint8_t *d, size_t len, struct gbt_bmt *m);
int gbt_decode_bsp(const uint8_t *d, size_t len, struct gbt_bsp *m);
int gbt_decode_bsd(const uint8_t *d, size_t len, struct gbt_bsd *m);
int gbt_decode_csd(const uint8_t *d, size_t len, struct gbt_csd *m);

#endif
