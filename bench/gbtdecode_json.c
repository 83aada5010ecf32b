/* SPDX-License-Identifier: Apache-2.0 */
/* gbtdecode_json.c - the session's facts as JSON, the names of codes and
 * events (docs/gbt27930.md, "Decoding a capture"). */
#include <stdio.h>
#include <string.h>

#include "bench/gbtdecode.h"
#include "common/json.h"

#define NUM "%.6g"
#define HAVE(f, pgn) ((f)->have & GBTDECODE_HAVE(pgn))

static const char *const ev_keys[GBTDECODE_EV_N] = {
    [GBTDECODE_TP_BAD_SEQ] = "tp_bad_sequence",
    [GBTDECODE_TP_TIMEOUT] = "tp_timeout",
    [GBTDECODE_TP_BAD_SIZE] = "tp_bad_size",
    [GBTDECODE_TP_ABORT] = "tp_abort",
    [GBTDECODE_TP_STRAY] = "tp_without_transfer",
    [GBTDECODE_TP_RESTART] = "tp_restarted",
    [GBTDECODE_TP_BUSY] = "tp_too_many",
    [GBTDECODE_UNKNOWN_PGN] = "unknown_pgn",
    [GBTDECODE_OTHER_ADDRESS] = "other_address",
    [GBTDECODE_WRONG_SENDER] = "wrong_sender",
    [GBTDECODE_MALFORMED] = "malformed",
};

const char *gbtdecode_ev_key(enum gbtdecode_ev ev)
{
	return ev < GBTDECODE_EV_N ? ev_keys[ev] : "?";
}

static const char *const phase_names[GBTDECODE_PHASE_N] = {
    "handshake", "recognition", "config", "charging",
    "stopping",	 "statistics",	"error",
};

const char *gbtdecode_phase_name(enum gbtdecode_phase ph)
{
	return ph < GBTDECODE_PHASE_N ? phase_names[ph] : "?";
}

/* The 2-bit fields' names per message, by GBT_FIELD index. */
static const char *const bst_names[16] = {
    [GBT_BST_SOC_REACHED] = "soc_reached",
    [GBT_BST_VOLTAGE_REACHED] = "voltage_reached",
    [GBT_BST_CELL_VOLTAGE_REACHED] = "cell_voltage_reached",
    [GBT_BST_CHARGER_STOP] = "charger_stopped",
    [GBT_BST_INSULATION] = "insulation_fault",
    [GBT_BST_CONNECTOR_OVERTEMP] = "connector_overtemperature",
    [GBT_BST_COMPONENT_OVERTEMP] = "component_overtemperature",
    [GBT_BST_CONNECTOR_FAULT] = "connector_fault",
    [GBT_BST_PACK_OVERTEMP] = "pack_overtemperature",
    [GBT_BST_RELAY] = "relay_fault",
    [GBT_BST_CC2] = "cc2_voltage_fault",
    [GBT_BST_OTHER_FAULT] = "other_fault",
    [GBT_BST_OVERCURRENT] = "overcurrent",
    [GBT_BST_VOLTAGE_ABNORMAL] = "voltage_abnormal",
};
static const char *const cst_names[16] = {
    [GBT_CST_CONDITION_REACHED] = "condition_reached",
    [GBT_CST_MANUAL] = "manual",
    [GBT_CST_FAULT] = "fault",
    [GBT_CST_BMS_STOP] = "bms_stopped",
    [GBT_CST_OVERTEMP] = "charger_overtemperature",
    [GBT_CST_CONNECTOR_FAULT] = "connector_fault",
    [GBT_CST_INTERNAL_OVERTEMP] = "internal_overtemperature",
    [GBT_CST_NO_ENERGY] = "energy_cannot_be_delivered",
    [GBT_CST_ESTOP] = "emergency_stop",
    [GBT_CST_OTHER_FAULT] = "other_fault",
    [GBT_CST_CURRENT_MISMATCH] = "current_mismatch",
    [GBT_CST_VOLTAGE_ABNORMAL] = "voltage_abnormal",
};
static const char *const bem_names[16] = {
    [GBT_BEM_CRM_00] = "crm_00_timeout", [GBT_BEM_CRM_AA] = "crm_aa_timeout",
    [GBT_BEM_CML] = "cml_timeout",	 [GBT_BEM_CRO] = "cro_timeout",
    [GBT_BEM_CCS] = "ccs_timeout",	 [GBT_BEM_CST] = "cst_timeout",
    [GBT_BEM_CSD] = "csd_timeout",
};
static const char *const cem_names[16] = {
    [GBT_CEM_BRM] = "brm_timeout", [GBT_CEM_BCP] = "bcp_timeout",
    [GBT_CEM_BRO] = "bro_timeout", [GBT_CEM_BCS] = "bcs_timeout",
    [GBT_CEM_BCL] = "bcl_timeout", [GBT_CEM_BST] = "bst_timeout",
    [GBT_CEM_BSD] = "bsd_timeout",
};

static const char *const battery_types[] = {
    [1] = "lead_acid", [2] = "nimh",	[3] = "lfp",	 [4] = "limn2o4",
    [5] = "licoo2",    [6] = "ternary", [7] = "polymer", [8] = "lto",
};

static void key_opt(struct json *j, const char *key, bool have, double v)
{
	json_key(j, key);
	if (have)
		json_num(j, v, NUM);
	else
		json_null(j);
}

/* The fields at code 1 by name; null if the message never came. */
static void codes(struct json *j, const char *key, bool have,
		  const struct gbt_codes *c, const char *const names[16])
{
	char other[16];

	json_key(j, key);
	if (!have) {
		json_null(j);
		return;
	}
	json_arr(j);
	for (unsigned i = 0; i < 16; i++) {
		if (c->c[i] != 1)
			continue;
		snprintf(other, sizeof(other), "field_%u_%u", i / 4 + 1,
			 i % 4 * 2 + 1);
		json_str(j, names[i] ? names[i] : other);
	}
	json_end(j);
}

/* Printable ASCII with the 0x00/0xFF/space padding dropped; null if none. */
static void ascii(struct json *j, const char *key, const char *s, size_t n)
{
	char buf[32];
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof(buf) - 1; i++)
		if (s[i] > ' ' && s[i] < 0x7F)
			buf[k++] = s[i];
	buf[k] = '\0';
	if (k)
		json_key_str(j, key, buf);
	else {
		json_key(j, key);
		json_null(j);
	}
}

static void version(struct json *j, const char *key, bool have,
		    const struct gbt_version *v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->patch);
	if (have)
		json_key_str(j, key, buf);
	else {
		json_key(j, key);
		json_null(j);
	}
}

static void identity(const struct gbtdecode_facts *f, struct json *j)
{
	const struct gbt_brm *b = &f->brm;
	bool brm = HAVE(f, GBT_BRM), opt = brm && b->len >= 41;
	char date[16];

	version(j, "charger_protocol_version", HAVE(f, GBT_CHM), &f->chm.ver);
	version(j, "bms_protocol_version", brm, &b->ver);
	json_key(j, "battery_type");
	if (brm && b->battery_type < sizeof(battery_types) / sizeof(char *) &&
	    battery_types[b->battery_type])
		json_str(j, battery_types[b->battery_type]);
	else if (brm)
		json_str(j, "other");
	else
		json_null(j);
	ascii(j, "maker", opt ? b->maker : "", opt ? sizeof(b->maker) : 0);
	ascii(j, "vin", opt ? b->vin : "", opt ? sizeof(b->vin) : 0);
	json_key(j, "production_date");
	if (opt && b->year && b->month >= 1 && b->month <= 12 && b->day >= 1 &&
	    b->day <= 31) {
		snprintf(date, sizeof(date), "%04u-%02u-%02u", b->year,
			 b->month, b->day);
		json_str(j, date);
	} else {
		json_null(j);
	}
	key_opt(j, "charge_cycles", opt && b->cycles != 0xFFFFFF, b->cycles);
}

static void limits(const struct gbtdecode_facts *f, struct json *j)
{
	bool bcp = HAVE(f, GBT_BCP), cml = HAVE(f, GBT_CML);

	key_opt(j, "bms_max_voltage_volt", HAVE(f, GBT_BHM),
		f->bhm.max_voltage_dV / 10.0);
	key_opt(j, "cell_voltage_limit_volt", bcp, f->bcp.cell_max_cV / 100.0);
	key_opt(j, "charge_current_limit_ampere", bcp,
		-f->bcp.max_current_dA / 10.0);
	key_opt(j, "voltage_limit_volt", bcp, f->bcp.max_voltage_dV / 10.0);
	key_opt(j, "temperature_limit_celsius", bcp, f->bcp.max_temp_C);
	key_opt(j, "energy_kwh", bcp, f->bcp.energy_hWh / 10.0);
	key_opt(j, "charger_max_voltage_volt", cml,
		f->cml.max_voltage_dV / 10.0);
	key_opt(j, "charger_min_voltage_volt", cml,
		f->cml.min_voltage_dV / 10.0);
	key_opt(j, "charger_max_current_ampere", cml,
		-f->cml.max_current_dA / 10.0);
	key_opt(j, "charger_min_current_ampere", cml && f->cml_len >= 8,
		-f->cml.min_current_dA / 10.0);
}

static void charging(const struct gbtdecode_facts *f, struct json *j)
{
	static const char *const modes[] = {
	    [1] = "constant_voltage", [2] = "constant_current"};
	bool bcl = HAVE(f, GBT_BCL), ccs = HAVE(f, GBT_CCS);
	bool bcs = HAVE(f, GBT_BCS), bsm = HAVE(f, GBT_BSM);

	key_opt(j, "demand_voltage_volt", bcl, f->bcl.voltage_dV / 10.0);
	key_opt(j, "demand_current_ampere", bcl, -f->bcl.current_dA / 10.0);
	json_key(j, "demand_mode");
	if (bcl && f->bcl.mode < 3 && modes[f->bcl.mode])
		json_str(j, modes[f->bcl.mode]);
	else
		json_null(j);
	key_opt(j, "charger_voltage_volt", ccs, f->ccs.voltage_dV / 10.0);
	key_opt(j, "charger_current_ampere", ccs, -f->ccs.current_dA / 10.0);
	key_opt(j, "charge_minutes", ccs, f->ccs.time_min);
	json_key(j, "charger_permits");
	if (ccs && f->ccs_len >= 8)
		json_bool(j, f->ccs.permit);
	else
		json_null(j);
	key_opt(j, "remaining_minutes", bcs, f->bcs.remaining_min);
	key_opt(j, "cell_voltage_highest_volt", bcs,
		f->bcs.cell_max_cV / 100.0);
	key_opt(j, "cell_highest_group", bcs, f->bcs.cell_max_group);
	key_opt(j, "cell_highest_number", bsm, f->bsm.cell_max_no);
	key_opt(j, "temperature_highest_celsius", bsm, f->bsm.temp_max_C);
	key_opt(j, "temperature_highest_probe", bsm, f->bsm.temp_max_probe);
	key_opt(j, "temperature_lowest_celsius", bsm, f->bsm.temp_min_C);
	key_opt(j, "temperature_lowest_probe", bsm, f->bsm.temp_min_probe);
}

/* BSM's abnormal statuses by name; null before the first BSM. */
static void bsm_faults(const struct gbtdecode_facts *f, struct json *j)
{
	static const char *const names[GBT_BSM_PERMIT][3] = {
	    [GBT_BSM_CELL_VOLTAGE] = {NULL, "cell_voltage_high",
				      "cell_voltage_low"},
	    [GBT_BSM_SOC] = {NULL, "soc_high", "soc_low"},
	    [GBT_BSM_OVERCURRENT] = {NULL, "overcurrent", NULL},
	    [GBT_BSM_OVERTEMP] = {NULL, "overtemperature", NULL},
	    [GBT_BSM_INSULATION] = {NULL, "insulation_fault", NULL},
	    [GBT_BSM_CONNECTOR] = {NULL, "connector_fault", NULL},
	};
	bool bsm = HAVE(f, GBT_BSM);

	json_key(j, "bsm_faults");
	if (!bsm) {
		json_null(j);
	} else {
		json_arr(j);
		for (unsigned i = 0; i < GBT_BSM_PERMIT; i++)
			if (f->bsm.status[i] < 3 && names[i][f->bsm.status[i]])
				json_str(j, names[i][f->bsm.status[i]]);
		json_end(j);
	}
	json_key(j, "bms_permits");
	if (bsm)
		json_bool(j, f->bsm.status[GBT_BSM_PERMIT] == 1);
	else
		json_null(j);
}

static void ready(struct json *j, const char *key, bool have, uint8_t v)
{
	json_key(j, key);
	if (have)
		json_bool(j, v == GBT_READY);
	else
		json_null(j);
}

static void ending(const struct gbtdecode_facts *f, struct json *j)
{
	bool bsd = HAVE(f, GBT_BSD), csd = HAVE(f, GBT_CSD);

	codes(j, "bst", HAVE(f, GBT_BST), &f->bst, bst_names);
	codes(j, "cst", HAVE(f, GBT_CST), &f->cst, cst_names);
	codes(j, "bem", HAVE(f, GBT_BEM), &f->bem, bem_names);
	codes(j, "cem", HAVE(f, GBT_CEM), &f->cem, cem_names);
	key_opt(j, "end_soc_percent", bsd, f->bsd.soc_pct);
	key_opt(j, "end_cell_voltage_min_volt", bsd,
		f->bsd.cell_min_cV / 100.0);
	key_opt(j, "end_cell_voltage_max_volt", bsd,
		f->bsd.cell_max_cV / 100.0);
	key_opt(j, "end_temperature_min_celsius", bsd, f->bsd.temp_min_C);
	key_opt(j, "end_temperature_max_celsius", bsd, f->bsd.temp_max_C);
	key_opt(j, "session_minutes", csd, f->csd.time_min);
	key_opt(j, "energy_delivered_kwh", csd, f->csd.energy_hWh / 10.0);
}

void gbtdecode_json_members(const struct gbtdecode *d, struct json *j)
{
	const struct gbtdecode_facts *f = gbtdecode_facts(d);
	const struct gbtdecode_stats *st = gbtdecode_stats(d);

	json_key(j, "gbt");
	json_obj(j);
	json_key(j, "edition");
	if (f->have_edition)
		json_str(j, f->edition == GBT_2015 ? "2015" : "2011");
	else
		json_null(j);
	json_key(j, "edition_from");
	if (f->have_edition)
		json_str(j, f->edition_from);
	else
		json_null(j);
	json_key(j, "phases");
	json_arr(j);
	for (unsigned i = 0; i < f->n_phases; i++) {
		json_obj(j);
		json_key_str(j, "phase",
			     gbtdecode_phase_name(f->phases[i].phase));
		json_key_num(j, "t", (double)f->phases[i].t_us / 1e6, "%.6f");
		json_end(j);
	}
	json_end(j);
	identity(f, j);
	limits(f, j);
	ready(j, "bms_ready", HAVE(f, GBT_BRO), f->bro);
	ready(j, "charger_ready", HAVE(f, GBT_CRO), f->cro);
	charging(f, j);
	bsm_faults(f, j);
	json_key(j, "cell_group");
	json_arr(j);
	for (unsigned i = 0; i < f->n_groups; i++)
		json_uint(j, f->cell_group[i]);
	json_end(j);
	ending(f, j);
	json_key(j, "events");
	json_obj(j);
	for (unsigned i = 0; i < GBTDECODE_EV_N; i++)
		json_key_uint(j, ev_keys[i], st->events[i]);
	json_end(j);
	json_end(j);
}
