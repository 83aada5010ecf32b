/* SPDX-License-Identifier: Apache-2.0 */
/* rules.h - grading thresholds from an INI file (libinih).
 *
 * The defaults are fixtures/rules/default.ini, also compiled in
 * (rules_default_ini) so grading works without the fixtures directory. A
 * rules file may set any subset of keys; unknown sections/keys and bad
 * values are errors naming file, line and key. The sha256 of the bytes
 * read (or of the built-in text) identifies the rules in every grade.
 */
#ifndef BENCH_ANALYSIS_RULES_H
#define BENCH_ANALYSIS_RULES_H

#include <stdbool.h>

#include "common/sha256.h"

enum r_measure { R_MEASURE_OHMIC = 0, R_MEASURE_10S = 1 };

struct rules {
	double soh_reuse_min, soh_recycle_below;
	double r_reuse_max_ratio, r_recycle_above_ratio;
	enum r_measure r_measure;
	double r10_factor, ref_r0_mohm_ah;
	double rest_spread_max_mv, soc_spread_max, capacity_spread_max,
	    r_spread_max;
	double weak_below_median, high_r_over_median, offset_soc_min;
	double ocv_min_nmc_v, ocv_min_lfp_v;
	double module_max_weak_fraction;
	bool module_single_ok;
	double module_rest_min_soh;
	double sd_skip_hours, sd_sigma, sd_median_factor, sd_quant_mv,
	    sd_floor_steps, sd_leak_ma_max, sd_min_t;
	double temp_max_c, temp_spread_max_c;
	char sha256[SHA256_HEX_LEN];
	char source[256]; /* file path or "built-in" */
};

extern const char rules_default_ini[];

/* Parse text over the built-in defaults; name is used in messages. */
int rules_parse_text(const char *text, const char *name, struct rules *r);
/* Load path (NULL: the built-in defaults) and hash its bytes. */
int rules_load(const char *path, struct rules *r);

#endif
