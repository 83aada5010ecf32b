/* SPDX-License-Identifier: Apache-2.0 */
/* profile.c - pack profile INI (docs/profiles.md) and the simulated BMS's
 * profile. Keys are listed in profile.h and docs/profiles.md. */
#define LOG_PREFIX "profile"

#include "bench/profile.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "common/cfgini.h"
#include "bench/profile_poll.h"
#include "bench/profile_veh.h"
#include "bench/recipe.h"
#include "common/log.h"
#include "common/rc.h"

/* A current tier written as "1C", "C/2", "150" or "150A". */
struct tier_current {
	bool given;
	struct recipe_current c[3];
};

/* Keys checked against each other once the file is read: an error names
 * the line of the later one. */
static const char *const cross_keys[] = {
    "series",
    "modules",
    "probes",
    "temperature",
    "charge_current",
    "discharge_current",
    "cell_voltage_high",
    "cell_voltage_low",
    "temperature_high",
    "temperature_low",
};

struct pctx {
	struct profile *p;
	const char *base_dir;
	bool has_chem, has_series, has_rated;
	bool has_cell_high, has_cell_low, has_temp_high, has_temp_low;
	bool has_window;
	/* ocv_curve: read in finish(), once the chemistry's window is known */
	char ocv_text[2 * OCVTAB_TEXT_LEN];
	unsigned ocv_line;
	/* lines of the keys finish() checks against each other */
	unsigned lines[sizeof(cross_keys) / sizeof(cross_keys[0])];
	struct tier_current charge, discharge;
	enum diag_id fault_default; /* fault_reaction, DIAG_BMS_FAULT */
	char faults_text[512];
	unsigned faults_line;
	bool has_dbc, has_cells, has_pack_v, has_pack_i;
	unsigned protocol_line;
};

struct chem_defaults {
	const char *name;
	int32_t cell_high_mV[3], cell_low_mV[3];
	int32_t spread_window_mV[2];
	/* The chemistry's safe window: every tier of a profile, hard
	 * included, lies inside it (low, high). */
	int32_t safe_cell_mV[2];
	int32_t safe_temp_ddegC[2];
	/* a GB/T pack: its BMS holds its cells at cell_high_mV[0] itself,
	 * so the bench's steps end a little above that */
	int32_t gbt_cell_high_mV[3];
};

/* Operating limits are the chemistry's cut-offs; warning and hard sit a
 * little outside so a CV hold's few-mV overshoot never aborts. */
/* The spread window is where the OCV curve is flat enough that a spread
 * means imbalance: below ~10 % SOC (and for LFP above ~95 %) a 1 %
 * capacity difference alone reads as hundreds of mV. */
/* The safe windows are the cell makers' absolute ratings (NMC/graphite
 * 2.0-4.25 V, LFP/graphite 2.0-3.75 V; -20..60 C in use for both): a
 * profile outside them is a typo (`cell_voltage_high = 10 11 12`), and
 * its hard limit would never protect the pack. */
/* clang-format off */
static const struct chem_defaults chems[] = {
	{"nmc", {4200, 4230, 4250}, {2500, 2450, 2400}, {3300, 4150},
	 {2000, 4250}, {-200, 600}, {4230, 4240, 4250}},
	{"lfp", {3650, 3680, 3700}, {2500, 2400, 2300}, {3100, 3400},
	 {2000, 3750}, {-200, 600}, {3700, 3720, 3750}},
};
/* clang-format on */

static const struct chem_defaults *chem_find(const char *name)
{
	for (size_t i = 0; i < sizeof(chems) / sizeof(chems[0]); i++)
		if (!strcasecmp(chems[i].name, name))
			return &chems[i];
	return NULL;
}

/* Temperatures, currents and time-outs common to both chemistries. */
static void defaults_common(struct profile *p)
{
	static const int32_t th[3] = {500, 550, 600}, tl[3] = {0, -100, -200};

	memcpy(p->temp_high_ddegC, th, sizeof(th));
	memcpy(p->temp_low_ddegC, tl, sizeof(tl));
	p->spread_warn_mV = 300;
	p->spread_hard_mV = 0; /* a weak cell diverges by design: warn only */
	p->contactor_timeout_ms = 3000;
	p->cycler_timeout_ms = 3000;
	p->heartbeat_timeout_ms = 1000;
	p->current_charge_positive = true;
	p->contactor_open = 0;
	p->contactor_closed = 2;
	p->contactor_welded = -1;
	p->tx_period_ms = 100;
	p->tx_contactor_open = 0;
	p->tx_contactor_close = 1;
}

static void currents_by_rate(struct profile *p)
{
	static const double ch[3] = {1.0, 1.5, 2.0}, dis[3] = {2.0, 3.0, 4.0};
	double mAh = p->rated_capacity_ah * 1000.0;

	for (int i = 0; i < 3; i++) {
		p->charge_mA[i] = (int32_t)llround(ch[i] * mAh);
		p->discharge_mA[i] = (int32_t)llround(dis[i] * mAh);
	}
}

uint32_t profile_rated_mAh(const struct profile *p)
{
	double mAh = p->rated_capacity_ah * 1000.0;

	return mAh > UINT32_MAX ? UINT32_MAX : (uint32_t)llround(mAh);
}

/* Exactly one %u/%d conversion (optional 0 flag, one-digit width) and no
 * other '%': the pattern reaches snprintf, so nothing else may pass (a
 * width like %0377777777u would pad for seconds; found by fuzzing). */
static bool pattern_ok(const char *fmt)
{
	unsigned conv = 0;

	for (const char *s = fmt; *s; s++) {
		if (*s != '%')
			continue;
		s++;
		if (*s == '0')
			s++;
		if (*s >= '1' && *s <= '9')
			s++;
		if (*s != 'u' && *s != 'd')
			return false;
		conv++;
	}
	return conv == 1;
}

static int pattern_fill(const char *fmt, unsigned idx, char *buf, unsigned len)
{
	int n;

	if (!fmt[0] || !pattern_ok(fmt))
		return BENCH_ERR_ARG;
	n = snprintf(buf, len, fmt, idx);
	return n < 0 || (unsigned)n >= len ? BENCH_ERR_ARG : BENCH_OK;
}

int profile_cell_signal(const struct profile *p, unsigned cell, char *buf,
			unsigned len)
{
	return pattern_fill(p->cell_voltage_fmt, cell, buf, len);
}

int profile_temp_signal(const struct profile *p, unsigned probe, char *buf,
			unsigned len)
{
	return pattern_fill(p->temperature_fmt, probe, buf, len);
}

/* Three numbers "op warn hard", scaled; high: op <= warn <= hard. */
static int tier3(struct cfgini *c, const char *key, const char *value,
		 double scale, bool high, int32_t out[3])
{
	const char *s = value;
	double v[3];

	for (int i = 0; i < 3; i++)
		if (!cfgini_scan_double(&s, &v[i]))
			goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		goto bad;
	for (int i = 0; i < 2; i++)
		if (high ? v[i] > v[i + 1] : v[i] < v[i + 1])
			return cfgini_fail(c, key,
					   "expected operating, warning, hard "
					   "%s, found '%s'",
					   high ? "ascending" : "descending",
					   value);
	for (int i = 0; i < 3; i++) {
		if (fabs(v[i] * scale) > 1.0e8)
			goto bad;
		out[i] = (int32_t)llround(v[i] * scale);
	}
	return 0;
bad:
	return cfgini_fail(c, key,
			   "expected three numbers (operating warning hard), "
			   "found '%s'",
			   value);
}

/* One current: "1C", "0.5C", "C/2", "150", "150A". */
static bool scan_current(const char **s, struct recipe_current *out)
{
	const char *p = *s;
	double v;

	while (*p == ' ' || *p == '\t')
		p++;
	memset(out, 0, sizeof(*out));
	if (p[0] == 'C' && p[1] == '/') {
		p += 2;
		if (!cfgini_scan_double(&p, &v) || v <= 0.0)
			return false;
		out->is_c_rate = true;
		out->c_rate = 1.0 / v;
	} else {
		if (!cfgini_scan_double(&p, &v) || v < 0.0 || v > 1.0e5)
			return false;
		if (*p == 'C') {
			p++;
			out->is_c_rate = true;
			out->c_rate = v;
		} else {
			if (*p == 'A')
				p++;
			out->current_mA = (int32_t)llround(v * 1000.0);
		}
	}
	if (*p && *p != ' ' && *p != '\t')
		return false;
	*s = p;
	return true;
}

static int tier_current(struct cfgini *c, const char *key, const char *value,
			struct tier_current *t)
{
	const char *s = value;

	for (int i = 0; i < 3; i++)
		if (!scan_current(&s, &t->c[i]))
			goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		goto bad;
	t->given = true;
	return 0;
bad:
	return cfgini_fail(c, key,
			   "expected three currents (operating warning hard; "
			   "A or C-rate like 1C, C/2), found '%s'",
			   value);
}

static int spread(struct cfgini *c, const char *key, const char *value,
		  struct profile *p)
{
	const char *s = value;
	double w, h;

	if (!cfgini_scan_double(&s, &w) || !cfgini_scan_double(&s, &h))
		goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s || w <= 0 || h < 0 || w > 5000 || h > 5000 || (h && h < w))
		goto bad;
	p->spread_warn_mV = (int32_t)llround(w);
	p->spread_hard_mV = (int32_t)llround(h);
	return 0;
bad:
	return cfgini_fail(c, key,
			   "expected 'warning hard' in mV (hard 0 = off, else "
			   ">= warning), found '%s'",
			   value);
}

static int spread_window(struct cfgini *c, const char *key, const char *value,
			 struct profile *p)
{
	const char *s = value;
	double lo, hi;

	if (!cfgini_scan_double(&s, &lo) || !cfgini_scan_double(&s, &hi))
		goto bad;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s || lo < 0.0 || hi > 10.0 || hi <= lo)
		goto bad;
	p->spread_window_low_mV = (int32_t)llround(lo * 1000.0);
	p->spread_window_high_mV = (int32_t)llround(hi * 1000.0);
	return 0;
bad:
	return cfgini_fail(c, key,
			   "expected 'low high' cell voltages in V (like 3.3 "
			   "4.15), found '%s'",
			   value);
}

static int key_pack(struct pctx *x, struct cfgini *c, const char *k,
		    const char *v)
{
	struct profile *p = x->p;
	double d;

	if (!strcmp(k, "model"))
		return cfgini_str(c, k, v, p->model, sizeof(p->model));
	if (!strcmp(k, "chemistry")) {
		const struct chem_defaults *ch = chem_find(v);

		if (!ch)
			return cfgini_fail(
			    c, k, "expected nmc or lfp, found '%s'", v);
		snprintf(p->chemistry, sizeof(p->chemistry), "%s", ch->name);
		x->has_chem = true;
		return 0;
	}
	if (!strcmp(k, "series")) {
		x->has_series = true;
		return cfgini_uint(c, k, v, 1, 1000, &p->series);
	}
	if (!strcmp(k, "parallel"))
		return cfgini_uint(c, k, v, 1, 100, &p->parallel);
	if (!strcmp(k, "modules"))
		return cfgini_uint(c, k, v, 1, 1000, &p->modules);
	if (!strcmp(k, "rated_capacity_ah")) {
		x->has_rated = true;
		TRY(cfgini_double(c, k, v, 0.001, 100000.0, &d));
		p->rated_capacity_ah = d;
		return 0;
	}
	if (!strcmp(k, "rated_energy_wh"))
		return cfgini_double(c, k, v, 0.0, 1.0e8, &p->rated_energy_wh);
	if (!strcmp(k, "ref_r0_mohm"))
		return cfgini_double(c, k, v, 0.0, 1.0e4, &p->ref_r0_mohm);
	if (!strcmp(k, "ocv_curve")) {
		x->ocv_line = c->line;
		return cfgini_str(c, k, v, x->ocv_text, sizeof(x->ocv_text));
	}
	return cfgini_fail(c, k, "unknown key in [pack]");
}

static int key_limits(struct pctx *x, struct cfgini *c, const char *k,
		      const char *v)
{
	struct profile *p = x->p;

	if (!strcmp(k, "cell_voltage_high")) {
		x->has_cell_high = true;
		return tier3(c, k, v, 1000.0, true, p->cell_high_mV);
	}
	if (!strcmp(k, "cell_voltage_low")) {
		x->has_cell_low = true;
		return tier3(c, k, v, 1000.0, false, p->cell_low_mV);
	}
	if (!strcmp(k, "temperature_high")) {
		x->has_temp_high = true;
		return tier3(c, k, v, 10.0, true, p->temp_high_ddegC);
	}
	if (!strcmp(k, "temperature_low")) {
		x->has_temp_low = true;
		return tier3(c, k, v, 10.0, false, p->temp_low_ddegC);
	}
	if (!strcmp(k, "charge_current"))
		return tier_current(c, k, v, &x->charge);
	if (!strcmp(k, "discharge_current"))
		return tier_current(c, k, v, &x->discharge);
	if (!strcmp(k, "cell_spread_mv"))
		return spread(c, k, v, p);
	if (!strcmp(k, "cell_spread_window")) {
		x->has_window = true;
		return spread_window(c, k, v, p);
	}
	if (!strcmp(k, "contactor_timeout_ms"))
		return cfgini_uint(c, k, v, 10, 600000,
				   &p->contactor_timeout_ms);
	if (!strcmp(k, "cycler_timeout_ms"))
		return cfgini_uint(c, k, v, 10, 600000, &p->cycler_timeout_ms);
	return cfgini_fail(c, k, "unknown key in [limits]");
}

static int signal_name(struct cfgini *c, const char *k, const char *v,
		       char *buf, size_t len)
{
	for (const char *s = v; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return cfgini_fail(c, k,
					   "expected a DBC signal name, found "
					   "'%s'",
					   v);
	return cfgini_str(c, k, v, buf, len);
}

static int pattern(struct cfgini *c, const char *k, const char *v, char *buf,
		   size_t len)
{
	if (!pattern_ok(v))
		return cfgini_fail(c, k,
				   "expected a signal pattern with one %%u "
				   "(like Cell%%03u_V), found '%s'",
				   v);
	return cfgini_str(c, k, v, buf, len);
}

/* A fault signal's reaction as the profile names it, and its row. */
static const struct {
	const char *name;
	enum diag_id row;
} fault_reactions[] = {
    {"abort", DIAG_BMS_FAULT},
    {"warn", DIAG_BMS_FAULT_WARN},
    {"bench", DIAG_BMS_FAULT_BENCH},
};

static bool fault_row(const char *name, enum diag_id *row)
{
	for (size_t i = 0;
	     i < sizeof(fault_reactions) / sizeof(fault_reactions[0]); i++)
		if (!strcmp(name, fault_reactions[i].name)) {
			*row = fault_reactions[i].row;
			return true;
		}
	return false;
}

/* "A, B:warn, C:bench" */
static int faults(struct pctx *x, struct cfgini *c, const char *k,
		  const char *v)
{
	struct profile *p = x->p;
	char buf[512], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return cfgini_fail(c, k, "value too long");
	snprintf(buf, sizeof(buf), "%s", v);
	p->n_faults = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct profile_fault *f;
		char *colon, *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (p->n_faults == PROFILE_MAX_FAULTS)
			return cfgini_fail(c, k, "more than %d fault signals",
					   PROFILE_MAX_FAULTS);
		f = &p->faults[p->n_faults];
		f->row = x->fault_default;
		colon = strchr(tok, ':');
		if (colon) {
			*colon++ = '\0';
			if (!fault_row(colon, &f->row))
				return cfgini_fail(c, k,
						   "expected ':warn', ':abort' "
						   "or ':bench' after '%s', "
						   "found ':%s'",
						   tok, colon);
		}
		TRY(signal_name(c, k, tok, f->signal, sizeof(f->signal)));
		p->n_faults++;
	}
	return 0;
}

static int key_bms(struct pctx *x, struct cfgini *c, const char *k,
		   const char *v)
{
	struct profile *p = x->p;

	if (!strcmp(k, "protocol")) {
		if (!strcmp(v, "gbt27930"))
			p->gbt = true;
		else if (strcmp(v, "can"))
			return cfgini_fail(c, k, "'%s' is not can or gbt27930",
					   v);
		x->protocol_line = c->line;
		return 0;
	}
	if (!strcmp(k, "dbc")) {
		x->has_dbc = true;
		if (cfgini_resolve(x->base_dir, v, p->dbc_path,
				   sizeof(p->dbc_path)) < 0)
			return cfgini_fail(c, k, "path too long");
		return 0;
	}
	if (!strcmp(k, "cell_voltage")) {
		x->has_cells = true;
		return pattern(c, k, v, p->cell_voltage_fmt,
			       sizeof(p->cell_voltage_fmt));
	}
	if (!strcmp(k, "temperature"))
		return pattern(c, k, v, p->temperature_fmt,
			       sizeof(p->temperature_fmt));
	if (!strcmp(k, "probes"))
		return cfgini_uint(c, k, v, 0, 1000, &p->n_probes);
	if (!strcmp(k, "pack_voltage")) {
		x->has_pack_v = true;
		return signal_name(c, k, v, p->pack_voltage,
				   sizeof(p->pack_voltage));
	}
	if (!strcmp(k, "pack_current")) {
		x->has_pack_i = true;
		return signal_name(c, k, v, p->pack_current,
				   sizeof(p->pack_current));
	}
	if (!strcmp(k, "current_charge_positive") ||
	    !strcmp(k, "charge_positive"))
		return cfgini_bool(c, k, v, &p->current_charge_positive);
	if (!strcmp(k, "soc"))
		return signal_name(c, k, v, p->soc, sizeof(p->soc));
	if (!strcmp(k, "soh"))
		return signal_name(c, k, v, p->soh, sizeof(p->soh));
	if (!strcmp(k, "capacity"))
		return signal_name(c, k, v, p->capacity, sizeof(p->capacity));
	if (!strcmp(k, "rated_capacity"))
		return signal_name(c, k, v, p->rated_capacity,
				   sizeof(p->rated_capacity));
	if (!strcmp(k, "rated_voltage"))
		return signal_name(c, k, v, p->rated_voltage,
				   sizeof(p->rated_voltage));
	if (!strcmp(k, "ccl"))
		return signal_name(c, k, v, p->ccl, sizeof(p->ccl));
	if (!strcmp(k, "dcl"))
		return signal_name(c, k, v, p->dcl, sizeof(p->dcl));
	if (!strcmp(k, "contactor_state"))
		return signal_name(c, k, v, p->contactor_state,
				   sizeof(p->contactor_state));
	if (!strcmp(k, "contactor_open"))
		return cfgini_int(c, k, v, 0, 65535, &p->contactor_open);
	if (!strcmp(k, "contactor_closed"))
		return cfgini_int(c, k, v, 0, 65535, &p->contactor_closed);
	if (!strcmp(k, "contactor_welded"))
		return cfgini_int(c, k, v, -1, 65535, &p->contactor_welded);
	if (!strcmp(k, "fault_signals")) {
		/* parsed at the end, after fault_reaction wherever it is */
		x->faults_line = c->line;
		return cfgini_str(c, k, v, x->faults_text,
				  sizeof(x->faults_text));
	}
	if (!strcmp(k, "fault_reaction")) {
		/* the default is abort or warn; ":bench" is given per signal */
		if (fault_row(v, &x->fault_default) &&
		    x->fault_default != DIAG_BMS_FAULT_BENCH)
			return 0;
		return cfgini_fail(c, k, "expected abort or warn, found '%s'",
				   v);
	}
	if (!strcmp(k, "heartbeat_timeout_ms"))
		return cfgini_uint(c, k, v, 10, 600000,
				   &p->heartbeat_timeout_ms);
	return cfgini_fail(c, k, "unknown key in [bms]");
}

static int key_tx(struct pctx *x, struct cfgini *c, const char *k,
		  const char *v)
{
	struct profile *p = x->p;

	if (!strcmp(k, "message"))
		return signal_name(c, k, v, p->tx_message,
				   sizeof(p->tx_message));
	if (!strcmp(k, "period_ms"))
		return cfgini_uint(c, k, v, 10, 10000, &p->tx_period_ms);
	if (!strcmp(k, "contactor_signal"))
		return signal_name(c, k, v, p->tx_contactor_signal,
				   sizeof(p->tx_contactor_signal));
	if (!strcmp(k, "contactor_open"))
		return cfgini_int(c, k, v, 0, 65535, &p->tx_contactor_open);
	if (!strcmp(k, "contactor_close"))
		return cfgini_int(c, k, v, 0, 65535, &p->tx_contactor_close);
	if (!strcmp(k, "alive_signal"))
		return signal_name(c, k, v, p->tx_alive_signal,
				   sizeof(p->tx_alive_signal));
	return cfgini_fail(c, k, "unknown key in [bench_tx]");
}

static int on_key(struct cfgini *c, const char *section, const char *key,
		  const char *value)
{
	struct pctx *x = c->user;

	for (size_t i = 0; i < sizeof(cross_keys) / sizeof(cross_keys[0]); i++)
		if (!strcmp(key, cross_keys[i]))
			x->lines[i] = c->line;

	if (!strcmp(section, "pack"))
		return key_pack(x, c, key, value);
	if (!strcmp(section, "limits"))
		return key_limits(x, c, key, value);
	if (!strcmp(section, "bms"))
		return key_bms(x, c, key, value);
	if (!strcmp(section, "bench_tx"))
		return key_tx(x, c, key, value);
	if (profile_poll_section(section))
		return profile_poll_key(x->p, c, section, key, value);
	if (profile_veh_section(section))
		return profile_veh_key(x->p, c, section, key, value);
	if (!section[0])
		return cfgini_fail(c, key, "key outside a section");
	return cfgini_fail(c, "",
			   "unknown section [%s] (expected pack, limits, bms, "
			   "bench_tx, polling, ecu NAME, poll NAME, "
			   "vehicle_frame NAME, contactor_close, "
			   "contactor_open)",
			   section);
}

/* Does a poll of the profile read this role? */
static bool polled(const struct profile *p, enum poll_role r)
{
	for (unsigned i = 0; i < p->poll.n_fields; i++)
		if (p->poll.fields[i].role == r)
			return true;
	return false;
}

/* A GB/T pack's values come from its charging session: a DBC, signals,
 * a contactor frame, polls or vehicle frames would never be read. */
static int gbt_only(const struct pctx *x, const char *name)
{
	const struct profile *p = x->p;
	const char *what = x->has_dbc		    ? "dbc"
			   : p->cell_voltage_fmt[0] ? "cell_voltage"
			   : p->temperature_fmt[0]  ? "temperature"
			   : p->pack_voltage[0] || p->pack_current[0]
			       ? "pack signals"
			   : p->tx_message[0] ? "[bench_tx]"
			   : p->poll.n_polls  ? "[poll]"
			   : p->veh.n_frames  ? "[vehicle_frame]"
					      : NULL;
	struct cfgini c = {.name = name,
			   .err = x->p->error,
			   .err_len = sizeof(x->p->error),
			   .line = x->protocol_line};

	if (what)
		return cfgini_fail(
		    &c, "protocol",
		    "gbt27930 takes the pack's values from the "
		    "charging session: %s cannot be used with it",
		    what);
	return 0;
}

static int require(struct pctx *x, const char *name)
{
	struct profile *p = x->p;
	static const struct {
		size_t off;
		const char *what;
	} req[] = {
	    {offsetof(struct pctx, has_chem), "chemistry in [pack]"},
	    {offsetof(struct pctx, has_series), "series in [pack]"},
	    {offsetof(struct pctx, has_rated), "rated_capacity_ah in [pack]"},
	    {offsetof(struct pctx, has_dbc), "dbc in [bms]"},
	    {offsetof(struct pctx, has_cells),
	     "cell_voltage in [bms] or a [poll]"},
	    {offsetof(struct pctx, has_pack_v),
	     "pack_voltage in [bms] or a [poll]"},
	    {offsetof(struct pctx, has_pack_i),
	     "pack_current in [bms] or a [poll]"},
	};

	if (p->gbt)
		return gbt_only(x, name);
	/* a value a poll reads needs no broadcast signal */
	x->has_cells |= polled(p, POLL_ROLE_CELL_V);
	x->has_pack_v |= polled(p, POLL_ROLE_PACK_V);
	x->has_pack_i |= polled(p, POLL_ROLE_PACK_I);
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!*(const bool *)((const char *)x + req[i].off))
			return cfgini_fail_file(name, p->error,
						sizeof(p->error),
						"missing key %s", req[i].what);
	return 0;
}

static unsigned key_line(const struct pctx *x, const char *key)
{
	for (size_t i = 0; i < sizeof(cross_keys) / sizeof(cross_keys[0]); i++)
		if (!strcmp(key, cross_keys[i]))
			return x->lines[i];
	return 0;
}

/* keys a and b disagree: the error names the later one's line (a key left
 * to its default has none: the other one is then the culprit). */
static int fail_pair(const struct pctx *x, const char *name, const char *a,
		     const char *b, const char *msg)
{
	struct profile *p = x->p;
	unsigned la = key_line(x, a), lb = key_line(x, b);
	const char *k = la > lb ? a : b;

	if (!la && !lb)
		return cfgini_fail_file(name, p->error, sizeof(p->error), "%s",
					msg);
	return cfgini_fail_line(name, la > lb ? la : lb, p->error,
				sizeof(p->error), k, "%s", msg);
}

/* Every tier of one key inside the chemistry's safe window [lo, hi]. */
static int in_window(const struct pctx *x, const char *name, const char *key,
		     const int32_t tier[3], int32_t lo, int32_t hi, double div,
		     const char *unit)
{
	struct profile *p = x->p;
	struct cfgini c = {.name = name,
			   .err = p->error,
			   .err_len = sizeof(p->error),
			   .line = key_line(x, key)};
	char chem[8];

	for (int i = 0; i < 3; i++) {
		if (tier[i] >= lo && tier[i] <= hi)
			continue;
		for (int k = 0; k < 8; k++)
			chem[k] = (char)toupper((unsigned char)p->chemistry[k]);
		chem[7] = '\0';
		return cfgini_fail(
		    &c, key, "%g %s outside the %s safe window %g..%g %s",
		    tier[i] / div, unit, chem, lo / div, hi / div, unit);
	}
	return 0;
}

static int safe_window(const struct pctx *x, const char *name,
		       const struct chem_defaults *ch)
{
	const struct profile *p = x->p;

	TRY(in_window(x, name, "cell_voltage_high", p->cell_high_mV,
		      ch->safe_cell_mV[0], ch->safe_cell_mV[1], 1000.0, "V"));
	TRY(in_window(x, name, "cell_voltage_low", p->cell_low_mV,
		      ch->safe_cell_mV[0], ch->safe_cell_mV[1], 1000.0, "V"));
	TRY(in_window(x, name, "temperature_high", p->temp_high_ddegC,
		      ch->safe_temp_ddegC[0], ch->safe_temp_ddegC[1], 10.0,
		      "C"));
	return in_window(x, name, "temperature_low", p->temp_low_ddegC,
			 ch->safe_temp_ddegC[0], ch->safe_temp_ddegC[1], 10.0,
			 "C");
}

/* The cell's own curve, inside the chemistry's safe window. */
static int ocv_curve(struct pctx *x, const char *name,
		     const struct chem_defaults *ch)
{
	struct profile *p = x->p;
	char err[160];

	if (!x->ocv_line)
		return 0;
	if (ocvtab_parse(x->ocv_text, ch->safe_cell_mV[0] / 1000.0,
			 ch->safe_cell_mV[1] / 1000.0, &p->ocv, err,
			 sizeof(err)) < 0)
		return cfgini_fail_line(name, x->ocv_line, p->error,
					sizeof(p->error), "ocv_curve", "%s",
					err);
	return 0;
}

/* Fill what the file left out, resolve C-rates, check consistency. */
static int finish(struct pctx *x, const char *name)
{
	struct profile *p = x->p;
	const struct chem_defaults *ch;
	uint32_t mAh;

	TRY(require(x, name));
	if (!p->gbt) /* its session gives every cell it reports */
		TRY(profile_poll_finish(p, name));
	TRY(profile_veh_finish(p, name));
	ch = chem_find(p->chemistry);
	if (!x->has_cell_high)
		memcpy(p->cell_high_mV, ch->cell_high_mV,
		       sizeof(p->cell_high_mV));
	if (!x->has_cell_low)
		memcpy(p->cell_low_mV, ch->cell_low_mV, sizeof(p->cell_low_mV));
	if (!x->has_window) {
		p->spread_window_low_mV = ch->spread_window_mV[0];
		p->spread_window_high_mV = ch->spread_window_mV[1];
	}
	if (p->cell_low_mV[PROFILE_OP] >= p->cell_high_mV[PROFILE_OP])
		return fail_pair(x, name, "cell_voltage_low",
				 "cell_voltage_high",
				 "cell_voltage_low must be below "
				 "cell_voltage_high");
	if (p->temp_low_ddegC[PROFILE_OP] >= p->temp_high_ddegC[PROFILE_OP])
		return fail_pair(x, name, "temperature_low", "temperature_high",
				 "temperature_low must be below "
				 "temperature_high");
	TRY(safe_window(x, name, ch));
	TRY(ocv_curve(x, name, ch));
	if (p->modules > p->series) {
		char msg[64];

		snprintf(msg, sizeof(msg), "modules (%u) above series (%u)",
			 p->modules, p->series);
		return fail_pair(x, name, "modules", "series", msg);
	}
	if (p->temperature_fmt[0] && p->n_probes == 0)
		return fail_pair(x, name, "temperature", "probes",
				 "temperature pattern given but probes is 0");
	mAh = profile_rated_mAh(p);
	currents_by_rate(p);
	for (int i = 0; i < 3; i++) {
		if (x->charge.given)
			p->charge_mA[i] =
			    recipe_current_mA(&x->charge.c[i], mAh);
		if (x->discharge.given)
			p->discharge_mA[i] =
			    recipe_current_mA(&x->discharge.c[i], mAh);
	}
	for (int i = 0; i < 2; i++) {
		if (p->charge_mA[i] > p->charge_mA[i + 1])
			return fail_pair(x, name, "charge_current",
					 "charge_current",
					 "current tiers must ascend "
					 "(operating warning hard)");
		if (p->discharge_mA[i] > p->discharge_mA[i + 1])
			return fail_pair(x, name, "discharge_current",
					 "discharge_current",
					 "current tiers must ascend "
					 "(operating warning hard)");
	}
	if (!p->model[0]) {
		const char *base = strrchr(name, '/');
		const char *dot;

		base = base ? base + 1 : name;
		dot = strrchr(base, '.');
		snprintf(p->model, sizeof(p->model), "%.*s",
			 (int)(dot ? dot - base : (long)strlen(base)), base);
	}
	return 0;
}

static void profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->parallel = 1;
	p->modules = 1;
	defaults_common(p);
}

int profile_parse(const char *text, const char *name, const char *base_dir,
		  struct profile *p)
{
	struct pctx x;
	struct cfgini fc = {.name = name,
			    .err = p->error,
			    .err_len = sizeof(p->error),
			    .user = &x};
	int rc;

	profile_init(p);
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.base_dir = base_dir;
	x.fault_default = DIAG_BMS_FAULT;
	rc = cfgini_run(text, name, &x, on_key, p->error, sizeof(p->error));
	if (rc == 0 && x.faults_text[0]) {
		fc.line = x.faults_line;
		rc = faults(&x, &fc, "fault_signals", x.faults_text);
	}
	if (rc == 0)
		rc = finish(&x, name);
	if (rc == 0) {
		p->text = strdup(text);
		if (!p->text)
			rc = BENCH_ERR_MEM;
	}
	if (rc < 0) {
		char err[sizeof(p->error)];

		memcpy(err, p->error, sizeof(err));
		profile_release(p);
		memcpy(p->error, err, sizeof(err));
	}
	return rc;
}

int profile_load_file(const char *path, struct profile *p)
{
	char dir[PROFILE_PATH_LEN];
	char *text;
	int rc;

	memset(p, 0, sizeof(*p));
	TRY(cfgini_read_file(path, &text, p->error, sizeof(p->error)));
	cfgini_dirname(path, dir, sizeof(dir));
	rc = profile_parse(text, path, dir, p);
	free(text);
	return rc;
}

void profile_release(struct profile *p)
{
	free(p->text);
	memset(p, 0, sizeof(*p));
}

int profile_for_sim_gbt(const char *chemistry, unsigned series,
			unsigned parallel, unsigned modules, unsigned n_probes,
			double rated_ah, struct profile *out)
{
	const struct chem_defaults *ch = chem_find(chemistry ? chemistry : "");
	struct profile *p = out;

	profile_init(p);
	if (!ch || series == 0 || series > 192 || parallel == 0 ||
	    modules == 0 || modules > series || n_probes > 64 ||
	    !(rated_ah > 0.0)) {
		snprintf(p->error, sizeof(p->error),
			 "cannot build a GB/T profile for %s %us%up",
			 chemistry ? chemistry : "(null)", series, parallel);
		log_err("%s", p->error);
		return BENCH_ERR_ARG;
	}
	snprintf(p->chemistry, sizeof(p->chemistry), "%s", ch->name);
	snprintf(p->model, sizeof(p->model), "sim-gbt-%s-%us%up", ch->name,
		 series, parallel);
	p->gbt = true;
	p->series = series;
	p->parallel = parallel;
	p->modules = modules;
	p->n_probes = n_probes;
	p->rated_capacity_ah = rated_ah;
	memcpy(p->cell_high_mV, ch->gbt_cell_high_mV, sizeof(p->cell_high_mV));
	memcpy(p->cell_low_mV, ch->cell_low_mV, sizeof(p->cell_low_mV));
	p->spread_window_low_mV = ch->spread_window_mV[0];
	p->spread_window_high_mV = ch->spread_window_mV[1];
	currents_by_rate(p);
	return profile_write_text(p);
}

int profile_for_sim(const char *chemistry, unsigned series, unsigned parallel,
		    unsigned modules, unsigned n_probes, double rated_ah,
		    const char *dbc_path, struct profile *out)
{
	/* clang-format off */
	static const struct {
		const char *signal;
		enum diag_id row;
	} faults_sim[] = {
		{"Fault_CellOV", DIAG_BMS_FAULT},
		{"Fault_CellUV", DIAG_BMS_FAULT},
		{"Fault_OverTemp", DIAG_BMS_FAULT},
		{"Fault_OverCurrent", DIAG_BMS_FAULT},
		/* the BMS lost OUR heartbeat: a bench problem, not the pack */
		{"Fault_Comm", DIAG_BMS_FAULT_BENCH},
		{"Fault_Internal", DIAG_BMS_FAULT},
	};
	/* clang-format on */
	const struct chem_defaults *ch = chem_find(chemistry ? chemistry : "");
	struct profile *p = out;

	profile_init(p);
	if (!ch || series == 0 || series > 192 || parallel == 0 ||
	    modules == 0 || modules > series || n_probes > 64 ||
	    !(rated_ah > 0.0) || !dbc_path) {
		snprintf(p->error, sizeof(p->error),
			 "cannot build a simulated BMS profile for %s %us%up "
			 "(%u modules, %u probes, %g Ah)",
			 chemistry ? chemistry : "(null)", series, parallel,
			 modules, n_probes, rated_ah);
		log_err("%s", p->error);
		return BENCH_ERR_ARG;
	}
	snprintf(p->chemistry, sizeof(p->chemistry), "%s", ch->name);
	snprintf(p->model, sizeof(p->model), "sim-%s-%us%up", ch->name, series,
		 parallel);
	p->series = series;
	p->parallel = parallel;
	p->modules = modules;
	p->n_probes = n_probes;
	p->rated_capacity_ah = rated_ah;
	memcpy(p->cell_high_mV, ch->cell_high_mV, sizeof(p->cell_high_mV));
	memcpy(p->cell_low_mV, ch->cell_low_mV, sizeof(p->cell_low_mV));
	p->spread_window_low_mV = ch->spread_window_mV[0];
	p->spread_window_high_mV = ch->spread_window_mV[1];
	currents_by_rate(p);
	snprintf(p->dbc_path, sizeof(p->dbc_path), "%s", dbc_path);
	snprintf(p->cell_voltage_fmt, sizeof(p->cell_voltage_fmt),
		 "Cell%%03u_V");
	if (n_probes)
		snprintf(p->temperature_fmt, sizeof(p->temperature_fmt),
			 "Temp%%03u_C");
	snprintf(p->pack_voltage, sizeof(p->pack_voltage), "Pack_Voltage");
	snprintf(p->pack_current, sizeof(p->pack_current), "Pack_Current");
	snprintf(p->soc, sizeof(p->soc), "Pack_SOC");
	snprintf(p->ccl, sizeof(p->ccl), "BMS_CCL");
	snprintf(p->dcl, sizeof(p->dcl), "BMS_DCL");
	snprintf(p->contactor_state, sizeof(p->contactor_state),
		 "Contactor_State");
	p->contactor_welded = 3;
	for (size_t i = 0; i < sizeof(faults_sim) / sizeof(faults_sim[0]);
	     i++) {
		struct profile_fault *f = &p->faults[p->n_faults++];

		snprintf(f->signal, sizeof(f->signal), "%s",
			 faults_sim[i].signal);
		f->row = faults_sim[i].row;
	}
	snprintf(p->tx_message, sizeof(p->tx_message), "BENCH_Command");
	snprintf(p->tx_contactor_signal, sizeof(p->tx_contactor_signal),
		 "Bench_ContactorReq");
	snprintf(p->tx_alive_signal, sizeof(p->tx_alive_signal), "Bench_Alive");
	return profile_write_text(p);
}
