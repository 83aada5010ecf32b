/* SPDX-License-Identifier: Apache-2.0 */
/* formats.h - one detector and parser per format, listed in import.c. */
#ifndef BENCH_IMPORT_FORMATS_H
#define BENCH_IMPORT_FORMATS_H

#include <stddef.h>

#include "import/import.h"

#define IMPORT_FORMAT_DECL(name)                                               \
	int name##_detect(const char *head, size_t n);                         \
	int name##_parse(const char *path, struct import_info *info,           \
			 import_row_fn fn, void *ctx)

IMPORT_FORMAT_DECL(neware_csv);
IMPORT_FORMAT_DECL(arbin_csv);
IMPORT_FORMAT_DECL(biologic_txt);
IMPORT_FORMAT_DECL(maccor_txt);
IMPORT_FORMAT_DECL(bdf_csv);
IMPORT_FORMAT_DECL(biologic_mpr);
IMPORT_FORMAT_DECL(arbin_res);
IMPORT_FORMAT_DECL(neware_nda);
IMPORT_FORMAT_DECL(neware_ndax);

/* Case-insensitive substring (detectors and state names). */
int import_has(const char *hay, const char *needle);

#endif
