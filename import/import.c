/* SPDX-License-Identifier: Apache-2.0 */
/* import.c - the format table and detection from content. */
#define LOG_PREFIX "import"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "import/formats.h"
#include "import/import.h"

#define IMPORT_BINARY_NAMES "biologic_mpr, neware_nda, neware_ndax, arbin_res"
#define IMPORT_FORMAT_NAMES                                                    \
	"neware_csv, arbin_csv, biologic_txt, maccor_txt, "                    \
	"bdf_csv, " IMPORT_BINARY_NAMES

/* clang-format off */
static const struct import_format formats[] = {
	{"neware_csv",   neware_csv_detect,   neware_csv_parse,   0},
	{"arbin_csv",    arbin_csv_detect,    arbin_csv_parse,    0},
	{"biologic_txt", biologic_txt_detect, biologic_txt_parse, 0},
	{"maccor_txt",   maccor_txt_detect,   maccor_txt_parse,   0},
	{"bdf_csv",      bdf_csv_detect,      bdf_csv_parse,      0},
	{"biologic_mpr", biologic_mpr_detect, biologic_mpr_parse, 1},
	{"neware_nda",   neware_nda_detect,   neware_nda_parse,   1},
	{"neware_ndax",  neware_ndax_detect,  neware_ndax_parse,  1},
	{"arbin_res",    arbin_res_detect,    arbin_res_parse,    1},
};
/* clang-format on */

const struct import_format *import_formats(size_t *n)
{
	*n = sizeof(formats) / sizeof(formats[0]);
	return formats;
}

const struct import_format *import_format_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

const struct import_format *import_detect(const char *path)
{
	char head[IMPORT_HEAD_BYTES + 1];
	const struct import_format *best = NULL;
	int best_score = 0;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		log_err("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	n = fread(head, 1, IMPORT_HEAD_BYTES, f);
	fclose(f);
	head[n] = '\0';
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		int s = formats[i].detect(head, n);

		if (s > best_score) {
			best_score = s;
			best = &formats[i];
		}
	}
	if ((!best || !best->binary) && memchr(head, '\0', n)) {
		log_err("%s: binary content: not a text export, and none of "
			"the binary formats this version reads (%s)",
			path, IMPORT_BINARY_NAMES);
		return NULL;
	}
	if (!best)
		log_err("%s:1: not a format this version reads (%s): no "
			"known header in its first %d bytes",
			path, IMPORT_FORMAT_NAMES, IMPORT_HEAD_BYTES);
	return best;
}

void import_row_clear(struct import_row *r)
{
	memset(r, 0, sizeof(*r));
	r->test_time_s = r->step_time_s = r->unix_time_s = NAN;
	r->current_A = r->voltage_V = r->temperature_C = NAN;
	r->cycle = r->step = -1;
	r->kind = IMPORT_KIND_UNKNOWN;
	r->chg_Ah = r->dchg_Ah = r->chg_Wh = r->dchg_Wh = NAN;
	r->resistance_ohm = NAN;
}

const char *import_kind_name(enum import_kind k)
{
	switch (k) {
	case IMPORT_KIND_CHARGE:
		return "charge";
	case IMPORT_KIND_DISCHARGE:
		return "discharge";
	case IMPORT_KIND_REST:
		return "rest";
	case IMPORT_KIND_OTHER:
		return "other";
	default:
		return "unknown";
	}
}

int import_has(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}
