/* SPDX-License-Identifier: Apache-2.0 */
/* packini.c - parse and validate the simulated pack file. */
#define LOG_PREFIX "packini"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "bench/gbt.h"
#include "common/log.h"
#include "common/rc.h"
#include "packini.h"

/* clang-format off */
const char *const packini_bms_faults[PACKINI_N_BMS_FAULTS] = {
	"Fault_CellOV",	     "Fault_CellUV", "Fault_OverTemp",
	"Fault_OverCurrent", "Fault_Comm",   "Fault_Internal",
};
/* clang-format on */

/* clang-format off */
static const char *const fault_names[SIM_FAULT_N_KINDS] = {
	[SIM_FAULT_CELL_HEATING] = "cell_heating",
	[SIM_FAULT_CELL_SHORT] = "cell_short",
	[SIM_FAULT_CELL_SENSOR_STUCK] = "cell_sensor_stuck",
	[SIM_FAULT_BMS_SILENT] = "bms_silent",
	[SIM_FAULT_CYCLER_TIMEOUT] = "cycler_timeout",
	[SIM_FAULT_BUS_OFF] = "bus_off",
	[SIM_FAULT_BMS_FAULT] = "bms_fault",
	[SIM_FAULT_CYCLER_GARBAGE] = "cycler_garbage",
	[SIM_FAULT_CYCLER_ERROR] = "cycler_error",
	[SIM_FAULT_CYCLER_UNPLUGGED] = "cycler_unplugged",
	[SIM_FAULT_GBT_INSULATION] = "gbt_insulation",
	[SIM_FAULT_GBT_OVERTEMP] = "gbt_overtemp",
	[SIM_FAULT_GBT_STOP] = "gbt_stop",
};

/* the BMS's own reasons to stop (the charger's is not one a fault sets) */
const struct packini_bst_reason packini_bst_reasons[] = {
	{"soc_reached", GBT_BST_SOC_REACHED},
	{"voltage_reached", GBT_BST_VOLTAGE_REACHED},
	{"cell_voltage_reached", GBT_BST_CELL_VOLTAGE_REACHED},
	{"insulation", GBT_BST_INSULATION},
	{"connector_overtemp", GBT_BST_CONNECTOR_OVERTEMP},
	{"component_overtemp", GBT_BST_COMPONENT_OVERTEMP},
	{"connector_fault", GBT_BST_CONNECTOR_FAULT},
	{"pack_overtemp", GBT_BST_PACK_OVERTEMP},
	{"relay", GBT_BST_RELAY},
	{"cc2", GBT_BST_CC2},
	{"other_fault", GBT_BST_OTHER_FAULT},
	{"overcurrent", GBT_BST_OVERCURRENT},
	{"voltage_abnormal", GBT_BST_VOLTAGE_ABNORMAL},
	{NULL, 0},
};
/* clang-format on */

const char *sim_fault_name(enum sim_fault_kind k)
{
	return (unsigned)k < SIM_FAULT_N_KINDS ? fault_names[k] : "?";
}

enum val_type { V_UINT, V_DOUBLE, V_U64 };

/* [pack] keys: where they go and their valid range */
struct pack_key {
	const char *name;
	enum val_type type;
	size_t off;
	double min, max;
	bool required;
};

#define PK(n, t, f, lo, hi, req)                                               \
	{                                                                      \
		n, t, offsetof(struct pack_cfg, f), lo, hi, req                \
	}

/* clang-format off */
static const struct pack_key pack_keys[] = {
	PK("series", V_UINT, series, 1, PACKINI_MAX_SERIES, true),
	PK("parallel", V_UINT, parallel, 1, 64, false),
	PK("modules", V_UINT, modules, 1, 192, false),
	PK("probes_per_module", V_UINT, probes_per_module, 1, 8, false),
	PK("rated_capacity_ah", V_DOUBLE, rated_capacity_ah, 0.1, 2000, true),
	PK("r0_mohm", V_DOUBLE, r0_mohm, 0.001, 1000, false),
	PK("soh", V_DOUBLE, soh, 0.01, 1.5, false),
	PK("r_growth", V_DOUBLE, r_growth, 0.1, 20, false),
	PK("capacity_sigma", V_DOUBLE, capacity_sigma, 0, 0.3, false),
	PK("r_sigma", V_DOUBLE, r_sigma, 0, 0.5, false),
	PK("self_discharge_ma", V_DOUBLE, self_discharge_mA, 0, 100000, false),
	PK("initial_soc", V_DOUBLE, initial_soc, 0, 1, false),
	PK("soc_sigma", V_DOUBLE, soc_sigma, 0, 0.3, false),
	PK("ambient_c", V_DOUBLE, ambient_C, -40, 70, false),
	PK("seed", V_U64, seed, 0, 0, false),
	/* realism (docs/simulator.md): a BMS reading off by tens of mV, or a
	 * hysteresis beyond 100 mV, is no cell this models */
	PK("sensor_offset_mv_sigma", V_DOUBLE, sensor_offset_mV_sigma, 0, 20,
	   false),
	PK("hysteresis_mv", V_DOUBLE, hysteresis_mV, 0, 100, false),
};
/* clang-format on */
#define N_PACK_KEYS (sizeof(pack_keys) / sizeof(pack_keys[0]))

/* parser state shared by the line reader and the inih handler */
struct pctx {
	struct pack_cfg *cfg;
	const char *name;
	const char *text;
	size_t len, pos;
	int line; /* line of the chunk inih is handling */
	bool at_line_start;
	unsigned section_seq; /* bumped on every "[...]" header */
	int section_line;
	unsigned handled_seq; /* section_seq of the last handler call */
	/* [pack] */
	int pack_key_line[N_PACK_KEYS + 2]; /* + name, chemistry */
	int pack_line;
	bool in_pack_seen;
	bool gbt_seen; /* [gbt] cell_reports given */
	int rc;
};

static bool parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

int packini_parse_duration(const char *s, int64_t *out_us)
{
	static const struct {
		const char *unit;
		double us;
	} units[] = {
	    {"ms", 1e3},      {"s", 1e6},	 {"sec", 1e6},
	    {"second", 1e6},  {"seconds", 1e6},	 {"min", 60e6},
	    {"minute", 60e6}, {"minutes", 60e6}, {"h", 3600e6},
	    {"hour", 3600e6}, {"hours", 3600e6},
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return BENCH_ERR_ARG;
	while (isspace((unsigned char)*end))
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		double us = v * units[i].us;
		if (us > 1e15) /* 30 years: a typo, not a schedule */
			return BENCH_ERR_ARG;
		*out_us = (int64_t)llround(us);
		return BENCH_OK;
	}
	return BENCH_ERR_ARG;
}

#define BAD(c, key, ...)                                                       \
	do {                                                                   \
		char msg_[320];                                                \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                     \
		log_err("%s:%d: key '%s': %s", (c)->name, (c)->line, key,      \
			msg_);                                                 \
		(c)->rc = BENCH_ERR_ARG;                                       \
		return 0;                                                      \
	} while (0)

static int pack_key(struct pctx *c, const char *key, const char *val)
{
	struct pack_cfg *cfg = c->cfg;

	if (!strcmp(key, "name")) {
		if (c->pack_key_line[N_PACK_KEYS])
			BAD(c, key, "given twice (line %d)",
			    c->pack_key_line[N_PACK_KEYS]);
		if (!*val || strlen(val) >= sizeof(cfg->name))
			BAD(c, key, "'%s' must be 1..%zu characters", val,
			    sizeof(cfg->name) - 1);
		for (const char *p = val; *p; p++)
			if (!isgraph((unsigned char)*p))
				BAD(c, key,
				    "'%s' has a space or control "
				    "character",
				    val);
		strcpy(cfg->name, val);
		c->pack_key_line[N_PACK_KEYS] = c->line;
		return 1;
	}
	if (!strcmp(key, "bms")) {
		if (cfg->bms)
			BAD(c, key, "given twice (line %d)", cfg->bms_line);
		if (!*val)
			BAD(c, key, "expected a profile name or path");
		cfg->bms = strdup(val);
		if (!cfg->bms)
			BAD(c, key, "out of memory");
		cfg->bms_line = c->line;
		return 1;
	}
	if (!strcmp(key, "chemistry")) {
		if (c->pack_key_line[N_PACK_KEYS + 1])
			BAD(c, key, "given twice (line %d)",
			    c->pack_key_line[N_PACK_KEYS + 1]);
		if (!strcmp(val, "nmc"))
			cfg->chem = OCV_NMC;
		else if (!strcmp(val, "lfp"))
			cfg->chem = OCV_LFP;
		else
			BAD(c, key, "'%s' is not nmc or lfp", val);
		c->pack_key_line[N_PACK_KEYS + 1] = c->line;
		return 1;
	}
	for (size_t i = 0; i < N_PACK_KEYS; i++) {
		const struct pack_key *k = &pack_keys[i];
		void *dst = (char *)cfg + k->off;
		double d;
		uint64_t u;

		if (strcmp(key, k->name))
			continue;
		if (c->pack_key_line[i])
			BAD(c, key, "given twice (line %d)",
			    c->pack_key_line[i]);
		if (k->type == V_U64) {
			if (!parse_u64(val, &u))
				BAD(c, key,
				    "'%s' is not a non-negative integer", val);
			*(uint64_t *)dst = u;
		} else if (k->type == V_UINT) {
			if (!parse_u64(val, &u) || u < k->min || u > k->max)
				BAD(c, key, "'%s' is not an integer in %g..%g",
				    val, k->min, k->max);
			*(unsigned *)dst = (unsigned)u;
		} else {
			if (!parse_double(val, &d) || d < k->min || d > k->max)
				BAD(c, key, "'%s' is not a number in %g..%g",
				    val, k->min, k->max);
			*(double *)dst = d;
		}
		c->pack_key_line[i] = c->line;
		return 1;
	}
	BAD(c, key, "unknown key in [pack]");
}

static int cell_key(struct pctx *c, struct pack_cell_ovr *o, const char *key,
		    const char *val)
{
	double d;

	if (!parse_double(val, &d))
		BAD(c, key, "'%s' is not a number", val);
	if (!strcmp(key, "soh")) {
		if (d <= 0 || d > 1.5)
			BAD(c, key, "%g is outside 0 (excluded)..1.5", d);
		o->soh = d;
		o->has_soh = true;
	} else if (!strcmp(key, "r_growth")) {
		if (d < 0.1 || d > 20)
			BAD(c, key, "%g is outside 0.1..20", d);
		o->r_growth = d;
		o->has_r_growth = true;
	} else if (!strcmp(key, "soc_offset")) {
		if (d < -1 || d > 1)
			BAD(c, key, "%g is outside -1..1", d);
		o->soc_offset = d;
		o->has_soc_offset = true;
	} else if (!strcmp(key, "self_discharge_ma")) {
		if (d < 0 || d > 100000)
			BAD(c, key, "%g is outside 0..100000", d);
		o->self_discharge_mA = d;
		o->has_self_discharge = true;
	} else {
		BAD(c, key, "unknown key in [cell %u]", o->index);
	}
	return 1;
}

static int fault_key(struct pctx *c, struct pack_fault *f, const char *key,
		     const char *val)
{
	bool is_cell = f->kind == SIM_FAULT_CELL_HEATING ||
		       f->kind == SIM_FAULT_CELL_SHORT ||
		       f->kind == SIM_FAULT_CELL_SENSOR_STUCK;
	uint32_t bit;
	double d;
	uint64_t u;

	if (!strcmp(key, "at")) {
		bit = 1;
		if (packini_parse_duration(val, &f->at_us))
			BAD(c, key,
			    "'%s' is not a time like '90 s', "
			    "'30 min' or '2 h'",
			    val);
	} else if (!strcmp(key, "cell") && is_cell) {
		bit = 2;
		if (!parse_u64(val, &u) || u < 1 || u > 100000)
			BAD(c, key, "'%s' is not a cell index", val);
		f->cell = (unsigned)u;
	} else if (!strcmp(key, "rate_c_per_min") &&
		   f->kind == SIM_FAULT_CELL_HEATING) {
		bit = 4;
		if (!parse_double(val, &d) || d <= 0 || d > 100)
			BAD(c, key, "'%s' is not a rate in 0 (excluded)..100",
			    val);
		f->rate_C_per_min = d;
	} else if (!strcmp(key, "ohm") && f->kind == SIM_FAULT_CELL_SHORT) {
		bit = 4;
		if (!parse_double(val, &d) || d < 1e-4 || d > 1e6)
			BAD(c, key, "'%s' is not a resistance in 0.0001..1e6",
			    val);
		f->short_ohm = d;
	} else if (!strcmp(key, "duration") && f->kind == SIM_FAULT_BUS_OFF) {
		bit = 4;
		if (packini_parse_duration(val, &f->duration_us) ||
		    f->duration_us <= 0)
			BAD(c, key, "'%s' is not a duration like '5 s'", val);
	} else if (!strcmp(key, "signal") && f->kind == SIM_FAULT_BMS_FAULT) {
		bit = 4;
		for (u = 0; u < PACKINI_N_BMS_FAULTS; u++)
			if (!strcmp(val, packini_bms_faults[u]))
				break;
		if (u == PACKINI_N_BMS_FAULTS)
			BAD(c, key,
			    "'%s' is not a fault signal of the "
			    "simulated BMS (Fault_CellOV, Fault_CellUV, "
			    "Fault_OverTemp, Fault_OverCurrent, "
			    "Fault_Comm, Fault_Internal)",
			    val);
		f->bms_fault_bit = (unsigned)u;
	} else if (!strcmp(key, "reason") && f->kind == SIM_FAULT_GBT_STOP) {
		bit = 4;
		for (u = 0; packini_bst_reasons[u].name; u++)
			if (!strcmp(val, packini_bst_reasons[u].name))
				break;
		if (!packini_bst_reasons[u].name)
			BAD(c, key,
			    "'%s' is not a BST reason (soc_reached, "
			    "voltage_reached, cell_voltage_reached, "
			    "insulation, connector_overtemp, "
			    "component_overtemp, connector_fault, "
			    "pack_overtemp, relay, cc2, other_fault, "
			    "overcurrent, voltage_abnormal)",
			    val);
		f->bst_field = packini_bst_reasons[u].field;
	} else {
		BAD(c, key, "unknown key for fault %s",
		    sim_fault_name(f->kind));
	}
	if (f->seen & bit)
		BAD(c, key, "given twice in this [fault %s]",
		    sim_fault_name(f->kind));
	f->seen |= bit;
	return 1;
}

static int gbt_key(struct pctx *c, const char *key, const char *val)
{
	if (strcmp(key, "cell_reports"))
		BAD(c, key, "unknown key in [gbt] (cell_reports)");
	if (c->gbt_seen)
		BAD(c, key, "given twice in [gbt]");
	c->gbt_seen = true;
	if (!strcmp(val, "no"))
		c->cfg->gbt_no_cell_reports = true;
	else if (strcmp(val, "yes"))
		BAD(c, key, "'%s' is not yes or no", val);
	return 1;
}

static int section_err(struct pctx *c, const char *section, const char *why)
{
	log_err("%s:%d: section [%s]: %s", c->name, c->section_line, section,
		why);
	c->rc = BENCH_ERR_ARG;
	return 0;
}

static struct pack_cell_ovr *cell_section(struct pctx *c, const char *section)
{
	struct pack_cfg *cfg = c->cfg;
	uint64_t idx;

	if (!parse_u64(section + 5, &idx) || idx < 1 || idx > 100000) {
		section_err(c, section, "expected [cell N] with N >= 1");
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_ovr; i++)
		if (cfg->ovr[i].index == idx)
			return &cfg->ovr[i];
	struct pack_cell_ovr *n =
	    realloc(cfg->ovr, (cfg->n_ovr + 1) * sizeof(*n));
	if (!n) {
		log_err("out of memory");
		c->rc = BENCH_ERR_MEM;
		return NULL;
	}
	cfg->ovr = n;
	n = &cfg->ovr[cfg->n_ovr++];
	memset(n, 0, sizeof(*n));
	n->index = (unsigned)idx;
	n->line = c->section_line;
	return n;
}

static struct pack_fault *fault_section(struct pctx *c, const char *section)
{
	struct pack_cfg *cfg = c->cfg;
	const char *kind = section + 6;
	int k;

	while (*kind == ' ')
		kind++;
	for (k = 0; k < SIM_FAULT_N_KINDS; k++)
		if (!strcmp(kind, fault_names[k]))
			break;
	if (k == SIM_FAULT_N_KINDS) {
		section_err(c, section,
			    "unknown fault kind (cell_heating, cell_short, "
			    "cell_sensor_stuck, bms_silent, cycler_timeout, "
			    "bus_off, bms_fault, cycler_garbage, "
			    "cycler_error, cycler_unplugged, "
			    "gbt_insulation, gbt_overtemp, gbt_stop)");
		return NULL;
	}
	/* a repeated [fault KIND] header starts a new fault */
	if (c->handled_seq != c->section_seq || !cfg->n_faults) {
		struct pack_fault *n =
		    realloc(cfg->faults, (cfg->n_faults + 1) * sizeof(*n));
		if (!n) {
			log_err("out of memory");
			c->rc = BENCH_ERR_MEM;
			return NULL;
		}
		cfg->faults = n;
		n = &cfg->faults[cfg->n_faults++];
		memset(n, 0, sizeof(*n));
		n->kind = (enum sim_fault_kind)k;
		n->line = c->section_line;
	}
	return &cfg->faults[cfg->n_faults - 1];
}

static int handler(void *user, const char *section, const char *key,
		   const char *val)
{
	struct pctx *c = user;
	int ok = 0;

	if (c->rc < 0)
		return 0; /* report only the first error */
	if (!strcmp(section, "pack")) {
		if (!c->pack_line)
			c->pack_line = c->section_line;
		ok = pack_key(c, key, val);
	} else if (!strncmp(section, "cell ", 5)) {
		struct pack_cell_ovr *o = cell_section(c, section);
		if (o)
			ok = cell_key(c, o, key, val);
	} else if (!strncmp(section, "fault ", 6)) {
		struct pack_fault *f = fault_section(c, section);
		if (f)
			ok = fault_key(c, f, key, val);
	} else if (!strcmp(section, "gbt")) {
		if (!c->cfg->gbt_line)
			c->cfg->gbt_line = c->section_line;
		ok = gbt_key(c, key, val);
	} else if (!*section) {
		BAD(c, key, "outside any section");
	} else {
		return section_err(
		    c, section,
		    "unknown section (pack, cell N, fault KIND, gbt)");
	}
	c->handled_seq = c->section_seq;
	return ok;
}

/* Feeds inih one line at a time, so the handler knows the file line. */
static char *reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;
	int n = 0;

	if (c->pos >= c->len || num < 2)
		return NULL;
	if (c->at_line_start) {
		c->line++;
		const char *p = c->text + c->pos;
		while (p < c->text + c->len && (*p == ' ' || *p == '\t'))
			p++;
		if (p < c->text + c->len && *p == '[') {
			c->section_seq++;
			c->section_line = c->line;
		}
	}
	while (n < num - 1 && c->pos < c->len) {
		char ch = c->text[c->pos++];
		str[n++] = ch ? ch : ' ';
		if (ch == '\n')
			break;
	}
	str[n] = 0;
	c->at_line_start = str[n - 1] == '\n';
	return str;
}

static int verr(struct pctx *c, int line, const char *key, const char *msg)
{
	log_err("%s:%d: key '%s': %s", c->name, line, key, msg);
	return BENCH_ERR_ARG;
}

static int validate(struct pctx *c)
{
	struct pack_cfg *cfg = c->cfg;
	bool gbt = cfg->bms && !strcmp(cfg->bms, PACKINI_BMS_GBT);
	char msg[160];

	if (!c->pack_line) {
		log_err("%s:1: section [pack]: missing", c->name);
		return BENCH_ERR_ARG;
	}
	for (size_t i = 0; i < N_PACK_KEYS; i++)
		if (pack_keys[i].required && !c->pack_key_line[i])
			return verr(c, c->pack_line, pack_keys[i].name,
				    "missing in [pack]");
	if (!c->pack_key_line[N_PACK_KEYS + 1])
		return verr(c, c->pack_line, "chemistry",
			    "missing in [pack] (nmc or lfp)");
	if (cfg->series % cfg->modules) {
		snprintf(msg, sizeof(msg),
			 "series %u is not divisible by modules %u",
			 cfg->series, cfg->modules);
		return verr(c, c->pack_key_line[2], "modules", msg);
	}
	if (cfg->modules * cfg->probes_per_module > 64) {
		snprintf(msg, sizeof(msg),
			 "%u probes exceed the BMS's 64 temperature channels",
			 cfg->modules * cfg->probes_per_module);
		return verr(
		    c, c->pack_key_line[3] ? c->pack_key_line[3] : c->pack_line,
		    "probes_per_module", msg);
	}
	if (cfg->gbt_line && !gbt) {
		log_err("%s:%d: section [gbt]: only for a GB/T BMS "
			"(bms = " PACKINI_BMS_GBT ")",
			c->name, cfg->gbt_line);
		return BENCH_ERR_ARG;
	}
	for (size_t i = 0; i < cfg->n_ovr; i++) {
		const struct pack_cell_ovr *o = &cfg->ovr[i];

		if (o->index > cfg->series) {
			log_err("%s:%d: section [cell %u]: cell index out of "
				"range 1..%u",
				c->name, o->line, o->index, cfg->series);
			return BENCH_ERR_ARG;
		}
		double soc =
		    cfg->initial_soc + (o->has_soc_offset ? o->soc_offset : 0);
		if (soc < -0.05 || soc > 1.05) {
			snprintf(msg, sizeof(msg),
				 "cell %u would start at %.0f %% SOC", o->index,
				 soc * 100);
			return verr(c, o->line, "soc_offset", msg);
		}
	}
	for (size_t i = 0; i < cfg->n_faults; i++) {
		const struct pack_fault *f = &cfg->faults[i];
		const char *k = sim_fault_name(f->kind);
		bool is_cell = f->kind <= SIM_FAULT_CELL_SENSOR_STUCK;

		snprintf(msg, sizeof(msg), "missing in [fault %s]", k);
		if (!(f->seen & 1))
			return verr(c, f->line, "at", msg);
		if (is_cell && !(f->seen & 2))
			return verr(c, f->line, "cell", msg);
		if (f->kind == SIM_FAULT_CELL_HEATING && !(f->seen & 4))
			return verr(c, f->line, "rate_c_per_min", msg);
		if (f->kind == SIM_FAULT_CELL_SHORT && !(f->seen & 4))
			return verr(c, f->line, "ohm", msg);
		if (f->kind == SIM_FAULT_BUS_OFF && !(f->seen & 4))
			return verr(c, f->line, "duration", msg);
		if (f->kind == SIM_FAULT_BMS_FAULT && !(f->seen & 4))
			return verr(c, f->line, "signal", msg);
		if (f->kind == SIM_FAULT_GBT_STOP && !(f->seen & 4))
			return verr(c, f->line, "reason", msg);
		if (f->kind >= SIM_FAULT_GBT_INSULATION && !gbt) {
			log_err("%s:%d: section [fault %s]: only for a GB/T "
				"BMS (bms = " PACKINI_BMS_GBT ")",
				c->name, f->line, k);
			return BENCH_ERR_ARG;
		}
		if (is_cell && f->cell > cfg->series) {
			snprintf(msg, sizeof(msg), "cell %u out of range 1..%u",
				 f->cell, cfg->series);
			return verr(c, f->line, "cell", msg);
		}
	}
	return BENCH_OK;
}

static void defaults(struct pack_cfg *cfg, const char *name)
{
	const char *base = strrchr(name, '/');
	size_t n;

	base = base ? base + 1 : name;
	n = strcspn(base, ".");
	if (n >= sizeof(cfg->name))
		n = sizeof(cfg->name) - 1;
	memcpy(cfg->name, base, n);
	cfg->name[n] = 0;
	cfg->chem = OCV_NMC;
	cfg->parallel = 1;
	cfg->modules = 1;
	cfg->probes_per_module = 2;
	cfg->soh = 1;
	cfg->r_growth = 1;
	cfg->self_discharge_mA = 0.3;
	cfg->initial_soc = 0.5;
	cfg->ambient_C = 25;
	cfg->seed = 1;
}

int packini_parse(const char *text, size_t len, const char *name,
		  struct pack_cfg *cfg)
{
	struct pctx c;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&c, 0, sizeof(c));
	cfg->path = strdup(name);
	if (!cfg->path) {
		log_err("out of memory");
		return BENCH_ERR_MEM;
	}
	defaults(cfg, name);
	c.cfg = cfg;
	c.name = name;
	c.text = text;
	c.len = len;
	c.at_line_start = true;
	rc = ini_parse_stream(reader, &c, handler, &c);
	if (c.rc < 0)
		return c.rc;
	if (rc) {
		/* inih's own syntax errors: its line count is ours unless a
		 * line was longer than its buffer */
		log_err("%s:%d: syntax error (expected [section] or "
			"key = value)",
			name, rc > 0 ? rc : c.line);
		return BENCH_ERR_PARSE;
	}
	if (!c.pack_key_line[5])
		/* R0 rule of thumb, grading.md (d): ~62 mOhm Ah / capacity */
		cfg->r0_mohm = 62.0 / cfg->rated_capacity_ah;
	return validate(&c);
}

int packini_load(const char *path, struct pack_cfg *cfg)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		log_err("cannot read '%s': %s", path, strerror(errno));
		rc = BENCH_ERR_IO;
		goto out;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		log_err("out of memory reading '%s'", path);
		rc = BENCH_ERR_MEM;
		goto out;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		log_err("cannot read '%s': %s", path, strerror(errno));
		rc = BENCH_ERR_IO;
		goto out;
	}
	buf[n] = 0;
	rc = packini_parse(buf, (size_t)n, path, cfg);
out:
	free(buf);
	fclose(f);
	return rc;
}

void packini_release(struct pack_cfg *cfg)
{
	free(cfg->path);
	free(cfg->bms);
	free(cfg->ovr);
	free(cfg->faults);
	memset(cfg, 0, sizeof(*cfg));
}
