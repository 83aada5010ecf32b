/* SPDX-License-Identifier: Apache-2.0 */
/* rules.c - grading rules INI: table-driven keys over built-in defaults. */
#define LOG_PREFIX "rules"
#include "rules.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/rc.h"

enum kind { K_NUM, K_FRAC, K_BOOL, K_MEASURE };

struct key {
	const char *section, *name;
	size_t off;
	enum kind kind;
};

#define NUM(s, n, f)                                                           \
	{                                                                      \
		s, n, offsetof(struct rules, f), K_NUM                         \
	}
#define FRAC(s, n, f)                                                          \
	{                                                                      \
		s, n, offsetof(struct rules, f), K_FRAC                        \
	}

/* clang-format off */
static const struct key keys[] = {
	FRAC("soh", "reuse_min", soh_reuse_min),
	FRAC("soh", "recycle_below", soh_recycle_below),
	NUM("resistance", "reuse_max_ratio", r_reuse_max_ratio),
	NUM("resistance", "recycle_above_ratio", r_recycle_above_ratio),
	{"resistance", "measure", offsetof(struct rules, r_measure), K_MEASURE},
	NUM("resistance", "r10_factor", r10_factor),
	NUM("resistance", "ref_r0_mohm_ah", ref_r0_mohm_ah),
	NUM("dispersion", "rest_spread_max_mv", rest_spread_max_mv),
	FRAC("dispersion", "soc_spread_max", soc_spread_max),
	FRAC("dispersion", "capacity_spread_max", capacity_spread_max),
	NUM("dispersion", "r_spread_max", r_spread_max),
	FRAC("cell", "weak_below_median", weak_below_median),
	NUM("cell", "high_r_over_median", high_r_over_median),
	FRAC("cell", "offset_soc_min", offset_soc_min),
	NUM("cell", "ocv_min_nmc_v", ocv_min_nmc_v),
	NUM("cell", "ocv_min_lfp_v", ocv_min_lfp_v),
	FRAC("module", "max_weak_fraction", module_max_weak_fraction),
	{"module", "single_module_ok", offsetof(struct rules, module_single_ok),
	 K_BOOL},
	FRAC("module", "rest_min_soh", module_rest_min_soh),
	NUM("self_discharge", "skip_hours", sd_skip_hours),
	NUM("self_discharge", "sigma", sd_sigma),
	NUM("self_discharge", "median_factor", sd_median_factor),
	NUM("self_discharge", "quant_mv", sd_quant_mv),
	NUM("self_discharge", "floor_steps", sd_floor_steps),
	NUM("self_discharge", "leak_ma_max", sd_leak_ma_max),
	NUM("self_discharge", "min_t", sd_min_t),
	NUM("safety", "temp_max_c", temp_max_c),
	NUM("safety", "temp_spread_max_c", temp_spread_max_c),
};
/* clang-format on */

struct parse_ctx {
	struct rules *r;
	char err[200];
};

static int set_key(struct parse_ctx *pc, const struct key *k, const char *v)
{
	char *end;
	void *dst = (char *)pc->r + k->off;

	switch (k->kind) {
	case K_BOOL:
		if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
		    !strcmp(v, "1"))
			*(bool *)dst = true;
		else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
			 !strcmp(v, "0"))
			*(bool *)dst = false;
		else
			goto bad;
		return 1;
	case K_MEASURE:
		if (!strcasecmp(v, "ohmic"))
			*(enum r_measure *)dst = R_MEASURE_OHMIC;
		else if (!strcasecmp(v, "10s"))
			*(enum r_measure *)dst = R_MEASURE_10S;
		else
			goto bad;
		return 1;
	case K_NUM:
	case K_FRAC: {
		double x;

		errno = 0;
		x = strtod(v, &end);
		while (*end == ' ' || *end == '\t')
			end++;
		if (end == v || *end || errno || !isfinite(x) || x < 0 ||
		    (k->kind == K_FRAC && x > 1))
			goto bad;
		*(double *)dst = x;
		return 1;
	}
	}
bad:
	if (pc->err[0])
		return 0; /* inih reports the first error's line: keep its text
			   */
	snprintf(pc->err, sizeof(pc->err), "[%s] %s: bad value '%s' (%s)",
		 k->section, k->name, v,
		 k->kind == K_FRAC	? "expected a fraction 0..1"
		 : k->kind == K_BOOL	? "expected true or false"
		 : k->kind == K_MEASURE ? "expected ohmic or 10s"
					: "expected a number >= 0");
	return 0;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *pc = user;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].section, section) &&
		    !strcmp(keys[i].name, name))
			return set_key(pc, &keys[i], value);
	if (!pc->err[0])
		snprintf(pc->err, sizeof(pc->err),
			 "unknown key '%s' in section [%s]", name, section);
	return 0;
}

static int check(const struct rules *r, const char *name)
{
	if (r->soh_recycle_below > r->soh_reuse_min) {
		log_err("%s: [soh] recycle_below %.3f is above reuse_min %.3f",
			name, r->soh_recycle_below, r->soh_reuse_min);
		return BENCH_ERR_PARSE;
	}
	if (r->r_reuse_max_ratio > r->r_recycle_above_ratio) {
		log_err("%s: [resistance] reuse_max_ratio %.3f is above "
			"recycle_above_ratio %.3f",
			name, r->r_reuse_max_ratio, r->r_recycle_above_ratio);
		return BENCH_ERR_PARSE;
	}
	return BENCH_OK;
}

static int parse_over(const char *text, const char *name, struct rules *r)
{
	struct parse_ctx pc = {.r = r};
	int line = ini_parse_string(text, handler, &pc);

	if (line != 0) {
		log_err("%s:%d: %s", name, line,
			pc.err[0] ? pc.err : "syntax error");
		return BENCH_ERR_PARSE;
	}
	return check(r, name);
}

int rules_parse_text(const char *text, const char *name, struct rules *r)
{
	memset(r, 0, sizeof(*r));
	TRY(parse_over(rules_default_ini, "built-in rules", r));
	TRY(parse_over(text, name, r));
	snprintf(r->source, sizeof(r->source), "%s", name);
	sha256_hex(text, strlen(text), r->sha256);
	return BENCH_OK;
}

int rules_load(const char *path, struct rules *r)
{
	FILE *f;
	char *text;
	long len;
	int rc;

	if (!path)
		return rules_parse_text(rules_default_ini, "built-in", r);
	f = fopen(path, "rb");
	if (!f) {
		log_err("cannot open rules '%s': %s", path, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		log_err("cannot read rules '%s': %s", path, strerror(errno));
		fclose(f);
		return BENCH_ERR_IO;
	}
	text = malloc((size_t)len + 1);
	if (!text) {
		fclose(f);
		log_err("out of memory reading '%s'", path);
		return BENCH_ERR_MEM;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		log_err("cannot read rules '%s': short read", path);
		fclose(f);
		free(text);
		return BENCH_ERR_IO;
	}
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != (size_t)len) {
		log_err("%s: contains a NUL byte: not a rules file", path);
		free(text);
		return BENCH_ERR_PARSE;
	}
	rc = rules_parse_text(text, path, r);
	free(text);
	return rc;
}
